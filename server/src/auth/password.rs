//! Argon2id password hashing (the crate's defaults: 19 MiB, 2 passes, OWASP's baseline).
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::internal;
use app::error::AppError;

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| internal(anyhow::anyhow!("argon2 hash failed: {e}")))
}

/// False for a wrong password and for a hash this version cannot read.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(e) => {
            tracing::error!("unreadable password hash in the database: {e}");
            false
        }
    }
}
