//! Standard 5-field cron expressions (`minute hour day-of-month month day-of-week`), as
//! users type them: `*`, lists (`1,15`), ranges (`1-5`), steps (`*/15`, `8-18/2`),
//! month and day names (`jan`, `mon`), Sunday as 0 or 7. When both day fields are
//! restricted, a day matches either of them (the classic cron rule).
use chrono::{Datelike, NaiveDate};

use crate::error::AppError;

/// The values a field allows, as a bit set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bits(pub u64);

impl Bits {
    pub fn has(self, v: u32) -> bool {
        v < 64 && self.0 & (1 << v) != 0
    }
    pub fn values(self, min: u32, max: u32) -> Vec<u32> {
        (min..=max).filter(|v| self.has(*v)).collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    pub minutes: Bits,
    pub hours: Bits,
    pub days_of_month: Bits,
    pub months: Bits,
    /// 0 = Sunday … 6 = Saturday.
    pub days_of_week: Bits,
    /// Whether the day fields were `*` (unrestricted), for the OR rule.
    pub dom_any: bool,
    pub dow_any: bool,
    /// The text as typed, normalised to single spaces.
    pub text: String,
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

fn bad(msg: String) -> AppError {
    AppError::field("cron_expression", msg)
}

struct FieldSpec {
    label: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// The number the first name stands for.
    names_from: u32,
}

fn value(spec: &FieldSpec, raw: &str) -> Result<u32, AppError> {
    let lower = raw.to_ascii_lowercase();
    if let Some(i) = spec.names.iter().position(|n| *n == lower) {
        return Ok(spec.names_from + i as u32);
    }
    let v: u32 = raw
        .parse()
        .map_err(|_| bad(format!("Expression cron : « {raw} » n'est pas une valeur valide pour le champ {}.", spec.label)))?;
    if v < spec.min || v > spec.max {
        return Err(bad(format!(
            "Expression cron : {v} est hors limites pour le champ {} ({} à {}).",
            spec.label, spec.min, spec.max
        )));
    }
    Ok(v)
}

fn field(spec: &FieldSpec, raw: &str) -> Result<Bits, AppError> {
    let mut bits = 0u64;
    for part in raw.split(',') {
        if part.is_empty() {
            return Err(bad(format!("Expression cron : liste vide dans le champ {}.", spec.label)));
        }
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s
                    .parse()
                    .map_err(|_| bad(format!("Expression cron : pas « {s} » invalide dans le champ {}.", spec.label)))?;
                if step == 0 {
                    return Err(bad(format!("Expression cron : un pas de 0 dans le champ {}.", spec.label)));
                }
                (r, step)
            }
            None => (part, 1),
        };
        let (from, to) = if range == "*" {
            (spec.min, spec.max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (value(spec, a)?, value(spec, b)?);
            if a > b {
                return Err(bad(format!("Expression cron : intervalle {a}-{b} à l'envers dans le champ {}.", spec.label)));
            }
            (a, b)
        } else {
            let v = value(spec, range)?;
            // `5/15`: from 5 to the end, every 15.
            (v, if step > 1 { spec.max } else { v })
        };
        let mut v = from;
        while v <= to {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok(Bits(bits))
}

impl Cron {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let fields: Vec<&str> = raw.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(bad(format!(
                "Expression cron : 5 champs sont attendus (minute heure jour-du-mois mois jour-de-la-semaine), {} donnés.",
                fields.len()
            )));
        }
        let spec = |label, min, max, names: &'static [&'static str], names_from| FieldSpec {
            label,
            min,
            max,
            names,
            names_from,
        };
        let minutes = field(&spec("minute", 0, 59, &[], 0), fields[0])?;
        let hours = field(&spec("heure", 0, 23, &[], 0), fields[1])?;
        let days_of_month = field(&spec("jour du mois", 1, 31, &[], 0), fields[2])?;
        let months = field(&spec("mois", 1, 12, &MONTHS, 1), fields[3])?;
        let mut days_of_week = field(&spec("jour de la semaine", 0, 7, &DAYS, 0), fields[4])?;
        if days_of_week.has(7) {
            days_of_week = Bits((days_of_week.0 | 1) & !(1 << 7));
        }
        let cron = Cron {
            minutes,
            hours,
            days_of_month,
            months,
            days_of_week,
            dom_any: fields[2] == "*",
            dow_any: fields[4] == "*",
            text: fields.join(" "),
        };
        if !cron.can_ever_match() {
            return Err(bad(
                "Expression cron : ces jours n'existent dans aucun mois (elle ne se déclencherait jamais).".into()
            ));
        }
        Ok(cron)
    }

