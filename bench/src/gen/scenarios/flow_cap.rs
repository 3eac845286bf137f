//! `flow_cap`: many distinct UDP flows, to overflow an engine's flow table cap.

use super::{BASE_TS_NS, US};
use crate::gen::addr::{mac, v4};
use crate::gen::builder::{Ipv4, PacketBuilder, Udp};
use crate::gen::describe::{Acct, ClientRule, Description, Dir, FlowKey, Recorder};
use crate::gen::pcap_writer::RecordSink;
use std::io;
use std::net::IpAddr;

/// Parameters of [`flow_cap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowCapParams {
    pub flows: u64,
    /// Packets per flow, alternating client->server and server->client (at least 1).
    pub packets_per_flow: u32,
    /// Time between consecutive packets.
    pub gap_ns: u64,
    /// Keep per-flow and per-host expectations (memory grows with `flows`).
    pub keep_flows: bool,
}

impl Default for FlowCapParams {
    fn default() -> FlowCapParams {
        FlowCapParams { flows: 1000, packets_per_flow: 2, gap_ns: 10 * US, keep_flows: true }
    }
}

/// Maximum number of distinct flows the address plan supports (65536 clients x 64512 ports).
pub const MAX_FLOWS: u64 = 65_536 * 64_512;

/// The key of flow `i`: client 198.18.(i mod 65536) port 1024 + i / 65536, server
/// 198.19.0.(i mod 251 + 1) port 5000 + i mod 16. Unique for `i < MAX_FLOWS`.
pub fn flow_cap_key(i: u64) -> FlowKey {
    FlowKey {
        vlan: 0,
        proto: 17,
        client: IpAddr::V4(v4((i % 65_536) as u32)),
        client_port: 1024 + (i / 65_536) as u16,
        server: IpAddr::V4(v4(65_536 + (i % 251) as u32 + 1)),
        server_port: 5000 + (i % 16) as u16,
    }
}

/// Writes `flows` distinct UDP flows one after the other (all packets of flow i, then flow
/// i+1), `gap_ns` apart: with the defaults a million flows span 20 s of packet time, all
/// within one idle timeout, so every flow is alive at the same time.
pub fn flow_cap(sink: &mut dyn RecordSink, p: FlowCapParams) -> io::Result<Description> {
    assert!(p.flows <= MAX_FLOWS, "flow_cap supports at most {MAX_FLOWS} flows");
    let mut rec = Recorder::new("flow_cap", sink, p.keep_flows);
    rec.note("every flow has a distinct 5-tuple; see flow_cap_key for the plan");
    let payload = [0x46u8; 32];
    let mut ts = BASE_TS_NS;
    let mut buf = Vec::with_capacity(128);
    for i in 0..p.flows {
        let k = flow_cap_key(i);
        let id = rec.open_flow(k, ClientRule::FirstPacket, None);
        let (IpAddr::V4(c), IpAddr::V4(s)) = (k.client, k.server) else { unreachable!() };
        let (cm, sm) = (mac(0x1_0000 + (i % 65_536) as u32), mac(0x2_0000 + (i % 251) as u32));
        for n in 0..p.packets_per_flow.max(1) {
            let dir = if n % 2 == 0 { Dir::C2S } else { Dir::S2C };
            let b = match dir {
                Dir::C2S => {
                    PacketBuilder::ethernet(cm, sm).ipv4(Ipv4::new(c, s)).udp(Udp::new(k.client_port, k.server_port))
                }
                Dir::S2C => {
                    PacketBuilder::ethernet(sm, cm).ipv4(Ipv4::new(s, c)).udp(Udp::new(k.server_port, k.client_port))
                }
            };
            b.payload(&payload).build_into(&mut buf);
            rec.frame(ts, &buf, Acct::Flow { id, dir, payload: payload.len() })?;
            ts += p.gap_ns;
        }
    }
    rec.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::scenarios::Capture;
    use std::collections::HashSet;

    #[test]
    fn keys_are_distinct() {
        let keys: HashSet<FlowKey> = (0..200_000).map(flow_cap_key).collect();
        assert_eq!(keys.len(), 200_000);
        let last = flow_cap_key(MAX_FLOWS - 1);
        assert_eq!(last.client_port, 65535);
    }

    #[test]
    fn n_flows() {
        let c = Capture::of(|s| flow_cap(s, FlowCapParams { flows: 300, packets_per_flow: 3, ..Default::default() }));
        let d = &c.description;
        assert_eq!((d.flow_count, d.flows.len(), d.records), (300, 300, 900));
        assert!(d.flows.iter().all(|f| f.c2s.packets == 2 && f.s2c.packets == 1));
        assert_eq!(d.flows[0].bytes(), 3 * (14 + 20 + 8 + 32));
        let lean = Capture::of(|s| flow_cap(s, FlowCapParams { flows: 300, keep_flows: false, ..Default::default() }));
        assert_eq!((lean.description.flow_count, lean.description.flows.len()), (300, 0));
    }
}
