//! User check scripts: Lua modules with a `check()` function under `scripts/lua/modules/flow_checks/`,
//! `host_checks/` and `network_checks/` of the install dir, run by a [`CheckEngine`] on its own VM with
//! `flow.*`, `host.*` or `network.*` bound to the entity being checked.
//!
//! The engine never runs on a packet worker: the daemon hands it flow events in batches and periodic views
//! of hosts and networks. A file dropped into one of the directories is picked up at the next scan (every
//! [`RESCAN`]); a changed file is reloaded; a module that fails to load or raises is logged and counted, and
//! the others go on. Modules stay loaded in one environment, so module-level state survives between runs
//! (as a cached ntopng check VM keeps it).
//!
//! Hooks: flow modules run `check()` (or `hooks.protocolDetected`) when a flow's protocol is detected,
//! `hooks.periodicUpdate` every period (60 s) of a live flow, and `hooks.flowEnd` when it ends; host and network modules run `check()` (or `hooks.min`) every minute, and
//! `hooks["5mins"]`, `hooks.hour`, `hooks.day` at those periods. ntopng's own form is accepted too: `callbacks/checks/flows/custom_flow_protocol_detected_script.lua`,
//! `custom_flow_periodic_script.lua`, `custom_flow_end_script.lua` and `callbacks/checks/hosts/custom_host_lua_script.lua`, whose body runs
//! for each entity.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use mlua::chunk::ChunkMode;
use mlua::{Function, IntoLuaMulti, MultiValue, Table, Value};
use ntopng_engine::host::HostKey;
use ntopng_engine::sink::FlowRecord;

use crate::bindings::flow_check::FlowSubject;
use crate::bindings::host_check::{no_reply_contacts, HostSubject};
pub use crate::bindings::host_check::NoReply;
use crate::bindings::shapes::Scope;
use crate::iface_view::{IfaceView, ViewNeeds};
use crate::request::Session;
use crate::vm::{PoolShared, Vm};

/// How often the check directories are scanned for new, changed or removed modules.
pub const RESCAN: Duration = Duration::from_secs(2);

/// ntopng's custom check scripts (lua_engine.md §1.3), under the callbacks dir: family, path, hook.
const CALLBACK_SCRIPTS: [(CheckFamily, &str, &str); 4] = [
    (CheckFamily::Flow, "checks/flows/custom_flow_protocol_detected_script.lua", "protocolDetected"),
    (CheckFamily::Flow, "checks/flows/custom_flow_end_script.lua", "flowEnd"),
    (CheckFamily::Flow, "checks/flows/custom_flow_periodic_script.lua", "periodicUpdate"),
    (CheckFamily::Host, "checks/hosts/custom_host_lua_script.lua", "min"),
];

/// How often host and network checks run (ntopng's check granularities; hooks of the same names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Periodicity {
    Min,
    FiveMins,
    Hour,
    Day,
}

impl Periodicity {
    pub const ALL: [Periodicity; 4] = [Periodicity::Min, Periodicity::FiveMins, Periodicity::Hour, Periodicity::Day];

    /// The hook name (`hooks.min`, `hooks["5mins"]`, ...); `check()` stands for `min`.
    pub fn hook(self) -> &'static str {
        match self {
            Periodicity::Min => "min",
            Periodicity::FiveMins => "5mins",
            Periodicity::Hour => "hour",
            Periodicity::Day => "day",
        }
    }

    /// The period as a multiple of the minute.
    pub fn minutes(self) -> u64 {
        match self {
            Periodicity::Min => 1,
            Periodicity::FiveMins => 5,
            Periodicity::Hour => 60,
            Periodicity::Day => 1440,
        }
    }
}

/// The three kinds of user checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckFamily {
    Flow,
    Host,
    Network,
}

impl CheckFamily {
    pub const ALL: [CheckFamily; 3] = [CheckFamily::Flow, CheckFamily::Host, CheckFamily::Network];

