//! Login, logout and session lookup. The cookie holds 32 random bytes; the database holds
//! only their SHA-256, so a copy of the database does not let anyone in.
use app::auth::{LoginRequest, UserView};
use app::error::AppError;
use chrono::{DateTime, Duration, Utc};
use http::{header, HeaderMap, HeaderValue};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::password::verify_password;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "recyclique_session";

/// A valid argon2 hash of nothing anyone can type, checked when the username is unknown
/// so that the answer takes as long as for a real account.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0b1bPKBS0Pya4LzuVp4tV3u8hsQyGtL7j4vzXDm6Hco";

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The session token from the `Cookie` header(s), if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn cookie(state: &AppState, headers: &HeaderMap, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if crate::http::headers::is_https(headers, state.settings.cookie_secure) { "; Secure" } else { "" };
    let text = format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&text).expect("cookie made of ASCII")
}

/// The stored form (hash) of the session token in `headers`, if any.
pub fn session_hash(headers: &HeaderMap) -> Option<String> {
    session_token(headers).map(|t| token_hash(&t))
}

pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Option<UserView>, AppError> {
    let Some(token) = session_token(headers) else { return Ok(None) };
    let record = state.store.session_user(&token_hash(&token), state.clock.now()).await?;
    Ok(record.map(|r| r.user).filter(|u| u.active))
}

fn wrong_credentials() -> AppError {
    AppError::Unauthorized("Identifiant ou mot de passe incorrect.".into())
}

fn minutes_until(now: DateTime<Utc>, until: DateTime<Utc>) -> i64 {
    ((until - now).num_seconds() + 59) / 60
}

/// Checks a login and opens a session. Every attempt is counted before its password is
/// checked, for its username and for its client address (`client`):
///
/// - an address with too many attempts in the lockout period (all usernames together)
///   is refused (429), which bounds guessing across unknown usernames;
/// - a username with too many attempts is locked for the lockout period, but only for
///   the addresses that tried it: an address with no attempt of its own on that
///   username still gets its password checked, so nobody elsewhere can lock the admin
///   out;
/// - all this happens within a turn of the login gate (503 when the server is
///   saturated), which bounds the logins in progress and the password hashes.
///
/// A wrong password, an unknown username and a deactivated account get the same answer
/// (and count alike).
pub async fn login(state: &AppState, headers: &HeaderMap, client: Option<std::net::IpAddr>, req: LoginRequest) -> Result<(UserView, HeaderValue), AppError> {
    let username = req.username.trim().to_lowercase();
    if username.is_empty() || req.password.is_empty() {
        return Err(AppError::invalid("Saisissez l'identifiant et le mot de passe."));
    }
    // No account has such a name (usernames are plain ASCII), and PostgreSQL refuses NUL.
    if username.chars().any(char::is_control) || username.chars().count() > 100 {
        return Err(wrong_credentials());
    }
    let settings = &state.settings;
    // One turn of the gate per login in progress: counting the attempt, then checking
    // the password on a hashing thread.
    let turn = state.login_limits.gate.enter().await?;
    let now = state.clock.now();
    let lockout = Duration::from_std(settings.login_lockout).unwrap_or(Duration::minutes(15));
    let window_start = now - lockout;
    if state.login_limits.purge_due(now) {
        state.store.purge_login_throttle(now, window_start).await?;
    }
    let address = super::address_key(client);
    let attempt = state.store.register_login_attempt(&username, &address, now, window_start).await?;
    if attempt.address_failures > i64::from(settings.login_max_failures_per_address) {
        tracing::warn!(username, address, "login refused: too many attempts from this address");
        return Err(AppError::TooManyRequests(format!(
            "Trop de tentatives de connexion depuis votre adresse. Réessayez dans {} minute(s).",
            lockout.num_minutes().max(1)
        )));
    }
    let throttle = &attempt.username;
    let locked = |until| AppError::TooManyRequests(format!("Trop de tentatives de connexion échouées. Réessayez dans {} minute(s).", minutes_until(now, until)));
    match throttle.locked_until.filter(|t| *t > now) {
        // A lock set before this attempt: only an address that has not tried this
        // username (this attempt is its only one) gets through.
        Some(until) if attempt.pair_failures > 1 => return Err(locked(until)),
        Some(_) => tracing::info!(username, address, "locked username tried from a new address"),
        None if throttle.failures > i64::from(settings.login_max_failures) => {
            let until = now + lockout;
            state.store.lock_login(&username, until).await?;
            tracing::warn!(username, address, "login locked after repeated failures");
            return Err(locked(until));
        }
        None => {}
    }
    let record = state.store.user_by_username(&username).await?;
    let (password, hash) = (req.password.clone(), record.as_ref().map_or(DUMMY_HASH, |r| r.password_hash.as_str()).to_string());
    let ok = turn.hash(move || verify_password(&password, &hash)).await?;
    let record = match record {
        Some(r) if ok && r.user.active => r,
        // A deactivated account answers like a wrong password: the answer must not
        // tell that the password was right.
        Some(_) if ok => {
            tracing::warn!(username, address, "login refused: account deactivated");
            return Err(wrong_credentials());
        }
        _ => {
            // Already counted by register_login_attempt.
            tracing::warn!(username, address, attempts = throttle.failures, "failed login");
            return Err(wrong_credentials());
        }
    };
    state.store.clear_login_failures(&username, &address, now).await?;

    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let ttl = Duration::from_std(settings.session_ttl).unwrap_or(Duration::hours(12));
    let hash = token_hash(&token);
    state.store.insert_session(&hash, record.user.id, now, now + ttl).await?;
    // One more session than allowed closes the user's oldest; expired ones are purged
    // by the background worker.
    state.store.cap_user_sessions(record.user.id, &hash, settings.max_sessions_per_user).await?;
    tracing::info!(username, address, "login");
    Ok((record.user, cookie(state, headers, &token, ttl.num_seconds())))
}

pub async fn logout(state: &AppState, headers: &HeaderMap) -> Result<HeaderValue, AppError> {
    if let Some(token) = session_token(headers) {
        state.store.delete_session(&token_hash(&token)).await?;
    }
    Ok(cookie(state, headers, "", 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_session_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; recyclique_session=abc ; b=2"));
        assert_eq!(session_token(&h).as_deref(), Some("abc"));
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("recyclique_session_x=1"));
        assert_eq!(session_token(&h), None);
    }

    #[test]
    fn dummy_hash_is_readable() {
        assert!(!verify_password("anything", DUMMY_HASH));
        assert!(argon2::password_hash::PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
