//! The journal file: a header line, then one JSON record per line, each an operation with the time it ran.
//!
//! ```text
//! {"format":"ntopng-store-journal","version":1}
//! {"t":1718000000123,"op":{"hset":["ntopng.user.admin","full_name","Admin"]}}
//! {"t":1718000000456,"op":{"set":["ntopng.session.x","admin",1718000300456]}}
//! ```
//!
//! Compaction writes the live state as one `load` record per key to a temporary file, fsyncs it and renames it
//! over the journal, so the journal is at every instant either the old or the new complete file.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::state::{State, Value};
use crate::{Result, StoreError};

pub(crate) const JOURNAL_FILE: &str = "journal";
pub(crate) const TMP_FILE: &str = "journal.tmp";
pub(crate) const LOCK_FILE: &str = "lock";
pub(crate) const HEADER: &str = r#"{"format":"ntopng-store-journal","version":1}"#;

/// One change of the state. Times (deadlines) are absolute Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Op {
    Set(String, String, Option<i64>),
    Del(String),
    Rename(String, String),
    Incr(String, i64),
    Expire(String, i64),
    Persist(String),
    Flush,
    Hset(String, String, String),
    Hdel(String, String),
    Lpush(String, String),
    Rpush(String, String),
    Lpop(String),
    Rpop(String),
    Lrem(String, i64, String),
    Ltrim(String, i64, i64),
    Sadd(String, String),
    Srem(String, String),
    /// A whole value (compaction, RESTORE).
    Load(String, Value, Option<i64>),
}

impl Op {
    /// Replays the operation as it ran at `now`.
    pub(crate) fn apply(&self, s: &mut State, now: i64) -> Result<()> {
        match self {
            Op::Set(k, v, d) => s.set(k, v, *d),
            Op::Del(k) => {
                s.del(k, now);
            }
            Op::Rename(a, b) => s.rename(a, b, now)?,
            Op::Incr(k, n) => {
                s.incr_by(k, *n, now)?;
            }
            Op::Expire(k, d) => {
                s.expire_at(k, *d, now);
            }
            Op::Persist(k) => {
                s.persist(k, now);
            }
            Op::Flush => s.flush(),
            Op::Hset(k, f, v) => {
                s.hset(k, f, v, now)?;
            }
            Op::Hdel(k, f) => {
                s.hdel(k, f, now)?;
            }
            Op::Lpush(k, v) => {
                s.push(k, v, true, now)?;
            }
            Op::Rpush(k, v) => {
                s.push(k, v, false, now)?;
            }
            Op::Lpop(k) => {
                s.pop(k, true, now)?;
            }
            Op::Rpop(k) => {
                s.pop(k, false, now)?;
            }
            Op::Lrem(k, c, v) => {
                s.lrem(k, *c, v, now)?;
            }
            Op::Ltrim(k, a, b) => s.ltrim(k, *a, *b, now)?,
            Op::Sadd(k, m) => {
                s.sadd(k, m, now)?;
            }
            Op::Srem(k, m) => {
                s.srem(k, m, now)?;
            }
            Op::Load(k, v, d) => s.load(k, v.clone(), *d),
        }
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct Record<O> {
    t: i64,
    op: O,
}

/// The line (with its `\n`) recording `op` run at `now`.
pub(crate) fn encode(now: i64, op: &Op) -> String {
    let mut line = serde_json::to_string(&Record { t: now, op }).expect("records always serialize");
    line.push('\n');
    line
}

/// What [`load`] found.
pub(crate) struct Loaded {
    pub state: State,
    /// Bytes of the file up to the end of its last good line.
    pub valid_len: u64,
    /// Bytes of the whole file.
    pub file_len: u64,
    /// A torn tail that was ignored: its first line number and why it is bad.
    pub torn: Option<(usize, String)>,
}

/// Replays the journal at `path`; `None` if there is none.
///
/// A bad region at the end (a record cut by a crash, zeros left by the file system) is ignored and reported
/// in [`Loaded::torn`]; a bad line followed by a good record is [`StoreError::Corrupt`].
pub(crate) fn load(path: &Path) -> Result<Option<Loaded>> {
    let data = match fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io(path, "read", e)),
    };
    let corrupt = |line: usize, reason: String| StoreError::Corrupt { path: path.to_path_buf(), line, reason };

