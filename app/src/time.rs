//! Days, periods and instants, written once for the browser and the server. Days are
//! Europe/Paris days; a period covers whole days with its end day included, that is
//! `[from 00:00, to + 1 day 00:00)` local time. Relative periods (`yesterday`,
//! `last_month`...) are resolved against an instant given by the caller, never read
//! from a clock here, so a scheduled report and a test resolve them the same way.
use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use chrono_tz::Tz;

use crate::error::AppError;

/// Dates outside these years are typing mistakes (and outside what the databases and
/// the time zone arithmetic are asked to handle).
pub const MIN_YEAR: i32 = 2000;
pub const MAX_YEAR: i32 = 2100;

fn check_year(year: i32, field: &str) -> Result<(), AppError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(AppError::field(field, format!("{field} : l'année doit être comprise entre {MIN_YEAR} et {MAX_YEAR}.")))
    }
}

/// Midnight at the start of `d` in `tz`. Where midnight does not exist (a DST jump at
/// midnight, unknown in Paris) the first instant of the day is used; at the very ends
/// of chrono's range, where no offset can be applied, midnight UTC is returned rather
/// than panicking (validated dates never get there).
pub fn midnight_in(tz: Tz, d: NaiveDate) -> DateTime<Utc> {
    let naive = d.and_time(NaiveTime::MIN);
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(naive + Duration::hours(1))).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// Midnight at the start of `d` in Paris.
pub fn paris_midnight(d: NaiveDate) -> DateTime<Utc> {
    midnight_in(Paris, d)
}

/// The start of the Paris day of an instant: the key of the per-day reception figures.
pub fn paris_day_start(t: DateTime<Utc>) -> DateTime<Utc> {
    paris_midnight(paris_date(t))
}

/// The calendar day of an instant in `tz`.
pub fn date_in(tz: Tz, t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// The Paris calendar day of an instant.
pub fn paris_date(t: DateTime<Utc>) -> NaiveDate {
    date_in(Paris, t)
}

/// `25/11/2026`, the way days are written to users.
pub fn french_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Month names as French writes them, January first.
pub const MONTH_NAMES: [&str; 12] = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];

/// Month abbreviations as French typography writes them, for narrow places (chart axes).
pub const MONTH_ABBREVIATIONS: [&str; 12] = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];

/// `mars 2026`: the month of `d` in words.
pub fn french_month(d: NaiveDate) -> String {
    format!("{} {}", MONTH_NAMES[d.month0() as usize], d.year())
}

/// A day typed by a user or a client, `YYYY-MM-DD`; `field` names it in the error.
pub fn parse_date(raw: &str, field: &str) -> Result<NaiveDate, AppError> {
    let v = raw.trim();
    let d = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| AppError::field(field, format!("{field} invalide : « {} » (format attendu AAAA-MM-JJ).", crate::error::truncate(v))))?;
    check_year(d.year(), field)?;
    Ok(d)
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
            .ok_or_else(|| AppError::invalid(format!("Date et heure invalides : « {} » (ex. 2026-03-15T09:30).", crate::error::truncate(s))))?;
        check_year(n.year(), "Date")?;
        Paris
            .from_local_datetime(&n)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| AppError::invalid(format!("L'heure « {} » n'existe pas à Paris (changement d'heure).", crate::error::truncate(s))))?
    };
    check_year(parsed.year(), "Date")?;
    Ok(parsed)
}

