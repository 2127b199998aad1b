//! The one-row reads every kept page makes (a convening's or community's data versions),
//! read on SQLite straight on the calling thread. Through sqlx each such read is two trips
//! to a connection's worker thread — the query, and the ping sqlx makes each time a
//! connection goes back to its pool — and in `perf` the thread switches of those trips
//! cost more than the read. These connections are read-only, each statement is its own
//! snapshot of the last commit (WAL), so nothing read here is ever staler than the pool's
//! read would be. A connection is used by one thread at a time and never across an
//! `.await`, so there are never more open than threads reading at once.

use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long a read here may wait for a lock (rare under WAL: a crash recovery, say)
/// before the caller reads through the pool instead, which waits its full busy timeout
/// without holding a thread.
const BUSY: Duration = Duration::from_millis(20);

/// Read-only connections to one SQLite file, opened as needed and kept while idle.
pub(crate) struct Direct {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Direct {
    /// Readers of the database at `path`; `None` for a database that lives in memory.
    pub fn new(path: &str) -> Option<Self> {
        let memory = path.is_empty() || path.starts_with(":memory:");
        (!memory).then(|| Self { path: PathBuf::from(path), idle: Mutex::default() })
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `read` on an idle connection (opening one if none is idle). `None` when it
    /// could not be read here — the file cannot be opened read-only, a lock outlasted
    /// [`BUSY`], any other error — and the caller then reads through the pool, which
    /// reports the error if there is one. A connection that failed is dropped.
    pub fn read<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        let kept = self.idle().pop();
        let conn = match kept {
            Some(c) => c,
            None => self.open().map_err(|e| tracing::debug!(error = %e, "direct reader not opened")).ok()?,
        };
        match read(&conn) {
            Ok(v) => {
                self.idle().push(conn);
                Some(v)
            }
            Err(e) => {
                tracing::debug!(error = %e, "direct read failed; reading through the pool");
                None
            }
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        conn.busy_timeout(BUSY)?;
        Ok(conn)
    }
}

#[cfg(test)]
mod tests {
    use super::Direct;

    fn version(d: &Direct) -> Option<i64> {
        d.read(|c| c.prepare_cached("SELECT v FROM versions WHERE id = ?1")?.query_row([1], |r| r.get(0)))
    }

    #[test]
    fn reads_each_commit_at_once_and_keeps_its_connection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        writer
            .execute_batch(
                "CREATE TABLE versions (id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO versions VALUES (1, 7)",
            )
            .unwrap();
        let d = Direct::new(path.to_str().unwrap()).unwrap();
        assert_eq!(version(&d), Some(7));
        assert_eq!(d.idle().len(), 1, "the connection is kept for the next read");
        writer.execute("UPDATE versions SET v = 8 WHERE id = 1", []).unwrap();
        assert_eq!(version(&d), Some(8), "a commit is seen by the next read");
        assert_eq!(d.idle().len(), 1, "one connection served both reads");
        // A read that fails (no such row here is an error of query_row) drops its connection
        // and tells the caller to read through the pool.
        assert_eq!(d.read(|c| c.query_row("SELECT v FROM versions WHERE id = 2", [], |r| r.get::<_, i64>(0))), None);
        assert_eq!(d.idle().len(), 0);
        // Read-only: a write through it fails instead of writing.
        assert_eq!(d.read(|c| c.execute("UPDATE versions SET v = 9", [])), None);
        assert_eq!(version(&d), Some(8));
    }

    #[test]
    fn a_database_in_memory_or_missing_is_read_through_the_pool() {
        assert!(Direct::new(":memory:").is_none());
        assert!(Direct::new("").is_none());
        let dir = tempfile::tempdir().unwrap();
        let missing = Direct::new(dir.path().join("none.sqlite").to_str().unwrap()).unwrap();
        assert_eq!(version(&missing), None, "read-only never creates the file");
        assert!(!dir.path().join("none.sqlite").exists());
    }
}
