//! The reception dashboard of the home page: the figures of today, this week, this
//! month and this year, and the weight per day and per month. Its days are computed
//! here once, from `crate::time`, so the server that sums and the page that labels
//! agree on every bucket.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{CategoryStats, DestinationStats, UserId};
use crate::time::{DateRange, RelativePeriod};
use crate::weight::Weight;

/// The periods of the dashboard's cards, in the order shown.
pub const DASHBOARD_PERIODS: [RelativePeriod; 4] = [RelativePeriod::Today, RelativePeriod::ThisWeek, RelativePeriod::ThisMonth, RelativePeriod::ThisYear];
/// Days of the daily chart, today included.
pub const DASHBOARD_DAYS: usize = 30;
/// Months of the monthly chart, this month included.
pub const DASHBOARD_MONTHS: usize = 12;
/// Categories listed per period, by entry weight.
pub const TOP_CATEGORIES: usize = 5;

/// The days of every figure of the dashboard when today is `today` (a Paris day).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashboardRanges {
    pub periods: Vec<(RelativePeriod, DateRange)>,
    /// The last [`DASHBOARD_DAYS`] days, oldest first.
    pub days: Vec<DateRange>,
    /// The last [`DASHBOARD_MONTHS`] whole months, oldest first.
    pub months: Vec<DateRange>,
}

impl DashboardRanges {
    pub fn at(today: NaiveDate) -> Self {
        let periods = DASHBOARD_PERIODS.iter().map(|p| (*p, p.range(today))).collect();
        let days = (0..DASHBOARD_DAYS as i64).rev().map(|k| DateRange::day(today - Duration::days(k))).collect();
        let mut months = Vec::with_capacity(DASHBOARD_MONTHS);
        let mut month = RelativePeriod::ThisMonth.range(today);
        for _ in 0..DASHBOARD_MONTHS {
            months.push(month);
            month = RelativePeriod::LastMonth.range(month.from);
        }
        months.reverse();
        Self { periods, days, months }
    }

    /// Every bucket in one list: the periods, then the days, then the months.
    pub fn buckets(&self) -> Vec<DateRange> {
        self.periods.iter().map(|(_, r)| *r).chain(self.days.iter().copied()).chain(self.months.iter().copied()).collect()
    }

    /// The days covering every bucket.
    pub fn span(&self) -> DateRange {
        let all = self.buckets();
        let from = all.iter().map(|r| r.from).min().expect("buckets");
        let to = all.iter().map(|r| r.to).max().expect("buckets");
        DateRange { from, to }
    }
}

/// `GET /v1/reception/stats/dashboard`: weights are exact (whole grams), entries are
/// lines that are not exits, dates are ticket dates in Paris days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceptionDashboard {
    pub today: NaiveDate,
    pub generated_at: DateTime<Utc>,
    /// True when these are the caller's own figures (a bénévole), false for the whole
    /// site (an admin).
    pub own_figures: bool,
    pub periods: Vec<DashboardPeriod>,
    pub daily: Vec<DashboardPoint>,
    pub monthly: Vec<DashboardPoint>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardPeriod {
    /// The relative period's name (`today`, `this_week`, `this_month`, `this_year`).
    pub period: String,
    pub label: String,
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    pub tickets: i64,
    pub entry_weight_kg: Weight,
    pub exit_weight_kg: Weight,
    pub by_destination: Vec<DestinationStats>,
    /// The [`TOP_CATEGORIES`] categories with the most entry weight.
    pub top_categories: Vec<CategoryStats>,
    /// Per bénévole, for admins only (empty for a bénévole).
    pub by_benevole: Vec<BenevoleStats>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardPoint {
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    pub tickets: i64,
    pub entry_weight_kg: Weight,
    pub exit_weight_kg: Weight,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenevoleStats {
    pub benevole_id: UserId,
    pub name: String,
    pub tickets: i64,
    pub entry_weight_kg: Weight,
    pub exit_weight_kg: Weight,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn buckets_are_whole_paris_days_and_months() {
        let r = DashboardRanges::at(d("2026-03-30"));
        assert_eq!(r.periods[1].1, DateRange { from: d("2026-03-30"), to: d("2026-04-05") });
        assert_eq!(r.days.len(), 30);
        assert_eq!((r.days[0].from, r.days[29].to), (d("2026-03-01"), d("2026-03-30")));
        assert_eq!(r.months.len(), 12);
        assert_eq!(r.months[0], DateRange { from: d("2025-04-01"), to: d("2025-04-30") });
        assert_eq!(r.months[11], DateRange { from: d("2026-03-01"), to: d("2026-03-31") });
        assert_eq!(r.span(), DateRange { from: d("2025-04-01"), to: d("2026-12-31") });
        assert_eq!(r.buckets().len(), 4 + 30 + 12);
        // The day of the spring change lasts 23 hours.
        let b = DateRange::day(d("2026-03-29")).utc_bounds();
        assert_eq!((b.to - b.from).num_hours(), 23);
    }
}
