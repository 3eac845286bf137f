//! Per-worker host accounting, keyed by (IP, VLAN); merged across workers on read.

use crate::flow::{Counters, Slot, NONE};
use crate::host_counters::{HostScore, NewFlowRate, PacketRates, ServerContacts, SynCounters};
use hashbrown::{HashMap, HashSet};
use ntopng_wire::Addr;
use std::collections::BTreeMap;

/// A host's traffic in one L7 protocol (ntopng's per-host nDPI stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostL7 {
    pub sent: Counters,
    pub rcvd: Counters,
    pub first_seen_ns: u64,
    pub last_seen_ns: u64,
    /// Flows of this protocol the host took part in (either role).
    pub flows: u32,
}

impl HostL7 {
    pub fn merge(&mut self, o: &HostL7) {
        self.sent.merge(&o.sent);
        self.rcvd.merge(&o.rcvd);
        self.first_seen_ns = if self.flows == 0 { o.first_seen_ns } else { self.first_seen_ns.min(o.first_seen_ns) };
        self.last_seen_ns = self.last_seen_ns.max(o.last_seen_ns);
        self.flows += o.flows;
    }
}

/// Sent and received traffic of one class (a DSCP value).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirCounters {
    pub sent: Counters,
    pub rcvd: Counters,
}

impl DirCounters {
    pub fn merge(&mut self, o: &DirCounters) {
        self.sent.merge(&o.sent);
        self.rcvd.merge(&o.rcvd);
    }
}

/// One flow's share of a host's L7 and DSCP tables: added when the flow ends, or on read for a
/// flow still active (so nothing here runs per packet).
pub struct FlowShare {
    pub protocol: u16,
    pub dscp: u8,
    pub sent: Counters,
    pub rcvd: Counters,
    pub first_seen_ns: u64,
    pub last_seen_ns: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostKey {
    pub addr: Addr,
    pub vlan: u16,
}

#[derive(Debug, Clone)]
pub struct Host {
    pub key: HostKey,
    pub mac: [u8; 6],
    pub local: bool,
    pub network_id: Option<u16>,
    pub sent: Counters,
    pub rcvd: Counters,
    /// Flows currently alive with this host as client / server.
    pub active_flows_as_client: u32,
    pub active_flows_as_server: u32,
    /// Every flow ever seen with this host as client / server.
    pub total_flows_as_client: u64,
    pub total_flows_as_server: u64,
    pub first_seen_ns: u64,
    pub last_seen_ns: u64,
    /// Peers this host talked to (either role).
    pub contacted_peers: HashSet<Addr>,
    /// Server ports this host contacted as a client.
    pub contacted_server_ports: HashSet<u16>,
    /// Ports on which this host answered as a server.
    pub server_ports: HashSet<u16>,
    /// Per counted L7 protocol (`Classification::counted_protocol()`, 0 = Unknown).
    pub l7: BTreeMap<u16, HostL7>,
    /// Per DSCP of the packets this host sent in a flow (ntopng's host DSCP stats).
    pub dscp: BTreeMap<u8, DirCounters>,
    /// Inputs of the host checks (scans, floods, server contacts) and the host's share of its flows' scores.
    pub syn: SynCounters,
    pub new_flows: NewFlowRate,
    pub rates: PacketRates,
    /// Allocated at the host's first DNS, NTP or SMTP flow.
    pub contacts: Option<Box<ServerContacts>>,
    pub score: HostScore,
}

impl Host {
    fn new(key: HostKey, local: bool, network_id: Option<u16>, now: u64) -> Host {
        Host {
            key,
            mac: [0; 6],
            local,
            network_id,
            sent: Counters::default(),
            rcvd: Counters::default(),
            active_flows_as_client: 0,
            active_flows_as_server: 0,
            total_flows_as_client: 0,
            total_flows_as_server: 0,
            first_seen_ns: now,
            last_seen_ns: now,
            contacted_peers: HashSet::new(),
            contacted_server_ports: HashSet::new(),
            server_ports: HashSet::new(),
            l7: BTreeMap::new(),
            dscp: BTreeMap::new(),
            syn: SynCounters::default(),
            new_flows: NewFlowRate::default(),
            rates: PacketRates::default(),
            contacts: None,
            score: HostScore::default(),
        }
    }

