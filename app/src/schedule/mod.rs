//! When a scheduled report runs: a preset (daily, weekly, monthly at a time of day) or
//! a standard 5-field cron expression, in an IANA time zone. The server (to store
//! `next_run` and claim due runs) and the browser (to show the words and the next runs
//! while one types) use this same code.
//!
//! Runs are computed on the local wall clock of the zone, day by day, so they follow
//! daylight-saving changes: a time that does not exist that night (02:30 when clocks
//! jump from 02:00 to 03:00) runs once, at the same distance after the jump (03:30); a
//! time that exists twice (02:30 when clocks go back from 03:00 to 02:00) runs once, at
//! its first occurrence.
pub mod cron;
pub mod report;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use cron::Cron;

use crate::error::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Custom,
}

impl Frequency {
    pub const ALL: [Frequency; 4] = [Frequency::Daily, Frequency::Weekly, Frequency::Monthly, Frequency::Custom];

    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
            Frequency::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Frequency::Daily => "Quotidien",
            Frequency::Weekly => "Hebdomadaire",
            Frequency::Monthly => "Mensuel",
            Frequency::Custom => "Personnalisé (cron)",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        Self::ALL.into_iter().find(|f| f.as_str() == raw.trim()).ok_or_else(|| {
            AppError::field(
                "frequency",
                format!("Fréquence inconnue : « {} » (daily, weekly, monthly ou custom).", crate::error::truncate(raw)),
            )
        })
    }
}

/// The schedule fields of a scheduled report, as stored and as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleFields {
    pub frequency: String,
    /// `HH:MM`, for the presets.
    pub time_of_day: Option<String>,
    /// 1 = Monday … 7 = Sunday (weekly).
    pub weekday: Option<u32>,
    /// 1 to 31 (monthly); a month without that day runs on its last day.
    pub day_of_month: Option<u32>,
    /// Standard 5-field cron (custom).
    pub cron_expression: Option<String>,
    /// IANA zone, `Europe/Paris` when empty.
    pub timezone: Option<String>,
}

/// Which days a schedule runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Days {
    Every,
    Weekday(Weekday),
    /// This day of each month, or the month's last day when it is shorter.
    MonthDay(u32),
    Cron(Box<Cron>),
}

/// A validated schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub frequency: Frequency,
    days: Days,
    /// Times of day, sorted.
    times: Vec<(u32, u32)>,
    pub tz: Tz,
}

pub const DEFAULT_TIMEZONE: &str = "Europe/Paris";

/// Parses an IANA zone name (`Europe/Paris`).
pub fn parse_timezone(raw: Option<&str>) -> Result<Tz, AppError> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty()).unwrap_or(DEFAULT_TIMEZONE);
    raw.parse::<Tz>().map_err(|_| {
        AppError::field(
            "timezone",
            format!("Fuseau horaire inconnu : « {} » (par exemple Europe/Paris).", crate::error::truncate(raw)),
        )
    })
}

fn parse_time(raw: Option<&str>) -> Result<(u32, u32), AppError> {
    let raw = raw
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AppError::field("time_of_day", "Indiquez l'heure d'envoi (HH:MM)."))?;
    let t = NaiveTime::parse_from_str(raw, "%H:%M").map_err(|_| {
        AppError::field(
            "time_of_day",
            format!("Heure invalide : « {} » (HH:MM, par exemple 07:00).", crate::error::truncate(raw)),
        )
    })?;
    Ok((chrono::Timelike::hour(&t), chrono::Timelike::minute(&t)))
}

const WEEKDAYS: [Weekday; 7] = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

/// `lundi`… for weekday `w`.
pub fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "lundi",
        Weekday::Tue => "mardi",
        Weekday::Wed => "mercredi",
        Weekday::Thu => "jeudi",
        Weekday::Fri => "vendredi",
        Weekday::Sat => "samedi",
        Weekday::Sun => "dimanche",
    }
}

fn last_day_of_month(year: i32, month: u32) -> u32 {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    first_next.and_then(|d| d.pred_opt()).map_or(28, |d| d.day())
}

/// `a, b et c`.
fn join_fr(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} et {last}", rest.join(", ")),
    }
}