    /// The directory under `scripts/lua/modules/`.
    pub fn dir(self) -> &'static str {
        match self {
            CheckFamily::Flow => "flow_checks",
            CheckFamily::Host => "host_checks",
            CheckFamily::Network => "network_checks",
        }
    }
}

/// The moment of a flow's life a flow check runs at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowHook {
    ProtocolDetected,
    /// Every period (60 s) of a live flow's life (ntopng's `periodicUpdate`).
    PeriodicUpdate,
    FlowEnd,
}

impl FlowHook {
    fn name(self) -> &'static str {
        match self {
            FlowHook::ProtocolDetected => "protocolDetected",
            FlowHook::PeriodicUpdate => "periodicUpdate",
            FlowHook::FlowEnd => "flowEnd",
        }
    }
}

/// `flow.triggerAlert(score, message)` on the flow `index` of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowAlert {
    pub index: usize,
    /// The module's key (its file name without `.lua`).
    pub check: String,
    pub score: i64,
    pub message: String,
}

/// `host.triggerAlert(value, msg)` on a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostAlert {
    pub host: HostKey,
    pub check: String,
    pub score: i64,
    pub message: String,
}

/// A network alert as `network.storeTriggeredAlert` / `releaseTriggeredAlert` describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkAlert {
    pub network_id: u16,
    pub cidr: String,
    pub check: String,
    pub alert_id: i64,
    pub subtype: String,
    /// ntopng's severity id; `None`: from the score.
    pub severity: Option<i64>,
    pub score: i64,
    pub granularity: i64,
    /// `alert_type_params`, as JSON.
    pub json: String,
}

