//! The embedded backend: the whole state in memory, persisted in a directory as a journal of operations.
//!
//! Files in the directory:
//! * `journal`: a header line, then one JSON line per successful change (see [`journal`]); replayed at open,
//!   each record at the time it originally ran, so TTLs behave across a restart exactly as they would have
//!   without one (keys expired meanwhile are gone);
//! * `journal.tmp`: a compaction in progress (removed at open);
//! * `lock`: `flock`ed while the store is open, so two daemons cannot share the directory.
//!
//! Every change is written to the journal (one `write` of one line) before the method returns, so it survives
//! a crash of the process; how soon it reaches the disk is [`FsyncPolicy`] (by default at most one second
//! later, by a background thread, like Redis's `appendfsync everysec`). The journal is compacted (rewritten as
//! one record per live key, to a temporary file renamed over it) at open when it is larger than
//! [`EmbeddedOptions::compact_min_bytes`], and whenever it grows past that and past
//! [`EmbeddedOptions::compact_ratio`] times its size after the previous compaction.
//!
//! A journal whose tail is cut (crash in the middle of a write) loads up to the last complete record, with a
//! warning, and the tail is dropped; a bad line anywhere else is a [`StoreError::Corrupt`] naming the file and
//! the line, and nothing is changed on disk.

mod journal;
mod state;

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use journal::{Op, JOURNAL_FILE, LOCK_FILE, TMP_FILE};
use state::{State, Value};

use crate::{glob_match, ttl_millis, KeyType, KvStore, Result, StoreError, StoreInfo, Ttl};

/// When journal writes are forced to the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// After every change (slowest; nothing acknowledged is ever lost).
    Always,
    /// At most one second after a change, by a background thread (a power loss loses at most ~1 s).
    EverySecond,
    /// Left to the operating system (a crash of the process still loses nothing).
    Never,
}

/// Tuning of an [`EmbeddedStore`].
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    pub fsync: FsyncPolicy,
    /// Compact when the journal is larger than this many times its size right after the last compaction...
    pub compact_ratio: u64,
    /// ...and larger than this many bytes.
    pub compact_min_bytes: u64,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        EmbeddedOptions { fsync: FsyncPolicy::EverySecond, compact_ratio: 4, compact_min_bytes: 1 << 20 }
    }
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Journal {
    file: Arc<File>,
    /// Current size of the file.
    len: u64,
    /// Size right after the last compaction (the live state's size, roughly).
    base_len: u64,
    /// Written since the last fsync.
    dirty: bool,
    /// An append failed: the file may end in a partial line, so the next change rewrites it whole.
    broken: bool,
}

impl Journal {
    fn flush_if_dirty(this: &Mutex<Journal>) -> io::Result<()> {
        let file = {
            let mut j = lock(this);
            if !j.dirty {
                return Ok(());
            }
            j.dirty = false;
            Arc::clone(&j.file)
        };
        // The fsync runs without the lock, so writers do not wait for the disk.
        file.sync_data().inspect_err(|_| lock(this).dirty = true)
    }
}

struct Inner {
    dir: PathBuf,
    journal_path: PathBuf,
    opts: EmbeddedOptions,
    /// Lock order: `state`, then `journal`.
    state: RwLock<State>,
    journal: Arc<Mutex<Journal>>,
    /// Holds the `flock` for as long as the store is open.
    _lock_file: File,
}

/// The embedded [`KvStore`]; see the [module documentation](self) for how it persists.
pub struct EmbeddedStore {
    inner: Inner,
    flusher: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore").field("dir", &self.inner.dir).finish_non_exhaustive()
    }
}

fn open_append(path: &Path) -> Result<File> {
    OpenOptions::new().append(true).open(path).map_err(|e| StoreError::io(path, "open", e))
}

fn lock_dir(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::io(&path, "open", e))?;
    // SAFETY: flock on a descriptor we own; no memory is involved.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let e = io::Error::last_os_error();
        return Err(match e.kind() {
            io::ErrorKind::WouldBlock => StoreError::Locked { path: dir.to_path_buf() },
            _ => StoreError::io(&path, "lock", e),
        });
    }
    Ok(file)
}

