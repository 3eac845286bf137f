//! `-F sqlite`: the flow sink feeding the store. The sink thread only hands rows over (a bounded channel,
//! or the spool file when the channel is full); a writer thread commits them in batched transactions.

use crate::row::FlowRow;
use crate::spool::{parse_lines, Spool};
use crate::store::FlowStore;
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender, TrySendError};
use ndpi::ProtocolNames;
use ntopng_engine::sink::{FlowRecord, FlowSink};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct SinkConfig {
    /// Interface id stored in `INTERFACE_ID`.
    pub ifid: u16,
    /// Where the spool file goes (`<dir>/flows.spool`).
    pub dir: PathBuf,
    /// Rows the channel to the writer holds.
    pub channel_rows: usize,
    /// Bound of the spool file; rows beyond it are dropped and counted.
    pub spool_bytes: u64,
    /// Rows per transaction at most.
    pub batch_rows: usize,
    /// Capture files: wait for the writer instead of spilling.
    pub blocking: bool,
}

impl SinkConfig {
    pub fn new(dir: PathBuf) -> SinkConfig {
        SinkConfig { ifid: 0, dir, channel_rows: 65_536, spool_bytes: 1 << 30, batch_rows: 8192, blocking: false }
    }
}

/// What the writer did, readable while it runs.
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Rows committed (acknowledged).
    pub committed: AtomicU64,
    /// Rows that went through the spool file.
    pub spilled: AtomicU64,
    /// Rows lost: the spool was full.
    pub dropped: AtomicU64,
    pub transactions: AtomicU64,
    pub errors: AtomicU64,
}

enum Msg {
    Row(FlowRow),
    /// Commit everything received and spooled so far, then answer.
    Flush(Sender<()>),
}

pub struct FlowDbSink {
    name: String,
    ifid: u16,
    blocking: bool,
    tx: Option<Sender<Msg>>,
    spool: Arc<Mutex<Spool>>,
    stats: Arc<WriterStats>,
    writer: Option<JoinHandle<()>>,
    /// Rows the channel refused, appended to the spool in one write when enough are there, when the
    /// channel takes rows again, after [`SPILL_DELAY`], or on flush.
    pending: Vec<FlowRow>,
    pending_since: Option<Instant>,
}

/// Rows gathered before one append to the spool.
const SPILL_BATCH: usize = 256;
const SPILL_DELAY: Duration = Duration::from_secs(1);

impl FlowDbSink {
    /// Starts the writer over `store`; first replays what a previous run left in the spool.
    pub fn start(store: Arc<dyn FlowStore>, cfg: SinkConfig) -> Result<FlowDbSink, String> {
        let spool_path = cfg.dir.join("flows.spool");
        let spool = Spool::open(&spool_path, cfg.spool_bytes).map_err(|e| format!("{}: {e}", spool_path.display()))?;
        let spool = Arc::new(Mutex::new(spool));
        let stats = Arc::new(WriterStats::default());
        let (tx, rx) = bounded(cfg.channel_rows.max(1));
        let name = store.describe();
        let w = Writer {
            store,
            spool: spool.clone(),
            stats: stats.clone(),
            batch_rows: cfg.batch_rows.max(1),
            last_error_log: std::cell::Cell::new(None),
        };
        let writer = std::thread::Builder::new()
            .name("flowdb-writer".into())
            .spawn(move || w.run(rx))
            .map_err(|e| format!("flowdb writer: {e}"))?;
        Ok(FlowDbSink {
            name,
            ifid: cfg.ifid,
            blocking: cfg.blocking,
            tx: Some(tx),
            spool,
            stats,
            writer: Some(writer),
            pending: Vec::with_capacity(SPILL_BATCH),
            pending_since: None,
        })
    }

    pub fn stats(&self) -> Arc<WriterStats> {
        self.stats.clone()
    }

    fn spill_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut sp = self.spool.lock().unwrap_or_else(|e| e.into_inner());
        let n = sp.append(&self.pending) as u64;
        drop(sp);
        self.stats.spilled.fetch_add(n, Ordering::Relaxed);
        self.stats.dropped.fetch_add(self.pending.len() as u64 - n, Ordering::Relaxed);
        self.pending.clear();
        self.pending_since = None;
    }
}

impl FlowSink for FlowDbSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn write(&mut self, flow: &FlowRecord, _names: Option<&ProtocolNames>) -> std::io::Result<()> {
        let row = FlowRow::from_record(flow, self.ifid);
        let tx = self.tx.as_ref().expect("writer running");
        if self.blocking {
            return tx.send(Msg::Row(row)).map_err(|_| std::io::Error::other("flowdb writer stopped"));
        }
        match tx.try_send(Msg::Row(row)) {
            Ok(()) => {
                // The writer keeps up again: what waited goes to the spool, which it replays.
                self.spill_pending();
            }
            Err(TrySendError::Full(Msg::Row(r))) | Err(TrySendError::Disconnected(Msg::Row(r))) => {
                self.pending.push(r);
                let since = *self.pending_since.get_or_insert_with(Instant::now);
                if self.pending.len() >= SPILL_BATCH || since.elapsed() >= SPILL_DELAY {
                    self.spill_pending();
                }
            }
            Err(_) => {}
        }
        Ok(())
    }

    /// Waits until everything written so far is committed.
    fn flush(&mut self) -> std::io::Result<()> {
        self.spill_pending();
        let (ack_tx, ack_rx) = bounded(1);
        let tx = self.tx.as_ref().expect("writer running");
        tx.send(Msg::Flush(ack_tx)).map_err(|_| std::io::Error::other("flowdb writer stopped"))?;
        ack_rx.recv().map_err(|_| std::io::Error::other("flowdb writer stopped"))?;
        let errors = self.stats.errors.load(Ordering::Relaxed);
        let dropped = self.stats.dropped.load(Ordering::Relaxed);
        if dropped > 0 {
            log::warn!("flowdb: {dropped} flow(s) dropped: the spool file was full");
        }
        if errors > 0 {
            return Err(std::io::Error::other(format!("flowdb: {errors} store error(s)")));
        }
        Ok(())
    }
}

