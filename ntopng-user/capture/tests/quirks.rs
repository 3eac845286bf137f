//! One test per format quirk, on generated files. Wherever libpcap reads the file, its
//! frames are compared with ours as well.

mod common;

use common::build::*;
use common::{compare_with_libpcap, temp_file};
use ntopng_capture::{CaptureError, CaptureFile, FileFormat, FileStats, LinkType};

/// One frame, owned: (ts_ns, wire_len, linktype, data).
type Owned = (u64, u32, u32, Vec<u8>);

fn walk(bytes: &[u8]) -> (Vec<Owned>, FileStats) {
    let file = CaptureFile::from_bytes(bytes.to_vec()).expect("a capture");
    let mut frames = file.frames();
    let out = frames.by_ref().map(|f| (f.ts_ns, f.wire_len, f.linktype.0, f.data.to_vec())).collect();
    (out, frames.stats())
}

/// libpcap must read `bytes` exactly as we do, to a clean end.
fn same_as_libpcap(name: &str, bytes: &[u8]) {
    let tmp = temp_file(name, bytes);
    let c = compare_with_libpcap(&tmp.0).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(c.libpcap_error, None, "{name}");
}

/// libpcap gives up on `bytes` after `frames` frames, with a message containing `because`.
fn libpcap_stops(name: &str, bytes: &[u8], frames: usize, because: &str) {
    let tmp = temp_file(name, bytes);
    let c = compare_with_libpcap(&tmp.0).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(c.frames, frames, "{name}: {c:?}");
    let message = c.libpcap_error.unwrap_or_default();
    assert!(message.contains(because), "{name}: libpcap says {message:?}");
}

fn payload(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

const S: u64 = 1_000_000_000;

#[test]
fn pcap_little_endian_micro() {
    let bytes = Pcap::ethernet()
        .record(1_700_000_000, 123_456, &payload(60, 1), 60)
        .record(1_700_000_001, 0, &payload(1514, 2), 1514)
        .build();
    let (frames, stats) = walk(&bytes);
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0], (1_700_000_000 * S + 123_456_000, 60, 1, payload(60, 1)));
    assert_eq!(frames[1].0, 1_700_000_001 * S);
    assert_eq!(stats, FileStats { frames: 2, bytes: 60 + 1514, ..FileStats::default() });
    let file = CaptureFile::from_bytes(bytes.clone()).unwrap();
    assert_eq!((file.format(), file.linktype(), file.snaplen()), (FileFormat::Pcap, LinkType::ETHERNET, 65535));
    same_as_libpcap("le-micro.pcap", &bytes);
}

#[test]
fn pcap_big_endian() {
    let bytes = Pcap::new(Order::Big, MAGIC_MICROS, (2, 4), 65535, 1).record(1, 2, &payload(42, 3), 100).build();
    assert_eq!(walk(&bytes).0, vec![(S + 2_000, 100, 1, payload(42, 3))]);
    same_as_libpcap("be.pcap", &bytes);
}

#[test]
fn pcap_nanosecond_magic_both_orders() {
    for order in [Order::Little, Order::Big] {
        let bytes = Pcap::new(order, MAGIC_NANOS, (2, 4), 0, 1).record(7, 999_999_999, &payload(20, 4), 20).build();
        assert_eq!(walk(&bytes).0, vec![(7 * S + 999_999_999, 20, 1, payload(20, 4))]);
        same_as_libpcap("nanos.pcap", &bytes);
    }
}

#[test]
fn pcap_fraction_of_a_second_or_more_is_converted() {
    let bytes = Pcap::ethernet().record(10, 2_500_000, &payload(10, 5), 10).build();
    assert_eq!(walk(&bytes).0[0].0, 10 * S + 2_500_000_000);
    same_as_libpcap("usec-overflow.pcap", &bytes);
    let bytes = Pcap::new(Order::Little, MAGIC_NANOS, (2, 4), 0, 1).record(10, 4_000_000_000, &[1], 1).build();
    assert_eq!(walk(&bytes).0[0].0, 14 * S);
}

#[test]
fn pcap_versions_before_2_3_swap_lengths() {
    // Written as (len, caplen).
    for version in [(2, 0), (2, 1), (2, 2), (543, 0)] {
        let bytes = Pcap::new(Order::Little, MAGIC_MICROS, version, 65535, 1)
            .record_raw(1, 0, 1500, 64, &payload(64, 6))
            // Swapped even when it looks wrong, as libpcap does: caplen 10, len 5.
            .record_raw(2, 0, 5, 10, &payload(10, 7))
            .build();
        let (frames, stats) = walk(&bytes);
        assert_eq!(frames, vec![(S, 1500, 1, payload(64, 6)), (2 * S, 5, 1, payload(10, 7))], "{version:?}");
        assert_eq!(stats.malformed, 0);
        same_as_libpcap("v2.2.pcap", &bytes);
    }
}