/// Whole days from `from` to `to`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// Refuses an end before the start.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, AppError> {
        if to < from {
            return Err(AppError::field("date_to", "date_to doit être postérieure ou égale à date_from."));
        }
        Ok(Self { from, to })
    }

    pub fn day(d: NaiveDate) -> Self {
        Self { from: d, to: d }
    }

    /// `[from 00:00, to + 1 day 00:00)` in Paris time.
    pub fn utc_bounds(&self) -> UtcRange {
        self.utc_bounds_in(Paris)
    }

    /// `[from 00:00, to + 1 day 00:00)` in `tz`.
    pub fn utc_bounds_in(&self, tz: Tz) -> UtcRange {
        UtcRange { from: midnight_in(tz, self.from), to: midnight_in(tz, self.to.succ_opt().unwrap_or(self.to)) }
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Each day of the range, in order, as a range of one day.
    pub fn each_day(&self) -> impl Iterator<Item = DateRange> {
        let to = self.to;
        self.from.iter_days().take_while(move |d| *d <= to).map(DateRange::day)
    }

    /// Whether every day of `other` is in `self`.
    pub fn contains(&self, other: &DateRange) -> bool {
        self.from <= other.from && other.to <= self.to
    }

    /// The ranges of `ranges` cut into disjoint pieces, in order: each range is then
    /// exactly a union of pieces, and each day of any range is in one piece only. Why:
    /// overlapping periods (this year, this month, the last 30 days...) are summed by
    /// the database once per piece, each row read once, and added up per range here.
    pub fn partition(ranges: &[DateRange]) -> Vec<DateRange> {
        // Every first day of a piece: each range's start and the day after its end.
        let mut cuts: Vec<NaiveDate> = ranges.iter().flat_map(|r| [r.from, r.to.succ_opt().unwrap_or(r.to)]).collect();
        cuts.sort_unstable();
        cuts.dedup();
        cuts.windows(2)
            .map(|w| DateRange { from: w[0], to: w[1].pred_opt().unwrap_or(w[1]) })
            .filter(|piece| ranges.iter().any(|r| r.contains(piece)))
            .collect()
    }
}

impl fmt::Display for DateRange {
    /// `du 01/03/2026 au 31/03/2026`, or `le 01/03/2026` for one day.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "le {}", french_date(self.from))
        } else {
            write!(f, "du {} au {}", french_date(self.from), french_date(self.to))
        }
    }
}

/// Instants `[from, to)`, what the databases compare with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UtcRange {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl UtcRange {
    /// No bound: from 1970 to 9999, inside what every backend stores.
    pub fn all() -> Self {
        Self { from: Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap(), to: Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).unwrap() }
    }
}

/// A period named relative to the day it is resolved on. Weeks start on Monday;
/// quarters are T1 (January to March) to T4. `this_*` covers the whole current week,
/// month, quarter or year; `year_to_date` stops at today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelativePeriod {
    Today,
    Yesterday,
    ThisWeek,
    LastWeek,
    ThisMonth,
    LastMonth,
    ThisQuarter,
    LastQuarter,
    ThisYear,
    YearToDate,
    LastYear,
}

