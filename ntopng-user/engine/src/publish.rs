//! Reading an interface's state while its workers run. The control plane asks; each worker,
//! between two batches, copies its share into a slot; the control plane merges the shares.
//! A worker never waits on a reader: the only lock is taken by the worker for the pointer swap
//! of its own slot, and only when a view was asked for.
//!
//! Views are request-specific: a reader says what it needs ([`Want`]); workers copy the union
//! of what the readers currently waiting asked for (interface counters always). A merged view
//! is cached and handed to later readers while it is young enough and covers what they want.
//! Once every worker has finished (end of a capture file), the final view is merged once and
//! returned from then on without copying.

pub use crate::snapshot::Want;
use crate::step_samples::{step_queues, StepMerger, StepQueues, StepSample};
use crate::worker::Worker;
use crate::Snapshot;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A worker's share being copied over several batches (touched by that worker only).
struct Building {
    generation: u64,
    want: Want,
    share: Snapshot,
    next_host: usize,
    next_flow: usize,
    /// Worker time spent on this share so far.
    spent: Duration,
}

/// How long what readers asked for is remembered when building the next view.
const RECENT_WANTS: Duration = Duration::from_secs(60);

/// Table slots copied between two looks at the clock.
const STEP: usize = 64;
/// The longest a busy worker copies in one go before going back to its packets: a large table is
/// copied over several batches, so a view never stalls a worker for longer than about this.
pub const SERVE_BUDGET: Duration = Duration::from_millis(2);

struct Slot {
    /// The share in progress, if any.
    building: Mutex<Option<Building>>,
    /// Generation of the view in `view`.
    generation: AtomicU64,
    /// What the view in `view` holds ([`Want::bits`]).
    covers: AtomicU8,
    view: Mutex<Arc<Snapshot>>,
    /// Time this worker spent copying its share, for [`Publisher::stall_stats`].
    serves: AtomicU64,
    serve_ns_total: AtomicU64,
    serve_ns_max: AtomicU64,
    /// Worker time the last complete share took, over all its parts.
    last_share_ns: AtomicU64,
}

/// Time a worker spent away from its packets serving views.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StallStats {
    /// Calls that copied something (a share takes one or more).
    pub serves: u64,
    pub total: Duration,
    /// The longest single call: the worst stall of the worker's packets.
    pub max: Duration,
    /// Worker time the last complete share took, over all its calls.
    pub last_share: Duration,
}

/// The last merged view.
struct Cached {
    view: Arc<Snapshot>,
    at: Instant,
    covers: Want,
    fresh: bool,
    /// Built from every worker's final share: valid forever.
    last: bool,
    /// The shares it was merged from, kept so that a worker replacing its slot only drops a
    /// reference (the memory is freed here, off the packet path).
    _shares: Vec<Arc<Snapshot>>,
}

pub struct Publisher {
    /// Generation the control plane asked for.
    wanted: AtomicU64,
    /// Readers currently waiting that want hosts / MACs / flows.
    waiting_for: [AtomicU32; 3],
    finished: AtomicUsize,
    slots: Vec<Slot>,
    cache: Mutex<Option<Cached>>,
    /// Packet-time samples (capture files with timeseries): the workers' senders until they take them,
    /// and the control plane's receivers.
    step_senders: Mutex<Vec<Option<crossbeam_channel::Sender<StepSample>>>>,
    step_queues: Mutex<Option<StepQueues>>,
}

impl Publisher {
    pub fn new(workers: usize) -> Arc<Publisher> {
        Arc::new(Publisher {
            wanted: AtomicU64::new(0),
            waiting_for: Default::default(),
            finished: AtomicUsize::new(0),
            slots: (0..workers)
                .map(|_| Slot {
                    building: Mutex::new(None),
                    generation: AtomicU64::new(0),
                    covers: AtomicU8::new(Want::ALL.bits()),
                    view: Mutex::new(Arc::new(Snapshot::default())),
                    serves: AtomicU64::new(0),
                    serve_ns_total: AtomicU64::new(0),
                    serve_ns_max: AtomicU64::new(0),
                    last_share_ns: AtomicU64::new(0),
                })
                .collect(),
            cache: Mutex::new(None),
            step_senders: Mutex::new(Vec::new()),
            step_queues: Mutex::new(None),
        })
    }

    /// Makes the workers sample their counters at packet-time boundaries into queues of `capacity`
    /// samples each (capture files whose timeseries are written). Call before the workers start.
    pub fn enable_step_samples(&self, capacity: usize) {
        let (tx, rx) = step_queues(self.slots.len(), capacity);
        *self.step_senders.lock().expect("step senders") = tx.into_iter().map(Some).collect();
        *self.step_queues.lock().expect("step queues") = Some(rx);
    }

    /// Worker side, at start: its sample queue, if sampling is enabled.
    pub fn take_step_sender(&self, id: usize) -> Option<crossbeam_channel::Sender<StepSample>> {
        self.step_senders.lock().expect("step senders").get_mut(id).and_then(Option::take)
    }