#[test]
fn pcap_version_2_3_swaps_only_when_caplen_exceeds_len() {
    let bytes = Pcap::new(Order::Little, MAGIC_MICROS, (2, 3), 65535, 1)
        .record_raw(1, 0, 64, 1500, &payload(64, 8)) // (caplen, len): fine as is
        .record_raw(2, 0, 1500, 64, &payload(64, 9)) // caplen > len: swapped
        .build();
    let (frames, _) = walk(&bytes);
    assert_eq!(frames, vec![(S, 1500, 1, payload(64, 8)), (2 * S, 1500, 1, payload(64, 9))]);
    same_as_libpcap("v2.3.pcap", &bytes);
}

#[test]
fn pcap_unsupported_versions_are_not_captures() {
    for version in [(1, 0), (2, 5), (3, 0), (543, 1)] {
        let bytes = Pcap::new(Order::Little, MAGIC_MICROS, version, 65535, 1).build();
        assert!(matches!(CaptureFile::from_bytes(bytes), Err(CaptureError::NotACapture(..))), "{version:?}");
    }
}

#[test]
fn pcap_caplen_beyond_snaplen_is_accepted_and_cut_to_it() {
    let bytes = Pcap::new(Order::Little, MAGIC_MICROS, (2, 4), 64, 1)
        .record(1, 0, &payload(100, 10), 100)
        .record(2, 0, &payload(30, 11), 30)
        .build();
    let (frames, stats) = walk(&bytes);
    assert_eq!(frames, vec![(S, 100, 1, payload(64, 10)), (2 * S, 30, 1, payload(30, 11))]);
    assert_eq!((stats.malformed, stats.truncated_tail), (0, false));
    same_as_libpcap("caplen-over-snaplen.pcap", &bytes);
}

#[test]
fn pcap_caplen_beyond_libpcap_maximum_follows_the_snaplen() {
    // snaplen above libpcap's 262144 maximum: the big record is ours to read (libpcap refuses it).
    let big = payload(300_000, 12);
    let bytes = Pcap::new(Order::Little, MAGIC_MICROS, (2, 4), 1_000_000, 1)
        .record(1, 0, &big, 300_000)
        .record(2, 0, &[1, 2], 2)
        .build();
    let (frames, stats) = walk(&bytes);
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].3, big);
    assert_eq!(stats.malformed, 0);
    libpcap_stops("big-record.pcap", &bytes, 0, "invalid packet capture length");

    // With an ordinary snaplen, that caplen is corrupt: counted, and the walk ends.
    let bytes = Pcap::ethernet().record(1, 0, &[0; 8], 8).record(2, 0, &big, 300_000).record(3, 0, &[1, 2], 2).build();
    let (frames, stats) = walk(&bytes);
    assert_eq!((frames.len(), stats.malformed, stats.truncated_tail), (1, 1, false));
    libpcap_stops("absurd-caplen.pcap", &bytes, 1, "invalid packet capture length");

    // 0xFFFFFFFF, far past the end of the file.
    let bytes = Pcap::ethernet().record(1, 0, &[0; 8], 8).record_raw(2, 0, u32::MAX, u32::MAX, &[0; 8]).build();
    let (frames, stats) = walk(&bytes);
    assert_eq!((frames.len(), stats.malformed, stats.truncated_tail), (1, 1, false));
}

#[test]
fn pcap_snaplen_zero_and_high_linktype_bits() {
    let bytes =
        Pcap::new(Order::Little, MAGIC_MICROS, (2, 4), 0, 0x1400_0001).record(1, 0, &payload(1000, 13), 1000).build();
    let file = CaptureFile::from_bytes(bytes.clone()).unwrap();
    assert_eq!((file.linktype(), file.snaplen()), (LinkType::ETHERNET, 0));
    assert_eq!(walk(&bytes).0, vec![(S, 1000, 1, payload(1000, 13))]);
    same_as_libpcap("snaplen0.pcap", &bytes);
}

#[test]
fn pcap_patched_magic_has_longer_records() {
    let bytes = Pcap::new(Order::Little, MAGIC_PATCHED, (2, 4), 65535, 1)
        .record(5, 6, &payload(33, 14), 40)
        .record(6, 0, &payload(3, 15), 3)
        .build();
    let (frames, _) = walk(&bytes);
    assert_eq!(frames, vec![(5 * S + 6_000, 40, 1, payload(33, 14)), (6 * S, 3, 1, payload(3, 15))]);
    same_as_libpcap("patched.pcap", &bytes);
}

