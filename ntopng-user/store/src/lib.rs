//! ntopng's key-value state: preferences (`ntopng.prefs.*`), users (`ntopng.user.<name>` hashes), API tokens
//! (`ntopng.api_tokens`), sessions and caches.
//!
//! One interface, [`KvStore`], modelled on the Redis commands behind ntopng's Lua `ntop.*Cache` API, with two
//! backends that behave the same:
//! * [`RedisStore`]: a Redis server, chosen with ntopng's `-r [host[:port[:password]]][@db]`;
//! * [`EmbeddedStore`]: in-process maps persisted in the data directory as a journal of operations.
//!
//! [`open`] picks one the way the daemon does.
//!
//! Semantics shared by both (they are Redis's):
//! * values, keys, fields and members are UTF-8 strings;
//! * reading a missing key is not an error (`None`, empty collections, 0 lengths);
//! * using a key that holds another type is [`StoreError::WrongType`] (`set`, `del`, `rename`, `exists`,
//!   `ttl`, `expire`, `dump` work on any type);
//! * a hash, list or set left empty by a removal disappears;
//! * list indices may be negative, counting from the end (-1 is the last element), and out-of-range
//!   indices are clamped as by LRANGE/LTRIM;
//! * writing a new value with `set` drops a TTL; modifying a value in place (`incr_by`, `hset`, `lpush`, ...)
//!   keeps it; `rename` moves it with the value;
//! * TTLs have millisecond resolution (sub-millisecond parts round up); a TTL of zero is an
//!   [`StoreError::InvalidArgument`] except for [`KvStore::expire`], where it deletes the key like Redis's
//!   `EXPIRE key 0`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

mod embedded;
mod error;
mod glob;
mod redis_store;
mod spec;

pub use embedded::{EmbeddedOptions, EmbeddedStore, FsyncPolicy};
pub use error::{Result, StoreError};
pub use glob::glob_match;
pub use redis_store::RedisStore;
pub use spec::{parse_redis_spec, RedisAddr, RedisSpec};

/// The type of value a key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    String,
    Hash,
    List,
    Set,
    /// A Redis type this crate does not use (zset, stream, ...): only possible with [`RedisStore`].
    Other,
}

/// Time to live of a key, as Redis's `PTTL` tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// The key does not exist (PTTL -2).
    Missing,
    /// The key exists and has no expiry (PTTL -1).
    Persistent,
    /// The key expires after this long.
    Expires(Duration),
}

/// What `getCacheStatus`/`getCacheStats` report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreInfo {
    /// `"redis"` or `"embedded"`.
    pub backend: &'static str,
    /// The server (`host:port@db`, password hidden) or the directory.
    pub location: String,
    /// Keys in the store (in the selected database for Redis); 0 when not connected.
    pub keys: u64,
    /// Redis: `used_memory` of the server; embedded: bytes of the journal file.
    pub bytes: u64,
    /// Whether the backend answers (always true for the embedded store).
    pub connected: bool,
}

/// ntopng's key-value store. All methods take `&self`; implementations are thread-safe.
///
/// Each method follows the Redis command named in its documentation; see the crate documentation for the
/// rules common to all of them.
pub trait KvStore: Send + Sync {
    /// `"redis"` or `"embedded"`.
    fn backend(&self) -> &'static str;

    // ---- keys and strings ----

