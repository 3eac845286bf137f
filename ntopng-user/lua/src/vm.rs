//! One pre-initialised VM: the sandbox prelude, the bindings, the budget hook; and one script run on it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use mlua::chunk::ChunkMode;
use mlua::{Function, HookTriggers, IntoLuaMulti, Lua, LuaOptions, MultiValue, StdLib, Table, Value, VmState};
use ntopng_store::KvStore;

use crate::bindings::{self, CacheStats, Ctx, Registrar};
use crate::json;
use crate::luacache::LuaCache;
use crate::request::{ErrorKind, Request, Response, ScriptError};
use crate::state::RunState;
use crate::Dirs;

/// The hook runs every this many Lua instructions.
pub(crate) const HOOK_EVERY: u32 = 1000;

const PRELUDE: &str = include_str!("prelude.lua");

/// What every VM of a pool shares.
#[derive(Clone)]
pub(crate) struct PoolShared {
    pub dirs: Arc<Dirs>,
    pub paths: Paths,
    pub store: Arc<dyn KvStore>,
    pub lua_cache: Arc<LuaCache>,
    pub stats: Arc<CacheStats>,
    pub version: Arc<str>,
    pub start_time: SystemTime,
    pub instruction_budget: u64,
    pub time_budget: std::time::Duration,
    pub memory_limit: usize,
    pub users: Option<Arc<ntopng_auth::Users>>,
    pub interfaces: Option<Arc<dyn crate::iface_view::InterfaceProvider>>,
    pub flowdb: Option<Arc<dyn crate::flowdb_view::FlowDbProvider>>,
    pub timeseries: Option<Arc<dyn crate::timeseries::TimeseriesProvider>>,
    pub alerts: Option<Arc<dyn crate::alert_view::AlertProvider>>,
    pub daemon: Arc<crate::daemon::Daemon>,
}

impl PoolShared {
    /// `package.path` a request starts with: the install dir's modules.
    pub fn default_package_path(&self) -> String {
        let m = self.dirs.installdir.join("scripts/lua/modules");
        format!("{0}/?.lua;{0}/?/init.lua", m.display())
    }
}

/// The path policy: which files scripts may run, require and read.
#[derive(Clone)]
pub(crate) struct Paths {
    /// Relative paths given by scripts are relative to the install dir.
    pub installdir: PathBuf,
    /// Canonical directories: modules and readable files must be under `install`, scripts under `scripts`;
    /// files of `working` (the data dir) are readable too.
    pub install: PathBuf,
    pub scripts: PathBuf,
    pub working: Option<PathBuf>,
}

const OUTSIDE: &str = "access denied (outside the directories scripts may read)";

impl Paths {
    /// Resolves `path` and checks that it lies under one of `allowed` (canonical directories); the canonical
    /// path, or the message to give the script.
    pub fn resolve(&self, path: &str, allowed: &[&Path]) -> Result<PathBuf, String> {
        let p = Path::new(path);
        let full = if p.is_absolute() { p.to_path_buf() } else { self.installdir.join(p) };
        let canon = full.canonicalize().map_err(|e| format!("{path}: {e}"))?;
        if allowed.iter().any(|a| canon.starts_with(a)) {
            Ok(canon)
        } else {
            Err(format!("{path}: {OUTSIDE}"))
        }
    }

    /// Directories whose files scripts may read.
    fn readable(&self) -> Vec<&Path> {
        let mut v = vec![self.install.as_path()];
        v.extend(self.working.as_deref());
        v
    }

    /// The chunk name of a file: `@` and its path relative to the install dir.
    pub fn chunk_name(&self, canon: &Path) -> String {
        match canon.strip_prefix(&self.install) {
            Ok(rel) => format!("@{}", rel.display()),
            Err(_) => format!("@{}", canon.display()),
        }
    }
}

pub(crate) struct Vm {
    lua: Lua,
    run: Arc<Mutex<RunState>>,
    new_request: Function,
    end_request: Function,
    run_fn: Function,
    call_fn: Function,
    default_path: String,
}