#[test]
fn pcap_truncated_last_record() {
    let full = Pcap::ethernet().record(1, 0, &payload(60, 16), 60).record(2, 0, &payload(60, 17), 60).build();
    // Cut inside the second record's data, then inside its header.
    for cut in [full.len() - 1, 24 + 16 + 60 + 5] {
        let bytes = &full[..cut];
        let (frames, stats) = walk(bytes);
        assert_eq!(frames.len(), 1, "cut at {cut}");
        assert!(stats.truncated_tail && stats.malformed == 0, "cut at {cut}: {stats:?}");
        libpcap_stops("truncated.pcap", bytes, 1, "truncated");
    }
    // A header alone is a valid empty capture.
    let (frames, stats) = walk(&full[..24]);
    assert_eq!((frames.len(), stats), (0, FileStats::default()));
}

fn ns_resolution(exponent: u8) -> (u16, Vec<u8>) {
    (OPT_IF_TSRESOL, vec![exponent])
}

#[test]
fn pcapng_default_resolution_is_microseconds() {
    let bytes = PcapNg::new(Order::Little)
        .idb(1, 65535, &[(OPT_IF_NAME, b"eth0".to_vec())])
        .epb(0, 1_700_000_000_123_456, &payload(60, 20), 60)
        .build();
    let (frames, stats) = walk(&bytes);
    assert_eq!(frames, vec![(1_700_000_000_123_456_000, 60, 1, payload(60, 20))]);
    assert_eq!(stats, FileStats { frames: 1, bytes: 60, ..FileStats::default() });
    let file = CaptureFile::from_bytes(bytes.clone()).unwrap();
    assert_eq!((file.format(), file.linktype(), file.snaplen()), (FileFormat::PcapNg, LinkType::ETHERNET, 65535));
    same_as_libpcap("micro.pcapng", &bytes);
}

#[test]
fn pcapng_nanosecond_resolution_big_endian() {
    let bytes = PcapNg::new(Order::Big)
        .idb(1, 0, &[ns_resolution(9)])
        .epb(0, 1_700_000_000_987_654_321, &payload(61, 21), 70)
        .build();
    assert_eq!(walk(&bytes).0, vec![(1_700_000_000_987_654_321, 70, 1, payload(61, 21))]);
    same_as_libpcap("nanos.pcapng", &bytes);
}

#[test]
fn pcapng_binary_resolution_and_offset() {
    // 2^-20 s ticks: 3.5 s = 3_670_016 ticks; plus a 100 s if_tsoffset.
    let bytes = PcapNg::new(Order::Little)
        .idb(1, 65535, &[(OPT_IF_TSRESOL, vec![0x80 | 20]), (OPT_IF_TSOFFSET, 100i64.to_le_bytes().to_vec())])
        .epb(0, 3 * (1 << 20) + (1 << 19), &payload(20, 22), 20)
        .epb(0, 1, &payload(20, 23), 20)
        .build();
    let (frames, _) = walk(&bytes);
    assert_eq!(frames[0].0, 103 * S + 500_000_000);
    assert_eq!(frames[1].0, 100 * S + 953); // 1e9 / 2^20 = 953.67 ns
    same_as_libpcap("binary.pcapng", &bytes);
    // Decimal resolution finer than a nanosecond (picoseconds).
    let bytes =
        PcapNg::new(Order::Little).idb(1, 65535, &[ns_resolution(12)]).epb(0, 5_000_000_123_456, &[1; 4], 4).build();
    assert_eq!(walk(&bytes).0[0].0, 5_000_000_123);
    same_as_libpcap("pico.pcapng", &bytes);
}

#[test]
fn pcapng_resolution_out_of_range_makes_packets_malformed() {
    let bytes = PcapNg::new(Order::Little)
        .idb(1, 65535, &[ns_resolution(20)])
        .idb(1, 65535, &[])
        .epb(0, 1, &[1; 4], 4)
        .epb(1, 1, &[2; 4], 4)
        .build();
    let (frames, stats) = walk(&bytes);
    assert_eq!(frames, vec![(1_000, 4, 1, vec![2; 4])]);
    assert_eq!(stats.malformed, 2); // the IDB and its packet
}

