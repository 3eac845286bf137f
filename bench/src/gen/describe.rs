//! What a generated capture contains, written down while generating it.
//!
//! The description is an independent reference for tests of the flow engine: it is computed
//! from what the generator *meant* to send (which flow, which direction) and never by parsing
//! the frames back, so a bug in a dissector cannot hide behind the same bug in the reference.
//!
//! Conventions (ntopng's, as far as the generator can state them):
//! - bytes are frame bytes on the wire (the record's `wire_len`, Ethernet header included,
//!   no FCS); `payload_bytes` are L4 payload bytes;
//! - a flow is keyed by (VLAN id, IP protocol, client address/port, server address/port);
//!   for ICMP/ICMPv6 both ports are 0; the VLAN id of a QinQ frame is the innermost tag's;
//! - non-first IP fragments carry no L4 header: like ntopng, the reference does not attribute
//!   them to a flow; they are counted in `non_flow_packets`/`non_flow_bytes` and annotated;
//! - hosts are keyed by (VLAN id, address) and only count packets that belong to flows.

use super::pcap_writer::RecordSink;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::net::IpAddr;

/// Flow key, client side first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FlowKey {
    pub vlan: u16,
    pub proto: u8,
    pub client: IpAddr,
    pub client_port: u16,
    pub server: IpAddr,
    pub server_port: u16,
}

/// Which rule made `client` the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientRule {
    /// The sender of the flow's first packet (no SYN seen, UDP, ICMP...).
    FirstPacket,
    /// The sender of the SYN.
    SynSender,
    /// The first packet seen was a SYN+ACK: ntopng keeps its sender as the client (the SYN flag
    /// rules its swap heuristic out), although its receiver must have sent the SYN.
    SynAckSender,
    /// ntopng's swap heuristic (data_model.md §3.2) asked for a swap (the first packet, neither SYN nor
    /// SYN+ACK, came from the lower port), but ntopng swaps only once nDPI knows the protocol and this
    /// flow's payload names none: the sender of the first packet stays the client, and every later
    /// packet, either way, is counted client-to-server (ntopng's flow lookup takes it so while the swap
    /// is pending).
    SwapAwaitsProtocol,
}

/// How a flow ended inside the capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowEnd {
    /// Still open at the end of its packets (idle timeout or end of capture ends it).
    Open,
    /// FIN from both sides.
    Fin,
    /// A RST.
    Rst,
}

/// Direction of a packet inside its flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    C2S,
    S2C,
}

/// Packet and byte counters of one direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    pub packets: u64,
    /// Wire bytes.
    pub bytes: u64,
    /// L4 payload bytes.
    pub payload_bytes: u64,
}

impl Counters {
    fn add(&mut self, wire: u64, payload: u64) {
        self.packets += 1;
        self.bytes += wire;
        self.payload_bytes += payload;
    }
}

/// What an engine should report for one flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowExpect {
    pub key: FlowKey,
    /// 0 for the first flow with this key, then 1, 2... when the key is reused after an idle
    /// gap longer than the timeout or after the previous flow closed.
    pub instance: u32,
    pub client_rule: ClientRule,
    pub c2s: Counters,
    pub s2c: Counters,
    pub first_ts_ns: u64,
    pub last_ts_ns: u64,
    pub end: FlowEnd,
    /// Application protocol nDPI should find (its master protocol name), when the scenario
    /// sends something classifiable.
    pub l7: Option<String>,
}

impl FlowExpect {
    pub fn packets(&self) -> u64 {
        self.c2s.packets + self.s2c.packets
    }
    pub fn bytes(&self) -> u64 {
        self.c2s.bytes + self.s2c.bytes
    }
}

/// What an engine should report for one host (sums over the flows it takes part in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostExpect {
    pub vlan: u16,
    pub ip: IpAddr,
    pub sent: Counters,
    pub rcvd: Counters,
    pub flows_as_client: u64,
    pub flows_as_server: u64,
}

impl HostExpect {
    fn new(vlan: u16, ip: IpAddr) -> HostExpect {
        HostExpect {
            vlan,
            ip,
            sent: Counters::default(),
            rcvd: Counters::default(),
            flows_as_client: 0,
            flows_as_server: 0,
        }
    }
}

