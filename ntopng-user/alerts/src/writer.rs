//! The alert writer: a thread that takes flow events from the engine's tap, runs the flow checks
//! (nDPI risk checks and the flow checks of `ntopng_checks::flow`, combined into one row per flow
//! event) and the user flow checks (a [`FlowEventHook`]) on every event, and stores what they raise,
//! in batches, applying retention as it goes.

use crate::flow_row::FlowAlertRow;
use crate::notify::{Notification, Notifications};
use crate::store::{AlertStore, Retention};
use crossbeam_channel::Receiver;
use ntopng_checks::{ActiveChecks, Checks, FlowContext};
use ntopng_engine::alert_tap::{FlowEvent, FlowEventKind};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Flows taken from the queue per transaction at most.
const BATCH: usize = 512;
/// How long the writer waits for a batch to fill once a flow has arrived: fewer, larger transactions.
const BATCH_WAIT: Duration = Duration::from_millis(10);
/// Flows whose periodic alerts the writer remembers at most (so that their end does not raise them again);
/// past it, such a flow's end may store them a second time.
const PERIODIC_MEMORY: usize = 1 << 20;
/// Retention runs at most this often.
const RETENTION_PERIOD: Duration = Duration::from_secs(60);

/// What the writer did (readable while it runs).
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Flows received from the tap and processed (their alerts stored or failed).
    pub flows: AtomicU64,
    /// Flow alerts stored.
    pub stored: AtomicU64,
    /// Flows whose checks had been disabled by the time they were evaluated.
    pub skipped: AtomicU64,
    pub errors: AtomicU64,
}

/// Checks run on flow events outside the risk checks (the user's Lua flow checks).
pub trait FlowEventHook: Send + Sync {
    /// The alerts raised on a batch of events of interface `ifid`.
    fn on_events(&self, ifid: i32, events: &[FlowEvent]) -> Vec<FlowAlertRow>;
}

/// Starts the writer of interface `ifid`; it ends when every sender of `rx` is gone. The flow checks
/// that need local networks, protocol breeds or a blacklist raise nothing (see [`spawn_flow_writer`]).
pub fn spawn_writer(
    ifid: i32,
    rx: Receiver<FlowEvent>,
    checks: Arc<Checks>,
    store: Arc<AlertStore>,
    retention: Retention,
    hook: Option<Arc<dyn FlowEventHook>>,
) -> (Arc<WriterStats>, std::thread::JoinHandle<()>) {
    spawn_flow_writer(ifid, rx, checks, store, retention, hook, Arc::new(FlowContext::default()), None)
}

