//! `host_attacks`: what ntopng's host checks look for, with the counts they should find computed here
//! while generating ([`HostAttacks`]):
//! 1. a SYN scan: `scanner` sends one SYN to each of `scan_ports` ports of `scan_target`, 10 ms apart
//!    (100 new flows per second); the first `scan_open` ports answer SYN+ACK (the scanner resets them),
//!    the next half of the rest answer RST+ACK, the others never answer;
//! 2. a SYN flood: `flooder` sends `flood_syns` SYNs from distinct ports to `flood_victim`:80 within one
//!    second (1 ms apart); the victim answers SYN+ACK to the first `flood_answered` only;
//! 3. a flow flood: `udp_flooder` sends one UDP datagram to each of `udp_targets` hosts within one second.
//!
//! Every address is in 198.18.0.0/16 ([`HostAttacks::LOCAL_NET`]).

use super::{BASE_TS_NS, MS, SEC};
use crate::gen::addr::{mac, v4};
use crate::gen::builder::tcp_flags::{ACK, RST, SYN};
use crate::gen::builder::{PacketBuilder, Tcp, Udp};
use crate::gen::pcap_writer::RecordSink;
use std::io;
use std::net::Ipv4Addr;

/// The attacks' sizes.
#[derive(Debug, Clone, Copy)]
pub struct HostAttackParams {
    pub scan_ports: u32,
    pub scan_open: u32,
    pub flood_syns: u32,
    pub flood_answered: u32,
    pub udp_targets: u32,
}

impl Default for HostAttackParams {
    /// Each attack crosses ntopng's default thresholds (256) on the sides named in [`HostAttacks`].
    fn default() -> Self {
        HostAttackParams { scan_ports: 300, scan_open: 20, flood_syns: 600, flood_answered: 100, udp_targets: 400 }
    }
}

/// Who did what, and the counts the checks should see (computed from what was written).
#[derive(Debug, Clone)]
pub struct HostAttacks {
    pub scanner: Ipv4Addr,
    pub scan_target: Ipv4Addr,
    pub flooder: Ipv4Addr,
    pub flood_victim: Ipv4Addr,
    pub udp_flooder: Ipv4Addr,
    pub udp_targets: Vec<Ipv4Addr>,
    /// Per host: SYNs sent, SYN+ACKs received, SYNs received, SYN+ACKs sent.
    pub syn: Vec<(Ipv4Addr, SynCounts)>,
    /// Per host: most new flows in one second as client, as server.
    pub new_flows_per_sec: Vec<(Ipv4Addr, (u32, u32))>,
    pub packets: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SynCounts {
    pub syn_sent: u64,
    pub synack_rcvd: u64,
    pub syn_rcvd: u64,
    pub synack_sent: u64,
}

impl HostAttacks {
    pub const LOCAL_NET: &'static str = "198.18.0.0/16";

    pub fn syn_of(&self, ip: Ipv4Addr) -> SynCounts {
        self.syn.iter().find(|(a, _)| *a == ip).map(|(_, c)| *c).unwrap_or_default()
    }

    pub fn new_flows_of(&self, ip: Ipv4Addr) -> (u32, u32) {
        self.new_flows_per_sec.iter().find(|(a, _)| *a == ip).map(|(_, c)| *c).unwrap_or_default()
    }
}

struct Writer<'a> {
    sink: &'a mut dyn RecordSink,
    packets: u64,
}

impl Writer<'_> {
    fn tcp(&mut self, ts: u64, src: (u32, u16), dst: (u32, u16), flags: u8, seq: u32, ack: u32) -> io::Result<()> {
        let frame = PacketBuilder::ethernet(mac(src.0), mac(dst.0))
            .ipv4(crate::gen::builder::Ipv4::new(v4(src.0), v4(dst.0)))
            .tcp(Tcp::new(src.1, dst.1).flags(flags).seq(seq).ack(ack))
            .build();
        self.packets += 1;
        self.sink.write_frame(ts, &frame)
    }

    fn udp(&mut self, ts: u64, src: (u32, u16), dst: (u32, u16), payload: &[u8]) -> io::Result<()> {
        let frame = PacketBuilder::ethernet(mac(src.0), mac(dst.0))
            .ipv4(crate::gen::builder::Ipv4::new(v4(src.0), v4(dst.0)))
            .udp(Udp::new(src.1, dst.1))
            .payload(payload)
            .build();
        self.packets += 1;
        self.sink.write_frame(ts, &frame)
    }
}