/// A remark about one record (0-based index in the capture).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotation {
    pub record: u64,
    pub label: String,
}

/// The description of a generated capture.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Description {
    pub scenario: String,
    pub records: u64,
    /// Sum of wire lengths.
    pub wire_bytes: u64,
    /// Sum of captured lengths.
    pub captured_bytes: u64,
    pub first_ts_ns: u64,
    pub last_ts_ns: u64,
    /// Number of flows (also when `flows` was not kept, see [`Recorder::new`]).
    pub flow_count: u64,
    pub flows: Vec<FlowExpect>,
    pub hosts: Vec<HostExpect>,
    /// Records that belong to no flow (ARP, non-first fragments, malformed packets).
    pub non_flow_packets: u64,
    pub non_flow_bytes: u64,
    pub annotations: Vec<Annotation>,
    /// Assumptions and conventions specific to the scenario.
    pub notes: Vec<String>,
}

impl Description {
    /// The flows with this key, in instance order.
    pub fn flows_with(&self, key: &FlowKey) -> Vec<&FlowExpect> {
        self.flows.iter().filter(|f| f.key == *key).collect()
    }
    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("description serialises")
    }
}

/// Identifies a flow opened with [`Recorder::open_flow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowId(usize);

/// How a record is accounted.
#[derive(Debug, Clone, Copy)]
pub enum Acct {
    /// Part of a flow; `payload` is its L4 payload length.
    Flow { id: FlowId, dir: Dir, payload: usize },
    /// Belongs to no flow.
    NoFlow,
}

/// Writes records to a sink and keeps the description up to date.
pub struct Recorder<'a> {
    sink: &'a mut dyn RecordSink,
    desc: Description,
    instances: HashMap<FlowKey, u32>,
    keep_flows: bool,
}

