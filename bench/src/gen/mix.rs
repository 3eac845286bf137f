//! `mix` and `long_flows`: parametric traffic for throughput benchmarks, deterministic from a
//! seed and streamed (millions of packets without holding them in memory).
//!
//! A window of `concurrency` flows is active at a time; each packet comes from a flow of the
//! window picked at random, and a finished flow is replaced by the next one, so
//! `concurrency = 1` gives flows strictly one after another and larger values interleave
//! them like a busy link.

use super::addr::{mac, v4, v6_in, Mac};
use super::builder::{tcp_flags::*, Icmp, Ipv4, Ipv6, PacketBuilder, Tcp, Udp};
use super::describe::{Acct, ClientRule, Description, Dir, FlowEnd, FlowId, FlowKey, Recorder};
use super::pcap_writer::RecordSink;
use super::prng::{mix64, SplitMix64};
use super::scenarios::BASE_TS_NS;
use std::io;
use std::net::IpAddr;

/// Frame sizes (Ethernet header included, no FCS) of data packets. Sizes below the headers a
/// packet needs are raised to them; control packets (SYN, FIN...) never carry payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeDist {
    Fixed(u16),
    /// Uniform in `min..=max`.
    Uniform {
        min: u16,
        max: u16,
    },
    /// Simple IMIX: IP sizes 40/576/1500 in proportions 7:4:1 (frames 54/590/1514).
    Imix,
}

impl SizeDist {
    /// Parses `64`, `64-1500` or `imix`.
    pub fn parse(s: &str) -> Result<SizeDist, String> {
        if s.eq_ignore_ascii_case("imix") {
            return Ok(SizeDist::Imix);
        }
        let num = |t: &str| t.trim().parse::<u16>().map_err(|e| format!("bad size {t:?}: {e}"));
        match s.split_once('-') {
            Some((a, b)) => {
                let (min, max) = (num(a)?, num(b)?);
                if min > max {
                    return Err(format!("size range {s} is empty"));
                }
                Ok(SizeDist::Uniform { min, max })
            }
            None => Ok(SizeDist::Fixed(num(s)?)),
        }
    }

    fn sample(&self, rng: &mut SplitMix64) -> usize {
        match *self {
            SizeDist::Fixed(n) => n as usize,
            SizeDist::Uniform { min, max } => rng.range(min as u64, max as u64) as usize,
            SizeDist::Imix => match rng.below(12) {
                0..=6 => 54,
                7..=10 => 590,
                _ => 1514,
            },
        }
    }
}

/// Relative weights of the L4 protocols of new flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtoMix {
    pub tcp: u32,
    pub udp: u32,
    pub icmp: u32,
}

impl ProtoMix {
    /// Parses `tcp=70,udp=25,icmp=5` (missing protocols weigh 0).
    pub fn parse(s: &str) -> Result<ProtoMix, String> {
        let mut m = ProtoMix { tcp: 0, udp: 0, icmp: 0 };
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| format!("expected proto=weight, got {part:?}"))?;
            let v: u32 = v.trim().parse().map_err(|e| format!("bad weight in {part:?}: {e}"))?;
            match k.trim().to_ascii_lowercase().as_str() {
                "tcp" => m.tcp = v,
                "udp" => m.udp = v,
                "icmp" => m.icmp = v,
                other => return Err(format!("unknown protocol {other:?} (tcp, udp, icmp)")),
            }
        }
        if m.tcp + m.udp + m.icmp == 0 {
            return Err("protocol weights sum to 0".into());
        }
        Ok(m)
    }
}

/// Parameters of [`mix`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixParams {
    pub seed: u64,
    pub flows: u64,
    pub packets_per_flow: u32,
    pub size: SizeDist,
    pub proto: ProtoMix,
    /// Share of flows over IPv6, in percent.
    pub ipv6_percent: u8,
    /// Number of flows active (interleaved) at a time.
    pub concurrency: u32,
    /// Packet-time gap between consecutive packets of the capture.
    pub gap_ns: u64,
    pub start_ts_ns: u64,
    /// Keep per-flow and per-host expectations (memory grows with `flows`).
    pub keep_flows: bool,
}

impl Default for MixParams {
    fn default() -> MixParams {
        MixParams {
            seed: 1,
            flows: 10_000,
            packets_per_flow: 10,
            size: SizeDist::Imix,
            proto: ProtoMix { tcp: 70, udp: 25, icmp: 5 },
            ipv6_percent: 20,
            concurrency: 256,
            gap_ns: 1_000,
            start_ts_ns: BASE_TS_NS,
            keep_flows: true,
        }
    }
}

