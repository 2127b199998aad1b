//! Values computed from the database (a convening's stories without their words, its
//! matrix, a report), kept in memory while the data they came from is unchanged.
//!
//! Each value is stored with the data version it was computed at — the
//! `data_version` columns that the database's own triggers move on every write (see
//! migration 0010) — and a reader that finds another version recomputes. The version is
//! read from the database, never remembered, so two server processes over one database
//! stay correct. A reader must read the version *before* the data: data read after it is
//! at least as new, and a value labelled older than it is only recomputed once more.
//! Stores bound to a transaction have no memo (an uncommitted version could be rolled
//! back and then reached again by other data).

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What a memo entry is keyed by beside its kind: usually a convening or community id.
type Key = (&'static str, i64);

struct Entry {
    version: Vec<i64>,
    value: Arc<dyn Any + Send + Sync>,
    /// Roughly how many stories the value holds (eviction counts these).
    weight: usize,
    used: u64,
}

/// A small least-recently-used map of computed values, bounded by their weight.
pub struct Memo {
    entries: Mutex<HashMap<Key, Entry>>,
    clock: std::sync::atomic::AtomicU64,
    capacity: usize,
}

/// How many stories' worth of values the memo keeps (about 0.3 KiB each): 300,000 stories
/// is about 100 MiB at most.
pub const DEFAULT_CAPACITY: usize = 300_000;

impl Memo {
    pub fn new(capacity: usize) -> Self {
        Self { entries: Mutex::new(HashMap::new()), clock: std::sync::atomic::AtomicU64::new(0), capacity }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        // A panic while holding the lock leaves a consistent map (every change is one
        // insert or remove), so a poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The value of `kind` for `id` if it was computed at exactly `version`.
    pub fn get<T: Any + Send + Sync>(&self, kind: &'static str, id: i64, version: &[i64]) -> Option<Arc<T>> {
        let tick = self.clock.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut map = self.lock();
        let e = map.get_mut(&(kind, id)).filter(|e| e.version == version)?;
        e.used = tick;
        e.value.clone().downcast::<T>().ok()
    }

    /// Keeps `value`, computed at `version`, replacing what was kept for `id`; evicts the
    /// least recently used values while the memo holds more than its capacity.
    pub fn put<T: Any + Send + Sync>(
        &self,
        kind: &'static str,
        id: i64,
        version: &[i64],
        value: Arc<T>,
        weight: usize,
    ) {
        let tick = self.clock.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let weight = weight.max(1);
        if weight > self.capacity {
            return;
        }
        let mut map = self.lock();
        map.insert((kind, id), Entry { version: version.to_vec(), value, weight, used: tick });
        let mut total: usize = map.values().map(|e| e.weight).sum();
        while total > self.capacity {
            let Some(oldest) = map.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| *k) else { break };
            if let Some(e) = map.remove(&oldest) {
                total -= e.weight;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;
    use std::sync::Arc;

    #[test]
    fn a_value_is_found_only_at_the_version_it_was_computed_at() {
        let memo = Memo::new(10);
        memo.put("n", 1, &[3, 4], Arc::new(42_u32), 1);
        assert_eq!(memo.get::<u32>("n", 1, &[3, 4]).as_deref(), Some(&42));
        assert!(memo.get::<u32>("n", 1, &[3, 5]).is_none(), "another version");
        assert!(memo.get::<u32>("n", 2, &[3, 4]).is_none(), "another id");
        assert!(memo.get::<u32>("m", 1, &[3, 4]).is_none(), "another kind");
        assert!(memo.get::<String>("n", 1, &[3, 4]).is_none(), "another type");
    }

    #[test]
    fn the_least_recently_used_values_go_first_when_the_memo_is_full() {
        let memo = Memo::new(10);
        memo.put("n", 1, &[1], Arc::new(1_u8), 4);
        memo.put("n", 2, &[1], Arc::new(2_u8), 4);
        assert!(memo.get::<u8>("n", 1, &[1]).is_some());
        memo.put("n", 3, &[1], Arc::new(3_u8), 4);
        assert!(memo.get::<u8>("n", 2, &[1]).is_none(), "least recently used, evicted");
        assert!(memo.get::<u8>("n", 1, &[1]).is_some());
        assert!(memo.get::<u8>("n", 3, &[1]).is_some());
        memo.put("n", 4, &[1], Arc::new(4_u8), 11);
        assert!(memo.get::<u8>("n", 4, &[1]).is_none(), "too big to keep at all");
    }
}
