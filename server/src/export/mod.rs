//! File exports. There is one column model ([`Column`], [`Cell`]), one CSV writer
//! ([`csv`]) and one XLSX writer ([`xlsx`]), and one rule against formula injection
//! ([`neutralize`]). Every export in the application goes through them, streamed: rows
//! come from the database as a stream and leave as chunks, so memory does not grow with
//! the row count.
pub mod csv;
pub mod xlsx;

use std::borrow::Cow;

use app::reception::Weight;
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Paris;

/// The CSV profile. `French` is what French Excel opens correctly (the default);
/// `Standard` is for programs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// `;`, UTF-8 with BOM, CRLF, decimal comma, `YYYY-MM-DD HH:MM:SS` Paris time.
    French,
    /// `,`, no BOM, CRLF, decimal point, ISO 8601 with offset, snake_case headers.
    Standard,
}

impl Dialect {
    pub fn parse(raw: Option<&str>) -> Result<Self, app::error::AppError> {
        match raw.map(str::trim) {
            None | Some("") | Some("excel") | Some("fr") => Ok(Dialect::French),
            Some("standard") => Ok(Dialect::Standard),
            Some(other) => Err(app::error::AppError::invalid(format!("Dialecte CSV inconnu : « {other} » (standard ou excel)."))),
        }
    }
}

/// A column: its French header (units in the header, never in cells) and its
/// machine name for the standard dialect.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub header: &'static str,
    pub key: &'static str,
    /// Column width in spreadsheets, in characters.
    pub width: f64,
}

pub const fn col(header: &'static str, key: &'static str, width: f64) -> Column {
    Column { header, key, width }
}

/// One value. Only `UserText` can carry what a user typed, and only it is neutralised.
#[derive(Clone, Debug)]
pub enum Cell {
    /// Free text from users (notes, names): neutralised against formula injection.
    UserText(String),
    /// Text the application produces (ids, statuses, enum values).
    Code(String),
    Weight(Weight),
    Int(i64),
    Instant(DateTime<Utc>),
    Bool(bool),
    Empty,
}

/// Spreadsheets run a cell as a formula when it starts with one of these; quoting does
/// not stop them (CWE-1236).
const FORMULA_TRIGGERS: [char; 8] = ['=', '+', '-', '@', '\t', '\r', '\n', '\0'];

/// Prefixes `'` to user text that a spreadsheet would take for a formula.
pub fn neutralize(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_TRIGGERS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Paris wall-clock time, the way every exported date reads.
pub fn paris_datetime_text(t: DateTime<Utc>, dialect: Dialect) -> String {
    let local = t.with_timezone(&Paris);
    match dialect {
        Dialect::French => local.format("%Y-%m-%d %H:%M:%S").to_string(),
        Dialect::Standard => local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
    }
}

/// A file name safe in a `Content-Disposition` header: ASCII letters, digits, `-`, `_`
/// and `.` only.
pub fn safe_filename(name: &str) -> String {
    let cleaned: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect();
    if cleaned.trim_matches(['.', '_']).is_empty() {
        "export".into()
    } else {
        cleaned
    }
}

pub fn attachment_header(filename: &str) -> String {
    format!("attachment; filename=\"{}\"", safe_filename(filename))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralizes_every_trigger_and_only_them() {
        for t in ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx", "\nx", "\0x"] {
            assert_eq!(neutralize(t), format!("'{t}"), "{t:?}");
        }
        for t in ["Lampe", "1+1", "", "'déjà"] {
            assert_eq!(neutralize(t), t);
        }
    }

    #[test]
    fn filenames_are_sanitised() {
        assert_eq!(safe_filename("reception-lignes-2026-01-01_2026-03-31.csv"), "reception-lignes-2026-01-01_2026-03-31.csv");
        assert_eq!(safe_filename("a\"b\r\nc;d/é.csv"), "a_b__c_d__.csv");
        assert_eq!(safe_filename(".."), "export");
    }

    #[test]
    fn paris_times() {
        let t = DateTime::parse_from_rfc3339("2026-03-15T22:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(paris_datetime_text(t, Dialect::French), "2026-03-15 23:30:00");
        assert_eq!(paris_datetime_text(t, Dialect::Standard), "2026-03-15T23:30:00+01:00");
    }
}