impl<'a> Recorder<'a> {
    /// `keep_flows: false` keeps only totals (for multi-million-flow captures): `flows` and
    /// `hosts` stay empty, `flow_count` is still right.
    pub fn new(scenario: &str, sink: &'a mut dyn RecordSink, keep_flows: bool) -> Recorder<'a> {
        Recorder {
            sink,
            desc: Description { scenario: scenario.to_string(), ..Default::default() },
            instances: HashMap::new(),
            keep_flows,
        }
    }

    pub fn note(&mut self, text: &str) {
        self.desc.notes.push(text.to_string());
    }

    /// Starts a new flow (a new instance when `key` was used before).
    pub fn open_flow(&mut self, key: FlowKey, client_rule: ClientRule, l7: Option<&str>) -> FlowId {
        self.desc.flow_count += 1;
        if !self.keep_flows {
            return FlowId(usize::MAX);
        }
        let inst = self.instances.entry(key).or_insert(0);
        let instance = *inst;
        *inst += 1;
        self.desc.flows.push(FlowExpect {
            key,
            instance,
            client_rule,
            c2s: Counters::default(),
            s2c: Counters::default(),
            first_ts_ns: 0,
            last_ts_ns: 0,
            end: FlowEnd::Open,
            l7: l7.map(str::to_string),
        });
        FlowId(self.desc.flows.len() - 1)
    }

    /// Records how a flow ended.
    pub fn close_flow(&mut self, id: FlowId, end: FlowEnd) {
        if let Some(f) = self.desc.flows.get_mut(id.0) {
            f.end = end;
        }
    }

    /// Index the next record will have.
    pub fn next_record(&self) -> u64 {
        self.desc.records
    }

    /// Annotates the next record to be written.
    pub fn annotate_next(&mut self, label: &str) {
        self.desc.annotations.push(Annotation { record: self.desc.records, label: label.to_string() });
    }

    /// An untruncated Ethernet frame.
    pub fn frame(&mut self, ts_ns: u64, data: &[u8], acct: Acct) -> io::Result<()> {
        self.record(super::pcap_writer::LINKTYPE_ETHERNET, ts_ns, data, data.len() as u32, acct)
    }

    /// Any record.
    pub fn record(&mut self, linktype: u32, ts_ns: u64, data: &[u8], wire_len: u32, acct: Acct) -> io::Result<()> {
        self.sink.write_record(linktype, ts_ns, data, wire_len)?;
        let d = &mut self.desc;
        if d.records == 0 {
            d.first_ts_ns = ts_ns;
        }
        d.records += 1;
        d.first_ts_ns = d.first_ts_ns.min(ts_ns);
        d.last_ts_ns = d.last_ts_ns.max(ts_ns);
        d.wire_bytes += wire_len as u64;
        d.captured_bytes += data.len() as u64;
        match acct {
            Acct::NoFlow => {
                d.non_flow_packets += 1;
                d.non_flow_bytes += wire_len as u64;
            }
            Acct::Flow { id, dir, payload } => {
                if let Some(f) = d.flows.get_mut(id.0) {
                    if f.c2s.packets + f.s2c.packets == 0 {
                        f.first_ts_ns = ts_ns;
                    }
                    f.last_ts_ns = f.last_ts_ns.max(ts_ns);
                    match dir {
                        Dir::C2S => f.c2s.add(wire_len as u64, payload as u64),
                        Dir::S2C => f.s2c.add(wire_len as u64, payload as u64),
                    }
                }
            }
        }
        Ok(())
    }

    /// Flushes the sink and returns the description, with hosts summed from the flows.
    pub fn finish(mut self) -> io::Result<Description> {
        self.sink.flush()?;
        let mut hosts: BTreeMap<(u16, IpAddr), HostExpect> = BTreeMap::new();
        for f in &self.desc.flows {
            let k = f.key;
            let c = hosts.entry((k.vlan, k.client)).or_insert_with(|| HostExpect::new(k.vlan, k.client));
            add(&mut c.sent, &f.c2s);
            add(&mut c.rcvd, &f.s2c);
            c.flows_as_client += 1;
            let s = hosts.entry((k.vlan, k.server)).or_insert_with(|| HostExpect::new(k.vlan, k.server));
            add(&mut s.sent, &f.s2c);
            add(&mut s.rcvd, &f.c2s);
            s.flows_as_server += 1;
        }
        self.desc.hosts = hosts.into_values().collect();
        Ok(self.desc)
    }
}

fn add(a: &mut Counters, b: &Counters) {
    a.packets += b.packets;
    a.bytes += b.bytes;
    a.payload_bytes += b.payload_bytes;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::pcap_writer::MemorySink;

    #[test]
    fn flows_and_hosts_are_summed() {
        let mut sink = MemorySink::default();
        let mut r = Recorder::new("t", &mut sink, true);
        let a: IpAddr = "198.18.0.1".parse().unwrap();
        let b: IpAddr = "198.18.0.2".parse().unwrap();
        let key = FlowKey { vlan: 0, proto: 17, client: a, client_port: 1000, server: b, server_port: 53 };
        let f = r.open_flow(key, ClientRule::FirstPacket, Some("DNS"));
        r.frame(10, &[0; 60], Acct::Flow { id: f, dir: Dir::C2S, payload: 18 }).unwrap();
        r.frame(20, &[0; 100], Acct::Flow { id: f, dir: Dir::S2C, payload: 58 }).unwrap();
        r.frame(30, &[0; 42], Acct::NoFlow).unwrap();
        let f2 = r.open_flow(key, ClientRule::FirstPacket, None);
        r.frame(40, &[0; 60], Acct::Flow { id: f2, dir: Dir::C2S, payload: 18 }).unwrap();
        let d = r.finish().unwrap();
        assert_eq!(d.records, 4);
        assert_eq!(d.wire_bytes, 262);
        assert_eq!(d.flow_count, 2);
        assert_eq!(d.flows_with(&key).iter().map(|f| f.instance).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(d.flows[0].bytes(), 160);
        assert_eq!((d.flows[0].first_ts_ns, d.flows[0].last_ts_ns), (10, 20));
        assert_eq!(d.non_flow_packets, 1);
        let ha = d.hosts.iter().find(|h| h.ip == a).unwrap();
        assert_eq!((ha.sent.packets, ha.sent.bytes, ha.rcvd.bytes, ha.flows_as_client), (2, 120, 100, 2));
        let hb = d.hosts.iter().find(|h| h.ip == b).unwrap();
        assert_eq!((hb.sent.packets, hb.rcvd.packets, hb.flows_as_server), (1, 2, 2));
        assert!(d.to_json().contains("\"198.18.0.1\""));
        assert_eq!(sink.records.len(), 4);
    }
}