    /// Whether some day of some year matches (`0 0 30 2 *` never does).
    fn can_ever_match(&self) -> bool {
        if !self.dow_any {
            return true;
        }
        const LONGEST: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        (1..=12).any(|m| self.months.has(m) && (1..=LONGEST[m as usize - 1]).any(|d| self.days_of_month.has(d)))
    }

    pub fn matches_date(&self, d: NaiveDate) -> bool {
        if !self.months.has(d.month()) {
            return false;
        }
        let dom = self.days_of_month.has(d.day());
        let dow = self.days_of_week.has(d.weekday().num_days_from_sunday());
        match (self.dom_any, self.dow_any) {
            (true, true) => true,
            (false, true) => dom,
            (true, false) => dow,
            (false, false) => dom || dow,
        }
    }

    /// The times of day, sorted.
    pub fn times(&self) -> Vec<(u32, u32)> {
        let minutes = self.minutes.values(0, 59);
        self.hours
            .values(0, 23)
            .into_iter()
            .flat_map(|h| minutes.iter().map(move |m| (h, *m)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_lists_ranges_steps_and_names() {
        let c = Cron::parse("*/15 8-18/2 1,15 jan-mar mon-fri").unwrap();
        assert_eq!(c.minutes.values(0, 59), [0, 15, 30, 45]);
        assert_eq!(c.hours.values(0, 23), [8, 10, 12, 14, 16, 18]);
        assert_eq!(c.days_of_month.values(1, 31), [1, 15]);
        assert_eq!(c.months.values(1, 12), [1, 2, 3]);
        assert_eq!(c.days_of_week.values(0, 6), [1, 2, 3, 4, 5]);
        assert_eq!(Cron::parse("0 7 * * 7").unwrap().days_of_week.values(0, 6), [0], "7 is Sunday");
        assert_eq!(Cron::parse("5/20 * * * *").unwrap().minutes.values(0, 59), [5, 25, 45]);
    }

    #[test]
    fn bad_expressions_name_the_field_and_say_why() {
        for (raw, says) in [
            ("* * * *", "5 champs"),
            ("60 * * * *", "hors limites"),
            ("* * * * lundi", "lundi"),
            ("*/0 * * * *", "pas de 0"),
            ("5-1 * * * *", "à l'envers"),
            ("0 0 30 2 *", "jamais"),
            ("0 0 31 4,6 *", "jamais"),
        ] {
            let e = Cron::parse(raw).unwrap_err();
            assert_eq!(e.field_name(), Some("cron_expression"), "{raw}");
            assert!(e.to_string().contains(says), "{raw}: {e}");
        }
        assert!(Cron::parse("0 0 29 2 *").is_ok(), "leap days exist");
    }

    #[test]
    fn day_fields_combine_with_or_when_both_are_given() {
        let c = Cron::parse("0 9 13 * fri").unwrap();
        assert!(c.matches_date(NaiveDate::from_ymd_opt(2026, 3, 13).unwrap()), "the 13th");
        assert!(c.matches_date(NaiveDate::from_ymd_opt(2026, 3, 20).unwrap()), "a Friday");
        assert!(!c.matches_date(NaiveDate::from_ymd_opt(2026, 3, 19).unwrap()));
    }
}