impl RelativePeriod {
    pub const ALL: [RelativePeriod; 11] = [
        RelativePeriod::Today,
        RelativePeriod::Yesterday,
        RelativePeriod::ThisWeek,
        RelativePeriod::LastWeek,
        RelativePeriod::ThisMonth,
        RelativePeriod::LastMonth,
        RelativePeriod::ThisQuarter,
        RelativePeriod::LastQuarter,
        RelativePeriod::ThisYear,
        RelativePeriod::YearToDate,
        RelativePeriod::LastYear,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RelativePeriod::Today => "today",
            RelativePeriod::Yesterday => "yesterday",
            RelativePeriod::ThisWeek => "this_week",
            RelativePeriod::LastWeek => "last_week",
            RelativePeriod::ThisMonth => "this_month",
            RelativePeriod::LastMonth => "last_month",
            RelativePeriod::ThisQuarter => "this_quarter",
            RelativePeriod::LastQuarter => "last_quarter",
            RelativePeriod::ThisYear => "this_year",
            RelativePeriod::YearToDate => "year_to_date",
            RelativePeriod::LastYear => "last_year",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RelativePeriod::Today => "Aujourd'hui",
            RelativePeriod::Yesterday => "Hier",
            RelativePeriod::ThisWeek => "Cette semaine",
            RelativePeriod::LastWeek => "La semaine dernière",
            RelativePeriod::ThisMonth => "Ce mois-ci",
            RelativePeriod::LastMonth => "Le mois dernier",
            RelativePeriod::ThisQuarter => "Ce trimestre",
            RelativePeriod::LastQuarter => "Le trimestre dernier",
            RelativePeriod::ThisYear => "Cette année",
            RelativePeriod::YearToDate => "Depuis le début de l'année",
            RelativePeriod::LastYear => "L'année dernière",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let v = raw.trim();
        Self::ALL.into_iter().find(|p| p.as_str() == v).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|p| p.as_str()).collect();
            AppError::field("period", format!("period : période inconnue « {} » (valeurs possibles : {}).", crate::error::truncate(v), names.join(", ")))
        })
    }

    /// The days this period covers when today is `today`.
    pub fn range(self, today: NaiveDate) -> DateRange {
        let week_start = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
        let month_start = |d: NaiveDate| d.with_day(1).expect("day 1 exists");
        let month_end = |d: NaiveDate| {
            let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
            NaiveDate::from_ymd_opt(y, m, 1).expect("valid month") - Duration::days(1)
        };
        let quarter_start = |d: NaiveDate| NaiveDate::from_ymd_opt(d.year(), (d.month0() / 3) * 3 + 1, 1).expect("valid quarter");
        let year = |y: i32| DateRange { from: NaiveDate::from_ymd_opt(y, 1, 1).expect("jan 1"), to: NaiveDate::from_ymd_opt(y, 12, 31).expect("dec 31") };
        match self {
            RelativePeriod::Today => DateRange::day(today),
            RelativePeriod::Yesterday => DateRange::day(today - Duration::days(1)),
            RelativePeriod::ThisWeek => DateRange { from: week_start, to: week_start + Duration::days(6) },
            RelativePeriod::LastWeek => DateRange { from: week_start - Duration::days(7), to: week_start - Duration::days(1) },
            RelativePeriod::ThisMonth => DateRange { from: month_start(today), to: month_end(today) },
            RelativePeriod::LastMonth => {
                let last = month_start(today) - Duration::days(1);
                DateRange { from: month_start(last), to: last }
            }
            RelativePeriod::ThisQuarter => {
                let from = quarter_start(today);
                DateRange { from, to: month_end(from + Duration::days(62)) }
            }
            RelativePeriod::LastQuarter => {
                let to = quarter_start(today) - Duration::days(1);
                DateRange { from: quarter_start(to), to }
            }
            RelativePeriod::ThisYear => year(today.year()),
            RelativePeriod::YearToDate => DateRange { from: year(today.year()).from, to: today },
            RelativePeriod::LastYear => year(today.year() - 1),
        }
    }
}

/// A period of a filter: fixed days, or named relative to the day it is resolved on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Period {
    Dates(DateRange),
    Relative(RelativePeriod),
}