fn ordinal_day(d: u32) -> String {
    if d == 1 {
        "1er".into()
    } else {
        d.to_string()
    }
}

impl Schedule {
    /// Validates the fields; errors name the field at fault.
    pub fn from_fields(f: &ScheduleFields) -> Result<Self, AppError> {
        let frequency = Frequency::parse(&f.frequency)?;
        let tz = parse_timezone(f.timezone.as_deref())?;
        let (days, times) = match frequency {
            Frequency::Daily => (Days::Every, vec![parse_time(f.time_of_day.as_deref())?]),
            Frequency::Weekly => {
                let w = f.weekday.ok_or_else(|| AppError::field("weekday", "Choisissez le jour de la semaine."))?;
                if !(1..=7).contains(&w) {
                    return Err(AppError::field(
                        "weekday",
                        format!("Jour de la semaine invalide : {w} (1 = lundi … 7 = dimanche)."),
                    ));
                }
                (Days::Weekday(WEEKDAYS[w as usize - 1]), vec![parse_time(f.time_of_day.as_deref())?])
            }
            Frequency::Monthly => {
                let d = f.day_of_month.ok_or_else(|| AppError::field("day_of_month", "Choisissez le jour du mois."))?;
                if !(1..=31).contains(&d) {
                    return Err(AppError::field("day_of_month", format!("Jour du mois invalide : {d} (1 à 31).")));
                }
                (Days::MonthDay(d), vec![parse_time(f.time_of_day.as_deref())?])
            }
            Frequency::Custom => {
                let raw = f.cron_expression.as_deref().map(str::trim).filter(|s| !s.is_empty());
                let cron = Cron::parse(raw.ok_or_else(|| AppError::field("cron_expression", "Saisissez une expression cron (par exemple 0 7 * * 1)."))?)?;
                let times = cron.times();
                (Days::Cron(Box::new(cron)), times)
            }
        };
        Ok(Schedule { frequency, days, times, tz })
    }

    fn runs_on(&self, d: NaiveDate) -> bool {
        match &self.days {
            Days::Every => true,
            Days::Weekday(w) => d.weekday() == *w,
            Days::MonthDay(n) => d.day() == (*n).min(last_day_of_month(d.year(), d.month())),
            Days::Cron(c) => c.matches_date(d),
        }
    }

    /// The instant of local wall time `t`: the first one when it happens twice, the
    /// same distance after the jump when it does not happen.
    fn instant(&self, t: NaiveDateTime) -> Option<DateTime<Utc>> {
        if let Some(at) = self.tz.from_local_datetime(&t).earliest() {
            return Some(at.with_timezone(&Utc));
        }
        // In a gap: the offset before the jump, applied to `t`, gives the instant the
        // clock would show had it not jumped.
        let before = self.tz.from_local_datetime(&(t - Duration::hours(3))).earliest()?;
        let offset = chrono::Offset::fix(before.offset());
        Some(Utc.from_utc_datetime(&(t - offset)))
    }

    /// The next `n` runs strictly after `after`.
    pub fn next_runs(&self, after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        let mut out: Vec<DateTime<Utc>> = Vec::with_capacity(n);
        if n == 0 || self.times.is_empty() {
            return out;
        }
        let after_local = after.with_timezone(&self.tz).naive_local();
        let mut day = after_local.date() - Duration::days(1);
        // Eight years and a day reach any 29 February.
        for _ in 0..(366 * 8 + 2) {
            if self.runs_on(day) {
                for &(h, m) in &self.times {
                    let Some(local) = day.and_hms_opt(h, m, 0) else { continue };
                    // Far enough before `after` that no change of offset (a few hours at
                    // most) can bring it after: skipped without a zone lookup, so that a
                    // cron firing every minute costs little.
                    if local + Duration::hours(4) < after_local {
                        continue;
                    }
                    let Some(at) = self.instant(local) else { continue };
                    if at > after && out.last().is_none_or(|last| at > *last) {
                        out.push(at);
                        if out.len() == n {
                            return out;
                        }
                    }
                }
            }
            day = match day.succ_opt() {
                Some(d) => d,
                None => break,
            };
        }
        out
    }

    pub fn next_run(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.next_runs(after, 1).into_iter().next()
    }