/// [`spawn_writer`] with what the flow checks know of the interface (its local networks, nDPI's
/// protocol table and the blacklist), offering every stored flow alert to `notify` (the notification
/// endpoints).
#[allow(clippy::too_many_arguments)]
pub fn spawn_flow_writer(
    ifid: i32,
    rx: Receiver<FlowEvent>,
    checks: Arc<Checks>,
    store: Arc<AlertStore>,
    retention: Retention,
    hook: Option<Arc<dyn FlowEventHook>>,
    ctx: Arc<FlowContext>,
    notify: Option<Arc<Notifications>>,
) -> (Arc<WriterStats>, std::thread::JoinHandle<()>) {
    let stats = Arc::new(WriterStats::default());
    let st = stats.clone();
    let handle = std::thread::Builder::new()
        .name(format!("alerts-{ifid}"))
        .spawn(move || run(ifid, rx, &checks, &ctx, &store, retention, hook.as_deref(), notify.as_deref(), &st))
        .expect("spawn alert writer");
    (stats, handle)
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The writer yields to the packet workers: on a shared core it runs when they wait (the queue
/// absorbs bursts), so alerts do not slow packet processing.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain syscalls on the calling thread's own id.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        if libc::setpriority(libc::PRIO_PROCESS, tid, 19) != 0 {
            log::debug!("alert writer: cannot lower its priority");
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn run(
    ifid: i32,
    rx: Receiver<FlowEvent>,
    checks: &Checks,
    ctx: &FlowContext,
    store: &AlertStore,
    retention: Retention,
    hook: Option<&dyn FlowEventHook>,
    notify: Option<&Notifications>,
    stats: &WriterStats,
) {
    lower_priority();
    let mut last_retention = Instant::now();
    let mut rows = Vec::with_capacity(BATCH);
    // Per flow (`hash_id`), the checks (registry positions) that raised on its periodic events: ntopng
    // keeps one alert per flow and type, so neither a later periodic event nor the end raises them again.
    let mut periodic_raised: HashMap<u64, Vec<usize>> = HashMap::new();
    let apply_retention = |stats: &WriterStats| {
        if let Err(e) = store.apply_retention(&retention, now_secs()) {
            stats.errors.fetch_add(1, Ordering::Relaxed);
            log::error!("alert retention: {e}");
        }
    };
    apply_retention(stats);
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        let deadline = Instant::now() + BATCH_WAIT;
        while batch.len() < BATCH {
            match rx.recv_deadline(deadline) {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        rows.clear();
        // The checks' configuration is read once per batch (it may change at run time).
        let active = ActiveChecks::prepare(checks, ctx);
        for ev in &batch {
            let rec = &ev.record;
            let skip = match ev.kind {
                FlowEventKind::Classified => None,
                FlowEventKind::Periodic => periodic_raised.get(&rec.hash_id).cloned(),
                FlowEventKind::Ended => periodic_raised.remove(&rec.hash_id),
            };
            match active.run_skipping(ev.kind, rec, ctx, skip.as_deref().unwrap_or(&[])) {
                Some(found) => {
                    if ev.kind == FlowEventKind::Periodic {
                        remember(&mut periodic_raised, rec.hash_id, &found);
                    }
                    let row = FlowAlertRow::new(ifid, rec, &found);
                    rows.push(row.with_blacklisted(ctx.cli_blacklisted(rec), ctx.srv_blacklisted(rec)));
                }
                None if ev.kind == FlowEventKind::Classified && rec.classification.as_ref().is_some_and(|c| c.risk != 0) => {
                    stats.skipped.fetch_add(1, Ordering::Relaxed);
                }
                None => {}
            }
        }
        if let Some(h) = hook {
            rows.extend(h.on_events(ifid, &batch));
        }
        match store.insert_flow_alerts(&rows) {
            Ok(()) => {
                stats.stored.fetch_add(rows.len() as u64, Ordering::Relaxed);
                if let Some(n) = notify {
                    offer_flow_alerts(n, checks, &rows);
                }
            }
            Err(e) => {
                stats.errors.fetch_add(1, Ordering::Relaxed);
                log::error!("storing {} flow alerts: {e}", rows.len());
            }
        }
        stats.flows.fetch_add(batch.len() as u64, Ordering::Relaxed);
        if last_retention.elapsed() >= RETENTION_PERIOD {
            apply_retention(stats);
            last_retention = Instant::now();
        }
    }
    apply_retention(stats);
}

/// Notes the checks a periodic event of flow `hash_id` raised.
fn remember(memory: &mut HashMap<u64, Vec<usize>>, hash_id: u64, found: &ntopng_checks::FlowAlerts) {
    if memory.len() >= PERIODIC_MEMORY && !memory.contains_key(&hash_id) {
        return;
    }
    let e = memory.entry(hash_id).or_default();
    for a in &found.alerts {
        if !e.contains(&a.check) {
            e.push(a.check);
        }
    }
}

/// Stored flow alerts to the endpoints (ntopng notifies a flow alert when it is raised).
fn offer_flow_alerts(n: &Notifications, checks: &Checks, rows: &[FlowAlertRow]) {
    for r in rows {
        let name = checks.registry().alert_name(ntopng_checks::Family::Flow, r.alert_id).unwrap_or("");
        n.offer(Notification::flow(r, name));
    }
}
