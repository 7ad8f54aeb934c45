//! The reception dashboard: the figures of today, this week, this month and this year,
//! and the weight per Paris day and per month. Each bucket is a range of whole Paris
//! days turned into instants by `app::time` (so a 23-hour spring day is 23 hours), and
//! the database sums every bucket in one query; sums stay in whole grams.
use std::collections::BTreeMap;

use app::auth::{Permission, UserView};
use app::ids::UserId;
use app::error::AppError;
use app::filter::Scoped;
use app::reception::{
    BenevoleStats, DashboardPeriod, DashboardPoint, DashboardRanges, ReceptionDashboard, ReceptionFilter, DASHBOARD_PERIODS,
    TOP_CATEGORIES,
};
use app::time::{paris_date, DateRange, UtcRange};
use app::weight::Weight;

use crate::auth::require;
use crate::export::{col, Cell, Column, Dialect};
use crate::reports::{Report, ReportFormat, ReportKind, Sheet, Sheets};
use crate::state::AppState;
use crate::storage::reception::{BucketCell, BucketTotal};

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
    // The buckets overlap (the year holds the months, the month the days...): the
    // database sums disjoint pieces of them, each line read once per query, and the
    // pieces are added up into their buckets here.
    let pieces = DateRange::partition(&buckets);
    let in_buckets: Vec<Vec<usize>> = pieces.iter().map(|piece| (0..buckets.len()).filter(|&i| buckets[i].contains(piece)).collect()).collect();
    let bounds: Vec<UtcRange> = pieces.iter().map(DateRange::utc_bounds).collect();
    // Categories and destinations are shown for the periods only (the first buckets).
    let period_pieces: Vec<usize> = (0..pieces.len()).filter(|&j| in_buckets[j].iter().any(|&i| i < DASHBOARD_PERIODS.len())).collect();
    let period_bounds: Vec<UtcRange> = period_pieces.iter().map(|&j| bounds[j]).collect();
    let resolved = filter.over(ranges.span());
    // The buckets are whole Paris days: without other criteria than the bénévole, the
    // per-day figures answer (a few hundred rows a day instead of every line), once
    // every ticket is counted in them (a ticket written by an older server, during an
    // upgrade, is counted at the next start).
    let per_day = match by_benevole_only(resolved.filter()) {
        Some(benevole) if state.store.undated_tickets().await?.is_none() => Some(benevole),
        _ => None,
    };
    let (totals, cells, categories) = match per_day {
        Some(benevole) => tokio::try_join!(
            state.store.day_bucket_totals(benevole, &bounds),
            state.store.day_bucket_cells(benevole, &period_bounds),
            state.store.list_categories(),
        )?,
        None => tokio::try_join!(
            state.store.bucket_totals(&resolved, &bounds),
            state.store.bucket_cells(&resolved, &period_bounds),
            state.store.list_categories(),
        )?,
    };
    let admin = actor.has(Permission::Admin);
    // The buckets of a row's piece (a cell's piece index is into `period_pieces`).
    let buckets_of_total = |t: &BucketTotal| in_buckets.get(t.bucket).map(Vec::as_slice).unwrap_or_default();
    let buckets_of_cell = |c: &BucketCell| period_pieces.get(c.bucket).map(|&j| in_buckets[j].as_slice()).unwrap_or_default();

    // (tickets, entry grams, exit grams) per bucket.
    let mut per_bucket = vec![(0i64, 0i64, 0i64); buckets.len()];
    for t in &totals {
        for &i in buckets_of_total(t) {
            let acc = &mut per_bucket[i];
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
            for c in cells.iter().filter(|c| buckets_of_cell(c).contains(&i)) {
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
            let by_benevole = if admin { benevoles(totals.iter().filter(|t| buckets_of_total(t).contains(&i))) } else { Vec::new() };
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

/// `Some(bénévole or none)` when the filter selects by nothing else (the period aside,
/// which the buckets replace).
fn by_benevole_only(f: &ReceptionFilter) -> Option<Option<UserId>> {
    let ReceptionFilter { period: _, status, poste_id, benevole_id, category_id, destination, ticket_id, number } = f;
    (status.is_none() && poste_id.is_none() && category_id.is_none() && destination.is_none() && ticket_id.is_none() && number.is_none()).then_some(*benevole_id)
}

/// One row per bénévole (their rows of every piece added up), most entry weight first.
fn benevoles<'a>(totals: impl Iterator<Item = &'a BucketTotal>) -> Vec<BenevoleStats> {
    let mut per: BTreeMap<UserId, BenevoleStats> = BTreeMap::new();
    for t in totals {
        let b = per.entry(t.benevole_id).or_insert_with(|| BenevoleStats {
            benevole_id: t.benevole_id,
            name: t.benevole_name.clone(),
            tickets: 0,
            entry_weight_kg: Weight::from_grams(0),
            exit_weight_kg: Weight::from_grams(0),
        });
        b.tickets += t.tickets;
        b.entry_weight_kg = Weight::from_grams(b.entry_weight_kg.grams() + t.entry_grams);
        b.exit_weight_kg = Weight::from_grams(b.exit_weight_kg.grams() + t.exit_grams);
    }
    let mut out: Vec<BenevoleStats> = per.into_values().collect();
    out.sort_by(|a, b| b.entry_weight_kg.cmp(&a.entry_weight_kg).then_with(|| a.name.cmp(&b.name)));
    out
}

/// The dashboard's figures as one table, as the cards and charts show them.
pub const FIGURE_COLUMNS: [Column; 6] = [
    col("Série", "series", 16.0),
    col("Du", "date_from", 12.0),
    col("Au", "date_to", 12.0),
    col("Tickets", "tickets", 10.0),
    col("Entrées (kg)", "entry_weight_kg", 14.0),
    col("Sorties (kg)", "exit_weight_kg", 14.0),
];

pub(crate) const FIGURES: Sheet = Sheet { name: "Tableau de bord", file: "tableau-de-bord", columns: &FIGURE_COLUMNS };

/// One row of [`FIGURES`]: a period card (`this_month`, "Ce mois-ci"), a day or a month
/// of the charts.
pub struct FigureRow {
    series: (String, String),
    point: DashboardPoint,
}

fn figure_rows(d: &ReceptionDashboard) -> Vec<FigureRow> {
    let periods = d.periods.iter().map(|p| FigureRow {
        series: (p.period.clone(), p.label.clone()),
        point: DashboardPoint { date_from: p.date_from, date_to: p.date_to, tickets: p.tickets, entry_weight_kg: p.entry_weight_kg, exit_weight_kg: p.exit_weight_kg },
    });
    let series = |code: &str, label: &str, points: &[DashboardPoint]| -> Vec<FigureRow> {
        points.iter().map(|p| FigureRow { series: (code.to_string(), label.to_string()), point: p.clone() }).collect()
    };
    periods.chain(series("day", "Jour", &d.daily)).chain(series("month", "Mois", &d.monthly)).collect()
}

fn figure_cells(r: &FigureRow) -> [Cell<'_>; FIGURE_COLUMNS.len()] {
    [
        Cell::label(&r.series.0, &r.series.1),
        Cell::Code(r.point.date_from.to_string().into()),
        Cell::Code(r.point.date_to.to_string().into()),
        Cell::Int(r.point.tickets),
        Cell::Weight(r.point.entry_weight_kg),
        Cell::Weight(r.point.exit_weight_kg),
    ]
}

/// The figures of `d` as a report (its reader's own, as [`dashboard`] made them).
pub fn figures_report(d: ReceptionDashboard, format: ReportFormat, dialect: Dialect) -> Report {
    Report { kind: ReportKind::ReceptionDashboard(std::sync::Arc::new(d)), format, dialect }
}

pub(crate) async fn produce_figures(d: &ReceptionDashboard, out: &Sheets) -> anyhow::Result<()> {
    out.sheet(FIGURES).await?;
    out.rows(figure_rows(d), figure_cells).await
}
