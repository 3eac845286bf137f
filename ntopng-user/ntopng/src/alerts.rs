//! The daemon's alerting: the checks and their configuration, one alert store and writer per interface,
//! and the [`AlertProvider`] the Lua alert bindings query.

use ntopng_alerts::{answer, db_path, spawn_writer, AlertOp, AlertStore, ApiError, EngagedAlerts, Retention, WriterStats};
use ntopng_checks::{Checks, Registry};
use ntopng_engine::alert_tap::{AlertTap, ALERT_QUEUE};
use ntopng_lua::{AlertError, AlertProvider};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub struct Alerting {
    checks: Arc<Checks>,
    stores: Mutex<BTreeMap<i32, Arc<AlertStore>>>,
    /// Engaged host alerts per interface (raised by the host check runner).
    engaged: Mutex<BTreeMap<i32, Arc<EngagedAlerts>>>,
}

/// An interface's alert writer, running until its tap is dropped.
pub struct IfaceAlerts {
    pub tap: Arc<AlertTap>,
    pub stats: Arc<WriterStats>,
    pub writer: JoinHandle<()>,
}

impl Alerting {
    pub fn new() -> Arc<Alerting> {
        Arc::new(Alerting { checks: Arc::new(Checks::new(Arc::new(Registry::ntopng()), None)), stores: Mutex::new(BTreeMap::new()), engaged: Mutex::default() })
    }

    pub fn checks(&self) -> &Arc<Checks> {
        &self.checks
    }

    /// Applies changes scripts make to the stored checks configuration (`enable/check.lua`, ...)
    /// within a second, as ntopng reloads its checks when the configset is saved.
    pub fn watch_config(&self) {
        let checks = self.checks.clone();
        std::thread::Builder::new()
            .name("checks-config".into())
            .spawn(move || loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
                checks.reload_if_changed();
            })
            .expect("spawn checks-config");
    }

    /// Opens interface `ifid`'s database under `data_dir` and starts its writer. `blocking`: capture
    /// files wait for the writer; live capture counts what the queue could not take.
    pub fn attach(&self, ifid: i32, data_dir: &Path, blocking: bool) -> Result<IfaceAlerts, String> {
        let path = db_path(data_dir, ifid);
        let store = Arc::new(AlertStore::open(&path).map_err(|e| format!("{}: {e}", path.display()))?);
        self.stores.lock().unwrap().insert(ifid, store.clone());
        self.engaged.lock().unwrap().insert(ifid, Arc::default());
        let (tap, rx) = AlertTap::new(self.checks.risk_mask(), ALERT_QUEUE, blocking);
        let (stats, writer) = spawn_writer(ifid, rx, self.checks.clone(), store, Retention::default());
        Ok(IfaceAlerts { tap, stats, writer })
    }
}

impl Alerting {
    /// Where interface `ifid`'s host alerts go: its engaged alerts and its store (`None`: no alerts).
    pub fn host_alerts(&self, ifid: i32) -> Option<(Arc<EngagedAlerts>, Arc<AlertStore>)> {
        let engaged = self.engaged.lock().unwrap().get(&ifid).cloned()?;
        let store = self.stores.lock().unwrap().get(&ifid).cloned()?;
        Some((engaged, store))
    }
}

impl IfaceAlerts {
    /// Closes the tap (once the workers have dropped theirs) and waits for the writer.
    pub fn finish(self) {
        let IfaceAlerts { tap, stats, writer } = self;
        let dropped = tap.dropped();
        drop(tap);
        let _ = writer.join();
        use std::sync::atomic::Ordering;
        log::info!(
            "alerts: {} flows checked, {} flow alerts stored, {} not queued (queue full), {} errors",
            stats.flows.load(Ordering::Relaxed),
            stats.stored.load(Ordering::Relaxed),
            dropped,
            stats.errors.load(Ordering::Relaxed)
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

impl AlertProvider for Alerting {
    fn alerts(
        &self,
        ifid: i32,
        op: &str,
        family: &str,
        params: &BTreeMap<String, String>,
    ) -> Option<Result<serde_json::Value, AlertError>> {
        let store = self.stores.lock().unwrap().get(&ifid).cloned()?;
        let engaged = self.engaged.lock().unwrap().get(&ifid).cloned();
        let Some(op) = AlertOp::parse(op) else {
            return Some(Err(AlertError::InvalidArgs(format!("unknown alert action {op}"))));
        };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        Some(answer(&store, engaged.as_deref(), &self.checks, op, family, params, now).map_err(|e| match e {
            ApiError::InvalidArgs(m) => AlertError::InvalidArgs(m),
            ApiError::Internal(m) => AlertError::Internal(m),
        }))
    }
}
