//! Capture files read at full speed. Packet time drives the clock. With one worker the reader
//! thread does everything; with N, the reader decodes and steers each frame by the symmetric
//! flow hash to a worker, in batches, through bounded queues (frames borrow the mapped file,
//! so nothing is copied).

use crate::publish::Publisher;
use crate::sink::SinkQueue;
use crate::worker::{Shared, Worker};
use crate::{EngineConfig, Snapshot};
use crossbeam_channel::{bounded, Receiver, Sender};
use ntopng_capture::{BpfFilter, CaptureFile, FileStats, Frame};
use ntopng_wire::{decode, Decoded};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Frames per batch handed to a worker.
const STEER_BATCH: usize = 256;
/// Batches in flight per worker.
const STEER_QUEUE: usize = 16;

/// An interface after its capture file has been read: the workers (state kept, queryable)
/// and how the read went.
pub struct OfflineResult {
    pub name: String,
    pub workers: Vec<Worker>,
    pub file: FileStats,
    /// Frames the BPF filter rejected.
    pub filtered: u64,
    pub elapsed: Duration,
    /// CPU time of the packet loop's thread (one worker only): what the packet path cost, whatever
    /// else ran on the machine meanwhile.
    pub cpu: Option<Duration>,
}

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid timespec pointer for the calling thread's clock.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl OfflineResult {
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::of(&self.workers)
    }

    /// Ends every flow into the sinks (ntopng's shutdown flush).
    pub fn shutdown(&mut self) {
        for w in &mut self.workers {
            w.shutdown();
        }
    }
}

type Job<'a> = (Frame<'a>, Decoded);

/// Reads `path` into a new interface with `cfg.workers` workers.
pub fn run_capture(path: &Path, cfg: &EngineConfig, sink: Option<SinkQueue>) -> Result<OfflineResult, String> {
    run_capture_published(path, cfg, sink, None)
}

/// As [`run_capture`], serving views of the state to `publisher` while the file is read.
pub fn run_capture_published(
    path: &Path,
    cfg: &EngineConfig,
    sink: Option<SinkQueue>,
    publisher: Option<Arc<Publisher>>,
) -> Result<OfflineResult, String> {
    let file = CaptureFile::open(path).map_err(|e| e.to_string())?;
    let mut filter = cfg.bpf.as_deref().map(BpfFilter::new).transpose().map_err(|e| e.to_string())?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "stdin".into());
    let shared = Shared::new(cfg.clone());
    let n = cfg.workers.max(1);
    let mut workers = (0..n)
        .map(|i| Worker::new(i, shared.clone(), sink.clone()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    drop(sink);
    if let Some(p) = &publisher {
        for w in &mut workers {
            if let Some(tx) = p.take_step_sender(w.id) {
                w.enable_step_samples(tx);
            }
        }
    }
    let started = Instant::now();
    let mut filtered = 0u64;
    let decode_opts = cfg.decode;
    let mut pass = |f: &Frame<'_>| filter.as_mut().is_none_or(|b| b.matches(f)) || {
        filtered += 1;
        false
    };

    let mut cpu = None;
    let stats = if n == 1 {
        pin(cfg, 0);
        let cpu0 = thread_cpu();
        let w = &mut workers[0];
        let mut frames = file.frames();
        for (i, f) in frames.by_ref().enumerate() {
            if pass(&f) {
                let d = decode(f.linktype.0, f.data, decode_opts);
                w.process(&f, &d);
            }
            if i % STEER_BATCH == 0 {
                if let Some(p) = &publisher {
                    p.serve(w);
                }
            }
        }
        w.end_of_input();
        if let Some(p) = &publisher {
            p.finish(w);
        }
        cpu = Some(thread_cpu().saturating_sub(cpu0));
        frames.stats()
    } else {
        std::thread::scope(|scope| {
            let mut to_workers: Vec<Sender<Vec<Job<'_>>>> = Vec::with_capacity(n);
            let (recycle_tx, recycle_rx) = bounded::<Vec<Job<'_>>>(n * (STEER_QUEUE + 2));
            let mut handles = Vec::with_capacity(n);
            for mut w in workers.drain(..) {
                let (tx, rx): (Sender<Vec<Job<'_>>>, Receiver<Vec<Job<'_>>>) = bounded(STEER_QUEUE);
                to_workers.push(tx);
                let recycle = recycle_tx.clone();
                let publisher = publisher.clone();
                handles.push(scope.spawn(move || {
                    pin(cfg, w.id);
                    for mut batch in rx {
                        for (f, d) in batch.iter() {
                            w.process(f, d);
                        }
                        batch.clear();
                        let _ = recycle.try_send(batch);
                        if let Some(p) = &publisher {
                            p.serve(&w);
                        }
                    }
                    w.end_of_input();
                    if let Some(p) = &publisher {
                        p.finish(&w);
                    }
                    w
                }));
            }
            drop(recycle_tx);
            let mut pending: Vec<Vec<Job<'_>>> = (0..n).map(|_| Vec::with_capacity(STEER_BATCH)).collect();
            let mut frames = file.frames();
            for f in frames.by_ref() {
                if !pass(&f) {
                    continue;
                }
                let d = decode(f.linktype.0, f.data, decode_opts);
                // Non-IP frames and drops carry no flow: any worker will do, keep them spread.
                let w = match &d {
                    Decoded::Ip(p) => crate::flow_key::FlowKey::of(p).0.hash32() as usize % n,
                    _ => (f.ts_ns as usize) % n,
                };
                pending[w].push((f, d));
                if pending[w].len() == STEER_BATCH {
                    let fresh = recycle_rx.try_recv().unwrap_or_else(|_| Vec::with_capacity(STEER_BATCH));
                    let full = std::mem::replace(&mut pending[w], fresh);
                    to_workers[w].send(full).expect("worker alive");
                }
            }
            for (w, batch) in pending.into_iter().enumerate() {
                if !batch.is_empty() {
                    to_workers[w].send(batch).expect("worker alive");
                }
            }
            drop(to_workers);
            workers.extend(handles.into_iter().map(|h| h.join().expect("worker panicked")));
            frames.stats()
        })
    };
    Ok(OfflineResult { name, workers, file: stats, filtered, elapsed: started.elapsed(), cpu })
}

fn pin(cfg: &EngineConfig, worker: usize) {
    if let Some(&core) = cfg.core_affinity.get(worker) {
        if !core_affinity::set_for_current(core_affinity::CoreId { id: core }) {
            log::warn!("could not pin worker {worker} to core {core}");
        }
    }
}
