//! `host_probes`: the port probes and floods of ntopng's FIN scan, RST scan and ICMP flood host checks,
//! with the counts they should find computed here while generating ([`HostProbes`]):
//! 1. a FIN scan: `fin_prober` sends one bare FIN (no ACK) to each of `fin_ports` ports of `fin_target`,
//!    10 ms apart; every port is closed and answers RST+ACK 1 ms later (so the prober receives as many
//!    RSTs as it sent FINs, and the target sends them);
//! 2. an ICMP flood, five seconds later: `icmp_flooder` sends `icmp_requests` echo requests to
//!    `icmp_victim` within one second (2 ms apart); the victim answers the first `icmp_replies` only.
//!
//! No SYN anywhere: the SYN-based checks find nothing. Every address is in 198.18.0.0/16
//! ([`HostProbes::LOCAL_NET`]).

use super::{BASE_TS_NS, MS, SEC};
use crate::gen::addr::{mac, v4};
use crate::gen::builder::tcp_flags::{ACK, FIN, RST};
use crate::gen::builder::{Icmp, Ipv4, PacketBuilder, Tcp};
use crate::gen::pcap_writer::RecordSink;
use std::io;
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Copy)]
pub struct HostProbeParams {
    pub fin_ports: u32,
    pub icmp_requests: u32,
    pub icmp_replies: u32,
}

impl Default for HostProbeParams {
    /// Above ntopng's default thresholds: 256 for the scans, 250 for the ICMP flood.
    fn default() -> Self {
        HostProbeParams { fin_ports: 300, icmp_requests: 400, icmp_replies: 100 }
    }
}

/// Who did what, and the counts the checks should see.
#[derive(Debug, Clone)]
pub struct HostProbes {
    pub fin_prober: Ipv4Addr,
    pub fin_target: Ipv4Addr,
    pub icmp_flooder: Ipv4Addr,
    pub icmp_victim: Ipv4Addr,
    /// Per host: FINs without ACK sent and received, RSTs sent and received.
    pub fins: Vec<(Ipv4Addr, (u64, u64))>,
    pub rsts: Vec<(Ipv4Addr, (u64, u64))>,
    /// Per host: most ICMP packets sent and received in one second.
    pub icmp_per_sec: Vec<(Ipv4Addr, (u32, u32))>,
    pub packets: u64,
}

impl HostProbes {
    pub const LOCAL_NET: &'static str = "198.18.0.0/16";
}

pub fn host_probes(sink: &mut dyn RecordSink, p: &HostProbeParams) -> io::Result<HostProbes> {
    let (prober, target, flooder, victim) = (0x0600u32, 0x0700, 0x0800, 0x0900);
    let mut packets = 0u64;
    let mut write = |ts: u64, frame: Vec<u8>| {
        packets += 1;
        sink.write_frame(ts, &frame)
    };
    let eth_ip = |src: u32, dst: u32| PacketBuilder::ethernet(mac(src), mac(dst)).ipv4(Ipv4::new(v4(src), v4(dst)));

    // 1. FIN scan from the first second of the capture, every port closed.
    for i in 0..p.fin_ports {
        let ts = BASE_TS_NS + i as u64 * 10 * MS;
        let port = 2000 + i as u16;
        write(ts, eth_ip(prober, target).tcp(Tcp::new(41000, port).flags(FIN).seq(100 + i)).build())?;
        let rst = Tcp::new(port, 41000).flags(RST | ACK).seq(0).ack(101 + i);
        write(ts + MS, eth_ip(target, prober).tcp(rst).build())?;
    }
    let fin_secs = (p.fin_ports as u64 * 10).div_ceil(1000);

    // 2. ICMP flood, on a second boundary, within one second.
    assert!(p.icmp_requests <= 500, "the ICMP flood must fit in one second");
    let t0 = BASE_TS_NS + (fin_secs + 5) * SEC;
    for i in 0..p.icmp_requests {
        let ts = t0 + i as u64 * 2 * MS;
        write(ts, eth_ip(flooder, victim).icmp(Icmp::echo_request(7, i as u16)).payload(&[0u8; 32]).build())?;
        if i < p.icmp_replies {
            write(ts + MS, eth_ip(victim, flooder).icmp(Icmp::echo_reply(7, i as u16)).payload(&[0u8; 32]).build())?;
        }
    }
    sink.flush()?;

    let (fins, replies) = (p.fin_ports as u64, p.icmp_replies.min(p.icmp_requests));
    Ok(HostProbes {
        fin_prober: v4(prober),
        fin_target: v4(target),
        icmp_flooder: v4(flooder),
        icmp_victim: v4(victim),
        fins: vec![(v4(prober), (fins, 0)), (v4(target), (0, fins))],
        rsts: vec![(v4(prober), (0, fins)), (v4(target), (fins, 0))],
        icmp_per_sec: vec![(v4(flooder), (p.icmp_requests, replies)), (v4(victim), (replies, p.icmp_requests))],
        packets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::pcap_writer::MemorySink;

    #[test]
    fn counts_follow_the_parameters() {
        let mut sink = MemorySink::default();
        let a = host_probes(&mut sink, &HostProbeParams::default()).unwrap();
        assert_eq!(a.fin_prober.to_string(), "198.18.6.0");
        assert_eq!(a.packets, 300 * 2 + 400 + 100);
        assert_eq!(sink.records.len() as u64, a.packets);
        assert!(sink.records.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns));
        // The ICMP flood's packets all fall in one second of packet time.
        let icmp: Vec<u64> = sink.records[600..].iter().map(|r| r.ts_ns / SEC).collect();
        assert!(icmp.iter().all(|s| *s == icmp[0]));
    }
}
