//! The per-day reception figures (tickets, lines and grams per Paris day, bénévole,
//! category, destination and flow), which the dashboard reads instead of every line of
//! the year. The desk's writes keep them in their own transaction (storage); tickets
//! written before they existed are counted here, at start, a month of days per
//! transaction (as the batches of [`crate::storage::ReceptionStore::insert_history`] count
//! theirs).
use app::time::{paris_date, DateRange, UtcRange};

use crate::storage::StoreResult;

/// Days counted per transaction: large enough to be quick, small enough that a start
/// on a big database does not hold one transaction for minutes.
const DAYS_PER_TRANSACTION: usize = 31;

/// Counts every ticket not yet in the per-day figures, and its lines. Idempotent: a
/// counted ticket has its day and is never counted again. Returns the rows changed.
pub async fn count_undated(store: &dyn crate::storage::Store) -> StoreResult<u64> {
    let Some((first, last)) = store.undated_tickets().await? else {
        return Ok(0);
    };
    let days: Vec<UtcRange> = DateRange { from: paris_date(first), to: paris_date(last) }.each_day().map(|d| d.utc_bounds()).collect();
    let mut counted = 0;
    for month in days.chunks(DAYS_PER_TRANSACTION) {
        counted += store.date_tickets(month).await?;
    }
    tracing::info!(rows = counted, "reception: older tickets counted in the per-day figures");
    Ok(counted)
}
