//! Reception as both sides see it: postes, tickets, lines, categories, live KPIs, and the
//! validated values users type (weights, periods), shared so the browser and the server
//! apply the same rules.
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::error::AppError;

/// A weight in kilograms, exact to the gram (3 decimals), strictly positive. Stored as
/// whole grams so that sums are exact; JSON carries it as a number of kilograms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Weight(i64);

impl Weight {
    /// 100 tonnes: above this a line is certainly a typing mistake.
    pub const MAX_GRAMS: i64 = 100_000_000;

    pub fn from_grams(g: i64) -> Self {
        Weight(g)
    }
    pub fn grams(self) -> i64 {
        self.0
    }

    /// A line weight as typed: `12`, `12.5`, `12,5` or `0.001`; refuses zero, negatives,
    /// more than three decimals, exponents, anything else, and more than 100 t.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let w = Self::parse_quantity(raw)?;
        if w.0 <= 0 {
            return Err(AppError::invalid("Le poids doit être supérieur à 0."));
        }
        if w.0 > Self::MAX_GRAMS {
            return Err(AppError::invalid("Le poids ne peut pas dépasser 100 000 kg pour une ligne."));
        }
        Ok(w)
    }

    /// Any exact non-negative quantity of kilograms with at most 3 decimals (totals too).
    pub fn parse_quantity(raw: &str) -> Result<Self, AppError> {
        let err = || AppError::invalid("Le poids doit être un nombre de kilos positif, avec au plus 3 décimales (ex. 12,5).");
        let s = raw.trim().replace(',', ".");
        let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || int.len() > 15 || !digits(int) || frac.len() > 3 || !digits(frac) || (s.contains('.') && frac.is_empty()) {
            return Err(err());
        }
        let whole = int.parse::<i64>().map_err(|_| err())?;
        let frac = if frac.is_empty() { 0 } else { format!("{frac:0<3}").parse::<i64>().map_err(|_| err())? };
        Ok(Weight(whole * 1000 + frac))
    }

    /// Writes the weight with 3 decimals and `separator` before them (`12,500` in French,
    /// `12.500` for machines); exports call it per cell without allocating.
    pub fn write_decimal(self, out: &mut impl fmt::Write, separator: char) -> fmt::Result {
        write!(out, "{}{separator}{:03}", self.0 / 1000, self.0 % 1000)
    }

    /// `12.500` (machine form, 3 decimals).
    pub fn to_point_string(self) -> String {
        let mut s = String::new();
        let _ = self.write_decimal(&mut s, '.');
        s
    }

    /// `12,500` (French form, 3 decimals), as in exports and on screen.
    pub fn to_comma_string(self) -> String {
        let mut s = String::new();
        let _ = self.write_decimal(&mut s, ',');
        s
    }

    pub fn as_kg_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_comma_string())
    }
}

impl Serialize for Weight {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Exact: whole grams / 1000 prints back as the same 3-decimal number.
        s.serialize_f64(self.as_kg_f64())
    }
}

impl<'de> Deserialize<'de> for Weight {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(serde_json::Number),
            Text(String),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Num(n) => n.to_string(),
            Raw::Text(t) => t,
        };
        Weight::parse_quantity(&text).map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}

/// Reads a line weight (strictly positive, at most 100 t) from a client.
fn line_weight<'de, D: Deserializer<'de>>(d: D) -> Result<Weight, D::Error> {
    let w = Weight::deserialize(d)?;
    Weight::parse(&w.to_point_string()).map_err(|e| serde::de::Error::custom(e.to_string()))
}

fn line_weight_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Weight>, D::Error> {
    line_weight(d).map(Some)
}

/// Where a line's material goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Destination {
    Recyclage,
    Revente,
    Destruction,
    Don,
    Autre,
}

impl Destination {
    pub const ALL: [Destination; 5] = [Destination::Recyclage, Destination::Revente, Destination::Destruction, Destination::Don, Destination::Autre];

    pub fn as_str(self) -> &'static str {
        match self {
            Destination::Recyclage => "recyclage",
            Destination::Revente => "revente",
            Destination::Destruction => "destruction",
            Destination::Don => "don",
            Destination::Autre => "autre",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Destination::Recyclage => "Recyclage",
            Destination::Revente => "Revente",
            Destination::Destruction => "Destruction",
            Destination::Don => "Don",
            Destination::Autre => "Autre",
        }
    }
    pub fn parse(s: &str) -> Result<Self, AppError> {
        Self::ALL.into_iter().find(|d| d.as_str() == s.trim()).ok_or_else(|| {
            AppError::invalid(format!("Destination inconnue : « {} » (recyclage, revente, destruction, don ou autre).", s.trim()))
        })
    }
}

