//! The session audit: one page of the sessions a filter selects, sorted on the server,
//! with the totals of the whole filtered set.
use app::auth::{Permission, UserView};
use app::cash::{CashSessionFilter, SessionPage, SessionSort};
use app::error::AppError;
use app::filter::Scoped;

use crate::auth::require;
use crate::state::AppState;

pub const MAX_PAGE_SIZE: i64 = 500;

pub async fn list_sessions(state: &AppState, actor: &UserView, filter: Scoped<CashSessionFilter>, sort: SessionSort, page: i64, page_size: i64) -> Result<SessionPage, AppError> {
    require(actor, Permission::CaisseAccess)?;
    if page < 1 {
        return Err(AppError::field("page", "page commence à 1."));
    }
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(AppError::field("page_size", format!("page_size doit être compris entre 1 et {MAX_PAGE_SIZE}.")));
    }
    let f = filter.resolve(state.clock.now());
    let offset = (page - 1).saturating_mul(page_size);
    let items = state.store.list_sessions(&f, sort, page_size, offset).await?;
    let totals = state.store.session_totals(&f).await?;
    Ok(SessionPage { items, total: totals.sessions, page, page_size, totals })
}
