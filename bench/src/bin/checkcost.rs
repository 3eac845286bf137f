//! `checkcost`: what a user Lua check costs per flow and per host, against the engine's own work on the
//! same capture, measured in the same run.
//!
//! ```text
//! checkcost FILE [--rounds N] [--engine-runs N] [--batch 512] [--local-net CIDR] [--no-dpi]
//! ```
//!
//! 1. The engine reads FILE with one worker (as `ntopng --workers 1`), `--engine-runs` times; its
//!    processing time (first frame to last frame processed) over the flows it made is the peer of the
//!    flow checks: *the engine's ns/flow*. Then the host view (`Snapshot::of`, what the daemon's
//!    periodic host checks get: hosts, flows, MACs) is built `--rounds` times: *ns/host of the view*.
//! 2. A Lua pool over a temporary install dir, and for each scenario a fresh check engine with
//!    only that scenario's modules in `flow_checks/` and `host_checks/`:
//!    * `none`: no module (what the engine costs when nobody wrote a check);
//!    * `empty`: `function m.check() end` (the fixed cost of one call: binding the flow or host,
//!      the info table, the budget, the protected call);
//!    * `trivial`: `if flow.bytes() > 1e15 then flow.triggerAlert(1, "x") end` (and `host.bytes()`);
//!    * `heavy`: a realistic check reading 8 `flow.*` (or `host.*`) values and formatting a message
//!      with `string.format`.
//!
//!    Flow checks run on every flow as a `protocolDetected` event, in batches of `--batch` events as
//!    the alert writers hand them over, with the flow context of the daemon (interface identity and
//!    local networks, no state); host checks run on every host of the full view, one run per round
//!    (the daemon runs them once a minute). Each is timed `--rounds` times; medians are reported.
//!
//! Output: `key value` lines on stdout (for bench/run-checks.sh), a readable summary on stderr.

use clap::Parser;
use ndpi::{Detector, DetectorConfig, ProtocolNames};
use ntopng_engine::{EngineConfig, LocalNetworks, Snapshot};
use ntopng_lua::{Dirs, FlowHook, IfaceInfo, IfaceView, InterfaceProvider, LuaPool, PoolConfig, StaticProvider};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Parser)]
#[command(name = "checkcost", about = "Cost per flow and per host of user Lua checks, against the engine's own")]
struct Cli {
    /// Capture file (pcap/pcapng).
    file: PathBuf,
    /// Timed rounds per measurement (the median is reported).
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Timed engine runs over the file (the median is reported).
    #[arg(long, default_value_t = 3)]
    engine_runs: usize,
    /// Flow events per run_flows call (the alert writers' batch).
    #[arg(long, default_value_t = 512)]
    batch: usize,
    /// Local networks (ntopng -m); pcapgen's addresses are in 198.18.0.0/15.
    #[arg(long, default_value = "198.18.0.0/15")]
    local_net: String,
    /// Turn nDPI off in the engine.
    #[arg(long)]
    no_dpi: bool,
}

const SCENARIOS: [&str; 4] = ["none", "empty", "trivial", "heavy"];

fn flow_module(scenario: &str) -> Option<&'static str> {
    match scenario {
        "empty" => Some("local m = {}\nfunction m.check() end\nreturn m\n"),
        "trivial" => Some(
            "local m = {}\nfunction m.check() if flow.bytes() > 1e15 then flow.triggerAlert(1, \"x\") end end\nreturn m\n",
        ),
        "heavy" => Some(
            r#"local m = {}
function m.check(info)
  local cli, srv = flow.cli(), flow.srv()
  local sport, dport = flow.cli_port(), flow.srv_port()
  local up, down = flow.cli2srv_bytes(), flow.srv2cli_bytes()
  local proto, dir = flow.l7_proto_name(), flow.direction()
  local msg = string.format("%s:%d -> %s:%d %s %s %d/%d", cli, sport, srv, dport, proto, dir, up, down)
  if up + down > 1e15 and #msg > 0 then flow.triggerAlert(1, msg) end
end
return m
"#,
        ),
        _ => None,
    }
}