impl Period {
    /// Reads the three period fields of a filter: `period`, or both `date_from` and
    /// `date_to`, or none of them.
    pub fn parse(period: Option<&str>, date_from: Option<&str>, date_to: Option<&str>) -> Result<Option<Self>, AppError> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        match (given(period), given(date_from), given(date_to)) {
            (None, None, None) => Ok(None),
            (Some(p), None, None) => Ok(Some(Period::Relative(RelativePeriod::parse(p)?))),
            (Some(_), _, _) => Err(AppError::field("period", "period : donnez une période nommée ou des dates (date_from, date_to), pas les deux.")),
            (None, Some(f), Some(t)) => Ok(Some(Period::Dates(DateRange::new(parse_date(f, "date_from")?, parse_date(t, "date_to")?)?))),
            (None, None, Some(_)) => Err(AppError::field("date_from", "Le paramètre date_from est obligatoire (AAAA-MM-JJ).")),
            (None, Some(_), None) => Err(AppError::field("date_to", "Le paramètre date_to est obligatoire (AAAA-MM-JJ).")),
        }
    }

    /// The days covered when it is `now`, in Paris.
    pub fn resolve(&self, now: DateTime<Utc>) -> DateRange {
        self.resolve_in(Paris, now)
    }

    /// The days covered when it is `now`, counting days in `tz`.
    pub fn resolve_in(&self, tz: Tz, now: DateTime<Utc>) -> DateRange {
        match self {
            Period::Dates(r) => *r,
            Period::Relative(p) => p.range(date_in(tz, now)),
        }
    }

    /// French words: "Le mois dernier" or "du 01/03/2026 au 31/03/2026".
    pub fn describe(&self) -> String {
        match self {
            Period::Dates(r) => r.to_string(),
            Period::Relative(p) => p.label().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_are_paris_days_with_the_end_day_included() {
        let p = Period::parse(None, Some("2026-03-01"), Some("2026-03-31")).unwrap().unwrap();
        let b = p.resolve(Utc::now()).utc_bounds();
        assert_eq!(b.from.to_rfc3339(), "2026-02-28T23:00:00+00:00");
        // DST starts on 2026-03-29: April 1st 00:00 Paris is 22:00 UTC.
        assert_eq!(b.to.to_rfc3339(), "2026-03-31T22:00:00+00:00");
        assert!(Period::parse(None, Some("2026-03-02"), Some("2026-03-01")).is_err());
        assert!(Period::parse(None, None, Some("2026-03-01")).is_err());
        assert!(Period::parse(None, Some("01/03/2026"), Some("2026-03-01")).is_err());
        assert!(Period::parse(Some("yesterday"), Some("2026-03-01"), Some("2026-03-02")).is_err());
        assert_eq!(Period::parse(None, None, None).unwrap(), None);
    }

    #[test]
    fn a_partition_cuts_overlapping_ranges_into_disjoint_pieces() {
        let r = |a: &str, b: &str| DateRange { from: d(a), to: d(b) };
        // A year, a month in it, a week across two months, a lone day after a gap.
        let ranges = [r("2026-01-01", "2026-12-31"), r("2026-03-01", "2026-03-31"), r("2026-02-23", "2026-03-01"), r("2027-02-01", "2027-02-01")];
        let pieces = DateRange::partition(&ranges);
        assert_eq!(
            pieces,
            vec![
                r("2026-01-01", "2026-02-22"),
                r("2026-02-23", "2026-02-28"),
                r("2026-03-01", "2026-03-01"),
                r("2026-03-02", "2026-03-31"),
                r("2026-04-01", "2026-12-31"),
                r("2027-02-01", "2027-02-01"),
            ]
        );
        // Every range is exactly the union of the pieces it contains, day for day.
        for range in &ranges {
            let days: i64 = pieces.iter().filter(|p| range.contains(p)).map(DateRange::days).sum();
            assert_eq!(days, range.days(), "{range:?}");
            assert!(pieces.iter().all(|p| range.contains(p) || p.to < range.from || p.from > range.to));
        }
        assert!(DateRange::partition(&[]).is_empty());
    }

    #[test]
    fn unknown_periods_name_the_field() {
        match Period::parse(Some("semaine"), None, None) {
            Err(AppError::InvalidField { field, message }) => {
                assert_eq!(field, "period");
                assert!(message.contains("semaine") && message.contains("last_month"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn relative_periods_at_boundaries() {
        use RelativePeriod::*;
        let r = |p: RelativePeriod, today: &str| {
            let x = p.range(d(today));
            (x.from.to_string(), x.to.to_string())
        };
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        // 2026-11-25 is a Wednesday.
        assert_eq!(r(Today, "2026-11-25"), s("2026-11-25", "2026-11-25"));
        assert_eq!(r(Yesterday, "2026-03-01"), s("2026-02-28", "2026-02-28"));
        assert_eq!(r(Yesterday, "2028-03-01"), s("2028-02-29", "2028-02-29"));
        assert_eq!(r(ThisWeek, "2026-11-25"), s("2026-11-23", "2026-11-29"));
        assert_eq!(r(LastWeek, "2026-11-23"), s("2026-11-16", "2026-11-22"));
        assert_eq!(r(LastWeek, "2026-01-01"), s("2025-12-22", "2025-12-28"));
        assert_eq!(r(ThisMonth, "2026-02-10"), s("2026-02-01", "2026-02-28"));
        assert_eq!(r(LastMonth, "2026-01-15"), s("2025-12-01", "2025-12-31"));
        assert_eq!(r(LastMonth, "2026-03-31"), s("2026-02-01", "2026-02-28"));
        assert_eq!(r(ThisQuarter, "2026-11-25"), s("2026-10-01", "2026-12-31"));
        assert_eq!(r(ThisQuarter, "2026-02-01"), s("2026-01-01", "2026-03-31"));
        assert_eq!(r(LastQuarter, "2026-01-01"), s("2025-10-01", "2025-12-31"));
        assert_eq!(r(LastQuarter, "2026-07-01"), s("2026-04-01", "2026-06-30"));
        assert_eq!(r(LastQuarter, "2026-06-30"), s("2026-01-01", "2026-03-31"));
        assert_eq!(r(ThisYear, "2026-11-25"), s("2026-01-01", "2026-12-31"));
        assert_eq!(r(YearToDate, "2026-11-25"), s("2026-01-01", "2026-11-25"));
        assert_eq!(r(LastYear, "2026-01-01"), s("2025-01-01", "2025-12-31"));
    }

    #[test]
    fn relative_periods_resolve_in_paris_not_utc() {
        // 2026-03-31 22:30 UTC is already April 1st in Paris.
        let now = Utc.with_ymd_and_hms(2026, 3, 31, 22, 30, 0).unwrap();
        let p = Period::Relative(RelativePeriod::LastMonth);
        assert_eq!(p.resolve(now), DateRange { from: d("2026-03-01"), to: d("2026-03-31") });
        assert_eq!(p.resolve_in(chrono_tz::UTC, now), DateRange { from: d("2026-02-01"), to: d("2026-02-28") });
        assert_eq!(Period::Relative(RelativePeriod::Today).resolve(now).utc_bounds().from.to_rfc3339(), "2026-03-31T22:00:00+00:00");
    }

    #[test]
    fn dates_outside_sane_years_are_refused() {
        assert!(Period::parse(None, Some("-262143-01-01"), Some("2026-01-01")).is_err());
        assert!(Period::parse(None, Some("1999-12-31"), Some("2026-01-01")).is_err());
        assert!(Period::parse(None, Some("2026-01-01"), Some("2101-01-01")).is_err());
        assert!(parse_instant("1926-03-01T09:00").is_err());
        assert!(parse_instant("+5000-03-01T09:00:00Z").is_err());
        // No panic at the ends of chrono's range.
        let _ = paris_midnight(NaiveDate::MIN);
        let _ = paris_midnight(NaiveDate::MAX);
    }

    #[test]
    fn instants_typed_in_paris_time() {
        assert_eq!(parse_instant("2026-07-14T09:30").unwrap().to_rfc3339(), "2026-07-14T07:30:00+00:00");
        assert_eq!(parse_instant("2026-01-10T09:30:00+01:00").unwrap().to_rfc3339(), "2026-01-10T08:30:00+00:00");
        assert!(parse_instant("2026-03-29T02:30").is_err());
        assert!(parse_instant("demain").is_err());
    }

    #[test]
    fn each_day_of_a_range_in_order_across_the_spring_change() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 3, day).unwrap();
        let days: Vec<DateRange> = DateRange::new(d(28), d(30)).unwrap().each_day().collect();
        assert_eq!(days, [DateRange::day(d(28)), DateRange::day(d(29)), DateRange::day(d(30))]);
        let sunday = days[1].utc_bounds();
        assert_eq!((sunday.to - sunday.from).num_hours(), 23, "Sunday 29/03 has 23 hours in Paris");
        assert_eq!(DateRange::day(d(1)).each_day().count(), 1);
    }

    #[test]
    fn ranges_read_in_french() {
        assert_eq!(DateRange { from: d("2026-03-01"), to: d("2026-03-31") }.to_string(), "du 01/03/2026 au 31/03/2026");
        assert_eq!(DateRange::day(d("2026-03-01")).to_string(), "le 01/03/2026");
    }
}
