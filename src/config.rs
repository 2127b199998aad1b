//! Configuration, layered: built-in defaults → `convene.toml` (path from `--config` or
//! `CONVENE_CONFIG`; optional) → `CONVENE_*` environment variables → command-line flags.
//! `convene config default` prints a commented file with every setting. Secrets (the
//! database password) are never logged: `Config`'s `Debug` redacts them.

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Every setting, with its default.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address `serve` listens on.
    pub addr: String,
    /// A SQLite file path (created if missing), `sqlite:PATH`, or `postgres://…`.
    pub database_url: String,
    /// The address people reach convene at, for absolute links (e-mails, feeds), e.g.
    /// `https://convene.example.org`. Empty: links are relative and cookies follow
    /// `X-Forwarded-Proto`.
    pub base_url: String,
    /// `auto` (Secure when `base_url` is https or a proxy says https), `always`, `never`.
    pub secure_cookies: String,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a sign-in lasts, in days.
    pub session_days: i64,
    /// Most database connections in the pool.
    pub pool_max_connections: u32,
    /// How long a SQLite write waits for the lock, in milliseconds.
    pub busy_timeout_ms: u64,
    /// Planner defaults and limits.
    pub planner: PlannerConfig,
    /// E-mail through an SMTP server.
    pub mail: MailConfig,
    /// What one request may ask of the server (see `limits.rs`).
    pub limits: LimitsConfig,
}

/// The size and rate limits that operators may change; the others keep their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    pub framework_cycles: usize,
    pub story_form_fields: usize,
    pub blocking_jobs: usize,
    pub signin_failures_per_account: u32,
    pub signin_attempts_per_ip: u32,
    pub signin_window_minutes: u64,
    pub join_posts_per_ip: u32,
    pub story_posts: u32,
    pub post_window_minutes: u64,
    pub submission_file_bytes: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        let l = crate::limits::Limits::default();
        Self {
            framework_cycles: l.framework_cycles,
            story_form_fields: l.story_form_fields,
            blocking_jobs: l.blocking_jobs,
            signin_failures_per_account: l.signin_failures_per_account,
            signin_attempts_per_ip: l.signin_attempts_per_ip,
            signin_window_minutes: l.signin_window.as_secs() / 60,
            join_posts_per_ip: l.join_posts_per_ip,
            story_posts: l.story_posts,
            post_window_minutes: l.post_window.as_secs() / 60,
            submission_file_bytes: l.submission_file_bytes,
        }
    }
}

impl LimitsConfig {
    /// The limits in force for these settings.
    pub fn to_limits(&self) -> crate::limits::Limits {
        crate::limits::Limits {
            framework_cycles: self.framework_cycles.max(1),
            story_form_fields: self.story_form_fields.max(10),
            blocking_jobs: self.blocking_jobs.max(1),
            signin_failures_per_account: self.signin_failures_per_account.max(1),
            signin_attempts_per_ip: self.signin_attempts_per_ip.max(1),
            signin_window: std::time::Duration::from_secs(self.signin_window_minutes.max(1) * 60),
            join_posts_per_ip: self.join_posts_per_ip.max(1),
            story_posts: self.story_posts.max(1),
            post_window: std::time::Duration::from_secs(self.post_window_minutes.max(1) * 60),
            submission_file_bytes: self.submission_file_bytes.max(1024),
            ..crate::limits::Limits::default()
        }
    }
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// `smtp://host:port` (plain, e.g. a local relay), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtps://user:pass@host` (TLS). Empty: mail is off (links are copied by hand).
    pub smtp_url: String,
    /// The sender, e.g. `convene <convene@example.org>`.
    pub from: String,
    /// Days before a wave closes that those invited who have not answered are reminded.
    pub reminder_days: i64,
    /// Whether `serve` sends mail itself (otherwise run `convene mail run-due` from cron).
    pub worker: bool,
    /// Seconds between the worker's passes.
    pub poll_seconds: u64,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            smtp_url: String::new(),
            from: "convene <convene@localhost>".into(),
            reminder_days: 7,
            worker: true,
            poll_seconds: 30,
        }
    }
}

impl std::fmt::Debug for Secretless<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = self.0;
        f.debug_struct("MailConfig")
            .field("smtp_url", &redact(&m.smtp_url))
            .field("from", &m.from)
            .field("reminder_days", &m.reminder_days)
            .field("worker", &m.worker)
            .field("poll_seconds", &m.poll_seconds)
            .finish()
    }
}

