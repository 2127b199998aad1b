//! The command line: `serve`, `migrate`, `demo`, `user add`, `token issue`, `export`,
//! `import`. Every command acts on the database named by `--database-url` /
//! `CONVENE_DATABASE_URL` (default: the SQLite file `convene.db` here).

pub mod backup;
pub mod plan;

use crate::store::{self, DynStore};
use crate::web::{self, AppState};
use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use std::io::{BufRead, Write};

#[derive(Parser, Debug)]
#[command(name = "convene", version, about = "Plan the gatherings of a community of practice and evidence the value they create.", long_about = None)]
pub struct Cli {
    /// Database: a SQLite file path (created if missing), `sqlite:PATH`, or `postgres://…`.
    #[arg(long, global = true, env = "CONVENE_DATABASE_URL", default_value = "convene.db", hide_env_values = true)]
    pub database_url: String,
    /// Log format on standard error: `text` (one line per event) or `json` (one object per line).
    #[arg(long, global = true, env = "CONVENE_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web app and the JSON API.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Seed the demo community (once; running it again changes nothing).
    Demo,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print a community as JSON (everything but secrets); see README "Export format".
    Export(ExportArgs),
    /// Load a community exported with `convene export` into this database.
    Import(ImportArgs),
    /// Where should we meet? Host cities, regional gatherings, cost, time and CO2 (no database needed).
    Plan(plan::PlanArgs),
    /// Write a consistent copy of the database to a new file, while the server keeps running.
    Backup(backup::BackupArgs),
    /// Load a file written by `convene backup` into an empty database.
    Restore(backup::RestoreArgs),
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CONVENE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Seed the demo community first if it is not there yet.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; the password is read from the first line of standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Make the user a site administrator (a steward of every community).
        #[arg(long)]
        admin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Print a new bearer token for a user, and only the token, on standard output.
    Issue {
        #[arg(long)]
        email: String,
    },
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The community's slug.
    #[arg(long)]
    pub community: String,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// A file written by `convene export` (`-` for standard input).
    pub file: std::path::PathBuf,
}

async fn open(url: &str) -> anyhow::Result<DynStore> {
    store::open(url).await.with_context(|| format!("opening the database {}", redact(url)))
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Plan(args) => {
            tokio::task::spawn_blocking(move || plan::run(&args, &mut std::io::stdout().lock())).await?
        }
        Command::Serve(args) => serve(&cli.database_url, args).await,
        Command::Backup(args) => backup::backup(&cli.database_url, &args).await,
        Command::Restore(args) => backup::restore(&cli.database_url, &args).await,
        Command::Migrate => {
            open(&cli.database_url).await?;
            eprintln!("migrations applied to {}", redact(&cli.database_url));
            Ok(())
        }
        Command::Demo => {
            let store = open(&cli.database_url).await?;
            report_seed(&*store).await
        }
        Command::User(UserCommand::Add { email, name, admin }) => {
            let store = open(&cli.database_url).await?;
            let email = crate::domain::parse_email(&email)?;
            let name = crate::domain::required_text("name", &name, 100)?;
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password).context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            if password.chars().count() < web::MIN_PASSWORD {
                bail!("the password (read from standard input) needs at least {} characters", web::MIN_PASSWORD);
            }
            let hash = web::hash_password(password)?;
            match store.create_user(&email, &name, Some(&hash), admin).await {
                Ok(u) => {
                    eprintln!("created user {} <{}>{}", u.name, u.email, if admin { " (admin)" } else { "" });
                    Ok(())
                }
                Err(store::StoreError::Conflict) => bail!("a user with e-mail {email} exists already"),
                Err(e) => Err(e.into()),
            }
        }
        Command::Token(TokenCommand::Issue { email }) => {
            let store = open(&cli.database_url).await?;
            let (user, _) = store
                .user_by_email(&email.trim().to_lowercase())
                .await?
                .with_context(|| format!("no user with e-mail {email}"))?;
            let token = web::new_token();
            store.create_api_token(&web::hash_token(&token), user.id).await?;
            println!("{token}");
            Ok(())
        }
        Command::Export(args) => {
            let store = open(&cli.database_url).await?;
            let doc = crate::interop::json::export(&*store, &args.community).await?;
            let text = serde_json::to_string_pretty(&doc)? + "\n";
            match args.out {
                Some(path) => std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?,
                None => std::io::stdout().lock().write_all(text.as_bytes())?,
            }
            Ok(())
        }
        Command::Import(args) => {
            let text = if args.file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading standard input")?
            } else {
                std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?
            };
            let doc: crate::interop::json::Export = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a convene export", args.file.display()))?;
            let store = open(&cli.database_url).await?;
            crate::interop::json::import(&*store, &doc).await?;
            eprintln!(
                "imported community '{}' ({} convenings, {} stories)",
                doc.community.slug,
                doc.convenings.len(),
                doc.stories.len()
            );
            Ok(())
        }
    }
}

async fn report_seed(store: &dyn store::Store) -> anyhow::Result<()> {
    match crate::demo::seed(store).await? {
        crate::demo::Seeded::Created { stories } => eprintln!("demo community seeded ({stories} stories)"),
        crate::demo::Seeded::AlreadyThere => eprintln!("demo community already present; nothing changed"),
    }
    Ok(())
}

async fn serve(url: &str, args: ServeArgs) -> anyhow::Result<()> {
    let store = open(url).await?;
    if args.demo {
        report_seed(&*store).await?;
    }
    let listener =
        tokio::net::TcpListener::bind(&args.addr).await.with_context(|| format!("listening on {}", args.addr))?;
    let addr = listener.local_addr()?;
    eprintln!("convene is serving http://{addr}/ (database: {})", redact(url));
    if args.demo {
        eprintln!("demo steward: {} / password: {}", crate::demo::DEMO_STEWARD, crate::demo::DEMO_PASSWORD);
    }
    web::serve(listener, AppState { store }).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("convene.db"), "convene.db");
    }
}