    /// GET: the string at `key`, `None` if missing.
    fn get(&self, key: &str) -> Result<Option<String>>;
    /// SET [PX]: stores `value` (replacing a value of any type and dropping its TTL), expiring after `ttl`.
    fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<()>;
    /// SET NX [PX]: like `set` but only if `key` does not exist; true if it was set.
    fn setnx(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<bool>;
    /// DEL: true if the key existed.
    fn del(&self, key: &str) -> Result<bool>;
    /// RENAME: moves the value and its TTL to `to`, replacing whatever `to` held.
    /// [`StoreError::NoSuchKey`] if `from` does not exist; renaming a key onto itself is a no-op.
    fn rename(&self, from: &str, to: &str) -> Result<()>;
    /// INCRBY: adds `delta` to the integer at `key` (a missing key counts as 0) and returns the result.
    /// [`StoreError::NotInteger`] if the value is not a canonical base-10 i64, [`StoreError::Overflow`].
    fn incr_by(&self, key: &str, delta: i64) -> Result<i64>;
    /// INCR.
    fn incr(&self, key: &str) -> Result<i64> {
        self.incr_by(key, 1)
    }
    /// EXISTS.
    fn exists(&self, key: &str) -> Result<bool>;
    /// TYPE: `None` if missing.
    fn key_type(&self, key: &str) -> Result<Option<KeyType>>;
    /// PTTL.
    fn ttl(&self, key: &str) -> Result<Ttl>;
    /// PEXPIRE: sets the key's TTL; true if the key exists. A zero `ttl` deletes the key.
    fn expire(&self, key: &str, ttl: Duration) -> Result<bool>;
    /// PERSIST: removes the TTL; true if there was one.
    fn persist(&self, key: &str) -> Result<bool>;
    /// KEYS: the keys matching the glob `pattern` (see [`glob_match`]), sorted.
    fn keys(&self, pattern: &str) -> Result<Vec<String>>;
    /// FLUSHDB: removes every key (of the selected database for Redis).
    fn flush(&self) -> Result<()>;

    // ---- hashes ----

    /// HGET.
    fn hget(&self, key: &str, field: &str) -> Result<Option<String>>;
    /// HSET: true if `field` is new.
    fn hset(&self, key: &str, field: &str, value: &str) -> Result<bool>;
    /// HDEL: true if `field` existed.
    fn hdel(&self, key: &str, field: &str) -> Result<bool>;
    /// HKEYS, sorted.
    fn hkeys(&self, key: &str) -> Result<Vec<String>>;
    /// HGETALL.
    fn hgetall(&self, key: &str) -> Result<BTreeMap<String, String>>;

    // ---- lists ----

    /// LPUSH: inserts at the head, returns the new length.
    fn lpush(&self, key: &str, value: &str) -> Result<usize>;
    /// RPUSH: appends at the tail, returns the new length.
    fn rpush(&self, key: &str, value: &str) -> Result<usize>;
    /// LPOP.
    fn lpop(&self, key: &str) -> Result<Option<String>>;
    /// RPOP.
    fn rpop(&self, key: &str) -> Result<Option<String>>;
    /// LREM: removes elements equal to `value`: the first `count` from the head if `count > 0`, the last
    /// `-count` from the tail if `count < 0`, all if 0. Returns how many were removed.
    fn lrem(&self, key: &str, count: i64, value: &str) -> Result<usize>;
    /// LTRIM: keeps the elements `start..=stop` (negative = from the end); an empty range deletes the list.
    fn ltrim(&self, key: &str, start: i64, stop: i64) -> Result<()>;
    /// LRANGE: the elements `start..=stop` (negative = from the end), clamped to the list.
    fn lrange(&self, key: &str, start: i64, stop: i64) -> Result<Vec<String>>;
    /// LLEN.
    fn llen(&self, key: &str) -> Result<usize>;
    /// LINDEX (negative = from the end).
    fn lindex(&self, key: &str, index: i64) -> Result<Option<String>>;

    // ---- sets ----

    /// SADD: true if `member` is new.
    fn sadd(&self, key: &str, member: &str) -> Result<bool>;
    /// SREM: true if `member` was there.
    fn srem(&self, key: &str, member: &str) -> Result<bool>;
    /// SISMEMBER.
    fn sismember(&self, key: &str, member: &str) -> Result<bool>;
    /// SMEMBERS, sorted.
    fn smembers(&self, key: &str) -> Result<Vec<String>>;

    // ---- dump and restore ----

    /// DUMP: the value at `key` (any type, without its TTL) in an opaque format only this backend restores.
    fn dump(&self, key: &str) -> Result<Option<Vec<u8>>>;
    /// RESTORE [REPLACE]: recreates `key` from `dump` output, expiring after `ttl`.
    /// [`StoreError::KeyExists`] if `key` exists and not `replace`; [`StoreError::BadDump`] for foreign bytes.
    fn restore(&self, key: &str, dump: &[u8], ttl: Option<Duration>, replace: bool) -> Result<()>;

    // ---- state of the store ----

    /// Backend, size and connectivity. Never fails: a Redis that does not answer is `connected: false`.
    fn info(&self) -> StoreInfo;
    /// Makes every change so far durable (embedded: fsync of the journal; Redis: nothing to do).
    fn sync(&self) -> Result<()>;
}

impl std::fmt::Debug for dyn KvStore + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KvStore({})", self.backend())
    }
}

/// Name of the directory under the data dir that holds the embedded store.
pub const EMBEDDED_DIR: &str = "kvstore";

/// Opens the store the daemon uses: Redis when `-r` was given (`redis_spec`, ntopng's syntax; the server
/// must answer), else the embedded store in `data_dir/kvstore`.
pub fn open(redis_spec: Option<&str>, data_dir: &Path) -> Result<Box<dyn KvStore>> {
    match redis_spec {
        Some(spec) => Ok(Box::new(RedisStore::connect(spec)?)),
        None => Ok(Box::new(EmbeddedStore::open(data_dir.join(EMBEDDED_DIR))?)),
    }
}

/// Milliseconds of a TTL as both backends accept it: > 0, rounded up to the millisecond, at most ~100 years.
pub(crate) fn ttl_millis(ttl: Duration) -> Result<i64> {
    const MAX_MS: u128 = 100 * 366 * 24 * 3600 * 1000;
    let ms = ttl.as_nanos().div_ceil(1_000_000);
    if ms == 0 {
        return Err(StoreError::InvalidArgument("a TTL must be greater than zero".into()));
    }
    if ms > MAX_MS {
        return Err(StoreError::InvalidArgument(format!("TTL of {} s is too large", ttl.as_secs())));
    }
    Ok(ms as i64)
}

/// Parses an integer the way Redis's INCR does: optional `-`, no leading zeros, no `+`, no spaces.
pub(crate) fn parse_redis_int(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b == b"0" {
        return Some(0);
    }
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    if digits.is_empty() || !(b'1'..=b'9').contains(&digits[0]) || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_ints() {
        for (s, v) in [("0", Some(0)), ("7", Some(7)), ("-7", Some(-7)), ("9223372036854775807", Some(i64::MAX))] {
            assert_eq!(parse_redis_int(s), v, "{s}");
        }
        assert_eq!(parse_redis_int("-9223372036854775808"), Some(i64::MIN));
        for s in ["", "-", "-0", "01", "+1", " 1", "1 ", "1.5", "abc", "9223372036854775808", "1e3"] {
            assert_eq!(parse_redis_int(s), None, "{s:?}");
        }
    }

    #[test]
    fn ttls() {
        assert!(ttl_millis(Duration::ZERO).is_err());
        assert_eq!(ttl_millis(Duration::from_nanos(1)).unwrap(), 1);
        assert_eq!(ttl_millis(Duration::from_micros(1500)).unwrap(), 2);
        assert_eq!(ttl_millis(Duration::from_secs(1)).unwrap(), 1000);
        assert!(ttl_millis(Duration::from_secs(u64::MAX)).is_err());
    }
}
