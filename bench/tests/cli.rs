//! The `pcapgen` binary end to end: files written, descriptions consistent with them.

use std::path::Path;
use std::process::Command;

fn pcapgen(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pcapgen")).args(args).output().expect("pcapgen runs")
}

/// Walks a classic little-endian pcap file: (records, sum of wire lengths, sum of caplens).
fn walk_pcap(bytes: &[u8]) -> (u64, u64, u64) {
    assert_eq!(&bytes[0..4], &[0xd4, 0xc3, 0xb2, 0xa1], "microsecond little-endian magic");
    assert_eq!(u32::from_le_bytes(bytes[20..24].try_into().unwrap()), 1, "LINKTYPE_ETHERNET");
    let (mut off, mut n, mut wire, mut cap) = (24usize, 0, 0, 0);
    while off < bytes.len() {
        let usec = u32::from_le_bytes(bytes[off + 4..off + 8].try_into().unwrap());
        assert!(usec < 1_000_000);
        let c = u32::from_le_bytes(bytes[off + 8..off + 12].try_into().unwrap()) as u64;
        let w = u32::from_le_bytes(bytes[off + 12..off + 16].try_into().unwrap()) as u64;
        assert!(c <= w);
        off += 16 + c as usize;
        n += 1;
        wire += w;
        cap += c;
    }
    assert_eq!(off, bytes.len(), "no partial record at the end");
    (n, wire, cap)
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pcapgen-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn all_scenarios_match_their_descriptions() {
    let dir = tmp("all");
    let out = pcapgen(&["all", "-o", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for name in ["vlan", "ipv6_ext", "fragments", "truncated", "handshake", "idle", "sample"] {
        let bytes = std::fs::read(dir.join(format!("{name}.pcap"))).unwrap();
        let desc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(format!("{name}.json"))).unwrap()).unwrap();
        let (n, wire, cap) = walk_pcap(&bytes);
        assert_eq!(desc["scenario"], name);
        assert_eq!(desc["records"], n, "{name}");
        assert_eq!(desc["wire_bytes"], wire, "{name}");
        assert_eq!(desc["captured_bytes"], cap, "{name}");
        // Flow bytes + bytes outside flows = all bytes.
        let flows = desc["flows"].as_array().unwrap();
        let flow_bytes: u64 =
            flows.iter().map(|f| f["c2s"]["bytes"].as_u64().unwrap() + f["s2c"]["bytes"].as_u64().unwrap()).sum();
        assert_eq!(flow_bytes + desc["non_flow_bytes"].as_u64().unwrap(), wire, "{name}");
        assert_eq!(desc["flow_count"].as_u64().unwrap(), flows.len() as u64);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mix_is_deterministic_and_reports_what_it_wrote() {
    let dir = tmp("mix");
    let a = dir.join("a.pcap");
    let b = dir.join("b.pcap");
    let args = |p: &Path| {
        vec![
            "mix",
            "--flows",
            "300",
            "--packets-per-flow",
            "7",
            "--size",
            "64-900",
            "--seed",
            "9",
            "--protos",
            "tcp=1,udp=1,icmp=1",
            "--ipv6",
            "50",
            "-o",
            p.to_str().unwrap(),
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    let run = |p: &Path| {
        let v = args(p);
        let o = pcapgen(&v.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let said = run(&a);
    run(&b);
    assert!(said.contains("2100 packets, 300 flows"), "{said}");
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let (n, _, _) = walk_pcap(&std::fs::read(&a).unwrap());
    assert_eq!(n, 2100);

    let ng = dir.join("c.pcapng");
    let o = pcapgen(&[
        "long-flows",
        "--flows",
        "2",
        "--packets-per-flow",
        "1500",
        "--format",
        "pcapng",
        "-o",
        ng.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let bytes = std::fs::read(&ng).unwrap();
    assert_eq!(&bytes[0..4], &[0x0a, 0x0d, 0x0d, 0x0a]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_usage_fails_cleanly() {
    let o = pcapgen(&["replicate", "-o", "/dev/null"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--from-dir"));
    let o = pcapgen(&["mix", "--size", "abc", "-o", "/dev/null"]);
    assert!(!o.status.success());
    let o = pcapgen(&["nonsense", "-o", "/dev/null"]);
    assert!(!o.status.success());
}
