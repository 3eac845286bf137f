//! `pcapsplit`: splits a capture into N pcap files by flow, for `bench/run-live.sh`, which
//! replays the parts with N tcpreplay processes in parallel (one process tops out below what
//! the monitored end can take). Every packet of a flow (both directions) lands in the same
//! part, in its original order, so each flow is replayed exactly as in the original capture.
//!
//! ```text
//! pcapsplit IN.pcap N OUT_PREFIX      # writes OUT_PREFIX.0.pcap ... OUT_PREFIX.{N-1}.pcap
//! ```
//!
//! Flows (the engine's symmetric `FlowKey`) are dealt to the parts so that the parts have about
//! the same number of packets (largest flow first, each to the part with the fewest packets so
//! far), so N replays paced in proportion finish together; frames that are not IP go to part 0.
//! Prints one line per part: `path packets`.

use ntopng_bench::gen::pcap_writer::{PcapWriter, RecordSink};
use ntopng_capture::CaptureFile;
use ntopng_engine::flow_key::FlowKey;
use ntopng_wire::{decode, DecodeOptions, Decoded};
use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::process::ExitCode;

fn run(input: &str, parts: usize, prefix: &str) -> Result<(), String> {
    let cap = CaptureFile::open(Path::new(input)).map_err(|e| e.to_string())?;
    let linktype = cap.linktype().0;
    let key = |data: &[u8], linktype: u32| match decode(linktype, data, DecodeOptions::default()) {
        Decoded::Ip(p) => Some(FlowKey::of(&p).0),
        _ => None,
    };
    // Pass 1: packets per flow. Pass 2: flows dealt largest first to the lightest part.
    let mut per_flow: HashMap<FlowKey, u64> = HashMap::new();
    let mut load = vec![0u64; parts];
    for frame in cap.frames() {
        match key(frame.data, frame.linktype.0) {
            Some(k) => *per_flow.entry(k).or_default() += 1,
            None => load[0] += 1,
        }
    }
    let mut flows: Vec<(FlowKey, u64)> = per_flow.into_iter().collect();
    flows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.hash32().cmp(&b.0.hash32())));
    let mut part_of: HashMap<FlowKey, usize> = HashMap::with_capacity(flows.len());
    for (k, n) in flows {
        let lightest = (0..parts).min_by_key(|&i| load[i]).unwrap_or(0);
        load[lightest] += n;
        part_of.insert(k, lightest);
    }
    let mut outs = Vec::with_capacity(parts);
    let mut counts = vec![0u64; parts];
    for i in 0..parts {
        let path = format!("{prefix}.{i}.pcap");
        let f = File::create(&path).map_err(|e| format!("{path}: {e}"))?;
        let w = PcapWriter::new(BufWriter::with_capacity(1 << 20, f), linktype).map_err(|e| format!("{path}: {e}"))?;
        outs.push((path, w));
    }
    for frame in cap.frames() {
        let part = key(frame.data, frame.linktype.0).and_then(|k| part_of.get(&k).copied()).unwrap_or(0);
        let (path, w) = &mut outs[part];
        w.write_record(linktype, frame.ts_ns, frame.data, frame.wire_len).map_err(|e| format!("{path}: {e}"))?;
        counts[part] += 1;
    }
    for ((path, mut w), n) in outs.into_iter().zip(counts) {
        w.flush().map_err(|e| format!("{path}: {e}"))?;
        println!("{path} {n}");
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let parts = args.get(2).and_then(|n| n.parse::<usize>().ok()).filter(|&n| n > 0);
    let (Some(input), Some(parts), Some(prefix), 4) = (args.get(1), parts, args.get(3), args.len()) else {
        eprintln!("usage: pcapsplit IN.pcap N OUT_PREFIX   (writes OUT_PREFIX.0.pcap .. OUT_PREFIX.<N-1>.pcap)");
        return ExitCode::from(2);
    };
    match run(input, parts, prefix) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pcapsplit: {e}");
            ExitCode::FAILURE
        }
    }
}