    /// The number of sample queues (one per worker) if sampling is enabled.
    pub fn step_sampling(&self) -> Option<usize> {
        self.step_queues.lock().expect("step queues").as_ref().map(|q| q.rx.len())
    }

    /// Control plane: moves the queued samples into `m`. False if sampling is not enabled.
    pub fn receive_step_samples(&self, m: &mut StepMerger) -> bool {
        match self.step_queues.lock().expect("step queues").as_ref() {
            Some(q) => {
                m.receive(q);
                true
            }
            None => false,
        }
    }

    /// Control plane: no more samples will be read (workers stop sampling, none waits for room).
    pub fn close_step_samples(&self) {
        self.step_senders.lock().expect("step senders").clear();
        *self.step_queues.lock().expect("step queues") = None;
    }

    /// Worker side, after each batch: is a fresh view wanted from worker `id`?
    #[inline]
    pub fn wanted(&self, id: usize) -> bool {
        self.wanted.load(Ordering::Acquire) > self.slots[id].generation.load(Ordering::Relaxed)
    }

    /// The union of what waiting readers want (read after the generation, so it includes the
    /// wants of every reader that asked for that generation).
    fn current_want(&self) -> Want {
        let on = |i: usize| self.waiting_for[i].load(Ordering::Acquire) > 0;
        Want { hosts: on(0), macs: on(1), flows: on(2) }
    }

    /// Worker side, between two batches: works on worker `w`'s share if one was asked for, for at
    /// most [`SERVE_BUDGET`]; the share is published once complete (after a few calls for large
    /// tables). Entries created or ended while a share is being copied may be missed or counted
    /// once more: a view is as consistent as ntopng's periodic walks of its tables, not a snapshot.
    #[inline]
    pub fn serve(&self, w: &Worker) {
        if self.wanted(w.id) {
            self.publish(w, SERVE_BUDGET);
        }
    }

    /// As [`Publisher::serve`], for a worker with nothing else to do: the share is completed now.
    #[inline]
    pub fn serve_idle(&self, w: &Worker) {
        if self.wanted(w.id) {
            self.publish(w, Duration::MAX);
        }
    }

    /// True while worker `id` is in the middle of copying a share (work that must precede a
    /// share, such as folding the kernel's counters, is done before the first part only).
    pub fn building(&self, id: usize) -> bool {
        self.slots[id].building.lock().map(|b| b.is_some()).unwrap_or(false)
    }

    #[cold]
    fn publish(&self, w: &Worker, budget: Duration) {
        let started = Instant::now();
        let slot = &self.slots[w.id];
        let mut building = slot.building.lock().expect("publisher building");
        let b = building.get_or_insert_with(|| {
            let generation = self.wanted.load(Ordering::Acquire);
            let want = self.current_want();
            Building {
                generation,
                want,
                share: Snapshot::begin(w, want),
                next_host: if want.hosts { 0 } else { usize::MAX },
                next_flow: 0,
                spent: Duration::ZERO,
            }
        });
        let (hosts, flows) = (w.state.hosts.slot_count(), w.state.flows.slot_count());
        let complete = loop {
            if b.next_host < hosts {
                let end = (b.next_host + STEP).min(hosts);
                b.share.add_hosts(w, b.want, b.next_host..end);
                b.next_host = end;
            } else if b.next_flow < flows {
                let end = (b.next_flow + STEP).min(flows);
                b.share.add_flows(w, b.want, b.next_flow..end);
                b.next_flow = end;
            } else {
                break true;
            }
            if started.elapsed() >= budget {
                break false;
            }
        };
        b.spent += started.elapsed();
        if complete {
            let b = building.take().expect("share in progress");
            slot.last_share_ns.store(b.spent.as_nanos() as u64, Ordering::Relaxed);
            let view = Arc::new(b.share);
            let old = std::mem::replace(&mut *slot.view.lock().expect("publisher slot"), view);
            slot.covers.store(b.want.bits(), Ordering::Relaxed);
            slot.generation.store(b.generation, Ordering::Release);
            drop(old);
        }
        drop(building);
        let ns = started.elapsed().as_nanos() as u64;
        slot.serves.fetch_add(1, Ordering::Relaxed);
        slot.serve_ns_total.fetch_add(ns, Ordering::Relaxed);
        slot.serve_ns_max.fetch_max(ns, Ordering::Relaxed);
    }

    /// Worker side, when it stops: its last share (everything) stays valid for every later request.
    pub fn finish(&self, w: &Worker) {
        let slot = &self.slots[w.id];
        *slot.building.lock().expect("publisher building") = None;
        *slot.view.lock().expect("publisher slot") = Arc::new(Snapshot::of_worker(w));
        slot.covers.store(Want::ALL.bits(), Ordering::Relaxed);
        slot.generation.store(u64::MAX, Ordering::Release);
        self.finished.fetch_add(1, Ordering::AcqRel);
    }

