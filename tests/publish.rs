//! Reading state while workers run: views asked for during a capture only ever grow, every
//! worker answers, and the last view equals the final state of the workers.

mod support;

use ntopng_bench::gen::scenarios::Capture;
use ntopng_bench::gen::{mix, MixParams};
use ntopng_engine::publish::{Publisher, Want};
use std::sync::Arc;
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

/// A view cached before the capture is read is not served after it: once every worker has finished,
/// the next request sees the final state, however young the cached view is.
#[test]
fn a_view_from_before_the_end_is_not_reused_after_it() {
    let cap = Capture::of(|sink| mix(sink, &MixParams { flows: 200, packets_per_flow: 5, ..MixParams::default() }));
    let dir = scratch_dir("publish-end");
    let file = dir.join("mix.pcap");
    std::fs::write(&file, cap.to_pcap()).unwrap();
    let cfg = EngineConfig { workers: 2, ..EngineConfig::default() };
    let publisher = Publisher::new(2);
    let long = Duration::from_secs(3600);
    let want = Want { hosts: true, macs: true, flows: false };
    let (before, _) = publisher.view(want, long, Duration::from_millis(10));
    assert_eq!(before.iface.total.packets, 0);
    let result = run_capture_published(&file, &cfg, None, Some(publisher.clone())).unwrap();
    let (after, fresh) = publisher.view(want, long, Duration::from_millis(10));
    assert!(fresh);
    assert_eq!(after.iface.total.packets, cap.description.records);
    assert_eq!(totals(&after), totals(&Snapshot::of(&result.workers)));
    let _ = std::fs::remove_dir_all(&dir);
}

/// What a view says about the hosts, comparable across views.
fn hosts_of(s: &Snapshot) -> Vec<String> {
    s.hosts
        .values()
        .map(|h| {
            format!(
                "{:?} {:?} {:?} {:?} {:?} {} {} {}",
                h.key, h.sent, h.rcvd, h.l7, h.dscp, h.total_flows_as_client, h.total_flows_as_server, h.contacted_peers.len()
            )
        })
        .collect()
}

fn flows_of(s: &Snapshot) -> Vec<String> {
    let mut v: Vec<String> = s
        .flows
        .iter()
        .map(|f| format!("{} {:?} {:?} {:?} {:?} {}", f.hash_id, f.client, f.cli2srv, f.srv2cli, f.cli2srv_tcp, f.cli2srv_dscp))
        .collect();
    v.sort();
    v
}

