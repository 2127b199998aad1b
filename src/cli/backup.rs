//! `convene backup --out FILE` and `convene restore FILE`: a consistent copy of a running
//! instance's database, and putting one back into an empty database.
//!
//! SQLite: `VACUUM INTO` reads one snapshot, so the copy is consistent while the server
//! keeps writing; it is checked with `PRAGMA integrity_check` before it is named FILE.
//! PostgreSQL: `pg_dump --format=custom` (one snapshot too) and `pg_restore`, when those
//! programs are installed.

use anyhow::{Context, bail};
use clap::Args;
use sqlx::{Connection, Row, SqliteConnection};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The file to write (it must not exist yet).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// A file written by `convene backup`.
    pub file: PathBuf,
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The file a SQLite database URL names: `sqlite:PATH`, `sqlite://PATH` or a plain path.
fn sqlite_path(url: &str) -> PathBuf {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    PathBuf::from(rest.split('?').next().unwrap_or(rest))
}

async fn connect(path: &Path, read_only: bool) -> anyhow::Result<SqliteConnection> {
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .busy_timeout(std::time::Duration::from_secs(30));
    SqliteConnection::connect_with(&opts).await.with_context(|| format!("opening {}", path.display()))
}

/// Fails unless SQLite finds the database file at `path` whole.
pub async fn check_integrity(path: &Path) -> anyhow::Result<()> {
    let mut conn = connect(path, true).await?;
    let verdict: String = sqlx::query("PRAGMA integrity_check").fetch_one(&mut conn).await?.try_get(0)?;
    conn.close().await?;
    if verdict != "ok" {
        bail!("{} failed its integrity check: {verdict}", path.display());
    }
    Ok(())
}

/// Rows in the database's own tables (not counting the migration log).
async fn sqlite_rows(conn: &mut SqliteConnection) -> anyhow::Result<i64> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut rows = 0i64;
    for t in tables {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM \"{}\"", t.replace('"', "\"\""))))
                .fetch_one(&mut *conn)
                .await?;
        rows = rows.saturating_add(n);
    }
    Ok(rows)
}

pub async fn backup(url: &str, args: &BackupArgs) -> anyhow::Result<()> {
    if args.out.exists() {
        bail!("{} exists already; choose a new file name", args.out.display());
    }
    if is_postgres(url) {
        return pg_tool("pg_dump", &["--format=custom", "--file", &args.out.to_string_lossy(), url]);
    }
    let db = sqlite_path(url);
    if !db.exists() {
        bail!("there is no database at {}", db.display());
    }
    let partial = args.out.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let mut conn = connect(&db, true).await?;
    sqlx::query("VACUUM INTO ?")
        .bind(partial.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await
        .with_context(|| format!("copying {} to {}", db.display(), partial.display()))?;
    conn.close().await?;
    check_integrity(&partial).await?;
    std::fs::rename(&partial, &args.out).with_context(|| format!("naming the copy {}", args.out.display()))?;
    let size = std::fs::metadata(&args.out).map_or(0, |m| m.len());
    eprintln!("backed up {} to {} ({size} bytes)", db.display(), args.out.display());
    Ok(())
}

pub async fn restore(url: &str, args: &RestoreArgs) -> anyhow::Result<()> {
    if !args.file.exists() {
        bail!("there is no backup at {}", args.file.display());
    }
    if is_postgres(url) {
        return restore_postgres(url, &args.file).await;
    }
    check_integrity(&args.file).await.context("the backup is damaged")?;
    let db = sqlite_path(url);
    if db.exists() {
        let mut conn = connect(&db, true).await?;
        let rows = sqlite_rows(&mut conn).await?;
        conn.close().await?;
        if rows > 0 {
            bail!("{} holds data ({rows} rows); restore only into an empty database", db.display());
        }
        // An empty database the server created on start: replace it whole. The server
        // must not be running on it.
        for suffix in ["", "-wal", "-shm"] {
            let f = PathBuf::from(format!("{}{suffix}", db.display()));
            if f.exists() {
                std::fs::remove_file(&f).with_context(|| format!("removing the empty {}", f.display()))?;
            }
        }
    }
    let mut conn = connect(&args.file, true).await?;
    sqlx::query("VACUUM INTO ?")
        .bind(db.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await
        .with_context(|| format!("copying {} to {}", args.file.display(), db.display()))?;
    conn.close().await?;
    // A backup of an older version gets this version's migrations.
    crate::store::open(&db.to_string_lossy()).await?;
    eprintln!("restored {} into {}", args.file.display(), db.display());
    Ok(())
}

async fn restore_postgres(url: &str, file: &Path) -> anyhow::Result<()> {
    let mut conn = sqlx::PgConnection::connect(url).await.context("connecting to PostgreSQL")?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await?;
    for t in tables {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM \"{}\"", t.replace('"', "\"\""))))
                .fetch_one(&mut conn)
                .await?;
        if n > 0 {
            bail!("the database holds data (table {t}); restore only into an empty database");
        }
    }
    conn.close().await?;
    pg_tool("pg_restore", &["--clean", "--if-exists", "--no-owner", "--dbname", url, &file.to_string_lossy()])?;
    crate::store::open(url).await?;
    eprintln!("restored {}", file.display());
    Ok(())
}

/// Runs a PostgreSQL client program, or explains that it is missing.
fn pg_tool(program: &str, args: &[&str]) -> anyhow::Result<()> {
    let status = match Command::new(program).args(args).status() {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{program} is not installed; install the PostgreSQL client programs (Debian: apt-get install postgresql-client)"
        ),
        Err(e) => return Err(e).with_context(|| format!("running {program}")),
    };
    if !status.success() {
        bail!("{program} failed ({status})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(super::sqlite_path("convene.db"), std::path::PathBuf::from("convene.db"));
        assert_eq!(super::sqlite_path("sqlite:/srv/c.db?mode=rwc"), std::path::PathBuf::from("/srv/c.db"));
        assert_eq!(super::sqlite_path("sqlite:///srv/c.db"), std::path::PathBuf::from("/srv/c.db"));
    }
}