pub fn host_attacks(sink: &mut dyn RecordSink, p: &HostAttackParams) -> io::Result<HostAttacks> {
    let (scanner, target, flooder, victim, udp_flooder) = (0x0100u32, 0x0200, 0x0300, 0x0400, 0x0500);
    let mut w = Writer { sink, packets: 0 };

    // 1. SYN scan, one port every 10 ms from the first second of the capture; answers 1 ms later.
    let rtt = MS;
    let mut open = 0u64;
    for i in 0..p.scan_ports {
        let ts = BASE_TS_NS + i as u64 * 10 * MS;
        let (src, dst) = ((scanner, 40000), (target, 1000 + i as u16));
        w.tcp(ts, src, dst, SYN, 1000 + i, 0)?;
        if i < p.scan_open {
            w.tcp(ts + rtt, dst, src, SYN | ACK, 5000, 1001 + i)?;
            w.tcp(ts + 2 * rtt, src, dst, RST, 1001 + i, 0)?;
            open += 1;
        } else if (i - p.scan_open) % 2 == 0 {
            w.tcp(ts + rtt, dst, src, RST | ACK, 0, 1001 + i)?;
        }
    }
    let scan_secs = (p.scan_ports as u64 * 10).div_ceil(1000);
    let scan_rate = p.scan_ports.min(100);

    // 2. SYN flood, 1 ms apart, five seconds later.
    let t0 = BASE_TS_NS + (scan_secs + 5) * SEC;
    for i in 0..p.flood_syns {
        let ts = t0 + i as u64 * MS;
        let (src, dst) = ((flooder, 10000 + i as u16), (victim, 80));
        w.tcp(ts, src, dst, SYN, 7000 + i, 0)?;
        if i < p.flood_answered {
            w.tcp(ts + MS / 2, dst, src, SYN | ACK, 9000, 7001 + i)?;
        }
    }
    assert!(p.flood_syns <= 1000, "the SYN flood must fit in one second");

    // 3. UDP flow flood, 1 ms apart, five seconds later.
    let t1 = t0 + 5 * SEC;
    let mut udp_targets = Vec::new();
    for i in 0..p.udp_targets {
        let dst = 0x1000 + i;
        w.udp(t1 + i as u64 * MS, (udp_flooder, 50000), (dst, 7777), &[0u8; 16])?;
        udp_targets.push(v4(dst));
    }
    assert!(p.udp_targets <= 1000, "the flow flood must fit in one second");

    let n = |x: u32| x as u64;
    let syn = vec![
        (v4(scanner), SynCounts { syn_sent: n(p.scan_ports), synack_rcvd: open, ..Default::default() }),
        (v4(target), SynCounts { syn_rcvd: n(p.scan_ports), synack_sent: open, ..Default::default() }),
        (
            v4(flooder),
            SynCounts {
                syn_sent: n(p.flood_syns),
                synack_rcvd: n(p.flood_answered.min(p.flood_syns)),
                ..Default::default()
            },
        ),
        (
            v4(victim),
            SynCounts {
                syn_rcvd: n(p.flood_syns),
                synack_sent: n(p.flood_answered.min(p.flood_syns)),
                ..Default::default()
            },
        ),
    ];
    let new_flows_per_sec = vec![
        (v4(scanner), (scan_rate, 0)),
        (v4(target), (0, scan_rate)),
        (v4(flooder), (p.flood_syns, 0)),
        (v4(victim), (0, p.flood_syns)),
        (v4(udp_flooder), (p.udp_targets, 0)),
    ];
    w.sink.flush()?;
    Ok(HostAttacks {
        scanner: v4(scanner),
        scan_target: v4(target),
        flooder: v4(flooder),
        flood_victim: v4(victim),
        udp_flooder: v4(udp_flooder),
        udp_targets,
        syn,
        new_flows_per_sec,
        packets: w.packets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::pcap_writer::MemorySink;

    #[test]
    fn counts_follow_the_parameters() {
        let mut sink = MemorySink::default();
        let a = host_attacks(&mut sink, &HostAttackParams::default()).unwrap();
        assert_eq!(a.scanner.to_string(), "198.18.1.0");
        let s = a.syn_of(a.scanner);
        assert_eq!((s.syn_sent, s.synack_rcvd), (300, 20));
        assert_eq!(a.new_flows_of(a.flooder), (600, 0));
        // scan: 300 SYN + 20 × (SYN+ACK, RST) + 140 RST+ACK; flood: 600 + 100; UDP: 400.
        assert_eq!(a.packets, 300 + 40 + 140 + 700 + 400);
        assert_eq!(sink.records.len() as u64, a.packets);
        // Records are in time order, as a capture file has them.
        assert!(sink.records.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns));
    }
}
