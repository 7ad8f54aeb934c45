//! The per-day reception figures (tickets, lines and grams per Paris day, bénévole,
//! category, destination and flow), which the dashboard reads instead of every line of
//! the year. The desk's writes keep them in their own transaction (storage); tickets
//! written before they existed are counted here, at start, a month of days per
//! transaction (and the tickets of [`crate::storage::ReceptionStore::insert_history`] are
//! counted by it).
use app::time::{paris_date, DateRange, UtcRange};
use chrono::Duration;

use crate::storage::{StoreError, StoreResult};

/// Days counted per transaction: large enough to be quick, small enough that a start
/// on a big database does not hold one transaction for minutes.
const DAYS_PER_TRANSACTION: i64 = 31;

/// Counts every ticket not yet in the per-day figures, and its lines. Idempotent: a
/// counted ticket has its day and is never counted again. Returns the rows changed.
pub async fn count_undated(store: &dyn crate::storage::Store) -> StoreResult<u64> {
    let Some((first, last)) = store.undated_tickets().await? else {
        return Ok(0);
    };
    let (first, last) = (paris_date(first), paris_date(last));
    let mut counted = 0;
    let mut day = first;
    while day <= last {
        let days: Vec<UtcRange> = (0..DAYS_PER_TRANSACTION)
            .map(|k| day + Duration::days(k))
            .take_while(|d| *d <= last)
            .map(|d| DateRange::day(d).utc_bounds())
            .collect();
        counted += store.date_tickets(&days).await?;
        day = day.checked_add_signed(Duration::days(DAYS_PER_TRANSACTION)).ok_or_else(|| StoreError::Corrupt("ticket date out of range".into()))?;
    }
    tracing::info!(rows = counted, "reception: older tickets counted in the per-day figures");
    Ok(counted)
}
