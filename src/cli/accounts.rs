//! `convene user …` and `convene token …`: accounts and API tokens, as the operator.

use crate::service::{Actor, accounts};
use crate::store::{Store, User};
use anyhow::{Context, bail};
use clap::Subcommand;
use std::io::BufRead;

#[derive(Subcommand, Debug, Clone)]
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
    /// Set a user's password (read from standard input) and sign them out everywhere;
    /// for imported members, or someone locked out.
    SetPassword {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum TokenCommand {
    /// Print a new bearer token for a user, and only the token, on standard output.
    Issue {
        #[arg(long)]
        email: String,
        /// A name to recognise it by in the list.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until it stops working (default: never).
        #[arg(long)]
        expires_days: Option<i64>,
    },
    /// List a user's tokens (id, name, created, last used, expires).
    List {
        #[arg(long)]
        email: String,
    },
    /// Revoke one of a user's tokens by its id (see `token list`).
    Revoke {
        #[arg(long)]
        email: String,
        #[arg(long)]
        id: i64,
    },
}

fn read_password() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password).context("reading the password from standard input")?;
    Ok(password.trim_end_matches(['\r', '\n']).to_string())
}

/// A service refusal in words for the terminal.
fn say(e: crate::service::ServiceError) -> anyhow::Error {
    match e {
        crate::service::ServiceError::Invalid(v) => {
            anyhow::anyhow!("{}", v.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; "))
        }
        crate::service::ServiceError::NotFound => anyhow::anyhow!("not found"),
        e => anyhow::Error::new(e),
    }
}

async fn by_email(store: &Store, email: &str) -> anyhow::Result<User> {
    Ok(store
        .user_by_email(&email.trim().to_lowercase())
        .await?
        .with_context(|| format!("no user with e-mail {email}"))?
        .0)
}

pub async fn user(store: &Store, c: &UserCommand) -> anyhow::Result<()> {
    let op = Actor::Operator;
    match c {
        UserCommand::Add { email, name, admin } => {
            let password = read_password()?;
            let u = accounts::create_user(store, &op, email, name, &password, *admin).await.map_err(say)?;
            eprintln!("created user {} <{}>{}", u.name, u.email, if *admin { " (admin)" } else { "" });
        }
        UserCommand::SetPassword { email } => {
            let password = read_password()?;
            let u = match accounts::set_password(store, &op, email, &password).await {
                Err(crate::service::ServiceError::NotFound) => bail!("no user with e-mail {email}"),
                r => r.map_err(say)?,
            };
            eprintln!("password set for {} <{}>; their sessions have ended", u.name, u.email);
        }
    }
    Ok(())
}

pub async fn token(store: &Store, c: &TokenCommand) -> anyhow::Result<()> {
    let op = Actor::Operator;
    match c {
        TokenCommand::Issue { email, name, expires_days } => {
            let user = by_email(store, email).await?;
            let expires = match expires_days {
                Some(d) if *d < 1 => bail!("--expires-days must be at least 1"),
                Some(d) => Some(crate::store::in_seconds(d.saturating_mul(24 * 3600))),
                None => None,
            };
            let (token, _) = accounts::issue_token(store, &op, user.id, name, expires.as_deref()).await.map_err(say)?;
            println!("{token}");
        }
        TokenCommand::List { email } => {
            let user = by_email(store, email).await?;
            println!("id\tname\tcreated\tlast used\texpires");
            for t in accounts::tokens(store, &op, user.id).await.map_err(say)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.name,
                    t.created_at,
                    t.last_used_at.as_deref().unwrap_or("-"),
                    t.expires_at.as_deref().unwrap_or("never")
                );
            }
        }
        TokenCommand::Revoke { email, id } => {
            let user = by_email(store, email).await?;
            match accounts::revoke_token(store, &op, user.id, *id).await {
                Err(crate::service::ServiceError::NotFound) => bail!("{email} has no token {id}"),
                r => r.map_err(say)?,
            }
            eprintln!("token {id} revoked");
        }
    }
    Ok(())
}