    let mut state = State::default();
    let mut valid_len = 0u64;
    // First bad line: (line number, reason).
    let mut bad: Option<(usize, String)> = None;
    let mut offset = 0usize;
    let mut lineno = 0usize;
    while offset < data.len() {
        lineno += 1;
        let (line, terminated, next) = match data[offset..].iter().position(|&b| b == b'\n') {
            Some(n) => (&data[offset..offset + n], true, offset + n + 1),
            None => (&data[offset..], false, data.len()),
        };
        offset = next;

        if lineno == 1 {
            if terminated && line == HEADER.as_bytes() {
                valid_len = next as u64;
                continue;
            }
            if !terminated && HEADER.as_bytes().starts_with(line) {
                bad = Some((1, "header cut short".into()));
                break;
            }
            return Err(corrupt(1, "not an ntopng-store journal (unknown header)".into()));
        }

        let parsed = if !terminated {
            Err("record not terminated by a newline".to_string())
        } else {
            serde_json::from_slice::<Record<Op>>(line).map_err(|e| format!("unreadable record: {e}"))
        };
        match (parsed, &bad) {
            (Ok(rec), None) => {
                rec.op.apply(&mut state, rec.t).map_err(|e| corrupt(lineno, format!("record does not apply: {e}")))?;
                valid_len = next as u64;
            }
            (Ok(_), Some((first, reason))) => {
                return Err(corrupt(*first, format!("{reason} (followed by valid records at line {lineno})")));
            }
            (Err(reason), None) => bad = Some((lineno, reason)),
            (Err(_), Some(_)) => {}
        }
    }
    Ok(Some(Loaded { state, valid_len, file_len: data.len() as u64, torn: bad }))
}

/// Writes the live state of `state` at `now` as a fresh journal in `dir` (atomically), returns its size.
pub(crate) fn write_snapshot(dir: &Path, state: &State, now: i64) -> Result<u64> {
    let tmp = dir.join(TMP_FILE);
    let path = dir.join(JOURNAL_FILE);
    let written = (|| -> io::Result<u64> {
        let mut w = BufWriter::new(File::create(&tmp)?);
        let mut len = 0u64;
        w.write_all(HEADER.as_bytes())?;
        w.write_all(b"\n")?;
        len += HEADER.len() as u64 + 1;
        let mut entries: Vec<_> = state.live_entries(now).collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (key, entry) in entries {
            let line = encode(now, &Op::Load(key.clone(), entry.val.clone(), entry.deadline));
            w.write_all(line.as_bytes())?;
            len += line.len() as u64;
        }
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(len)
    })()
    .map_err(|e| {
        let _ = fs::remove_file(&tmp);
        StoreError::io(&tmp, "write", e)
    })?;
    fs::rename(&tmp, &path).map_err(|e| StoreError::io(&path, "replace", e))?;
    sync_dir(dir)?;
    Ok(written)
}

/// Makes a rename in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| StoreError::io(dir, "sync directory", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_format_is_stable() {
        assert_eq!(
            encode(5, &Op::Set("k".into(), "v\n\"x".into(), None)),
            "{\"t\":5,\"op\":{\"set\":[\"k\",\"v\\n\\\"x\",null]}}\n"
        );
        assert_eq!(encode(6, &Op::Flush), "{\"t\":6,\"op\":\"flush\"}\n");
        assert_eq!(
            encode(7, &Op::Load("l".into(), Value::List(["a".to_string()].into()), Some(9))),
            "{\"t\":7,\"op\":{\"load\":[\"l\",{\"list\":[\"a\"]},9]}}\n"
        );
        let back: Record<Op> = serde_json::from_str(encode(8, &Op::Lrem("k".into(), -2, "v".into())).trim()).unwrap();
        assert_eq!((back.t, back.op), (8, Op::Lrem("k".into(), -2, "v".into())));
    }
}
