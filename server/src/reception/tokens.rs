//! Short one-time download tokens: a ticket's CSV can be fetched by a plain browser
//! navigation (`?token=`) without exposing a guessable URL. Tokens live in the database,
//! so any server instance can honour them, and only their SHA-256 is stored.
use app::auth::{Permission, UserView};
use app::error::AppError;
use app::ids::TicketId;
use app::reception::DownloadToken;
use chrono::Duration;
use http::HeaderMap;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::visible_ticket;
use crate::state::AppState;

pub const TOKEN_TTL_MINUTES: i64 = 5;
/// Tokens one user may hold at once; asking for one more drops the oldest.
pub const MAX_TOKENS_PER_USER: u32 = 20;

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub async fn issue_download_token(state: &AppState, actor: &UserView, ticket_id: TicketId) -> Result<DownloadToken, AppError> {
    visible_ticket(state, actor, ticket_id).await?;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let now = state.clock.now();
    let expires_at = now + Duration::minutes(TOKEN_TTL_MINUTES);
    let h = hash(&token);
    state.store.insert_download_token(&h, ticket_id, actor.id, now, expires_at).await?;
    // At most a few live tokens per user; expired ones are purged by the background worker.
    state.store.cap_download_tokens(actor.id, &h, MAX_TOKENS_PER_USER).await?;
    Ok(DownloadToken { token, expires_at })
}

/// Who may download ticket `ticket_id`: the session's user, or the user a valid token was
/// issued to. A token is consumed here, once; a token for another ticket or another user
/// is refused without being consumed.
pub async fn authorize_ticket_download(state: &AppState, headers: &HeaderMap, ticket_id: TicketId, token: Option<&str>) -> Result<UserView, AppError> {
    let session_user = crate::auth::authenticate(state, headers).await?;
    let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        let user = session_user.ok_or_else(AppError::unauthenticated)?;
        visible_ticket(state, &user, ticket_id).await?;
        return Ok(user);
    };
    let h = hash(token);
    let record = state
        .store
        .download_token(&h)
        .await?
        .ok_or_else(|| AppError::Unauthorized("Jeton de téléchargement invalide.".into()))?;
    if record.ticket_id != ticket_id {
        return Err(AppError::Forbidden("Ce jeton ne permet pas de télécharger ce ticket.".into()));
    }
    if session_user.as_ref().is_some_and(|u| u.id != record.user_id) {
        return Err(AppError::Forbidden("Ce jeton a été émis pour un autre utilisateur.".into()));
    }
    let now = state.clock.now();
    if record.used_at.is_some() {
        return Err(AppError::Unauthorized("Ce jeton a déjà été utilisé. Relancez l'export.".into()));
    }
    if record.expires_at <= now {
        return Err(AppError::Unauthorized("Ce jeton a expiré. Relancez l'export.".into()));
    }
    if !state.store.consume_download_token(&h, now).await? {
        return Err(AppError::Unauthorized("Ce jeton a déjà été utilisé. Relancez l'export.".into()));
    }
    let user = state
        .store
        .user_by_id(record.user_id)
        .await?
        .map(|r| r.user)
        .filter(|u| u.has(Permission::ReceptionAccess))
        .ok_or_else(|| AppError::Forbidden("Le compte qui a demandé ce jeton n'a plus accès à la réception.".into()))?;
    visible_ticket(state, &user, ticket_id).await?;
    Ok(user)
}