    /// The schedule in French words: `tous les lundis à 07:00`.
    pub fn describe(&self) -> String {
        let hm = |(h, m): (u32, u32)| format!("{h:02}:{m:02}");
        let at = || self.times.first().copied().map(hm).unwrap_or_default();
        match &self.days {
            Days::Every => format!("tous les jours à {}", at()),
            Days::Weekday(w) => format!("tous les {}s à {}", weekday_name(*w), at()),
            Days::MonthDay(d) if *d > 28 => format!("le {d} de chaque mois (le dernier jour pour les mois plus courts) à {}", at()),
            Days::MonthDay(d) => format!("le {} de chaque mois à {}", ordinal_day(*d), at()),
            Days::Cron(c) => describe_cron(c),
        }
    }
}

fn describe_cron(c: &Cron) -> String {
    // Monday first: 0 = Monday … 6 = Sunday.
    let mut days_of_week: Vec<usize> = c.days_of_week.values(0, 6).into_iter().map(|d| (d as usize + 6) % 7).collect();
    days_of_week.sort_unstable();
    let week_words = || -> String {
        let named: Vec<String> = days_of_week.iter().map(|d| format!("{}s", weekday_name(WEEKDAYS[*d]))).collect();
        if days_of_week == [0, 1, 2, 3, 4] {
            "du lundi au vendredi".into()
        } else if days_of_week.len() == 1 {
            format!("tous les {}", named[0])
        } else {
            format!("les {}", join_fr(&named))
        }
    };
    let dom = c.days_of_month.values(1, 31);
    let month_words = || -> String {
        let days: Vec<String> = dom.iter().map(|d| ordinal_day(*d)).collect();
        if days.len() == 1 {
            format!("le {} de chaque mois", days[0])
        } else {
            format!("les {} de chaque mois", join_fr(&days))
        }
    };
    let mut days = match (c.dom_any, c.dow_any) {
        (true, true) => "tous les jours".to_string(),
        (false, true) => month_words(),
        (true, false) => week_words(),
        (false, false) => format!("{} et {}", month_words(), week_words()),
    };
    let months = c.months.values(1, 12);
    if months.len() < 12 {
        let names: Vec<String> = months.iter().map(|m| crate::time::MONTH_NAMES[*m as usize - 1].to_string()).collect();
        days.push_str(&format!(", en {} seulement", join_fr(&names)));
    }
    let minutes = c.minutes.values(0, 59);
    let hours = c.hours.values(0, 23);
    let times = if hours.len() == 24 && minutes.len() == 1 {
        if minutes[0] == 0 {
            "toutes les heures pile".to_string()
        } else {
            format!("toutes les heures à la minute {}", minutes[0])
        }
    } else if hours.len() == 24 && minutes.len() > 1 && is_step(&minutes) {
        format!("toutes les {} minutes", minutes[1] - minutes[0])
    } else if minutes.len() * hours.len() <= 6 {
        let all: Vec<String> = c.times().into_iter().map(|(h, m)| format!("{h:02}:{m:02}")).collect();
        format!("à {}", join_fr(&all))
    } else {
        let first = c.times().first().map(|(h, m)| format!("{h:02}:{m:02}")).unwrap_or_default();
        let last = c.times().last().map(|(h, m)| format!("{h:02}:{m:02}")).unwrap_or_default();
        format!("{} fois par jour, de {first} à {last}", minutes.len() * hours.len())
    };
    format!("{days} {times}")
}

