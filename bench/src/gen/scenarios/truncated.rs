//! `truncated`: records cut short at every layer boundary and headers whose length fields
//! lie, between valid control traffic. Engines must count and skip the bad records without
//! crashing and without making flows out of them.

use super::{BASE_TS_NS, MS};
use crate::gen::addr::{mac, v4, v6};
use crate::gen::builder::{tcp_flags, Ipv4, Ipv6, PacketBuilder, Tcp, Udp};
use crate::gen::conv::{Encap, Endpoint, TcpConv, UdpConv};
use crate::gen::describe::{Acct, ClientRule, Description, Dir, Recorder};
use crate::gen::pcap_writer::{RecordSink, LINKTYPE_ETHERNET};
use std::io;
use std::net::IpAddr;

/// Snapshot length of the "payload cut" flow: every header fits, payloads do not.
pub const SNAPLEN_FLOW: usize = 96;

/// Writes the `truncated` scenario:
/// - a control UDP flow: one exchange before the bad records, one after (2 + 2 packets);
/// - a TCP flow captured with snaplen [`SNAPLEN_FLOW`]: headers whole, payloads cut; its
///   pure ACKs are padded to the 60-byte Ethernet minimum (IPv4 total length < frame
///   length is legal): a valid flow, accounted with wire lengths;
/// - malformed records (each annotated `malformed: ...`, accounted as no-flow): cut inside
///   Ethernet, inside an 802.1Q tag, inside the second QinQ tag, inside the IPv4 header,
///   inside the IPv6 header, inside the TCP header, a zero-length record; IPv4 with IHL 4,
///   total length larger than the frame, total length smaller than the header; TCP data
///   offset 2; UDP length larger than the IP payload; IPv6 payload length larger than the
///   frame, smaller than the UDP header, and 0 without a jumbo option.
pub fn truncated(sink: &mut dyn RecordSink) -> io::Result<Description> {
    let mut rec = Recorder::new("truncated", sink, true);
    rec.note(
        "records annotated 'malformed:' must not create flows or hosts; an engine counts them as malformed/discarded",
    );
    rec.note("the snaplen flow's records have caplen < wire_len; its bytes are wire lengths");
    let (cm, sm) = (mac(0x41), mac(0x42));
    let (c4, s4) = (v4(0x41), v4(0x42));
    let mut ts = BASE_TS_NS;

    let mut control =
        UdpConv::new(Endpoint::new(cm, IpAddr::V4(c4), 42000), Endpoint::new(sm, IpAddr::V4(s4), 7001), Encap::none());
    control.sides.open(&mut rec, ClientRule::FirstPacket, None);
    control.send(&mut rec, ts, Dir::C2S, b"control before")?;
    control.send(&mut rec, ts + MS, Dir::S2C, b"ack before")?;
    ts += 10 * MS;

    // The snaplen flow: built whole, written cut at SNAPLEN_FLOW.
    let mut t = TcpConv::new(
        Endpoint::new(cm, IpAddr::V4(c4), 42001),
        Endpoint::new(sm, IpAddr::V4(s4), 8081),
        Encap::none(),
        100,
        200,
    );
    let flow = t.sides.open(&mut rec, ClientRule::SynSender, None);
    use tcp_flags::*;
    let big = vec![0x42u8; 1000];
    let steps: [(Dir, u8, &[u8]); 7] = [
        (Dir::C2S, SYN, &[]),
        (Dir::S2C, SYN | ACK, &[]),
        (Dir::C2S, ACK, &[]),
        (Dir::C2S, PSH | ACK, &big[..300]),
        (Dir::S2C, PSH | ACK, &big),
        (Dir::C2S, ACK, &[]),
        (Dir::S2C, PSH | ACK, &big[..500]),
    ];
    for (dir, flags, payload) in steps {
        let mut frame = t.frame(dir, flags, payload);
        if frame.len() < 60 {
            frame.resize(60, 0); // Ethernet padding after the IP datagram
        }
        let cap = frame.len().min(SNAPLEN_FLOW);
        rec.record(
            LINKTYPE_ETHERNET,
            ts,
            &frame[..cap],
            frame.len() as u32,
            Acct::Flow { id: flow, dir, payload: payload.len() },
        )?;
        ts += MS;
    }

    // Templates for the malformed records.
    let tcp4 = PacketBuilder::ethernet(cm, sm)
        .ipv4(Ipv4::new(c4, s4))
        .tcp(Tcp::new(42002, 80).flags(PSH | ACK).seq(1).ack(1))
        .payload(&[0x55; 64])
        .build();
    let tagged = PacketBuilder::ethernet(cm, sm)
        .vlan(30)
        .ipv4(Ipv4::new(c4, s4))
        .udp(Udp::new(42003, 53))
        .payload(&[0; 20])
        .build();
    let qinq = PacketBuilder::ethernet(cm, sm)
        .qinq(300, 31)
        .ipv4(Ipv4::new(c4, s4))
        .udp(Udp::new(42004, 53))
        .payload(&[0; 20])
        .build();
    let (c6, s6) = (v6(0x41), v6(0x42));
    let udp6 = |h: Ipv6| PacketBuilder::ethernet(cm, sm).ipv6(h).udp(Udp::new(42005, 9000)).payload(&[7; 20]).build();

    let bad = |rec: &mut Recorder, ts: &mut u64, label: &str, frame: &[u8], caplen: usize| -> io::Result<()> {
        rec.annotate_next(&format!("malformed: {label}"));
        rec.record(LINKTYPE_ETHERNET, *ts, &frame[..caplen.min(frame.len())], frame.len() as u32, Acct::NoFlow)?;
        *ts += MS;
        Ok(())
    };
    bad(&mut rec, &mut ts, "cut inside the Ethernet header (caplen 10)", &tcp4, 10)?;
    bad(&mut rec, &mut ts, "cut inside the 802.1Q tag (caplen 16)", &tagged, 16)?;
    bad(&mut rec, &mut ts, "cut inside the inner QinQ tag (caplen 20)", &qinq, 20)?;
    bad(&mut rec, &mut ts, "cut inside the IPv4 header (caplen 14 + 12)", &tcp4, 26)?;
    bad(&mut rec, &mut ts, "cut inside the IPv6 header (caplen 14 + 30)", &udp6(Ipv6::new(c6, s6)), 44)?;
    bad(&mut rec, &mut ts, "cut inside the TCP header (caplen 14 + 20 + 10)", &tcp4, 44)?;
    bad(&mut rec, &mut ts, "zero-length record (caplen 0)", &tcp4, 0)?;
    let full = |b: PacketBuilder| b.build();
    let ip_lie = |h: Ipv4| full(PacketBuilder::ethernet(cm, sm).ipv4(h).udp(Udp::new(42006, 9001)).payload(&[1; 20]));
    let f = ip_lie(Ipv4::new(c4, s4).ihl(4));
    bad(&mut rec, &mut ts, "IPv4 IHL 4 (< 5)", &f, f.len())?;
    let f = ip_lie(Ipv4::new(c4, s4).total_len(1500));
    bad(&mut rec, &mut ts, "IPv4 total length 1500 > frame (48 bytes of IP)", &f, f.len())?;
    let f = ip_lie(Ipv4::new(c4, s4).total_len(12));
    bad(&mut rec, &mut ts, "IPv4 total length 12 < IHL*4 (20)", &f, f.len())?;
    let mut tcp_doff = Tcp::new(42007, 80).flags(ACK);
    tcp_doff.data_offset = Some(2);
    let f = full(PacketBuilder::ethernet(cm, sm).ipv4(Ipv4::new(c4, s4)).tcp(tcp_doff).payload(&[2; 10]));
    bad(&mut rec, &mut ts, "TCP data offset 2 (< 5)", &f, f.len())?;
    let mut udp_len = Udp::new(42008, 9002);
    udp_len.length = Some(400);
    let f = full(PacketBuilder::ethernet(cm, sm).ipv4(Ipv4::new(c4, s4)).udp(udp_len).payload(&[3; 10]));
    bad(&mut rec, &mut ts, "UDP length 400 > IP payload (18)", &f, f.len())?;
    let f = udp6(Ipv6::new(c6, s6).payload_len(1000));
    bad(&mut rec, &mut ts, "IPv6 payload length 1000 > frame (28 bytes after the header)", &f, f.len())?;
    let f = udp6(Ipv6::new(c6, s6).payload_len(4));
    bad(&mut rec, &mut ts, "IPv6 payload length 4 < UDP header", &f, f.len())?;
    let f = udp6(Ipv6::new(c6, s6).payload_len(0));
    bad(&mut rec, &mut ts, "IPv6 payload length 0 without a jumbo payload option", &f, f.len())?;

    control.send(&mut rec, ts, Dir::C2S, b"control after")?;
    control.send(&mut rec, ts + MS, Dir::S2C, b"ack after")?;
    rec.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::scenarios::Capture;

    #[test]
    fn malformed_records_are_annotated_and_cut() {
        let c = Capture::of(truncated);
        let d = &c.description;
        assert_eq!(d.flows.len(), 2);
        let malformed: Vec<_> = d.annotations.iter().filter(|a| a.label.starts_with("malformed")).collect();
        assert_eq!(malformed.len() as u64, d.non_flow_packets);
        assert_eq!(d.non_flow_packets, 15);
        for a in &malformed {
            assert!((a.record as usize) < c.records.len());
        }
        // caplen/wire: the cut-in-Ethernet record.
        let r = &c.records[malformed[0].record as usize];
        assert_eq!(r.data.len(), 10);
        assert_eq!(r.wire_len, 14 + 20 + 20 + 64);
        // The snaplen flow: 7 records, every one <= 96 captured, wire lengths counted.
        let snap = &d.flows[1];
        assert_eq!(snap.packets(), 7);
        assert_eq!(snap.c2s.payload_bytes, 300);
        assert_eq!(snap.s2c.payload_bytes, 1500);
        // Pure ACKs padded to 60 bytes on the wire.
        let ack = &c.records[4];
        assert_eq!(ack.wire_len, 60);
        assert_eq!(&ack.data[16..18], &40u16.to_be_bytes());
        let cut = &c.records[6];
        assert_eq!((cut.data.len(), cut.wire_len), (SNAPLEN_FLOW, 14 + 20 + 20 + 1000));
        // IHL 4 written as the nibble.
        let ihl = c
            .records
            .iter()
            .zip(0..)
            .find(|(_, i)| d.annotations.iter().any(|a| a.record == *i && a.label.contains("IHL 4")))
            .unwrap()
            .0;
        assert_eq!(ihl.data[14], 0x44);
    }
}
