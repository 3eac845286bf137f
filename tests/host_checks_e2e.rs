//! Host checks on ntopng's own end-to-end captures (`../shared/pcaps/ntopng-e2e`): the real daemon reads
//! the capture with the check enabled over REST (`--test-script-pre`), its host check runner (period
//! shortened with NTOPNG_TEST_HOST_CHECK_PERIOD_MS) engages the alert, and the alert's host, side and value
//! are compared with counts this test makes by reading the capture itself:
//!
//! * synflood.pcap (37841 SYNs from spoofed sources to 10.10.10.10:25565, never answered): `syn_flood`
//!   engaged on 10.10.10.10 as victim, its value the most SYNs 10.10.10.10 received in one second;
//! * dns_contacts.pcap / ntp_contacts.pcap: 192.168.2.222 asks 10 DNS / 12 NTP servers: `dns_contacts` /
//!   `ntp_contacts` engaged on it, their values the distinct servers it sent queries to.
//!
//! * synscan.pcap (nmap from 172.16.0.8 against 64.13.134.52): `scan_detection` engaged on the scanner as
//!   attacker, its value the TCP connections it opened with a SYN that never got a SYN-ACK (nmap repeats
//!   SYNs to a port: a connection is the 4-tuple, as a flow is); `rst_scan`, on too, stays quiet (15 RSTs).
//!
//! A check left off raises nothing: on synflood.pcap with only `syn_scan` on, no `syn_flood` alert.
//! Each test prints SKIP when the shared captures are absent.

mod daemon;
mod support;

use daemon::{free_port, Auth, Daemon};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{scratch_dir, shared_pcaps};

const SYN_FLOOD: i64 = 6;
const SYN_SCAN: i64 = 5;
const DNS_CONTACTS: i64 = 2;
const NTP_CONTACTS: i64 = 3;
const SCAN_DETECTION: i64 = 20;
const RST_SCAN: i64 = 25;

/// One IP packet of a capture, as this test reads it (Ethernet, optional 802.1Q, IPv4/IPv6, TCP/UDP).
struct Pkt {
    ts_sec: u64,
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    src_port: u16,
    dst_port: u16,
    tcp_flags: u8,
}

/// Reads a classic little-endian pcap with Ethernet frames: the IP packets only.
fn read_pcap(path: &Path) -> Vec<Pkt> {
    let data = std::fs::read(path).unwrap();
    assert_eq!(&data[0..4], &[0xd4, 0xc3, 0xb2, 0xa1], "little-endian microsecond pcap");
    assert_eq!(u32::from_le_bytes(data[20..24].try_into().unwrap()), 1, "Ethernet");
    let u16be = |b: &[u8], at: usize| u16::from_be_bytes([b[at], b[at + 1]]);
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= data.len() {
        let ts_sec = u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as u64;
        let caplen = u32::from_le_bytes(data[at + 8..at + 12].try_into().unwrap()) as usize;
        let f = &data[at + 16..(at + 16 + caplen).min(data.len())];
        at += 16 + caplen;
        if f.len() < 14 {
            continue;
        }
        let (mut et, mut l3) = (u16be(f, 12), 14);
        while et == 0x8100 && f.len() >= l3 + 4 {
            et = u16be(f, l3 + 2);
            l3 += 4;
        }
        let (src, dst, proto, l4) = match et {
            0x0800 if f.len() >= l3 + 20 => {
                let ip = &f[l3..];
                let s: [u8; 4] = ip[12..16].try_into().unwrap();
                let d: [u8; 4] = ip[16..20].try_into().unwrap();
                (
                    IpAddr::from(Ipv4Addr::from(s)),
                    IpAddr::from(Ipv4Addr::from(d)),
                    ip[9],
                    l3 + (ip[0] & 15) as usize * 4,
                )
            }
            0x86dd if f.len() >= l3 + 40 => {
                let ip = &f[l3..];
                let s: [u8; 16] = ip[8..24].try_into().unwrap();
                let d: [u8; 16] = ip[24..40].try_into().unwrap();
                (IpAddr::from(Ipv6Addr::from(s)), IpAddr::from(Ipv6Addr::from(d)), ip[6], l3 + 40)
            }
            _ => continue,
        };
        let (src_port, dst_port, tcp_flags) = match proto {
            6 if f.len() >= l4 + 14 => (u16be(f, l4), u16be(f, l4 + 2), f[l4 + 13]),
            17 if f.len() >= l4 + 4 => (u16be(f, l4), u16be(f, l4 + 2), 0),
            _ => (0, 0, 0),
        };
        out.push(Pkt { ts_sec, src, dst, proto, src_port, dst_port, tcp_flags });
    }
    out
}

fn e2e(pcaps: &Path, name: &str) -> PathBuf {
    pcaps.join("ntopng-e2e").join(name)
}

