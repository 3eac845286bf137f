//! A merged, owned view of an interface's state across its workers.

use crate::host::{Host, HostKey};
use crate::iface::IfaceCounters;
use crate::mac::Mac;
use crate::sink::FlowRecord;
use crate::worker::{L7Totals, Worker};
use std::collections::BTreeMap;

/// What a reader needs beyond the interface counters (which every view carries).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Want {
    pub hosts: bool,
    pub macs: bool,
    pub flows: bool,
}

impl Want {
    pub const ALL: Want = Want { hosts: true, macs: true, flows: true };
    /// Counters only.
    pub const COUNTERS: Want = Want { hosts: false, macs: false, flows: false };

    pub fn bits(self) -> u8 {
        self.hosts as u8 | (self.macs as u8) << 1 | (self.flows as u8) << 2
    }

    pub fn from_bits(b: u8) -> Want {
        Want { hosts: b & 1 != 0, macs: b & 2 != 0, flows: b & 4 != 0 }
    }

    /// Everything `o` asks for is in `self`.
    pub fn covers(self, o: Want) -> bool {
        self.bits() & o.bits() == o.bits()
    }

    pub fn union(self, o: Want) -> Want {
        Want::from_bits(self.bits() | o.bits())
    }
}

#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub iface: IfaceCounters,
    pub hosts: BTreeMap<HostKey, Host>,
    pub macs: BTreeMap<[u8; 6], Mac>,
    pub active_flows: usize,
    /// Per counted L7 protocol id (ndpiReader's rule: app, else master), live and ended flows.
    pub l7: BTreeMap<u16, L7Totals>,
    /// The active flows (their `end_reason` is `None`).
    pub flows: Vec<FlowRecord>,
    /// ntopng's broadcast domains: `"a.b.c.d/len"` -> hits.
    pub bcast_domains: BTreeMap<String, u64>,
}

impl Snapshot {
    pub fn of(workers: &[Worker]) -> Snapshot {
        let mut s = Snapshot::default();
        for w in workers {
            s.merge(Snapshot::of_worker(w));
        }
        s
    }

    /// One worker's share of the state.
    pub fn of_worker(w: &Worker) -> Snapshot {
        Snapshot::of_worker_wanting(w, Want::ALL)
    }

    /// One worker's share, with hosts, MACs and flows only if wanted. Hosts include what their
    /// active flows add to their L7 and DSCP tables (ended flows are in them already).
    pub fn of_worker_wanting(w: &Worker, want: Want) -> Snapshot {
        let mut s = Snapshot::begin(w, want);
        s.add_hosts(w, want, 0..w.state.hosts.slot_count());
        s.add_flows(w, want, 0..w.state.flows.slot_count());
        s
    }

    /// The first part of a worker's share: counters, ended-flow L7 totals, broadcast domains, MACs.
    /// Hosts and flows follow with [`Snapshot::add_hosts`] then [`Snapshot::add_flows`], all at
    /// once or a range of slots at a time (so a large table is copied over several batches).
    pub fn begin(w: &Worker, want: Want) -> Snapshot {
        let st = &w.state;
        let mut s = Snapshot {
            iface: st.iface.clone(),
            hosts: BTreeMap::new(),
            macs: if want.macs { st.macs.iter().map(|m| (m.addr, m.clone())).collect() } else { BTreeMap::new() },
            active_flows: st.flows.len(),
            l7: st.l7_ended.iter().map(|(p, t)| (*p, *t)).collect(),
            flows: Vec::with_capacity(if want.flows { st.flows.len() } else { 0 }),
            bcast_domains: st.bcast_domains.to_map(),
        };
        s.iface.last_packet_ns = w.last_packet_ns;
        s
    }

    /// Copies the hosts in `slots` (host table slot numbers), if hosts are wanted.
    pub fn add_hosts(&mut self, w: &Worker, want: Want, slots: std::ops::Range<usize>) {
        if want.hosts {
            for slot in slots {
                if let Some(h) = w.state.hosts.get(slot as crate::flow::Slot) {
                    self.hosts.insert(h.key, h.clone());
                }
            }
        }
    }

    /// Adds the active flows in `slots` (flow table slot numbers): their L7 totals, their share of
    /// their hosts' L7 and DSCP tables (hosts already copied), and their records if flows are wanted.
    pub fn add_flows(&mut self, w: &Worker, want: Want, slots: std::ops::Range<usize>) {
        let st = &w.state;
        for slot in slots {
            let Some(f) = st.flows.get(slot as u32) else { continue };
            let c = f.classification();
            let proto = c.map_or(0, |c| c.counted_protocol());
            self.l7.entry(proto).or_default().add_flow(f);
            if want.hosts {
                for (slot, share) in f.host_shares(proto) {
                    if let Some(h) = st.hosts.get(slot).and_then(|h| self.hosts.get_mut(&h.key)) {
                        h.add_flow_share(&share);
                    }
                }
            }
            if want.flows {
                self.flows.push(FlowRecord::from_flow(f, w.id, c.cloned(), None));
            }
        }
    }

    /// Folds another worker's share into this one.
    pub fn merge(&mut self, o: Snapshot) {
        self.iface.merge(&o.iface);
        for (k, h) in o.hosts {
            match self.hosts.entry(k) {
                std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().merge(&h),
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(h);
                }
            }
        }
        for (k, m) in o.macs {
            self.macs.entry(k).and_modify(|x| x.merge(&m)).or_insert(m);
        }
        self.active_flows += o.active_flows;
        for (p, t) in o.l7 {
            self.l7.entry(p).or_default().merge(&t);
        }
        self.flows.extend(o.flows);
        for (d, h) in o.bcast_domains {
            *self.bcast_domains.entry(d).or_default() += h;
        }
    }

    /// As [`Snapshot::merge`], copying from a shared share.
    pub fn merge_from(&mut self, o: &Snapshot) {
        self.iface.merge(&o.iface);
        for (k, h) in &o.hosts {
            match self.hosts.entry(*k) {
                std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().merge(h),
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(h.clone());
                }
            }
        }
        for (k, m) in &o.macs {
            self.macs.entry(*k).and_modify(|x| x.merge(m)).or_insert_with(|| m.clone());
        }
        self.active_flows += o.active_flows;
        for (p, t) in &o.l7 {
            self.l7.entry(*p).or_default().merge(t);
        }
        self.flows.extend(o.flows.iter().cloned());
        for (d, h) in &o.bcast_domains {
            *self.bcast_domains.entry(d.clone()).or_default() += h;
        }
    }

    pub fn local_hosts(&self) -> usize {
        self.hosts.values().filter(|h| h.local).count()
    }
}