impl MixParams {
    /// The `long_flows` preset: a few TCP flows of many packets each (IMIX sizes), all
    /// interleaved — the long-flow mix of the throughput benchmark.
    pub fn long_flows(flows: u64, packets_per_flow: u32, seed: u64) -> MixParams {
        MixParams {
            seed,
            flows,
            packets_per_flow,
            proto: ProtoMix { tcp: 1, udp: 0, icmp: 0 },
            ipv6_percent: 0,
            concurrency: flows.max(1) as u32,
            ..MixParams::default()
        }
    }
}

/// Server ports drawn for new flows (random payloads on well-known ports make nDPI's
/// dissectors work as they would on unknown traffic).
const TCP_PORTS: [u16; 8] = [80, 443, 8080, 22, 25, 993, 3306, 5432];
const UDP_PORTS: [u16; 8] = [53, 123, 443, 5353, 1900, 5060, 3478, 9999];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proto {
    Tcp,
    Udp,
    Icmp,
}

/// One side of a generated flow.
#[derive(Debug, Clone, Copy)]
struct Side {
    mac: Mac,
    ip: IpAddr,
    port: u16,
}

/// A flow in the active window.
#[derive(Debug, Clone)]
struct Active {
    id: FlowId,
    proto: Proto,
    client: Side,
    server: Side,
    sent: u32,
    next_seq: [u32; 2],
    icmp_seq: u16,
}

/// The endpoints of flow `i`: client 198.18.(i mod 65536) (or 2001:db8:1::(i mod 65536)),
/// source port 1024 + i / 65536, server 198.19.x with x = (i / 65536 + hash(i mod 65536))
/// mod 65536 — so the (client, server) address pair alone is unique per flow for
/// i < 2^32 - 1, which keeps ICMP flows distinct without ports.
fn endpoints(i: u64, v6: bool, server_port: u16) -> (Side, Side) {
    let c = i % 65_536;
    let k = i / 65_536;
    let s = (k + mix64(c) % 65_536) % 65_536;
    let (cip, sip) = if v6 {
        (IpAddr::V6(v6_in(1, c)), IpAddr::V6(v6_in(2, s)))
    } else {
        (IpAddr::V4(v4(c as u32)), IpAddr::V4(v4(65_536 + s as u32)))
    };
    let cport = 1024 + (k % 64_512) as u16;
    (
        Side { mac: mac(0x1_0000 + c as u32), ip: cip, port: cport },
        Side { mac: mac(0x2_0000 + s as u32), ip: sip, port: server_port },
    )
}

/// What packet `n` of a flow is: direction, TCP flags (0 for UDP/ICMP) and whether it
/// carries payload.
fn schedule(proto: Proto, n: u32, total: u32) -> (Dir, u8, bool) {
    let alt = if n % 2 == 0 { Dir::C2S } else { Dir::S2C };
    if proto != Proto::Tcp {
        return (alt, 0, true);
    }
    if total >= 3 && n < 3 {
        return [(Dir::C2S, SYN, false), (Dir::S2C, SYN | ACK, false), (Dir::C2S, ACK, false)][n as usize];
    }
    if total >= 8 && n >= total - 3 {
        return [(Dir::C2S, FIN | ACK, false), (Dir::S2C, FIN | ACK, false), (Dir::C2S, ACK, false)]
            [(n - (total - 3)) as usize];
    }
    (alt, PSH | ACK, true)
}

/// Header bytes in front of the payload.
fn header_len(proto: Proto, v6: bool) -> usize {
    14 + if v6 { 40 } else { 20 }
        + match proto {
            Proto::Tcp => 20,
            Proto::Udp | Proto::Icmp => 8,
        }
}