    /// Adds one flow's traffic to the L7 and DSCP tables.
    pub fn add_flow_share(&mut self, s: &FlowShare) {
        let l7 = self.l7.entry(s.protocol).or_default();
        l7.merge(&HostL7 {
            sent: s.sent,
            rcvd: s.rcvd,
            first_seen_ns: s.first_seen_ns,
            last_seen_ns: s.last_seen_ns,
            flows: 1,
        });
        self.dscp.entry(s.dscp).or_default().merge(&DirCounters { sent: s.sent, rcvd: s.rcvd });
    }

    pub fn active_flows(&self) -> u32 {
        self.active_flows_as_client + self.active_flows_as_server
    }

    /// Folds another worker's view of the same host into this one.
    pub fn merge(&mut self, o: &Host) {
        self.sent.merge(&o.sent);
        self.rcvd.merge(&o.rcvd);
        self.active_flows_as_client += o.active_flows_as_client;
        self.active_flows_as_server += o.active_flows_as_server;
        self.total_flows_as_client += o.total_flows_as_client;
        self.total_flows_as_server += o.total_flows_as_server;
        if o.first_seen_ns < self.first_seen_ns {
            self.first_seen_ns = o.first_seen_ns;
        }
        if o.last_seen_ns >= self.last_seen_ns {
            self.last_seen_ns = o.last_seen_ns;
            if o.mac != [0; 6] {
                self.mac = o.mac;
            }
        }
        self.contacted_peers.extend(o.contacted_peers.iter().copied());
        self.contacted_server_ports.extend(o.contacted_server_ports.iter().copied());
        self.server_ports.extend(o.server_ports.iter().copied());
        for (p, l) in &o.l7 {
            self.l7.entry(*p).or_default().merge(l);
        }
        for (d, c) in &o.dscp {
            self.dscp.entry(*d).or_default().merge(c);
        }
        self.syn.merge(&o.syn);
        self.new_flows.merge(&o.new_flows);
        self.rates.merge(&o.rates);
        if let Some(oc) = &o.contacts {
            self.contacts.get_or_insert_with(Default::default).merge(oc);
        }
        self.score.merge(&o.score);
    }
}

#[derive(Default)]
pub struct HostTable {
    index: HashMap<HostKey, Slot>,
    slots: Vec<Option<Host>>,
    free: Vec<Slot>,
}

impl HostTable {
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Finds or creates a host; `admit` is asked before creating (the interface-wide cap).
    pub fn find_or_insert(
        &mut self,
        key: HostKey,
        now: u64,
        admit: impl FnOnce() -> bool,
        classify: impl FnOnce(&Addr) -> Option<u16>,
    ) -> Slot {
        if let Some(&s) = self.index.get(&key) {
            return s;
        }
        if !admit() {
            return NONE;
        }
        let net = classify(&key.addr);
        let host = Host::new(key, net.is_some(), net, now);
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(host);
                s
            }
            None => {
                self.slots.push(Some(host));
                (self.slots.len() - 1) as Slot
            }
        };
        self.index.insert(key, slot);
        slot
    }

    #[inline]
    pub fn get_mut(&mut self, slot: Slot) -> Option<&mut Host> {
        if slot == NONE {
            return None;
        }
        self.slots.get_mut(slot as usize).and_then(Option::as_mut)
    }

    pub fn remove(&mut self, slot: Slot) -> Option<Host> {
        let h = self.slots.get_mut(slot as usize)?.take()?;
        self.index.remove(&h.key);
        self.free.push(slot);
        Some(h)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Host> {
        self.slots.iter().filter_map(Option::as_ref)
    }

    /// Number of slots (live or free): slot numbers are below it.
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    pub fn get(&self, slot: Slot) -> Option<&Host> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    /// Slots of hosts with no active flow idle for longer than their timeout.
    pub fn idle(&self, now: u64, local_idle: u64, remote_idle: u64) -> Vec<Slot> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.as_ref().map(|h| (i as Slot, h)))
            .filter(|(_, h)| {
                let max = if h.local { local_idle } else { remote_idle };
                h.active_flows() == 0 && now > h.last_seen_ns + max
            })
            .map(|(i, _)| i)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    /// The host entry's size (x86-64): 344 bytes before the scan/flood/contact counters, 408 with them.
    #[test]
    fn host_entry_size() {
        assert_eq!(std::mem::size_of::<super::Host>(), 408);
    }
}