#[test]
fn pcapng_simple_packet_block() {
    let bytes = PcapNg::new(Order::Little)
        .idb(1, 64, &[])
        .spb(60, &payload(60, 24)) // within snaplen
        .spb(1500, &payload(100, 25)) // cut by the snaplen
        .spb(200, &payload(40, 26)) // cut by the block
        .build();
    let (frames, stats) = walk(&bytes);
    assert_eq!(frames, vec![(0, 60, 1, payload(60, 24)), (0, 1500, 1, payload(64, 25)), (0, 200, 1, payload(40, 26))]);
    assert_eq!(stats.malformed, 0);
    // libpcap agrees on the first two, and gives up on the third (caplen 64 > data left).
    libpcap_stops("spb.pcapng", &bytes, 2, "too short");
    let bytes = PcapNg::new(Order::Big).idb(1, 0, &[]).spb(60, &payload(60, 27)).build();
    same_as_libpcap("spb.pcapng", &bytes);
}

#[test]
fn pcapng_obsolete_packet_block() {
    let bytes = PcapNg::new(Order::Little).idb(1, 65535, &[]).pb(0, 2_000_001, &payload(50, 28), 80).build();
    assert_eq!(walk(&bytes).0, vec![(2 * S + 1_000, 80, 1, payload(50, 28))]);
    same_as_libpcap("pb.pcapng", &bytes);
}

#[test]
fn pcapng_unknown_blocks_are_skipped_and_counted() {
    let bytes = PcapNg::new(Order::Little)
        .block(BT_NRB, &[0; 4])
        .idb(1, 65535, &[])
        .block(0x0000_0BAD, &[1, 2, 3])
        .epb(0, 1, &payload(30, 29), 30)
        .block(BT_ISB, &[0; 12])
        .block(0x4000_0001, &[]) // custom block, empty body
        .epb(0, 2, &payload(31, 30), 31)
        .build();
    let (frames, stats) = walk(&bytes);
    assert_eq!(frames.len(), 2);
    assert_eq!(stats.skipped_blocks, 4);
    assert_eq!(stats.malformed, 0);
    same_as_libpcap("unknown-blocks.pcapng", &bytes);
}

#[test]
fn pcapng_each_frame_has_its_interface_linktype() {
    let bytes = PcapNg::new(Order::Little)
        .idb(1, 65535, &[])
        .idb(101, 65535, &[ns_resolution(9)])
        .epb(0, 1, &payload(60, 31), 60)
        .epb(1, 1, &payload(40, 32), 40)
        .build();
    let (frames, _) = walk(&bytes);
    assert_eq!(frames, vec![(1_000, 60, 1, payload(60, 31)), (1, 40, 101, payload(40, 32))]);
    assert_eq!(CaptureFile::from_bytes(bytes.clone()).unwrap().linktype(), LinkType::ETHERNET);
    // libpcap 1.10 cannot read this file at all past the second interface.
    libpcap_stops("two-linktypes.pcapng", &bytes, 0, "different from the type of the first interface");
}

#[test]
fn pcapng_sections_may_change_byte_order() {
    let bytes = PcapNg::new(Order::Little)
        .idb(1, 65535, &[])
        .epb(0, 1, &payload(20, 33), 20)
        .shb(Order::Big)
        .idb(113, 65535, &[]) // interfaces restart with the section
        .epb(0, 2, &payload(21, 34), 21)
        .build();
    let (frames, stats) = walk(&bytes);
    assert_eq!(frames, vec![(1_000, 20, 1, payload(20, 33)), (2_000, 21, 113, payload(21, 34))]);
    assert_eq!(stats.malformed, 0);
    // libpcap 1.10 gives up at the second section (it reads the new SHB's length in the old
    // byte order, or says "different byte orders").
    libpcap_stops("two-orders.pcapng", &bytes, 1, "");
}

#[test]
fn pcapng_packet_on_unknown_interface_is_skipped() {
    let bytes = PcapNg::new(Order::Little)
        .epb(0, 1, &[9; 4], 4) // before any IDB
        .idb(1, 65535, &[])
        .epb(3, 1, &[9; 4], 4)
        .epb(0, 1, &payload(20, 35), 20)
        .build();
    let (frames, stats) = walk(&bytes);
    assert_eq!(frames, vec![(1_000, 20, 1, payload(20, 35))]);
    assert_eq!(stats.malformed, 2);
}

#[test]
fn pcapng_caplen_beyond_the_block_is_malformed() {
    let mut bytes = PcapNg::new(Order::Little).idb(1, 65535, &[]).epb(0, 1, &[7; 8], 8).build();
    let caplen_at = bytes.len() - 4 - 8 - 8; // trailer, data, wire len, caplen
    bytes[caplen_at..caplen_at + 4].copy_from_slice(&100u32.to_le_bytes());
    let bytes = PcapNg { order: Order::Little, bytes }.epb(0, 2, &[8; 8], 8).build();
    let (frames, stats) = walk(&bytes);
    assert_eq!(frames, vec![(2_000, 8, 1, vec![8; 8])]);
    assert_eq!(stats.malformed, 1);
}

