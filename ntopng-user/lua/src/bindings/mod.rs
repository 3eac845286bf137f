//! The Rust side of the `ntop.*` (and later `interface.*`, ...) namespaces, and the registration that keeps
//! them in step with the registry: every binding registered here must be listed as implemented in
//! [`crate::registry`], and every function listed there must be registered, or VM creation fails.

mod alerts;
mod cache;
mod flowdb;
pub(crate) mod flow_check;
mod flows;
pub(crate) mod host_check;
mod hosts;
mod interface;
mod network;
mod protocols;
pub(crate) mod shapes;
pub(crate) mod files;
mod httpclient;
mod netutils;
mod sysinfo;
mod system;
mod timeseries;
mod users;

pub(crate) use system::TRACE_LEVELS;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use mlua::{Function, IntoLuaMulti, Lua, MultiValue, Table};
use ntopng_store::KvStore;

use crate::args::{Args, BResult, BindError};
use crate::luacache::LuaCache;
use crate::registry::{self, ApiStatus, NAMESPACES};
use crate::state::RunState;
use crate::Dirs;

/// What the bindings of one VM share.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub dirs: Arc<Dirs>,
    pub store: Arc<dyn KvStore>,
    pub lua_cache: Arc<LuaCache>,
    pub stats: Arc<CacheStats>,
    pub run: Arc<Mutex<RunState>>,
    pub version: Arc<str>,
    pub start_time: SystemTime,
    pub users: Option<Arc<ntopng_auth::Users>>,
    pub interfaces: Option<Arc<dyn crate::iface_view::InterfaceProvider>>,
    pub flowdb: Option<Arc<dyn crate::flowdb_view::FlowDbProvider>>,
    pub timeseries: Option<Arc<dyn crate::timeseries::TimeseriesProvider>>,
    pub alerts: Option<Arc<dyn crate::alert_view::AlertProvider>>,
    pub daemon: Arc<crate::daemon::Daemon>,
}

/// Counters of key-value operations, reported by `ntop.getCacheStats()`.
#[derive(Default)]
pub(crate) struct CacheStats {
    counters: [AtomicU64; STAT_NAMES.len()],
}

pub(crate) const STAT_NAMES: [&str; 18] = [
    "num_get",
    "num_set",
    "num_del",
    "num_rename",
    "num_incr",
    "num_keys",
    "num_flush",
    "num_dump",
    "num_restore",
    "num_hget",
    "num_hset",
    "num_hdel",
    "num_lpush_rpush",
    "num_lpop_rpop",
    "num_lrange_ltrim_lrem",
    "num_llen_lindex",
    "num_sadd_srem",
    "num_smembers",
];

impl CacheStats {
    pub fn inc(&self, name: &str) {
        let i = STAT_NAMES.iter().position(|n| *n == name).expect("known counter");
        self.counters[i].fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
        STAT_NAMES.iter().zip(&self.counters).map(|(n, c)| (*n, c.load(Ordering::Relaxed))).collect()
    }
}

/// Registers bindings as wrapped Lua functions in the namespace tables and records what it registered.
pub(crate) struct Registrar<'l> {
    lua: &'l Lua,
    wrap: Function,
    fail: Table,
    tables: BTreeMap<&'static str, Table>,
    bound: BTreeSet<(&'static str, &'static str)>,
}

impl<'l> Registrar<'l> {
    /// `wrap` is the prelude's function turning a raw binding (which returns `FAIL, message` on error) into
    /// one that raises the message at the caller's line.
    pub fn new(lua: &'l Lua, wrap: Function, fail: Table) -> mlua::Result<Self> {
        let mut tables = BTreeMap::new();
        for ns in NAMESPACES {
            tables.insert(ns, lua.create_table()?);
        }
        Ok(Registrar { lua, wrap, fail, tables, bound: BTreeSet::new() })
    }

    /// Registers `ns.name`.
    pub fn add<R, F>(&mut self, ns: &'static str, name: &'static str, f: F) -> mlua::Result<()>
    where
        R: IntoLuaMulti,
        F: Fn(&Lua, &Args) -> BResult<R> + Send + 'static,
    {
        let fname = format!("{ns}.{name}");
        let fail = self.fail.clone();
        let raw = self.lua.create_function(move |lua, vals: MultiValue| {
            let args = Args::new(&fname, vals);
            match f(lua, &args) {
                Ok(r) => r.into_lua_multi(lua),
                Err(BindError::Msg(m)) => (fail.clone(), m).into_lua_multi(lua),
                Err(BindError::Lua(e)) => Err(e),
            }
        })?;
        let wrapped: Function = self.wrap.call(raw)?;
        self.tables[ns].raw_set(name, wrapped)?;
        if !self.bound.insert((ns, name)) {
            return Err(mlua::Error::runtime(format!("{ns}.{name} registered twice")));
        }
        Ok(())
    }

    /// Adds the stubs of every unsupported function (made by the prelude's `stub(message)`), checks that what
    /// was registered is exactly what the registry calls implemented, and returns the namespace tables.
    pub fn finish(self, stub: &Function) -> mlua::Result<BTreeMap<&'static str, Table>> {
        let mut expected = BTreeSet::new();
        for e in registry::registry() {
            match e.status {
                ApiStatus::Implemented => {
                    expected.insert((e.ns, e.name));
                }
                ApiStatus::Unsupported(_) => {
                    let f: Function = stub.call(e.unsupported_message())?;
                    self.tables[e.ns].raw_set(e.name, f)?;
                }
            }
        }
        for x in registry::EXTENSIONS {
            expected.insert((x.ns, x.name));
        }
        if expected != self.bound {
            let missing: Vec<_> = expected.difference(&self.bound).map(|(n, f)| format!("{n}.{f}")).collect();
            let extra: Vec<_> = self.bound.difference(&expected).map(|(n, f)| format!("{n}.{f}")).collect();
            return Err(mlua::Error::runtime(format!(
                "binding registry mismatch: implemented in the registry but not bound: {missing:?}; bound but not \
                 marked implemented: {extra:?}"
            )));
        }
        Ok(self.tables)
    }
}

/// Registers every implemented binding.
pub(crate) fn install(r: &mut Registrar, ctx: &Ctx) -> mlua::Result<()> {
    cache::install(r, ctx)?;
    system::install(r, ctx)?;
    users::install(r, ctx)?;
    interface::install(r, ctx)?;
    hosts::install(r, ctx)?;
    flows::install(r, ctx)?;
    flow_check::install(r, ctx)?;
    host_check::install(r, ctx)?;
    protocols::install(r, ctx)?;
    network::install(r, ctx)?;
    alerts::install(r, ctx)?;
    sysinfo::install(r, ctx)?;
    files::install(r, ctx)?;
    netutils::install(r, ctx)?;
    httpclient::install(r, ctx)?;
    flowdb::install(r, ctx)?;
    timeseries::install(r, ctx)?;
    Ok(())
}

/// A Lua array of strings.
pub(crate) fn string_array(lua: &Lua, items: impl IntoIterator<Item = String>) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for (i, s) in items.into_iter().enumerate() {
        t.raw_set(i + 1, s)?;
    }
    Ok(t)
}

/// A Lua table `{ [name] = "" }` (ntopng's shape for key and field listings).
pub(crate) fn name_set(lua: &Lua, items: impl IntoIterator<Item = String>) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for s in items {
        t.raw_set(s, "")?;
    }
    Ok(t)
}
