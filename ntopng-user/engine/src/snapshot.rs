//! A merged, owned view of an interface's state across its workers.

use crate::host::{Host, HostKey};
use crate::iface::IfaceCounters;
use crate::mac::Mac;
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
}

impl Snapshot {
    pub fn of(workers: &[Worker]) -> Snapshot {
        let mut s = Snapshot::default();
        for w in workers {
            let st = &w.state;
            s.iface.merge(&st.iface);
            for h in st.hosts.iter() {
                s.hosts.entry(h.key).and_modify(|x| x.merge(h)).or_insert_with(|| h.clone());
            }
            for m in st.macs.iter() {
                s.macs.entry(m.addr).and_modify(|x| x.merge(m)).or_insert_with(|| m.clone());
            }
            s.active_flows += st.flows.len();
            for f in st.flows.iter() {
                let proto = f.classification().map_or(0, |c| c.counted_protocol());
                s.l7.entry(proto).or_default().add_flow(f);
            }
            for (p, t) in &st.l7_ended {
                s.l7.entry(*p).or_default().merge(t);
            }
        }
        s
    }

    pub fn local_hosts(&self) -> usize {
        self.hosts.values().filter(|h| h.local).count()
    }
}
