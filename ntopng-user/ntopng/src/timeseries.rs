//! The timeseries writer: a thread that, every step, takes one view of each interface through the
//! interface provider and appends its points to the store (`<data dir>/timeseries.sqlite`), off the
//! packet path.
//!
//! Time is wall clock for live interfaces and packet time (the view's last packet) for capture files.
//! A capture file is read at full speed, so its views are taken as often as the publisher serves them
//! (every ~0.1 s of wall time), each stamped with its last packet time: a boundary crossed between two
//! views gets the traffic of the whole interval (Fill::AtEnd), not a per-boundary sample. Once the file is
//! read, the final state is written at the boundaries following the last packet, so totals are exact.

use ntopng_lua::{InterfaceProvider, ViewNeeds};
use ntopng_tsdb::{Fill, Recorder, TsStore};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub struct TsWriter {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TsWriter {
    pub fn start(data_dir: &Path, interfaces: Arc<dyn InterfaceProvider>) -> Result<TsWriter, String> {
        let store = Arc::new(TsStore::open(data_dir, 30).map_err(|e| format!("timeseries store: {e}"))?);
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (stop.clone(), store.clone());
        let thread = std::thread::Builder::new()
            .name("ts-writer".into())
            .spawn(move || run(&st, interfaces.as_ref(), &s))
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

fn run(store: &TsStore, ifaces: &dyn InterfaceProvider, stop: &AtomicBool) {
    let names = ifaces.protocol_names();
    let mut recorders: Vec<(i32, Recorder, bool /* final written */)> = Vec::new();
    let mut last_maintain = 0u64;
    loop {
        // One more pass once stopping, so a capture file read meanwhile gets its final points.
        let stopping = stop.load(Ordering::Relaxed);
        for info in ifaces.interfaces() {
            let idx = match recorders.iter().position(|r| r.0 == info.ifid) {
                Some(i) => i,
                None => {
                    let fill = if info.pcap_dump { Fill::AtEnd } else { Fill::Spread };
                    recorders.push((info.ifid, Recorder::new(info.ifid, names.clone(), fill), false));
                    recorders.len() - 1
                }
            };
            let (ifid, rec, done) = &mut recorders[idx];
            if *done {
                continue;
            }
            // Live: hosts only when their step is due (a host copy costs the workers); files: always.
            let hosts = info.pcap_dump || rec.hosts_due(ntopng_lua_now());
            let needs = if hosts { ViewNeeds::HOSTS } else { ViewNeeds::COUNTERS };
            let Some(v) = ifaces.view(*ifid, needs) else { continue };
            if v.snapshot.iface.last_packet_ns == 0 && info.pcap_dump {
                continue;
            }
            let t = v.epoch;
            let mut write = |t: u64| {
                if let Err(e) = rec.record(store, t, &v.snapshot, hosts) {
                    log::warn!("timeseries of interface {ifid}: {e}");
                }
            };
            if info.pcap_dump && !info.running {
                // The file is read: its final state at the next boundary of every step.
                for later in [1, 60, 300] {
                    write((t / later + 1) * later);
                }
                *done = true;
                log::info!("timeseries of {}: written up to packet time {t}", info.name);
            } else {
                write(t);
            }
        }
        let now = ntopng_lua_now();
        if now >= last_maintain + 3600 {
            if let Err(e) = store.maintain(now) {
                log::warn!("timeseries maintenance: {e}");
            }
            last_maintain = now;
        }
        if stopping {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn ntopng_lua_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
