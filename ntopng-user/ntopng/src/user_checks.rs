//! The user checks of the install dir (`scripts/lua/modules/{flow,host,network}_checks/`), wired into the
//! daemon:
//! * flow checks run in the alert writers, on the flow events the workers queue (classified and ended
//!   flows, asked for only while flow check modules exist; periodic events of live flows only while a
//!   module has `hooks.periodicUpdate`); their `flow.triggerAlert` calls are stored
//!   as `flow_alert_custom_lua_script` alerts;
//! * host and network checks run on their own thread every minute on the wall clock (ntopng's host
//!   periodic update and minute network checks; modules' `5mins`, `hour` and `day` hooks at those
//!   multiples), also while a capture file's state is kept after it was read; their alerts are engaged
//!   while triggered and released (stored as historical) when not.
//!
//! Each side has its own check engine (a VM of its own), so neither waits on the other nor on HTTP.

use crate::alerts::{now_secs, Alerting};
use crate::interfaces::Interfaces;
use ntopng_alerts::{AlertRow, Engaged, EngagedKey, FlowAlertRow, FlowEventHook, Refresh};
use ntopng_checks::{Family, Severity};
use ntopng_engine::alert_tap::{FlowEvent, FlowEventKind};
use ntopng_engine::Snapshot;
use ntopng_lua::{
    CheckEngine, CheckFamily, FlowHook, IfaceView, InterfaceProvider, LuaPool, NetworkAlertOp, Periodicity, ViewNeeds,
};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;


const FLOW_KEY: &str = "custom_lua_script";
const HOST_KEY: &str = "custom_host_lua_script";
const NETWORK_KEY: &str = "custom_network_lua_script";
const HOST_ALERT_ID: u16 = 24;

/// The minute of the host checks (ntopng's 60 s; tests shorten it, see [`crate::host_checks::period`]),
/// in whole seconds.
fn period() -> Duration {
    Duration::from_secs(crate::host_checks::period().as_secs().max(1))
}

/// The flow side: runs the flow modules on a writer's batch of events.
struct FlowChecks {
    engine: Mutex<CheckEngine>,
    alerting: Arc<Alerting>,
    /// Per interface, a view with its identity and local networks only (a flow's direction needs no
    /// more): taking a worker view here could wait on workers that wait on this writer's queue.
    contexts: HashMap<i32, Arc<IfaceView>>,
}

impl FlowEventHook for FlowChecks {
    fn on_events(&self, ifid: i32, events: &[FlowEvent]) -> Vec<FlowAlertRow> {
        let checks = self.alerting.checks();
        if !checks.is_enabled(Family::Flow, FLOW_KEY) {
            return Vec::new();
        }
        let Some(ctx) = self.contexts.get(&ifid) else { return Vec::new() };
        let batch: Vec<(FlowHook, &ntopng_engine::sink::FlowRecord)> = events
            .iter()
            .map(|e| {
                let hook = match e.kind {
                    FlowEventKind::Classified => FlowHook::ProtocolDetected,
                    FlowEventKind::Periodic => FlowHook::PeriodicUpdate,
                    FlowEventKind::Ended => FlowHook::FlowEnd,
                };
                (hook, &e.record)
            })
            .collect();
        let alerts = self.engine.lock().unwrap().run_flows(ctx, &batch);
        let Some(def) = checks.registry().get(Family::Flow, FLOW_KEY) else { return Vec::new() };
        alerts
            .iter()
            .map(|a| FlowAlertRow::custom_script(ifid, batch[a.index].1, def, &a.check, a.score, &a.message))
            .collect()
    }
}

