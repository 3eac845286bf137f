//! Reading state while workers run: views asked for during a capture only ever grow, every
//! worker answers, and the last view equals the final state of the workers.

mod support;

use ntopng_bench::gen::scenarios::Capture;
use ntopng_bench::gen::{mix, MixParams};
use ntopng_engine::publish::Publisher;
use ntopng_engine::{run_capture_published, EngineConfig, Snapshot};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::*;

fn totals(s: &Snapshot) -> (u64, u64, usize, usize, usize, u64) {
    let l7_packets = s.l7.values().map(|t| t.packets).sum();
    (s.iface.total.packets, s.iface.total.bytes, s.hosts.len(), s.active_flows, s.flows.len(), l7_packets)
}

#[test]
fn views_during_a_capture_grow_and_end_at_the_final_state() {
    let cap = Capture::of(|sink| mix(sink, &MixParams { flows: 20_000, packets_per_flow: 20, ..MixParams::default() }));
    let dir = scratch_dir("publish");
    let file = dir.join("mix.pcap");
    std::fs::write(&file, cap.to_pcap()).unwrap();
    for workers in [1, 3] {
        let cfg = EngineConfig { workers, ..EngineConfig::default() };
        let publisher = Publisher::new(workers);
        let done = AtomicBool::new(false);
        let (result, views, slowest) = std::thread::scope(|s| {
            let reader = s.spawn(|| {
                let r = run_capture_published(&file, &cfg, None, Some(publisher.clone()));
                done.store(true, Ordering::Release);
                r
            });
            let mut views = Vec::new();
            let mut slowest = Duration::ZERO;
            while !done.load(Ordering::Acquire) {
                let t = Instant::now();
                let (view, _fresh) = publisher.snapshot(Duration::from_secs(2));
                slowest = slowest.max(t.elapsed());
                views.push(totals(&view));
                std::thread::sleep(Duration::from_millis(5));
            }
            (reader.join().unwrap().unwrap(), views, slowest)
        });
        let (last, fresh) = publisher.snapshot(Duration::from_secs(2));
        assert!(fresh, "every worker published its final share");
        let direct = Snapshot::of(&result.workers);
        assert_eq!(totals(&last), totals(&direct), "{workers} worker(s): last view = final state");
        assert_eq!(last.iface.total.packets, cap.description.records);
        for pair in views.windows(2) {
            assert!(pair[1].0 >= pair[0].0 && pair[1].1 >= pair[0].1, "views never go back: {pair:?}");
        }
        println!("{workers} worker(s): {} views during the capture, slowest answer {slowest:?}", views.len());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