impl<'de> Deserialize<'de> for Destination {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Destination::parse(&raw).map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}

/// Dates outside these years are typing mistakes (and outside what the databases and
/// the time zone arithmetic are asked to handle).
pub const MIN_YEAR: i32 = 2000;
pub const MAX_YEAR: i32 = 2100;

fn check_year(year: i32, what: &str) -> Result<(), AppError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(AppError::invalid(format!("{what} : l'année doit être comprise entre {MIN_YEAR} et {MAX_YEAR}.")))
    }
}

/// A period of whole Europe/Paris days, end day included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// Both dates are required, as `YYYY-MM-DD`, with `to >= from`.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Self, AppError> {
        let date = |v: Option<&str>, name: &str| -> Result<NaiveDate, AppError> {
            let v = v.map(str::trim).filter(|v| !v.is_empty()).ok_or_else(|| AppError::invalid(format!("Le paramètre {name} est obligatoire (AAAA-MM-JJ).")))?;
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| AppError::invalid(format!("{name} invalide : « {v} » (format attendu AAAA-MM-JJ).")))
        };
        let from = date(from, "date_from")?;
        let to = date(to, "date_to")?;
        check_year(from.year(), "date_from")?;
        check_year(to.year(), "date_to")?;
        if to < from {
            return Err(AppError::invalid("date_to doit être postérieure ou égale à date_from."));
        }
        Ok(Self { from, to })
    }

    pub fn day(d: NaiveDate) -> Self {
        Self { from: d, to: d }
    }

    /// `[from 00:00, to + 1 day 00:00)` in Paris time, as UTC instants.
    pub fn utc_bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (paris_midnight(self.from), paris_midnight(self.to.succ_opt().unwrap_or(self.to)))
    }
}

/// Midnight at the start of `d` in Paris (it always exists: DST moves at 02:00/03:00).
/// For dates at the very ends of chrono's range, where the offset cannot be applied,
/// midnight UTC is returned rather than panicking; validated periods never get there.
pub fn paris_midnight(d: NaiveDate) -> DateTime<Utc> {
    let naive = d.and_time(chrono::NaiveTime::MIN);
    Paris.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// The Paris calendar day of an instant.
pub fn paris_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Paris).date_naive()
}

/// Reads a date-time typed by a user: RFC 3339 with an offset, or a local Paris time
/// (`YYYY-MM-DDTHH:MM[:SS]`, what `<input type="datetime-local">` sends).
pub fn parse_instant(raw: &str) -> Result<DateTime<Utc>, AppError> {
    let s = raw.trim();
    let parsed = if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        t.with_timezone(&Utc)
    } else {
        let n = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
            .into_iter()
            .find_map(|fmt| NaiveDateTime::parse_from_str(s, fmt).ok())
            .ok_or_else(|| AppError::invalid(format!("Date et heure invalides : « {s} » (ex. 2026-03-15T09:30).")))?;
        check_year(n.year(), "Date")?;
        Paris
            .from_local_datetime(&n)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| AppError::invalid(format!("L'heure « {s} » n'existe pas à Paris (changement d'heure).")))?
    };
    check_year(parsed.year(), "Date")?;
    Ok(parsed)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub display_order: i32,
    pub visible_reception: bool,
    /// Soft-deleted: hidden from entry, kept for statistics.
    pub archived: bool,
}

