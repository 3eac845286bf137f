//! `vlan`: the same conversations untagged, on 802.1Q VLAN 10, and on QinQ (outer 100 /
//! inner 20), running at the same time. Flows are keyed by VLAN, so each 5-tuple appears as
//! three distinct flows.

use super::{BASE_TS_NS, MS, US};
use crate::gen::addr::{mac, v4, v6};
use crate::gen::builder::tcp_flags::*;
use crate::gen::conv::{Encap, Endpoint, TcpConv, UdpConv};
use crate::gen::describe::{ClientRule, Description, Dir, FlowEnd, Recorder};
use crate::gen::pcap_writer::RecordSink;
use std::io;
use std::net::IpAddr;

/// Writes the `vlan` scenario: for each of untagged, VLAN 10 and QinQ 100/20, one TCP
/// connection (handshake, request/response, FIN close), one IPv4 UDP and one IPv6 UDP
/// exchange, all with identical addresses and ports: 9 flows.
///
/// Assumption stated in the description: a QinQ flow is keyed by the innermost VLAN id (20),
/// as ntopng keys flows by the VLAN id left after stripping all tags.
pub fn vlan(sink: &mut dyn RecordSink) -> io::Result<Description> {
    let mut rec = Recorder::new("vlan", sink, true);
    rec.note("flows are keyed by VLAN id; untagged = 0");
    rec.note("QinQ frames (outer 0x88a8 VID 100, inner 0x8100 VID 20) are keyed by the innermost VLAN id, 20 (ntopng keeps the inner VLAN id after stripping tags)");
    let encaps = [Encap::none(), Encap::dot1q(10), Encap::qinq(100, 20)];

    let cli4 = |port| Endpoint::new(mac(1), IpAddr::V4(v4(1)), port);
    let srv4 = |port| Endpoint::new(mac(2), IpAddr::V4(v4(2)), port);
    let mut tcp: Vec<TcpConv> =
        encaps.iter().map(|e| TcpConv::new(cli4(40000), srv4(8080), e.clone(), 1_000_000, 2_000_000)).collect();
    let mut udp4: Vec<UdpConv> = encaps.iter().map(|e| UdpConv::new(cli4(40001), srv4(9999), e.clone())).collect();
    let mut udp6: Vec<UdpConv> = encaps
        .iter()
        .map(|e| {
            UdpConv::new(
                Endpoint::new(mac(1), IpAddr::V6(v6(1)), 40002),
                Endpoint::new(mac(2), IpAddr::V6(v6(2)), 9999),
                e.clone(),
            )
        })
        .collect();
    for c in &mut tcp {
        c.sides.open(&mut rec, ClientRule::SynSender, None);
    }
    for c in udp4.iter_mut().chain(udp6.iter_mut()) {
        c.sides.open(&mut rec, ClientRule::FirstPacket, None);
    }

    let request = b"PING vlan scenario request\n".as_slice();
    let response = b"PONG vlan scenario response, a little longer\n".as_slice();
    let script: [(Dir, u8, &[u8]); 9] = [
        (Dir::C2S, SYN, &[]),
        (Dir::S2C, SYN | ACK, &[]),
        (Dir::C2S, ACK, &[]),
        (Dir::C2S, PSH | ACK, request),
        (Dir::S2C, PSH | ACK, response),
        (Dir::C2S, ACK, &[]),
        (Dir::C2S, FIN | ACK, &[]),
        (Dir::S2C, FIN | ACK, &[]),
        (Dir::C2S, ACK, &[]),
    ];
    let mut ts = BASE_TS_NS;
    // Step k of every conversation is sent before step k+1 of any: the three copies of each
    // 5-tuple are alive at the same time.
    for (k, (dir, flags, payload)) in script.iter().enumerate() {
        for c in &mut tcp {
            c.send(&mut rec, ts, *dir, *flags, payload)?;
            ts += 10 * US;
        }
        if k < 4 {
            let (d, p) = if k % 2 == 0 { (Dir::C2S, request) } else { (Dir::S2C, response) };
            for c in udp4.iter_mut().chain(udp6.iter_mut()) {
                c.send(&mut rec, ts, d, p)?;
                ts += 10 * US;
            }
        }
        ts += MS;
    }
    for c in &mut tcp {
        c.sides.close(&mut rec, FlowEnd::Fin);
    }
    rec.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::scenarios::Capture;

    #[test]
    fn nine_flows_keyed_by_innermost_vlan() {
        let c = Capture::of(vlan);
        let d = &c.description;
        assert_eq!(d.flows.len(), 9);
        let mut vlans: Vec<u16> = d.flows.iter().map(|f| f.key.vlan).collect();
        vlans.sort();
        assert_eq!(vlans, vec![0, 0, 0, 10, 10, 10, 20, 20, 20]);
        assert_eq!(d.records, 9 * 3 + 4 * 6);
        assert_eq!(d.non_flow_packets, 0);
        // QinQ frames carry 88a8 / 0064 / 8100 / 0014.
        let qinq = c.records.iter().find(|r| r.data[12..14] == [0x88, 0xa8]).unwrap();
        assert_eq!(&qinq.data[14..22], &[0x00, 100, 0x81, 0x00, 0x00, 20, 0x08, 0x00]);
        // Same 5-tuple, same byte counts apart from the 4 bytes per tag.
        let t: Vec<_> = d.flows.iter().filter(|f| f.key.proto == 6).collect();
        assert_eq!(t[1].bytes(), t[0].bytes() + 9 * 4);
        assert_eq!(t[2].bytes(), t[0].bytes() + 9 * 8);
        assert!(c.records.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns));
    }
}
