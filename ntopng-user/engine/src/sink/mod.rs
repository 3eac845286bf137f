//! Where ended flows go. Workers hand [`FlowRecord`]s over in batches through a bounded
//! queue; a sink thread writes them, so no worker ever waits on I/O.

mod jsonl;
mod record;
mod spec;

pub use jsonl::JsonlSink;
pub use record::{EndReason, FlowRecord};
pub use spec::{parse_dump_spec, DumpSpec};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use ndpi::ProtocolNames;
use std::sync::Arc;

/// A destination for ended flows.
pub trait FlowSink: Send {
    fn name(&self) -> &str;
    fn write(&mut self, flow: &FlowRecord, names: Option<&ProtocolNames>) -> std::io::Result<()>;
    fn flush(&mut self) -> std::io::Result<()>;
}

/// Batches of ended flows per message, to amortise queue operations.
pub const BATCH: usize = 256;
/// Batches the queue holds before workers see it as full.
pub const QUEUE_BATCHES: usize = 64;

/// The workers' side of the sink queue.
#[derive(Clone)]
pub struct SinkQueue {
    tx: Sender<Vec<FlowRecord>>,
    /// Capture files wait for the sinks (nothing is lost); live capture never waits and counts.
    blocking: bool,
}

impl SinkQueue {
    /// Sends a batch; returns how many records were dropped because the queue was full.
    pub fn send(&self, batch: Vec<FlowRecord>) -> u64 {
        if batch.is_empty() {
            return 0;
        }
        if self.blocking {
            let n = batch.len() as u64;
            return if self.tx.send(batch).is_ok() { 0 } else { n };
        }
        match self.tx.try_send(batch) {
            Ok(()) => 0,
            Err(TrySendError::Full(b)) | Err(TrySendError::Disconnected(b)) => b.len() as u64,
        }
    }
}

/// Starts the sink thread. Join the handle after every queue clone is dropped.
pub fn spawn_sinks(
    mut sinks: Vec<Box<dyn FlowSink>>,
    names: Option<Arc<ProtocolNames>>,
    blocking: bool,
) -> (SinkQueue, std::thread::JoinHandle<SinkStats>) {
    let (tx, rx): (Sender<Vec<FlowRecord>>, Receiver<Vec<FlowRecord>>) = crossbeam_channel::bounded(QUEUE_BATCHES);
    let handle = std::thread::Builder::new()
        .name("flow-sinks".into())
        .spawn(move || {
            let mut stats = SinkStats::default();
            for batch in rx {
                for rec in &batch {
                    stats.flows += 1;
                    for s in sinks.iter_mut() {
                        if let Err(e) = s.write(rec, names.as_deref()) {
                            stats.errors += 1;
                            if stats.errors == 1 {
                                log::error!("flow sink {}: {e}", s.name());
                            }
                        }
                    }
                }
            }
            for s in sinks.iter_mut() {
                if let Err(e) = s.flush() {
                    log::error!("flow sink {}: {e}", s.name());
                    stats.errors += 1;
                }
            }
            stats
        })
        .expect("spawn sink thread");
    (SinkQueue { tx, blocking }, handle)
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SinkStats {
    pub flows: u64,
    pub errors: u64,
}