/// The tree flattened in display order (order, then name), children under their
/// parent, with each category's depth; `keep` prunes a category and its subtree.
pub fn category_tree<'a>(all: &'a [Category], keep: impl Fn(&Category) -> bool + Copy) -> Vec<(usize, &'a Category)> {
    fn walk<'a>(all: &'a [Category], parent: Option<Uuid>, depth: usize, keep: impl Fn(&Category) -> bool + Copy, out: &mut Vec<(usize, &'a Category)>) {
        let mut level: Vec<&Category> = all.iter().filter(|c| c.parent_id == parent && keep(c)).collect();
        level.sort_by(|a, b| a.display_order.cmp(&b.display_order).then_with(|| a.name.cmp(&b.name)));
        for c in level {
            out.push((depth, c));
            walk(all, Some(c.id), depth + 1, keep, out);
        }
    }
    let mut out = Vec::new();
    walk(all, None, 0, keep, &mut out);
    out
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CategoryInput {
    pub name: String,
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    #[serde(default)]
    pub display_order: Option<i32>,
    #[serde(default)]
    pub visible_reception: Option<bool>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CategoryUpdate {
    #[serde(default)]
    pub name: Option<String>,
    /// `Some(None)` moves the category to the top level.
    #[serde(default, deserialize_with = "double_option")]
    pub parent_id: Option<Option<Uuid>>,
    #[serde(default)]
    pub display_order: Option<i32>,
    #[serde(default)]
    pub visible_reception: Option<bool>,
    #[serde(default)]
    pub archived: Option<bool>,
}

fn double_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<Uuid>>, D::Error> {
    Ok(Some(Option::<Uuid>::deserialize(d)?))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Opened,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Opened => "opened",
            Status::Closed => "closed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Opened => "Ouvert",
            Status::Closed => "Fermé",
        }
    }
    pub fn parse(s: &str) -> Result<Self, AppError> {
        match s.trim() {
            "opened" | "open" => Ok(Status::Opened),
            "closed" => Ok(Status::Closed),
            other => Err(AppError::invalid(format!("Statut inconnu : « {other} » (opened ou closed)."))),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Poste {
    pub id: Uuid,
    pub opened_by: Uuid,
    pub opened_by_name: String,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Opened with a date in the past (saisie différée of a paper logbook).
    pub is_deferred: bool,
    pub status: Status,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct OpenPosteRequest {
    /// Admins only: a past instant for deferred entry (RFC 3339, or Paris local time).
    #[serde(default)]
    pub opened_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: Uuid,
    pub poste_id: Uuid,
    pub benevole_id: Uuid,
    pub benevole_name: String,
    pub status: Status,
    /// The ticket's date for statistics and period filters: its creation time, or the
    /// poste's opening time when the poste is deferred.
    pub ticket_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub is_deferred: bool,
    pub lines_count: i64,
    /// Entries: lines that are not exits.
    pub entry_weight_kg: Weight,
    pub exit_weight_kg: Weight,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ligne {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub category_id: Uuid,
    pub category_name: String,
    pub poids_kg: Weight,
    pub destination: Destination,
    pub notes: Option<String>,
    pub is_exit: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDetail {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub lignes: Vec<Ligne>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LigneInput {
    #[serde(deserialize_with = "line_weight")]
    pub poids_kg: Weight,
    pub category_id: Uuid,
    pub destination: Destination,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub is_exit: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LigneUpdate {
    #[serde(default, deserialize_with = "line_weight_opt")]
    pub poids_kg: Option<Weight>,
    #[serde(default)]
    pub category_id: Option<Uuid>,
    #[serde(default)]
    pub destination: Option<Destination>,
    /// `""` clears the notes.
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub is_exit: Option<bool>,
}

/// Notes are free text, trimmed, at most 1000 characters; empty means none. Line breaks
/// and tabs are allowed, other control characters (NUL among them) are not.
pub fn clean_notes(notes: Option<&str>) -> Result<Option<String>, AppError> {
    match notes.map(str::trim).filter(|n| !n.is_empty()) {
        None => Ok(None),
        Some(n) if n.chars().count() > 1000 => Err(AppError::invalid("Les notes ne peuvent pas dépasser 1000 caractères.")),
        Some(n) if n.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) => {
            Err(AppError::invalid("Les notes contiennent des caractères invalides."))
        }
        Some(n) => Ok(Some(n.to_string())),
    }
}

/// Filters of ticket lists and exports. Dates are Paris days, end day included, on the
/// ticket date (`ticket_at`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketQuery {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub date_from: Option<String>,
    #[serde(default)]
    pub date_to: Option<String>,
    #[serde(default)]
    pub poste_id: Option<Uuid>,
    #[serde(default)]
    pub benevole_id: Option<Uuid>,
}

/// Live reception KPIs for the current Paris day.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReceptionLiveStats {
    /// The Paris day these figures cover.
    pub day: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub exclude_deferred: bool,
    /// Tickets dated today.
    pub tickets_today: i64,
    /// Tickets still open, whatever their date.
    pub tickets_open: i64,
    /// Lines of today's tickets (entries and exits).
    pub lines_count: i64,
    /// Entry weight: today's lines that are not exits.
    pub total_weight_kg: Weight,
    /// Exit weight: today's exit lines (sales weight comes with the cash module).
    pub exit_weight_kg: Weight,
    pub by_poste: Vec<PosteStats>,
    pub by_destination: Vec<DestinationStats>,
    pub by_category: Vec<CategoryStats>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosteStats {
    pub poste_id: Uuid,
    pub opened_by_name: String,
    pub is_deferred: bool,
    pub tickets: i64,
    pub lines_count: i64,
    pub entry_weight_kg: Weight,
    pub exit_weight_kg: Weight,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestinationStats {
    pub destination: Destination,
    pub lines_count: i64,
    pub entry_weight_kg: Weight,
    pub exit_weight_kg: Weight,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryStats {
    pub category_id: Uuid,
    pub name: String,
    pub archived: bool,
    pub lines_count: i64,
    pub entry_weight_kg: Weight,
    pub exit_weight_kg: Weight,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_exact_grams() {
        assert_eq!(Weight::parse("12").unwrap().grams(), 12_000);
        assert_eq!(Weight::parse("12,5").unwrap().grams(), 12_500);
        assert_eq!(Weight::parse(" 0.001 ").unwrap().grams(), 1);
        assert_eq!(Weight::parse("1234.567").unwrap().to_comma_string(), "1234,567");
        for bad in ["0", "0.000", "-1", "1.2345", "1e3", "abc", "", "1.", ".5", "1,2,3", "100000.001"] {
            assert!(Weight::parse(bad).is_err(), "{bad} should be refused");
        }
        // Totals may be zero; line inputs may not.
        assert_eq!(serde_json::from_str::<Weight>("0.0").unwrap().grams(), 0);
        assert!(serde_json::from_str::<LigneUpdate>(r#"{"poids_kg": 0}"#).is_err());
        assert!(serde_json::from_str::<LigneUpdate>(r#"{"poids_kg": 0.5}"#).unwrap().poids_kg.is_some());
        let w: Weight = serde_json::from_str("12.345").unwrap();
        assert_eq!(w.grams(), 12_345);
        assert_eq!(serde_json::to_string(&w).unwrap(), "12.345");
        let w: Weight = serde_json::from_str("\"0,1\"").unwrap();
        assert_eq!(serde_json::to_string(&w).unwrap(), "0.1");
        assert!(serde_json::from_str::<Weight>("0.1234").is_err());
    }

    #[test]
    fn periods_are_paris_days_with_the_end_day_included() {
        let p = Period::parse(Some("2026-03-01"), Some("2026-03-31")).unwrap();
        let (a, b) = p.utc_bounds();
        assert_eq!(a.to_rfc3339(), "2026-02-28T23:00:00+00:00");
        // DST starts on 2026-03-29: April 1st 00:00 Paris is 22:00 UTC.
        assert_eq!(b.to_rfc3339(), "2026-03-31T22:00:00+00:00");
        assert!(Period::parse(Some("2026-03-02"), Some("2026-03-01")).is_err());
        assert!(Period::parse(None, Some("2026-03-01")).is_err());
        assert!(Period::parse(Some("01/03/2026"), Some("2026-03-01")).is_err());
    }

    #[test]
    fn dates_outside_sane_years_are_refused() {
        assert!(Period::parse(Some("-262143-01-01"), Some("2026-01-01")).is_err());
        assert!(Period::parse(Some("1999-12-31"), Some("2026-01-01")).is_err());
        assert!(Period::parse(Some("2026-01-01"), Some("2101-01-01")).is_err());
        assert!(parse_instant("1926-03-01T09:00").is_err());
        assert!(parse_instant("+5000-03-01T09:00:00Z").is_err());
        // No panic at the ends of chrono's range.
        let _ = paris_midnight(NaiveDate::MIN);
        let _ = paris_midnight(NaiveDate::MAX);
        assert!(clean_notes(Some("a\u{0}b")).is_err());
        assert_eq!(clean_notes(Some(" ligne 1\nligne 2 ")).unwrap().as_deref(), Some("ligne 1\nligne 2"));
    }

    #[test]
    fn instants_typed_in_paris_time() {
        assert_eq!(parse_instant("2026-07-14T09:30").unwrap().to_rfc3339(), "2026-07-14T07:30:00+00:00");
        assert_eq!(parse_instant("2026-01-10T09:30:00+01:00").unwrap().to_rfc3339(), "2026-01-10T08:30:00+00:00");
        assert!(parse_instant("2026-03-29T02:30").is_err());
        assert!(parse_instant("demain").is_err());
    }
}