impl EmbeddedStore {
    /// Opens (creating it if needed) the store in `dir` with the default options.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(dir, EmbeddedOptions::default())
    }

    pub fn open_with(dir: impl AsRef<Path>, opts: EmbeddedOptions) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, "create directory", e))?;
        let lock_file = lock_dir(&dir)?;
        let journal_path = dir.join(JOURNAL_FILE);
        let tmp = dir.join(TMP_FILE);
        if let Err(e) = fs::remove_file(&tmp) {
            if e.kind() != io::ErrorKind::NotFound {
                return Err(StoreError::io(&tmp, "remove", e));
            }
        }

        let now = now_ms();
        let (mut state, journal) = match journal::load(&journal_path)? {
            None => {
                let state = State::default();
                let len = journal::write_snapshot(&dir, &state, now)?;
                (state, Journal::new(open_append(&journal_path)?, len))
            }
            Some(loaded) => {
                let mut len = loaded.file_len;
                if let Some((line, reason)) = &loaded.torn {
                    log::warn!(
                        "{}: ignoring {} bytes of a cut-off tail from line {line} ({reason}); keeping the records \
                         before it",
                        journal_path.display(),
                        loaded.file_len - loaded.valid_len
                    );
                    let f = OpenOptions::new()
                        .write(true)
                        .open(&journal_path)
                        .map_err(|e| StoreError::io(&journal_path, "open", e))?;
                    f.set_len(loaded.valid_len)
                        .and_then(|()| f.sync_all())
                        .map_err(|e| StoreError::io(&journal_path, "truncate", e))?;
                    len = loaded.valid_len;
                }
                let state = loaded.state;
                if len == 0 {
                    // Nothing but a cut header: start the file afresh.
                    len = journal::write_snapshot(&dir, &state, now)?;
                }
                (state, Journal::new(open_append(&journal_path)?, len))
            }
        };
        state.purge_expired(now);

        let inner = Inner {
            dir,
            journal_path,
            opts: opts.clone(),
            state: RwLock::new(state),
            journal: Arc::new(Mutex::new(journal)),
            _lock_file: lock_file,
        };
        // Compact at open once the journal is past the minimum size: it drops the replayed history and the
        // expired keys, and costs one write of the live state.
        {
            let state = inner.state.read().unwrap_or_else(PoisonError::into_inner);
            let mut j = lock(&inner.journal);
            if j.len > opts.compact_min_bytes {
                if let Err(e) = inner.compact_locked(&state, now, &mut j) {
                    log::warn!(
                        "{}: compaction at open failed, appending to the journal as is: {e}",
                        inner.dir.display()
                    );
                } else {
                    log::info!("{}: journal compacted to {} bytes", inner.dir.display(), j.len);
                }
            }
        }

        let flusher = (opts.fsync == FsyncPolicy::EverySecond).then(|| {
            let (tx, rx) = mpsc::channel::<()>();
            let journal = Arc::clone(&inner.journal);
            let path = inner.journal_path.clone();
            let handle = std::thread::Builder::new()
                .name("kvstore-fsync".into())
                .spawn(move || loop {
                    match rx.recv_timeout(Duration::from_secs(1)) {
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            if let Err(e) = Journal::flush_if_dirty(&journal) {
                                log::error!("{}: fsync failed: {e}", path.display());
                            }
                        }
                        _ => return,
                    }
                })
                .expect("spawning the fsync thread");
            (tx, handle)
        });
        Ok(EmbeddedStore { inner, flusher })
    }

    /// The directory of the store.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Rewrites the journal as one record per live key now.
    pub fn compact(&self) -> Result<()> {
        let state = self.inner.state.write().unwrap_or_else(PoisonError::into_inner);
        let mut j = lock(&self.inner.journal);
        self.inner.compact_locked(&state, now_ms(), &mut j)?;
        j.broken = false;
        Ok(())
    }

    fn read<R>(&self, f: impl FnOnce(&State, i64) -> R) -> R {
        let state = self.inner.state.read().unwrap_or_else(PoisonError::into_inner);
        f(&state, now_ms())
    }

    /// Runs a change: `f` applies it and returns the record that replays it (`None` if nothing changed).
    fn write<R>(&self, f: impl FnOnce(&mut State, i64) -> Result<(R, Option<Op>)>) -> Result<R> {
        let mut state = self.inner.state.write().unwrap_or_else(PoisonError::into_inner);
        let now = now_ms();
        let (r, op) = f(&mut state, now)?;
        if let Some(op) = op {
            self.inner.record(&state, now, &op)?;
        }
        Ok(r)
    }
}

