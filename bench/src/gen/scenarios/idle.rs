//! `idle`: flows interrupted by gaps longer than the idle timeout (in packet time) and TCP
//! 5-tuples reused after a FIN or RST close.

use super::{BASE_TS_NS, MS, SEC};
use crate::gen::addr::{mac, v4};
use crate::gen::builder::tcp_flags::*;
use crate::gen::conv::{Encap, Endpoint, TcpConv, UdpConv};
use crate::gen::describe::{ClientRule, Description, Dir, FlowEnd, Recorder};
use crate::gen::pcap_writer::RecordSink;
use std::io;
use std::net::IpAddr;

/// ntopng's default flow idle timeout (seconds), which the gaps are measured against.
pub const IDLE_TIMEOUT_S: u64 = 60;

/// Writes the `idle` scenario (cases follow each other in time):
/// 1. UDP: 6 packets, a 90 s gap, 6 packets: two flow instances of the same key;
/// 2. UDP: three bursts separated by 50 s gaps (< timeout): one flow;
/// 3. TCP: handshake and data, a 120 s gap, then more data starting client->server with no
///    new SYN: two instances, the second by the first-packet rule, closed by FIN;
/// 4. TCP closed by FIN/FIN, the same 5-tuple reused by a new SYN 5 s later: two instances;
/// 5. TCP closed by a server RST, reused by a new SYN 5 s later: two instances.
///
/// Reuse after a close happens well within the idle timeout, so only close tracking (not the
/// timeout) separates those instances.
pub fn idle(sink: &mut dyn RecordSink) -> io::Result<Description> {
    let mut rec = Recorder::new("idle", sink, true);
    rec.note(&format!("idle timeout assumed: {IDLE_TIMEOUT_S} s; a gap longer than that ends a flow, the next packet starts a new instance"));
    rec.note("a SYN on a 5-tuple whose flow was closed by FIN/FIN or RST starts a new instance");
    let cli = |port| Endpoint::new(mac(0x61), IpAddr::V4(v4(0x61)), port);
    let srv = |port| Endpoint::new(mac(0x62), IpAddr::V4(v4(0x62)), port);
    let rtt = 2 * MS;
    let mut ts = BASE_TS_NS;

    let burst = |rec: &mut Recorder, u: &mut UdpConv, ts: u64| -> io::Result<u64> {
        for i in 0..3u64 {
            u.send(rec, ts + i * 10 * MS, Dir::C2S, b"tick")?;
            u.send(rec, ts + i * 10 * MS + MS, Dir::S2C, b"tock")?;
        }
        Ok(ts + 30 * MS)
    };

    let mut u = UdpConv::new(cli(44001), srv(7100), Encap::none());
    u.sides.open(&mut rec, ClientRule::FirstPacket, None);
    ts = burst(&mut rec, &mut u, ts)?;
    ts += 90 * SEC;
    u.sides.open(&mut rec, ClientRule::FirstPacket, None);
    ts = burst(&mut rec, &mut u, ts)? + SEC;

    let mut u = UdpConv::new(cli(44002), srv(7100), Encap::none());
    u.sides.open(&mut rec, ClientRule::FirstPacket, None);
    for _ in 0..3 {
        ts = burst(&mut rec, &mut u, ts)? + 50 * SEC;
    }

    let mut t = TcpConv::new(cli(44003), srv(8443), Encap::none(), 10, 20);
    t.sides.open(&mut rec, ClientRule::SynSender, None);
    ts = t.handshake(&mut rec, ts, rtt)?;
    ts = t.exchange(&mut rec, ts + MS, rtt, b"before the gap", b"ok")?;
    ts += 120 * SEC;
    t.sides.open(&mut rec, ClientRule::FirstPacket, None);
    ts = t.exchange(&mut rec, ts, rtt, b"after the gap", b"still here")?;
    ts = t.close_fin(&mut rec, ts + MS, rtt, Dir::C2S)? + SEC;

    let mut t = TcpConv::new(cli(44004), srv(8443), Encap::none(), 1_000, 2_000);
    t.sides.open(&mut rec, ClientRule::SynSender, None);
    ts = t.handshake(&mut rec, ts, rtt)?;
    ts = t.exchange(&mut rec, ts + MS, rtt, b"first use", b"ok")?;
    ts = t.close_fin(&mut rec, ts + MS, rtt, Dir::C2S)? + 5 * SEC;
    t.next_seq = [900_000, 800_000];
    t.sides.open(&mut rec, ClientRule::SynSender, None);
    ts = t.handshake(&mut rec, ts, rtt)?;
    ts = t.exchange(&mut rec, ts + MS, rtt, b"second use", b"ok again")?;
    ts = t.close_fin(&mut rec, ts + MS, rtt, Dir::C2S)? + SEC;

    let mut t = TcpConv::new(cli(44005), srv(8443), Encap::none(), 3_000, 4_000);
    t.sides.open(&mut rec, ClientRule::SynSender, None);
    ts = t.handshake(&mut rec, ts, rtt)?;
    ts = t.exchange(&mut rec, ts + MS, rtt, b"will be reset", b"no")?;
    t.send(&mut rec, ts + MS, Dir::S2C, RST | ACK, &[])?;
    t.sides.close(&mut rec, FlowEnd::Rst);
    ts += 5 * SEC;
    t.next_seq = [700_000, 600_000];
    t.sides.open(&mut rec, ClientRule::SynSender, None);
    ts = t.handshake(&mut rec, ts, rtt)?;
    ts = t.exchange(&mut rec, ts + MS, rtt, b"after reset", b"fine")?;
    t.close_fin(&mut rec, ts + MS, rtt, Dir::C2S)?;
    rec.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::scenarios::Capture;

    #[test]
    fn instances_split_on_gaps_and_closes() {
        let c = Capture::of(idle);
        let d = &c.description;
        let inst: Vec<(u16, u32)> = d.flows.iter().map(|f| (f.key.client_port, f.instance)).collect();
        assert_eq!(
            inst,
            vec![
                (44001, 0),
                (44001, 1),
                (44002, 0),
                (44003, 0),
                (44003, 1),
                (44004, 0),
                (44004, 1),
                (44005, 0),
                (44005, 1)
            ]
        );
        let timeout = IDLE_TIMEOUT_S * SEC;
        // Gaps: between instances of 44001/44003 > timeout; inside every flow < timeout.
        assert!(d.flows[1].first_ts_ns - d.flows[0].last_ts_ns > timeout);
        assert!(d.flows[4].first_ts_ns - d.flows[3].last_ts_ns > timeout);
        assert!(d.flows[6].first_ts_ns - d.flows[5].last_ts_ns < timeout);
        assert!(d.flows[2].last_ts_ns - d.flows[2].first_ts_ns > 100 * SEC);
        for w in c.records.windows(2) {
            assert!(w[0].ts_ns <= w[1].ts_ns);
        }
        assert_eq!(d.flows[7].end, FlowEnd::Rst);
        assert_eq!(d.flows[8].end, FlowEnd::Fin);
        assert_eq!(d.flows[4].client_rule, ClientRule::FirstPacket);
    }
}