/// The daemon on `cap` (one worker: per-second maxima are exact) with the host checks `enable` turned on
/// over REST before the capture is read.
fn start(name: &str, cap: &Path, local: &str, enable: &[&str]) -> Daemon {
    let dir = scratch_dir(name);
    let port = free_port();
    let pre = daemon::enable_checks_script(port, "host", enable);
    let args = [
        "-i",
        cap.to_str().unwrap(),
        "-m",
        local,
        "--workers",
        "1",
        "--disable-login=1",
        "--test-script-pre",
        &pre,
    ];
    let d = Daemon::start_on(port, &args, &dir.join("data"), &[("NTOPNG_TEST_HOST_CHECK_PERIOD_MS", "1500")]);
    d.wait_capture_read();
    d
}

/// Polls the engaged host alerts until one with `alert_id` shows up (the runner works on its own clock).
fn wait_engaged(d: &Daemon, alert_id: i64) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let (rsp, _) = d.rest_ok("/lua/rest/v2/get/host/alert/list.lua?ifid=0&status=engaged&format=json", &Auth::None);
        let recs = rsp["records"].as_array().unwrap().clone();
        if recs.iter().any(|r| r["alert_id"].as_i64() == Some(alert_id)) {
            return recs;
        }
        assert!(Instant::now() < deadline, "no engaged host alert {alert_id}: {recs:#?}\n{}", d.log());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The engaged alert `alert_id`: (ip, value, threshold, is_attacker, score, severity) and the whole record.
fn alert_of(recs: &[Value], alert_id: i64) -> Vec<((String, u64, u64, bool, i64, i64), Value)> {
    recs.iter()
        .filter(|r| r["alert_id"].as_i64() == Some(alert_id))
        .map(|r| {
            let doc: Value = serde_json::from_str(r["json"].as_str().unwrap()).unwrap();
            let attacker = r["is_attacker"].as_i64() == Some(1);
            assert_eq!(r["is_victim"].as_i64() == Some(1), !attacker, "{r}");
            (
                (
                    r["ip"].as_str().unwrap().to_string(),
                    doc["value"].as_u64().unwrap(),
                    doc["threshold"].as_u64().unwrap(),
                    attacker,
                    r["score"].as_i64().unwrap(),
                    r["severity"].as_i64().unwrap(),
                ),
                r.clone(),
            )
        })
        .collect()
}

#[test]
fn syn_flood_on_synflood_pcap() {
    let Some(pcaps) = shared_pcaps("syn_flood on ntopng-e2e/synflood.pcap") else { return };
    let cap = e2e(&pcaps, "synflood.pcap");
    // By reading the capture: SYNs (without ACK) to 10.10.10.10 per second, the busiest second's count.
    let victim: IpAddr = "10.10.10.10".parse().unwrap();
    let mut per_sec: BTreeMap<u64, u64> = BTreeMap::new();
    let mut syns = 0;
    for p in read_pcap(&cap) {
        if p.proto == 6 && p.dst == victim && p.tcp_flags & 0x12 == 0x02 {
            *per_sec.entry(p.ts_sec).or_default() += 1;
            syns += 1;
        }
    }
    let busiest = *per_sec.values().max().unwrap();
    assert_eq!(syns, 37841);
    assert!(busiest > 256, "{per_sec:?}");

    let mut d = start("host-e2e-synflood", &cap, "10.10.10.0/24", &["syn_flood"]);
    let recs = wait_engaged(&d, SYN_FLOOD);
    let got = alert_of(&recs, SYN_FLOOD);
    // One alert: the victim (each spoofed source sends a few SYNs, far below 256 per second).
    assert_eq!(got.len(), 1, "{got:#?}");
    let ((ip, value, threshold, attacker, score, severity), rec) = &got[0];
    assert_eq!(
        (ip.as_str(), *value, *threshold, *attacker, *score, *severity),
        ("10.10.10.10", busiest, 256, false, 250, 8),
        "score 250 → emergency: {rec}"
    );
    let text = rec.to_string();
    assert!(text.contains("SYN flood") && text.contains("SYN/sec") && text.contains(&value.to_string()), "{rec}");
    // syn_scan stays off (ntopng's default): nothing else raised.
    assert!(recs.iter().all(|r| r["alert_id"].as_i64() == Some(SYN_FLOOD)), "{recs:#?}");
    assert!(d.stop());
}

#[test]
fn syn_flood_left_off_raises_nothing() {
    let Some(pcaps) = shared_pcaps("syn_flood off on ntopng-e2e/synflood.pcap") else { return };
    let cap = e2e(&pcaps, "synflood.pcap");
    // syn_scan on, so a run is known to have happened when its alert shows up; syn_flood off.
    let mut d = start("host-e2e-synflood-off", &cap, "10.10.10.0/24", &["syn_scan"]);
    let recs = wait_engaged(&d, SYN_SCAN);
    let scan = alert_of(&recs, SYN_SCAN);
    assert_eq!(scan.len(), 1, "{scan:#?}");
    assert_eq!(
        (scan[0].0 .0.as_str(), scan[0].0 .1, scan[0].0 .3),
        ("10.10.10.10", 37841, false),
        "every SYN unanswered"
    );
    assert!(alert_of(&recs, SYN_FLOOD).is_empty(), "{recs:#?}");
    assert!(d.stop());
    let db = rusqlite::Connection::open(d.data_dir.join("0/alerts/alert_store_v11.db")).unwrap();
    let n: i64 =
        db.query_row("SELECT COUNT(*) FROM host_alerts WHERE alert_id = ?", [SYN_FLOOD], |r| r.get(0)).unwrap();
    assert_eq!(n, 0);
}