impl NetworkAlert {
    /// What identifies an engaged alert: network, type and subtype.
    pub fn key(&self) -> (u16, i64, String) {
        (self.network_id, self.alert_id, self.subtype.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkAlertOp {
    Store(NetworkAlert),
    Release(NetworkAlert),
}

/// The entity bound to the VM during one check call, and what the script asked for it.
#[derive(Default)]
pub(crate) struct CheckSlot {
    pub flow: Option<Arc<FlowSubject>>,
    pub host: Option<Arc<HostSubject>>,
    /// `(id, cidr)` of the network a network check runs on.
    pub network: Option<(u16, String)>,
    /// The module running (its key).
    pub module: Option<Arc<str>>,
    pub triggers: Vec<(i64, String)>,
    pub skip: Option<(bool, Option<i64>)>,
    pub reset_contacts: bool,
    pub network_ops: Vec<NetworkAlertOp>,
}

/// What the engine did (for logs and the daemon's stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckStats {
    /// Module function calls.
    pub calls: u64,
    /// Calls that raised (or exceeded the budget), and modules that failed to load.
    pub errors: u64,
    pub modules: usize,
}

struct Module {
    family: CheckFamily,
    key: Arc<str>,
    version: (u64, Option<SystemTime>),
    table: Table,
}

/// Runs the user checks; owned by the daemon's check thread.
pub struct CheckEngine {
    shared: PoolShared,
    vm: Vm,
    env: Table,
    modules: BTreeMap<PathBuf, Module>,
    /// Files that failed to load, by version: reported once per version.
    broken: HashMap<PathBuf, (u64, Option<SystemTime>)>,
    last_scan: Option<Instant>,
    visited: HashSet<(i32, HostKey)>,
    skipped: HashMap<(i32, HostKey), Option<i64>>,
    contacts_base: HashMap<(i32, HostKey), NoReply>,
    stats: CheckStats,
    /// Errors logged per module in the current minute (so a script failing on every flow does not flood).
    logged: HashMap<String, (Instant, u32)>,
}

fn version_of(path: &Path) -> Option<(u64, Option<SystemTime>)> {
    let md = std::fs::metadata(path).ok()?;
    md.is_file().then(|| (md.len(), md.modified().ok()))
}

impl CheckEngine {
    pub(crate) fn new(shared: PoolShared) -> mlua::Result<CheckEngine> {
        let vm = Vm::new(&shared)?;
        let lua = vm.lua();
        let empty = || lua.create_table();
        let session = lua.create_table()?;
        session.raw_set("user", "nologin")?;
        session.raw_set("group", "administrator")?;
        session.raw_set("session", "")?;
        let env: Table = vm.new_request_fn().call((
            empty()?,
            empty()?,
            empty()?,
            session,
            empty()?,
            shared.default_package_path(),
        ))?;
        Ok(CheckEngine {
            shared,
            vm,
            env,
            modules: BTreeMap::new(),
            broken: HashMap::new(),
            last_scan: None,
            visited: HashSet::new(),
            skipped: HashMap::new(),
            contacts_base: HashMap::new(),
            stats: CheckStats::default(),
            logged: HashMap::new(),
        })
    }

    pub fn stats(&self) -> CheckStats {
        CheckStats { modules: self.modules.len(), ..self.stats }
    }

    /// The directory of a family's modules.
    pub fn dir(&self, family: CheckFamily) -> PathBuf {
        self.shared.dirs.scriptdir.join("lua/modules").join(family.dir())
    }

    /// Keys of the loaded modules of `family` (scanning first if due).
    pub fn modules(&mut self, family: CheckFamily) -> Vec<String> {
        self.rescan(false);
        self.modules.values().filter(|m| m.family == family).map(|m| m.key.to_string()).collect()
    }

    /// Loads new and changed modules and forgets removed ones, at most every [`RESCAN`] unless `force`.
    pub fn rescan(&mut self, force: bool) {
        if !force && self.last_scan.is_some_and(|t| t.elapsed() < RESCAN) {
            return;
        }
        self.last_scan = Some(Instant::now());
        let mut present = HashSet::new();
        for family in CheckFamily::ALL {
            let mut files: Vec<PathBuf> = match std::fs::read_dir(self.dir(family)) {
                Ok(rd) => rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "lua")).collect(),
                Err(_) => Vec::new(),
            };
            files.sort();
            files.extend(
                CALLBACK_SCRIPTS
                    .iter()
                    .filter(|(f, _, _)| *f == family)
                    .map(|(_, rel, _)| self.shared.dirs.callbacksdir.join(rel))
                    .filter(|p| p.is_file()),
            );
            for path in files {
                let Some(version) = version_of(&path) else { continue };
                present.insert(path.clone());
                if self.modules.get(&path).is_some_and(|m| m.version == version)
                    || self.broken.get(&path) == Some(&version)
                {
                    continue;
                }
                match self.load(family, &path) {
                    Ok(m) => {
                        log::info!(target: "ntopng::checks", "{} check {} loaded", family.dir(), m.key);
                        self.broken.remove(&path);
                        self.modules.insert(path, Module { version, ..m });
                    }
                    Err(e) => {
                        self.stats.errors += 1;
                        log::error!(target: "ntopng::checks", "{}: {e}", path.display());
                        self.modules.remove(&path);
                        self.broken.insert(path, version);
                    }
                }
            }
        }
        self.modules.retain(|p, _| present.contains(p));
        self.broken.retain(|p, _| present.contains(p));
    }

