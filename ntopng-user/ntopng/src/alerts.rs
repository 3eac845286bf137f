//! The daemon's alerting: the checks and their configuration, one alert store and writer per interface,
//! and the [`AlertProvider`] the Lua alert bindings query.

use ntopng_alerts::{answer, db_path, spawn_flow_writer, AlertOp, AlertStore, ApiError, Engaged, FlowEventHook, Retention, WriterStats};
use ntopng_alerts::{EndpointSpec, Notifications};
use ntopng_checks::{flow, Checks, Family, FlowContext, Registry};
use ntopng_engine::alert_tap::{AlertTap, EventWants, ALERT_QUEUE};
use ntopng_lua::{AlertError, AlertProvider};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub struct Alerting {
    checks: Arc<Checks>,
    stores: Mutex<BTreeMap<i32, Arc<AlertStore>>>,
    /// Which flow events the flow checks (this build's and the user's) want from the taps; set only
    /// by [`Alerting::update_wants`].
    wants: Arc<EventWants>,
    /// The user flow checks, given to the writers attached after it is set.
    flow_hook: Mutex<Option<Arc<dyn FlowEventHook>>>,
    /// Engaged host and network alerts, per interface (rows in its store until released).
    engaged: Mutex<BTreeMap<i32, Engaged>>,
    /// The notification endpoints, once configured (none: alerts are only stored).
    notifications: Mutex<Option<Arc<Notifications>>>,
    /// User flow check modules exist.
    lua_flow_modules: AtomicBool,
    /// Some user flow check module has `hooks.periodicUpdate` (or the custom periodic script exists).
    lua_flow_periodic: AtomicBool,
    /// What the flow checks know of the interfaces (local networks, protocol breeds, blacklist).
    flow_ctx: Mutex<Arc<FlowContext>>,
}

/// ntopng's key of the user flow checks.
const LUA_FLOW_KEY: &str = "custom_lua_script";

/// An interface's alert writer, running until its tap is dropped.
pub struct IfaceAlerts {
    pub tap: Arc<AlertTap>,
    pub stats: Arc<WriterStats>,
    pub writer: JoinHandle<()>,
}

impl Alerting {
    pub fn new() -> Arc<Alerting> {
        Arc::new(Alerting {
            checks: Arc::new(Checks::new(Arc::new(Registry::ntopng()), None)),
            stores: Mutex::new(BTreeMap::new()),
            wants: Arc::default(),
            flow_hook: Mutex::new(None),
            engaged: Mutex::new(BTreeMap::new()),
            notifications: Mutex::new(None),
            lua_flow_modules: AtomicBool::new(false),
            lua_flow_periodic: AtomicBool::new(false),
            flow_ctx: Mutex::new(Arc::new(FlowContext::default())),
        })
    }

    /// Runs `f` on interface `ifid`'s store and engaged alerts; `None` if the interface has no store.
    pub fn with_engaged<R>(&self, ifid: i32, f: impl FnOnce(&AlertStore, &mut Engaged) -> R) -> Option<R> {
        let store = self.store(ifid)?;
        let notify = self.notifications();
        let mut engaged = self.engaged.lock().unwrap();
        Some(f(&store, engaged.entry(ifid).or_insert_with(|| Engaged::notifying(notify))))
    }

    /// Releases every engaged alert of every interface (shutdown).
    pub fn release_all_engaged(&self) {
        let now = now_secs();
        let ifids: Vec<i32> = self.stores.lock().unwrap().keys().copied().collect();
        for ifid in ifids {
            if let Some(Err(e)) = self.with_engaged(ifid, |store, e| e.release_all(store, now)) {
                log::warn!("interface {ifid}: releasing engaged alerts at shutdown: {e}");
            }
        }
    }


    /// Sets what the flow checks of the interfaces attached from now on know.
    pub fn set_flow_context(&self, ctx: FlowContext) {
        ctx.install(&self.wants);
        *self.flow_ctx.lock().unwrap() = Arc::new(ctx);
        self.update_wants();
    }

