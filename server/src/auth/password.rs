//! Argon2id password hashing (the crate's defaults: 19 MiB, 2 passes, OWASP's baseline).
//!
//! The 19 MiB of working memory are not allocated per hash: each thread that hashes
//! keeps one buffer and reuses it. Allocating and freeing 19 MiB blocks from several
//! threads leaves the allocator's per-thread arenas holding them (a few dozen logins
//! grew the process by 200 MB that never came back); the login gate's hashing threads
//! now hold their buffer and nothing more.
use std::cell::RefCell;

use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::internal;
use app::error::AppError;

thread_local! {
    /// This thread's argon2 working memory, grown to the largest cost it has met.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// `argon` applied to `password` and `salt`, in this thread's reused memory.
fn compute(argon: &Argon2<'_>, params: &Params, password: &[u8], salt: &[u8]) -> argon2::password_hash::Result<Output> {
    MEMORY.with_borrow_mut(|memory| {
        memory.resize(params.block_count(), Block::default());
        let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        Output::init_with(len, |out| Ok(argon.hash_password_into_with_memory(password, salt, out, &mut memory[..])?))
    })
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    let params = Params::default();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let hashed = || -> argon2::password_hash::Result<String> {
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes)?;
        let output = compute(&argon, &params, password.as_bytes(), salt_bytes)?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: (&params).try_into()?,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok(phc.to_string())
    };
    hashed().map_err(|e| internal(anyhow::anyhow!("argon2 hash failed: {e}")))
}

/// False for a wrong password and for a hash this version cannot read.
pub fn verify_password(password: &str, hash: &str) -> bool {
    let check = || -> argon2::password_hash::Result<bool> {
        let parsed = PasswordHash::new(hash)?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err(argon2::password_hash::Error::PhcStringField);
        };
        let algorithm = Algorithm::try_from(parsed.algorithm)?;
        let version = parsed.version.map(Version::try_from).transpose()?.unwrap_or_default();
        let mut params = Params::try_from(&parsed)?;
        if params.output_len() != Some(expected.len()) {
            let mut b = argon2::ParamsBuilder::new();
            b.m_cost(params.m_cost()).t_cost(params.t_cost()).p_cost(params.p_cost()).output_len(expected.len());
            params = b.build()?;
        }
        let argon = Argon2::new(algorithm, version, params.clone());
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
        // Output compares in constant time.
        Ok(compute(&argon, &params, password.as_bytes(), salt_bytes)? == expected)
    };
    match check() {
        Ok(ok) => ok,
        Err(e) => {
            tracing::error!("unreadable password hash in the database: {e}");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_are_standard_argon2id_both_ways() {
        let ours = hash_password("un mot de passe").unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{ours}");
        // The crate's own verifier accepts ours, and ours accepts the crate's.
        assert!(Argon2::default().verify_password(b"un mot de passe", &PasswordHash::new(&ours).unwrap()).is_ok());
        let theirs = Argon2::default().hash_password(b"autre", &SaltString::generate(&mut OsRng)).unwrap().to_string();
        assert!(verify_password("autre", &theirs));
        assert!(!verify_password("Autre", &theirs));
        assert!(verify_password("un mot de passe", &ours));
        assert!(!verify_password("un mot de passe ", &ours));
        // Other costs (an older hash) are read from the hash itself.
        let cheap = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8192, 1, 1, Some(16)).unwrap());
        let old = cheap.hash_password(b"ancien", &SaltString::generate(&mut OsRng)).unwrap().to_string();
        assert!(verify_password("ancien", &old));
        assert!(!verify_password("ancien", "pas un hash"));
    }
}
