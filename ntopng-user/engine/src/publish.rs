//! Reading an interface's state while its workers run. The control plane asks; each worker,
//! between two batches, copies its share into a slot; the control plane merges the shares.
//! A worker never waits on a reader: the only lock is taken by the worker for the pointer swap
//! of its own slot, and only when a view was asked for.

use crate::worker::Worker;
use crate::Snapshot;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Slot {
    /// Generation of the view in `view`.
    generation: AtomicU64,
    view: Mutex<Arc<Snapshot>>,
}

pub struct Publisher {
    /// Generation the control plane asked for.
    wanted: AtomicU64,
    slots: Vec<Slot>,
}

impl Publisher {
    pub fn new(workers: usize) -> Arc<Publisher> {
        Arc::new(Publisher {
            wanted: AtomicU64::new(0),
            slots: (0..workers)
                .map(|_| Slot { generation: AtomicU64::new(0), view: Mutex::new(Arc::new(Snapshot::default())) })
                .collect(),
        })
    }

    /// Worker side, after each batch: is a fresh view wanted from worker `id`?
    #[inline]
    pub fn wanted(&self, id: usize) -> bool {
        self.wanted.load(Ordering::Acquire) > self.slots[id].generation.load(Ordering::Relaxed)
    }

    /// Worker side: publishes worker `w`'s share if one was asked for.
    #[inline]
    pub fn serve(&self, w: &Worker) {
        if self.wanted(w.id) {
            let generation = self.wanted.load(Ordering::Acquire);
            let view = Arc::new(Snapshot::of_worker(w));
            let slot = &self.slots[w.id];
            *slot.view.lock().expect("publisher slot") = view;
            slot.generation.store(generation, Ordering::Release);
        }
    }

    /// Worker side, when it stops: its last share stays valid for every later request.
    pub fn finish(&self, w: &Worker) {
        let slot = &self.slots[w.id];
        *slot.view.lock().expect("publisher slot") = Arc::new(Snapshot::of_worker(w));
        slot.generation.store(u64::MAX, Ordering::Release);
    }

    /// Control plane: asks every worker for its share and merges what arrives within `timeout`;
    /// a worker that did not answer in time (stuck in a long batch) contributes its last view.
    /// Returns the merged view and whether every share is fresh.
    pub fn snapshot(&self, timeout: Duration) -> (Snapshot, bool) {
        let generation = self.wanted.fetch_add(1, Ordering::AcqRel) + 1;
        let deadline = Instant::now() + timeout;
        let fresh = loop {
            if self.slots.iter().all(|s| s.generation.load(Ordering::Acquire) >= generation) {
                break true;
            }
            if Instant::now() >= deadline {
                break false;
            }
            std::thread::sleep(Duration::from_micros(200));
        };
        let mut merged = Snapshot::default();
        for s in &self.slots {
            let view = s.view.lock().expect("publisher slot").clone();
            merged.merge((*view).clone());
        }
        (merged, fresh)
    }
}
