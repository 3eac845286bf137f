//! The Redis backend: one synchronous connection behind a mutex (the control plane issues few commands),
//! reopened when it breaks.
//!
//! Reconnection: a command that fails because the connection broke (I/O error, reset, timeout) drops the
//! connection. Reads and writes whose outcome does not depend on whether they already ran (GET, SET, EXPIRE,
//! RESTORE REPLACE, ...) are then retried once on a fresh connection; the others (INCRBY, LPUSH, LPOP, ...) are
//! not, since the server may have run them before the connection broke: they return
//! [`StoreError::Connection`], and the next command connects again. To avoid such errors after the server
//! restarted while we were idle, a connection idle for more than a second is checked with PING before one of
//! those commands.
//!
//! Keys are listed with SCAN (same result as KEYS without blocking the server). Values written by other
//! clients that are not valid UTF-8 are read with U+FFFD replacements.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::{
    Cmd, Connection, ConnectionAddr, ConnectionInfo, ConnectionLike, ErrorKind, RedisConnectionInfo, RedisError,
};

use crate::spec::{parse_redis_spec, RedisAddr, RedisSpec};
use crate::{ttl_millis, KeyType, KvStore, Result, StoreError, StoreInfo, Ttl};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const IO_TIMEOUT: Duration = Duration::from_secs(10);
const IDLE_CHECK: Duration = Duration::from_secs(1);

struct Conn {
    conn: Connection,
    last_used: Instant,
}

/// The Redis [`KvStore`].
pub struct RedisStore {
    spec: RedisSpec,
    client: redis::Client,
    conn: Mutex<Option<Conn>>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").field("spec", &self.spec).finish_non_exhaustive()
    }
}

/// Whether a command may run twice with the same effect and answer (so it may be retried).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retry {
    Safe,
    Unsafe,
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn texts(v: Vec<Vec<u8>>) -> Vec<String> {
    v.into_iter().map(text).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort_unstable();
    v
}

fn connection_broken(e: &RedisError) -> bool {
    e.is_io_error() || e.is_connection_dropped() || e.is_timeout() || e.is_unrecoverable_error()
}

impl RedisStore {
    /// Parses a `-r` value and connects (the server must answer PING).
    pub fn connect(spec: &str) -> Result<Self> {
        Self::with_spec(parse_redis_spec(spec)?)
    }

    /// Connects to `spec` (the server must answer PING).
    pub fn with_spec(spec: RedisSpec) -> Result<Self> {
        let addr = match &spec.addr {
            RedisAddr::Tcp { host, port } => ConnectionAddr::Tcp(host.clone(), *port),
            RedisAddr::Unix(path) => ConnectionAddr::Unix(path.clone()),
        };
        let info = ConnectionInfo {
            addr,
            redis: RedisConnectionInfo {
                db: i64::from(spec.db),
                password: spec.password.clone(),
                ..Default::default()
            },
        };
        let client = redis::Client::open(info)
            .map_err(|e| StoreError::Connection { server: spec.to_string(), message: e.to_string() })?;
        let store = RedisStore { spec, client, conn: Mutex::new(None) };
        store.run(Retry::Safe, "", |c| redis::cmd("PING").query::<String>(c))?;
        Ok(store)
    }

    /// The server this store talks to.
    pub fn spec(&self) -> &RedisSpec {
        &self.spec
    }

    fn conn_error(&self, e: &RedisError) -> StoreError {
        StoreError::Connection { server: self.spec.to_string(), message: e.to_string() }
    }

    fn new_conn(&self) -> Result<Conn> {
        let conn = self.client.get_connection_with_timeout(CONNECT_TIMEOUT).map_err(|e| self.conn_error(&e))?;
        conn.set_read_timeout(Some(IO_TIMEOUT)).map_err(|e| self.conn_error(&e))?;
        conn.set_write_timeout(Some(IO_TIMEOUT)).map_err(|e| self.conn_error(&e))?;
        Ok(Conn { conn, last_used: Instant::now() })
    }