/// Handle of the periodic side; [`UserChecks::stop`] releases what is engaged.
pub struct UserChecks {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl UserChecks {
    /// Starts the periodic thread and installs the flow side in `alerting` (for the writers attached
    /// afterwards). The taps are told at once whether flow check modules exist, so that a capture file
    /// read right after startup is checked from its first flow.
    pub fn start(pool: &LuaPool, interfaces: Arc<Interfaces>, alerting: Arc<Alerting>) -> Result<UserChecks, String> {
        let mut flow_engine = pool.check_engine().map_err(|e| format!("flow checks: {e}"))?;
        let mut periodic = pool.check_engine().map_err(|e| format!("host checks: {e}"))?;
        set_flow_wants(&alerting, !flow_engine.modules(CheckFamily::Flow).is_empty());
        alerting.set_lua_flow_periodic(flow_engine.flow_modules_with(FlowHook::PeriodicUpdate) > 0);
        for family in [CheckFamily::Host, CheckFamily::Network] {
            let n = periodic.modules(family).len();
            if n > 0 {
                log::info!("{n} user {} checks, run every {} s", family.dir(), period().as_secs());
            }
        }
        let contexts = interfaces
            .interfaces()
            .into_iter()
            .map(|info| (info.ifid, Arc::new(IfaceView { info, snapshot: Arc::new(Snapshot::default()), epoch: 0, engaged: Arc::default() })))
            .collect();
        alerting.set_flow_hook(Arc::new(FlowChecks { engine: Mutex::new(flow_engine), alerting: alerting.clone(), contexts }));
        let stop = Arc::new(AtomicBool::new(false));
        let st = stop.clone();
        let thread = std::thread::Builder::new()
            .name("user-checks".into())
            .spawn(move || Periodic { engine: periodic, interfaces, alerting }.run(&st))
            .map_err(|e| format!("user checks thread: {e}"))?;
        Ok(UserChecks { stop, thread: Some(thread) })
    }

    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn set_flow_wants(alerting: &Alerting, on: bool) {
    // The taps' flags also serve this build's flow checks: Alerting computes them in one place.
    alerting.set_lua_flow_modules(on);
}

struct Periodic {
    engine: CheckEngine,
    interfaces: Arc<Interfaces>,
    alerting: Arc<Alerting>,
}

impl Periodic {
    fn run(mut self, stop: &AtomicBool) {
        let period = period();
        let mut next = next_slot(period);
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
            // Flow modules dropped in or removed while running: the taps follow (the scan is cached).
            set_flow_wants(&self.alerting, !self.engine.modules(CheckFamily::Flow).is_empty());
            self.alerting.set_lua_flow_periodic(self.engine.flow_modules_with(FlowHook::PeriodicUpdate) > 0);
            if now_secs() >= next {
                // The minute checks at every slot; the 5-minute, hourly and daily ones at theirs.
                let slot = next / period.as_secs().max(1) as i64;
                for p in Periodicity::ALL {
                    if slot % p.minutes() as i64 == 0 {
                        self.run_once(p);
                    }
                }
                next = next_slot(period);
            }
        }
        self.alerting.release_all_engaged();
    }

