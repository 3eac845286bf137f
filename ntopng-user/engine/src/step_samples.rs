//! Samples of a worker's counters at packet-time step boundaries, for the timeseries of capture files.
//!
//! A capture file is read at full speed, so the control plane cannot look at the state once per second of
//! packet time. Instead each worker closes a *bucket* whenever a packet's second is past the current one
//! (cold: once per packet-time second with traffic, one comparison per packet otherwise) and hands the
//! counters as they were at the end of the bucket to a bounded single-producer queue ([`StepSample`]).
//! The sample carries the interface counters the 1 s and 60 s schemas need; when the gap to the next packet
//! crosses a 60 s boundary also the L7 totals and host counts, and when it crosses a 300 s boundary also the
//! local hosts' counters. The control plane merges the workers' samples by packet time ([`StepMerger`]).
//!
//! A packet older than the open bucket (capture files are not always in time order; each worker sees
//! its share in file order) is counted in the open bucket.
//!
//! Counters are cumulative, so a sample the queue could not take (the reader lags) is simply dropped and
//! counted: its traffic shows in the next sample, a coarser bucket, and totals stay exact. The final sample
//! (end of input) is never dropped: the worker waits for room while the reader is there.

use crate::flow::Counters;
use crate::host::HostKey;
use crate::tcp_seq::TcpStats;
use crate::worker::{L7Totals, Worker};
use crossbeam_channel::{Receiver, Sender, TrySendError};
use std::collections::BTreeMap;

const SEC: u64 = 1_000_000_000;
/// The coarser steps sampled (the L7 / iface 60 s schemas, the host schemas).
pub const MINUTE: u64 = 60;
pub const HOST_STEP: u64 = 300;
/// The walks over the flow table (L7 totals) and the host table (local hosts) visit at most one entry
/// per this many packets since the previous walk: a capture with many flows and few packets per minute
/// of packet time gets its L7 and host samples at fewer boundaries (later, with exact totals) rather
/// than a walk of every flow at every minute. (With 2 entries per packet instead, the DPI-heavy bench
/// input, whose packet time crosses 1,785 minute boundaries, lost about 10%.)
const PACKETS_PER_WALKED_ENTRY: u64 = 8;
/// Samples the merger holds per worker while waiting for the others.
const PENDING_MAX: usize = 8192;

/// The interface counters the iface schemas read, as of the end of a bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepCounters {
    pub total: Counters,
    pub ipv4_bytes: u64,
    pub ipv6_bytes: u64,
    pub capture_drops: u64,
    pub flows_created: u64,
    pub active_flows: u64,
    pub local2remote: u64,
    pub remote2local: u64,
    pub tcp: TcpStats,
    /// Bytes of TCP, UDP, ICMP, ICMPv6 ([`StepCounters::L4`]).
    pub l4_bytes: [u64; 4],
    /// Hosts and local hosts of this worker (sampled with the 60 s data; a host seen by several workers
    /// counts once per worker).
    pub hosts: u64,
    pub local_hosts: u64,
}

impl StepCounters {
    /// The IP protocols of `l4_bytes`, with the names of `iface:l4protos`.
    pub const L4: [(usize, &'static str); 4] = [(6, "tcp"), (17, "udp"), (1, "icmp"), (58, "ipv6-icmp")];

    pub fn of_iface(i: &crate::iface::IfaceCounters, active_flows: u64) -> StepCounters {
        StepCounters {
            total: i.total,
            ipv4_bytes: i.ipv4.bytes,
            ipv6_bytes: i.ipv6.bytes,
            capture_drops: i.capture_drops,
            flows_created: i.flows_created,
            active_flows,
            local2remote: i.localstats.bytes.local2remote,
            remote2local: i.localstats.bytes.remote2local,
            tcp: i.tcp,
            l4_bytes: StepCounters::L4.map(|(p, _)| i.l4[p].bytes),
            hosts: 0,
            local_hosts: 0,
        }
    }

    pub fn merge(&mut self, o: &StepCounters) {
        self.total.merge(&o.total);
        self.ipv4_bytes += o.ipv4_bytes;
        self.ipv6_bytes += o.ipv6_bytes;
        self.capture_drops += o.capture_drops;
        self.flows_created += o.flows_created;
        self.active_flows += o.active_flows;
        self.local2remote += o.local2remote;
        self.remote2local += o.remote2local;
        self.tcp.merge(&o.tcp);
        for (a, b) in self.l4_bytes.iter_mut().zip(o.l4_bytes) {
            *a += b;
        }
        self.hosts += o.hosts;
        self.local_hosts += o.local_hosts;
    }
}

/// What the host schemas read of one local host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostSample {
    pub sent: Counters,
    pub rcvd: Counters,
    pub active_flows_as_client: u64,
    pub active_flows_as_server: u64,
    pub total_flows_as_client: u64,
    pub total_flows_as_server: u64,
    /// The host's score (a gauge: its active flows' scores), as client and as server.
    pub score_as_client: u64,
    pub score_as_server: u64,
}

impl HostSample {
    pub fn of(h: &crate::host::Host) -> HostSample {
        HostSample {
            sent: h.sent,
            rcvd: h.rcvd,
            active_flows_as_client: h.active_flows_as_client as u64,
            active_flows_as_server: h.active_flows_as_server as u64,
            total_flows_as_client: h.total_flows_as_client,
            total_flows_as_server: h.total_flows_as_server,
            score_as_client: u64::from(h.score.as_client),
            score_as_server: u64::from(h.score.as_server),
        }
    }

