//! Alert notifications to external endpoints (ntopng's syslog and webhook endpoints): every alert the
//! store takes is offered here as a [`Notification`]; each endpoint has its own bounded queue and thread
//! that delivers in batches, retries a bounded number of times with backoff, and counts what it drops.
//! Offering never blocks: a full queue is a counted drop, so a slow or dead endpoint cannot hold up the
//! alert writer (and the writer never holds up the packet path).

pub mod spec;
pub mod syslog;
pub mod webhook;

pub use spec::{EndpointSpec, SpecError};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use ntopng_checks::{Family, Severity};
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Notifications waiting per endpoint at most; past it new ones are dropped (and counted).
pub const QUEUE: usize = 4096;
/// Attempts per batch before it is dropped.
pub const ATTEMPTS: u32 = 3;
/// Wait before the first retry; doubled for each further one.
pub const BACKOFF: Duration = Duration::from_millis(100);

/// What happened to the alert, as ntopng's notifications say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A flow alert (stored when raised).
    Store,
    /// A host/network alert became engaged.
    Engage,
    /// An engaged alert was released (it is now historical).
    Release,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Store => "store",
            Action::Engage => "engage",
            Action::Release => "release",
        }
    }
}

/// One alert as sent to endpoints: its stored columns plus ntopng's notification keys.
#[derive(Debug, Clone)]
pub struct Notification {
    pub family: Family,
    pub severity: Severity,
    /// The alert type's name (for the text formats).
    pub name: String,
    /// The alert as a JSON object (`json` decoded to an object when it parses).
    pub doc: Map<String, Value>,
}

impl Notification {
    /// From an alert's columns (`cols`, as stored): adds `entity_id`, `action`, `alert_name`, `family`,
    /// `is_flow_alert`, and the `json` column decoded.
    pub fn from_columns(family: Family, action: Action, name: &str, mut cols: Map<String, Value>) -> Notification {
        let sev = cols.get("severity").and_then(Value::as_i64).and_then(Severity::from_id).unwrap_or(Severity::None);
        if let Some(Value::String(s)) = cols.get("json") {
            if let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(s) {
                cols.insert("json".into(), v);
            }
        }
        if let Some(ifid) = cols.get("interface_id").cloned() {
            cols.insert("ifid".into(), ifid);
        }
        cols.insert("entity_id".into(), Value::from(family.entity_id()));
        cols.insert("family".into(), Value::from(family.subdir()));
        cols.insert("action".into(), Value::from(action.as_str()));
        cols.insert("alert_name".into(), Value::from(name));
        cols.insert("is_flow_alert".into(), Value::from(family == Family::Flow));
        Notification { family, severity: sev, name: name.to_string(), doc: cols }
    }

    /// A flow alert as the writer stores it.
    pub fn flow(r: &crate::flow_row::FlowAlertRow, name: &str) -> Notification {
        let cols = serde_json::json!({
            "interface_id": r.interface_id, "alert_id": r.alert_id, "alert_status": 0, "alert_category": r.alert_category,
            "tstamp": r.tstamp, "tstamp_end": r.tstamp_end, "first_seen": r.first_seen, "score": r.score,
            "severity": r.severity, "json": r.json, "ip_version": r.ip_version, "cli_ip": r.cli_ip, "srv_ip": r.srv_ip,
            "cli_port": r.cli_port, "srv_port": r.srv_port, "vlan_id": r.vlan_id, "proto": r.proto,
            "l7_proto": r.l7_proto, "l7_master_proto": r.l7_master_proto, "l7_cat": r.l7_cat,
            "is_cli_attacker": r.is_cli_attacker as u8, "is_cli_victim": r.is_cli_victim as u8,
            "is_srv_attacker": r.is_srv_attacker as u8, "is_srv_victim": r.is_srv_victim as u8,
            "cli2srv_bytes": r.cli2srv_bytes, "srv2cli_bytes": r.srv2cli_bytes,
            "cli2srv_pkts": r.cli2srv_pkts, "srv2cli_pkts": r.srv2cli_pkts,
            "flow_risk_bitmap": r.flow_risk_bitmap, "info": r.info,
        });
        let Value::Object(cols) = cols else { unreachable!("an object literal") };
        Notification::from_columns(Family::Flow, Action::Store, name, cols)
    }

    /// The whole notification as one JSON text (syslog `json` format).
    pub fn to_json_text(&self) -> String {
        Value::Object(self.doc.clone()).to_string()
    }