    fn load(&mut self, family: CheckFamily, path: &Path) -> Result<Module, String> {
        let key: Arc<str> = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default().into();
        if let Some((_, _, hook)) = CALLBACK_SCRIPTS.iter().find(|(_, rel, _)| path.ends_with(rel)) {
            return self.load_callback(family, path, key, hook);
        }
        let src = std::fs::read(path).map_err(|e| e.to_string())?;
        let canon = path.canonicalize().map_err(|e| e.to_string())?;
        self.begin();
        let lua = self.vm.lua();
        let out = lua
            .load(&src)
            .set_name(self.shared.paths.chunk_name(&canon))
            .set_mode(ChunkMode::Text)
            .set_environment(self.env.clone())
            .into_function()
            .map_err(|e| crate::vm::root_message(&e))
            .and_then(|f| self.protected_call(&f, ()));
        self.end();
        let value = out?.into_iter().next().unwrap_or(Value::Nil);
        let Value::Table(table) = value else {
            return Err("a check module must return a table with a check() function".into());
        };
        let has_hook = |name: &str| {
            table.raw_get::<Value>(name).is_ok_and(|v| v.is_function())
                || table
                    .raw_get::<Option<Table>>("hooks")
                    .ok()
                    .flatten()
                    .is_some_and(|h| h.raw_get::<Value>(name).is_ok_and(|v| v.is_function()))
        };
        let hooks: &[&str] = match family {
            CheckFamily::Flow => &["check", "protocolDetected", "flowEnd", "periodicUpdate"],
            CheckFamily::Host | CheckFamily::Network => &["check", "min", "5mins", "hour", "day"],
        };
        if !hooks.iter().any(|h| has_hook(h)) {
            return Err(format!("a check module must return a table with a check() function (or hooks.{})", hooks[1]));
        }
        Ok(Module { family, key, version: (0, None), table })
    }

    /// ntopng's form (`callbacks/checks/...`): a script whose body is the check, run again for every
    /// entity. Becomes a module whose `hooks[hook]` is the compiled script.
    fn load_callback(&mut self, family: CheckFamily, path: &Path, key: Arc<str>, hook: &str) -> Result<Module, String> {
        let src = std::fs::read(path).map_err(|e| e.to_string())?;
        let canon = path.canonicalize().map_err(|e| e.to_string())?;
        let lua = self.vm.lua();
        let f = lua
            .load(&src)
            .set_name(self.shared.paths.chunk_name(&canon))
            .set_mode(ChunkMode::Text)
            .set_environment(self.env.clone())
            .into_function()
            .map_err(|e| crate::vm::root_message(&e))?;
        let table = lua.create_table().map_err(|e| e.to_string())?;
        let hooks = lua.create_table().map_err(|e| e.to_string())?;
        hooks.raw_set(hook, f).map_err(|e| e.to_string())?;
        table.raw_set("hooks", hooks).map_err(|e| e.to_string())?;
        Ok(Module { family, key, version: (0, None), table })
    }

    /// Starts the budget of one call (or module load) on the VM.
    fn begin(&self) {
        self.vm.run_state().lock().unwrap().begin(
            Session::nologin(),
            self.shared.time_budget,
            self.shared.instruction_budget,
        );
    }

    /// Ends the call: the slot with what the script asked.
    fn end(&self) -> CheckSlot {
        let mut s = self.vm.run_state().lock().unwrap();
        s.active = false;
        std::mem::take(&mut s.check)
    }

    /// Calls `f` under the prelude's error handler; the error message on failure (budget errors included).
    fn protected_call(&self, f: &Function, args: impl IntoLuaMulti) -> Result<MultiValue, String> {
        let res: MultiValue = self.vm.call_fn().call((f, args)).map_err(|e| crate::vm::root_message(&e))?;
        let mut it = res.into_iter();
        match it.next() {
            Some(Value::Boolean(true)) => Ok(it.collect()),
            _ => {
                {
                    let s = self.vm.run_state().lock().unwrap();
                    if s.exceeded.is_some() {
                        return Err(s.budget_message());
                    }
                }
                Err(match it.next() {
                    Some(Value::Table(t)) => t.raw_get::<Option<String>>("message").ok().flatten().unwrap_or_default(),
                    Some(Value::String(s)) => s.to_string_lossy(),
                    Some(other) => format!("{other:?}"),
                    None => "unknown error".into(),
                })
            }
        }
    }

    /// The function of `m` for `hook` (`check` stands for the family's first hook).
    fn hook_fn(table: &Table, hook: &str, is_default: bool) -> Option<Function> {
        if let Some(h) = table.raw_get::<Option<Table>>("hooks").ok().flatten() {
            if let Ok(Value::Function(f)) = h.raw_get::<Value>(hook) {
                return Some(f);
            }
        }
        if is_default {
            if let Ok(Value::Function(f)) = table.raw_get::<Value>("check") {
                return Some(f);
            }
        }
        None
    }