fn host_module(scenario: &str) -> Option<&'static str> {
    match scenario {
        "empty" => Some("local m = {}\nfunction m.check() end\nreturn m\n"),
        "trivial" => Some(
            "local m = {}\nfunction m.check() if host.bytes() > 1e15 then host.triggerAlert(1, \"x\") end end\nreturn m\n",
        ),
        "heavy" => Some(
            r#"local m = {}
function m.check(host_info)
  local ip, vlan = host.ip(), host.vlan_id()
  local sent, rcvd = host.bytes_sent(), host.bytes_rcvd()
  local lcl, uni, bl = host.is_local(), host.is_unicast(), host.is_blacklisted()
  local score = host.score()
  local msg = string.format("%s@%d %s %s %s %d/%d score %d", ip, vlan, tostring(lcl), tostring(uni), tostring(bl),
    sent, rcvd, score)
  if sent + rcvd > 1e15 and #msg > 0 then host.triggerAlert(1, msg) end
end
return m
"#,
        ),
        _ => None,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn ns_per(d: f64, n: usize) -> f64 {
    if n == 0 {
        f64::NAN
    } else {
        d * 1e9 / n as f64
    }
}

/// Writes `src` as the only module of `dir` (or leaves it empty).
fn install_module(dir: &Path, src: Option<&str>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)?.flatten() {
        std::fs::remove_file(e.path())?;
    }
    if let Some(src) = src {
        std::fs::write(dir.join("bench.lua"), src)?;
    }
    Ok(())
}