/// The mail settings with the SMTP password hidden, for `Debug`.
struct Secretless<'a>(&'a MailConfig);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlannerConfig {
    /// Most seconds each solve of a plan may take before it returns its best plan so far
    /// (a plan solves k = 1…5 and the k asked; each stops at its certified gap or here).
    pub time_limit_seconds: u64,
    /// Most people one plan may hold.
    pub max_people: usize,
    /// Largest number of gatherings (k) offered.
    pub max_k: usize,
    /// Planner runs at once on the server (more wait: the steward is asked to retry).
    pub max_jobs: usize,
    /// Planner runs at once for one community.
    pub max_jobs_per_community: usize,
}

impl Default for PlannerConfig {
    fn default() -> Self {
        Self { time_limit_seconds: 20, max_people: 5_000, max_k: 10, max_jobs: 2, max_jobs_per_community: 1 }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8080".into(),
            database_url: "convene.db".into(),
            base_url: String::new(),
            secure_cookies: "auto".into(),
            body_limit: 256 * 1024,
            session_days: 30,
            pool_max_connections: 8,
            busy_timeout_ms: 10_000,
            planner: PlannerConfig::default(),
            mail: MailConfig::default(),
            limits: LimitsConfig::default(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("database_url", &redact(&self.database_url))
            .field("base_url", &self.base_url)
            .field("secure_cookies", &self.secure_cookies)
            .field("body_limit", &self.body_limit)
            .field("session_days", &self.session_days)
            .field("pool_max_connections", &self.pool_max_connections)
            .field("busy_timeout_ms", &self.busy_timeout_ms)
            .field("planner", &self.planner)
            .field("mail", &Secretless(&self.mail))
            .field("limits", &self.limits)
            .finish()
    }
}

/// Settings given as flags: only those present override the other layers.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

impl Config {
    /// Loads the layers. `file` is `--config`; without it `CONVENE_CONFIG`, then
    /// `./convene.toml` if it exists. A file named explicitly must exist.
    pub fn load(file: Option<&Path>, flags: &Overrides) -> anyhow::Result<Self> {
        Self::load_from(file, flags, std::env::vars())
    }

