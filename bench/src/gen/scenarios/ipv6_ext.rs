//! `ipv6_ext`: IPv6 flows whose packets carry extension headers before the L4 header, so a
//! dissector must walk the next-header chain to find ports.

use super::{BASE_TS_NS, MS, SEC};
use crate::gen::addr::{mac, v6};
use crate::gen::builder::Ipv6Ext;
use crate::gen::conv::{EchoConv, Encap, Endpoint, TcpConv, UdpConv};
use crate::gen::describe::{ClientRule, Description, Dir, Recorder};
use crate::gen::pcap_writer::RecordSink;
use std::io;
use std::net::IpAddr;

/// The chain used by most packets: hop-by-hop (router alert), destination options
/// (experimental option, skip if unknown), segment routing header (segments left 0).
pub fn standard_chain(final_dst: std::net::Ipv6Addr) -> Vec<Ipv6Ext> {
    vec![
        Ipv6Ext::router_alert(),
        Ipv6Ext::experimental_dest_opt(0x0bad_cafe),
        Ipv6Ext::segment_routing(&[final_dst], 0),
    ]
}

/// Writes the `ipv6_ext` scenario, 4 flows:
/// - TCP (handshake, request/response, FIN) with HBH + DestOpts + Routing on every packet;
/// - UDP request/response with the same chain;
/// - UDP with HBH + Routing + DestOpts (destination options after routing, the other
///   position RFC 8200 allows);
/// - an ICMPv6 echo (3 request/reply pairs) with HBH + DestOpts + Routing.
pub fn ipv6_ext(sink: &mut dyn RecordSink) -> io::Result<Description> {
    let mut rec = Recorder::new("ipv6_ext", sink, true);
    rec.note("every packet carries IPv6 extension headers between the IPv6 header and the L4 header");
    let (a, b) = (v6(0x10), v6(0x20));
    let cli = |port| Endpoint::new(mac(0x10), IpAddr::V6(a), port);
    let srv = |port| Endpoint::new(mac(0x20), IpAddr::V6(b), port);
    let chain = Encap::none().with_ipv6_ext(standard_chain(b));
    let mut ts = BASE_TS_NS;

    let mut t = TcpConv::new(cli(50000), srv(8080), chain.clone(), 7_000, 9_000);
    t.sides.open(&mut rec, ClientRule::SynSender, None);
    ts = t.handshake(&mut rec, ts, 2 * MS)?;
    ts = t.exchange(&mut rec, ts + MS, 2 * MS, b"hello over a long extension chain", b"hello back")?;
    ts = t.close_fin(&mut rec, ts + MS, 2 * MS, Dir::C2S)?;

    let mut u = UdpConv::new(cli(50001), srv(6053), chain.clone());
    u.sides.open(&mut rec, ClientRule::FirstPacket, None);
    for i in 0..3u64 {
        u.send(&mut rec, ts + SEC / 10 + i * MS, Dir::C2S, b"udp request")?;
        u.send(&mut rec, ts + SEC / 10 + i * MS + MS / 2, Dir::S2C, b"udp response")?;
    }
    ts += SEC / 5;

    let other = Encap::none().with_ipv6_ext(vec![
        Ipv6Ext::router_alert(),
        Ipv6Ext::segment_routing(&[b], 0),
        Ipv6Ext::experimental_dest_opt(1),
    ]);
    let mut u2 = UdpConv::new(cli(50002), srv(6000), other);
    u2.sides.open(&mut rec, ClientRule::FirstPacket, None);
    u2.send(&mut rec, ts, Dir::C2S, b"dest opts after routing")?;
    u2.send(&mut rec, ts + MS, Dir::S2C, b"ok")?;
    ts += SEC / 10;

    let mut e = EchoConv::new(cli(0x4242), srv(0), chain);
    e.sides.open(&mut rec, ClientRule::FirstPacket, None);
    for i in 0..3u64 {
        e.send(&mut rec, ts + i * SEC, Dir::C2S, &[0x61; 32])?;
        e.send(&mut rec, ts + i * SEC + MS, Dir::S2C, &[0x61; 32])?;
    }
    rec.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::scenarios::Capture;

    #[test]
    fn every_packet_has_the_chain() {
        let c = Capture::of(ipv6_ext);
        let d = &c.description;
        assert_eq!(d.flows.len(), 4);
        assert_eq!(d.flows.iter().map(|f| f.key.proto).collect::<Vec<_>>(), vec![6, 17, 17, 58]);
        assert_eq!(d.flows[3].key.client_port, 0);
        for r in &c.records {
            assert_eq!(&r.data[12..14], &[0x86, 0xdd]);
            assert_eq!(r.data[14 + 6], 0, "first next header is hop-by-hop");
        }
        assert_eq!(d.records, 9 + 6 + 2 + 6);
        // The echo request: after 40 + 8 + 8 + 24 bytes of headers comes ICMPv6 type 128.
        let echo = &c.records[17].data;
        assert_eq!(echo[14 + 40 + 8 + 8 + 24], 128);
    }
}