    fn run_once(&mut self, periodicity: Periodicity) {
        let checks = self.alerting.checks().clone();
        let hosts_on = checks.is_enabled(Family::Host, HOST_KEY) && !self.engine.modules(CheckFamily::Host).is_empty();
        let nets_on =
            checks.is_enabled(Family::Network, NETWORK_KEY) && !self.engine.modules(CheckFamily::Network).is_empty();
        for info in self.interfaces.interfaces() {
            let ifid = info.ifid;
            if self.alerting.store(ifid).is_none() {
                continue;
            }
            let now = now_secs();
            let view = if hosts_on || nets_on { self.interfaces.background_view(ifid, ViewNeeds::HOSTS_FLOWS) } else { None };
            let host_alerts = match (hosts_on, &view) {
                (true, Some(view)) => self.engine.run_hosts_every(view, now, periodicity),
                _ => Vec::new(),
            };
            let net_ops = match (nets_on, &view) {
                (true, Some(view)) => self.engine.run_networks_every(view, periodicity),
                _ => Vec::new(),
            };
            // The alerts are applied under the engaged-alerts lock, never while Lua runs.
            let summary = self.alerting.with_engaged(ifid, |store, engaged| {
                let mut seen = HashSet::new();
                for a in host_alerts {
                    let ip = a.host.addr.to_string();
                    let entity = if a.host.vlan == 0 { ip.clone() } else { format!("{ip}@{}", a.host.vlan) };
                    let subtype = format!("{}:{}", a.check, periodicity.hook());
                    let key = EngagedKey { family: Family::Host, alert_id: HOST_ALERT_ID, entity, subtype };
                    let score = a.score.max(0);
                    let severity = i64::from(Severity::from_score(score as u32).id());
                    let json = serde_json::json!({"check": a.check, "message": a.message, "score": score}).to_string();
                    let row = AlertRow::new(Family::Host)
                        .set("interface_id", i64::from(ifid))
                        .set("alert_id", i64::from(HOST_ALERT_ID))
                        .set("tstamp", now)
                        .set("tstamp_end", now)
                        .set("severity", severity)
                        .set("score", score)
                        .set("json", json.clone())
                        .set("alert_category", 0i64)
                        .set("granularity", (period().as_secs() * periodicity.minutes()) as i64)
                        .set("description", a.message.clone())
                        .set("ip_version", if a.host.addr.is_v4() { 4i64 } else { 6 })
                        .set("ip", ip.clone())
                        .set("vlan_id", i64::from(a.host.vlan))
                        .set("name", ip)
                        .set("is_attacker", 0i64)
                        .set("is_victim", 0i64)
                        .set("is_client", 0i64)
                        .set("is_server", 0i64);
                    let refresh = Refresh { score, severity, json: &json, now };
                    if let Err(e) = engaged.trigger(store, key.clone(), &row, &refresh) {
                        log::warn!("interface {ifid}: storing a host check alert: {e}");
                    }
                    seen.insert(key);
                }
                // Host alerts of the Lua checks not triggered again are over (also when the checks were
                // turned off).
                let suffix = format!(":{}", periodicity.hook());
                let lua_host =
                    |k: &EngagedKey| k.family == Family::Host && k.alert_id == HOST_ALERT_ID && k.subtype.ends_with(&suffix);
                if let Err(e) = engaged.release_unseen(store, lua_host, &seen, now) {
                    log::warn!("interface {ifid}: releasing host check alerts: {e}");
                }
                for op in net_ops {
                    if let Err(e) = apply_network_op(engaged, store, &checks, ifid, op, now) {
                        log::warn!("interface {ifid}: network check alert: {e}");
                    }
                }
                crate::host_checks::engaged_summary(engaged)
            });
            if let Some(summary) = summary {
                self.interfaces.set_engaged(ifid, summary);
            }
        }
    }
}

fn apply_network_op(
    engaged: &mut Engaged,
    store: &ntopng_alerts::AlertStore,
    checks: &ntopng_checks::Checks,
    ifid: i32,
    op: NetworkAlertOp,
    now: i64,
) -> Result<(), ntopng_alerts::StoreError> {
    let (store_it, a) = match op {
        NetworkAlertOp::Store(a) => (true, a),
        NetworkAlertOp::Release(a) => (false, a),
    };
    let alert_id = u16::try_from(a.alert_id.clamp(0, i64::from(u16::MAX))).unwrap_or(0);
    let key = EngagedKey { family: Family::Network, alert_id, entity: a.cidr.clone(), subtype: a.subtype.clone() };
    if !store_it {
        engaged.release(store, &key, now)?;
        return Ok(());
    }
    let score = a.score.max(0);
    let severity = a.severity.unwrap_or_else(|| i64::from(Severity::from_score(score as u32).id()));
    let category = checks
        .registry()
        .all()
        .iter()
        .find(|c| c.family == Family::Network && c.alert_id == alert_id)
        .map_or(0, |c| i64::from(c.category.id()));
    let row = AlertRow::new(Family::Network)
        .set("interface_id", i64::from(ifid))
        .set("alert_id", i64::from(alert_id))
        .set("tstamp", now)
        .set("tstamp_end", now)
        .set("severity", severity)
        .set("score", score)
        .set("json", a.json.clone())
        .set("alert_category", category)
        .set("granularity", a.granularity)
        .set("description", a.check.clone())
        .set("local_network_id", i64::from(a.network_id))
        .set("name", a.cidr.clone());
    engaged.trigger(store, key, &row, &Refresh { score, severity, json: &a.json, now })
}

/// The next wall-clock multiple of `period` (seconds since the epoch), as ntopng aligns its periodic
/// activities.
fn next_slot(period: Duration) -> i64 {
    let p = period.as_secs().max(1) as i64;
    (now_secs() / p + 1) * p
}
