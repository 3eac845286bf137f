//! `sample`: a small realistic capture for the README demo: DNS lookups followed by HTTP or
//! TLS connections to the resolved addresses, in real wire formats, so nDPI classifies the
//! flows as DNS, HTTP and TLS.

use super::{BASE_TS_NS, MS};
use crate::gen::addr::{mac, v4, v6_in};
use crate::gen::conv::{Encap, Endpoint, TcpConv, UdpConv};
use crate::gen::describe::{ClientRule, Description, Dir, Recorder};
use crate::gen::payloads;
use crate::gen::pcap_writer::RecordSink;
use crate::gen::prng::SplitMix64;
use std::io;
use std::net::IpAddr;

/// Names looked up and visited (reserved example domains only).
pub const NAMES: [&str; 12] = [
    "example.com",
    "www.example.com",
    "api.example.com",
    "mail.example.com",
    "example.org",
    "www.example.org",
    "shop.example.org",
    "example.net",
    "www.example.net",
    "cdn.example.net",
    "static.example.net",
    "news.example.com",
];

/// Web sessions (DNS lookup + HTTP or TLS connection) and extra lookups without a connection.
const SESSIONS: u64 = 120;
const EXTRA_LOOKUPS: u64 = 60;

/// Writes the `sample` scenario: 120 sessions, each a DNS lookup (A, or AAAA for every fourth
/// session, which then runs over IPv6) followed by an HTTP GET (port 80) or a TLS connection
/// (port 443, ClientHello with SNI) to the resolved address, plus 60 lookups on their own:
/// 300 flows from 24 clients, 200 ms apart, deterministic.
pub fn sample(sink: &mut dyn RecordSink) -> io::Result<Description> {
    let mut rec = Recorder::new("sample", sink, true);
    rec.note("l7 gives the nDPI master protocol expected for each flow");
    let mut rng = SplitMix64::new(0x5A3_91E);
    let gateway = mac(0xffff);
    let mut port: u16 = 49152;
    let mut ts = BASE_TS_NS;
    let rtt = 20 * MS;

    for k in 0..SESSIONS + EXTRA_LOOKUPS {
        let client_no = (k % 24) as u32 + 1;
        let ipv6 = k % 4 == 3;
        let (client_ip, dns_ip) = if ipv6 {
            (IpAddr::V6(v6_in(1, client_no as u64)), IpAddr::V6(v6_in(0, 0x53)))
        } else {
            (IpAddr::V4(v4(0x100 + client_no)), IpAddr::V4(v4(0x35)))
        };
        let cmac = mac(0x100 + client_no);
        let name_no = rng.below(NAMES.len() as u64) as usize;
        let name = NAMES[name_no];
        let server_ip =
            if ipv6 { IpAddr::V6(v6_in(2, 0x10 + name_no as u64)) } else { IpAddr::V4(v4(0x1_0010 + name_no as u32)) };

        port = port.wrapping_add(1).max(49152);
        let mut dns =
            UdpConv::new(Endpoint::new(cmac, client_ip, port), Endpoint::new(gateway, dns_ip, 53), Encap::none());
        dns.sides.open(&mut rec, ClientRule::FirstPacket, Some("DNS"));
        let id = rng.next_u32() as u16;
        let qt = if ipv6 { payloads::qtype::AAAA } else { payloads::qtype::A };
        dns.send(&mut rec, ts, Dir::C2S, &payloads::dns_query(id, name, qt))?;
        dns.send(&mut rec, ts + rtt / 2, Dir::S2C, &payloads::dns_response(id, name, qt, &[server_ip], 300))?;
        let mut t = ts + rtt;

        if k < SESSIONS {
            port = port.wrapping_add(1).max(49152);
            let https = (k / 4) % 2 == 0;
            let server = Endpoint::new(gateway, server_ip, if https { 443 } else { 80 });
            let mut c = TcpConv::new(
                Endpoint::new(cmac, client_ip, port),
                server,
                Encap::none(),
                rng.next_u32(),
                rng.next_u32(),
            );
            c.sides.open(&mut rec, ClientRule::SynSender, Some(if https { "TLS" } else { "HTTP" }));
            t = c.handshake(&mut rec, t, rtt)?;
            if https {
                let mut random = [0u8; 32];
                rng.fill(&mut random);
                let hello = payloads::tls_client_hello(name, random);
                let session_id: [u8; 32] = std::array::from_fn(|i| random[31 - i]);
                let mut srv_random = [0u8; 32];
                rng.fill(&mut srv_random);
                let flight = payloads::tls_server_flight(&session_id, srv_random, 900 + rng.below(400) as usize);
                t = c.exchange(&mut rec, t, rtt, &hello, &flight)?;
                let mut app = vec![20, 3, 3, 0, 1, 1, 23, 3, 3, 0, 120];
                app.extend((0..120).map(|_| rng.next_u32() as u8));
                let mut resp = vec![23, 3, 3, 4, 0];
                resp.extend((0..1024).map(|_| rng.next_u32() as u8));
                t = c.exchange(&mut rec, t + MS, rtt, &app, &resp)?;
            } else {
                let path = ["/", "/index.html", "/news", "/img/logo.png", "/api/v1/items"][rng.below(5) as usize];
                let body = 200 + rng.below(1000) as usize;
                t = c.exchange(&mut rec, t, rtt, &payloads::http_get(name, path), &payloads::http_response(body))?;
            }
            c.close_fin(&mut rec, t + MS, rtt, Dir::C2S)?;
        }
        ts += 200 * MS;
    }
    rec.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::scenarios::Capture;

    #[test]
    fn three_hundred_classifiable_flows() {
        let c = Capture::of(sample);
        let d = &c.description;
        assert_eq!(d.flows.len(), 300);
        let count = |p: &str| d.flows.iter().filter(|f| f.l7.as_deref() == Some(p)).count();
        assert_eq!((count("DNS"), count("HTTP"), count("TLS")), (180, 60, 60));
        assert!(c.records.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns));
        // Deterministic.
        assert_eq!(Capture::of(sample).records, c.records);
        // Some frame carries a ClientHello with an example SNI.
        let hello = c.records.iter().find(|r| r.data.windows(3).any(|w| w == [22, 3, 1])).unwrap();
        assert!(String::from_utf8_lossy(&hello.data).contains("example."));
    }
}