    pub fn merge(&mut self, o: &HostSample) {
        self.sent.merge(&o.sent);
        self.rcvd.merge(&o.rcvd);
        self.active_flows_as_client += o.active_flows_as_client;
        self.active_flows_as_server += o.active_flows_as_server;
        self.total_flows_as_client += o.total_flows_as_client;
        self.total_flows_as_server += o.total_flows_as_server;
        self.score_as_client += o.score_as_client;
        self.score_as_server += o.score_as_server;
    }
}

pub type L7Map = BTreeMap<u16, L7Totals>;
pub type HostMap = BTreeMap<HostKey, HostSample>;

/// A worker's state at the end of packet-time second `sec`, unchanged until second `until` (its next
/// packet's; `u64::MAX` for the final sample).
#[derive(Debug, Clone, Default)]
pub struct StepSample {
    pub sec: u64,
    pub until: u64,
    pub counters: StepCounters,
    /// Per counted L7 protocol, ended and active flows (when a 60 s boundary is in `(sec, until]`).
    pub l7: Option<Box<L7Map>>,
    /// Local hosts (when a 300 s boundary is in `(sec, until]`).
    pub hosts: Option<Box<HostMap>>,
}

/// Worker side: the open bucket and the queue's sending end.
pub struct Sampler {
    /// Second of the open bucket; `None` before the first packet.
    cur: Option<u64>,
    tx: Sender<StepSample>,
    /// Coarse data owed by dropped samples (sent with the next one that gets through).
    owe_l7: bool,
    owe_hosts: bool,
    /// Interface packets at the last flow walk and host walk.
    walked_l7: u64,
    walked_hosts: u64,
    pub dropped: u64,
}

impl Sampler {
    pub fn new(tx: Sender<StepSample>) -> Sampler {
        Sampler { cur: None, tx, owe_l7: false, owe_hosts: false, walked_l7: 0, walked_hosts: 0, dropped: 0 }
    }
}

/// The bucket at second `sec` opens; returns the packet time (ns) at which it closes.
fn next_close_ns(sec: u64) -> u64 {
    (sec + 1).saturating_mul(SEC)
}

impl Worker {
    /// Capture files with timeseries: samples go to `tx` from now on.
    pub fn enable_step_samples(&mut self, tx: Sender<StepSample>) {
        self.sampler = Some(Box::new(Sampler::new(tx)));
        self.step_close_ns = 0;
    }

    /// Samples dropped because the reader lagged.
    pub fn step_samples_dropped(&self) -> u64 {
        self.sampler.as_ref().map_or(0, |s| s.dropped)
    }

