//! The pool of pre-initialised VMs.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use ntopng_store::KvStore;

use crate::bindings::CacheStats;
use crate::iface_view::InterfaceProvider;
use crate::daemon::{Daemon, LocalNetworks};
use crate::luacache::LuaCache;
use crate::request::{ErrorKind, Request, Response, ScriptError};
use crate::vm::{Paths, PoolShared, Vm};

/// ntopng's directories, as `ntop.getDirs()` reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    /// Where `scripts/` and `httpdocs/` are installed.
    pub installdir: PathBuf,
    /// The data directory (`-d`).
    pub workingdir: PathBuf,
    /// `<installdir>/scripts`: the only place scripts run from.
    pub scriptdir: PathBuf,
    /// `<installdir>/httpdocs`.
    pub httpdocsdir: PathBuf,
    /// `<installdir>/scripts/callbacks`.
    pub callbacksdir: PathBuf,
}

impl Dirs {
    /// The layout ntopng uses under an install directory.
    pub fn new(installdir: impl Into<PathBuf>, workingdir: impl Into<PathBuf>) -> Self {
        let installdir = installdir.into();
        Dirs {
            scriptdir: installdir.join("scripts"),
            httpdocsdir: installdir.join("httpdocs"),
            callbacksdir: installdir.join("scripts/callbacks"),
            workingdir: workingdir.into(),
            installdir,
        }
    }
}

/// How a pool is built.
#[derive(Clone)]
pub struct PoolConfig {
    pub dirs: Dirs,
    /// The key-value store behind the `ntop.*Cache` and preference bindings.
    pub store: Arc<dyn KvStore>,
    /// Number of VMs (concurrent runs). Default 2.
    pub vms: usize,
    /// Lua instructions a run may execute. Default 1e9.
    pub instruction_budget: u64,
    /// Wall time a run may take. Default 30 s.
    pub time_budget: Duration,
    /// Memory one VM may use. Default 256 MiB.
    pub memory_limit: usize,
    /// `-N`: `ntop.getInstanceName()`. Default (None): the host name.
    pub instance_name: Option<String>,
    /// Set by the daemon when it starts shutting down: `ntop.isShuttingDown()`.
    pub shutting_down: Arc<AtomicBool>,
    /// The daemon's configuration as `ntop.getPrefs()` returns it (`max_num_hosts`, `max_num_flows`, ...).
    pub prefs: serde_json::Map<String, serde_json::Value>,
    /// `-m`: local networks, `cidr` or `cidr=alias` (comma-separated lists accepted), in order: the network
    /// id is the position. Default: none.
    pub local_networks: Vec<String>,
    /// `-Z`: `ntop.getHttpPrefix()`. Default "".
    pub http_prefix: String,
    /// Version reported by `ntop.getInfo()`. Default: this crate's.
    pub version: String,
    /// The daemon's start time (`ntop.getUptime()`, `ntop.getStartupEpoch()`). Default: pool creation.
    pub start_time: SystemTime,
    /// The in-memory Lua cache; give the same one to several pools to share it. Default: a new one.
    pub lua_cache: Option<Arc<LuaCache>>,
    /// The users behind the `ntop.*User*` bindings; `None`: those bindings raise an error.
    pub users: Option<Arc<ntopng_auth::Users>>,
    /// The monitored interfaces, behind `interface.*` and `network.*`. None: those bindings raise
    /// "no interface" errors.
    pub interfaces: Option<Arc<dyn InterfaceProvider>>,
    /// The stored flows behind `interface.execSQLQuery` (`-F sqlite`). None: it raises an error.
    pub flowdb: Option<Arc<dyn crate::flowdb_view::FlowDbProvider>>,
    /// The stored timeseries, behind `ntop.tsQuery` and `ntop.tsStoredSchemas` (extensions). None: those
    /// raise "no timeseries store".
    pub timeseries: Option<Arc<dyn crate::timeseries::TimeseriesProvider>>,
    /// The alert stores behind `interface.getAlerts`. None: it raises "no alert store".
    pub alerts: Option<Arc<dyn crate::alert_view::AlertProvider>>,
}

impl PoolConfig {
    pub fn new(dirs: Dirs, store: Arc<dyn KvStore>) -> Self {
        PoolConfig {
            dirs,
            store,
            vms: 2,
            instruction_budget: 1_000_000_000,
            time_budget: Duration::from_secs(30),
            memory_limit: 256 << 20,
            instance_name: None,
            shutting_down: Arc::new(AtomicBool::new(false)),
            prefs: serde_json::Map::new(),
            local_networks: Vec::new(),
            http_prefix: String::new(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            start_time: SystemTime::now(),
            lua_cache: None,
            users: None,
            interfaces: None,
            flowdb: None,
            timeseries: None,
            alerts: None,
        }
    }
}

impl fmt::Debug for PoolConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolConfig")
            .field("dirs", &self.dirs)
            .field("store", &self.store.backend())
            .field("vms", &self.vms)
            .field("instruction_budget", &self.instruction_budget)
            .field("time_budget", &self.time_budget)
            .field("memory_limit", &self.memory_limit)
            .finish()
    }
}

/// Why a pool could not be built.
#[derive(Debug)]
pub struct PoolError(pub String);

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot create the Lua pool: {}", self.0)
    }
}

