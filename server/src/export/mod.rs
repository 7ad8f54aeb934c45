//! File exports. There is one column model ([`Column`], [`Cell`]), one CSV writer
//! ([`csv`]) and one XLSX writer ([`xlsx`]), and one rule against formula injection
//! ([`neutralize`]). Every export in the application goes through them, streamed: rows
//! come from the database as a stream and leave as chunks, so memory does not grow with
//! the row count.
pub mod csv;
pub mod xlsx;
pub mod zip;

use std::borrow::Cow;

use app::weight::Weight;
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
            Some(other) => Err(app::error::AppError::field(
                "dialect",
                format!("Dialecte CSV inconnu : « {} » (standard ou excel).", app::error::truncate(other)),
            )),
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

/// One value, borrowing its text from the row it comes from. Only `UserText` can carry
/// what a user typed, and only it is neutralised.
#[derive(Clone, Debug)]
pub enum Cell<'a> {
    /// Free text from users (notes, names): neutralised against formula injection.
    UserText(Cow<'a, str>),
    /// Text the application produces and writes the same for everyone (ids, numbers).
    Code(Cow<'a, str>),
    /// A value the application names (a status, a destination, a flow, a payment
    /// method): its French word for people (French CSV profile, XLSX), its machine code
    /// for programs (standard dialect), so that a file read by a person never shows
    /// `opened` and a script never has to parse `ouvert`.
    Label { code: Cow<'a, str>, label: Cow<'a, str> },
    Weight(Weight),
    /// Money, written with 2 decimals.
    Money(app::money::Cents),
    Int(i64),
    Instant(DateTime<Utc>),
    Bool(bool),
    Empty,
}

impl<'a> Cell<'a> {
    pub fn user(text: &'a str) -> Self {
        Cell::UserText(Cow::Borrowed(text))
    }
    pub fn code(text: &'a str) -> Self {
        Cell::Code(Cow::Borrowed(text))
    }
    pub fn label(code: &'a str, label: &'a str) -> Self {
        Cell::Label { code: Cow::Borrowed(code), label: Cow::Borrowed(label) }
    }
}

/// Converts instants to Paris wall-clock time, looking the offset up once per UTC hour:
/// exports convert two instants per row, and Paris changes offset only on the hour.
#[derive(Default)]
pub struct ParisClock {
    hour: Option<i64>,
    offset_secs: i64,
}

impl ParisClock {
    pub fn local(&mut self, t: DateTime<Utc>) -> chrono::NaiveDateTime {
        use chrono::Offset;
        use chrono::TimeZone;
        let hour = t.timestamp().div_euclid(3600);
        if self.hour != Some(hour) {
            self.offset_secs = i64::from(Paris.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc());
            self.hour = Some(hour);
        }
        t.naive_utc() + chrono::Duration::seconds(self.offset_secs)
    }

    /// The text of an exported date: `YYYY-MM-DD HH:MM:SS` (French) or ISO 8601 with
    /// the offset (standard), written into `out`. Digits are pushed by hand: `write!`
    /// with padding was a tenth of the writer's time, two dates a row.
    pub fn write(&mut self, t: DateTime<Utc>, dialect: Dialect, out: &mut String) {
        use chrono::{Datelike, Timelike};
        let l = self.local(t);
        match u32::try_from(l.year()) {
            Ok(y) if y <= 9999 => {
                push2(out, y / 100);
                push2(out, y % 100);
            }
            _ => {
                use std::fmt::Write;
                let _ = write!(out, "{:04}", l.year());
            }
        }
        out.push('-');
        push2(out, l.month());
        out.push('-');
        push2(out, l.day());
        out.push(if dialect == Dialect::French { ' ' } else { 'T' });
        push2(out, l.hour());
        out.push(':');
        push2(out, l.minute());
        out.push(':');
        push2(out, l.second());
        if dialect == Dialect::Standard {
            let (sign, off) = if self.offset_secs < 0 { ('-', -self.offset_secs) } else { ('+', self.offset_secs) };
            out.push(sign);
            push2(out, (off / 3600) as u32);
            out.push(':');
            push2(out, (off % 3600 / 60) as u32);
        }
    }
}

/// Two decimal digits of `n` (below 100).
fn push2(out: &mut String, n: u32) {
    debug_assert!(n < 100);
    out.push(char::from(b'0' + (n / 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Spreadsheets run a cell as a formula when it starts with one of these; quoting does
/// not stop them (CWE-1236).
const FORMULA_TRIGGERS: [char; 8] = ['=', '+', '-', '@', '\t', '\r', '\n', '\0'];

/// Whether a spreadsheet would take `text` for a formula: the one rule that both the
/// CSV writer (a leading `'`) and the XLSX writer (Excel's quote-prefix style) apply.
pub fn formula_like(text: &str) -> bool {
    text.starts_with(FORMULA_TRIGGERS)
}

/// Prefixes `'` to user text that a spreadsheet would take for a formula (CSV).
pub fn neutralize(text: &str) -> Cow<'_, str> {
    if formula_like(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
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
        for (dialect, expected) in [(Dialect::French, "2026-03-15 23:30:00"), (Dialect::Standard, "2026-03-15T23:30:00+01:00")] {
            let mut s = String::new();
            ParisClock::default().write(t, dialect, &mut s);
            assert_eq!(s, expected);
        }
    }

    #[test]
    fn dates_are_written_as_chrono_formats_them() {
        // Every 7 h 13 min 17 s over two years (both dialects, both offsets, the
        // changes), and far dates where Paris had other offsets.
        let start = DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let mut instants: Vec<DateTime<Utc>> = (0..2500).map(|i| start + chrono::Duration::seconds(i * 26_397)).collect();
        instants.extend(["1850-07-14T12:00:00Z", "1944-08-25T15:30:00Z", "2100-12-31T23:59:59Z"].map(|s| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)));
        let mut clock = ParisClock::default();
        for t in instants {
            let paris = t.with_timezone(&Paris);
            for (dialect, format) in [(Dialect::French, "%Y-%m-%d %H:%M:%S"), (Dialect::Standard, "%Y-%m-%dT%H:%M:%S%:z")] {
                let mut s = String::new();
                clock.write(t, dialect, &mut s);
                assert_eq!(s, paris.format(format).to_string(), "{t}");
            }
        }
    }

    #[test]
    fn cached_offset_follows_dst_changes() {
        // One clock reused across the spring change (2026-03-29 01:00 UTC) and the autumn
        // one (2026-10-25 01:00 UTC), as an export over a year would.
        let mut clock = ParisClock::default();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let mut text = |t| {
            let mut s = String::new();
            clock.write(at(t), Dialect::French, &mut s);
            s
        };
        assert_eq!(text("2026-03-29T00:59:59Z"), "2026-03-29 01:59:59");
        assert_eq!(text("2026-03-29T01:00:00Z"), "2026-03-29 03:00:00");
        assert_eq!(text("2026-10-25T00:30:00Z"), "2026-10-25 02:30:00");
        assert_eq!(text("2026-10-25T01:30:00Z"), "2026-10-25 02:30:00");
        assert_eq!(text("2026-12-31T23:00:00Z"), "2027-01-01 00:00:00");
    }
}