    /// Starts a batch of calls on interface `view`: one budget for the batch (renewed after a call that
    /// exceeded it), the interface selected with its view.
    fn start_batch(&self, view: &Arc<IfaceView>, needs: ViewNeeds) {
        self.begin();
        let mut s = self.vm.run_state().lock().unwrap();
        s.iface.selected = Some(Some(view.info.ifid));
        s.iface.view = Some((needs, view.clone()));
    }

    fn end_batch(&self) {
        let mut s = self.vm.run_state().lock().unwrap();
        s.active = false;
        s.check = CheckSlot::default();
        s.iface = Default::default();
    }

    /// Runs `f(info)` for module `key` with `slot` bound, inside a batch. What the script asked for.
    fn call(&mut self, key: &Arc<str>, f: &Function, info: &Table, view: &Arc<IfaceView>, needs: ViewNeeds, slot: CheckSlot) -> CheckSlot {
        {
            let mut s = self.vm.run_state().lock().unwrap();
            s.iface.network = slot.network.as_ref().map(|(id, _)| *id);
            s.check = CheckSlot { module: Some(key.clone()), ..slot };
        }
        let out = self.protected_call(f, info);
        let (slot, exceeded) = {
            let mut s = self.vm.run_state().lock().unwrap();
            (std::mem::take(&mut s.check), s.exceeded.is_some())
        };
        self.stats.calls += 1;
        if let Err(e) = out {
            self.stats.errors += 1;
            let now = Instant::now();
            let entry = self.logged.entry(key.to_string()).or_insert((now, 0));
            if now.duration_since(entry.0) >= Duration::from_secs(60) {
                *entry = (now, 0);
            }
            entry.1 += 1;
            if entry.1 <= 3 {
                log::error!(target: "ntopng::checks", "check {key}: {e}");
            }
            if exceeded {
                // The budget error sticks to the run: the next calls get a fresh one.
                self.start_batch(view, needs);
            }
        }
        slot
    }

    fn of_family(&self, family: CheckFamily) -> Vec<(Arc<str>, Table)> {
        self.modules.values().filter(|m| m.family == family).map(|m| (m.key.clone(), m.table.clone())).collect()
    }

    /// How many flow modules have a function for `hook` (the daemon asks for periodic flow events only
    /// while some module has `hooks.periodicUpdate`).
    pub fn flow_modules_with(&mut self, hook: FlowHook) -> usize {
        self.rescan(false);
        let is_default = hook == FlowHook::ProtocolDetected;
        self.modules
            .values()
            .filter(|m| m.family == CheckFamily::Flow && Self::hook_fn(&m.table, hook.name(), is_default).is_some())
            .count()
    }

    /// Runs the flow modules on a batch of flow events of interface `view` (whose local networks and
    /// broadcast domains give the flows' direction). The alerts they triggered.
    pub fn run_flows(&mut self, view: &Arc<IfaceView>, events: &[(FlowHook, &FlowRecord)]) -> Vec<FlowAlert> {
        self.rescan(false);
        // Each module's function per hook, looked up once per batch.
        let mut detected = Vec::new();
        let mut periodic = Vec::new();
        let mut ended = Vec::new();
        for m in self.modules.values().filter(|m| m.family == CheckFamily::Flow) {
            if let Some(f) = Self::hook_fn(&m.table, FlowHook::ProtocolDetected.name(), true) {
                detected.push((m.key.clone(), f));
            }
            if let Some(f) = Self::hook_fn(&m.table, FlowHook::PeriodicUpdate.name(), false) {
                periodic.push((m.key.clone(), f));
            }
            if let Some(f) = Self::hook_fn(&m.table, FlowHook::FlowEnd.name(), false) {
                ended.push((m.key.clone(), f));
            }
        }
        if detected.is_empty() && periodic.is_empty() && ended.is_empty() {
            return Vec::new();
        }
        let (Ok(detected_info), Ok(periodic_info), Ok(ended_info)) = (
            self.flow_info(FlowHook::ProtocolDetected),
            self.flow_info(FlowHook::PeriodicUpdate),
            self.flow_info(FlowHook::FlowEnd),
        ) else {
            return Vec::new();
        };
        let sc = Scope::new(view, None);
        let mut alerts = Vec::new();
        self.start_batch(view, ViewNeeds::COUNTERS);
        for (i, (hook, rec)) in events.iter().enumerate() {
            let (fns, info) = match hook {
                FlowHook::ProtocolDetected => (&detected, &detected_info),
                FlowHook::PeriodicUpdate => (&periodic, &periodic_info),
                FlowHook::FlowEnd => (&ended, &ended_info),
            };
            if fns.is_empty() {
                continue;
            }
            let subject = Arc::new(FlowSubject::of(&sc, rec));
            for (key, f) in fns {
                let slot = CheckSlot { flow: Some(subject.clone()), ..Default::default() };
                let slot = self.call(key, f, info, view, ViewNeeds::COUNTERS, slot);
                alerts.extend(
                    slot.triggers.into_iter().map(|(score, message)| FlowAlert { index: i, check: key.to_string(), score, message }),
                );
            }
        }
        self.end_batch();
        alerts
    }

