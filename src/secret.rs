//! Secrets: random tokens for links and sessions (only their hashes are stored) and
//! argon2id password hashes.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

/// A fresh random token (256 bits, URL-safe base64).
pub fn new_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    // The thread's CSPRNG (ChaCha12, seeded from the operating system and reseeded):
    // as unpredictable as asking the kernel, without a system call per token (an
    // anonymous page view makes one for its form cookie).
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What we store instead of a token: its SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    use std::fmt::Write;
    Sha256::digest(token.as_bytes()).iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 8;

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing the password failed: {e}"))
}

/// A hash of a random password, computed once, to check unknown accounts against.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&new_token()).unwrap_or_default())
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// [`hash_password`] on the bounded blocking pool, off the async workers.
pub async fn hash_password_async(password: &str) -> anyhow::Result<String> {
    let password = password.to_string();
    crate::limits::run_blocking(move || hash_password(&password)).await?
}

/// [`verify_password`] on the bounded blocking pool. Without a stored hash (no such
/// account, or one without a password) it checks against [`dummy_hash`] and answers
/// false, spending the same time, so that timing does not tell which accounts exist.
pub async fn verify_password_async(password: &str, phc: Option<&str>) -> bool {
    let password = password.to_string();
    let phc = phc.map(ToString::to_string);
    crate::limits::run_blocking(move || {
        let Some(h) = phc else {
            let _ = verify_password(&password, dummy_hash());
            return false;
        };
        verify_password(&password, &h)
    })
    .await
    .unwrap_or(false)
}
