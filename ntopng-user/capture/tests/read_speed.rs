//! How fast `frames()` walks a big capture: every shared capture's frames concatenated, several
//! times over, into one pcap and one pcapng file. Prints frames/s (run with `--nocapture`);
//! asserts only a floor far below what the walk does, to catch an accidental per-frame cost.

mod common;

use common::build::{Order, Pcap, PcapNg};
use ntopng_capture::CaptureFile;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Copies of the shared frames in the big file.
const REPEAT: usize = 6;
const PASSES: usize = 3;

/// Best of a few passes: (frames, bytes, time).
fn time_walk(file: &CaptureFile) -> (u64, u64, Duration) {
    let mut best = Duration::MAX;
    let (mut frames, mut bytes) = (0, 0);
    for _ in 0..PASSES {
        let start = Instant::now();
        let (mut n, mut sum, mut mix) = (0u64, 0u64, 0u64);
        for frame in file.frames() {
            n += 1;
            sum += frame.data.len() as u64;
            mix = mix.wrapping_add(
                frame.ts_ns ^ u64::from(frame.wire_len) ^ u64::from(frame.data.first().copied().unwrap_or(0)),
            );
        }
        black_box(mix);
        best = best.min(start.elapsed());
        (frames, bytes) = (n, sum);
    }
    (frames, bytes, best)
}

fn report(what: &str, file: &CaptureFile) -> f64 {
    let (frames, bytes, time) = time_walk(file);
    let rate = frames as f64 / time.as_secs_f64();
    println!(
        "read speed, {what}: {frames} frames ({:.0} MB) in {:.1} ms: {:.1} M frames/s, {:.2} GB/s",
        bytes as f64 / 1e6,
        time.as_secs_f64() * 1e3,
        rate / 1e6,
        bytes as f64 / time.as_secs_f64() / 1e9
    );
    rate
}

#[test]
fn frames_per_second_over_a_big_file() {
    let Some(files) = common::shared_captures("frames_per_second_over_a_big_file") else { return };
    let mut pcap = Pcap::new(Order::Little, common::build::MAGIC_NANOS, (2, 4), 262_144, 1);
    let mut ng = PcapNg::new(Order::Little).idb(1, 0, &[(common::build::OPT_IF_TSRESOL, vec![9])]);
    let mut originals = 0;
    for path in &files {
        let Ok(file) = CaptureFile::open(path) else { continue };
        for _ in 0..REPEAT {
            for f in file.frames() {
                pcap =
                    pcap.record((f.ts_ns / 1_000_000_000) as u32, (f.ts_ns % 1_000_000_000) as u32, f.data, f.wire_len);
                ng = ng.epb(0, f.ts_ns, f.data, f.wire_len);
            }
        }
        originals += file.frames().count();
    }
    let expected = (originals * REPEAT) as u64;

    let pcap = pcap.build();
    let tmp = common::temp_file("big.pcap", &pcap);
    let in_memory = CaptureFile::from_bytes(pcap).unwrap();
    let pcap_rate = report("pcap in memory", &in_memory);
    let mapped = CaptureFile::open(&tmp.0).unwrap();
    report("pcap mapped from a file", &mapped);
    let ng = CaptureFile::from_bytes(ng.build()).unwrap();
    let ng_rate = report("pcapng in memory", &ng);

    assert_eq!(in_memory.frames().count() as u64, expected);
    assert_eq!(ng.frames().count() as u64, expected);
    if cfg!(debug_assertions) {
        println!("(debug build: speeds are not meaningful; run with --release)");
    } else {
        // A walk with no per-frame allocation runs at tens of millions of frames a second;
        // one with an allocation or a copy per frame falls well below this floor.
        assert!(pcap_rate > 5e6 && ng_rate > 5e6, "walk too slow: {pcap_rate:.0} / {ng_rate:.0} frames/s");
    }
}