    /// Maps an error answered by the server for a command on `key`.
    fn server_error(&self, e: RedisError, key: &str) -> StoreError {
        let key = key.to_string();
        let detail = e.detail().unwrap_or("").to_ascii_lowercase();
        match (e.code(), e.kind()) {
            (Some("WRONGTYPE"), _) => StoreError::WrongType { key },
            (Some("BUSYKEY"), _) => StoreError::KeyExists { key },
            (Some("ERR"), _) if detail.contains("not an integer") => StoreError::NotInteger { key },
            (Some("ERR"), _) if detail.contains("overflow") => StoreError::Overflow { key },
            (Some("ERR"), _) if detail.contains("no such key") => StoreError::NoSuchKey { key },
            (Some("ERR"), _) if detail.contains("payload") || detail.contains("bad data format") => {
                StoreError::BadDump { key, reason: e.detail().unwrap_or("").to_string() }
            }
            (Some("NOAUTH" | "WRONGPASS"), _) | (_, ErrorKind::AuthenticationFailed) => self.conn_error(&e),
            _ => StoreError::Backend { message: e.to_string() },
        }
    }

    /// Runs `f` on the connection, (re)connecting as described in the module documentation.
    fn run<T>(&self, retry: Retry, key: &str, f: impl Fn(&mut Connection) -> redis::RedisResult<T>) -> Result<T> {
        let mut guard = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let stale = guard.as_mut().is_some_and(|c| {
                !c.conn.is_open()
                    || (retry == Retry::Unsafe
                        && c.last_used.elapsed() > IDLE_CHECK
                        && redis::cmd("PING").query::<String>(&mut c.conn).is_err())
            });
            if stale {
                *guard = None;
            }
            if guard.is_none() {
                *guard = Some(self.new_conn()?);
            }
            let c = guard.as_mut().expect("connected above");
            match f(&mut c.conn) {
                Ok(v) => {
                    c.last_used = Instant::now();
                    return Ok(v);
                }
                Err(e) if connection_broken(&e) => {
                    *guard = None;
                    if retry == Retry::Safe && attempt == 1 {
                        log::warn!("redis {}: {e}; reconnecting", self.spec);
                        continue;
                    }
                    return Err(self.conn_error(&e));
                }
                Err(e) => {
                    c.last_used = Instant::now();
                    return Err(self.server_error(e, key));
                }
            }
        }
    }

    fn query<T: redis::FromRedisValue>(&self, retry: Retry, key: &str, cmd: Cmd) -> Result<T> {
        self.run(retry, key, |c| cmd.query::<T>(c))
    }
}

fn cmd(name: &str) -> Cmd {
    redis::cmd(name)
}

/// `INFO memory` -> `used_memory`.
fn used_memory(info: &str) -> Option<u64> {
    info.lines().find_map(|l| l.strip_prefix("used_memory:")).and_then(|v| v.trim().parse().ok())
}

