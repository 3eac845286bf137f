//! ntopng's Lua engine: runs ntopng scripts (REST API v2 endpoints, pages, periodic and check scripts) with
//! the `ntop.*` bindings, in sandboxed Lua 5.4 VMs.
//!
//! * [`LuaPool`]: N VMs built once (sandbox, bindings, module path) and reused; [`LuaPool::run_script`] runs
//!   a script for one [`Request`] in a fresh environment and returns a [`Response`] (body, content type,
//!   status, headers, or the error with `file:line`).
//! * The sandbox: no process, shell or debug access; files are created or deleted only inside the data dir
//!   (`ntop.mkdir`, `ntop.unlink`, ...); `require`/`dofile`/`loadfile` only
//!   within the install dir (modules) and the scripts dir (scripts); instruction, time and memory budgets.
//! * [`registry`]: every function of the seed API documents, implemented or unsupported with a reason;
//!   unsupported ones raise `"<ns>.<name>: not supported by this build yet (<reason>)"`.
//!
//! Differences from ntopng's engine (LuaJIT, one new VM per request) are deliberate: Lua 5.4 (so `3.0`
//! prints as `3.0`, `//` and integers exist; `unpack` and `loadstring` are provided for 5.1 scripts), pooled
//! VMs with a per-request environment, and header functions that record the response head instead of
//! printing it into the body.

pub mod alert_view;
mod api_list;
mod args;
mod bindings;
pub mod checks;
pub mod iface_view;
pub mod flowdb_view;
mod daemon;
pub mod json;
mod luacache;
mod pool;
pub mod registry;
mod request;
mod state;
pub mod timeseries;
mod vm;

pub use checks::{CheckEngine, CheckFamily, CheckStats, FlowAlert, FlowHook, HostAlert, NetworkAlert, NetworkAlertOp, Periodicity};
pub use flowdb_view::{FlowDbError, FlowDbProvider, FlowDbQueryKind, FlowDbRows};
pub use alert_view::{AlertError, AlertProvider};
pub use iface_view::{EngagedSummary, IfaceInfo, IfaceView, InterfaceProvider, StaticProvider, ViewNeeds};
pub use luacache::{CachedValue, LuaCache};
pub use pool::{Dirs, LuaPool, PoolConfig, PoolError};
pub use registry::{ApiEntry, ApiStatus, SeedFn};
pub use timeseries::{StoredSchema, TimeseriesProvider, TsQuery};
pub use request::{parse_query, url_decode, ErrorKind, Request, Response, ScriptError, Session};

/// The seed functions, as generated into `src/api_list.rs`.
pub fn seed_api() -> &'static [SeedFn] {
    api_list::SEED_API
}
