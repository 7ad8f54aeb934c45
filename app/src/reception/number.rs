//! A ticket's short human number, `2026-00123`: sequential within the year of the
//! ticket's date (Paris), given by the server when the ticket is created.
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketNumber {
    pub year: i32,
    pub seq: i64,
}

impl TicketNumber {
    /// `2026-00123` or `2026-123`.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let err = || AppError::invalid(format!("Numéro de ticket invalide : « {} » (ex. 2026-00123).", crate::error::truncate(raw.trim())));
        let (year, seq) = raw.trim().split_once('-').ok_or_else(err)?;
        let digits = |s: &str, max: usize| !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || year.len() != 4 || !digits(seq, 12) {
            return Err(err());
        }
        let n = TicketNumber { year: year.parse().map_err(|_| err())?, seq: seq.parse().map_err(|_| err())? };
        if n.seq == 0 {
            return Err(err());
        }
        Ok(n)
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:05}", self.year, self.seq)
    }
}

impl Serialize for TicketNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TicketNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        TicketNumber::parse(&raw).map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_and_print_alike() {
        let n = TicketNumber::parse(" 2026-123 ").unwrap();
        assert_eq!((n.year, n.seq, n.to_string()), (2026, 123, "2026-00123".to_string()));
        assert_eq!(TicketNumber::parse("2026-00123").unwrap(), n);
        assert_eq!(TicketNumber { year: 2026, seq: 123_456 }.to_string(), "2026-123456");
        for bad in ["", "2026", "2026-", "26-1", "2026-0", "2026-1a", "abcd-1", "2026--1"] {
            assert!(TicketNumber::parse(bad).is_err(), "{bad}");
        }
    }
}