impl Journal {
    fn new(file: File, len: u64) -> Self {
        Journal { file: Arc::new(file), len, base_len: len, dirty: false, broken: false }
    }
}

impl Inner {
    fn compact_locked(&self, state: &State, now: i64, j: &mut Journal) -> Result<()> {
        let len = journal::write_snapshot(&self.dir, state, now)?;
        *j = Journal::new(open_append(&self.journal_path)?, len);
        Ok(())
    }

    /// Appends `op` (which has been applied to `state`) to the journal.
    fn record(&self, state: &State, now: i64, op: &Op) -> Result<()> {
        let mut j = lock(&self.journal);
        if !j.broken {
            let line = journal::encode(now, op);
            match (&*j.file).write_all(line.as_bytes()) {
                Ok(()) => {
                    j.len += line.len() as u64;
                    j.dirty = true;
                    if self.opts.fsync == FsyncPolicy::Always {
                        j.file.sync_data().map_err(|e| StoreError::io(&self.journal_path, "fsync", e))?;
                        j.dirty = false;
                    }
                    if j.len > self.opts.compact_min_bytes && j.len > j.base_len.saturating_mul(self.opts.compact_ratio)
                    {
                        if let Err(e) = self.compact_locked(state, now, &mut j) {
                            // Not fatal: the journal is intact, it is only longer than it needs to be.
                            log::warn!("{}: compaction failed: {e}", self.dir.display());
                            j.base_len = j.len;
                        }
                    }
                    return Ok(());
                }
                Err(e) => {
                    log::error!("{}: append failed: {e}; rewriting the whole journal", self.journal_path.display());
                    j.broken = true;
                }
            }
        }
        // The file may end in a partial line: persist the whole state instead (this change included).
        self.compact_locked(state, now, &mut j)
    }
}

impl Drop for EmbeddedStore {
    fn drop(&mut self) {
        if let Some((tx, handle)) = self.flusher.take() {
            drop(tx);
            let _ = handle.join();
        }
        if let Err(e) = Journal::flush_if_dirty(&self.inner.journal) {
            log::error!("{}: final fsync failed: {e}", self.inner.journal_path.display());
        }
    }
}

// ---- dump format: magic, JSON of the value, FNV-1a 64 of the JSON (little endian) ----

const DUMP_MAGIC: &[u8; 8] = b"NTKVDMP1";