    fn flow_info(&self, hook: FlowHook) -> mlua::Result<Table> {
        let t = self.vm.lua().create_table()?;
        t.raw_set("hook", hook.name())?;
        Ok(t)
    }

    /// Runs the host modules on every host of `view` (a view with hosts and flows), at wall-clock second
    /// `now`. The alerts triggered in this run.
    pub fn run_hosts(&mut self, view: &Arc<IfaceView>, now: i64) -> Vec<HostAlert> {
        self.run_hosts_every(view, now, Periodicity::Min)
    }

    /// [`CheckEngine::run_hosts`] for the modules' hook of `periodicity`.
    pub fn run_hosts_every(
        &mut self,
        view: &Arc<IfaceView>,
        now: i64,
        periodicity: Periodicity,
    ) -> Vec<HostAlert> {
        self.rescan(false);
        let is_min = periodicity == Periodicity::Min;
        let mods: Vec<(Arc<str>, Function)> = self
            .of_family(CheckFamily::Host)
            .into_iter()
            .filter_map(|(k, t)| Self::hook_fn(&t, periodicity.hook(), is_min).map(|f| (k, f)))
            .collect();
        if mods.is_empty() {
            return Vec::new();
        }
        let ifid = view.info.ifid;
        let names = self.shared.interfaces.as_ref().and_then(|p| p.protocol_names());
        let mut alerts = Vec::new();
        let subjects: Vec<HostSubject> = {
            let sc = Scope::new(view, names.as_deref());
            let contacts = no_reply_contacts(&sc);
            view.snapshot
                .hosts
                .values()
                .filter(|h| match self.skipped.get(&(ifid, h.key)) {
                    Some(None) => false,
                    Some(Some(until)) => now >= *until,
                    None => true,
                })
                .map(|h| {
                    let base = self.contacts_base.get(&(ifid, h.key)).copied().unwrap_or_default();
                    let c = contacts.get(&h.key).copied().unwrap_or_default().since(base);
                    let first = !self.visited.contains(&(ifid, h.key));
                    // ntopng's host score: its flows' as client and as server, and its engaged alerts'.
                    let engaged = view.engaged.get(&h.key).map_or(0, |e| e.score);
                    let score = u64::from(h.score.as_client) + u64::from(h.score.as_server) + u64::from(engaged);
                    HostSubject::of(&sc, h, c, score, first)
                })
                .collect()
        };
        self.start_batch(view, ViewNeeds::HOSTS_FLOWS);
        for subject in subjects {
            let key = subject.key;
            let subject = Arc::new(subject);
            let Ok(info) = self.host_info(&subject) else { continue };
            for (mkey, f) in &mods {
                let slot = CheckSlot { host: Some(subject.clone()), ..Default::default() };
                let slot = self.call(mkey, f, &info, view, ViewNeeds::HOSTS_FLOWS, slot);
                alerts.extend(
                    slot.triggers.into_iter().map(|(score, message)| HostAlert { host: key, check: mkey.to_string(), score, message }),
                );
                match slot.skip {
                    Some((true, until)) => {
                        self.skipped.insert((ifid, key), until);
                    }
                    Some((false, _)) => {
                        self.skipped.remove(&(ifid, key));
                    }
                    None => {}
                }
                if slot.reset_contacts {
                    let base = self.contacts_base.get(&(ifid, key)).copied().unwrap_or_default();
                    let total = NoReply {
                        peers_as_client: base.peers_as_client + subject.contacts.peers_as_client,
                        peers_as_server: base.peers_as_server + subject.contacts.peers_as_server,
                        server_ports: base.server_ports + subject.contacts.server_ports,
                        flows_as_client: base.flows_as_client + subject.contacts.flows_as_client,
                        flows_as_server: base.flows_as_server + subject.contacts.flows_as_server,
                    };
                    self.contacts_base.insert((ifid, key), total);
                }
            }
            self.visited.insert((ifid, key));
        }
        self.end_batch();
        // Forget hosts that are gone.
        let live: HashSet<HostKey> = view.snapshot.hosts.keys().copied().collect();
        self.visited.retain(|(i, k)| *i != ifid || live.contains(k));
        self.contacts_base.retain(|(i, k), _| *i != ifid || live.contains(k));
        self.skipped.retain(|(i, k), _| *i != ifid || live.contains(k));
        alerts
    }