    /// A packet at `now` is past the open bucket: close it (before the packet is counted).
    #[cold]
    #[inline(never)]
    pub(crate) fn close_step(&mut self, now: u64) {
        let sec = now / SEC;
        let Some(mut s) = self.sampler.take() else {
            self.step_close_ns = u64::MAX;
            return;
        };
        if let Some(cur) = s.cur {
            let packets = self.state.iface.total.packets;
            let affordable = |since: u64, entries: usize| packets - since >= entries as u64 * PACKETS_PER_WALKED_ENTRY;
            let l7_due = s.owe_l7 || cur / MINUTE != sec / MINUTE;
            let hosts_due = s.owe_hosts || cur / HOST_STEP != sec / HOST_STEP;
            let l7 = l7_due && affordable(s.walked_l7, self.state.flows.len());
            let hosts = hosts_due && affordable(s.walked_hosts, self.state.hosts.len());
            (s.owe_l7, s.owe_hosts) = (l7_due && !l7, hosts_due && !hosts);
            if l7 {
                s.walked_l7 = packets;
            }
            if hosts {
                s.walked_hosts = packets;
            }
            let sample = self.step_sample(cur, sec, l7, hosts);
            match s.tx.try_send(sample) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    s.dropped += 1;
                    s.owe_l7 |= l7;
                    s.owe_hosts |= hosts;
                }
                // Nobody reads any more (shutting down): stop sampling.
                Err(TrySendError::Disconnected(_)) => {
                    self.step_close_ns = u64::MAX;
                    return;
                }
            }
        }
        s.cur = Some(sec);
        self.step_close_ns = next_close_ns(sec);
        self.sampler = Some(s);
    }

    /// End of input: the open bucket, with everything, as the final sample (waits for room while the
    /// reader is there). A worker that saw no packet sends an empty final sample at `u64::MAX`.
    pub(crate) fn finish_step_samples(&mut self) {
        let Some(s) = self.sampler.take() else { return };
        self.step_close_ns = u64::MAX;
        let mut sample = match s.cur {
            Some(cur) => self.step_sample(cur, u64::MAX, true, true),
            None => StepSample { sec: u64::MAX, until: u64::MAX, ..Default::default() },
        };
        loop {
            match s.tx.try_send(sample) {
                Err(TrySendError::Full(back)) => {
                    sample = back;
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                _ => break,
            }
        }
        if s.dropped > 0 {
            log::info!(
                "worker {}: {} packet-time samples dropped (reader behind), merged into later ones",
                self.id,
                s.dropped
            );
        }
    }

    fn step_sample(&self, sec: u64, until: u64, l7: bool, hosts: bool) -> StepSample {
        let st = &self.state;
        let mut counters = StepCounters::of_iface(&st.iface, st.flows.len() as u64);
        let l7 = l7.then(|| {
            counters.hosts = st.hosts.len() as u64;
            counters.local_hosts = st.hosts.iter().filter(|h| h.local).count() as u64;
            let mut m: L7Map = st.l7_ended.iter().map(|(p, t)| (*p, *t)).collect();
            for f in st.flows.iter() {
                let proto = f.classification().map_or(0, |c| c.counted_protocol());
                m.entry(proto).or_default().add_flow(f);
            }
            Box::new(m)
        });
        let hosts =
            hosts.then(|| Box::new(st.hosts.iter().filter(|h| h.local).map(|h| (h.key, HostSample::of(h))).collect()));
        StepSample { sec, until, counters, l7, hosts }
    }
}

/// The control plane's ends of the workers' queues.
pub struct StepQueues {
    pub rx: Vec<Receiver<StepSample>>,
}

/// Makes one queue of `capacity` samples per worker: the senders for the workers, the receivers.
pub fn step_queues(workers: usize, capacity: usize) -> (Vec<Sender<StepSample>>, StepQueues) {
    let (tx, rx) = (0..workers).map(|_| crossbeam_channel::bounded(capacity)).unzip();
    (tx, StepQueues { rx })
}

/// The interface's state at a packet-time boundary, merged over the workers.
#[derive(Debug, Clone, Default)]
pub struct MergedStep {
    pub counters: StepCounters,
    pub l7: L7Map,
    pub hosts: HostMap,
}

/// What one worker contributes: its latest sample's counters and latest coarse data.
#[derive(Default)]
struct WorkerCursor {
    pending: std::collections::VecDeque<StepSample>,
    /// Its state is known for seconds before this (the `until` of the last sample received).
    horizon: u64,
    counters: StepCounters,
    /// Hosts and local hosts, from the latest sample with the 60 s data.
    host_counts: (u64, u64),
    l7: Option<Box<L7Map>>,
    hosts: Option<Box<HostMap>>,
}

/// Merges the workers' samples by packet time and tells, for each step, the boundaries to write: the
/// interface's state at second `B - 1` is written at boundary `B`, once every worker's state at that
/// second is known. Between two change points nothing changed, so only the first boundary of each step
/// after a change is written (the store puts zeros in the steps skipped, `Fill::AtEnd`).
pub struct StepMerger {
    workers: Vec<WorkerCursor>,
    /// The current change point (second) and whether one was applied.
    x: Option<u64>,
    /// Last boundary written per step.
    last: Vec<(u64, u64)>,
}

impl StepMerger {
    /// `steps`: the steps to emit boundaries for (e.g. 1, 60, 300).
    pub fn new(workers: usize, steps: &[u64]) -> StepMerger {
        StepMerger {
            workers: (0..workers).map(|_| WorkerCursor::default()).collect(),
            x: None,
            last: steps.iter().map(|s| (*s, 0)).collect(),
        }
    }

    /// Takes what the workers queued, at most `PENDING_MAX` samples held per worker (a worker far ahead
    /// of another then fills its queue and drops, coarsening its samples, instead of growing memory here).
    pub fn receive(&mut self, q: &StepQueues) {
        for (w, rx) in self.workers.iter_mut().zip(&q.rx) {
            while w.pending.len() < PENDING_MAX {
                let Ok(s) = rx.try_recv() else { break };
                w.horizon = s.until;
                w.pending.push_back(s);
            }
        }
    }

    /// Adds one worker's sample (tests; [`StepMerger::receive`] does this from the queues).
    pub fn push(&mut self, worker: usize, s: StepSample) {
        let w = &mut self.workers[worker];
        w.horizon = s.until;
        w.pending.push_back(s);
    }

