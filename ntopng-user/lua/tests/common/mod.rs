//! Test support: a temporary install dir with our modules, an embedded store (or a private redis-server),
//! and a pool.

#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ntopng_lua::{Dirs, LuaPool, PoolConfig, Request, Response};
use ntopng_store::KvStore;

/// Our Lua modules, copied into each test install dir.
/// Lua helpers test scripts start with ([`lua`]): `raises(needle, f, ...)` asserts that `f(...)` raises an
/// error whose message contains `needle`.
pub const LUA_HELPERS: &str = r#"
local function raises(needle, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected an error containing '" .. needle .. "'")
  assert(type(err) == "string", "the error is not a string: " .. tostring(err))
  assert(err:find(needle, 1, true), "error '" .. err .. "' does not contain '" .. needle .. "'")
end
"#;

/// `body` after [`LUA_HELPERS`].
#[allow(dead_code)]
pub fn lua(body: &str) -> String {
    format!("{LUA_HELPERS}\n{body}")
}

pub fn modules_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/lua/modules")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub dirs: Dirs,
    pub store: Arc<dyn KvStore>,
    pub pool: LuaPool,
}

impl TestEnv {
    pub fn new() -> Self {
        Self::with(|_| {})
    }

    /// A test env whose pool config `tune` may change.
    pub fn with(tune: impl FnOnce(&mut PoolConfig)) -> Self {
        let dir = tempfile::Builder::new().prefix("ntopng-lua").tempdir().unwrap();
        let install = dir.path().join("install");
        let data = dir.path().join("data");
        std::fs::create_dir_all(install.join("scripts/lua")).unwrap();
        std::fs::create_dir_all(install.join("scripts/callbacks")).unwrap();
        std::fs::create_dir_all(install.join("httpdocs")).unwrap();
        std::fs::create_dir_all(&data).unwrap();
        copy_dir(&modules_dir(), &install.join("scripts/lua/modules"));
        let store: Arc<dyn KvStore> = Arc::from(ntopng_store::open(None, &data).unwrap());
        Self::build(dir, install, data, store, tune)
    }

    /// The same with a given store.
    pub fn with_store(store: Arc<dyn KvStore>) -> Self {
        let dir = tempfile::Builder::new().prefix("ntopng-lua").tempdir().unwrap();
        let install = dir.path().join("install");
        let data = dir.path().join("data");
        std::fs::create_dir_all(install.join("scripts/lua")).unwrap();
        std::fs::create_dir_all(&data).unwrap();
        copy_dir(&modules_dir(), &install.join("scripts/lua/modules"));
        Self::build(dir, install, data, store, |_| {})
    }

    fn build(
        dir: tempfile::TempDir,
        install: PathBuf,
        data: PathBuf,
        store: Arc<dyn KvStore>,
        tune: impl FnOnce(&mut PoolConfig),
    ) -> Self {
        let dirs = Dirs::new(&install, &data);
        let mut cfg = PoolConfig::new(dirs.clone(), store.clone());
        tune(&mut cfg);
        let pool = LuaPool::new(cfg).unwrap();
        TestEnv { dir, dirs, store, pool }
    }

    /// Writes `scripts/<rel>`.
    pub fn write_script(&self, rel: &str, src: &str) -> PathBuf {
        let p = self.dirs.scriptdir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, src).unwrap();
        p
    }

    /// Runs `src` as `scripts/lua/t.lua` with a plain GET.
    pub fn run_lua(&self, src: &str) -> Response {
        self.run_lua_req(src, Request::get("/lua/t.lua"))
    }

    pub fn run_lua_req(&self, src: &str, req: Request) -> Response {
        self.write_script("lua/t.lua", src);
        self.pool.run_script("lua/t.lua", req)
    }

    /// Runs `src` and panics with the error unless it succeeds; returns the body.
    pub fn ok(&self, src: &str) -> String {
        let r = self.run_lua(src);
        if let Some(e) = &r.error {
            panic!("script failed: {} ({:?})\n{}", e.message, e.kind, e.traceback.clone().unwrap_or_default());
        }
        r.body_str()
    }
}

/// A private `redis-server` on a free loopback port, killed on drop; `None` when it is not installed.
pub struct RedisServer {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    pub fn start() -> Option<RedisServer> {
        if Command::new("redis-server").arg("--version").stdout(Stdio::null()).status().is_err() {
            let _ = writeln!(std::io::stderr(), "SKIP: redis-server not installed, the Redis backend is not tested");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(RedisServer { child, port, _dir: dir });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
