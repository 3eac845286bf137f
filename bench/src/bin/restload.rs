//! `restload`: latency of REST API calls against a running daemon, as a user's automation sees it.
//!
//! ```text
//! restload --base http://127.0.0.1:3000 --seconds 20 --clients 2 \
//!          --call flow_active=/lua/rest/v2/get/flow/active.lua?ifid=0 \
//!          --call connect_test=/lua/rest/v2/connect/test.lua [--auth user:password] [--json]
//! ```
//!
//! Each client thread keeps one keep-alive connection and cycles through the calls back to back for the
//! given time; every answer must be HTTP 200 with `rc` 0 (anything else is counted as an error and
//! printed once). Latencies go into one HDR histogram per call (microsecond resolution, 3 significant
//! digits): p50, p90, p99, max and the number of calls are printed per call, as a table or as JSON.

use clap::Parser;
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(about = "REST API latency (HDR histogram per call) against a running ntopng")]
struct Args {
    /// Base URL of the daemon.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    base: String,
    /// `name=path?query`; repeatable.
    #[arg(long = "call", required = true)]
    calls: Vec<String>,
    /// How long to run.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 1)]
    clients: usize,
    /// HTTP basic credentials `user:password` (none with --disable-login).
    #[arg(long)]
    auth: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Instead of measuring: call the first --call once and print `rsp.<FIELD>` (for scripts waiting on a
    /// state, e.g. `num_flows`).
    #[arg(long, value_name = "FIELD")]
    print_field: Option<String>,
}

struct Outcome {
    hist: BTreeMap<String, Histogram<u64>>,
    errors: BTreeMap<String, u64>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let calls: Vec<(String, String)> = match args
        .calls
        .iter()
        .map(|c| c.split_once('=').map(|(n, p)| (n.to_string(), p.to_string())).ok_or(c))
        .collect::<Result<_, _>>()
    {
        Ok(c) => c,
        Err(bad) => {
            eprintln!("restload: --call {bad}: expected name=path");
            return ExitCode::from(2);
        }
    };
    let auth = args.auth.as_ref().map(|a| {
        use base64::Engine;
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(a))
    });
    if let Some(field) = &args.print_field {
        return print_field(&args.base, &calls[0].1, auth.as_deref(), field);
    }
    let deadline = Instant::now() + Duration::from_secs_f64(args.seconds);
    let outcomes: Vec<Outcome> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..args.clients.max(1))
            .map(|i| {
                let (calls, auth, base) = (&calls, &auth, &args.base);
                s.spawn(move || client(i, base, calls, auth.as_deref(), deadline))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("client thread")).collect()
    });
    let mut hist: BTreeMap<String, Histogram<u64>> = BTreeMap::new();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    for o in outcomes {
        for (k, h) in o.hist {
            hist.entry(k).or_insert_with(new_hist).add(&h).expect("same histogram bounds");
        }
        for (k, e) in o.errors {
            *errors.entry(k).or_default() += e;
        }
    }
    let ms = |v: u64| v as f64 / 1000.0;
    if args.json {
        let out: serde_json::Map<String, serde_json::Value> = calls
            .iter()
            .map(|(n, _)| {
                let h = &hist[n];
                (
                    n.clone(),
                    serde_json::json!({
                        "calls": h.len(), "errors": errors.get(n).copied().unwrap_or(0),
                        "p50_ms": ms(h.value_at_quantile(0.5)), "p90_ms": ms(h.value_at_quantile(0.9)),
                        "p99_ms": ms(h.value_at_quantile(0.99)), "max_ms": ms(h.max()),
                    }),
                )
            })
            .collect();
        println!("{}", serde_json::Value::Object(out));
    } else {
        println!("{:<16} {:>8} {:>7} {:>9} {:>9} {:>9} {:>9}", "call", "calls", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms");
        for (n, _) in &calls {
            let h = &hist[n];
            println!(
                "{:<16} {:>8} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                n,
                h.len(),
                errors.get(n).copied().unwrap_or(0),
                ms(h.value_at_quantile(0.5)),
                ms(h.value_at_quantile(0.9)),
                ms(h.value_at_quantile(0.99)),
                ms(h.max())
            );
        }
    }
    if errors.values().sum::<u64>() > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn print_field(base: &str, path: &str, auth: Option<&str>, field: &str) -> ExitCode {
    let mut req = ureq::get(&format!("{base}{path}")).timeout(Duration::from_secs(10));
    if let Some(a) = auth {
        req = req.set("Authorization", a);
    }
    let v: serde_json::Value = match req.call().map_err(|e| e.to_string()).and_then(|r| r.into_string().map_err(|e| e.to_string())).and_then(|b| serde_json::from_str(&b).map_err(|e| e.to_string())) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("restload: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match &v["rsp"][field] {
        serde_json::Value::Null => {
            eprintln!("restload: {path}: no rsp.{field}");
            ExitCode::FAILURE
        }
        serde_json::Value::String(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        other => {
            println!("{other}");
            ExitCode::SUCCESS
        }
    }
}

fn new_hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds")
}

fn client(id: usize, base: &str, calls: &[(String, String)], auth: Option<&str>, deadline: Instant) -> Outcome {
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build();
    let mut out = Outcome {
        hist: calls.iter().map(|(n, _)| (n.clone(), new_hist())).collect(),
        errors: BTreeMap::new(),
    };
    // Clients start at different calls so every call is measured under the others' load.
    let mut i = id;
    while Instant::now() < deadline {
        let (name, path) = &calls[i % calls.len()];
        i += 1;
        let mut req = agent.get(&format!("{base}{path}"));
        if let Some(a) = auth {
            req = req.set("Authorization", a);
        }
        let t = Instant::now();
        let res = req.call().map_err(|e| e.to_string()).and_then(|r| r.into_string().map_err(|e| e.to_string()));
        let us = t.elapsed().as_micros() as u64;
        let ok = match &res {
            Ok(body) => serde_json::from_str::<serde_json::Value>(body).map(|v| v["rc"] == 0).unwrap_or(false),
            Err(_) => false,
        };
        if ok {
            out.hist.get_mut(name).expect("call histogram").record(us.max(1)).expect("latency in bounds");
        } else {
            let e = out.errors.entry(name.clone()).or_default();
            if *e == 0 {
                eprintln!("restload: {name}: {}", res.map(|b| b.chars().take(200).collect::<String>()).unwrap_or_else(|e| e));
            }
            *e += 1;
        }
    }
    out
}