impl KvStore for RedisStore {
    fn backend(&self) -> &'static str {
        "redis"
    }

    fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.query::<Option<Vec<u8>>>(Retry::Safe, key, cmd("GET").arg(key).clone())?.map(text))
    }

    fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<()> {
        let mut c = cmd("SET");
        c.arg(key).arg(value);
        if let Some(ttl) = ttl {
            c.arg("PX").arg(ttl_millis(ttl)?);
        }
        self.query::<()>(Retry::Safe, key, c)
    }

    fn setnx(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<bool> {
        let mut c = cmd("SET");
        c.arg(key).arg(value).arg("NX");
        if let Some(ttl) = ttl {
            c.arg("PX").arg(ttl_millis(ttl)?);
        }
        Ok(self.query::<Option<String>>(Retry::Unsafe, key, c)?.is_some())
    }

    fn del(&self, key: &str) -> Result<bool> {
        Ok(self.query::<i64>(Retry::Unsafe, key, cmd("DEL").arg(key).clone())? > 0)
    }

    fn rename(&self, from: &str, to: &str) -> Result<()> {
        self.query::<()>(Retry::Unsafe, from, cmd("RENAME").arg(from).arg(to).clone())
    }

    fn incr_by(&self, key: &str, delta: i64) -> Result<i64> {
        self.query(Retry::Unsafe, key, cmd("INCRBY").arg(key).arg(delta).clone())
    }

    fn exists(&self, key: &str) -> Result<bool> {
        Ok(self.query::<i64>(Retry::Safe, key, cmd("EXISTS").arg(key).clone())? > 0)
    }

    fn key_type(&self, key: &str) -> Result<Option<KeyType>> {
        let t: String = self.query(Retry::Safe, key, cmd("TYPE").arg(key).clone())?;
        Ok(match t.as_str() {
            "none" => None,
            "string" => Some(KeyType::String),
            "hash" => Some(KeyType::Hash),
            "list" => Some(KeyType::List),
            "set" => Some(KeyType::Set),
            _ => Some(KeyType::Other),
        })
    }

    fn ttl(&self, key: &str) -> Result<Ttl> {
        let ms: i64 = self.query(Retry::Safe, key, cmd("PTTL").arg(key).clone())?;
        Ok(match ms {
            -2 => Ttl::Missing,
            ms if ms < 0 => Ttl::Persistent,
            ms => Ttl::Expires(Duration::from_millis(ms as u64)),
        })
    }

    fn expire(&self, key: &str, ttl: Duration) -> Result<bool> {
        let ms = if ttl.is_zero() { 0 } else { ttl_millis(ttl)? };
        // Setting the same deadline again answers the same; only after a deleting `EXPIRE 0` would a retry
        // differ, so that one is not retried.
        let retry = if ms == 0 { Retry::Unsafe } else { Retry::Safe };
        Ok(self.query::<i64>(retry, key, cmd("PEXPIRE").arg(key).arg(ms).clone())? == 1)
    }

    fn persist(&self, key: &str) -> Result<bool> {
        Ok(self.query::<i64>(Retry::Unsafe, key, cmd("PERSIST").arg(key).clone())? == 1)
    }

    fn keys(&self, pattern: &str) -> Result<Vec<String>> {
        // SCAN rather than KEYS: the same answer without blocking the server on a large database.
        let keys = self.run(Retry::Safe, pattern, |c| {
            let mut out = Vec::new();
            let mut cursor = 0u64;
            loop {
                let (next, batch): (u64, Vec<Vec<u8>>) =
                    cmd("SCAN").arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(1000).query(c)?;
                out.extend(batch);
                if next == 0 {
                    return Ok(out);
                }
                cursor = next;
            }
        })?;
        let mut keys = sorted(texts(keys));
        keys.dedup(); // SCAN may return a key twice
        Ok(keys)
    }

    fn flush(&self) -> Result<()> {
        self.query::<()>(Retry::Safe, "", cmd("FLUSHDB").clone())
    }

    fn hget(&self, key: &str, field: &str) -> Result<Option<String>> {
        Ok(self.query::<Option<Vec<u8>>>(Retry::Safe, key, cmd("HGET").arg(key).arg(field).clone())?.map(text))
    }

    fn hset(&self, key: &str, field: &str, value: &str) -> Result<bool> {
        Ok(self.query::<i64>(Retry::Unsafe, key, cmd("HSET").arg(key).arg(field).arg(value).clone())? == 1)
    }

    fn hdel(&self, key: &str, field: &str) -> Result<bool> {
        Ok(self.query::<i64>(Retry::Unsafe, key, cmd("HDEL").arg(key).arg(field).clone())? == 1)
    }

    fn hkeys(&self, key: &str) -> Result<Vec<String>> {
        Ok(sorted(texts(self.query(Retry::Safe, key, cmd("HKEYS").arg(key).clone())?)))
    }

    fn hgetall(&self, key: &str) -> Result<BTreeMap<String, String>> {
        let pairs: BTreeMap<Vec<u8>, Vec<u8>> = self.query(Retry::Safe, key, cmd("HGETALL").arg(key).clone())?;
        Ok(pairs.into_iter().map(|(k, v)| (text(k), text(v))).collect())
    }

    fn lpush(&self, key: &str, value: &str) -> Result<usize> {
        self.query(Retry::Unsafe, key, cmd("LPUSH").arg(key).arg(value).clone())
    }

    fn rpush(&self, key: &str, value: &str) -> Result<usize> {
        self.query(Retry::Unsafe, key, cmd("RPUSH").arg(key).arg(value).clone())
    }

    fn lpop(&self, key: &str) -> Result<Option<String>> {
        Ok(self.query::<Option<Vec<u8>>>(Retry::Unsafe, key, cmd("LPOP").arg(key).clone())?.map(text))
    }

    fn rpop(&self, key: &str) -> Result<Option<String>> {
        Ok(self.query::<Option<Vec<u8>>>(Retry::Unsafe, key, cmd("RPOP").arg(key).clone())?.map(text))
    }

    fn lrem(&self, key: &str, count: i64, value: &str) -> Result<usize> {
        self.query(Retry::Unsafe, key, cmd("LREM").arg(key).arg(count).arg(value).clone())
    }

    fn ltrim(&self, key: &str, start: i64, stop: i64) -> Result<()> {
        self.query::<()>(Retry::Unsafe, key, cmd("LTRIM").arg(key).arg(start).arg(stop).clone())
    }

    fn lrange(&self, key: &str, start: i64, stop: i64) -> Result<Vec<String>> {
        Ok(texts(self.query(Retry::Safe, key, cmd("LRANGE").arg(key).arg(start).arg(stop).clone())?))
    }

    fn llen(&self, key: &str) -> Result<usize> {
        self.query(Retry::Safe, key, cmd("LLEN").arg(key).clone())
    }

    fn lindex(&self, key: &str, index: i64) -> Result<Option<String>> {
        Ok(self.query::<Option<Vec<u8>>>(Retry::Safe, key, cmd("LINDEX").arg(key).arg(index).clone())?.map(text))
    }

    fn sadd(&self, key: &str, member: &str) -> Result<bool> {
        Ok(self.query::<i64>(Retry::Unsafe, key, cmd("SADD").arg(key).arg(member).clone())? == 1)
    }

    fn srem(&self, key: &str, member: &str) -> Result<bool> {
        Ok(self.query::<i64>(Retry::Unsafe, key, cmd("SREM").arg(key).arg(member).clone())? == 1)
    }

    fn sismember(&self, key: &str, member: &str) -> Result<bool> {
        Ok(self.query::<i64>(Retry::Safe, key, cmd("SISMEMBER").arg(key).arg(member).clone())? == 1)
    }

    fn smembers(&self, key: &str) -> Result<Vec<String>> {
        Ok(sorted(texts(self.query(Retry::Safe, key, cmd("SMEMBERS").arg(key).clone())?)))
    }

    fn dump(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.query(Retry::Safe, key, cmd("DUMP").arg(key).clone())
    }

    fn restore(&self, key: &str, dump: &[u8], ttl: Option<Duration>, replace: bool) -> Result<()> {
        let ms = ttl.map(ttl_millis).transpose()?.unwrap_or(0);
        let mut c = cmd("RESTORE");
        c.arg(key).arg(ms).arg(dump);
        if replace {
            c.arg("REPLACE");
        }
        self.query::<()>(if replace { Retry::Safe } else { Retry::Unsafe }, key, c)
    }

    fn info(&self) -> StoreInfo {
        let location = self.spec.to_string();
        let stats = self.run(Retry::Safe, "", |c| {
            let keys: u64 = cmd("DBSIZE").query(c)?;
            let info: String = cmd("INFO").arg("memory").query(c)?;
            Ok((keys, used_memory(&info).unwrap_or(0)))
        });
        match stats {
            Ok((keys, bytes)) => StoreInfo { backend: "redis", location, keys, bytes, connected: true },
            Err(_) => StoreInfo { backend: "redis", location, keys: 0, bytes: 0, connected: false },
        }
    }

    fn sync(&self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_used_memory() {
        assert_eq!(super::used_memory("# Memory\r\nused_memory:123456\r\nused_memory_human:1M\r\n"), Some(123456));
        assert_eq!(super::used_memory("# Memory\r\n"), None);
    }
}
