//! The one reception filter: ticket lists, line exports, bulk exports and scheduled
//! reports of type `reception_ticket` all select with it. Dates are the ticket date
//! (`ticket_at`, which follows the poste for deferred entry), in Paris days.
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{CategoryId, Destination, PosteId, Status, TicketId, UserId};
use crate::auth::{Permission, UserView};
use crate::error::AppError;
use crate::filter::{id_words, period_fields, Fields, Filter, Scoped};
use crate::time::Period;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceptionFilter {
    pub period: Option<Period>,
    pub status: Option<Status>,
    pub poste_id: Option<PosteId>,
    pub benevole_id: Option<UserId>,
    /// Lines of this category or of any of its descendants.
    pub category_id: Option<CategoryId>,
    pub destination: Option<Destination>,
    pub ticket_id: Option<TicketId>,
}

impl ReceptionFilter {
    /// Narrows the filter to what `actor` may see: a bénévole sees only their own
    /// tickets and lines, an admin everyone's. The one place this rule lives.
    pub fn scope(mut self, actor: &UserView) -> Scoped<Self> {
        if !actor.has(Permission::Admin) {
            self.benevole_id = Some(actor.id);
        }
        Scoped::new(self)
    }

    /// Whether a line condition (category, destination) narrows the lines, so that
    /// ticket totals count the matching lines only.
    pub fn filters_lines(&self) -> bool {
        self.category_id.is_some() || self.destination.is_some()
    }
}

impl Filter for ReceptionFilter {
    const FIELDS: &'static [&'static str] = &["period", "date_from", "date_to", "status", "poste_id", "benevole_id", "category_id", "destination", "ticket_id"];

    fn from_fields(f: &Fields<'_>) -> Result<Self, AppError> {
        Ok(Self {
            period: f.period()?,
            status: f.parse("status", Status::parse)?,
            poste_id: f.id("poste_id")?,
            benevole_id: f.id("benevole_id")?,
            category_id: f.id("category_id")?,
            destination: f.parse("destination", Destination::parse)?,
            ticket_id: f.id("ticket_id")?,
        })
    }

    fn to_fields(&self) -> Vec<(&'static str, String)> {
        let mut out = period_fields(&self.period);
        let mut put = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                out.push((k, v));
            }
        };
        put("status", self.status.map(|s| s.as_str().to_string()));
        put("poste_id", self.poste_id.map(|v| v.to_string()));
        put("benevole_id", self.benevole_id.map(|v| v.to_string()));
        put("category_id", self.category_id.map(|v| v.to_string()));
        put("destination", self.destination.map(|v| v.as_str().to_string()));
        put("ticket_id", self.ticket_id.map(|v| v.to_string()));
        out
    }

    fn period(&self) -> Option<Period> {
        self.period
    }

    fn describe(&self, name_of: &dyn Fn(uuid::Uuid) -> Option<String>) -> Vec<String> {
        let mut out = Vec::new();
        let mut put = |label: &str, v: Option<String>| {
            if let Some(v) = v {
                out.push(format!("{label} : {v}"));
            }
        };
        put("Statut", self.status.map(|v| v.label().to_string()));
        put("Poste", self.poste_id.map(|v| id_words(name_of, v.0)));
        put("Bénévole", self.benevole_id.map(|v| id_words(name_of, v.0)));
        put("Catégorie (et sous-catégories)", self.category_id.map(|v| id_words(name_of, v.0)));
        put("Destination", self.destination.map(|v| v.label().to_string()));
        put("Ticket", self.ticket_id.map(|v| id_words(name_of, v.0)));
        out
    }
}

/// On the wire the filter is its JSON object form (see [`Filter::from_json`]).
impl Serialize for ReceptionFilter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for ReceptionFilter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Self::from_json(&v).map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{DateRange, RelativePeriod};
    use chrono::{NaiveDate, TimeZone, Utc};

    fn user(admin: bool) -> UserView {
        UserView {
            id: UserId(uuid::Uuid::from_u128(7)),
            username: "marie".into(),
            display_name: "Marie".into(),
            active: true,
            permissions: vec![if admin { Permission::Admin } else { Permission::ReceptionAccess }],
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn query_string_and_json_mean_the_same_filter() {
        let poste = "0b5c3a4e-0000-4000-8000-000000000001";
        let q = ReceptionFilter::from_pairs([("period", "last_month"), ("status", "closed"), ("poste_id", poste), ("format", "xlsx")], &["format"]).unwrap();
        let j = ReceptionFilter::from_json(&serde_json::json!({"period": "last_month", "status": "closed", "poste_id": poste, "destination": null})).unwrap();
        assert_eq!(q, j);
        assert_eq!(q.period, Some(Period::Relative(RelativePeriod::LastMonth)));
        assert_eq!(q.to_query(), format!("period=last_month&status=closed&poste_id={poste}"));
        let back: ReceptionFilter = serde_json::from_str(&serde_json::to_string(&q).unwrap()).unwrap();
        assert_eq!(back, q);
        let dates = ReceptionFilter::from_pairs([("date_from", "2026-03-01"), ("date_to", "2026-03-31")], &[]).unwrap();
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(dates.period, Some(Period::Dates(DateRange { from: d("2026-03-01"), to: d("2026-03-31") })));
    }

    #[test]
    fn errors_name_the_field() {
        let field = |r: Result<ReceptionFilter, AppError>| r.unwrap_err().field_name().map(str::to_string);
        assert_eq!(field(ReceptionFilter::from_pairs([("period", "hier")], &[])).as_deref(), Some("period"));
        assert_eq!(field(ReceptionFilter::from_pairs([("status", "perdu")], &[])).as_deref(), Some("status"));
        assert_eq!(field(ReceptionFilter::from_pairs([("poste_id", "12")], &[])).as_deref(), Some("poste_id"));
        assert_eq!(field(ReceptionFilter::from_pairs([("date_form", "2026-01-01")], &[])).as_deref(), Some("date_form"));
        assert_eq!(field(ReceptionFilter::from_json(&serde_json::json!({"destination": "mer"}))).as_deref(), Some("destination"));
        let e = ReceptionFilter::from_pairs([("status", "perdu")], &[]).unwrap_err();
        assert!(e.to_string().starts_with("status : "), "{e}");
    }

    #[test]
    fn benevoles_are_scoped_to_their_own_tickets() {
        let other = UserId(uuid::Uuid::from_u128(9));
        let asked = ReceptionFilter { benevole_id: Some(other), ..Default::default() };
        assert_eq!(asked.clone().scope(&user(false)).filter().benevole_id, Some(UserId(uuid::Uuid::from_u128(7))));
        assert_eq!(asked.scope(&user(true)).filter().benevole_id, Some(other));
    }

    #[test]
    fn resolving_fixes_the_period_in_paris() {
        let f = ReceptionFilter { period: Some(Period::Relative(RelativePeriod::Yesterday)), ..Default::default() };
        let now = Utc.with_ymd_and_hms(2026, 3, 29, 23, 30, 0).unwrap(); // 01:30 on March 30th in Paris
        let r = f.scope(&user(true)).resolve(now);
        assert_eq!(r.dates().unwrap().from.to_string(), "2026-03-29");
        assert_eq!(r.range().from.to_rfc3339(), "2026-03-28T23:00:00+00:00");
        assert_eq!(r.range().to.to_rfc3339(), "2026-03-29T22:00:00+00:00");
    }
}
