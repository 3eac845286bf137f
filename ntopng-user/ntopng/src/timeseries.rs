//! The timeseries writer: a thread that appends each interface's points to the store
//! (`<data dir>/timeseries.sqlite`), off the packet path. It runs with the control plane only (nothing
//! could read the points with the web server off).
//!
//! Live interfaces: wall clock, one pass a second, a background view each ([`Interfaces::background_view`]:
//! workers copy the counters only, and the hosts only when a host schema or `iface:hosts` is due);
//! a second skipped is spread evenly (`Fill::Spread`).
//!
//! Capture files: packet time, at every step boundary. The workers sample their counters whenever a
//! packet's second is past the previous one (`ntopng_engine::step_samples`: 1 s counters, L7 totals and
//! host counts when a minute boundary is crossed, local hosts when a 5-minute one is) into bounded
//! queues; this thread drains them every 20 ms while the file is read, merges the workers by packet
//! time ([`StepMerger`]) and writes the state at second `B - 1` at every boundary `B` of each step once
//! every worker got past it. Steps skipped in between had no packet (`Fill::AtEnd` stores 0 there), so
//! a capture spanning T seconds has T points of the 1 s schemas, T/300 of the host schemas, and Σ
//! points × step is each counter's total. A sample the queue could not take (this thread behind) is
//! merged into the worker's next one, a coarser bucket with exact totals. Not sampled: `host:ndpi`;
//! `iface:hosts` and `iface:local_hosts` sum the workers' counts (a host seen by two workers counts
//! twice; exact with one worker). The final sample (end of input, after nDPI's give-up) is written at
//! the boundaries following the last packet.

use crate::interfaces::Interfaces;
use ntopng_lua::{InterfaceProvider, StoredSchema, TimeseriesProvider, TsQuery, ViewNeeds};
use ntopng_engine::step_samples::StepMerger;
use ntopng_tsdb::schema::Kind;
use ntopng_tsdb::{parse_ts_query, ts_query, Fill, Recorder, TsRequest, TsStore, SCHEMAS};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Packet-time samples a worker may queue (about 1.5 MB): an hour of seconds with traffic read before the
/// writer's next pass fits; beyond, samples are merged into coarser ones (totals stay exact).
pub const STEP_SAMPLE_QUEUE: usize = 8192;

/// Benchmark only (`NTOPNG_BENCH_STEP_SAMPLES=1` without the web server): merges the capture files'
/// packet-time samples as the writer does and discards them, so the workers pay what they pay with
/// timeseries on.
pub fn discard_step_samples(ifaces: Arc<Interfaces>) {
    std::thread::spawn(move || {
        let mut mergers: Vec<(i32, StepMerger)> = ifaces
            .interfaces()
            .iter()
            .filter_map(|i| ifaces.step_sampling(i.ifid).map(|n| (i.ifid, StepMerger::new(n, &SAMPLED_STEPS))))
            .collect();
        while !mergers.is_empty() {
            mergers.retain_mut(|(ifid, m)| {
                ifaces.receive_step_samples(*ifid, m);
                m.advance(|_, _, _| {});
                !m.done()
            });
            std::thread::sleep(Duration::from_millis(20));
        }
    });
}

/// ntopng's default `ts_and_stats_data_retention_days`.
pub const RETENTION_DAYS: u64 = 30;

