//! Limits on what one request may ask of the server, checked before any heavy work, and
//! the bounded pool that CPU-heavy work (argon2, parsing large input) runs on, off the
//! async workers.

use std::sync::OnceLock;
use std::time::Duration;

/// Every size and rate limit in one place, with its default. The defaults are what
/// [`Limits::get`] returns until a configuration sets others with [`Limits::set`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Cycles in one framework (the largest preset has 8).
    pub framework_cycles: usize,
    /// Indicators in one cycle.
    pub framework_indicators_per_cycle: usize,
    /// Reflection questions in one cycle.
    pub framework_questions_per_cycle: usize,
    /// Characters in one framework text (name, definition, question, description).
    pub framework_text_chars: usize,
    /// Size of a framework's TOML source, in bytes.
    pub framework_toml_bytes: usize,
    /// Fields in one posted story form (title, language, visibility, and per cycle its
    /// text, kind and ticked indicators).
    pub story_form_fields: usize,
    /// CPU-heavy jobs (password hashing, …) running at once; more wait their turn.
    pub blocking_jobs: usize,
    /// Wrong passwords for one account within [`Limits::signin_window`] before sign-in
    /// answers 429.
    pub signin_failures_per_account: u32,
    /// Sign-in attempts from one IP address within the window.
    pub signin_attempts_per_ip: u32,
    /// The sliding window of the sign-in limits: a lockout ends at most this long after
    /// the attempts that caused it, never later.
    pub signin_window: Duration,
    /// Posts to invitation (`/join/…`) links from one IP address per window.
    pub join_posts_per_ip: u32,
    /// Stories posted by one account, answer link or IP address per window.
    pub story_posts: u32,
    /// The window of the invitation and story limits.
    pub post_window: Duration,
    /// Size of one KoboToolbox/ODK CSV export to import, in bytes (read as a stream, so
    /// memory does not grow with it; the limit bounds the time one import takes).
    pub submission_file_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            framework_cycles: 30,
            framework_indicators_per_cycle: 40,
            framework_questions_per_cycle: 20,
            framework_text_chars: 5_000,
            framework_toml_bytes: 128 * 1024,
            story_form_fields: 1_000,
            blocking_jobs: 4,
            signin_failures_per_account: 10,
            signin_attempts_per_ip: 30,
            signin_window: Duration::from_mins(15),
            join_posts_per_ip: 20,
            story_posts: 30,
            post_window: Duration::from_mins(10),
            submission_file_bytes: 128 * 1024 * 1024,
        }
    }
}

static LIMITS: OnceLock<Limits> = OnceLock::new();

impl Limits {
    /// The limits in force: those set at start-up, or the defaults.
    pub fn get() -> &'static Limits {
        LIMITS.get_or_init(Limits::default)
    }

    /// Sets the limits once, at start-up, before the first [`Limits::get`]; returns false
    /// when they were already fixed.
    pub fn set(limits: Limits) -> bool {
        LIMITS.set(limits).is_ok()
    }
}

/// Why a blocking job did not give a result.
#[derive(Debug, thiserror::Error)]
#[error("a background job failed: {0}")]
pub struct JobFailed(String);

/// Runs CPU-heavy `work` on tokio's blocking threads, at most [`Limits::blocking_jobs`]
/// at once, so that the async workers stay free to answer other requests.
pub async fn run_blocking<T, F>(work: F) -> Result<T, JobFailed>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    static POOL: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    let pool = POOL.get_or_init(|| tokio::sync::Semaphore::new(Limits::get().blocking_jobs.max(1)));
    let _permit = pool.acquire().await.map_err(|e| JobFailed(e.to_string()))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| JobFailed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blocking_jobs_return_their_result() {
        assert_eq!(run_blocking(|| 6 * 7).await.unwrap(), 42);
    }

    #[test]
    fn the_defaults_allow_the_shipped_presets() {
        let l = Limits::default();
        for p in crate::domain::framework::presets() {
            assert!(p.cycles.len() <= l.framework_cycles);
        }
    }
}
