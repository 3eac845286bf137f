//! `handshake`: who is the client? TCP conversations whose first visible packet is the SYN,
//! a mid-flow packet from either side, or the SYN+ACK.

use super::{BASE_TS_NS, MS, SEC};
use crate::gen::addr::{mac, v4};
use crate::gen::builder::tcp_flags::*;
use crate::gen::conv::{Encap, Endpoint, TcpConv};
use crate::gen::describe::{ClientRule, Description, Dir, Recorder};
use crate::gen::pcap_writer::RecordSink;
use std::io;
use std::net::IpAddr;

/// Writes the `handshake` scenario, 4 TCP flows between client 198.18.0.81 (ephemeral
/// ports) and server 198.18.0.82 (port 443):
/// 1. SYN first: client = SYN sender;
/// 2. capture starts mid-flow with a server->client data packet: its sender (port 443) is the
///    client; 443 being the lower port, ntopng's heuristic asks for a swap, which waits for nDPI to
///    name the protocol and this payload names none ([`ClientRule::SwapAwaitsProtocol`]): every later
///    packet counts client-to-server;
/// 3. capture starts mid-flow with a client->server packet: first-packet rule, real client;
/// 4. SYN+ACK first: ntopng keeps the SYN+ACK's sender as the client ([`ClientRule::SynAckSender`]).
pub fn handshake(sink: &mut dyn RecordSink) -> io::Result<Description> {
    let mut rec = Recorder::new("handshake", sink, true);
    rec.note("client = SYN sender when the SYN is seen; otherwise the sender of the first packet (a first SYN+ACK too), swapped at the first reply when that packet came from the lower port and carried no SYN");
    let cli = |port| Endpoint::new(mac(0x51), IpAddr::V4(v4(0x51)), port);
    let srv = Endpoint::new(mac(0x52), IpAddr::V4(v4(0x52)), 443);
    let rtt = 2 * MS;
    let mut ts = BASE_TS_NS;

    let mut a = TcpConv::new(cli(43001), srv.clone(), Encap::none(), 1_000, 50_000);
    a.sides.open(&mut rec, ClientRule::SynSender, None);
    ts = a.handshake(&mut rec, ts, rtt)?;
    ts = a.exchange(&mut rec, ts + MS, rtt, b"request one", b"response one")?;
    a.close_fin(&mut rec, ts + MS, rtt, Dir::C2S)?;
    ts += SEC;

    let mut b = TcpConv::new(cli(43002), srv.clone(), Encap::none(), 2_000_000, 3_000_000);
    b.sides.open_swapped(&mut rec, ClientRule::SwapAwaitsProtocol);
    b.send(&mut rec, ts, Dir::S2C, PSH | ACK, b"server data seen first")?;
    b.send(&mut rec, ts + rtt / 2, Dir::C2S, ACK, &[])?;
    ts = b.exchange(&mut rec, ts + rtt, rtt, b"client request", b"server response")?;
    b.close_fin(&mut rec, ts + MS, rtt, Dir::S2C)?;
    ts += SEC;

    let mut c = TcpConv::new(cli(43003), srv.clone(), Encap::none(), 4_000_000, 5_000_000);
    c.sides.open(&mut rec, ClientRule::FirstPacket, None);
    ts = c.exchange(&mut rec, ts, rtt, b"client data seen first", b"server reply")?;
    c.close_fin(&mut rec, ts + MS, rtt, Dir::C2S)?;
    ts += SEC;

    // The SYN (seq 6_000_000) was sent before the capture started: the client's next sequence
    // number is already past it.
    let mut d = TcpConv::new(cli(43004), srv, Encap::none(), 6_000_001, 7_000_000);
    d.sides.open_swapped(&mut rec, ClientRule::SynAckSender);
    d.send(&mut rec, ts, Dir::S2C, SYN | ACK, &[])?;
    d.send(&mut rec, ts + rtt / 2, Dir::C2S, ACK, &[])?;
    ts = d.exchange(&mut rec, ts + rtt, rtt, b"request after syn-ack", b"response")?;
    d.close_fin(&mut rec, ts + MS, rtt, Dir::C2S)?;
    rec.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::describe::FlowEnd;
    use crate::gen::scenarios::Capture;

    #[test]
    fn client_rules() {
        let c = Capture::of(handshake);
        let d = &c.description;
        let rules: Vec<_> = d.flows.iter().map(|f| f.client_rule).collect();
        assert_eq!(
            rules,
            vec![
                ClientRule::SynSender,
                ClientRule::SwapAwaitsProtocol,
                ClientRule::FirstPacket,
                ClientRule::SynAckSender
            ]
        );
        // Flow 2 is keyed with the server side as client, and its swap never happens: every packet
        // (server data 22, request 14, response 15 bytes) counts client-to-server.
        assert_eq!(d.flows[1].key.client_port, 443);
        assert_eq!(d.flows[1].key.server_port, 43002);
        assert_eq!((d.flows[1].c2s.payload_bytes, d.flows[1].s2c.packets), (22 + 14 + 15, 0));
        // Flow 4: the SYN+ACK's sender stays the client.
        assert_eq!(d.flows[3].key.client_port, 443);
        assert_eq!(d.flows[3].key.server_port, 43004);
        assert!(d.flows.iter().all(|f| f.end == FlowEnd::Fin));
        // The SYN+ACK acknowledges the unseen SYN.
        let synack = c
            .records
            .iter()
            .find(|r| {
                r.data[47] == SYN | ACK
                    && r.data[34..36] == 443u16.to_be_bytes()
                    && r.data[36..38] == 43004u16.to_be_bytes()
            })
            .unwrap();
        assert_eq!(&synack.data[42..46], &6_000_001u32.to_be_bytes());
    }
}
