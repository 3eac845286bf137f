//! `BpfFilter` against libpcap's own filtering (`pcap_setfilter` on `pcap_open_offline`, what
//! `tcpdump -r FILE EXPR` does): the same number of matching frames on the shared captures.

mod common;

use common::libpcap::{RefNext, Reference};
use ntopng_capture::{BpfFilter, CaptureFile};
use std::path::Path;

const EXPRESSIONS: &[&str] = &[
    "tcp port 80",
    "udp",
    "vlan and ip",
    "ip6",
    "tcp[tcpflags] & tcp-syn != 0",
    "port 53 or port 443",
    "icmp or arp",
    "greater 1000",
    "net 10.0.0.0/8 and not tcp",
];

fn libpcap_count(path: &Path, expression: &str) -> Option<usize> {
    let mut reference = Reference::open(path).ok()?;
    reference.set_filter(expression).ok()?;
    let mut n = 0;
    loop {
        match reference.next_frame() {
            RefNext::Frame(_) => n += 1,
            RefNext::End => return Some(n),
            RefNext::Error(_) => return None,
        }
    }
}

fn our_count(file: &CaptureFile, filter: &mut BpfFilter) -> usize {
    file.frames().filter(|f| filter.matches(f)).count()
}

#[test]
fn match_counts_equal_libpcap_on_shared_captures() {
    let Some(files) = common::shared_captures("match_counts_equal_libpcap_on_shared_captures") else { return };
    // Only files libpcap reads to a clean end and whose link type it can filter.
    let readable: Vec<_> =
        files.iter().filter(|p| common::compare_with_libpcap(p).is_ok_and(|c| c.libpcap_error.is_none())).collect();
    let mut mismatches = Vec::new();
    for expression in EXPRESSIONS {
        let mut filter = BpfFilter::new(expression).unwrap();
        let (mut files_compared, mut total, mut frames) = (0, 0, 0);
        for path in &readable {
            let Some(expected) = libpcap_count(path, expression) else { continue };
            let file = CaptureFile::open(path).unwrap();
            let got = our_count(&file, &mut filter);
            if got != expected {
                mismatches.push(format!("{expression:?} on {}: ours {got}, libpcap {expected}", path.display()));
            }
            files_compared += 1;
            total += expected;
            frames += file.frames().count();
        }
        println!("{expression:?}: {total} of {frames} frames match in {files_compared} files, as libpcap");
        assert!(files_compared > 0);
        assert!(total > 0, "{expression:?} matched nothing: the comparison would prove nothing");
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn non_ethernet_captures_filter_like_libpcap() {
    // Linux cooked, raw IP (LINKTYPE 101, DLT 12), BSD loopback, PPP.
    let cases = [
        "ndpi-4.2/pcap/KakaoTalk_chat.pcap",
        "ndpi-4.2/pcap/http-crash-content-disposition.pcap",
        "ndpi-4.2/pcap/nats.pcap",
        "ndpi-4.2/pcap/dlt_ppp.pcap",
    ];
    let mut any = false;
    for relative in cases {
        let Some(path) = common::shared_capture(relative) else {
            println!("SKIP: {relative} not found");
            continue;
        };
        let file = CaptureFile::open(&path).unwrap();
        for expression in ["tcp", "udp port 53", "ip"] {
            let mut filter = BpfFilter::new(expression).unwrap();
            filter.prepare(file.linktype()).unwrap();
            let expected = libpcap_count(&path, expression).unwrap();
            assert_eq!(our_count(&file, &mut filter), expected, "{expression:?} on {relative}");
            any |= expected > 0;
        }
        println!("{relative} (link type {}): filters agree with libpcap", file.linktype().0);
    }
    assert!(any || common::shared_pcaps().is_none());
}

#[test]
fn bad_expression_names_itself_with_libpcaps_message() {
    let err = BpfFilter::new("tcp prt 80").err().expect("rejected");
    assert_eq!(err.expression, "tcp prt 80");
    assert_eq!(err.to_string(), "invalid packet filter \"tcp prt 80\": syntax error");
    for bad in ["udp and", "port 99999", "host", "vlan 5000"] {
        let err = BpfFilter::new(bad).err().unwrap_or_else(|| panic!("{bad:?} accepted"));
        assert_eq!(err.expression, bad);
        assert!(err.to_string().starts_with(&format!("invalid packet filter \"{bad}\": ")));
        assert!(!err.message.is_empty());
    }
}

#[test]
fn filters_move_between_threads() {
    let mut filter = BpfFilter::new("udp").unwrap();
    let handle = std::thread::spawn(move || {
        filter.prepare(ntopng_capture::LinkType::LINUX_SLL).unwrap();
        filter
    });
    let filter = handle.join().unwrap();
    assert_eq!(filter.expression(), "udp");
    // Concurrent compiles are serialised, not broken.
    let threads: Vec<_> =
        (0..4).map(|i| std::thread::spawn(move || BpfFilter::new(&format!("tcp port {}", 1000 + i)).is_ok())).collect();
    assert!(threads.into_iter().all(|t| t.join().unwrap()));
}