    /// True once every worker's final sample has been merged.
    pub fn done(&self) -> bool {
        self.workers.iter().all(|w| w.horizon == u64::MAX && w.pending.iter().all(|s| s.sec == u64::MAX))
    }

    /// The latest change point merged (the last second with traffic, once [`StepMerger::done`]).
    pub fn last_change(&self) -> Option<u64> {
        self.x
    }

    fn merged(&self, step: u64) -> MergedStep {
        let mut m = MergedStep::default();
        for w in &self.workers {
            m.counters.merge(&StepCounters { hosts: w.host_counts.0, local_hosts: w.host_counts.1, ..w.counters });
            if step >= MINUTE {
                for (p, t) in w.l7.iter().flat_map(|l| l.iter()) {
                    m.l7.entry(*p).or_default().merge(t);
                }
            }
            if step >= HOST_STEP {
                for (k, h) in w.hosts.iter().flat_map(|h| h.iter()) {
                    m.hosts.entry(*k).or_default().merge(h);
                }
            }
        }
        m
    }

    /// Calls `emit(step, boundary, state)` for every boundary now known, in time order per step.
    pub fn advance(&mut self, mut emit: impl FnMut(u64, u64, &MergedStep)) {
        loop {
            // Every worker's state is known for seconds before `known`.
            let known = self.workers.iter().map(|w| w.horizon).min().unwrap_or(u64::MAX);
            let next = self.workers.iter().filter_map(|w| w.pending.front().map(|s| s.sec)).min().unwrap_or(u64::MAX);
            // The current state holds over [x, bound).
            let bound = next.min(known);
            if let Some(x) = self.x {
                for i in 0..self.last.len() {
                    let (step, last) = self.last[i];
                    let b = (x / step + 1).saturating_mul(step);
                    if b <= bound && b > last {
                        let m = self.merged(step);
                        emit(step, b, &m);
                        self.last[i].1 = b;
                    }
                }
            }
            if next >= known || next == u64::MAX {
                return;
            }
            for w in &mut self.workers {
                while w.pending.front().is_some_and(|s| s.sec == next) {
                    let s = w.pending.pop_front().expect("front");
                    w.counters = s.counters;
                    if s.l7.is_some() {
                        w.host_counts = (s.counters.hosts, s.counters.local_hosts);
                        w.l7 = s.l7;
                    }
                    if s.hosts.is_some() {
                        w.hosts = s.hosts;
                    }
                }
            }
            self.x = Some(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(sec: u64, until: u64, bytes: u64) -> StepSample {
        let mut s = StepSample { sec, until, ..Default::default() };
        s.counters.total.bytes = bytes;
        if sec / MINUTE != until / MINUTE || until == u64::MAX {
            let mut l7 = L7Map::new();
            l7.insert(7, L7Totals { packets: 1, bytes, flows: 1 });
            s.l7 = Some(Box::new(l7));
        }
        s
    }

    fn run(m: &mut StepMerger) -> Vec<(u64, u64, u64, u64)> {
        let mut out = Vec::new();
        m.advance(|step, b, st| out.push((step, b, st.counters.total.bytes, st.l7.get(&7).map_or(0, |t| t.bytes))));
        out
    }

    #[test]
    fn two_workers_merge_by_packet_time() {
        let mut m = StepMerger::new(2, &[1, 60]);
        // Worker 0: packets in seconds 10, 12, 70. Worker 1: 11, 61.
        m.push(0, sample(10, 12, 100));
        m.push(0, sample(12, 70, 150));
        // Worker 1 has told nothing yet: nothing is known.
        assert!(run(&mut m).is_empty());
        m.push(1, sample(11, 61, 5));
        let out = run(&mut m);
        // State at 10 (worker 0 only), 11 (both), 12; the minute boundary 60 is known (worker 1 until 61).
        assert_eq!(out, vec![(1, 11, 100, 0), (1, 12, 105, 0), (1, 13, 155, 0), (60, 60, 155, 155)]);
        m.push(1, sample(61, u64::MAX, 8));
        m.push(0, sample(70, u64::MAX, 170));
        assert!(!m.done());
        let out = run(&mut m);
        assert_eq!(out, vec![(1, 62, 158, 0), (1, 71, 178, 0), (60, 120, 178, 178)]);
        assert!(m.done());
    }

    #[test]
    fn an_empty_worker_does_not_hold_back_the_others() {
        let mut m = StepMerger::new(2, &[1]);
        m.push(0, sample(5, u64::MAX, 1));
        m.push(1, StepSample { sec: u64::MAX, until: u64::MAX, ..Default::default() });
        assert_eq!(run(&mut m), vec![(1, 6, 1, 0)]);
        assert!(m.done());
    }
}
