//! The reception dashboard: the figures of today, this week, this month and this year,
//! and the weight per Paris day and per month. Each bucket is a range of whole Paris
//! days turned into instants by `app::time` (so a 23-hour spring day is 23 hours), and
//! the database sums every bucket in one query; sums stay in whole grams.
use std::collections::BTreeMap;

use app::auth::{Permission, UserView};
use app::error::AppError;
use app::filter::Scoped;
use app::reception::{
    BenevoleStats, DashboardPeriod, DashboardPoint, DashboardRanges, ReceptionDashboard, ReceptionFilter, DASHBOARD_PERIODS,
    TOP_CATEGORIES,
};
use app::time::{paris_date, DateRange, UtcRange};
use app::weight::Weight;

use crate::auth::require;
use crate::state::AppState;
use crate::storage::reception::BucketTotal;

/// The dashboard of `filter` (scoped: a bénévole's own tickets only). The filter may
/// narrow by poste, category, destination…, never by period: the dashboard has its own.
pub async fn dashboard(state: &AppState, actor: &UserView, filter: Scoped<ReceptionFilter>) -> Result<ReceptionDashboard, AppError> {
    require(actor, Permission::ReceptionAccess)?;
    if filter.filter().period.is_some() {
        return Err(AppError::field("period", "period : le tableau de bord a ses propres périodes (aujourd'hui, cette semaine, ce mois-ci, cette année)."));
    }
    let now = state.clock.now();
    let today = paris_date(now);
    let ranges = DashboardRanges::at(today);
    let buckets: Vec<DateRange> = ranges.buckets();
    let bounds: Vec<UtcRange> = buckets.iter().map(DateRange::utc_bounds).collect();
    let resolved = filter.over(ranges.span());
    let totals = state.store.bucket_totals(&resolved, &bounds).await?;
    let cells = state.store.bucket_cells(&resolved, &bounds[..DASHBOARD_PERIODS.len()]).await?;
    let categories = state.store.list_categories().await?;
    let admin = actor.has(Permission::Admin);

    // (tickets, entry grams, exit grams) per bucket.
    let mut per_bucket = vec![(0i64, 0i64, 0i64); buckets.len()];
    for t in &totals {
        if let Some(acc) = per_bucket.get_mut(t.bucket) {
            acc.0 += t.tickets;
            acc.1 += t.entry_grams;
            acc.2 += t.exit_grams;
        }
    }
    let point = |i: usize| {
        let (tickets, e, x) = per_bucket[i];
        DashboardPoint { date_from: buckets[i].from, date_to: buckets[i].to, tickets, entry_weight_kg: Weight::from_grams(e), exit_weight_kg: Weight::from_grams(x) }
    };

    let periods = ranges
        .periods
        .iter()
        .enumerate()
        .map(|(i, (period, _))| {
            // (lines, entry grams, exit grams) per key.
            let mut per_dest: BTreeMap<_, super::stats::Sums> = BTreeMap::new();
            let mut per_cat: BTreeMap<_, super::stats::Sums> = BTreeMap::new();
            for c in cells.iter().filter(|c| c.bucket == i) {
                let (e, x) = if c.is_exit { (0, c.grams) } else { (c.grams, 0) };
                for acc in [per_dest.entry(c.destination).or_default(), per_cat.entry(c.category_id).or_default()] {
                    acc.0 += c.lines;
                    acc.1 += e;
                    acc.2 += x;
                }
            }
            let by_destination = super::stats::destination_stats(per_dest);
            let mut top_categories = super::stats::category_stats(&categories, per_cat);
            top_categories.retain(|c| c.entry_weight_kg.grams() > 0);
            top_categories.truncate(TOP_CATEGORIES);
            let by_benevole = if admin { benevoles(totals.iter().filter(|t| t.bucket == i)) } else { Vec::new() };
            let p = point(i);
            DashboardPeriod {
                period: period.as_str().to_string(),
                label: period.label().to_string(),
                date_from: p.date_from,
                date_to: p.date_to,
                tickets: p.tickets,
                entry_weight_kg: p.entry_weight_kg,
                exit_weight_kg: p.exit_weight_kg,
                by_destination,
                top_categories,
                by_benevole,
            }
        })
        .collect();
    let first_day = ranges.periods.len();
    let first_month = first_day + ranges.days.len();
    Ok(ReceptionDashboard {
        today,
        generated_at: now,
        own_figures: !admin,
        periods,
        daily: (first_day..first_month).map(point).collect(),
        monthly: (first_month..buckets.len()).map(point).collect(),
    })
}

/// One row per bénévole, most entry weight first.
fn benevoles<'a>(totals: impl Iterator<Item = &'a BucketTotal>) -> Vec<BenevoleStats> {
    let mut out: Vec<BenevoleStats> = totals
        .map(|t| BenevoleStats {
            benevole_id: t.benevole_id,
            name: t.benevole_name.clone(),
            tickets: t.tickets,
            entry_weight_kg: Weight::from_grams(t.entry_grams),
            exit_weight_kg: Weight::from_grams(t.exit_grams),
        })
        .collect();
    out.sort_by(|a, b| b.entry_weight_kg.cmp(&a.entry_weight_kg).then_with(|| a.name.cmp(&b.name)));
    out
}
