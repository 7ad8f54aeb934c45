//! Scheduled reports (story B45-P8): what an admin configures and what the API returns.
//! Validation lives here so that the browser checks a form with the server's rules
//! before it is sent, and the server checks it again.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Schedule, ScheduleFields};
use crate::cash::CashSessionFilter;
use crate::error::AppError;
use crate::filter::Filter;
use crate::ids::{ReportLogId, ScheduledReportId, UserId};
use crate::reception::ReceptionFilter;

/// At most this many recipients per report.
pub const MAX_RECIPIENTS: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportType {
    /// The cash audit (the filter of `/v1/admin/cash-sessions`).
    CashSession,
    /// Reception tickets (the reception filter).
    ReceptionTicket,
}

impl ReportType {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportType::CashSession => "cash_session",
            ReportType::ReceptionTicket => "reception_ticket",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ReportType::CashSession => "Sessions de caisse",
            ReportType::ReceptionTicket => "Tickets de réception",
        }
    }
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        match raw.trim() {
            "cash_session" => Ok(ReportType::CashSession),
            "reception_ticket" => Ok(ReportType::ReceptionTicket),
            other => Err(AppError::field(
                "type",
                format!(
                    "Type de rapport inconnu : « {} » (cash_session ou reception_ticket).",
                    crate::error::truncate(other)
                ),
            )),
        }
    }
}

/// `csv` (the project's CSV profile) or `excel` (XLSX).
pub fn parse_format(raw: &str) -> Result<&'static str, AppError> {
    match raw.trim() {
        "csv" => Ok("csv"),
        "excel" | "xlsx" => Ok("excel"),
        other => Err(AppError::field(
            "format",
            format!("Format inconnu : « {} » (csv ou excel).", crate::error::truncate(other)),
        )),
    }
}

/// An e-mail address as a person types it: one `@`, something before, a domain with a
/// dot after, no spaces. The server parses it again with its mail library.
pub fn check_address(raw: &str) -> Result<String, AppError> {
    let a = raw.trim();
    let ok = a.len() <= 254
        && !a
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | ';' | '<' | '>' | '"'))
        && match a.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
            }
            None => false,
        };
    if ok {
        Ok(a.to_string())
    } else {
        Err(AppError::field(
            "recipients",
            format!("Adresse e-mail invalide : « {} ».", crate::error::truncate(a)),
        ))
    }
}

/// The recipients: at least one, each valid, none twice (case ignored).
pub fn check_recipients(list: &[String]) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for raw in list {
        let a = check_address(raw)?;
        if out.iter().any(|o| o.eq_ignore_ascii_case(&a)) {
            return Err(AppError::field(
                "recipients",
                format!("L'adresse « {} » est donnée deux fois.", crate::error::truncate(&a)),
            ));
        }
        out.push(a);
    }
    if out.is_empty() {
        return Err(AppError::field("recipients", "Indiquez au moins un destinataire."));
    }
    if out.len() > MAX_RECIPIENTS {
        return Err(AppError::field("recipients", format!("Au plus {MAX_RECIPIENTS} destinataires.")));
    }
    Ok(out)
}

/// Checks `filters` against the filter of `report_type`; returns its canonical JSON.
pub fn check_filters(report_type: ReportType, filters: &serde_json::Value) -> Result<serde_json::Value, AppError> {
    let wrap = |e: AppError| AppError::field("filters_json", format!("Filtres : {e}"));
    if !filters.is_object() && !filters.is_null() {
        return Err(AppError::field("filters_json", "Les filtres doivent être un objet JSON."));
    }
    Ok(match report_type {
        ReportType::CashSession => CashSessionFilter::from_json(filters).map_err(wrap)?.to_json(),
        ReportType::ReceptionTicket => {
            let f = ReceptionFilter::from_json(filters).map_err(wrap)?;
            if f.period.is_none() {
                return Err(AppError::field(
                    "filters_json",
                    "Filtres : une période est obligatoire pour un rapport de réception (period, ou date_from et date_to).",
                ));
            }
            f.to_json()
        }
    })
}

/// What an admin sends to create a report (`POST`) or change one (`PUT`: the fields
/// given replace those stored).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledReportInput {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub report_type: Option<String>,
    pub frequency: Option<String>,
    pub time_of_day: Option<String>,
    pub weekday: Option<u32>,
    pub day_of_month: Option<u32>,
    pub cron_expression: Option<String>,
    pub timezone: Option<String>,
    pub recipients: Option<Vec<String>>,
    pub format: Option<String>,
    pub filters_json: Option<serde_json::Value>,
    pub enabled: Option<bool>,
    /// The owner's address for failure notices (at most one a day); empty: none, the
    /// failure shows in the application only.
    pub notify_email: Option<String>,
}

