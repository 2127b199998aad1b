//! The SQLite backend: one file, WAL journal, `synchronous = FULL` so that every
//! acknowledged write survives a crash or a power cut.

use super::sql::{self, impl_store};
use super::{
    Aspiration, Community, Convening, FrameworkVersion, Invite, Member, Participant, Plan, StoreError, Teller, User,
};
use crate::domain::Role;
use crate::domain::convening::NewConvening;
use crate::domain::framework::Framework;
use crate::domain::story::{NewStory, Story};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url`: `sqlite:path`, `sqlite://path`
    /// or a plain file path.
    pub async fn open(url: &str) -> super::Result<Self> {
        let opts = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts).await?;
        Ok(Self { pool })
    }

    async fn run_migrations(&self) -> super::Result<()> {
        sqlx::migrate!("migrations/sqlite").run(&self.pool).await?;
        Ok(())
    }
}

impl_store!(SqliteStore);
