//! Responses rendered for readers who are not signed in (the convening page, the matrix
//! API), kept while the data they show is unchanged: a repeat read is one version query
//! and a copy of bytes. Only anonymous responses are kept — a signed-in reader's page
//! carries their own name, role and form tokens, and sees stories others may not — and
//! each is keyed by everything the response depends on (path with its query, language)
//! and the data versions read from the database before it was rendered.

use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// How many rendered responses are kept (a few MiB at most).
const CAPACITY: usize = 512;

#[derive(Default)]
pub struct Rendered {
    entries: Mutex<HashMap<String, (Vec<i64>, Bytes)>>,
}

impl Rendered {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Vec<i64>, Bytes)>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The response kept under `key` if it was rendered at exactly `version`.
    pub fn get(&self, key: &str, version: &[i64]) -> Option<Bytes> {
        self.lock().get(key).filter(|(v, _)| v == version).map(|(_, b)| b.clone())
    }

    /// Keeps a response; when full, starts again from empty (the map is small and the
    /// pages that are read often come back at once).
    pub fn put(&self, key: String, version: &[i64], body: Bytes) {
        let mut map = self.lock();
        if map.len() >= CAPACITY && !map.contains_key(&key) {
            map.clear();
        }
        map.insert(key, (version.to_vec(), body));
    }
}

#[cfg(test)]
mod tests {
    use super::Rendered;
    use axum::body::Bytes;

    #[test]
    fn a_response_is_served_again_only_at_its_version() {
        let r = Rendered::default();
        r.put("page:en:/convenings/1".into(), &[5, 9], Bytes::from_static(b"<html>"));
        assert_eq!(r.get("page:en:/convenings/1", &[5, 9]).as_deref(), Some(&b"<html>"[..]));
        assert!(r.get("page:en:/convenings/1", &[6, 9]).is_none());
        assert!(r.get("page:fr:/convenings/1", &[5, 9]).is_none());
    }
}
