//! Weights: exact to the gram, never a float in storage or arithmetic. Reception lines
//! and sale items share this type.
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

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
pub fn line_weight<'de, D: Deserializer<'de>>(d: D) -> Result<Weight, D::Error> {
    let w = Weight::deserialize(d)?;
    Weight::parse(&w.to_point_string()).map_err(|e| serde::de::Error::custom(e.to_string()))
}

/// An optional line weight: absent or `null` is none (what a serialized `None` sends).
pub fn line_weight_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Weight>, D::Error> {
    match Option::<Weight>::deserialize(d)? {
        None => Ok(None),
        Some(w) => Weight::parse(&w.to_point_string()).map(Some).map_err(|e| serde::de::Error::custom(e.to_string())),
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Line {
        #[serde(default, deserialize_with = "line_weight_opt")]
        poids_kg: Option<Weight>,
    }

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
        assert!(serde_json::from_str::<Line>(r#"{"poids_kg": 0}"#).is_err());
        assert!(serde_json::from_str::<Line>(r#"{"poids_kg": 0.5}"#).unwrap().poids_kg.is_some());
        assert!(serde_json::from_str::<Line>(r#"{"poids_kg": null}"#).unwrap().poids_kg.is_none());
        assert!(serde_json::from_str::<Line>(r#"{}"#).unwrap().poids_kg.is_none());
        let w: Weight = serde_json::from_str("12.345").unwrap();
        assert_eq!(w.grams(), 12_345);
        assert_eq!(serde_json::to_string(&w).unwrap(), "12.345");
        let w: Weight = serde_json::from_str("\"0,1\"").unwrap();
        assert_eq!(serde_json::to_string(&w).unwrap(), "0.1");
        assert!(serde_json::from_str::<Weight>("0.1234").is_err());
    }
}
