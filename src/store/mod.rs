//! Persistence: one `Store` over SQLite (the default, one file) or PostgreSQL, chosen by
//! the database URL.
//!
//! Why one implementation and not a trait with two: the queries are portable SQL
//! (`$n` placeholders, `RETURNING`, `ON CONFLICT`), so sqlx's `Any` driver runs the same
//! text on both backends. Each query exists once, the code is ordinary Rust that rustfmt
//! formats (the earlier macro that stamped one body onto two types did not), and the
//! contract tests run every method on both backends. The price is the `Any` driver's
//! value set: yes/no columns are read as integers (`CAST(x AS INTEGER)`), and new ones
//! are stored as INTEGER 0/1 on both backends.
//!
//! Writes that must succeed together run in [`Store::transaction`]: the closure gets a
//! `Store` bound to one transaction, so every method composes without a second copy.
//! The code is split by object: `users` (accounts, sessions, API tokens), `communities`
//! (frameworks, members), `invitations`, `convenings` (participants, aspirations),
//! `links` (answer links), `plans`, `proposals` (framework changes and their supporters),
//! `stories` (steps, revisions, outcomes) and `waves`.

mod comments;
mod communities;
mod connect;
mod convenings;
mod direct;
mod evidence;
mod field;
mod invitations;
mod jsonb;
mod links;
mod memo;
mod outbox;
mod plans;
mod proposals;
mod stories;
mod users;
mod waves;

pub use comments::{Comment, CommentAction, NewComment};
pub use communities::{Community, FrameworkVersion, Member};
pub use connect::{PublicSettings, UserPrefs};
pub use convenings::{Aspiration, Convening, Participant};
pub use evidence::{Attendee, DataVersions, Observation, Scope};
pub use field::{FieldStory, FieldSubmission};
pub use invitations::Invitation;
pub use links::AnswerLink;
pub use memo::Memo;
pub use outbox::{NewMessage, OutboxMessage};
pub use plans::Plan;
pub use proposals::Proposal;
pub use stories::{StoryRevision, Teller, revision_of};
pub use users::{ApiToken, User};
pub use waves::Wave;

use sqlx::AnyConnection;
use sqlx::any::AnyPoolOptions;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Transaction};
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard};

/// A boxed future, for the closure [`Store::transaction`] runs.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key is already taken (slug, e-mail, …).
    #[error("already exists")]
    Conflict,
    #[error("not found")]
    NotFound,
    /// The row changed since the caller read it (optimistic concurrency).
    #[error("changed since it was read")]
    Stale,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Pool sizes and timeouts (from the configuration).
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    pub max_connections: u32,
    pub busy_timeout_ms: u64,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self { max_connections: 8, busy_timeout_ms: 10_000 }
    }
}

#[derive(Clone)]
enum Handle {
    /// The pool, and on an SQLite file its direct readers ([`direct::Direct`]).
    Pool(AnyPool, Option<Arc<direct::Direct>>),
    Tx(Arc<Mutex<Transaction<'static, Any>>>),
}

/// Everything convene keeps. Cheap to clone. Every method that returns `Ok` outside a
/// transaction has committed its write.
#[derive(Clone)]
pub struct Store {
    handle: Handle,
    backend: Backend,
    /// Computed values kept while their data is unchanged; `None` inside a transaction.
    memo: Option<Arc<Memo>>,
    /// SQLite: wakes the [`checkpointer`] when a transaction commits; `None` on
    /// PostgreSQL and inside a transaction.
    checkpoints: Option<Arc<tokio::sync::Notify>>,
}

/// The store shared by the app (named for the trait object it once was).
pub type DynStore = Arc<Store>;

/// A connection for one method call: from the pool, or the transaction's own.
pub(crate) enum Conn<'a> {
    Pooled(PoolConnection<Any>),
    Tx(MutexGuard<'a, Transaction<'static, Any>>),
}

impl Deref for Conn<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            Conn::Pooled(c) => c,
            Conn::Tx(t) => t,
        }
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Conn::Pooled(c) => c,
            Conn::Tx(t) => t,
        }
    }
}

/// Opens the store a URL names: `postgres://…`/`postgresql://…` for PostgreSQL,
/// `sqlite:…` or a plain file path for SQLite (created if missing). Migrations are applied.
pub async fn open(url: &str) -> Result<DynStore> {
    open_with(url, PoolOptions::default()).await
}