/// Generates the mix into `sink`; returns its description (scenario name `name`).
pub fn mix_named(name: &str, sink: &mut dyn RecordSink, p: &MixParams) -> io::Result<Description> {
    let mut rec = Recorder::new(name, sink, p.keep_flows);
    rec.note(&format!("{p:?}"));
    let mut rng = SplitMix64::new(p.seed);
    let mut pool = vec![0u8; 16 * 1024];
    rng.fill(&mut pool);
    let ppf = p.packets_per_flow.max(1);
    let weights = p.proto.tcp as u64 + p.proto.udp as u64 + p.proto.icmp as u64;
    assert!(weights > 0, "protocol weights sum to 0");
    let concurrency = p.concurrency.max(1) as usize;
    let mut active: Vec<Active> = Vec::with_capacity(concurrency.min(p.flows as usize));
    let mut next_flow = 0u64;
    let mut ts = p.start_ts_ns;
    let mut buf = Vec::with_capacity(2048);

    loop {
        while active.len() < concurrency && next_flow < p.flows {
            let w = rng.below(weights);
            let proto = if w < p.proto.tcp as u64 {
                Proto::Tcp
            } else if w < (p.proto.tcp + p.proto.udp) as u64 {
                Proto::Udp
            } else {
                Proto::Icmp
            };
            let v6 = rng.below(100) < p.ipv6_percent as u64;
            let sport = match proto {
                Proto::Tcp => TCP_PORTS[rng.below(8) as usize],
                Proto::Udp => UDP_PORTS[rng.below(8) as usize],
                Proto::Icmp => 0,
            };
            let (client, server) = endpoints(next_flow, v6, sport);
            let (ipproto, cport, sport) = match proto {
                Proto::Tcp => (6, client.port, server.port),
                Proto::Udp => (17, client.port, server.port),
                Proto::Icmp => (if v6 { 58 } else { 1 }, 0, 0),
            };
            let key = FlowKey {
                vlan: 0,
                proto: ipproto,
                client: client.ip,
                client_port: cport,
                server: server.ip,
                server_port: sport,
            };
            let rule = if proto == Proto::Tcp && ppf >= 3 { ClientRule::SynSender } else { ClientRule::FirstPacket };
            let id = rec.open_flow(key, rule, None);
            active.push(Active {
                id,
                proto,
                client,
                server,
                sent: 0,
                next_seq: [rng.next_u32(), rng.next_u32()],
                icmp_seq: 0,
            });
            next_flow += 1;
        }
        if active.is_empty() {
            break;
        }
        let slot = rng.below(active.len() as u64) as usize;
        let f = &mut active[slot];
        let (dir, flags, data) = schedule(f.proto, f.sent, ppf);
        let v6 = f.client.ip.is_ipv6();
        let hl = header_len(f.proto, v6);
        let plen = if data { p.size.sample(&mut rng).saturating_sub(hl).min(pool.len()) } else { 0 };
        let off = rng.below((pool.len() - plen + 1) as u64) as usize;
        let payload = &pool[off..off + plen];
        let (src, dst) = match dir {
            Dir::C2S => (f.client, f.server),
            Dir::S2C => (f.server, f.client),
        };
        let b = PacketBuilder::ethernet(src.mac, dst.mac);
        let b = match (src.ip, dst.ip) {
            (IpAddr::V4(s), IpAddr::V4(d)) => b.ipv4(Ipv4::new(s, d)),
            (IpAddr::V6(s), IpAddr::V6(d)) => b.ipv6(Ipv6::new(s, d)),
            _ => unreachable!(),
        };
        let b = match f.proto {
            Proto::Tcp => {
                let (me, peer) = if dir == Dir::C2S { (0, 1) } else { (1, 0) };
                let tcp = Tcp::new(src.port, dst.port).flags(flags).seq(f.next_seq[me]).ack(if flags & ACK != 0 {
                    f.next_seq[peer]
                } else {
                    0
                });
                f.next_seq[me] = f.next_seq[me].wrapping_add(plen as u32 + (flags & (SYN | FIN) != 0) as u32);
                b.tcp(tcp)
            }
            Proto::Udp => b.udp(Udp::new(src.port, dst.port)),
            Proto::Icmp => {
                let id = f.client.port;
                let icmp = match (dir, v6) {
                    (Dir::C2S, false) => Icmp::echo_request(id, f.icmp_seq),
                    (Dir::S2C, false) => Icmp::echo_reply(id, f.icmp_seq),
                    (Dir::C2S, true) => Icmp::echo_request_v6(id, f.icmp_seq),
                    (Dir::S2C, true) => Icmp::echo_reply_v6(id, f.icmp_seq),
                };
                if dir == Dir::S2C {
                    f.icmp_seq = f.icmp_seq.wrapping_add(1);
                }
                if v6 {
                    b.icmpv6(icmp)
                } else {
                    b.icmp(icmp)
                }
            }
        };
        b.payload(payload).build_into(&mut buf);
        let id = f.id;
        f.sent += 1;
        let done = f.sent >= ppf;
        let closed = done && f.proto == Proto::Tcp && ppf >= 8;
        rec.frame(ts, &buf, Acct::Flow { id, dir, payload: plen })?;
        if closed {
            rec.close_flow(id, FlowEnd::Fin);
        }
        if done {
            active.swap_remove(slot);
        }
        ts += p.gap_ns;
    }
    rec.finish()
}

/// The `mix` scenario.
pub fn mix(sink: &mut dyn RecordSink, p: &MixParams) -> io::Result<Description> {
    mix_named("mix", sink, p)
}