pub struct TsWriter {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TsWriter {
    pub fn start(store: Arc<TsStore>, interfaces: Arc<Interfaces>) -> Result<TsWriter, String> {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::Builder::new()
            .name("ts-writer".into())
            .spawn(move || run(&store, &interfaces, &s))
            .map_err(|e| e.to_string())?;
        Ok(TsWriter { stop, thread: Some(thread) })
    }

    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Writing {
    ifid: i32,
    rec: Recorder,
    /// A capture file's final state is written.
    done: bool,
    /// A capture file whose workers sample at packet-time boundaries: their samples, merged.
    samples: Option<StepMerger>,
}

/// The steps sampled at packet-time boundaries: the iface schemas' 1 s and 60 s, the host schemas' 300 s.
const SAMPLED_STEPS: [u64; 3] = [1, 60, 300];

fn run(store: &TsStore, ifaces: &Interfaces, stop: &AtomicBool) {
    let names = ifaces.protocol_names();
    let mut writing: Vec<Writing> = Vec::new();
    let mut last_maintain = 0u64;
    loop {
        // One more pass once stopping, so a capture file read meanwhile gets its final points.
        let stopping = stop.load(Ordering::Relaxed);
        let mut reading_files = false;
        let mut sampling = false;
        for info in ifaces.interfaces() {
            let idx = match writing.iter().position(|w| w.ifid == info.ifid) {
                Some(i) => i,
                None => {
                    let fill = if info.pcap_dump { Fill::AtEnd } else { Fill::Spread };
                    let samples = ifaces.step_sampling(info.ifid).filter(|_| info.pcap_dump).map(|n| StepMerger::new(n, &SAMPLED_STEPS));
                    writing.push(Writing { ifid: info.ifid, rec: Recorder::new(info.ifid, names.clone(), fill), done: false, samples });
                    writing.len() - 1
                }
            };
            let w = &mut writing[idx];
            if w.done {
                continue;
            }
            reading_files |= info.pcap_dump && info.running;
            if let Some(m) = w.samples.as_mut() {
                // Packet-time samples: a point at every boundary crossed, once every worker got there.
                ifaces.receive_step_samples(w.ifid, m);
                let rec = &mut w.rec;
                m.advance(|step, t, state| {
                    if let Err(e) = rec.record_step(store, step, t, state) {
                        log::warn!("timeseries of interface {}: {e}", w.ifid);
                    }
                });
                sampling |= !m.done();
                if m.done() {
                    w.done = true;
                    ifaces.close_step_samples(w.ifid);
                    log::info!("timeseries of {}: written up to packet time {}", info.name, m.last_change().unwrap_or(0));
                }
                continue;
            }
            let final_pass = info.pcap_dump && !info.running;
            let Some(mut v) = ifaces.background_view(w.ifid, ViewNeeds::COUNTERS) else { continue };
            if info.pcap_dump && v.snapshot.iface.last_packet_ns == 0 {
                continue;
            }
            // Hosts are copied only when something needing them is due (their time is the view's).
            let hosts = final_pass || w.rec.needs_hosts(v.epoch);
            if hosts {
                match ifaces.background_view(w.ifid, ViewNeeds::HOSTS) {
                    Some(h) => v = h,
                    None => continue,
                }
            }
            let t = v.epoch;
            let mut write = |t: u64| {
                if let Err(e) = w.rec.record(store, t, &v.snapshot, hosts) {
                    log::warn!("timeseries of interface {}: {e}", w.ifid);
                }
            };
            if final_pass {
                // The file is read: its final state at the next boundary of every step.
                for later in [1, 60, 300] {
                    write((t / later + 1) * later);
                }
                w.done = true;
                log::info!("timeseries of {}: written up to packet time {t}", info.name);
            } else {
                write(t);
            }
        }
        let now = now_epoch();
        if now >= last_maintain + 3600 {
            if let Err(e) = store.maintain(now) {
                log::warn!("timeseries maintenance: {e}");
            }
            last_maintain = now;
        }
        if stopping {
            for w in &writing {
                if w.samples.is_some() {
                    ifaces.close_step_samples(w.ifid);
                }
            }
            break;
        }
        // Live interfaces: one pass per second (their finest step), just after the second starts.
        // Capture files: their sample queues are drained often (a fast read fills them quickly).
        let pause = if sampling {
            Duration::from_millis(20)
        } else if reading_files {
            Duration::from_millis(100)
        } else {
            until_next_second()
        };
        let until = std::time::Instant::now() + pause;
        while std::time::Instant::now() < until && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50).min(until.saturating_duration_since(std::time::Instant::now())));
        }
    }
}

fn until_next_second() -> Duration {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Duration::from_millis(1000 - since.subsec_millis() as u64 + 5)
}

fn now_epoch() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The store as the Lua bindings read it (`ntop.tsQuery`, `ntop.tsStoredSchemas`).
pub struct StoreProvider(pub Arc<TsStore>);

impl TimeseriesProvider for StoreProvider {
    fn query(&self, q: &TsQuery) -> Result<serde_json::Value, String> {
        let req = TsRequest {
            schema: q.schema.clone(),
            query: parse_ts_query(&q.ts_query),
            epoch_begin: q.epoch_begin,
            epoch_end: q.epoch_end,
            limit: q.limit,
        };
        ts_query(&self.0, &req).map_err(|e| e.to_string())
    }

    fn stored(&self, family: &str, tags: &[(String, String)], begin: u64, end: u64) -> Result<Vec<StoredSchema>, String> {
        let value = |t: &str| tags.iter().find(|(k, _)| k == t).map(|(_, v)| v.clone());
        let mut out = Vec::new();
        for sc in SCHEMAS.iter().filter(|s| s.family() == family) {
            let given: Vec<Option<String>> = sc.tags.iter().map(|t| value(t)).collect();
            let entry = |top| StoredSchema {
                schema: sc.name.to_string(),
                metrics: sc.metrics.iter().map(|m| m.to_string()).collect(),
                step: sc.step,
                counter: sc.kind == Kind::Counter,
                top,
            };
            let (last_tag, head) = given.split_last().expect("schemas have tags");
            if head.iter().any(|v| v.is_none()) {
                continue;
            }
            if last_tag.is_some() {
                let tags: Vec<String> = given.into_iter().flatten().collect();
                let last = self.0.last_update(sc, &tags).map_err(|e| e.to_string())?;
                if last.is_some_and(|t| t >= begin) {
                    out.push(entry(None));
                }
            } else {
                // The values with traffic in the window, largest first: the `top:` query's series.
                let q: Vec<String> = sc.tags.iter().zip(head).map(|(t, v)| format!("{t}:{}", v.clone().unwrap_or_default())).collect();
                let rsp = self.query(&TsQuery {
                    schema: format!("top:{}", sc.name),
                    ts_query: q.join(","),
                    epoch_begin: begin,
                    epoch_end: end,
                    limit: 60,
                })?;
                let values: Vec<String> = rsp["series"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|s| s["name"].as_str().map(str::to_string)).collect())
                    .unwrap_or_default();
                if !values.is_empty() {
                    let tag = sc.tags[sc.tags.len() - 1].to_string();
                    out.push(entry(Some((tag, values))));
                }
            }
        }
        Ok(out)
    }
}