    /// A one-line human description (syslog `plaintext` formats): severity, entity, name and the
    /// alert's subject.
    pub fn to_text(&self) -> String {
        let s = |k: &str| match self.doc.get(k) {
            Some(Value::String(v)) => v.clone(),
            Some(Value::Null) | None => String::new(),
            Some(v) => v.to_string(),
        };
        let subject = match self.family {
            Family::Flow => format!("{}:{} -> {}:{}", s("cli_ip"), s("cli_port"), s("srv_ip"), s("srv_port")),
            Family::Host => {
                let vlan = self.doc.get("vlan_id").and_then(Value::as_i64).unwrap_or(0);
                if vlan == 0 { s("ip") } else { format!("{}@{vlan}", s("ip")) }
            }
            Family::Network => s("name"),
        };
        let entity = match self.family {
            Family::Flow => "Flow",
            Family::Host => "Host",
            Family::Network => "Network",
        };
        let mut text = format!("[{}][{entity}] {} {subject} [score {}]", self.severity.title(), self.name, s("score"));
        let desc = s("description");
        if !desc.is_empty() {
            text.push_str(" ");
            text.push_str(&desc);
        }
        if self.family != Family::Flow {
            text.push_str(&format!(" ({})", s("action")));
        }
        text
    }
}

/// An endpoint: delivers a batch, all or nothing (a failed batch is retried whole).
pub trait Notifier: Send {
    /// For logs and stats.
    fn describe(&self) -> String;
    /// Most notifications per `deliver` call.
    fn max_batch(&self) -> usize;
    fn deliver(&mut self, batch: &[Notification]) -> std::io::Result<()>;
}

/// Counters of one endpoint.
#[derive(Debug, Default)]
pub struct EndpointStats {
    /// Notifications delivered.
    pub delivered: AtomicU64,
    /// Dropped because the queue was full.
    pub queue_drops: AtomicU64,
    /// Dropped after every attempt failed.
    pub failed_drops: AtomicU64,
    /// Failed attempts (each retried or ending in a drop).
    pub failed_attempts: AtomicU64,
}

struct Endpoint {
    describe: String,
    tx: Mutex<Option<Sender<Notification>>>,
    stats: Arc<EndpointStats>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

/// The configured endpoints; shared by the alert writers and the host/network checks.
pub struct Notifications {
    endpoints: Vec<Endpoint>,
}

impl Notifications {
    /// Starts one thread per endpoint.
    pub fn start(notifiers: Vec<Box<dyn Notifier>>) -> Arc<Notifications> {
        let endpoints = notifiers
            .into_iter()
            .enumerate()
            .map(|(i, n)| {
                let (tx, rx) = crossbeam_channel::bounded(QUEUE);
                let stats = Arc::new(EndpointStats::default());
                let describe = n.describe();
                let st = stats.clone();
                let thread = std::thread::Builder::new()
                    .name(format!("notify-{i}"))
                    .spawn(move || run(n, rx, &st))
                    .expect("spawn notification endpoint");
                Endpoint { describe, tx: Mutex::new(Some(tx)), stats, thread: Mutex::new(Some(thread)) }
            })
            .collect();
        Arc::new(Notifications { endpoints })
    }

