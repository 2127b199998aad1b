//! The command line, one file per command group: `serve`, `migrate`, `demo`, `config`
//! (serve.rs), `user` and `token` (accounts.rs), `export` and `import` (data.rs), `plan`
//! (plan.rs). Every command reads the layered configuration (see `config.rs`) and acts
//! on its database; writes go through the service layer as the operator.

mod accounts;
pub mod backup;
mod data;
mod field;
mod mail;
pub mod plan;
mod report;
mod serve;

use crate::config::{Config, Overrides, redact};
use crate::store::{self, DynStore};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "convene", version, about = "Plan the gatherings of a community of practice and evidence the value they create.", long_about = None)]
pub struct Cli {
    /// Configuration file (default: $CONVENE_CONFIG, else ./convene.toml if present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Database: a SQLite file path (created if missing), `sqlite:PATH`, or `postgres://…`.
    /// Overrides `database_url` in the file and CONVENE_DATABASE_URL.
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// Log format on standard error: `text` (one line per event) or `json` (one object per line).
    #[arg(long, global = true, env = "CONVENE_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web app and the JSON API.
    Serve(serve::ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Seed the demo community (once; running it again changes nothing).
    Demo,
    /// Show or write the configuration.
    #[command(subcommand)]
    Config(serve::ConfigCommand),
    /// Manage user accounts.
    #[command(subcommand)]
    User(accounts::UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(accounts::TokenCommand),
    /// Send the mail that is due (invitations, reminders, password resets).
    #[command(subcommand)]
    Mail(mail::MailCommand),
    /// Print a community as JSON (everything but secrets); see README "Export format".
    Export(data::ExportArgs),
    /// Load a community exported with `convene export` into this database.
    Import(data::ImportArgs),
    /// A community's report ("is convening a luxury for us?"), or one convening's, as
    /// json, md, mediawiki, csv or html.
    Report(report::ReportArgs),
    /// Where should we meet? Host cities, regional gatherings, cost, time and CO2 (no database needed).
    Plan(Box<plan::PlanArgs>),
    /// Write a consistent copy of the database to a new file, while the server keeps running.
    Backup(backup::BackupArgs),
    /// Load a file written by `convene backup` into an empty database.
    Restore(backup::RestoreArgs),
    /// Write a convening's story form as an XLSForm for KoboToolbox and ODK.
    Xlsform(field::XlsformArgs),
    /// Import a KoboToolbox or ODK Central CSV export of a convening's form as stories.
    ImportSubmissions(field::ImportSubmissionsArgs),
    /// Write a convening's stories as CSV or XLSX, one row per story and step.
    Stories(field::StoriesArgs),
}

/// The configuration for this command line: flags over environment over file over defaults.
fn config(cli: &Cli, addr: Option<String>, base_url: Option<String>) -> anyhow::Result<Config> {
    let flags = Overrides { addr, database_url: cli.database_url.clone(), base_url };
    Config::load(cli.config.as_deref(), &flags)
}

async fn open(config: &Config) -> anyhow::Result<DynStore> {
    store::open_with(&config.database_url, config.pool_options())
        .await
        .with_context(|| format!("opening the database {}", redact(&config.database_url)))
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Plan(args) => {
            let args = args.clone();
            tokio::task::spawn_blocking(move || plan::run(&args, &mut std::io::stdout().lock())).await?
        }
        Command::Config(c) => serve::config_command(c, || config(&cli, None, None)),
        Command::Serve(args) => {
            let cfg = config(&cli, args.addr.clone(), args.base_url.clone())?;
            serve::serve(cfg, args.demo).await
        }
        Command::Backup(args) => backup::backup(&config(&cli, None, None)?.database_url, args).await,
        Command::Restore(args) => backup::restore(&config(&cli, None, None)?.database_url, args).await,
        Command::Migrate => {
            let cfg = config(&cli, None, None)?;
            open(&cfg).await?;
            eprintln!("migrations applied to {}", redact(&cfg.database_url));
            Ok(())
        }
        Command::Demo => {
            let store = open(&config(&cli, None, None)?).await?;
            serve::report_seed(&store).await
        }
        Command::User(c) => accounts::user(&*open(&config(&cli, None, None)?).await?, c).await,
        Command::Token(c) => accounts::token(&*open(&config(&cli, None, None)?).await?, c).await,
        Command::Mail(c) => mail::run(&config(&cli, None, None)?, c).await,
        Command::Report(a) => {
            let config = config(&cli, None, None)?;
            report::report(&*open(&config).await?, &config.base_url, a).await
        }
        Command::Export(a) => data::export(&*open(&config(&cli, None, None)?).await?, a).await,
        Command::Import(a) => data::import(&config(&cli, None, None)?, a).await,
        Command::Xlsform(a) => field::xlsform(&config(&cli, None, None)?, a).await,
        Command::ImportSubmissions(a) => field::import_submissions(&config(&cli, None, None)?, a).await,
        Command::Stories(a) => field::stories(&config(&cli, None, None)?, a).await,
    }
}