#[test]
fn pcapng_broken_block_lengths_end_the_walk() {
    let good = PcapNg::new(Order::Little).idb(1, 65535, &[]).epb(0, 1, &[1; 4], 4).build();
    let cases: [(&str, Vec<u8>); 4] = [
        ("zero length", [&1u32.to_le_bytes()[..], &0u32.to_le_bytes(), &[0; 8]].concat()),
        ("length 8", [&1u32.to_le_bytes()[..], &8u32.to_le_bytes(), &8u32.to_le_bytes()].concat()),
        (
            "not a multiple of 4",
            [&1u32.to_le_bytes()[..], &13u32.to_le_bytes(), &[0; 5], &13u32.to_le_bytes()].concat(),
        ),
        ("trailer disagrees", [&1u32.to_le_bytes()[..], &16u32.to_le_bytes(), &[0; 4], &20u32.to_le_bytes()].concat()),
    ];
    for (what, block) in cases {
        let bytes = PcapNg { order: Order::Little, bytes: good.clone() }.raw(&block).epb(0, 2, &[2; 4], 4).build();
        let (frames, stats) = walk(&bytes);
        assert_eq!(frames.len(), 1, "{what}");
        assert_eq!((stats.malformed, stats.truncated_tail), (1, false), "{what}");
        libpcap_stops("bad-block.pcapng", &bytes, 1, "");
    }
}

#[test]
fn pcapng_truncated_last_block() {
    let full = PcapNg::new(Order::Little).idb(1, 65535, &[]).epb(0, 1, &[1; 40], 40).epb(0, 2, &[2; 40], 40).build();
    for cut in [full.len() - 1, full.len() - 30, full.len() - 68 + 6] {
        let (frames, stats) = walk(&full[..cut]);
        assert_eq!(frames.len(), 1, "cut at {cut}");
        assert!(stats.truncated_tail && stats.malformed == 0, "cut at {cut}: {stats:?}");
        libpcap_stops("truncated.pcapng", &full[..cut], 1, "truncated");
    }
}

#[test]
fn pcapng_bad_headers_are_not_captures() {
    let good = PcapNg::new(Order::Little).idb(1, 65535, &[]).build();
    let mut bad_order = good.clone();
    bad_order[8] ^= 0xFF;
    let mut bad_version = good.clone();
    bad_version[12] = 2;
    for (what, bytes) in [("byte-order magic", bad_order), ("version", bad_version), ("short", good[..10].to_vec())] {
        assert!(matches!(CaptureFile::from_bytes(bytes), Err(CaptureError::NotACapture(..))), "{what}");
    }
    // No interface at all: a capture without frames.
    let bytes = PcapNg::new(Order::Little).epb(0, 1, &[1; 4], 4).build();
    let (frames, stats) = walk(&bytes);
    assert_eq!((frames.len(), stats.malformed), (0, 1));
}

#[test]
fn open_maps_files_and_reads_pipes() {
    let bytes = Pcap::ethernet().record(1, 0, &payload(60, 40), 60).build();
    let tmp = temp_file("open.pcap", &bytes);
    let file = CaptureFile::open(&tmp.0).unwrap();
    assert_eq!(file.frames().count(), 1);

    // A pipe cannot be mapped: it is read into memory instead.
    let mut fds = [0; 2];
    // SAFETY: plain pipe(2) on a valid array.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let writer = std::thread::spawn({
        let bytes = bytes.clone();
        move || {
            use std::io::Write;
            use std::os::fd::FromRawFd;
            // SAFETY: the write end, owned by this thread from here on.
            let mut w = unsafe { std::fs::File::from_raw_fd(fds[1]) };
            w.write_all(&bytes).unwrap();
        }
    });
    let file = CaptureFile::open(std::path::Path::new(&format!("/proc/self/fd/{}", fds[0]))).unwrap();
    writer.join().unwrap();
    // SAFETY: our read end, no longer used.
    unsafe { libc::close(fds[0]) };
    assert_eq!(file.frames().map(|f| f.data.to_vec()).collect::<Vec<_>>(), vec![payload(60, 40)]);

    let empty = temp_file("empty.pcap", &[]);
    assert!(matches!(CaptureFile::open(&empty.0), Err(CaptureError::NotACapture(..))));
}
