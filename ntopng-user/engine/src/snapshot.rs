//! A merged, owned view of an interface's state across its workers.

use crate::host::{Host, HostKey};
use crate::iface::IfaceCounters;
use crate::mac::Mac;
use crate::sink::FlowRecord;
use crate::worker::{L7Totals, Worker};
use std::collections::BTreeMap;

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
        let st = &w.state;
        let mut s = Snapshot {
            iface: st.iface.clone(),
            hosts: st.hosts.iter().map(|h| (h.key, h.clone())).collect(),
            macs: st.macs.iter().map(|m| (m.addr, m.clone())).collect(),
            active_flows: st.flows.len(),
            l7: st.l7_ended.iter().map(|(p, t)| (*p, *t)).collect(),
            flows: Vec::with_capacity(st.flows.len()),
        };
        for f in st.flows.iter() {
            let c = f.classification();
            s.l7.entry(c.map_or(0, |c| c.counted_protocol())).or_default().add_flow(f);
            s.flows.push(FlowRecord::from_flow(f, c.cloned(), None));
        }
        s
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
    }

    pub fn local_hosts(&self) -> usize {
        self.hosts.values().filter(|h| h.local).count()
    }
}