/// A checked configuration, ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportConfig {
    pub name: String,
    pub report_type: ReportType,
    pub schedule_fields: ScheduleFields,
    pub schedule: Schedule,
    pub recipients: Vec<String>,
    pub format: &'static str,
    pub filters_json: serde_json::Value,
    pub enabled: bool,
    pub notify_email: Option<String>,
}

impl ScheduledReportInput {
    /// The input over `base` (a stored report being changed).
    pub fn over(self, base: ScheduledReportInput) -> ScheduledReportInput {
        ScheduledReportInput {
            name: self.name.or(base.name),
            report_type: self.report_type.or(base.report_type),
            frequency: self.frequency.or(base.frequency),
            time_of_day: self.time_of_day.or(base.time_of_day),
            weekday: self.weekday.or(base.weekday),
            day_of_month: self.day_of_month.or(base.day_of_month),
            cron_expression: self.cron_expression.or(base.cron_expression),
            timezone: self.timezone.or(base.timezone),
            recipients: self.recipients.or(base.recipients),
            format: self.format.or(base.format),
            filters_json: self.filters_json.or(base.filters_json),
            enabled: self.enabled.or(base.enabled),
            notify_email: self.notify_email.or(base.notify_email),
        }
    }

    /// Checks every field; the error names the first one at fault.
    pub fn check(&self) -> Result<ReportConfig, AppError> {
        let name = self.name.as_deref().map(str::trim).unwrap_or_default();
        if name.is_empty() {
            return Err(AppError::field("name", "Le nom du rapport est obligatoire."));
        }
        if name.chars().count() > 120 {
            return Err(AppError::field("name", "Le nom du rapport ne doit pas dépasser 120 caractères."));
        }
        if name.chars().any(char::is_control) {
            return Err(AppError::field("name", "Le nom du rapport contient des caractères de contrôle."));
        }
        let report_type = ReportType::parse(
            self.report_type
                .as_deref()
                .ok_or_else(|| AppError::field("type", "Choisissez le type de rapport."))?,
        )?;
        let frequency = self.frequency.clone().ok_or_else(|| AppError::field("frequency", "Choisissez la fréquence."))?;
        let schedule_fields = ScheduleFields {
            frequency,
            time_of_day: self.time_of_day.clone().filter(|s| !s.trim().is_empty()),
            weekday: self.weekday,
            day_of_month: self.day_of_month,
            cron_expression: self.cron_expression.clone().filter(|s| !s.trim().is_empty()),
            timezone: Some(
                self.timezone
                    .clone()
                    .filter(|s| !s.trim().is_empty())
                    .unwrap_or_else(|| super::DEFAULT_TIMEZONE.to_string()),
            ),
        };
        let schedule = Schedule::from_fields(&schedule_fields)?;
        let recipients = check_recipients(self.recipients.as_deref().unwrap_or_default())?;
        let format = parse_format(
            self.format
                .as_deref()
                .ok_or_else(|| AppError::field("format", "Choisissez le format (csv ou excel)."))?,
        )?;
        let filters_json = check_filters(report_type, self.filters_json.as_ref().unwrap_or(&serde_json::Value::Null))?;
        let notify_email = match self.notify_email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(a) => Some(check_address(a).map_err(|e| AppError::field("notify_email", e.to_string()))?),
        };
        Ok(ReportConfig {
            name: name.to_string(),
            report_type,
            schedule_fields,
            schedule,
            recipients,
            format,
            filters_json,
            enabled: self.enabled.unwrap_or(true),
            notify_email,
        })
    }
}

