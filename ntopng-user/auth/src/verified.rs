//! Recently verified credentials, so REST clients that send HTTP basic credentials on every call pay the
//! password KDF once a minute instead of once per call.
//!
//! An entry is a keyed 64-bit tag of (stored hash, password) under a random per-process key: the
//! password itself is never kept, a changed password (a new stored hash) never matches an old entry, and
//! entries expire after [`VALIDITY`].

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a verified password is trusted without running the KDF again.
const VALIDITY: Duration = Duration::from_secs(60);
/// Bound on the entries kept (one per user is typical); the map is cleared when it is reached.
const MAX_ENTRIES: usize = 4096;

pub(crate) struct Verified {
    key: std::collections::hash_map::RandomState,
    entries: Mutex<HashMap<String, (u64, Instant)>>,
}

impl Verified {
    pub fn new() -> Verified {
        Verified { key: std::collections::hash_map::RandomState::new(), entries: Mutex::new(HashMap::new()) }
    }

    fn tag(&self, stored: &str, password: &str) -> u64 {
        let mut h = self.key.build_hasher();
        stored.hash(&mut h);
        password.hash(&mut h);
        h.finish()
    }

    /// True if `password` was verified against `stored` for `user` less than [`VALIDITY`] ago.
    pub fn contains(&self, user: &str, stored: &str, password: &str) -> bool {
        let tag = self.tag(stored, password);
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        matches!(entries.get(user), Some((t, at)) if *t == tag && at.elapsed() < VALIDITY)
    }

    pub fn insert(&self, user: &str, stored: &str, password: &str) {
        let tag = self.tag(stored, password);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(user.to_string(), (tag, Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_only_the_same_password_and_stored_hash() {
        let v = Verified::new();
        v.insert("bob", "$argon2id$a", "pw");
        assert!(v.contains("bob", "$argon2id$a", "pw"));
        assert!(!v.contains("bob", "$argon2id$a", "pw2"));
        assert!(!v.contains("bob", "$argon2id$b", "pw"), "a new stored hash (password changed) never matches");
        assert!(!v.contains("alice", "$argon2id$a", "pw"));
    }
}