fn run(cli: &Cli) -> Result<(), String> {
    let rounds = cli.rounds.max(1);
    let local = LocalNetworks::parse(&cli.local_net)?;
    let cfg = EngineConfig {
        workers: 1,
        local_networks: local,
        max_flows: 4_000_000,
        max_hosts: 4_000_000,
        ndpi: if cli.no_dpi { None } else { Some(DetectorConfig::default()) },
        ..EngineConfig::default()
    };

    // 1. The engine on the file: the peer.
    let mut engine_secs = Vec::new();
    let mut last = None;
    for _ in 0..cli.engine_runs.max(1) {
        let r = ntopng_engine::run_capture(&cli.file, &cfg, None)?;
        engine_secs.push(r.elapsed.as_secs_f64());
        last = Some(r);
    }
    let result = last.expect("one engine run");
    let mut view_secs = Vec::new();
    let mut snapshot = Snapshot::default();
    for _ in 0..rounds {
        let t = Instant::now();
        snapshot = result.snapshot();
        view_secs.push(t.elapsed().as_secs_f64());
    }
    let packets = result.file.frames;
    drop(result);
    let snapshot = Arc::new(snapshot);
    let flows = snapshot.flows.len();
    let hosts = snapshot.hosts.len();
    if flows == 0 {
        return Err(format!("{}: the engine made no flow", cli.file.display()));
    }
    let engine_s = median(engine_secs);
    let engine_ns_flow = ns_per(engine_s, flows);
    let view_ns_host = ns_per(median(view_secs), hosts);
    println!("flows {flows}");
    println!("hosts {hosts}");
    println!("packets {packets}");
    println!("engine_s {engine_s:.6}");
    println!("engine_ns_per_flow {engine_ns_flow:.1}");
    println!("view_ns_per_host {view_ns_host:.1}");
    eprintln!(
        "engine (1 worker{}): {flows} flows, {hosts} hosts, {packets} packets in {engine_s:.3} s = {engine_ns_flow:.0} ns/flow; host view (Snapshot::of) {view_ns_host:.0} ns/host",
        if cli.no_dpi { ", no DPI" } else { ", nDPI" }
    );

    // 2. The Lua side.
    let tmp = tempfile::Builder::new().prefix("checkcost").tempdir().map_err(|e| e.to_string())?;
    let install = tmp.path().join("install");
    let data = tmp.path().join("data");
    let flow_dir = install.join("scripts/lua/modules/flow_checks");
    let host_dir = install.join("scripts/lua/modules/host_checks");
    for d in [&flow_dir, &host_dir, &install.join("httpdocs"), &install.join("scripts/callbacks"), &data] {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    let names = Arc::new(ProtocolNames::new(&Detector::new(&DetectorConfig::default()).map_err(|e| e.to_string())?));
    let info = IfaceInfo {
        ifid: 0,
        name: cli.file.display().to_string(),
        pcap_dump: true,
        speed_mbit: 1000,
        local_networks: vec![cli.local_net.clone()],
        running: false,
    };
    let host_view = Arc::new(IfaceView { info: info.clone(), snapshot: snapshot.clone(), epoch: 0, engaged: Arc::default() });
    // The daemon's flow context: identity and local networks, no state (user_checks.rs).
    let flow_view = Arc::new(IfaceView { info, snapshot: Arc::new(Snapshot::default()), epoch: 0, engaged: Arc::default() });
    let provider: Arc<dyn InterfaceProvider> = Arc::new(StaticProvider::new(Some(names)).with((*host_view).clone()));
    let store: Arc<dyn ntopng_store::KvStore> =
        Arc::from(ntopng_store::open(None, &data).map_err(|e| format!("store: {e}"))?);
    let dirs = Dirs::new(&install, &data);
    let mut pcfg = PoolConfig::new(dirs, store);
    pcfg.vms = 1;
    pcfg.interfaces = Some(provider);
    pcfg.local_networks = vec![cli.local_net.clone()];
    let pool = LuaPool::new(pcfg).map_err(|e| e.to_string())?;

    let events: Vec<(FlowHook, &ntopng_engine::sink::FlowRecord)> =
        snapshot.flows.iter().map(|f| (FlowHook::ProtocolDetected, f)).collect();
    let batch = cli.batch.max(1);
    let mut per_flow = std::collections::BTreeMap::new();
    let mut per_host = std::collections::BTreeMap::new();
    for scenario in SCENARIOS {
        install_module(&flow_dir, flow_module(scenario)).map_err(|e| e.to_string())?;
        install_module(&host_dir, host_module(scenario)).map_err(|e| e.to_string())?;
        let mut engine = pool.check_engine().map_err(|e| e.to_string())?;
        engine.rescan(true);
        let want = usize::from(scenario != "none");
        let loaded =
            (engine.modules(ntopng_lua::CheckFamily::Flow).len(), engine.modules(ntopng_lua::CheckFamily::Host).len());
        if loaded != (want, want) {
            return Err(format!("scenario {scenario}: {loaded:?} flow/host modules loaded, expected {want} each"));
        }
        // One untimed round each (first-run state, caches).
        let mut alerts = 0;
        for chunk in events.chunks(batch) {
            alerts += engine.run_flows(&flow_view, chunk).len();
        }
        alerts += engine.run_hosts(&host_view, 0).len();
        let calls0 = engine.stats().calls;
        let mut fsecs = Vec::new();
        let mut hsecs = Vec::new();
        for r in 0..rounds {
            let t = Instant::now();
            for chunk in events.chunks(batch) {
                alerts += engine.run_flows(&flow_view, chunk).len();
            }
            fsecs.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            alerts += engine.run_hosts(&host_view, 60 * (r as i64 + 1)).len();
            hsecs.push(t.elapsed().as_secs_f64());
        }
        let stats = engine.stats();
        if stats.errors > 0 || alerts > 0 {
            return Err(format!("scenario {scenario}: {} errors, {alerts} alerts (expected none)", stats.errors));
        }
        let expected_calls = if scenario == "none" { 0 } else { (flows + hosts) as u64 * rounds as u64 };
        if stats.calls - calls0 != expected_calls {
            return Err(format!("scenario {scenario}: {} calls, expected {expected_calls}", stats.calls - calls0));
        }
        let f = ns_per(median(fsecs), flows);
        let h = ns_per(median(hsecs), hosts);
        println!("flow_{scenario}_ns_per_flow {f:.1}");
        println!("host_{scenario}_ns_per_host {h:.1}");
        per_flow.insert(scenario, f);
        per_host.insert(scenario, h);
    }

    eprintln!();
    for scenario in SCENARIOS {
        let f = per_flow[scenario];
        let h = per_host[scenario];
        eprintln!(
            "{scenario:>7} Lua flow check: {f:>8.0} ns/flow ({:>10.0} flows/s) = {:>6.1}% of the engine's {engine_ns_flow:.0} ns/flow",
            1e9 / f,
            100.0 * f / engine_ns_flow
        );
        eprintln!(
            "{scenario:>7} Lua host check: {h:>8.0} ns/host ({:>10.0} hosts/s) = {:>6.1}x the host view's {view_ns_host:.0} ns/host",
            1e9 / h,
            h / view_ns_host
        );
    }
    let t = per_flow["trivial"];
    let h = per_host["trivial"];
    println!("trivial_flows_per_s_at_5pct_core {:.0}", 0.05e9 / t);
    println!("trivial_hosts_at_5pct_core_per_minute {:.0}", 0.05 * 60e9 / h);
    eprintln!(
        "\na trivial flow check takes 5% of one core at {:.0} new flows/s (1% per {:.0} new flows/s);\n\
         a trivial host check, run once a minute, takes 5% of one core at {:.0} hosts",
        0.05e9 / t,
        0.01e9 / t,
        0.05 * 60e9 / h
    );
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("checkcost: {e}");
            ExitCode::FAILURE
        }
    }
}
