//! The control plane: the key-value store, users, the pool of Lua VMs and the web server that serves
//! ntopng's REST API v2 and pages from them. Built once at startup, before any capture starts, so test
//! hooks and clients find it ready.

use crate::cli::Cli;
use crate::install_dirs::InstallDirs;
use crate::interfaces::Interfaces;
use ntopng_auth::Users;
use ntopng_http::{HttpConfig, HttpHandle, LoginMode};
use ntopng_lua::{Dirs, LuaPool, PoolConfig};
use ntopng_store::KvStore;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Lua VMs: enough for the web server's threads to run scripts side by side.
const LUA_VMS: usize = 4;

pub struct ControlPlane {
    http: Option<HttpHandle>,
    _pool: Arc<LuaPool>,
    shutting_down: Arc<AtomicBool>,
    user_checks: Option<crate::user_checks::UserChecks>,
}

impl ControlPlane {
    /// `local_networks`: the engine's local networks, `cidr` or `cidr=alias`, in id order.
    pub fn start(
        cli: &Cli,
        dirs: &InstallDirs,
        interfaces: Arc<Interfaces>,
        local_networks: Vec<String>,
        flow_store: Option<Arc<dyn ntopng_flowdb::FlowStore>>,
        timeseries: Arc<ntopng_tsdb::TsStore>,
        alerting: Arc<crate::alerts::Alerting>,
    ) -> Result<ControlPlane, String> {
        std::fs::create_dir_all(&cli.data_dir).map_err(|e| format!("-d {}: {e}", cli.data_dir.display()))?;
        let store: Arc<dyn KvStore> = Arc::from(
            ntopng_store::open(cli.redis.as_deref(), &cli.data_dir).map_err(|e| match &cli.redis {
                Some(r) => format!("-r {r}: {e}"),
                None => format!("embedded store in {}: {e}", cli.data_dir.display()),
            })?,
        );
        log::info!("key-value store: {}", store.backend());
        let users = Arc::new(Users::open(store.clone()).map_err(|e| format!("users: {e}"))?);
        if users.admin_has_default_password().unwrap_or(false) {
            log::warn!("user admin still has the default password: the web GUI asks to change it at first login");
        }

        let mut lua_dirs = Dirs::new(&dirs.install, &cli.data_dir);
        lua_dirs.scriptdir = dirs.scripts.clone();
        lua_dirs.httpdocsdir = dirs.httpdocs.clone();
        lua_dirs.callbacksdir = dirs.scripts.join("callbacks");
        alerting.checks().use_store(store.clone()).map_err(|e| format!("checks: {e}"))?;
        alerting.watch_config();
        alerting.set_endpoints(&crate::notifications::endpoints(&cli.alert_endpoints, store.as_ref())?);
        let mut pc = PoolConfig::new(lua_dirs, store);
        pc.alerts = Some(alerting.clone());
        pc.vms = LUA_VMS;
        pc.interfaces = Some(interfaces.clone());
        pc.timeseries = Some(Arc::new(crate::timeseries::StoreProvider(timeseries)));
        pc.users = Some(users.clone());
        pc.flowdb = flow_store.map(|s| Arc::new(crate::flow_db::FlowDbQueries(s)) as Arc<dyn ntopng_lua::FlowDbProvider>);
        pc.instance_name = cli.instance_name.clone();
        pc.local_networks = local_networks;
        pc.prefs = prefs(cli);
        let shutting_down = pc.shutting_down.clone();
        let pool = Arc::new(LuaPool::new(pc).map_err(|e| e.to_string())?);
        let user_checks = crate::user_checks::UserChecks::start(&pool, interfaces, alerting)?;

        let login = match cli.disable_login.as_deref() {
            Some("1") => LoginMode::DisabledAll,
            Some("0") => LoginMode::DisabledLocalhost,
            _ => LoginMode::Enabled,
        };
        let off = |p: &str| p == "0";
        let http = match (off(&cli.http_port), off(&cli.https_port)) {
            (true, true) => None,
            // `-w 0` is passed as is: `None` would mean ntopng's default, 3000.
            _ => Some(
                ntopng_http::start(HttpConfig {
                    http: Some(cli.http_port.clone()),
                    https: Some(cli.https_port.clone()),
                    data_dir: cli.data_dir.clone(),
                    login,
                    httpdocs: dirs.httpdocs.clone(),
                    lua: pool.clone(),
                    users,
                    version: env!("CARGO_PKG_VERSION").to_string(),
                    threads: LUA_VMS,
                })
                .map_err(|e| format!("web server: {e}"))?,
            ),
        };
        if let Some(h) = &http {
            log::info!("web server listening on {}", h.local_addr());
        }
        Ok(ControlPlane { http, _pool: pool, shutting_down, user_checks: Some(user_checks) })
    }

    /// From now on `ntop.isShuttingDown()` is true.
    pub fn shutting_down(&self) {
        self.shutting_down.store(true, Ordering::Relaxed);
    }

    pub fn stop(mut self) {
        if let Some(c) = self.user_checks.take() {
            c.stop();
        }
        if let Some(h) = self.http {
            h.stop();
        }
    }
}

/// What `ntop.getPrefs()` reports: the daemon's configuration under ntopng's preference names.
fn prefs(cli: &Cli) -> Map<String, Value> {
    let v = json!({
        "max_num_hosts": cli.max_hosts.max(1024),
        "max_num_flows": cli.max_flows.max(1024),
        // MACs are not capped separately: as many as hosts.
        "max_num_macs": cli.max_hosts.max(1024),
        "http_port": cli.http_port,
        "https_port": cli.https_port,
        "is_dump_flows_enabled": !cli.dump_flows.is_empty(),
        "is_dump_flows_to_clickhouse_enabled": cli.dump_flows.iter().any(|s| s.trim() == "clickhouse" || s.trim().starts_with("clickhouse;")),
        "is_dump_flows_to_sqlite_enabled": cli.dump_flows.iter().any(|s| s.trim() == "sqlite" || s.trim().starts_with("sqlite;")),
        "is_login_disabled": matches!(cli.disable_login.as_deref(), Some("1")),
        "instance_name": cli.instance_name.clone().unwrap_or_default(),
        "data_dir": cli.data_dir.display().to_string(),
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!("a JSON object literal"),
    }
}
