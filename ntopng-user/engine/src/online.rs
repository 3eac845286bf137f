//! Live capture: one worker per source (AF_PACKET fanout member, later one AF_XDP socket per
//! queue), each on its own thread, polling in batches until asked to stop. Idle flows end on
//! the wall clock even when no packet arrives.

use crate::sink::SinkQueue;
use crate::worker::{Shared, Worker};
use crate::offload::FlowOffload;
use crate::publish::Publisher;
use crate::{EngineConfig, Snapshot};
use ntopng_capture::{BpfFilter, Frame, Poll, Source, SourceStats};
use ntopng_wire::{decode, DecodeOptions};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Frames asked for per poll.
const POLL_BATCH: usize = 64;

/// A live interface after it stopped: workers (state kept until shutdown) and source counters.
pub struct LiveResult {
    pub name: String,
    pub workers: Vec<Worker>,
    pub sources: Vec<SourceStats>,
    pub filtered: u64,
    pub elapsed: Duration,
}

impl LiveResult {
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::of(&self.workers)
    }

    pub fn shutdown(&mut self) {
        for w in &mut self.workers {
            w.shutdown();
        }
    }
}

/// One frame through the filter, the decoder and the worker.
#[inline]
fn account(w: &mut Worker, filter: &mut Option<BpfFilter>, filtered: &mut u64, opts: DecodeOptions, f: &Frame<'_>) {
    if filter.as_mut().is_none_or(|b| b.matches(f)) {
        let d = decode(f.linktype.0, f.data, opts);
        w.process(f, &d);
    } else {
        *filtered += 1;
    }
}

fn wall_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

/// Runs one worker per source until `stop` is set. Blocks the calling thread.
pub fn run_live(
    name: &str,
    sources: Vec<Box<dyn Source>>,
    cfg: &EngineConfig,
    sink: Option<SinkQueue>,
    offload: Option<Arc<dyn FlowOffload>>,
    publisher: Option<Arc<Publisher>>,
    stop: &AtomicBool,
) -> Result<LiveResult, String> {
    let mut cfg = cfg.clone();
    // Live flows end when idle: that is what the idle timeout is for.
    cfg.purge_idle = true;
    let shared = Shared::new(cfg.clone());
    let workers = (0..sources.len())
        .map(|i| {
            let mut w = Worker::new(i, shared.clone(), sink.clone())?;
            w.wall_clock = true;
            Ok(match &offload {
                Some(o) => w.with_offload(o.clone()),
                None => w,
            })
        })
        .collect::<Result<Vec<_>, ndpi::DetectorError>>()
        .map_err(|e| e.to_string())?;
    drop(sink);
    let started = Instant::now();
    let outcome: Vec<Result<(Worker, SourceStats, u64), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = workers
            .into_iter()
            .zip(sources)
            .map(|(mut w, mut src)| {
                let cfg = &cfg;
                let publisher = publisher.clone();
                scope.spawn(move || {
                    // One worker per core: -g's list, else worker i on core i (modulo the cores).
                    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
                    let core = cfg.core_affinity.get(w.id).copied().unwrap_or(w.id % cores);
                    if !core_affinity::set_for_current(core_affinity::CoreId { id: core }) {
                        log::warn!("could not pin capture worker {} to core {core}", w.id);
                    }
                    let mut filter = cfg.bpf.as_deref().map(BpfFilter::new).transpose().map_err(|e| e.to_string())?;
                    let mut filtered = 0u64;
                    let decode_opts = cfg.decode;
                    while !stop.load(Ordering::Relaxed) {
                        let polled =
                            src.poll_batch(POLL_BATCH, &mut |f| account(&mut w, &mut filter, &mut filtered, decode_opts, f));
                        w.state.iface.capture_drops = src.stats().drops;
                        let idle = match polled {
                            Ok(Poll::Ready(_)) => false,
                            Ok(Poll::Idle) => {
                                w.tick(wall_ns());
                                true
                            }
                            Ok(Poll::Done) => break,
                            Err(e) => return Err(format!("{}: {e}", src.name())),
                        };
                        if let Some(p) = &publisher {
                            if p.wanted(w.id) {
                                if !p.building(w.id) {
                                    w.fold_offloaded(wall_ns());
                                }
                                if idle {
                                    p.serve_idle(&w);
                                } else {
                                    p.serve(&w);
                                }
                            }
                        }
                    }
                    // Stopping: take what is already in the ring (bounded: at most a few rings' worth).
                    for _ in 0..64 {
                        let drained = src
                            .poll_batch(POLL_BATCH * 16, &mut |f| account(&mut w, &mut filter, &mut filtered, decode_opts, f));
                        if !matches!(drained, Ok(Poll::Ready(n)) if n > 0) {
                            break;
                        }
                    }
                    w.state.iface.capture_drops = src.stats().drops;
                    // What the kernel counted for bypassed flows up to now belongs to the totals.
                    w.fold_offloaded(wall_ns());
                    if let Some(p) = &publisher {
                        p.finish(&w);
                    }
                    Ok((w, src.stats(), filtered))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("capture worker panicked".into()))).collect()
    });
    let mut result =
        LiveResult { name: name.to_string(), workers: Vec::new(), sources: Vec::new(), filtered: 0, elapsed: started.elapsed() };
    for o in outcome {
        let (w, s, f) = o?;
        result.workers.push(w);
        result.sources.push(s);
        result.filtered += f;
    }
    Ok(result)
}
