//! Money: whole cents everywhere (storage, arithmetic, JSON); euros with a decimal comma
//! only on screen and in French exports.
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// An amount in cents, possibly negative (a variance).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    /// Reads euros typed by a user: `12`, `12,5`, `12.50`, at most 2 decimals, not
    /// negative; `field` names it in the error.
    pub fn parse_euros(raw: &str, field: &str) -> Result<Self, AppError> {
        let err = || AppError::field(field, format!("{field} : montant invalide « {} » (ex. 12,50).", crate::error::truncate(raw.trim())));
        let s = raw.trim().replace(',', ".");
        let s = s.strip_suffix('€').map(str::trim).unwrap_or(&s);
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || int.len() > 12 || !digits(int) || frac.len() > 2 || !digits(frac) || (s.contains('.') && frac.is_empty()) {
            return Err(err());
        }
        let whole: i64 = int.parse().map_err(|_| err())?;
        let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().map_err(|_| err())? };
        Ok(Cents(whole * 100 + frac))
    }

    /// Writes `12,50` (French, `separator` `,`) or `12.50`, with a minus sign when negative.
    pub fn write_decimal(self, out: &mut impl fmt::Write, separator: char) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(out, "{sign}{}{separator}{:02}", abs / 100, abs % 100)
    }

    /// `12,50`
    pub fn to_comma_string(self) -> String {
        let mut s = String::new();
        let _ = self.write_decimal(&mut s, ',');
        s
    }
}

impl fmt::Display for Cents {
    /// `12,50 €`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_decimal(f, ',')?;
        f.write_str(" €")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_typed_by_users() {
        assert_eq!(Cents::parse_euros("12,5", "x").unwrap(), Cents(1250));
        assert_eq!(Cents::parse_euros(" 0.05 € ", "x").unwrap(), Cents(5));
        assert_eq!(Cents::parse_euros("7", "x").unwrap(), Cents(700));
        for bad in ["", "-1", "1,234", "1e3", "abc", "1.", ".5"] {
            assert!(Cents::parse_euros(bad, "x").is_err(), "{bad}");
        }
        assert_eq!(Cents(-305).to_comma_string(), "-3,05");
        assert_eq!(Cents(1250).to_string(), "12,50 €");
    }
}
