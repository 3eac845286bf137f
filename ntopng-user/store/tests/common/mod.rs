//! Test support: a private `redis-server` and helpers shared by the suites.

#![allow(dead_code)]

pub mod suite;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ntopng_store::{KeyType, KvStore, StoreError, Ttl};

/// Set to make a missing `redis-server` a failure instead of a skip.
pub const REQUIRE_REDIS_ENV: &str = "NTOPNG_STORE_REQUIRE_REDIS";

/// A `redis-server` of our own on a free loopback port (and a unix socket), without persistence, in a
/// temporary directory; killed when dropped (also when the test panics).
pub struct RedisServer {
    child: Child,
    pub port: u16,
    pub socket: PathBuf,
    extra: Vec<String>,
    dir: tempfile::TempDir,
}

fn redis_installed() -> bool {
    Command::new("redis-server").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

/// True if `127.0.0.1:port` answers PING.
fn answers_ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 64];
    // With --requirepass the answer is -NOAUTH: the server is up all the same.
    matches!(s.read(&mut buf), Ok(n) if n > 0 && (buf.starts_with(b"+PONG") || buf.starts_with(b"-NOAUTH")))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl RedisServer {
    /// Starts a server, or returns `None` after printing SKIP when `redis-server` is not installed.
    pub fn start(test: &str) -> Option<RedisServer> {
        Self::start_with(test, &[])
    }

    /// Like [`RedisServer::start`] with extra `redis-server` arguments (e.g. `--requirepass x`).
    pub fn start_with(test: &str, extra: &[&str]) -> Option<RedisServer> {
        if !redis_installed() {
            if std::env::var_os(REQUIRE_REDIS_ENV).is_some() {
                panic!("{test}: redis-server is not installed but {REQUIRE_REDIS_ENV} is set");
            }
            // Written to the real stderr, not through eprintln! (which the test harness captures), so the
            // skip shows in every test run.
            let _ = writeln!(
                std::io::stderr(),
                "\n**************************************************************************\n\
                 SKIP {test}: redis-server not installed (apt-get install redis-server,\n\
                 \x20    or deploy/install-deps.sh): the Redis backend is NOT tested\n\
                 **************************************************************************\n"
            );
            return None;
        }
        let dir = tempfile::Builder::new().prefix("kvs-redis").tempdir().unwrap();
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        for _ in 0..5 {
            let port = free_port();
            if let Some(server) = Self::spawn(dir.path(), port, &extra) {
                return Some(RedisServer { child: server, port, socket: dir.path().join("redis.sock"), extra, dir });
            }
        }
        panic!("{test}: could not start redis-server (see {}/redis.log)", dir.path().display());
    }

    fn spawn(dir: &Path, port: u16, extra: &[String]) -> Option<Child> {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("redis.log")).unwrap();
        let mut child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir)
            .arg("--unixsocket")
            .arg(dir.join("redis.sock"))
            .args(["--unixsocketperm", "700", "--daemonize", "no"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("spawning redis-server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if answers_ping(port) {
                return Some(child);
            }
            if let Ok(Some(_)) = child.try_wait() {
                return None; // e.g. the port was taken meanwhile: try another
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    /// `-r` value for this server over TCP.
    pub fn spec(&self, db: u8) -> String {
        format!("127.0.0.1:{}@{db}", self.port)
    }

    /// `-r` value for this server over its unix socket.
    pub fn socket_spec(&self, db: u8) -> String {
        format!("{}@{db}", self.socket.display())
    }

    /// Stops the server (it loses its data: no persistence).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(child) = Self::spawn(self.dir.path(), self.port, &self.extra) {
                self.child = child;
                return;
            }
            assert!(Instant::now() < deadline, "redis-server did not restart on port {}", self.port);
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends one raw command (inline protocol) and returns the first reply line.
    pub fn raw(&self, command: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(format!("{command}\r\n").as_bytes()).unwrap();
        let mut buf = [0u8; 512];
        let n = s.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).lines().next().unwrap_or("").to_string()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---- assertions ----

/// The variant name of an error, to compare outcomes across backends.
pub fn kind(e: &StoreError) -> &'static str {
    match e {
        StoreError::WrongType { .. } => "WrongType",
        StoreError::NotInteger { .. } => "NotInteger",
        StoreError::Overflow { .. } => "Overflow",
        StoreError::NoSuchKey { .. } => "NoSuchKey",
        StoreError::KeyExists { .. } => "KeyExists",
        StoreError::BadDump { .. } => "BadDump",
        StoreError::InvalidArgument(_) => "InvalidArgument",
        StoreError::BadRedisSpec { .. } => "BadRedisSpec",
        StoreError::Connection { .. } => "Connection",
        StoreError::Backend { .. } => "Backend",
        StoreError::Io { .. } => "Io",
        StoreError::Corrupt { .. } => "Corrupt",
        StoreError::Locked { .. } => "Locked",
        _ => "other",
    }
}

#[track_caller]
pub fn expect_err<T: Debug>(r: Result<T, StoreError>, want: &str) -> StoreError {
    match r {
        Err(e) if kind(&e) == want => e,
        other => panic!("expected a {want} error, got {other:?}"),
    }
}

/// Everything observable about one key: type, content, and whether it has a TTL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyState {
    pub ty: KeyType,
    pub content: String,
    pub has_ttl: bool,
}

/// Type, content and TTL presence of one key (`None` if missing).
pub fn snapshot_key(store: &dyn KvStore, key: &str) -> Option<KeyState> {
    let ty = store.key_type(key).unwrap()?;
    let content = match ty {
        KeyType::String => format!("{:?}", store.get(key).unwrap()),
        KeyType::Hash => format!("{:?}", store.hgetall(key).unwrap()),
        KeyType::List => format!("{:?}", store.lrange(key, 0, -1).unwrap()),
        KeyType::Set => format!("{:?}", store.smembers(key).unwrap()),
        KeyType::Other => "?".into(),
    };
    let has_ttl = matches!(store.ttl(key).unwrap(), Ttl::Expires(_));
    Some(KeyState { ty, content, has_ttl })
}

/// Everything observable in a store, for comparing two stores or a store before and after a restart.
pub fn snapshot(store: &dyn KvStore) -> BTreeMap<String, KeyState> {
    store.keys("*").unwrap().into_iter().filter_map(|k| snapshot_key(store, &k).map(|s| (k, s))).collect()
}

/// A small deterministic PRNG (xorshift64*), so randomized tests replay identically.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
}