/// The `long_flows` scenario: [`MixParams::long_flows`] (at least 1000 packets per flow are
/// what makes them "long"; the preset is a suggestion, any parameters work).
pub fn long_flows(sink: &mut dyn RecordSink, p: &MixParams) -> io::Result<Description> {
    mix_named("long_flows", sink, p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::pcap_writer::{MemorySink, NullSink};
    use std::collections::HashSet;

    fn run(p: &MixParams) -> (Vec<crate::gen::pcap_writer::Record>, Description) {
        let mut s = MemorySink::default();
        let d = mix(&mut s, p).unwrap();
        (s.records, d)
    }

    #[test]
    fn parses_parameters() {
        assert_eq!(SizeDist::parse("imix"), Ok(SizeDist::Imix));
        assert_eq!(SizeDist::parse("128"), Ok(SizeDist::Fixed(128)));
        assert_eq!(SizeDist::parse("64-1514"), Ok(SizeDist::Uniform { min: 64, max: 1514 }));
        assert!(SizeDist::parse("9-1").is_err());
        assert_eq!(ProtoMix::parse("tcp=1,icmp=2"), Ok(ProtoMix { tcp: 1, udp: 0, icmp: 2 }));
        assert!(ProtoMix::parse("sctp=1").is_err());
        assert!(ProtoMix::parse("tcp=0").is_err());
    }

    #[test]
    fn deterministic_and_counted() {
        let p = MixParams { flows: 500, packets_per_flow: 9, concurrency: 16, ..MixParams::default() };
        let (r1, d1) = run(&p);
        let (r2, d2) = run(&p);
        assert_eq!(r1, r2);
        assert_eq!(d1, d2);
        let (r3, _) = run(&MixParams { seed: 2, ..p.clone() });
        assert_ne!(r1, r3);
        assert_eq!(d1.records, 500 * 9);
        assert_eq!(d1.flows.len(), 500);
        assert!(d1.flows.iter().all(|f| f.packets() == 9));
        assert_eq!(d1.flows.iter().map(|f| f.bytes()).sum::<u64>(), d1.wire_bytes);
        let keys: HashSet<_> = d1.flows.iter().map(|f| f.key).collect();
        assert_eq!(keys.len(), 500);
        let v6 = d1.flows.iter().filter(|f| f.key.client.is_ipv6()).count();
        assert!((50..150).contains(&v6), "about 20% IPv6, got {v6}");
        let icmp = d1.flows.iter().filter(|f| matches!(f.key.proto, 1 | 58)).count();
        assert!(icmp > 5 && icmp < 60, "about 5% ICMP, got {icmp}");
        assert!(d1.flows.iter().filter(|f| f.key.proto == 6).all(|f| f.end == FlowEnd::Fin));
    }

    #[test]
    fn sizes_and_sequential_mode() {
        let p = MixParams {
            flows: 20,
            packets_per_flow: 4,
            concurrency: 1,
            size: SizeDist::Fixed(200),
            proto: ProtoMix { tcp: 0, udp: 1, icmp: 0 },
            ipv6_percent: 0,
            ..MixParams::default()
        };
        let (r, d) = run(&p);
        assert!(r.iter().all(|x| x.data.len() == 200));
        // concurrency 1: flows strictly one after the other.
        for (k, f) in d.flows.iter().enumerate() {
            if k > 0 {
                assert!(f.first_ts_ns > d.flows[k - 1].last_ts_ns);
            }
        }
        let p = MixParams { size: SizeDist::Uniform { min: 100, max: 300 }, ..p };
        let (r, _) = run(&p);
        assert!(r.iter().all(|x| (100..=300).contains(&x.data.len())));
    }

    #[test]
    fn tcp_sequence_numbers_are_consistent() {
        let p = MixParams {
            flows: 3,
            packets_per_flow: 12,
            proto: ProtoMix { tcp: 1, udp: 0, icmp: 0 },
            ipv6_percent: 0,
            ..MixParams::default()
        };
        let (r, _) = run(&p);
        // For each direction of each flow, seq(n+1) = seq(n) + payload(n) (+1 for SYN/FIN).
        let mut next: std::collections::HashMap<(Vec<u8>, Vec<u8>), u32> = Default::default();
        for x in &r {
            let ip = &x.data[14..];
            let tcp = &ip[20..];
            let k = (ip[12..16].to_vec(), tcp[0..4].to_vec());
            let seq = u32::from_be_bytes(tcp[4..8].try_into().unwrap());
            if let Some(n) = next.get(&k) {
                assert_eq!(*n, seq);
            }
            let plen = (x.data.len() - 54) as u32;
            next.insert(k, seq.wrapping_add(plen + (tcp[13] & (SYN | FIN) != 0) as u32));
        }
    }

    #[test]
    fn lean_mode_counts_without_flows() {
        let p = MixParams { flows: 5000, packets_per_flow: 3, keep_flows: false, ..MixParams::default() };
        let d = mix(&mut NullSink, &p).unwrap();
        assert_eq!((d.flow_count, d.flows.len(), d.records), (5000, 0, 15000));
        let l = long_flows(&mut NullSink, &MixParams::long_flows(4, 1000, 3)).unwrap();
        assert_eq!((l.flow_count, l.records), (4, 4000));
        assert!(l.flows.iter().all(|f| f.packets() == 1000 && f.key.proto == 6));
    }
}
