//! Cash: sites and registers, till sessions (open, sales, close with a per-method
//! count) and the session audit. REST handlers and server functions check the
//! permission and scope filters at the edge; these functions check it again.
mod audit;
pub mod close_report;
pub mod export;
mod sales;
mod sessions;
mod sites;
mod stats;

pub use audit::list_sessions;
pub use stats::live_stats;
pub use sales::{add_sale, sale_categories};
pub use sessions::{close_session, current_session, get_session, open_session};
pub use sites::{create_register, create_site, list_registers, list_sites};

use app::auth::{Permission, UserView};
use app::cash::CashSession;
use app::error::AppError;
use app::ids::CashSessionId;

use crate::state::AppState;

/// The session, if `actor` may see it: operators their own, admins all.
async fn visible_session(state: &AppState, actor: &UserView, id: CashSessionId) -> Result<CashSession, AppError> {
    crate::auth::require(actor, Permission::CaisseAccess)?;
    let session = state.store.cash_session(id).await?.ok_or_else(|| AppError::NotFound("Session de caisse introuvable.".into()))?;
    if session.operator_id != actor.id && !actor.has(Permission::Admin) {
        return Err(AppError::Forbidden("Cette session de caisse appartient à un autre opérateur.".into()));
    }
    Ok(session)
}
