//! `local_hosts`: many local hosts, each exchanging a UDP request and its reply with a remote server
//! every interval, for the timeseries benchmark (`bench/run-tsdb.sh`): every local host gets a point of
//! every host schema at every 5-minute step of the capture.
//!
//! Local host `i` (0-based) is `198.18.0.0 + i + 1` (inside [`LocalHostsParams::LOCAL_NET`]), port
//! `20000 + i % 40000`; its server is `198.19.0.(i % 4 + 1)`:7000 (outside it). Round `r` starts at
//! `BASE_TS_NS + r × interval` (a 5-minute boundary for r = 0) and host `i` sends at
//! `i × interval / hosts` into it; the reply follows 1 ms later. One flow per host, across rounds.

use super::{BASE_TS_NS, MS, SEC};
use crate::gen::addr::{mac, v4};
use crate::gen::builder::{Ipv4, PacketBuilder, Udp};
use crate::gen::describe::{Acct, ClientRule, Description, Dir, FlowKey, Recorder};
use crate::gen::pcap_writer::RecordSink;
use std::io;
use std::net::IpAddr;

/// Parameters of [`local_hosts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalHostsParams {
    /// Local hosts (at most 65,534).
    pub hosts: u32,
    /// Packet time covered, seconds (rounds = span / interval).
    pub span_s: u64,
    /// Time between two exchanges of one host, seconds.
    pub interval_s: u64,
    /// Keep per-flow and per-host expectations (memory grows with `hosts`).
    pub keep_flows: bool,
}

impl LocalHostsParams {
    /// The local network holding every local host (`-m` of the daemon).
    pub const LOCAL_NET: &'static str = "198.18.0.0/16";
}

impl Default for LocalHostsParams {
    /// 10,000 local hosts, one exchange a minute each, for an hour.
    fn default() -> Self {
        LocalHostsParams { hosts: 10_000, span_s: 3600, interval_s: 60, keep_flows: false }
    }
}

/// Writes the capture; see the module documentation for the plan.
pub fn local_hosts(sink: &mut dyn RecordSink, p: LocalHostsParams) -> io::Result<Description> {
    assert!((1..=65_534).contains(&p.hosts), "local_hosts supports 1 to 65534 hosts");
    assert!(p.interval_s > 0 && p.span_s >= p.interval_s, "span must hold at least one interval");
    let mut rec = Recorder::new("local_hosts", sink, p.keep_flows);
    rec.note(&format!(
        "{} local hosts in {}, a UDP request and reply each every {} s for {} s",
        p.hosts,
        LocalHostsParams::LOCAL_NET,
        p.interval_s,
        p.span_s
    ));
    let (query, answer) = ([0x51u8; 40], [0x52u8; 120]);
    let mut ids = Vec::with_capacity(p.hosts as usize);
    let mut buf = Vec::with_capacity(256);
    let interval_ns = p.interval_s * SEC;
    for r in 0..p.span_s / p.interval_s {
        for i in 0..p.hosts {
            let (c, s) = (v4(i + 1), v4(65_536 + i % 4 + 1));
            let (cport, sport) = (20_000 + (i % 40_000) as u16, 7000);
            let id = match ids.get(i as usize) {
                Some(&id) => id,
                None => {
                    let key = FlowKey {
                        vlan: 0,
                        proto: 17,
                        client: IpAddr::V4(c),
                        client_port: cport,
                        server: IpAddr::V4(s),
                        server_port: sport,
                    };
                    let id = rec.open_flow(key, ClientRule::FirstPacket, None);
                    ids.push(id);
                    id
                }
            };
            let (cm, sm) = (mac(0x1_0000 + i), mac(0x2_0000 + i % 4));
            let ts = BASE_TS_NS + r * interval_ns + i as u64 * interval_ns / p.hosts as u64;
            PacketBuilder::ethernet(cm, sm)
                .ipv4(Ipv4::new(c, s))
                .udp(Udp::new(cport, sport))
                .payload(&query)
                .build_into(&mut buf);
            rec.frame(ts, &buf, Acct::Flow { id, dir: Dir::C2S, payload: query.len() })?;
            PacketBuilder::ethernet(sm, cm)
                .ipv4(Ipv4::new(s, c))
                .udp(Udp::new(sport, cport))
                .payload(&answer)
                .build_into(&mut buf);
            rec.frame(ts + MS, &buf, Acct::Flow { id, dir: Dir::S2C, payload: answer.len() })?;
        }
    }
    rec.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::scenarios::Capture;

    #[test]
    fn every_host_every_interval_in_time_order() {
        let p = LocalHostsParams { hosts: 50, span_s: 600, interval_s: 60, keep_flows: true };
        let c = Capture::of(|s| local_hosts(s, p));
        let d = &c.description;
        assert_eq!((d.flow_count, d.records), (50, 50 * 10 * 2));
        assert!(d.flows.iter().all(|f| f.c2s.packets == 10 && f.s2c.packets == 10));
        assert!(c.records.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns));
        let span = c.records.last().unwrap().ts_ns - c.records[0].ts_ns;
        assert!(span > 590 * SEC && span < 600 * SEC, "{span}");
    }
}