    /// Whether user flow check modules exist (the user checks thread follows the install dir).
    pub fn set_lua_flow_modules(&self, present: bool) {
        self.lua_flow_modules.store(present, Ordering::Relaxed);
        self.update_wants();
    }

    /// Whether some user flow check module runs periodically (`hooks.periodicUpdate`).
    pub fn set_lua_flow_periodic(&self, present: bool) {
        if self.lua_flow_periodic.swap(present, Ordering::Relaxed) != present {
            self.update_wants();
        }
    }

    /// The one place the taps' event filters are computed: every classified flow and every ended
    /// flow while the user flow checks run, plus what the enabled flow checks of
    /// `ntopng_checks::flow` need (classified flows of some protocols/categories, or all of them
    /// classified flows with a blacklisted peer; ended flows past a duration or byte count, or with TCP
    /// issues). Flows with enabled nDPI risks are handed over regardless (the risk mask).
    pub fn update_wants(&self) {
        let lua = self.lua_flow_modules.load(Ordering::Relaxed) && self.checks.is_enabled(Family::Flow, LUA_FLOW_KEY);
        let ctx = self.flow_ctx.lock().unwrap().clone();
        let w = flow::wants(&self.checks, &ctx);
        w.store(lua, &self.wants);
        // Periodic events of live flows (ntopng's periodicUpdate): every due flow for the user's periodic
        // flow checks, those past the end filters for this build's periodic checks; none otherwise.
        let lua_periodic = lua && self.lua_flow_periodic.load(Ordering::Relaxed);
        self.wants.periodic_all.store(lua_periodic, Ordering::Relaxed);
        let period = if lua_periodic || w.periodic { flow_periodic_secs() } else { 0 };
        self.wants.periodic_s.store(period, Ordering::Relaxed);
    }

    /// Sets the hook the writers of interfaces attached from now on run on their flow events.
    pub fn set_flow_hook(&self, hook: Arc<dyn FlowEventHook>) {
        *self.flow_hook.lock().unwrap() = Some(hook);
    }

    /// The alert store of `ifid`, once attached.
    pub fn store(&self, ifid: i32) -> Option<Arc<AlertStore>> {
        self.stores.lock().unwrap().get(&ifid).cloned()
    }

    pub fn checks(&self) -> &Arc<Checks> {
        &self.checks
    }

    /// Applies changes scripts make to the stored checks configuration (`enable/check.lua`, ...)
    /// within a second, as ntopng reloads its checks when the configset is saved.
    pub fn watch_config(self: &Arc<Self>) {
        let alerting = self.clone();
        std::thread::Builder::new()
            .name("checks-config".into())
            .spawn(move || loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
                alerting.checks.reload_if_changed();
                // Checks turned on or off (by scripts or REST) change the events the taps hand over.
                alerting.update_wants();
            })
            .expect("spawn checks-config");
    }

    /// Opens interface `ifid`'s database under `data_dir` and starts its writer. `blocking`: capture
    /// files wait for the writer; live capture counts what the queue could not take.
    pub fn attach(&self, ifid: i32, data_dir: &Path, blocking: bool) -> Result<IfaceAlerts, String> {
        let path = db_path(data_dir, ifid);
        let store = Arc::new(AlertStore::open(&path).map_err(|e| format!("{}: {e}", path.display()))?);
        // What a previous run left engaged (it stopped without releasing them) is over.
        match store.release_all_engaged(now_secs()) {
            Ok(0) => {}
            Ok(n) => log::info!("interface {ifid}: {n} alerts left engaged by a previous run released"),
            Err(e) => log::warn!("interface {ifid}: releasing engaged alerts of a previous run: {e}"),
        }
        self.stores.lock().unwrap().insert(ifid, store.clone());
        let (tap, rx) = AlertTap::new(self.checks.risk_mask(), self.wants.clone(), ALERT_QUEUE, blocking);
        let hook = self.flow_hook.lock().unwrap().clone();
        let ctx = self.flow_ctx.lock().unwrap().clone();
        self.update_wants();
        let notify = self.notifications();
        let (stats, writer) = spawn_flow_writer(ifid, rx, self.checks.clone(), store, Retention::default(), hook, ctx, notify);
        Ok(IfaceAlerts { tap, stats, writer })
    }
}