/// `0, 15, 30, 45`: evenly spaced from 0, covering the hour.
fn is_step(v: &[u32]) -> bool {
    let step = v[1] - v[0];
    v[0] == 0 && 60 % step == 0 && v.windows(2).all(|w| w[1] - w[0] == step) && v.len() as u32 == 60 / step
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Paris;

    fn fields(frequency: &str) -> ScheduleFields {
        ScheduleFields {
            frequency: frequency.into(),
            ..Default::default()
        }
    }

    fn daily(time: &str) -> Schedule {
        Schedule::from_fields(&ScheduleFields {
            time_of_day: Some(time.into()),
            ..fields("daily")
        })
        .unwrap()
    }

    fn paris(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Paris.with_ymd_and_hms(y, mo, d, h, mi, 0).earliest().unwrap().with_timezone(&Utc)
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn spring_forward_a_time_in_the_gap_runs_once_after_the_jump() {
        // 29 March 2026, last Sunday of March: 02:00 CET becomes 03:00 CEST.
        let s = daily("02:30");
        let runs = s.next_runs(paris(2026, 3, 27, 12, 0), 4);
        assert_eq!(
            runs,
            [
                utc(2026, 3, 28, 1, 30), // 02:30 CET
                utc(2026, 3, 29, 1, 30), // 03:30 CEST: the same distance after the jump, once
                utc(2026, 3, 30, 0, 30), // 02:30 CEST
                utc(2026, 3, 31, 0, 30),
            ]
        );
        // A time outside the gap keeps its wall-clock time across the change.
        let s = daily("07:00");
        assert_eq!(s.next_runs(paris(2026, 3, 28, 8, 0), 2), [utc(2026, 3, 29, 5, 0), utc(2026, 3, 30, 5, 0)]);
    }

    #[test]
    fn fall_back_a_time_that_happens_twice_runs_once() {
        // 25 October 2026, last Sunday of October: 03:00 CEST becomes 02:00 CET.
        let s = daily("02:30");
        let runs = s.next_runs(paris(2026, 10, 24, 12, 0), 3);
        assert_eq!(runs, [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30), utc(2026, 10, 27, 1, 30)]);
        // Asking right after the first 02:30 does not give the second one.
        assert_eq!(s.next_run(utc(2026, 10, 25, 0, 30)), Some(utc(2026, 10, 26, 1, 30)));
        // Every 30 minutes through the repeated hour: each wall time once.
        let c = Schedule::from_fields(&ScheduleFields {
            cron_expression: Some("*/30 1-3 * * *".into()),
            ..fields("custom")
        })
        .unwrap();
        let runs = c.next_runs(paris(2026, 10, 25, 0, 0), 6);
        let local: Vec<String> = runs.iter().map(|t| t.with_timezone(&Paris).format("%H:%M %Z").to_string()).collect();
        assert_eq!(local, ["01:00 CEST", "01:30 CEST", "02:00 CEST", "02:30 CEST", "03:00 CET", "03:30 CET"]);
        // And through the spring gap: 02:00 and 02:30 land on 03:00 and 03:30, once each.
        let runs = c.next_runs(paris(2026, 3, 29, 0, 0), 4);
        let local: Vec<String> = runs.iter().map(|t| t.with_timezone(&Paris).format("%H:%M %Z").to_string()).collect();
        assert_eq!(local, ["01:00 CET", "01:30 CET", "03:00 CEST", "03:30 CEST"]);
    }

    #[test]
    fn monthly_on_29_to_31_runs_on_the_last_day_of_shorter_months() {
        let monthly = |d: u32| {
            Schedule::from_fields(&ScheduleFields {
                day_of_month: Some(d),
                time_of_day: Some("06:00".into()),
                ..fields("monthly")
            })
            .unwrap()
        };
        let days = |s: &Schedule, from: DateTime<Utc>| -> Vec<String> {
            s.next_runs(from, 5)
                .iter()
                .map(|t| t.with_timezone(&Paris).format("%Y-%m-%d %H:%M").to_string())
                .collect()
        };
        assert_eq!(
            days(&monthly(31), paris(2027, 12, 1, 0, 0)),
            [
                "2027-12-31 06:00",
                "2028-01-31 06:00",
                "2028-02-29 06:00",
                "2028-03-31 06:00",
                "2028-04-30 06:00"
            ]
        );
        assert_eq!(
            days(&monthly(30), paris(2026, 1, 1, 0, 0)),
            [
                "2026-01-30 06:00",
                "2026-02-28 06:00",
                "2026-03-30 06:00",
                "2026-04-30 06:00",
                "2026-05-30 06:00"
            ]
        );
        assert_eq!(
            days(&monthly(29), paris(2026, 1, 30, 0, 0)),
            [
                "2026-02-28 06:00",
                "2026-03-29 06:00",
                "2026-04-29 06:00",
                "2026-05-29 06:00",
                "2026-06-29 06:00"
            ]
        );
        assert_eq!(
            monthly(31).describe(),
            "le 31 de chaque mois (le dernier jour pour les mois plus courts) à 06:00"
        );
        assert_eq!(monthly(1).describe(), "le 1er de chaque mois à 06:00");
    }

    #[test]
    fn weekly_and_custom_cron() {
        let weekly = Schedule::from_fields(&ScheduleFields {
            weekday: Some(1),
            time_of_day: Some("07:00".into()),
            ..fields("weekly")
        })
        .unwrap();
        assert_eq!(weekly.describe(), "tous les lundis à 07:00");
        // Wednesday 18 March 2026: the next Mondays, across the DST change.
        assert_eq!(
            weekly.next_runs(paris(2026, 3, 18, 9, 0), 3),
            [utc(2026, 3, 23, 6, 0), utc(2026, 3, 30, 5, 0), utc(2026, 4, 6, 5, 0)]
        );
        assert_eq!(weekly.next_run(paris(2026, 3, 23, 7, 0)), Some(utc(2026, 3, 30, 5, 0)), "strictly after");
        let cron = |e: &str| {
            Schedule::from_fields(&ScheduleFields {
                cron_expression: Some(e.into()),
                ..fields("custom")
            })
            .unwrap()
        };
        let c = cron("30 8 * * 1-5");
        assert_eq!(c.describe(), "du lundi au vendredi à 08:30");
        assert_eq!(
            c.next_runs(paris(2026, 3, 20, 9, 0), 2),
            [utc(2026, 3, 23, 7, 30), utc(2026, 3, 24, 7, 30)],
            "Friday after 08:30: Monday"
        );
        assert_eq!(cron("0 7 * * 1").describe(), "tous les lundis à 07:00");
        assert_eq!(cron("0 18 1,15 * *").describe(), "les 1er et 15 de chaque mois à 18:00");
        assert_eq!(cron("*/15 * * * *").describe(), "tous les jours toutes les 15 minutes");
        assert_eq!(cron("0 * * * *").describe(), "tous les jours toutes les heures pile");
        assert_eq!(cron("0 6 1 1,7 *").describe(), "le 1er de chaque mois, en janvier et juillet seulement à 06:00");
        assert_eq!(cron("0 9,17 * * sat,sun").describe(), "les samedis et dimanches à 09:00 et 17:00");
        let leap = cron("0 0 29 2 *");
        assert_eq!(leap.next_run(paris(2026, 3, 1, 0, 0)), Some(paris(2028, 2, 29, 0, 0)));
        // In another zone, the wall clock of that zone.
        let ny = Schedule::from_fields(&ScheduleFields {
            time_of_day: Some("07:00".into()),
            timezone: Some("America/New_York".into()),
            ..fields("daily")
        })
        .unwrap();
        assert_eq!(ny.next_run(utc(2026, 3, 15, 0, 0)), Some(utc(2026, 3, 15, 11, 0)));
    }

    #[test]
    fn bad_fields_name_their_field() {
        let err = |f: ScheduleFields| Schedule::from_fields(&f).unwrap_err().field_name().map(str::to_string);
        assert_eq!(err(fields("hourly")).as_deref(), Some("frequency"));
        assert_eq!(err(fields("daily")).as_deref(), Some("time_of_day"));
        assert_eq!(
            err(ScheduleFields {
                time_of_day: Some("25:00".into()),
                ..fields("daily")
            })
            .as_deref(),
            Some("time_of_day")
        );
        assert_eq!(
            err(ScheduleFields {
                time_of_day: Some("07:00".into()),
                weekday: Some(8),
                ..fields("weekly")
            })
            .as_deref(),
            Some("weekday")
        );
        assert_eq!(
            err(ScheduleFields {
                time_of_day: Some("07:00".into()),
                day_of_month: Some(0),
                ..fields("monthly")
            })
            .as_deref(),
            Some("day_of_month")
        );
        assert_eq!(err(fields("custom")).as_deref(), Some("cron_expression"));
        assert_eq!(
            err(ScheduleFields {
                time_of_day: Some("07:00".into()),
                timezone: Some("Europe/Lutece".into()),
                ..fields("daily")
            })
            .as_deref(),
            Some("timezone")
        );
    }
}