pub async fn open_with(url: &str, opts: PoolOptions) -> Result<DynStore> {
    sqlx::any::install_default_drivers();
    let (backend, any_url, direct) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        (Backend::Postgres, url.to_string(), None)
    } else {
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        let (path, _) = path.split_once('?').unwrap_or((path, ""));
        (Backend::Sqlite, format!("sqlite://{path}?mode=rwc"), direct::Direct::new(path).map(Arc::new))
    };
    let busy = opts.busy_timeout_ms;
    let pool = AnyPoolOptions::new()
        .max_connections(opts.max_connections)
        // An SQLite connection is a file handle in this process: it cannot be dropped by
        // a server or a network, so the ping before each use (a round trip to its worker
        // thread, a tenth of a kept page's cost) buys nothing there.
        .test_before_acquire(backend == Backend::Postgres)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if conn.backend_name().eq_ignore_ascii_case("sqlite") {
                    // WAL so readers never wait for the writer; FULL so that every
                    // acknowledged write survives a crash or a power cut.
                    for pragma in [
                        "PRAGMA journal_mode = WAL".to_string(),
                        "PRAGMA synchronous = FULL".to_string(),
                        "PRAGMA foreign_keys = ON".to_string(),
                        format!("PRAGMA busy_timeout = {busy}"),
                        // Up to 32 MiB of pages per connection (SQLite's default is
                        // 2 MiB): a large import's indexes then stay in memory instead
                        // of being spilled and read back half-way through a transaction.
                        "PRAGMA cache_size = -32768".to_string(),
                        // Statement journals in memory: a statement that writes many
                        // rows inside a longer transaction (an import's batch) keeps
                        // the pages it changes so that it alone can be undone, and
                        // writing those to a temporary file cost a sixth of an import.
                        "PRAGMA temp_store = MEMORY".to_string(),
                        // Commits do not fold the WAL into the database file: the
                        // checkpointer does, on a task of its own ([`checkpointer`]).
                        "PRAGMA wal_autocheckpoint = 0".to_string(),
                    ] {
                        sqlx::query(sqlx::AssertSqlSafe(pragma)).execute(&mut *conn).await?;
                    }
                }
                Ok(())
            })
        })
        .connect(&any_url)
        .await?;
    let checkpoints = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Notify::new()));
    let store = Arc::new(Store {
        handle: Handle::Pool(pool, direct),
        backend,
        memo: Some(Arc::new(Memo::new(memo::DEFAULT_CAPACITY))),
        checkpoints: checkpoints.clone(),
    });
    store.migrate().await?;
    if let Some(wake) = checkpoints {
        tokio::spawn(checkpointer(Arc::downgrade(&store), wake));
    }
    Ok(store)
}

/// SQLite's checkpoints, on a task of their own (the pattern SQLite's WAL documentation
/// describes): no connection folds the WAL into the database file when its commit made
/// the WAL long (`wal_autocheckpoint = 0`); this task does, after every transaction
/// commits and once a second for writes outside one, so neither a request nor a large
/// import waits for the copy and its `fsync` (a fifth of a second after a 100,000-row
/// import). What a commit promises is unchanged: with `synchronous = FULL` the WAL is on
/// disk before the commit returns. The task ends once the store is dropped; closing the
/// last connection folds what is left, as before.
async fn checkpointer(store: std::sync::Weak<Store>, wake: Arc<tokio::sync::Notify>) {
    loop {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), wake.notified()).await;
        let Some(store) = store.upgrade() else { return };
        if let Err(e) = store.checkpoint().await {
            tracing::warn!("checkpoint: {e}");
        }
    }
}

impl Store {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The memo of computed values (none inside a transaction).
    pub fn memo(&self) -> Option<&Memo> {
        self.memo.as_deref()
    }