/// Views asked with different wants carry exactly what `Snapshot::of` computes on the same
/// workers: what was asked plus what the previous view held (readers of different parts share one
/// view), and nothing else; the final view is built once and shared; the stall each worker spends
/// serving is measured (100k flows).
#[test]
fn views_are_exact_request_specific_and_measured() {
    let cap = Capture::of(|sink| mix(sink, &MixParams { flows: 100_000, packets_per_flow: 4, ..MixParams::default() }));
    let dir = scratch_dir("publish-exact");
    let file = dir.join("mix.pcap");
    std::fs::write(&file, cap.to_pcap()).unwrap();
    for workers in [1, 2] {
        let cfg = EngineConfig { workers, ..EngineConfig::default() };
        let result = ntopng_engine::run_capture(&file, &cfg, None).unwrap();
        let direct = Snapshot::of(&result.workers);
        assert!(direct.flows.len() >= 90_000, "{} flows", direct.flows.len());
        let publisher = Publisher::new(workers);
        let wants = [
            Want::COUNTERS,
            Want { hosts: true, ..Want::COUNTERS },
            Want { flows: true, ..Want::COUNTERS },
            Want::ALL,
        ];
        let mut held = Want::COUNTERS;
        for asked in wants {
            let want = asked.union(held);
            held = want;
            // A reader waits on another thread; the workers serve between "batches" here.
            let view = std::thread::scope(|s| {
                let reader = s.spawn(|| publisher.view(asked, Duration::ZERO, Duration::from_secs(30)));
                while !reader.is_finished() {
                    for w in &result.workers {
                        publisher.serve(w);
                    }
                    std::thread::sleep(Duration::from_micros(100));
                }
                reader.join().unwrap()
            });
            let (view, fresh) = view;
            assert!(fresh);
            assert_eq!(view.iface, direct.iface, "{want:?}: counters");
            assert_eq!(view.l7, direct.l7, "{want:?}: L7 totals");
            assert_eq!(view.active_flows, direct.active_flows);
            assert_eq!(view.bcast_domains, direct.bcast_domains);
            if want.hosts {
                assert_eq!(hosts_of(&view), hosts_of(&direct), "{want:?}: hosts");
            } else {
                assert!(view.hosts.is_empty(), "{want:?}: hosts not asked for");
            }
            if want.flows {
                assert_eq!(flows_of(&view), flows_of(&direct), "{want:?}: flows");
            } else {
                assert!(view.flows.is_empty(), "{want:?}: flows not asked for");
            }
            assert_eq!(view.macs.len(), if want.macs { direct.macs.len() } else { 0 });
            // A younger cached view covering the want is handed out as is.
            let (again, _) = publisher.view(Want::COUNTERS, Duration::from_secs(60), Duration::from_secs(1));
            assert!(Arc::ptr_eq(&view, &again), "{want:?}: cached view reused");
        }
        for (i, st) in publisher.stall_stats().iter().enumerate() {
            println!(
                "{workers} worker(s), worker {i}: {} flows, {} serves, worst stall {:?}, total {:?}",
                direct.flows.len() / workers,
                st.serves,
                st.max,
                st.total
            );
        }
        // Once every worker finished, one final view, shared from then on.
        for w in &result.workers {
            publisher.finish(w);
        }
        let (a, fresh) = publisher.view(Want::ALL, Duration::ZERO, Duration::from_secs(1));
        let (b, _) = publisher.view(Want::ALL, Duration::ZERO, Duration::from_secs(1));
        assert!(fresh && Arc::ptr_eq(&a, &b), "final view built once");
        assert_eq!(hosts_of(&a), hosts_of(&direct));
        assert_eq!(flows_of(&a), flows_of(&direct));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Background reads (the timeseries writer) copy only what they ask for, not what earlier readers held,
/// and leave the view REST pages share in the cache unless theirs holds at least as much.
#[test]
fn background_reads_copy_only_their_want_and_keep_the_shared_view() {
    let cap = Capture::of(|sink| mix(sink, &MixParams { flows: 2_000, packets_per_flow: 4, ..MixParams::default() }));
    let dir = scratch_dir("publish-background");
    let file = dir.join("mix.pcap");
    std::fs::write(&file, cap.to_pcap()).unwrap();
    let cfg = EngineConfig { workers: 2, ..EngineConfig::default() };
    let result = ntopng_engine::run_capture(&file, &cfg, None).unwrap();
    let direct = Snapshot::of(&result.workers);
    assert!(!direct.hosts.is_empty());
    let publisher = Publisher::new(2);
    let served = |read: &(dyn Fn() -> (Arc<Snapshot>, bool) + Sync)| {
        std::thread::scope(|s| {
            let reader = s.spawn(read);
            while !reader.is_finished() {
                for w in &result.workers {
                    publisher.serve(w);
                }
                std::thread::sleep(Duration::from_micros(100));
            }
            reader.join().unwrap()
        })
    };
    let hosts = Want { hosts: true, ..Want::COUNTERS };
    let (shared, fresh) = served(&|| publisher.view(hosts, Duration::ZERO, Duration::from_secs(30)));
    assert!(fresh && shared.hosts.len() == direct.hosts.len());
    // A counters-only background read: fresh counters, no hosts copied (a foreground read would have
    // asked for the hosts the previous view held).
    let (bg, fresh) = served(&|| publisher.view_background(Want::COUNTERS, Duration::ZERO, Duration::from_secs(30)));
    assert!(fresh);
    assert_eq!(bg.iface, direct.iface);
    assert!(bg.hosts.is_empty() && bg.flows.is_empty(), "background read copied only counters");
    let (again, _) = publisher.view(Want::COUNTERS, Duration::from_secs(60), Duration::from_secs(1));
    assert!(Arc::ptr_eq(&again, &shared), "the shared view stays cached");
    // A background read holding more replaces it.
    let (all, _) = served(&|| publisher.view_background(Want::ALL, Duration::ZERO, Duration::from_secs(30)));
    assert_eq!(hosts_of(&all), hosts_of(&direct));
    let (again, _) = publisher.view(hosts, Duration::from_secs(60), Duration::from_secs(1));
    assert!(Arc::ptr_eq(&again, &all), "a background view covering more is shared");
    let _ = std::fs::remove_dir_all(&dir);
}
