//! `convene serve`, `convene demo` and `convene config`.

use crate::config::{Config, redact};
use crate::store::Store;
use crate::web::{self, AppState};
use anyhow::Context;
use clap::{Args, Subcommand};

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on (overrides `addr` and CONVENE_ADDR).
    #[arg(long)]
    pub addr: Option<String>,
    /// The public address, for absolute links and Secure cookies (overrides `base_url`).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Seed the demo community first if it is not there yet.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ConfigCommand {
    /// Print a commented convene.toml with every setting at its default.
    Default,
    /// Print the configuration in effect (after file, environment and flags), password hidden.
    Show,
}

pub fn config_command(c: &ConfigCommand, load: impl FnOnce() -> anyhow::Result<Config>) -> anyhow::Result<()> {
    match c {
        ConfigCommand::Default => print!("{}", crate::config::default_file()),
        ConfigCommand::Show => {
            let mut cfg = load()?;
            cfg.database_url = redact(&cfg.database_url);
            print!("{}", toml::to_string_pretty(&cfg).context("printing the configuration")?);
        }
    }
    Ok(())
}

pub async fn report_seed(store: &Store) -> anyhow::Result<()> {
    match crate::demo::seed(store).await? {
        crate::demo::Seeded::Created { stories } => eprintln!("demo community seeded ({stories} stories)"),
        crate::demo::Seeded::AlreadyThere => eprintln!("demo community already present; nothing changed"),
    }
    Ok(())
}

pub async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    crate::limits::Limits::set(config.limits.to_limits());
    let store = super::open(&config).await?;
    if demo {
        report_seed(&store).await?;
    }
    // Expired sessions are deleted at start and every hour.
    let purging = store.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_hours(1));
        loop {
            every.tick().await;
            match crate::service::accounts::purge_expired_sessions(&purging).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sessions = n, "expired sessions purged"),
                Err(e) => tracing::warn!(error = %e, "purging expired sessions failed"),
            }
        }
    });
    match crate::mail::Mailer::from_config(&config)? {
        Some(mailer) if config.mail.worker => crate::mail::spawn_worker(store.clone(), mailer, &config),
        Some(_) => eprintln!("mail: the worker is off; run `convene mail run-due` from cron"),
        None => eprintln!("mail is off (no mail.smtp_url): stewards copy links by hand"),
    }
    let listener =
        tokio::net::TcpListener::bind(&config.addr).await.with_context(|| format!("listening on {}", config.addr))?;
    let addr = listener.local_addr()?;
    eprintln!("convene is serving http://{addr}/ (database: {})", redact(&config.database_url));
    if demo {
        eprintln!("demo steward: {} / password: {}", crate::demo::DEMO_STEWARD, crate::demo::DEMO_PASSWORD);
    }
    web::serve(listener, AppState::with_config(store, config)).await?;
    Ok(())
}