    fn host_info(&self, h: &HostSubject) -> mlua::Result<Table> {
        let t = self.vm.lua().create_table()?;
        t.raw_set("ip", h.ip.as_str())?;
        t.raw_set("vlan", h.key.vlan)?;
        t.raw_set("host", if h.key.vlan == 0 { h.ip.clone() } else { format!("{}@{}", h.ip, h.key.vlan) })?;
        t.raw_set("localhost", h.local)?;
        Ok(t)
    }

    /// Runs the network modules on every local network of `view`. The store and release requests they made.
    pub fn run_networks(&mut self, view: &Arc<IfaceView>) -> Vec<NetworkAlertOp> {
        self.run_networks_every(view, Periodicity::Min)
    }

    /// [`CheckEngine::run_networks`] for the modules' hook of `periodicity`.
    pub fn run_networks_every(&mut self, view: &Arc<IfaceView>, periodicity: Periodicity) -> Vec<NetworkAlertOp> {
        self.rescan(false);
        let is_min = periodicity == Periodicity::Min;
        let mods: Vec<(Arc<str>, Function)> = self
            .of_family(CheckFamily::Network)
            .into_iter()
            .filter_map(|(k, t)| Self::hook_fn(&t, periodicity.hook(), is_min).map(|f| (k, f)))
            .collect();
        let mut ops = Vec::new();
        if mods.is_empty() {
            return ops;
        }
        self.start_batch(view, ViewNeeds::HOSTS_FLOWS);
        for (id, cidr) in view.info.local_networks.iter().enumerate() {
            let Ok(id) = u16::try_from(id) else { break };
            let Ok(info) = self.network_info(view.info.ifid, id, cidr) else { continue };
            for (mkey, f) in &mods {
                let slot = CheckSlot { network: Some((id, cidr.clone())), ..Default::default() };
                let slot = self.call(mkey, f, &info, view, ViewNeeds::HOSTS_FLOWS, slot);
                ops.extend(slot.network_ops);
            }
        }
        self.end_batch();
        ops
    }

    fn network_info(&self, ifid: i32, id: u16, cidr: &str) -> mlua::Result<Table> {
        let t = self.vm.lua().create_table()?;
        t.raw_set("network_cidr", cidr)?;
        t.raw_set("network_id", id)?;
        t.raw_set("network", cidr)?;
        t.raw_set("ifid", ifid)?;
        Ok(t)
    }
}
