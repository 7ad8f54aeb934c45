use std::collections::BTreeMap;

use app::auth::{Permission, UserView};
use app::error::AppError;
use app::ids::{CategoryId, PosteId};
use app::reception::{Category, CategoryStats, Destination, DestinationStats, OwnDayStats, PosteStats, PosteSummary, ReceptionLiveStats};
use app::time::{paris_date, DateRange};
use app::weight::Weight;

use crate::auth::require;
use crate::state::AppState;
use crate::storage::reception::StatCell;

/// Today's reception KPIs (Europe/Paris day). Sums are in whole grams, so nothing is
/// rounded before the very end.
pub async fn live_stats(state: &AppState, actor: &UserView, exclude_deferred: bool) -> Result<ReceptionLiveStats, AppError> {
    require(actor, Permission::ReceptionAccess)?;
    let now = state.clock.now();
    let day = paris_date(now);
    let range = DateRange::day(day).utc_bounds();
    // Three independent reads, at once (the banner polls this every 30 s on every desk).
    let own = async {
        match actor.has(Permission::Admin) {
            true => Ok(None),
            false => state.store.own_day_stats(range, exclude_deferred, actor.id).await.map(Some),
        }
    };
    let (raw, categories, own) = tokio::try_join!(state.store.day_stats(range, exclude_deferred), state.store.list_categories(), own)?;
    let mine = own.map(|own| OwnDayStats {
        tickets: own.tickets,
        lines_count: own.lines,
        entry_weight_kg: Weight::from_grams(own.entry_grams),
        exit_weight_kg: Weight::from_grams(own.exit_grams),
    });

    let (mut entry_g, mut exit_g, mut lines) = (0i64, 0i64, 0i64);
    // (lines, entry grams, exit grams) per key.
    let mut per_poste: BTreeMap<_, (i64, i64, i64)> = BTreeMap::new();
    let mut per_cat: BTreeMap<_, (i64, i64, i64)> = BTreeMap::new();
    for c in &raw.cells {
        lines += c.lines;
        let (e, x) = if c.is_exit { (0, c.grams) } else { (c.grams, 0) };
        entry_g += e;
        exit_g += x;
        for acc in [per_poste.entry(c.poste_id).or_default(), per_cat.entry(c.category_id).or_default()] {
            acc.0 += c.lines;
            acc.1 += e;
            acc.2 += x;
        }
    }
    let by_poste = raw
        .postes
        .iter()
        .map(|p| {
            let (l, e, x) = per_poste.get(&p.poste_id).copied().unwrap_or_default();
            PosteStats {
                poste_id: p.poste_id,
                opened_by_name: p.opened_by_name.clone(),
                is_deferred: p.is_deferred,
                tickets: p.tickets,
                lines_count: l,
                entry_weight_kg: Weight::from_grams(e),
                exit_weight_kg: Weight::from_grams(x),
            }
        })
        .collect();
    let by_destination = by_destination(&raw.cells);
    let by_category = category_stats(&categories, per_cat);
    Ok(ReceptionLiveStats {
        day,
        generated_at: now,
        exclude_deferred,
        tickets_today: raw.tickets_today,
        tickets_open: raw.tickets_open,
        lines_count: lines,
        total_weight_kg: Weight::from_grams(entry_g),
        exit_weight_kg: Weight::from_grams(exit_g),
        by_poste,
        by_destination,
        by_category,
        mine,
    })
}

/// (lines, entry grams, exit grams) of one key: a destination, a category.
pub(super) type Sums = (i64, i64, i64);

/// Lines summed by destination (entries and exits apart), in the destinations' order.
fn by_destination(cells: &[StatCell]) -> Vec<DestinationStats> {
    let mut per_dest: BTreeMap<_, Sums> = BTreeMap::new();
    for c in cells {
        let acc = per_dest.entry(c.destination).or_default();
        acc.0 += c.lines;
        if c.is_exit {
            acc.2 += c.grams;
        } else {
            acc.1 += c.grams;
        }
    }
    destination_stats(per_dest)
}

/// The figures of each destination, from its sums.
pub(super) fn destination_stats(per_dest: BTreeMap<Destination, Sums>) -> Vec<DestinationStats> {
    per_dest
        .into_iter()
        .map(|(d, (l, e, x))| DestinationStats { destination: d, lines_count: l, entry_weight_kg: Weight::from_grams(e), exit_weight_kg: Weight::from_grams(x) })
        .collect()
}

/// The figures of each category, from its sums, named from `categories`: the most
/// entry weight first, then by name.
pub(super) fn category_stats(categories: &[Category], per_cat: BTreeMap<CategoryId, Sums>) -> Vec<CategoryStats> {
    let mut out: Vec<CategoryStats> = per_cat
        .into_iter()
        .map(|(id, (l, e, x))| {
            let c = categories.iter().find(|c| c.id == id);
            CategoryStats {
                category_id: id,
                name: c.map_or_else(|| "(inconnue)".to_string(), |c| c.name.clone()),
                archived: c.is_some_and(|c| c.archived),
                lines_count: l,
                entry_weight_kg: Weight::from_grams(e),
                exit_weight_kg: Weight::from_grams(x),
            }
        })
        .collect();
    out.sort_by(|a, b| b.entry_weight_kg.cmp(&a.entry_weight_kg).then_with(|| a.name.cmp(&b.name)));
    out
}

/// The summary of a poste's shift (its whole life, whatever the day): for its owner
/// when they close it, or for an admin.
pub async fn poste_summary(state: &AppState, actor: &UserView, id: PosteId) -> Result<PosteSummary, AppError> {
    let poste = super::postes::owned_poste(state, actor, id).await?;
    let (tickets, cells) = state.store.poste_cells(id).await?;
    let sum = |exit: bool| Weight::from_grams(cells.iter().filter(|c| c.is_exit == exit).map(|c| c.grams).sum());
    Ok(PosteSummary {
        poste_id: id,
        opened_at: poste.opened_at,
        closed_at: poste.closed_at,
        tickets,
        lines_count: cells.iter().map(|c| c.lines).sum(),
        entry_weight_kg: sum(false),
        exit_weight_kg: sum(true),
        by_destination: by_destination(&cells),
    })
}