impl IfaceAlerts {
    /// Closes the tap (once the workers have dropped theirs) and waits for the writer.
    pub fn finish(self) {
        let IfaceAlerts { tap, stats, writer } = self;
        let dropped = tap.dropped();
        let periodic = tap.periodic();
        drop(tap);
        let _ = writer.join();
        use std::sync::atomic::Ordering;
        log::info!(
            "alerts: {} flows checked, {} flow alerts stored, {} not queued (queue full), {} errors, {} periodic flow events",
            stats.flows.load(Ordering::Relaxed),
            stats.stored.load(Ordering::Relaxed),
            dropped,
            stats.errors.load(Ordering::Relaxed),
            periodic
        );
    }
}

/// Waits (up to a minute) until every flow handed over so far is processed, so that a capture file's
/// alerts are all stored before the interface is reported done.
pub fn wait_drained(tap: &AlertTap, stats: &WriterStats) {
    use std::sync::atomic::Ordering;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while stats.flows.load(Ordering::Relaxed) < tap.sent() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

impl Alerting {
    /// [`Alerting::attach`], or no alerts for that interface (with a warning) when its database cannot
    /// be opened: monitoring goes on.
    pub fn attach_or_warn(&self, ifid: i32, data_dir: &Path, blocking: bool) -> Option<IfaceAlerts> {
        self.attach(ifid, data_dir, blocking).map_err(|e| log::warn!("interface {ifid}: alerts disabled: {e}")).ok()
    }
}

impl Alerting {
    /// Starts the notification endpoints; the writers attached from now on and the host/network
    /// checks offer their alerts to them.
    pub fn set_endpoints(&self, specs: &[EndpointSpec]) {
        if specs.is_empty() {
            return;
        }
        let n = Notifications::from_specs(specs);
        for (d, _) in n.stats() {
            log::info!("alerts are notified to {d}");
        }
        *self.notifications.lock().unwrap() = Some(n);
    }

    pub fn notifications(&self) -> Option<Arc<Notifications>> {
        self.notifications.lock().unwrap().clone()
    }

    /// Delivers what is queued (a few seconds at most) and logs the endpoints' counters.
    pub fn finish_notifications(&self) {
        if let Some(n) = self.notifications.lock().unwrap().take() {
            n.finish(std::time::Duration::from_secs(5));
        }
    }
}

impl AlertProvider for Alerting {
    fn alerts(
        &self,
        ifid: i32,
        op: &str,
        family: &str,
        params: &BTreeMap<String, String>,
    ) -> Option<Result<serde_json::Value, AlertError>> {
        let store = self.stores.lock().unwrap().get(&ifid).cloned()?;
        let Some(op) = AlertOp::parse(op) else {
            return Some(Err(AlertError::InvalidArgs(format!("unknown alert action {op}"))));
        };
        Some(answer(&store, &self.checks, op, family, params, now_secs()).map_err(|e| match e {
            ApiError::InvalidArgs(m) => AlertError::InvalidArgs(m),
            ApiError::Internal(m) => AlertError::Internal(m),
        }))
    }
}

/// Tests shorten the period of the periodic flow events (milliseconds, rounded up to whole seconds).
pub const FLOW_PERIODIC_ENV: &str = "NTOPNG_TEST_FLOW_PERIODIC_MS";

/// The period of the periodic flow events: ntopng's 60 s of wall time, or [`FLOW_PERIODIC_ENV`].
pub fn flow_periodic_secs() -> u32 {
    std::env::var(FLOW_PERIODIC_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&ms| ms > 0)
        .map_or(60, |ms| ms.div_ceil(1000).min(u32::MAX as u64) as u32)
}

/// Wall-clock seconds.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