    /// [`Config::load`] with the environment given (tests).
    pub fn load_from(
        file: Option<&Path>,
        flags: &Overrides,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let env: Vec<(String, String)> = env.into_iter().collect();
        let named = file
            .map(Path::to_path_buf)
            .or_else(|| env.iter().find(|(k, _)| k == "CONVENE_CONFIG").map(|(_, v)| PathBuf::from(v)));
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match &named {
            Some(path) => {
                if !path.exists() {
                    anyhow::bail!("the configuration file {} does not exist", path.display());
                }
                fig = fig.merge(Toml::file_exact(path));
            }
            None if Path::new("convene.toml").exists() => fig = fig.merge(Toml::file_exact("convene.toml")),
            None => {}
        }
        // CONVENE_PLANNER__MAX_K sets planner.max_k; CONVENE_CONFIG names the file.
        let vars: Vec<(String, String)> = env
            .into_iter()
            .filter_map(|(k, v)| {
                let key = k.strip_prefix("CONVENE_")?;
                let key = match key {
                    "SMTP_URL" => "MAIL__SMTP_URL",
                    "MAIL_FROM" => "MAIL__FROM",
                    k => k,
                };
                (key != "CONFIG" && !key.starts_with("TEST_") && !key.starts_with("LOG"))
                    .then(|| (key.to_lowercase().replace("__", "."), v))
            })
            .collect();
        for (key, value) in vars {
            // Typed as figment types environment values (numbers, yes/no, else text).
            let value: figment::value::Value = value.parse().unwrap_or_else(|_| value.clone().into());
            fig = fig.merge((key.as_str(), value));
        }
        fig = fig.merge(Serialized::globals(flags));
        let config: Config = fig.extract().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> anyhow::Result<()> {
        if !matches!(self.secure_cookies.as_str(), "auto" | "always" | "never") {
            anyhow::bail!("configuration: secure_cookies must be auto, always or never");
        }
        if self.body_limit < 1024 || self.session_days < 1 || self.pool_max_connections < 1 {
            anyhow::bail!("configuration: body_limit ≥ 1024, session_days ≥ 1 and pool_max_connections ≥ 1");
        }
        if !self.base_url.is_empty() && !self.base_url.starts_with("http://") && !self.base_url.starts_with("https://")
        {
            anyhow::bail!("configuration: base_url must start with http:// or https://");
        }
        Ok(())
    }

    /// Whether cookies are `Secure` regardless of the request.
    pub fn cookies_always_secure(&self) -> bool {
        self.secure_cookies == "always" || (self.secure_cookies == "auto" && self.base_url.starts_with("https://"))
    }

    pub fn session_seconds(&self) -> i64 {
        self.session_days.saturating_mul(24 * 3600)
    }

    pub fn pool_options(&self) -> crate::store::PoolOptions {
        crate::store::PoolOptions { max_connections: self.pool_max_connections, busy_timeout_ms: self.busy_timeout_ms }
    }
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

/// A commented `convene.toml` with every setting at its default.
pub fn default_file() -> String {
    let d = Config::default();
    format!(
        r#"# convene.toml — every setting with its default. Layers, later ones winning:
# these defaults, this file (--config FILE or CONVENE_CONFIG; ./convene.toml if present),
# environment variables CONVENE_<NAME> (CONVENE_PLANNER__MAX_K for [planner] max_k),
# then command-line flags (--addr, --database-url, --base-url).

# Address `convene serve` listens on.
addr = "{addr}"

# Database: a SQLite file path (created if missing), "sqlite:PATH", or
# "postgres://user:password@host:5432/db". The password is never logged.
database_url = "{db}"

# The address people reach convene at, for absolute links in e-mails and feeds,
# e.g. "https://convene.example.org". Empty: relative links only.
base_url = ""

# Cookies marked Secure: "auto" (when base_url is https, or a proxy sends
# X-Forwarded-Proto: https), "always" or "never".
secure_cookies = "auto"

# Largest request body accepted, in bytes.
body_limit = {body}

# How long a sign-in lasts, in days. Expired sessions are purged hourly.
session_days = {days}

# Most database connections in the pool.
pool_max_connections = {pool}

# How long a SQLite write waits for the lock, in milliseconds.
busy_timeout_ms = {busy}

[planner]
# Most seconds each solve of a plan may take (a plan solves k = 1…5 and the k asked);
# a solve then returns its best plan with its certified gap.
time_limit_seconds = {tl}
# Most people one plan may hold.
max_people = {people}
# Largest number of regional gatherings (k) offered.
max_k = {k}
# Planner runs at once on the server, and for one community (each runs in the background).
max_jobs = {mj}
max_jobs_per_community = {mjc}

[mail]
# SMTP server: "smtp://127.0.0.1:2525" (a local relay), "smtp://user:pass@host:587?tls=required"
# (STARTTLS) or "smtps://user:pass@host" (TLS). Empty: mail is off, links are copied by hand.
# Also CONVENE_SMTP_URL. Mail needs base_url.
smtp_url = ""
# The sender (also CONVENE_MAIL_FROM).
from = "{from}"
# Days before a wave closes that those invited who have not answered are reminded.
reminder_days = {rd}
# Whether `convene serve` sends mail itself; otherwise run `convene mail run-due` from cron.
worker = true
# Seconds between the worker's passes.
poll_seconds = {poll}

[limits]
# Cycles one framework may have (the largest preset has 8).
framework_cycles = {fc}
# Fields one posted story form may have.
story_form_fields = {sf}
# CPU-heavy jobs (password hashing) at once; more wait their turn.
blocking_jobs = {bj}
# Wrong passwords per account, and attempts per IP address, within the window; then 429.
signin_failures_per_account = {sfa}
signin_attempts_per_ip = {sai}
signin_window_minutes = {sw}
# Posts to invitation links per IP address, and stories per teller, within the window.
join_posts_per_ip = {jp}
story_posts = {sp}
post_window_minutes = {pw}
# Largest KoboToolbox/ODK CSV export one import reads, in bytes (read as a stream).
submission_file_bytes = {sfb}
"#,
        addr = d.addr,
        db = d.database_url,
        body = d.body_limit,
        days = d.session_days,
        pool = d.pool_max_connections,
        busy = d.busy_timeout_ms,
        tl = d.planner.time_limit_seconds,
        people = d.planner.max_people,
        k = d.planner.max_k,
        mj = d.planner.max_jobs,
        mjc = d.planner.max_jobs_per_community,
        from = d.mail.from,
        rd = d.mail.reminder_days,
        poll = d.mail.poll_seconds,
        fc = d.limits.framework_cycles,
        sf = d.limits.story_form_fields,
        bj = d.limits.blocking_jobs,
        sfa = d.limits.signin_failures_per_account,
        sai = d.limits.signin_attempts_per_ip,
        sw = d.limits.signin_window_minutes,
        jp = d.limits.join_posts_per_ip,
        sp = d.limits.story_posts,
        pw = d.limits.post_window_minutes,
        sfb = d.limits.submission_file_bytes,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_reads_back_as_the_defaults() {
        let parsed: Config = toml::from_str(&default_file()).unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("convene.db"), "convene.db");
        assert!(
            !format!("{:?}", Config { database_url: "postgres://u:pw@h/d".into(), ..Config::default() }).contains("pw")
        );
    }
}
