//! The one error type of every backend.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Everything a [`crate::KvStore`] operation can fail with.
///
/// The first group mirrors the errors Redis itself answers with (so both backends report the same thing for
/// the same misuse); the second group is about reaching or persisting the store.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The key holds a value of another type than the command works on (Redis `WRONGTYPE`).
    WrongType { key: String },
    /// INCR on a value that is not a base-10 64-bit integer.
    NotInteger { key: String },
    /// INCR whose result does not fit in an `i64`.
    Overflow { key: String },
    /// RENAME of a key that does not exist.
    NoSuchKey { key: String },
    /// RESTORE without `replace` onto a key that exists (Redis `BUSYKEY`).
    KeyExists { key: String },
    /// RESTORE of bytes that are not a dump this backend produced.
    BadDump { key: String, reason: String },
    /// An argument no backend accepts (a zero TTL, a TTL too large, ...).
    InvalidArgument(String),
    /// A `-r` value that does not parse.
    BadRedisSpec { spec: String, reason: String },
    /// The Redis server cannot be reached, or the connection broke during the command.
    Connection { server: String, message: String },
    /// Any other error answered by the Redis server.
    Backend { message: String },
    /// A file of the embedded store could not be read or written.
    Io { path: PathBuf, action: &'static str, source: io::Error },
    /// A file of the embedded store holds something that is not a valid record.
    Corrupt { path: PathBuf, line: usize, reason: String },
    /// Another process (or another handle in this one) already has the embedded store open.
    Locked { path: PathBuf },
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, action: &'static str, source: io::Error) -> Self {
        StoreError::Io { path: path.into(), action, source }
    }

    /// True for [`StoreError::WrongType`].
    pub fn is_wrong_type(&self) -> bool {
        matches!(self, StoreError::WrongType { .. })
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::WrongType { key } => {
                write!(f, "WRONGTYPE key '{key}' holds a value of another type than this operation works on")
            }
            StoreError::NotInteger { key } => write!(f, "value of key '{key}' is not an integer or out of range"),
            StoreError::Overflow { key } => write!(f, "increment or decrement of key '{key}' would overflow"),
            StoreError::NoSuchKey { key } => write!(f, "no such key '{key}'"),
            StoreError::KeyExists { key } => write!(f, "BUSYKEY target key '{key}' already exists"),
            StoreError::BadDump { key, reason } => write!(f, "cannot restore key '{key}': bad dump payload: {reason}"),
            StoreError::InvalidArgument(msg) => write!(f, "invalid argument: {msg}"),
            StoreError::BadRedisSpec { spec, reason } => write!(f, "invalid redis spec '{spec}': {reason}"),
            StoreError::Connection { server, message } => write!(f, "redis {server}: connection failed: {message}"),
            StoreError::Backend { message } => write!(f, "redis error: {message}"),
            StoreError::Io { path, action, source } => write!(f, "cannot {action} {}: {source}", path.display()),
            StoreError::Corrupt { path, line, reason } => {
                write!(f, "corrupt store file {} at line {line}: {reason}", path.display())
            }
            StoreError::Locked { path } => {
                write!(f, "store {} is already open (lock held by another process or handle)", path.display())
            }
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// `Result` with [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
