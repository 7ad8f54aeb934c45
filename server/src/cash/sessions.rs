use app::auth::{Permission, UserView};
use app::text::clean_text;
use app::cash::{CashSession, CashSessionDetail, CloseOutcome, CloseSessionRequest, DeletedSession, OpenSessionRequest, Reconciliation};
use app::error::AppError;
use app::ids::CashSessionId;
use app::money::Cents;
use app::time::parse_instant;
use uuid::Uuid;

use super::visible_session;
use crate::auth::require;
use crate::state::AppState;
use crate::storage::cash::{NewSession, SessionClose};
use crate::storage::StoreError;

/// 10 000 € in the drawer at opening: above, a typing mistake.
const MAX_FLOAT: Cents = Cents(1_000_000);
/// 1 000 000 € counted: above, a typing mistake.
const MAX_COUNTED: Cents = Cents(100_000_000);

/// Opens a session on a register for the caller. Admins may give a past `opened_at`
/// (a paper sales book typed in later): its sales then take that date.
pub async fn open_session(state: &AppState, actor: &UserView, req: OpenSessionRequest) -> Result<CashSession, AppError> {
    require(actor, Permission::CaisseAccess)?;
    if req.opening_float_cents.0 < 0 || req.opening_float_cents > MAX_FLOAT {
        return Err(AppError::field("opening_float_cents", "Le fond de caisse doit être compris entre 0 et 10 000 €."));
    }
    let register = state.store.register(req.register_id).await?.ok_or_else(|| AppError::field("register_id", "Caisse introuvable."))?;
    let now = state.clock.now();
    let (opened_at, is_deferred) = match req.opened_at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => (now, false),
        Some(raw) => {
            if !actor.has(Permission::Admin) {
                return Err(AppError::Forbidden("Seul un administrateur peut ouvrir une session en saisie différée.".into()));
            }
            let at = parse_instant(raw).map_err(|e| AppError::field("opened_at", e.to_string()))?;
            if at > now {
                return Err(AppError::field("opened_at", "La date d'ouverture ne peut pas être dans le futur."));
            }
            (at, true)
        }
    };
    if let Some(open) = state.store.open_session_of_register(register.id).await? {
        return Err(AppError::Conflict(format!("La caisse « {} » a déjà une session ouverte par {}.", register.name, open.operator_name)));
    }
    if let Some(open) = state.store.open_session_of_operator(actor.id).await? {
        return Err(AppError::Conflict(format!("Vous avez déjà une session ouverte sur la caisse « {} » : fermez-la d'abord.", open.register_name)));
    }
    let new = NewSession { id: CashSessionId(Uuid::new_v4()), register_id: register.id, operator_id: actor.id, opened_at, is_deferred, opening_float: req.opening_float_cents, now };
    match state.store.insert_cash_session(&new).await {
        Err(StoreError::Conflict(_)) => return Err(AppError::Conflict("Une session vient d'être ouverte sur cette caisse ou par vous : rechargez la page.".into())),
        other => other?,
    }
    tracing::info!(session = %new.id, register = %register.id, user = actor.username, deferred = is_deferred, "cash session opened");
    state.store.cash_session(new.id).await?.ok_or_else(AppError::internal)
}

pub async fn current_session(state: &AppState, actor: &UserView) -> Result<Option<CashSession>, AppError> {
    require(actor, Permission::CaisseAccess)?;
    Ok(state.store.open_session_of_operator(actor.id).await?)
}

/// A session with its sales, items and payments.
pub async fn get_session(state: &AppState, actor: &UserView, id: CashSessionId) -> Result<CashSessionDetail, AppError> {
    let session = visible_session(state, actor, id).await?;
    let sales = state.store.sales(id).await?;
    Ok(CashSessionDetail { session, sales })
}

fn counted(v: Option<Cents>, field: &str) -> Result<Option<Cents>, AppError> {
    match v {
        Some(c) if c.0 < 0 || c > MAX_COUNTED => Err(AppError::field(field, format!("{field} : le montant compté doit être compris entre 0 et 1 000 000 €."))),
        other => Ok(other),
    }
}

/// Closes a session with the amounts counted. Cash is reconciled against the drawer
/// (opening float + cash payments), card against the card payments, cheques against
/// the cheque payments; a comment is required when the cash variance exceeds the
/// tolerance. A session without any sale is deleted instead.
pub async fn close_session(state: &AppState, actor: &UserView, id: CashSessionId, req: CloseSessionRequest) -> Result<CloseOutcome, AppError> {
    let session = visible_session(state, actor, id).await?;
    if session.closed_at.is_some() {
        return Err(AppError::Conflict("Cette session de caisse est déjà fermée.".into()));
    }
    if session.sales_count == 0 {
        if !state.store.delete_empty_session(id).await? {
            return Err(AppError::Conflict("Une vente vient d'être enregistrée sur cette session : recommencez la clôture.".into()));
        }
        tracing::info!(session = %id, user = actor.username, "empty cash session deleted");
        return Ok(CloseOutcome::Deleted(DeletedSession { deleted: true }));
    }
    let counted_cash = counted(Some(req.counted_cash_cents), "counted_cash_cents")?.unwrap_or_default();
    let counted_card = counted(req.counted_card_cents, "counted_card_cents")?;
    let counted_check = counted(req.counted_check_cents, "counted_check_cents")?;
    let comment = clean_text(req.comment.as_deref(), "comment")?;
    let expected_cash = Cents(session.opening_float_cents.0 + session.cash_cents.0);
    let cash_variance = Cents(counted_cash.0 - expected_cash.0);
    let tolerance = state.settings.cash_variance_tolerance;
    if cash_variance.0.abs() > tolerance.0 && comment.is_none() {
        return Err(AppError::field(
            "comment",
            format!("Écart de caisse de {cash_variance} (tolérance {tolerance}) : un commentaire est obligatoire pour fermer la session."),
        ));
    }
    let now = state.clock.now();
    let mut close = SessionClose {
        id,
        closed_by: actor.id,
        closed_at: now,
        duration_seconds: (now - session.opened_at).num_seconds().max(0),
        counted_cash,
        counted_card,
        counted_check,
        expected_cash,
        expected_card: session.card_cents,
        expected_check: session.check_cents,
        cash_variance,
        comment: comment.clone(),
        seen_cash: session.cash_cents,
        seen_card: session.card_cents,
        seen_check: session.check_cents,
        report: None,
    };
    close.report = super::close_report::delivery(state, &session, &close, actor);
    if !state.store.close_session(&close).await? {
        return Err(AppError::Conflict("La session a changé pendant la clôture (une vente ou une autre clôture) : rechargez et recomptez.".into()));
    }
    tracing::info!(session = %id, user = actor.username, variance = cash_variance.0, "cash session closed");
    let variance = |counted: Option<Cents>, expected: Cents| counted.map(|c| Cents(c.0 - expected.0));
    Ok(CloseOutcome::Closed(Reconciliation {
        deleted: false,
        session_id: id,
        closed_at: now,
        opening_float_cents: session.opening_float_cents,
        expected_cash_cents: expected_cash,
        counted_cash_cents: counted_cash,
        cash_variance_cents: cash_variance,
        expected_card_cents: session.card_cents,
        counted_card_cents: counted_card,
        card_variance_cents: variance(counted_card, session.card_cents),
        expected_check_cents: session.check_cents,
        counted_check_cents: counted_check,
        check_variance_cents: variance(counted_check, session.check_cents),
        comment,
    }))
}
