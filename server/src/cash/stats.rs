use app::auth::{Permission, UserView};
use app::cash::CashLiveStats;
use app::error::AppError;
use app::time::{paris_date, DateRange};

use crate::auth::require;
use crate::state::AppState;

/// Today's cash figures (Europe/Paris day).
pub async fn live_stats(state: &AppState, actor: &UserView) -> Result<CashLiveStats, AppError> {
    require(actor, Permission::CaisseAccess)?;
    let day = paris_date(state.clock.now());
    let mut stats = state.store.cash_day_stats(DateRange::day(day).utc_bounds()).await?;
    stats.day = day;
    Ok(stats)
}