impl std::error::Error for PoolError {}

/// N sandboxed VMs, each initialised once (bindings, prelude, module path) and reused run after run.
/// `run_script` takes an idle VM (waiting if all are busy), runs the script in a fresh environment and
/// puts the VM back. Thread-safe.
pub struct LuaPool {
    shared: PoolShared,
    idle: Mutex<Vec<Vm>>,
    available: Condvar,
    size: usize,
}

impl fmt::Debug for LuaPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LuaPool({} VMs, {})", self.size, self.shared.dirs.installdir.display())
    }
}

impl LuaPool {
    pub fn new(cfg: PoolConfig) -> Result<LuaPool, PoolError> {
        let canon =
            |p: &Path, what: &str| p.canonicalize().map_err(|e| PoolError(format!("{what} {}: {e}", p.display())));
        let install_canon = canon(&cfg.dirs.installdir, "install dir")?;
        let scripts_canon = canon(&cfg.dirs.scriptdir, "scripts dir")?;
        let paths = Paths {
            installdir: cfg.dirs.installdir.clone(),
            install: install_canon,
            scripts: scripts_canon,
            working: cfg.dirs.workingdir.canonicalize().ok(),
        };
        let local_networks =
            LocalNetworks::parse(&cfg.local_networks).map_err(|e| PoolError(format!("local networks: {e}")))?;
        let daemon = Arc::new(Daemon {
            instance_name: cfg.instance_name.clone().unwrap_or_else(crate::daemon::host_name),
            shutting_down: cfg.shutting_down.clone(),
            prefs: cfg.prefs.clone(),
            http_prefix: cfg.http_prefix.clone(),
            local_networks: RwLock::new(local_networks),
            paths: paths.clone(),
            time_budget: cfg.time_budget,
            cpu: Mutex::default(),
            resolving: Arc::default(),
        });
        let shared = PoolShared {
            paths,
            daemon,
            dirs: Arc::new(cfg.dirs),
            store: cfg.store,
            lua_cache: cfg.lua_cache.unwrap_or_default(),
            stats: Arc::new(CacheStats::default()),
            version: cfg.version.into(),
            start_time: cfg.start_time,
            instruction_budget: cfg.instruction_budget,
            time_budget: cfg.time_budget,
            memory_limit: cfg.memory_limit,
            users: cfg.users,
            interfaces: cfg.interfaces,
            flowdb: cfg.flowdb,
            timeseries: cfg.timeseries,
            alerts: cfg.alerts,
        };
        let size = cfg.vms.max(1);
        let mut vms = Vec::with_capacity(size);
        for _ in 0..size {
            vms.push(Vm::new(&shared).map_err(|e| PoolError(e.to_string()))?);
        }
        Ok(LuaPool { shared, idle: Mutex::new(vms), available: Condvar::new(), size })
    }

    /// A check engine on a VM of its own (never one of the pool's), with the pool's bindings and
    /// providers: user checks never wait for, nor delay, HTTP requests.
    pub fn check_engine(&self) -> Result<crate::checks::CheckEngine, PoolError> {
        crate::checks::CheckEngine::new(self.shared.clone()).map_err(|e| PoolError(e.to_string()))
    }

    /// Number of VMs.
    pub fn size(&self) -> usize {
        self.size
    }

    pub fn dirs(&self) -> &Dirs {
        &self.shared.dirs
    }

    /// The in-memory cache of `ntop.getLuaCache`/`setLuaCache`.
    pub fn lua_cache(&self) -> &Arc<LuaCache> {
        &self.shared.lua_cache
    }

    /// Runs the script at `path`: absolute, or relative to the scripts dir (`lua/rest/v2/get/x.lua`); it must
    /// lie under the scripts dir. Never panics; a failure is in [`Response::error`].
    pub fn run_script(&self, path: impl AsRef<Path>, req: Request) -> Response {
        let vm = {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                if let Some(vm) = idle.pop() {
                    break vm;
                }
                idle = self.available.wait(idle).unwrap_or_else(|p| p.into_inner());
            }
        };
        let started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| vm.run(&self.shared, path.as_ref(), req)));
        let (vm, resp) = match outcome {
            Ok(resp) => (Some(vm), resp),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown panic".into());
                log::error!(target: "ntopng::lua", "Lua VM panicked running {}: {what}", path.as_ref().display());
                // The VM may be in any state: replace it.
                drop(vm);
                let resp = Response {
                    status: 500,
                    content_type: None,
                    headers: Vec::new(),
                    body: Vec::new(),
                    headers_sent: false,
                    error: Some(ScriptError {
                        kind: ErrorKind::Internal,
                        message: format!("internal error in the Lua engine: {what}"),
                        traceback: None,
                    }),
                    elapsed: started.elapsed(),
                    instructions: 0,
                };
                (Vm::new(&self.shared).ok(), resp)
            }
        };
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        match vm {
            Some(vm) => idle.push(vm),
            None => {
                // Could not rebuild it: try again, the pool must not shrink.
                match Vm::new(&self.shared) {
                    Ok(vm) => idle.push(vm),
                    Err(e) => log::error!(target: "ntopng::lua", "cannot recreate a Lua VM: {e}"),
                }
            }
        }
        drop(idle);
        self.available.notify_one();
        resp
    }
}
