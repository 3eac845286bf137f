//! Classification fidelity: for every capture of nDPI 4.2's own test suite, the per-protocol
//! packets, bytes and flows derived from our `-F jsonl` dump must equal nDPI's expected
//! results (`result/<name>.out`), with 1 worker and with 3.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use support::*;

type Totals = BTreeMap<String, (u64, u64, u64)>;

/// The summary lines of an ndpiReader result file: `name<TAB>packets<TAB>bytes<TAB>flows`.
fn expected(result: &Path) -> Totals {
    let bytes = std::fs::read(result).expect("result file");
    let text = String::from_utf8_lossy(&bytes);
    let mut out = Totals::new();
    for line in text.lines().filter(|l| !l.starts_with('\t') && !l.starts_with(' ')) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 4 {
            continue;
        }
        let n: Vec<u64> = f[1..].iter().filter_map(|x| x.trim().parse().ok()).collect();
        if n.len() == 3 {
            out.insert(f[0].trim().to_string(), (n[0], n[1], n[2]));
        }
    }
    out
}

fn ours(flows: &[serde_json::Value]) -> Totals {
    let mut out = Totals::new();
    for f in flows {
        let e = out.entry(counted_protocol(f)).or_default();
        e.0 += f["packets"].as_u64().unwrap();
        e.1 += f["bytes"].as_u64().unwrap();
        e.2 += 1;
        // The per-direction counters must add up to the totals.
        assert_eq!(
            f["cli2srv"]["bytes"].as_u64().unwrap() + f["srv2cli"]["bytes"].as_u64().unwrap(),
            f["bytes"].as_u64().unwrap()
        );
    }
    out
}

fn describe(exp: &Totals, got: &Totals) -> String {
    let mut diffs = Vec::new();
    for name in exp.keys().chain(got.keys()).collect::<std::collections::BTreeSet<_>>() {
        let (e, g) = (exp.get(name), got.get(name));
        if e != g {
            diffs.push(format!("{name}: expected {e:?} (pkts, bytes, flows), got {g:?}"));
        }
    }
    diffs.join("; ")
}

fn run_suite(workers: &str) {
    let Some(pcaps) = shared_pcaps("nDPI 4.2 result comparison") else { return };
    let base = pcaps.join("ndpi-4.2");
    let protos = base.join("example/protos.txt");
    let mut captures: Vec<_> = std::fs::read_dir(base.join("pcap"))
        .expect("pcap dir")
        .map(|e| e.unwrap().path())
        .filter(|p| base.join("result").join(format!("{}.out", p.file_name().unwrap().to_string_lossy())).is_file())
        .collect();
    captures.sort();
    let scratch = scratch_dir(&format!("ndpi-{workers}"));
    let mut matched = 0;
    let mut mismatches = Vec::new();
    for (i, cap) in captures.iter().enumerate() {
        let name = cap.file_name().unwrap().to_string_lossy().to_string();
        let exp = expected(&base.join("result").join(format!("{name}.out")));
        let out = scratch.join(format!("{i}.jsonl"));
        let flows = dump_flows(cap, &["-p", protos.to_str().unwrap(), "--workers", workers], &out);
        let got = ours(&flows);
        if got == exp {
            matched += 1;
        } else {
            mismatches.push(format!("{name}: {}", describe(&exp, &got)));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let total = captures.len();
    println!("nDPI 4.2 results, {workers} worker(s): {matched} of {total} captures match exactly");
    for m in &mismatches {
        println!("  MISMATCH {m}");
    }
    assert!(total > 0, "no capture with an expected result found");
    assert!(matched * 100 >= total * 98, "only {matched} of {total} captures match nDPI's results (need 98%)");
}

#[test]
fn ndpi_results_one_worker() {
    run_suite("1");
}

#[test]
fn ndpi_results_three_workers() {
    run_suite("3");
}