    /// The endpoints of `specs`, started.
    pub fn from_specs(specs: &[EndpointSpec]) -> Arc<Notifications> {
        Self::start(specs.iter().map(EndpointSpec::notifier).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }

    /// Queues `n` for every endpoint; never waits.
    pub fn offer(&self, n: Notification) {
        let last = self.endpoints.len().saturating_sub(1);
        let mut n = Some(n);
        for (i, e) in self.endpoints.iter().enumerate() {
            let item = if i == last { n.take() } else { n.clone() };
            let Some(item) = item else { break };
            let tx = e.tx.lock().unwrap_or_else(|p| p.into_inner());
            let Some(tx) = tx.as_ref() else {
                // Finished: what arrives late is dropped, and counted.
                e.stats.queue_drops.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            match tx.try_send(item) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                    e.stats.queue_drops.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// (description, counters) per endpoint.
    pub fn stats(&self) -> Vec<(String, Arc<EndpointStats>)> {
        self.endpoints.iter().map(|e| (e.describe.clone(), e.stats.clone())).collect()
    }

    /// Stops taking notifications and waits (up to `timeout` per endpoint) for the queued ones.
    pub fn finish(&self, timeout: Duration) {
        for e in &self.endpoints {
            e.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
        }
        for e in &self.endpoints {
            let Some(t) = e.thread.lock().unwrap_or_else(|p| p.into_inner()).take() else { continue };
            let deadline = std::time::Instant::now() + timeout;
            while !t.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if t.is_finished() {
                let _ = t.join();
            }
            let s = &e.stats;
            log::info!(
                "notifications to {}: {} delivered, {} dropped (queue full), {} dropped (endpoint failing)",
                e.describe,
                s.delivered.load(Ordering::Relaxed),
                s.queue_drops.load(Ordering::Relaxed),
                s.failed_drops.load(Ordering::Relaxed)
            );
        }
    }
}

fn run(mut n: Box<dyn Notifier>, rx: Receiver<Notification>, stats: &EndpointStats) {
    let max = n.max_batch().max(1);
    let mut failing = false;
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < max {
            match rx.try_recv() {
                Ok(x) => batch.push(x),
                Err(_) => break,
            }
        }
        let mut delay = BACKOFF;
        let mut sent = false;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(delay);
                delay *= 2;
            }
            match n.deliver(&batch) {
                Ok(()) => {
                    sent = true;
                    break;
                }
                Err(e) => {
                    stats.failed_attempts.fetch_add(1, Ordering::Relaxed);
                    if !failing {
                        log::warn!("notifications to {}: {e}", n.describe());
                    }
                    failing = true;
                }
            }
        }
        if sent {
            if failing {
                log::info!("notifications to {}: delivering again", n.describe());
                failing = false;
            }
            stats.delivered.fetch_add(batch.len() as u64, Ordering::Relaxed);
        } else {
            stats.failed_drops.fetch_add(batch.len() as u64, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engaged::{Engaged, EngagedKey, Refresh};
    use crate::store::{AlertRow, AlertStore};
    use std::sync::mpsc;

    /// Hands every delivered notification to a channel.
    struct Collect(mpsc::Sender<Notification>);
    impl Notifier for Collect {
        fn describe(&self) -> String {
            "collect".into()
        }
        fn max_batch(&self) -> usize {
            4
        }
        fn deliver(&mut self, batch: &[Notification]) -> std::io::Result<()> {
            for n in batch {
                self.0.send(n.clone()).unwrap();
            }
            Ok(())
        }
    }

    fn note(i: i64) -> Notification {
        let cols = serde_json::json!({"alert_id": i, "severity": 4});
        Notification::from_columns(Family::Flow, Action::Store, "x", cols.as_object().unwrap().clone())
    }

    #[test]
    fn a_dead_endpoint_drops_and_counts_without_blocking() {
        // A port nobody listens on: connections are refused at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let spec = EndpointSpec::parse(&format!("webhook;http://127.0.0.1:{port}/")).unwrap();
        let n = Notifications::from_specs(&[spec]);
        let started = std::time::Instant::now();
        for i in 0..25 {
            n.offer(note(i));
        }
        assert!(started.elapsed() < Duration::from_millis(100), "offer waited");
        n.finish(Duration::from_secs(20));
        let (_, s) = &n.stats()[0];
        let dropped = s.failed_drops.load(Ordering::Relaxed) + s.queue_drops.load(Ordering::Relaxed);
        assert_eq!((s.delivered.load(Ordering::Relaxed), dropped), (0, 25));
        assert!(s.failed_attempts.load(Ordering::Relaxed) >= u64::from(ATTEMPTS));
        // Offers after finish are counted drops too.
        n.offer(note(99));
        assert_eq!(s.queue_drops.load(Ordering::Relaxed) + s.failed_drops.load(Ordering::Relaxed), 26);
    }

    #[test]
    fn engaged_alerts_are_notified_when_engaged_and_when_released() {
        let store = AlertStore::in_memory().unwrap();
        let (tx, rx) = mpsc::channel();
        let mut e = Engaged::notifying(Some(Notifications::start(vec![Box::new(Collect(tx))])));
        let key = EngagedKey { family: Family::Host, alert_id: 24, entity: "10.0.0.9".into(), subtype: "c".into() };
        let row = AlertRow::new(Family::Host)
            .set("interface_id", 0i64)
            .set("alert_id", 24i64)
            .set("tstamp", 100i64)
            .set("severity", 5i64)
            .set("score", 100i64)
            .set("json", "{\"check\":\"c\"}".to_string())
            .set("ip", "10.0.0.9".to_string());
        let refresh = Refresh { score: 100, severity: 5, json: "{\"check\":\"c\"}", now: 100 };
        e.trigger(&store, key.clone(), &row, &refresh).unwrap();
        // Triggered again while engaged: no new notification.
        e.trigger(&store, key.clone(), &row, &Refresh { now: 160, ..refresh }).unwrap();
        e.release(&store, &key, 220).unwrap();
        let got: Vec<Notification> = (0..2).map(|_| rx.recv_timeout(Duration::from_secs(5)).unwrap()).collect();
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err(), "more than two notifications");
        let a: Vec<_> = got.iter().map(|n| (n.doc["action"].as_str().unwrap(), n.doc["alert_status"].as_i64().unwrap())).collect();
        assert_eq!(a, [("engage", 2), ("release", 0)]);
        assert_eq!(got[0].doc["rowid"], got[1].doc["rowid"]);
        assert_eq!((got[1].doc["ip"].as_str(), got[1].doc["tstamp_end"].as_i64()), (Some("10.0.0.9"), Some(220)));
        assert_eq!(got[1].doc["json"]["check"].as_str(), Some("c"));
        assert_eq!(got[1].severity, Severity::Error);
    }
}