/// The distinct servers `client` sent queries to on `port` (UDP or TCP), read from the capture.
fn servers_contacted(cap: &Path, client: IpAddr, port: u16) -> BTreeSet<IpAddr> {
    read_pcap(cap)
        .into_iter()
        .filter(|p| p.src == client && p.dst_port == port && (p.proto == 17 || p.proto == 6))
        .map(|p| p.dst)
        .collect()
}

fn contacts_case(file: &str, key: &str, alert_id: i64, port: u16, want_servers: usize) {
    let Some(pcaps) = shared_pcaps(&format!("{key} on ntopng-e2e/{file}")) else { return };
    let cap = e2e(&pcaps, file);
    let client: IpAddr = "192.168.2.222".parse().unwrap();
    let servers = servers_contacted(&cap, client, port);
    assert_eq!(servers.len(), want_servers, "{servers:?}");
    // The default threshold (5) is below the count: no need to lower it.
    let mut d = start(&format!("host-e2e-{key}"), &cap, "192.168.2.0/24", &[key]);
    let recs = wait_engaged(&d, alert_id);
    let got = alert_of(&recs, alert_id);
    assert_eq!(got.len(), 1, "{got:#?}");
    let ((ip, value, threshold, attacker, score, severity), rec) = &got[0];
    assert_eq!(
        (ip.as_str(), *value, *threshold, *attacker, *score, *severity),
        ("192.168.2.222", servers.len() as u64, 5, true, 10, 3),
        "score 10 → notice: {rec}"
    );
    assert!(rec.to_string().contains("192.168.2.222 contacted"), "{rec}");
    assert!(d.stop());
}

#[test]
fn dns_contacts_on_dns_contacts_pcap() {
    contacts_case("dns_contacts.pcap", "dns_contacts", DNS_CONTACTS, 53, 10);
}

#[test]
fn ntp_contacts_on_ntp_contacts_pcap() {
    contacts_case("ntp_contacts.pcap", "ntp_contacts", NTP_CONTACTS, 123, 12);
}

#[test]
fn scan_detection_on_synscan_pcap() {
    let Some(pcaps) = shared_pcaps("scan_detection on ntopng-e2e/synscan.pcap") else { return };
    let cap = e2e(&pcaps, "synscan.pcap");
    let scanner: IpAddr = "172.16.0.8".parse().unwrap();
    // By reading the capture: connections (4-tuples, either direction) whose first packet is the scanner's
    // SYN, and those of them answered by a SYN-ACK; RSTs the scanner received.
    type Conn = ((IpAddr, u16), (IpAddr, u16));
    let mut first: BTreeMap<Conn, (IpAddr, u8)> = BTreeMap::new();
    let mut answered: BTreeSet<Conn> = BTreeSet::new();
    let mut rsts = 0u64;
    for p in read_pcap(&cap).into_iter().filter(|p| p.proto == 6) {
        let (a, b) = ((p.src, p.src_port), (p.dst, p.dst_port));
        let conn = if a < b { (a, b) } else { (b, a) };
        first.entry(conn).or_insert((p.src, p.tcp_flags));
        if p.dst == scanner && p.tcp_flags & 0x12 == 0x12 {
            answered.insert(conn);
        }
        if p.dst == scanner && p.tcp_flags & 0x04 != 0 {
            rsts += 1;
        }
    }
    let opened: BTreeSet<Conn> =
        first.iter().filter(|(_, (src, flags))| *src == scanner && flags & 0x12 == 0x02).map(|(c, _)| *c).collect();
    let incomplete = opened.difference(&answered).count() as u64;
    // 1994 ports probed (5982 SYNs), 3 open (SYN-ACK), 15 refused with RST: far above 32, far below 256.
    assert_eq!((opened.len(), incomplete, rsts), (1994, 1991, 15));

    let mut d = start("host-e2e-synscan", &cap, "172.16.0.0/16", &["scan_detection", "rst_scan"]);
    let recs = wait_engaged(&d, SCAN_DETECTION);
    let got = alert_of(&recs, SCAN_DETECTION);
    assert_eq!(got.len(), 1, "{got:#?}");
    let ((ip, value, threshold, attacker, score, severity), rec) = &got[0];
    assert_eq!(
        (ip.as_str(), *value, *threshold, *attacker, *score, *severity),
        ("172.16.0.8", incomplete, 32, true, 100, 5),
        "score 100 → error: {rec}"
    );
    assert!(alert_of(&recs, RST_SCAN).is_empty(), "{recs:#?}");
    assert!(d.stop());
}