    pub(crate) async fn conn(&self) -> Result<Conn<'_>> {
        Ok(match &self.handle {
            Handle::Pool(p, _) => Conn::Pooled(p.acquire().await?),
            Handle::Tx(t) => Conn::Tx(t.lock().await),
        })
    }

    /// The direct readers of an SQLite file, outside a transaction (inside one, reads
    /// must see its own writes).
    pub(crate) fn direct(&self) -> Option<&direct::Direct> {
        match &self.handle {
            Handle::Pool(_, d) => d.as_deref(),
            Handle::Tx(_) => None,
        }
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<()> {
        let Handle::Pool(pool, _) = &self.handle else { return Ok(()) };
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Backend::Postgres => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Connections open in the pool and how many of them are idle (metrics).
    pub fn pool_stats(&self) -> (u32, usize) {
        match &self.handle {
            Handle::Pool(p, _) => (p.size(), p.num_idle()),
            Handle::Tx(_) => (1, 0),
        }
    }

    /// Folds what it can of SQLite's WAL into the database file (`PASSIVE`: it waits for
    /// no reader or writer); nothing on PostgreSQL. The [`checkpointer`] calls it.
    async fn checkpoint(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&mut *self.conn().await?).await?;
        }
        Ok(())
    }

    /// `select 1` — for the health endpoint.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&mut *self.conn().await?).await?;
        Ok(())
    }

    /// Runs `f` in one transaction: committed when it returns `Ok`, rolled back when it
    /// returns `Err` (or panics). Inside a transaction, `f` simply runs in it.
    pub async fn transaction<T, E>(
        &self,
        f: impl for<'s> FnOnce(&'s Store) -> BoxFuture<'s, Result<T, E>>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let Handle::Pool(pool, _) = &self.handle else { return f(self).await };
        // SQLite: take the write lock at once, so that a read-then-write transaction
        // cannot fail half-way when another writer got there first.
        let begin = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        let tx = pool.begin_with(begin).await.map_err(|e| E::from(e.into()))?;
        let shared = Arc::new(Mutex::new(tx));
        let inner = Store { handle: Handle::Tx(shared.clone()), backend: self.backend, memo: None, checkpoints: None };
        let out = f(&inner).await;
        drop(inner);
        let tx = Arc::try_unwrap(shared)
            .map_err(|_| E::from(StoreError::Corrupt("transaction still in use".into())))?
            .into_inner();
        match out {
            Ok(v) => {
                tx.commit().await.map_err(|e| E::from(e.into()))?;
                if let Some(wake) = &self.checkpoints {
                    wake.notify_one();
                }
                Ok(v)
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    /// Runs raw SQL (tests use it to inject failures, e.g. a trigger).
    #[doc(hidden)]
    pub async fn execute_raw(&self, sql: &str) -> Result<()> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut *self.conn().await?).await?;
        Ok(())
    }
}

/// A unique-key violation becomes `Conflict`; anything else stays a database error.
pub(crate) fn map_unique(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict,
        _ => StoreError::Db(e),
    }
}

/// `Ok(())` when a write touched a row, `NotFound` when it touched none.
pub(crate) fn found(done: &sqlx::any::AnyQueryResult) -> Result<()> {
    if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// A yes/no column read through the `Any` driver as an integer (`CAST(x AS INTEGER)`).
pub(crate) struct Flag(i64);

impl sqlx::Type<Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <i64 as sqlx::Type<Any>>::type_info()
    }
    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <i64 as sqlx::Type<Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> std::result::Result<Self, sqlx::error::BoxDynError> {
        Ok(Flag(<i64 as sqlx::Decode<'r, Any>>::decode(value)?))
    }
}

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        f.0 != 0
    }
}

/// `usize` → `i64` for positions and counts bound as parameters.
pub(crate) fn int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The current time as RFC 3339 UTC text, the form every timestamp is stored in.
pub fn now() -> String {
    in_seconds(0)
}

/// RFC 3339 UTC text for `now + seconds`.
pub fn in_seconds(seconds: i64) -> String {
    (time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        + time::Duration::seconds(seconds))
    .format(&time::format_description::well_known::Rfc3339)
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::StoreError;

    /// 500 pages of random bytes, written by one statement.
    const PAD: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) \
                       INSERT INTO pad SELECT randomblob(4096) FROM n";

    /// Waits up to ten seconds for the database file to reach `bytes`.
    async fn grows_to(path: &std::path::Path, bytes: u64) -> u64 {
        let size = || std::fs::metadata(path).map_or(0, |m| m.len());
        for _ in 0..100 {
            if size() >= bytes {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        size()
    }

    #[tokio::test]
    async fn the_checkpointer_folds_the_wal_into_the_file_after_commits_and_lone_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoints.db");
        let store = super::open(path.to_str().unwrap()).await.unwrap();
        store.execute_raw("CREATE TABLE pad (b BLOB)").await.unwrap();
        let start = grows_to(&path, 0).await;
        // No connection checkpoints when it commits: the rows reach the database file
        // only through the checkpointer, after a transaction commits…
        store.transaction::<_, StoreError>(|s| Box::pin(async move { s.execute_raw(PAD).await })).await.unwrap();
        let after_tx = grows_to(&path, start + 500 * 4096).await;
        assert!(after_tx >= start + 500 * 4096, "the file grew from {start} to {after_tx} bytes only");
        // …and within a second or so after a write outside a transaction.
        store.execute_raw(PAD).await.unwrap();
        let after_lone = grows_to(&path, after_tx + 500 * 4096).await;
        assert!(after_lone >= after_tx + 500 * 4096, "the file grew from {after_tx} to {after_lone} bytes only");
        let mode: i64 =
            sqlx::query_scalar("PRAGMA wal_autocheckpoint").fetch_one(&mut *store.conn().await.unwrap()).await.unwrap();
        assert_eq!(mode, 0, "connections leave checkpoints to the checkpointer");
    }
}