/// A scheduled report as the API shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduledReport {
    pub id: ScheduledReportId,
    pub user_id: UserId,
    pub owner_name: String,
    pub name: String,
    #[serde(rename = "type")]
    pub report_type: String,
    pub frequency: String,
    pub time_of_day: Option<String>,
    pub weekday: Option<u32>,
    pub day_of_month: Option<u32>,
    pub cron_expression: Option<String>,
    pub timezone: String,
    pub recipients: Vec<String>,
    pub format: String,
    pub filters_json: serde_json::Value,
    pub enabled: bool,
    pub notify_email: Option<String>,
    /// Why the scheduler paused it (repeated failures), until it is enabled again.
    pub paused_reason: Option<String>,
    pub consecutive_failures: i64,
    pub last_run: Option<DateTime<Utc>>,
    /// `success`, `failed`, `retrying`, `missed`…: the latest log entry's.
    pub last_status: Option<String>,
    pub next_run: Option<DateTime<Utc>>,
    /// The schedule in French words.
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ScheduledReport {
    /// The stored configuration as an input, to apply a change over it.
    pub fn as_input(&self) -> ScheduledReportInput {
        ScheduledReportInput {
            name: Some(self.name.clone()),
            report_type: Some(self.report_type.clone()),
            frequency: Some(self.frequency.clone()),
            time_of_day: self.time_of_day.clone(),
            weekday: self.weekday,
            day_of_month: self.day_of_month,
            cron_expression: self.cron_expression.clone(),
            timezone: Some(self.timezone.clone()),
            recipients: Some(self.recipients.clone()),
            format: Some(self.format.clone()),
            filters_json: Some(self.filters_json.clone()),
            enabled: Some(self.enabled),
            notify_email: self.notify_email.clone(),
        }
    }
}

/// One attempt of one run of a scheduled report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledReportLog {
    pub id: ReportLogId,
    pub report_id: ScheduledReportId,
    /// The run's scheduled time (a "send now" is scheduled when asked).
    pub scheduled_for: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    /// `success`, `failed`, `retrying`, `missed` or `interrupted`.
    pub status: String,
    pub attempt: i64,
    pub rows: Option<i64>,
    pub bytes: Option<i64>,
    pub recipients: Vec<String>,
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> ScheduledReportInput {
        ScheduledReportInput {
            name: Some("Caisse hebdo".into()),
            report_type: Some("cash_session".into()),
            frequency: Some("weekly".into()),
            time_of_day: Some("07:00".into()),
            weekday: Some(1),
            recipients: Some(vec!["compta@ressourcerie.org".into()]),
            format: Some("excel".into()),
            filters_json: Some(serde_json::json!({"period": "last_week", "status": "closed"})),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_report_checks_and_describes_itself() {
        let c = valid().check().unwrap();
        assert_eq!(c.schedule.describe(), "tous les lundis à 07:00");
        assert_eq!(c.filters_json, serde_json::json!({"period": "last_week", "status": "closed"}));
        assert!(c.enabled);
    }

    #[test]
    fn each_bad_field_is_named() {
        let field = |f: fn(&mut ScheduledReportInput)| {
            let mut i = valid();
            f(&mut i);
            i.check().unwrap_err().field_name().map(str::to_string)
        };
        assert_eq!(field(|i| i.name = Some("  ".into())).as_deref(), Some("name"));
        assert_eq!(field(|i| i.report_type = Some("stock".into())).as_deref(), Some("type"));
        assert_eq!(field(|i| i.recipients = Some(vec![])).as_deref(), Some("recipients"));
        assert_eq!(
            field(|i| i.recipients = Some(vec!["compta@ressourcerie".into()])).as_deref(),
            Some("recipients")
        );
        assert_eq!(
            field(|i| i.recipients = Some(vec!["a@b.org".into(), "A@b.org".into()])).as_deref(),
            Some("recipients")
        );
        assert_eq!(field(|i| i.format = Some("pdf".into())).as_deref(), Some("format"));
        assert_eq!(
            field(|i| i.filters_json = Some(serde_json::json!({"period": "hier"}))).as_deref(),
            Some("filters_json")
        );
        assert_eq!(
            field(|i| i.filters_json = Some(serde_json::json!({"couleur": "rouge"}))).as_deref(),
            Some("filters_json")
        );
        assert_eq!(field(|i| i.filters_json = Some(serde_json::json!([1]))).as_deref(), Some("filters_json"));
        assert_eq!(
            field(|i| {
                i.report_type = Some("reception_ticket".into());
                i.filters_json = Some(serde_json::json!({"status": "closed"}))
            })
            .as_deref(),
            Some("filters_json"),
            "a reception report needs a period"
        );
        assert_eq!(
            field(|i| {
                i.frequency = Some("custom".into());
                i.cron_expression = Some("0 7 * *".into())
            })
            .as_deref(),
            Some("cron_expression")
        );
        assert_eq!(field(|i| i.timezone = Some("Mars/Olympus".into())).as_deref(), Some("timezone"));
        assert_eq!(field(|i| i.notify_email = Some("chef".into())).as_deref(), Some("notify_email"));
    }
}