pub(crate) fn root_message(e: &mlua::Error) -> String {
    match e {
        mlua::Error::CallbackError { cause, .. } => root_message(cause),
        mlua::Error::WithContext { cause, .. } => root_message(cause),
        mlua::Error::RuntimeError(m) | mlua::Error::MemoryError(m) => m.clone(),
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

fn is_memory_error(e: &mlua::Error) -> bool {
    match e {
        mlua::Error::MemoryError(_) => true,
        mlua::Error::CallbackError { cause, .. } | mlua::Error::WithContext { cause, .. } => is_memory_error(cause),
        _ => false,
    }
}

fn string_map(lua: &Lua, m: &BTreeMap<String, String>) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(0, m.len())?;
    for (k, v) in m {
        t.raw_set(k.as_str(), v.as_str())?;
    }
    Ok(t)
}

impl Vm {
    pub fn new(shared: &PoolShared) -> mlua::Result<Vm> {
        let libs =
            StdLib::COROUTINE | StdLib::TABLE | StdLib::IO | StdLib::OS | StdLib::STRING | StdLib::UTF8 | StdLib::MATH;
        let lua = Lua::new_with(libs, LuaOptions::default())?;
        let run = Arc::new(Mutex::new(RunState::idle()));

        // The budget hook: counts instructions, checks the clock; once over budget, raises on every call.
        let st = run.clone();
        lua.set_global_hook(HookTriggers::new().every_nth_instruction(HOOK_EVERY), move |_, dbg| {
            let mut s = st.lock().unwrap();
            if !s.active {
                return Ok(VmState::Continue);
            }
            s.instructions += u64::from(HOOK_EVERY);
            if s.exceeded.is_none() {
                let kind = if s.instructions > s.instruction_budget {
                    Some(ErrorKind::InstructionBudget)
                } else if Instant::now() >= s.deadline {
                    Some(ErrorKind::TimeBudget)
                } else {
                    None
                };
                if let Some(kind) = kind {
                    s.exceeded = Some(kind);
                    let src = dbg.source().short_src.map(|s| s.to_string()).unwrap_or_else(|| "?".into());
                    s.exceeded_at = Some(match dbg.current_line() {
                        Some(l) => format!("{src}:{l}"),
                        None => src,
                    });
                }
            }
            if s.exceeded.is_some() {
                return Err(mlua::Error::runtime(s.budget_message()));
            }
            Ok(VmState::Continue)
        })?;

        let r = prelude_helpers(&lua, &shared.paths, &run)?;
        let fail: Table = r.raw_get("FAIL")?;
        let kit: Table = lua.load(PRELUDE).set_name("@ntopng-lua/prelude.lua").call(r)?;
        let wrap: Function = kit.get("wrap")?;
        let stub: Function = kit.get("stub")?;

        // Bindings.
        let ctx = Ctx {
            dirs: shared.dirs.clone(),
            store: shared.store.clone(),
            lua_cache: shared.lua_cache.clone(),
            stats: shared.stats.clone(),
            run: run.clone(),
            version: shared.version.clone(),
            start_time: shared.start_time,
            users: shared.users.clone(),
            interfaces: shared.interfaces.clone(),
            flowdb: shared.flowdb.clone(),
            timeseries: shared.timeseries.clone(),
            alerts: shared.alerts.clone(),
            daemon: shared.daemon.clone(),
        };
        let mut reg = Registrar::new(&lua, wrap, fail)?;
        bindings::install(&mut reg, &ctx)?;
        let tables = reg.finish(&stub)?;
        let namespaces = lua.create_table()?;
        for (ns, t) in tables {
            namespaces.raw_set(ns, t)?;
        }
        let constants = lua.create_table()?;
        for (k, v) in bindings::TRACE_LEVELS {
            constants.raw_set(k, v)?;
        }
        let internal = internal_table(&lua, &run)?;
        let install: Function = kit.get("install")?;
        install.call::<()>((namespaces, constants, internal))?;

        lua.set_memory_limit(shared.memory_limit)?;
        Ok(Vm {
            new_request: kit.get("new_request")?,
            end_request: kit.get("end_request")?,
            run_fn: kit.get("run")?,
            call_fn: kit.get("call")?,
            default_path: shared.default_package_path(),
            lua,
            run,
        })
    }

    pub fn lua(&self) -> &Lua {
        &self.lua
    }

    pub fn run_state(&self) -> &Arc<Mutex<RunState>> {
        &self.run
    }

    /// The prelude's `new_request(get, post, server, session, cookie, default_path)`: a fresh environment.
    pub fn new_request_fn(&self) -> &Function {
        &self.new_request
    }

    /// The prelude's `call(f, ...)`: `f(...)` under the error handler, as `true, results...` or
    /// `false, error info`.
    pub fn call_fn(&self) -> &Function {
        &self.call_fn
    }

    /// Runs the script at `path` (relative paths are relative to the scripts dir).
    pub fn run(&self, shared: &PoolShared, path: &Path, req: Request) -> Response {
        let started = Instant::now();
        let full = if path.is_absolute() { path.to_path_buf() } else { shared.dirs.scriptdir.join(path) };
        let canon = match full.canonicalize() {
            Ok(c) if c.starts_with(&shared.paths.scripts) && c.is_file() => c,
            Ok(_) | Err(_) => {
                return failed(
                    404,
                    ErrorKind::NotFound,
                    format!("{}: no such script under the scripts directory", path.display()),
                    started,
                );
            }
        };
        let src = match std::fs::read(&canon) {
            Ok(s) => s,
            Err(e) => return failed(404, ErrorKind::NotFound, format!("{}: {e}", canon.display()), started),
        };

        self.run.lock().unwrap().begin(req.session.clone(), shared.time_budget, shared.instruction_budget);
        let outcome = self.execute(shared, &canon, &src, &req);
        {
            let mut s = self.run.lock().unwrap();
            s.active = false;
        }
        let _ = self.end_request.call::<()>(());

        let mut s = self.run.lock().unwrap();
        let error = match s.exceeded {
            Some(kind) => Some(ScriptError { kind, message: s.budget_message(), traceback: None }),
            None => outcome.err(),
        };
        let status = if error.is_some() { 500 } else { s.status };
        let resp = Response {
            status,
            content_type: s.content_type.take(),
            headers: std::mem::take(&mut s.headers),
            body: std::mem::take(&mut s.body),
            headers_sent: s.headers_sent,
            error,
            elapsed: started.elapsed(),
            instructions: s.instructions,
        };
        *s = RunState::idle();
        drop(s);
        if self.lua.used_memory() > shared.memory_limit / 4 {
            let _ = self.lua.gc_collect();
        }
        resp
    }

    fn execute(&self, shared: &PoolShared, canon: &Path, src: &[u8], req: &Request) -> Result<(), ScriptError> {
        let internal =
            |e: mlua::Error| ScriptError { kind: ErrorKind::Internal, message: e.to_string(), traceback: None };
        let lua = &self.lua;
        let get = string_map(lua, &req.get).map_err(internal)?;
        let post = string_map(lua, &req.post).map_err(internal)?;
        let mut server = req.server.clone();
        server.insert("REQUEST_METHOD".into(), if req.method.is_empty() { "GET".into() } else { req.method.clone() });
        server.insert("URI".into(), req.uri.clone());
        server.entry("REFERER".into()).or_default();
        let server = string_map(lua, &server).map_err(internal)?;
        let mut session = req.session.extra.clone();
        session.insert("user".into(), req.session.user.clone());
        session.insert("group".into(), req.session.group.clone());
        session.entry("session".into()).or_default();
        let session = string_map(lua, &session).map_err(internal)?;
        let cookies = string_map(lua, &req.cookies).map_err(internal)?;
        let env: Table = self
            .new_request
            .call((get, post, server, session, cookies, self.default_path.as_str()))
            .map_err(internal)?;

        let func = lua
            .load(src)
            .set_name(shared.paths.chunk_name(canon))
            .set_mode(ChunkMode::Text)
            .set_environment(env)
            .into_function()
            .map_err(|e| ScriptError {
                kind: if is_memory_error(&e) { ErrorKind::Memory } else { ErrorKind::Syntax },
                message: root_message(&e),
                traceback: None,
            })?;
        let res: MultiValue = match self.run_fn.call(func) {
            Ok(r) => r,
            Err(e) => {
                let kind = if is_memory_error(&e) { ErrorKind::Memory } else { ErrorKind::Runtime };
                return Err(ScriptError { kind, message: root_message(&e), traceback: None });
            }
        };
        let mut it = res.into_iter();
        match it.next() {
            Some(Value::Boolean(true)) => Ok(()),
            _ => {
                let info = it.next().unwrap_or(Value::Nil);
                let (message, traceback) = match &info {
                    Value::Table(t) => (
                        t.raw_get::<Option<String>>("message").ok().flatten().unwrap_or_default(),
                        t.raw_get::<Option<String>>("traceback").ok().flatten(),
                    ),
                    Value::String(s) => (s.to_string_lossy(), None),
                    Value::Error(e) => (root_message(e), None),
                    other => (format!("{other:?}"), None),
                };
                let kind = if message == "not enough memory" { ErrorKind::Memory } else { ErrorKind::Runtime };
                Err(ScriptError { kind, message, traceback })
            }
        }
    }
}

fn failed(status: u16, kind: ErrorKind, message: String, started: Instant) -> Response {
    Response {
        status,
        content_type: None,
        headers: Vec::new(),
        body: Vec::new(),
        headers_sent: false,
        error: Some(ScriptError { kind, message, traceback: None }),
        elapsed: started.elapsed(),
        instructions: 0,
    }
}

/// `R`, the helpers the prelude gets: response body, budget state, error details, and the path policy
/// applied to `require`, `loadfile`/`dofile` and `io.open`.
fn prelude_helpers(lua: &Lua, paths: &Paths, run: &Arc<Mutex<RunState>>) -> mlua::Result<Table> {
    let r = lua.create_table()?;
    r.raw_set("FAIL", lua.create_table()?)?;
    let st = run.clone();
    r.raw_set(
        "write",
        lua.create_function(move |_, s: mlua::LuaString| {
            st.lock().unwrap().body.extend_from_slice(&s.as_bytes());
            Ok(())
        })?,
    )?;
    let st = run.clone();
    r.raw_set("budget_exceeded", lua.create_function(move |_, ()| Ok(st.lock().unwrap().exceeded.is_some()))?)?;
    r.raw_set(
        "log_stdout",
        lua.create_function(|_, s: mlua::LuaString| {
            log::info!(target: "ntopng::lua::stdout", "{}", s.to_string_lossy().trim_end());
            Ok(())
        })?,
    )?;
    r.raw_set(
        "error_info",
        lua.create_function(|lua, e: Value| {
            let message = match &e {
                Value::String(s) => s.to_string_lossy(),
                Value::Error(err) => root_message(err),
                other => {
                    let tostring: Function = lua.globals().raw_get("tostring")?;
                    tostring.call::<mlua::LuaString>(other.clone()).map(|s| s.to_string_lossy()).unwrap_or_default()
                }
            };
            let t = lua.create_table()?;
            t.raw_set("message", message)?;
            if let Ok(tb) = lua.traceback(None, 2) {
                // Without the frames of the engine's own prelude (the handler, xpcall).
                let tb = tb.to_string_lossy();
                let lines: Vec<&str> = tb
                    .lines()
                    .filter(|l| !l.contains("ntopng-lua/prelude.lua") && !l.contains("in function 'xpcall'"))
                    .collect();
                t.raw_set("traceback", lines.join("\n"))?;
            }
            Ok(t)
        })?,
    )?;

    // read_script(path) -> source, chunkname | nil, message: a script file under the scripts dir.
    let p = paths.clone();
    r.raw_set(
        "read_script",
        lua.create_function(move |lua, path: Value| {
            let Value::String(path) = path else {
                return (Value::Nil, "loadfile: the file name must be a string").into_lua_multi(lua);
            };
            let path = path.to_string_lossy();
            match p.resolve(&path, &[p.scripts.as_path()]) {
                Ok(canon) if canon.is_file() => match std::fs::read(&canon) {
                    Ok(src) => (lua.create_string(src)?, p.chunk_name(&canon)).into_lua_multi(lua),
                    Err(e) => (Value::Nil, format!("cannot read {path}: {e}")).into_lua_multi(lua),
                },
                Ok(_) => (Value::Nil, format!("cannot read {path}: not a file")).into_lua_multi(lua),
                Err(e) => (Value::Nil, format!("cannot open {e}")).into_lua_multi(lua),
            }
        })?,
    )?;

    // find_module(name, package.path) -> file, chunkname, candidate, version | nil, "tried" list: the first
    // candidate that exists under the install dir.
    let p = paths.clone();
    r.raw_set(
        "find_module",
        lua.create_function(move |lua, (name, path): (String, String)| {
            let name_path = name.replace('.', "/");
            let mut tried = String::new();
            for template in path.split(';').filter(|t| !t.is_empty()) {
                let candidate = template.replace('?', &name_path);
                match p.resolve(&candidate, &[p.install.as_path()]) {
                    Ok(canon) if canon.is_file() => {
                        // What identifies this version of the file for the prelude's bytecode cache.
                        let version = std::fs::metadata(&canon)
                            .ok()
                            .and_then(|m| Some((m.len(), m.modified().ok()?.duration_since(UNIX_EPOCH).ok()?)))
                            .map(|(len, d)| format!("{len}:{}", d.as_nanos()))
                            .unwrap_or_default();
                        let file = canon.to_string_lossy().into_owned();
                        return (file, p.chunk_name(&canon), candidate, version).into_lua_multi(lua);
                    }
                    Err(e) if e.ends_with(OUTSIDE) => {
                        tried.push_str(&format!("\n\tno file '{candidate}' (outside the install directory)"))
                    }
                    Ok(_) | Err(_) => tried.push_str(&format!("\n\tno file '{candidate}'")),
                }
            }
            (Value::Nil, tried).into_lua_multi(lua)
        })?,
    )?;

    // read_module(file) -> source | nil, message
    let p = paths.clone();
    r.raw_set(
        "read_module",
        lua.create_function(move |lua, path: String| match p.resolve(&path, &[p.install.as_path()]) {
            Ok(canon) => match std::fs::read(&canon) {
                Ok(src) => lua.create_string(src)?.into_lua_multi(lua),
                Err(e) => (Value::Nil, format!("{path}: {e}")).into_lua_multi(lua),
            },
            Err(e) => (Value::Nil, e).into_lua_multi(lua),
        })?,
    )?;

    // check_read_path(path) -> true | false, message: io.open/io.lines may read it.
    let p = paths.clone();
    r.raw_set(
        "check_read_path",
        lua.create_function(move |lua, path: String| match p.resolve(&path, &p.readable()) {
            Ok(_) => true.into_lua_multi(lua),
            Err(e) => (false, e).into_lua_multi(lua),
        })?,
    )?;
    Ok(r)
}

/// `_ntopng`: helpers for our own Lua modules (JSON, response headers). Not part of ntopng's API.
fn internal_table(lua: &Lua, run: &Arc<Mutex<RunState>>) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let null = lua.create_table()?;
    let null_mt = lua.create_table()?;
    null_mt.raw_set("__tostring", lua.create_function(|_, _: Value| Ok("null"))?)?;
    null_mt.raw_set("__metatable", "json.null")?;
    null.set_metatable(Some(null_mt))?;
    t.raw_set("json_null", null.clone())?;
    let object_mt = lua.create_table()?;
    object_mt.raw_set("__jsontype", "object")?;
    let array_mt = lua.create_table()?;
    array_mt.raw_set("__jsontype", "array")?;
    t.raw_set("json_object_mt", object_mt.clone())?;
    t.raw_set("json_array_mt", array_mt.clone())?;

    // json_encode(value, indent, keyorder) -> text | nil, message
    let enc_null = null.clone();
    t.raw_set(
        "json_encode",
        lua.create_function(move |lua, (value, indent, keyorder): (Value, Option<bool>, Option<Table>)| {
            let mut opts = json::EncodeOptions { indent: indent.unwrap_or(false), keyorder: Vec::new() };
            if let Some(ko) = keyorder {
                for k in ko.sequence_values::<String>() {
                    opts.keyorder.push(k?);
                }
            }
            match json::encode(&value, Some(&enc_null), &opts) {
                Ok(s) => s.into_lua_multi(lua),
                Err(e) => (Value::Nil, e.0).into_lua_multi(lua),
            }
        })?,
    )?;
    // json_decode(text, pos, null, objectmeta, arraymeta) -> value, next | nil, pos, message
    t.raw_set(
        "json_decode",
        lua.create_function(
            move |lua, (text, pos, nullval, omt, amt): (Value, Option<i64>, Value, Option<Value>, Option<Value>)| {
                let Value::String(text) = text else {
                    return (Value::Nil, 1, format!("expected a string to decode, got {}", text.type_name()))
                        .into_lua_multi(lua);
                };
                let pick = |v: Option<Value>, default: &Table| match v {
                    None | Some(Value::Nil) => Some(default.clone()),
                    Some(Value::Table(t)) => Some(t),
                    Some(_) => None,
                };
                let opts = json::DecodeOptions {
                    object_mt: pick(omt, &object_mt),
                    array_mt: pick(amt, &array_mt),
                    null: nullval,
                };
                json::decode(lua, &text, pos.unwrap_or(1).max(1) as usize, &opts)
            },
        )?,
    )?;
    // set_header(status, content_type, headers) records the response head.
    let st = run.clone();
    t.raw_set(
        "set_header",
        lua.create_function(
            move |_, (status, content_type, headers): (Option<i64>, Option<String>, Option<Table>)| {
                let mut s = st.lock().unwrap();
                if let Some(code) = status {
                    s.status = u16::try_from(code).ok().filter(|c| (100..=999).contains(c)).unwrap_or(500);
                }
                if let Some(ct) = content_type {
                    s.content_type = Some(ct);
                }
                if let Some(h) = headers {
                    let mut pairs: Vec<(String, String)> = Vec::new();
                    for p in h.pairs::<String, String>() {
                        pairs.push(p?);
                    }
                    pairs.sort();
                    for (k, v) in pairs {
                        s.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&k));
                        s.headers.push((k, v));
                    }
                }
                s.headers_sent = true;
                Ok(())
            },
        )?,
    )?;
    Ok(t)
}