fn fnv1a64(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn encode_dump(v: &Value) -> Vec<u8> {
    let json = serde_json::to_vec(v).expect("values always serialize");
    let mut out = Vec::with_capacity(json.len() + 16);
    out.extend_from_slice(DUMP_MAGIC);
    out.extend_from_slice(&json);
    out.extend_from_slice(&fnv1a64(&json).to_le_bytes());
    out
}

fn decode_dump(data: &[u8]) -> Result<Value, String> {
    let body = data
        .strip_prefix(DUMP_MAGIC)
        .filter(|b| b.len() >= 8)
        .ok_or_else(|| "not a dump of the embedded store".to_string())?;
    let (json, sum) = body.split_at(body.len() - 8);
    if fnv1a64(json).to_le_bytes() != sum {
        return Err("checksum mismatch".into());
    }
    let v: Value = serde_json::from_slice(json).map_err(|e| format!("unreadable value: {e}"))?;
    if v.is_empty_container() {
        return Err("empty value".into());
    }
    Ok(v)
}

fn ttl_deadline(ttl: Option<Duration>, now: i64) -> Result<Option<i64>> {
    ttl.map(|t| ttl_millis(t).map(|ms| now + ms)).transpose()
}

impl KvStore for EmbeddedStore {
    fn backend(&self) -> &'static str {
        "embedded"
    }

    fn get(&self, key: &str) -> Result<Option<String>> {
        self.read(|s, now| s.get(key, now))
    }

    fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<()> {
        self.write(|s, now| {
            let deadline = ttl_deadline(ttl, now)?;
            s.set(key, value, deadline);
            Ok(((), Some(Op::Set(key.into(), value.into(), deadline))))
        })
    }

    fn setnx(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<bool> {
        self.write(|s, now| {
            let deadline = ttl_deadline(ttl, now)?;
            if s.live(key, now).is_some() {
                return Ok((false, None));
            }
            s.set(key, value, deadline);
            Ok((true, Some(Op::Set(key.into(), value.into(), deadline))))
        })
    }

    fn del(&self, key: &str) -> Result<bool> {
        self.write(|s, now| {
            let existed = s.del(key, now);
            Ok((existed, existed.then(|| Op::Del(key.into()))))
        })
    }

    fn rename(&self, from: &str, to: &str) -> Result<()> {
        self.write(|s, now| {
            s.rename(from, to, now)?;
            Ok(((), (from != to).then(|| Op::Rename(from.into(), to.into()))))
        })
    }

    fn incr_by(&self, key: &str, delta: i64) -> Result<i64> {
        self.write(|s, now| Ok((s.incr_by(key, delta, now)?, Some(Op::Incr(key.into(), delta)))))
    }

    fn exists(&self, key: &str) -> Result<bool> {
        Ok(self.read(|s, now| s.live(key, now).is_some()))
    }

    fn key_type(&self, key: &str) -> Result<Option<KeyType>> {
        Ok(self.read(|s, now| s.key_type(key, now)))
    }

    fn ttl(&self, key: &str) -> Result<Ttl> {
        Ok(self.read(|s, now| match s.live(key, now) {
            None => Ttl::Missing,
            Some(e) => match e.deadline {
                None => Ttl::Persistent,
                Some(d) => Ttl::Expires(Duration::from_millis((d - now) as u64)),
            },
        }))
    }

    fn expire(&self, key: &str, ttl: Duration) -> Result<bool> {
        self.write(|s, now| {
            let deadline = if ttl.is_zero() { now } else { now + ttl_millis(ttl)? };
            let existed = s.expire_at(key, deadline, now);
            Ok((existed, existed.then(|| Op::Expire(key.into(), deadline))))
        })
    }

    fn persist(&self, key: &str) -> Result<bool> {
        self.write(|s, now| {
            let had = s.persist(key, now);
            Ok((had, had.then(|| Op::Persist(key.into()))))
        })
    }

    fn keys(&self, pattern: &str) -> Result<Vec<String>> {
        let mut keys: Vec<String> = self.read(|s, now| {
            s.live_entries(now).filter(|(k, _)| glob_match(pattern, k)).map(|(k, _)| k.clone()).collect()
        });
        keys.sort_unstable();
        Ok(keys)
    }

    fn flush(&self) -> Result<()> {
        self.write(|s, _| {
            s.flush();
            Ok(((), Some(Op::Flush)))
        })
    }

    fn hget(&self, key: &str, field: &str) -> Result<Option<String>> {
        self.read(|s, now| s.hget(key, field, now))
    }

    fn hset(&self, key: &str, field: &str, value: &str) -> Result<bool> {
        self.write(|s, now| {
            Ok((s.hset(key, field, value, now)?, Some(Op::Hset(key.into(), field.into(), value.into()))))
        })
    }

    fn hdel(&self, key: &str, field: &str) -> Result<bool> {
        self.write(|s, now| {
            let removed = s.hdel(key, field, now)?;
            Ok((removed, removed.then(|| Op::Hdel(key.into(), field.into()))))
        })
    }

    fn hkeys(&self, key: &str) -> Result<Vec<String>> {
        self.read(|s, now| s.hgetall(key, now)).map(|h| h.into_keys().collect())
    }

    fn hgetall(&self, key: &str) -> Result<BTreeMap<String, String>> {
        self.read(|s, now| s.hgetall(key, now))
    }

    fn lpush(&self, key: &str, value: &str) -> Result<usize> {
        self.write(|s, now| Ok((s.push(key, value, true, now)?, Some(Op::Lpush(key.into(), value.into())))))
    }

    fn rpush(&self, key: &str, value: &str) -> Result<usize> {
        self.write(|s, now| Ok((s.push(key, value, false, now)?, Some(Op::Rpush(key.into(), value.into())))))
    }

    fn lpop(&self, key: &str) -> Result<Option<String>> {
        self.write(|s, now| {
            let v = s.pop(key, true, now)?;
            let op = v.is_some().then(|| Op::Lpop(key.into()));
            Ok((v, op))
        })
    }

    fn rpop(&self, key: &str) -> Result<Option<String>> {
        self.write(|s, now| {
            let v = s.pop(key, false, now)?;
            let op = v.is_some().then(|| Op::Rpop(key.into()));
            Ok((v, op))
        })
    }

    fn lrem(&self, key: &str, count: i64, value: &str) -> Result<usize> {
        self.write(|s, now| {
            let n = s.lrem(key, count, value, now)?;
            Ok((n, (n > 0).then(|| Op::Lrem(key.into(), count, value.into()))))
        })
    }

    fn ltrim(&self, key: &str, start: i64, stop: i64) -> Result<()> {
        self.write(|s, now| {
            let before = s.llen(key, now)?;
            s.ltrim(key, start, stop, now)?;
            let changed = s.llen(key, now)? != before;
            Ok(((), changed.then(|| Op::Ltrim(key.into(), start, stop))))
        })
    }

    fn lrange(&self, key: &str, start: i64, stop: i64) -> Result<Vec<String>> {
        self.read(|s, now| s.lrange(key, start, stop, now))
    }

    fn llen(&self, key: &str) -> Result<usize> {
        self.read(|s, now| s.llen(key, now))
    }

    fn lindex(&self, key: &str, index: i64) -> Result<Option<String>> {
        self.read(|s, now| s.lindex(key, index, now))
    }

    fn sadd(&self, key: &str, member: &str) -> Result<bool> {
        self.write(|s, now| {
            let added = s.sadd(key, member, now)?;
            Ok((added, added.then(|| Op::Sadd(key.into(), member.into()))))
        })
    }

    fn srem(&self, key: &str, member: &str) -> Result<bool> {
        self.write(|s, now| {
            let removed = s.srem(key, member, now)?;
            Ok((removed, removed.then(|| Op::Srem(key.into(), member.into()))))
        })
    }

    fn sismember(&self, key: &str, member: &str) -> Result<bool> {
        self.read(|s, now| s.sismember(key, member, now))
    }

    fn smembers(&self, key: &str) -> Result<Vec<String>> {
        self.read(|s, now| s.smembers(key, now))
    }

    fn dump(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.read(|s, now| s.live(key, now).map(|e| encode_dump(&e.val))))
    }

    fn restore(&self, key: &str, dump: &[u8], ttl: Option<Duration>, replace: bool) -> Result<()> {
        self.write(|s, now| {
            let deadline = ttl_deadline(ttl, now)?;
            if !replace && s.live(key, now).is_some() {
                return Err(StoreError::KeyExists { key: key.into() });
            }
            let val = decode_dump(dump).map_err(|reason| StoreError::BadDump { key: key.into(), reason })?;
            s.load(key, val.clone(), deadline);
            Ok(((), Some(Op::Load(key.into(), val, deadline))))
        })
    }

    fn info(&self) -> StoreInfo {
        let state = self.inner.state.read().unwrap_or_else(PoisonError::into_inner);
        let keys = state.live_count(now_ms()) as u64;
        let bytes = lock(&self.inner.journal).len;
        StoreInfo { backend: "embedded", location: self.inner.dir.display().to_string(), keys, bytes, connected: true }
    }

    fn sync(&self) -> Result<()> {
        Journal::flush_if_dirty(&self.inner.journal).map_err(|e| StoreError::io(&self.inner.journal_path, "fsync", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_format_checks() {
        let v = Value::Hash([("a".to_string(), "b".to_string())].into());
        let d = encode_dump(&v);
        assert_eq!(decode_dump(&d).unwrap(), v);
        let mut bad = d.clone();
        let n = bad.len();
        bad[n - 9] ^= 1;
        assert!(decode_dump(&bad).unwrap_err().contains("checksum"));
        assert!(decode_dump(b"NTKVDMP1").is_err());
        assert!(decode_dump(b"").is_err());
        assert!(decode_dump(&encode_dump(&Value::List(Default::default()))).is_err());
    }
}