    /// Per worker: how often and how long it served views.
    pub fn stall_stats(&self) -> Vec<StallStats> {
        self.slots
            .iter()
            .map(|s| StallStats {
                serves: s.serves.load(Ordering::Relaxed),
                total: Duration::from_nanos(s.serve_ns_total.load(Ordering::Relaxed)),
                max: Duration::from_nanos(s.serve_ns_max.load(Ordering::Relaxed)),
                last_share: Duration::from_nanos(s.last_share_ns.load(Ordering::Relaxed)),
            })
            .collect()
    }

    /// Control plane: a merged view holding at least `want`. The cached view is returned while
    /// it is younger than `max_age` and covers `want`; otherwise every worker is asked for its
    /// share and what arrives within `timeout` is merged (a worker stuck in a long batch
    /// contributes its last share). Returns the view and whether every share was fresh.
    pub fn view(&self, want: Want, max_age: Duration, timeout: Duration) -> (Arc<Snapshot>, bool) {
        let mut cache = self.cache.lock().expect("publisher cache");
        let last = self.finished.load(Ordering::Acquire) == self.slots.len();
        if let Some(c) = cache.as_ref() {
            // A view taken while workers ran is not reused once they have all finished: the final
            // state is there to be read.
            if c.last || (!last && c.covers.covers(want) && c.at.elapsed() < max_age) {
                return (c.view.clone(), c.fresh);
            }
        }
        // Readers of different parts take turns (flow lists, host lists, interface pages): asking
        // for what the previous view held as well lets one view serve them all until it ages,
        // instead of each request rebuilding a view the previous one just dropped.
        let want = match cache.as_ref() {
            Some(c) if c.at.elapsed() < RECENT_WANTS => want.union(c.covers),
            _ => want,
        };
        let (view, cached) = self.build(want, timeout, last);
        let out = (view.clone(), cached.fresh);
        *cache = Some(cached);
        out
    }

    /// As [`Publisher::view`], for a periodic background reader (the timeseries writer): workers copy
    /// only `want`, not what earlier readers asked for, and the view built replaces the shared cache
    /// only if it holds at least as much, so frequent counters-only reads neither make workers copy
    /// hosts nor evict the view REST pages share.
    pub fn view_background(&self, want: Want, max_age: Duration, timeout: Duration) -> (Arc<Snapshot>, bool) {
        let mut cache = self.cache.lock().expect("publisher cache");
        let last = self.finished.load(Ordering::Acquire) == self.slots.len();
        if let Some(c) = cache.as_ref() {
            if c.last || (!last && c.covers.covers(want) && c.at.elapsed() < max_age) {
                return (c.view.clone(), c.fresh);
            }
        }
        let (view, built) = self.build(want, timeout, last);
        let fresh = built.fresh;
        if cache.as_ref().is_none_or(|c| built.covers.covers(c.covers)) {
            *cache = Some(built);
        }
        (view, fresh)
    }

    /// Asks the workers for `want` (unless they have all finished) and merges their shares.
    fn build(&self, want: Want, timeout: Duration, last: bool) -> (Arc<Snapshot>, Cached) {
        let fresh = last || self.ask(want, timeout);
        let shares: Vec<Arc<Snapshot>> =
            self.slots.iter().map(|s| s.view.lock().expect("publisher slot").clone()).collect();
        let covers = self
            .slots
            .iter()
            .fold(Want::ALL.bits(), |acc, s| acc & s.covers.load(Ordering::Relaxed));
        let view = match shares.as_slice() {
            [one] => one.clone(),
            many => {
                let mut merged = Snapshot::default();
                for s in many {
                    merged.merge_from(s);
                }
                Arc::new(merged)
            }
        };
        let cached = Cached { view: view.clone(), at: Instant::now(), covers: Want::from_bits(covers), fresh, last, _shares: shares };
        (view, cached)
    }

    /// Asks every worker for a share holding `want`; true when all answered within `timeout`.
    fn ask(&self, want: Want, timeout: Duration) -> bool {
        let wanted = [want.hosts, want.macs, want.flows];
        for (c, w) in self.waiting_for.iter().zip(wanted) {
            if w {
                c.fetch_add(1, Ordering::AcqRel);
            }
        }
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
        for (c, w) in self.waiting_for.iter().zip(wanted) {
            if w {
                c.fetch_sub(1, Ordering::AcqRel);
            }
        }
        fresh
    }

    /// Control plane: an owned merged view of everything (hosts, MACs, flows), as fresh as
    /// `timeout` allows. Prefer [`Publisher::view`], which shares and caches.
    pub fn snapshot(&self, timeout: Duration) -> (Snapshot, bool) {
        let (view, fresh) = self.view(Want::ALL, Duration::ZERO, timeout);
        ((*view).clone(), fresh)
    }
}