impl Drop for FlowDbSink {
    fn drop(&mut self) {
        self.spill_pending();
        self.tx = None;
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

struct Writer {
    store: Arc<dyn FlowStore>,
    spool: Arc<Mutex<Spool>>,
    stats: Arc<WriterStats>,
    batch_rows: usize,
    /// When a store error was last logged: a server that stays down is reported every
    /// [`ERROR_LOG_EVERY`], not on every retry; its return is reported once.
    last_error_log: std::cell::Cell<Option<Instant>>,
}

const ERROR_LOG_EVERY: Duration = Duration::from_secs(30);

impl Writer {
    fn store_failed(&self, e: &str) {
        self.stats.errors.fetch_add(1, Ordering::Relaxed);
        let due = self.last_error_log.get().is_none_or(|t| t.elapsed() >= ERROR_LOG_EVERY);
        if due {
            let spooled = self.spool.lock().map(|s| s.len()).unwrap_or(0);
            log::error!("{e} (flows wait in the spool: {spooled} bytes; retrying)");
            self.last_error_log.set(Some(Instant::now()));
        }
    }

    fn store_ok(&self) {
        if self.last_error_log.take().is_some() {
            log::info!("flow store {} answers again; replaying the spool", self.store.describe());
        }
    }
}

impl Writer {
    fn run(self, rx: Receiver<Msg>) {
        let mut batch: Vec<FlowRow> = Vec::with_capacity(self.batch_rows);
        let mut flushes: Vec<Sender<()>> = Vec::new();
        loop {
            let mut done = false;
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(Msg::Row(r)) => batch.push(r),
                Ok(Msg::Flush(a)) => flushes.push(a),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => done = true,
            }
            while !done && flushes.is_empty() && batch.len() < self.batch_rows {
                match rx.try_recv() {
                    Ok(Msg::Row(r)) => batch.push(r),
                    Ok(Msg::Flush(a)) => flushes.push(a),
                    Err(crossbeam_channel::TryRecvError::Empty) => break,
                    Err(crossbeam_channel::TryRecvError::Disconnected) => done = true,
                }
            }
            if !batch.is_empty() {
                self.commit(&mut batch);
            }
            // Replay the spool: a chunk per round while rows flow, all of it before answering a flush.
            let all = done || !flushes.is_empty();
            while self.replay_chunk() && all {}
            for a in flushes.drain(..) {
                let _ = a.send(());
            }
            if done {
                return;
            }
        }
    }

    fn commit(&self, batch: &mut Vec<FlowRow>) {
        match self.store.insert(batch, None) {
            Ok(()) => {
                self.store_ok();
                self.stats.committed.fetch_add(batch.len() as u64, Ordering::Relaxed);
                self.stats.transactions.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                // Kept for a later attempt through the spool.
                let mut sp = self.spool.lock().unwrap_or_else(|e| e.into_inner());
                let n = sp.append(batch) as u64;
                self.stats.spilled.fetch_add(n, Ordering::Relaxed);
                self.stats.dropped.fetch_add(batch.len() as u64 - n, Ordering::Relaxed);
                drop(sp);
                self.store_failed(&e);
                std::thread::sleep(Duration::from_millis(500));
            }
        }
        batch.clear();
    }

    /// Commits one chunk of the spool; false when it had nothing (or failed).
    fn replay_chunk(&self) -> bool {
        let mut sp = self.spool.lock().unwrap_or_else(|e| e.into_inner());
        if sp.len() == 0 {
            return false;
        }
        let mut off = match self.store.spool_offset() {
            Ok(o) => o,
            Err(e) => {
                log::error!("{e}");
                return false;
            }
        };
        if off > sp.len() {
            // A crash between emptying the file and recording it.
            off = 0;
        }
        if off == sp.len() {
            // Everything replayed: empty the file, then record offset 0 (the order a crash tolerates).
            if let Err(e) = sp.clear() {
                log::error!("flow spool: {e}");
                return false;
            }
            if let Err(e) = self.store.insert(&[], Some(0)) {
                log::error!("{e}");
            }
            return false;
        }
        // About batch_rows rows (a spooled row is ~500 bytes of JSON); parsed after the lock is released.
        let (bytes, next) = match sp.read_lines(off, self.batch_rows * 512) {
            Ok(x) => x,
            Err(e) => {
                log::error!("flow spool: {e}");
                return false;
            }
        };
        drop(sp);
        let rows = parse_lines(&bytes);
        match self.store.insert(&rows, Some(next)) {
            Ok(()) => {
                self.store_ok();
                self.stats.committed.fetch_add(rows.len() as u64, Ordering::Relaxed);
                self.stats.transactions.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(e) => {
                self.store_failed(&e);
                false
            }
        }
    }
}
