//! The in-memory data of the embedded store and the Redis semantics of every command on it.
//!
//! Every mutation takes `now` (Unix milliseconds) and is a pure function of the state and its arguments, so
//! replaying the journal with each record's own timestamp rebuilds exactly the state that was live.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::{parse_redis_int, KeyType, Result, StoreError};

/// A value of any type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Value {
    Str(String),
    Hash(BTreeMap<String, String>),
    List(VecDeque<String>),
    Set(BTreeSet<String>),
}

impl Value {
    pub(crate) fn key_type(&self) -> KeyType {
        match self {
            Value::Str(_) => KeyType::String,
            Value::Hash(_) => KeyType::Hash,
            Value::List(_) => KeyType::List,
            Value::Set(_) => KeyType::Set,
        }
    }

    /// Containers are never stored empty.
    pub(crate) fn is_empty_container(&self) -> bool {
        match self {
            Value::Str(_) => false,
            Value::Hash(h) => h.is_empty(),
            Value::List(l) => l.is_empty(),
            Value::Set(s) => s.is_empty(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub val: Value,
    /// Unix milliseconds at which the key expires.
    pub deadline: Option<i64>,
}

impl Entry {
    fn live(&self, now: i64) -> bool {
        !matches!(self.deadline, Some(d) if d <= now)
    }
}

/// Normalizes a Redis LRANGE/LTRIM range over a list of `len`; `None` when empty.
pub(crate) fn list_range(len: usize, start: i64, stop: i64) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { (start + len).max(0) } else { start };
    let stop = if stop < 0 { stop + len } else { stop };
    if start > stop || start >= len {
        return None;
    }
    Some((start as usize, stop.min(len - 1) as usize))
}

fn list_index(len: usize, index: i64) -> Option<usize> {
    let i = if index < 0 { index + len as i64 } else { index };
    (0..len as i64).contains(&i).then_some(i as usize)
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct State {
    map: HashMap<String, Entry>,
}

fn wrong(key: &str) -> StoreError {
    StoreError::WrongType { key: key.to_string() }
}

macro_rules! typed {
    ($fn_ref:ident, $fn_mut:ident, $variant:ident, $ty:ty) => {
        /// The live value at `key` if it has this type; `WrongType` if another.
        fn $fn_ref(&self, key: &str, now: i64) -> Result<Option<&$ty>> {
            match self.live(key, now) {
                None => Ok(None),
                Some(Entry { val: Value::$variant(v), .. }) => Ok(Some(v)),
                Some(_) => Err(wrong(key)),
            }
        }

        /// The live value at `key` if it has this type, created empty when missing and `create`.
        fn $fn_mut(&mut self, key: &str, now: i64, create: bool) -> Result<Option<&mut $ty>> {
            self.purge_key(key, now);
            if create && !self.map.contains_key(key) {
                self.map.insert(key.to_string(), Entry { val: Value::$variant(Default::default()), deadline: None });
            }
            match self.map.get_mut(key) {
                None => Ok(None),
                Some(Entry { val: Value::$variant(v), .. }) => Ok(Some(v)),
                Some(_) => Err(wrong(key)),
            }
        }
    };
}

impl State {
    // ---- access ----

    /// The entry at `key` unless missing or expired.
    pub fn live(&self, key: &str, now: i64) -> Option<&Entry> {
        self.map.get(key).filter(|e| e.live(now))
    }

    /// Drops `key` if it has expired.
    fn purge_key(&mut self, key: &str, now: i64) {
        if self.map.get(key).is_some_and(|e| !e.live(now)) {
            self.map.remove(key);
        }
    }

    /// Drops every expired key (does not change what any command observes).
    pub fn purge_expired(&mut self, now: i64) {
        self.map.retain(|_, e| e.live(now));
    }

    /// Removes `key` if its container became empty.
    fn drop_if_empty(&mut self, key: &str) {
        if self.map.get(key).is_some_and(|e| e.val.is_empty_container()) {
            self.map.remove(key);
        }
    }

    pub fn live_entries(&self, now: i64) -> impl Iterator<Item = (&String, &Entry)> {
        self.map.iter().filter(move |(_, e)| e.live(now))
    }

    pub fn live_count(&self, now: i64) -> usize {
        self.map.values().filter(|e| e.live(now)).count()
    }

    typed!(hash, hash_mut, Hash, BTreeMap<String, String>);
    typed!(list, list_mut, List, VecDeque<String>);
    typed!(set_ref, set_mut, Set, BTreeSet<String>);

    // ---- reads ----

    pub fn get(&self, key: &str, now: i64) -> Result<Option<String>> {
        match self.live(key, now) {
            None => Ok(None),
            Some(Entry { val: Value::Str(s), .. }) => Ok(Some(s.clone())),
            Some(_) => Err(wrong(key)),
        }
    }

    pub fn key_type(&self, key: &str, now: i64) -> Option<KeyType> {
        self.live(key, now).map(|e| e.val.key_type())
    }

    pub fn hget(&self, key: &str, field: &str, now: i64) -> Result<Option<String>> {
        Ok(self.hash(key, now)?.and_then(|h| h.get(field).cloned()))
    }

    pub fn hgetall(&self, key: &str, now: i64) -> Result<BTreeMap<String, String>> {
        Ok(self.hash(key, now)?.cloned().unwrap_or_default())
    }

    pub fn lrange(&self, key: &str, start: i64, stop: i64, now: i64) -> Result<Vec<String>> {
        let Some(l) = self.list(key, now)? else { return Ok(Vec::new()) };
        Ok(match list_range(l.len(), start, stop) {
            Some((a, b)) => l.range(a..=b).cloned().collect(),
            None => Vec::new(),
        })
    }

    pub fn llen(&self, key: &str, now: i64) -> Result<usize> {
        Ok(self.list(key, now)?.map_or(0, |l| l.len()))
    }

    pub fn lindex(&self, key: &str, index: i64, now: i64) -> Result<Option<String>> {
        let Some(l) = self.list(key, now)? else { return Ok(None) };
        Ok(list_index(l.len(), index).map(|i| l[i].clone()))
    }

    pub fn sismember(&self, key: &str, member: &str, now: i64) -> Result<bool> {
        Ok(self.set_ref(key, now)?.is_some_and(|s| s.contains(member)))
    }

    pub fn smembers(&self, key: &str, now: i64) -> Result<Vec<String>> {
        Ok(self.set_ref(key, now)?.map(|s| s.iter().cloned().collect()).unwrap_or_default())
    }

    // ---- writes ----

    pub fn set(&mut self, key: &str, value: &str, deadline: Option<i64>) {
        self.map.insert(key.to_string(), Entry { val: Value::Str(value.to_string()), deadline });
    }

    /// Stores a whole value (compaction records, RESTORE).
    pub fn load(&mut self, key: &str, val: Value, deadline: Option<i64>) {
        if val.is_empty_container() {
            self.map.remove(key);
        } else {
            self.map.insert(key.to_string(), Entry { val, deadline });
        }
    }

    pub fn del(&mut self, key: &str, now: i64) -> bool {
        self.map.remove(key).is_some_and(|e| e.live(now))
    }

    pub fn flush(&mut self) {
        self.map.clear();
    }

    pub fn rename(&mut self, from: &str, to: &str, now: i64) -> Result<()> {
        self.purge_key(from, now);
        if !self.map.contains_key(from) {
            return Err(StoreError::NoSuchKey { key: from.to_string() });
        }
        if from != to {
            let entry = self.map.remove(from).expect("checked above");
            self.map.insert(to.to_string(), entry);
        }
        Ok(())
    }

    pub fn incr_by(&mut self, key: &str, delta: i64, now: i64) -> Result<i64> {
        self.purge_key(key, now);
        let (current, deadline) = match self.map.get(key) {
            None => (0, None),
            Some(Entry { val: Value::Str(s), deadline }) => {
                (parse_redis_int(s).ok_or_else(|| StoreError::NotInteger { key: key.to_string() })?, *deadline)
            }
            Some(_) => return Err(wrong(key)),
        };
        let n = current.checked_add(delta).ok_or_else(|| StoreError::Overflow { key: key.to_string() })?;
        self.set(key, &n.to_string(), deadline);
        Ok(n)
    }

    /// Sets the deadline; a deadline not after `now` deletes the key. True if the key existed.
    pub fn expire_at(&mut self, key: &str, deadline: i64, now: i64) -> bool {
        self.purge_key(key, now);
        if deadline <= now {
            return self.map.remove(key).is_some();
        }
        match self.map.get_mut(key) {
            Some(e) => {
                e.deadline = Some(deadline);
                true
            }
            None => false,
        }
    }

    pub fn persist(&mut self, key: &str, now: i64) -> bool {
        self.purge_key(key, now);
        self.map.get_mut(key).is_some_and(|e| e.deadline.take().is_some())
    }

    pub fn hset(&mut self, key: &str, field: &str, value: &str, now: i64) -> Result<bool> {
        let h = self.hash_mut(key, now, true)?.expect("created");
        Ok(h.insert(field.to_string(), value.to_string()).is_none())
    }

    pub fn hdel(&mut self, key: &str, field: &str, now: i64) -> Result<bool> {
        let Some(h) = self.hash_mut(key, now, false)? else { return Ok(false) };
        let removed = h.remove(field).is_some();
        self.drop_if_empty(key);
        Ok(removed)
    }

    pub fn push(&mut self, key: &str, value: &str, front: bool, now: i64) -> Result<usize> {
        let l = self.list_mut(key, now, true)?.expect("created");
        if front {
            l.push_front(value.to_string());
        } else {
            l.push_back(value.to_string());
        }
        Ok(l.len())
    }

    pub fn pop(&mut self, key: &str, front: bool, now: i64) -> Result<Option<String>> {
        let Some(l) = self.list_mut(key, now, false)? else { return Ok(None) };
        let v = if front { l.pop_front() } else { l.pop_back() };
        self.drop_if_empty(key);
        Ok(v)
    }

    pub fn lrem(&mut self, key: &str, count: i64, value: &str, now: i64) -> Result<usize> {
        let Some(l) = self.list_mut(key, now, false)? else { return Ok(0) };
        let limit = if count == 0 { usize::MAX } else { usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX) };
        let mut removed = 0;
        if count >= 0 {
            let mut i = 0;
            while i < l.len() && removed < limit {
                if l[i] == value {
                    l.remove(i);
                    removed += 1;
                } else {
                    i += 1;
                }
            }
        } else {
            let mut i = l.len();
            while i > 0 && removed < limit {
                i -= 1;
                if l[i] == value {
                    l.remove(i);
                    removed += 1;
                }
            }
        }
        self.drop_if_empty(key);
        Ok(removed)
    }

    pub fn ltrim(&mut self, key: &str, start: i64, stop: i64, now: i64) -> Result<()> {
        let Some(l) = self.list_mut(key, now, false)? else { return Ok(()) };
        match list_range(l.len(), start, stop) {
            Some((a, b)) => {
                l.truncate(b + 1);
                l.drain(..a);
            }
            None => l.clear(),
        }
        self.drop_if_empty(key);
        Ok(())
    }

    pub fn sadd(&mut self, key: &str, member: &str, now: i64) -> Result<bool> {
        let s = self.set_mut(key, now, true)?.expect("created");
        Ok(s.insert(member.to_string()))
    }

    pub fn srem(&mut self, key: &str, member: &str, now: i64) -> Result<bool> {
        let Some(s) = self.set_mut(key, now, false)? else { return Ok(false) };
        let removed = s.remove(member);
        self.drop_if_empty(key);
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_like_redis() {
        assert_eq!(list_range(5, 0, -1), Some((0, 4)));
        assert_eq!(list_range(5, -2, -1), Some((3, 4)));
        assert_eq!(list_range(5, -100, 100), Some((0, 4)));
        assert_eq!(list_range(5, 3, 1), None);
        assert_eq!(list_range(5, 5, 10), None);
        assert_eq!(list_range(5, 0, -6), None);
        assert_eq!(list_range(0, 0, -1), None);
        assert_eq!(list_range(5, i64::MIN, i64::MAX), Some((0, 4)));
        assert_eq!(list_index(3, -1), Some(2));
        assert_eq!(list_index(3, -4), None);
        assert_eq!(list_index(3, 3), None);
        assert_eq!(list_index(3, i64::MIN), None);
    }

    #[test]
    fn failed_create_leaves_no_key() {
        let mut s = State::default();
        s.set("k", "v", None);
        assert!(s.hset("k", "f", "v", 0).unwrap_err().is_wrong_type());
        assert!(s.push("k", "v", true, 0).unwrap_err().is_wrong_type());
        assert_eq!(s.get("k", 0).unwrap().as_deref(), Some("v"));
    }
}
