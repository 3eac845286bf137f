//! The `ntopng` daemon: command line and configuration file, wiring of sources, engine and
//! sinks, signals.

mod cli;
mod config_file;
mod alerts;
mod control;
mod flow_db;
mod host_checks;
mod install_dirs;
mod interfaces;
mod test_scripts;
mod timeseries;
mod notifications;
mod user_checks;

use clap::Parser;
use cli::Cli;
use ndpi::{Detector, DetectorConfig, ProtocolNames};
use ntopng_engine::sink::{parse_dump_spec, spawn_sinks, DumpSpec, FlowSink, JsonlSink};
use ntopng_capture::{AfPacketConfig, AfPacketSource, Source};
use ntopng_engine::offload::FlowOffload;
use ntopng_engine::publish::Publisher;
use ntopng_engine::{run_capture_published, run_live, EngineConfig, LiveResult, LocalNetworks, OfflineResult};
use alerts::Alerting;
use control::ControlPlane;
use install_dirs::InstallDirs;
use interfaces::Interfaces;
use test_scripts::run_hook;
use ntopng_xdp::{CaptureConfig as XdpConfig, Sampling, XdpCapture};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn main() -> ExitCode {
    let args = match gather_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("ntopng: {e}");
            return ExitCode::from(2);
        }
    };
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging(cli.verbose);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e}");
            eprintln!("ntopng: {e}");
            ExitCode::from(1)
        }
    }
}

/// `ntopng <config-file> [options]` reads the file first, then the remaining options.
fn gather_args() -> Result<Vec<String>, String> {
    let mut argv: Vec<String> = std::env::args().collect();
    if argv.len() > 1 && !argv[1].starts_with('-') {
        let file = argv.remove(1);
        let mut from_file = config_file::read(Path::new(&file))?;
        from_file.extend(argv.drain(1..));
        argv.extend(from_file);
    }
    Ok(argv)
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "error",
        1 => "warn",
        2 | 3 => "info",
        4 | 5 => "debug",
        _ => "trace",
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(level)).format_timestamp_secs().init();
}

fn engine_config(cli: &Cli) -> Result<EngineConfig, String> {
    let mut local_networks = if cli.local_networks.is_empty() { LocalNetworks::ntopng_default() } else { LocalNetworks::default() };
    for m in &cli.local_networks {
        local_networks.extend(m)?;
    }
    let workers = match cli.workers {
        Some(0) => return Err("--workers must be at least 1".into()),
        Some(n) => n,
        None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    };
    let ndpi = if cli.no_dpi {
        None
    } else {
        Some(match &cli.ndpi_protocols {
            Some(p) if !p.is_file() => return Err(format!("-p {}: no such nDPI protocols file", p.display())),
            Some(p) => DetectorConfig::with_protocols_dir_companions(p),
            None => DetectorConfig::default(),
        })
    };
    let decode = ntopng_wire::DecodeOptions { ignore_vlans: cli.ignore_vlans, decode_tunnels: !cli.no_tunnel_decoding };
    if let Some(expr) = &cli.packet_filter {
        ntopng_capture::BpfFilter::new(expr).map_err(|e| format!("-B: {e}"))?;
    }
    Ok(EngineConfig {
        workers,
        core_affinity: cli.core_affinity.clone(),
        max_flows: cli.max_flows.max(1024),
        max_hosts: cli.max_hosts.max(1024),
        local_networks,
        decode,
        ndpi,
        purge_idle: cli.pcap_file_purge_flows,
        bpf: cli.packet_filter.clone(),
        ..EngineConfig::default()
    })
}

fn run(cli: Cli) -> Result<(), String> {
    let mut cfg = engine_config(&cli)?;
    if cli.interfaces.is_empty() {
        return Err("no interface given: use -i <interface> or -i <capture file>".into());
    }
    let any_live = cli.interfaces.iter().any(|i| !is_capture_file(i));
    let web = cli.http_port != "0" || cli.https_port != "0";
    let hooks = [&cli.test_script_pre, &cli.test_script, &cli.test_script_post];
    if !cli.shutdown_when_done && (cli.test_script.is_some() || cli.test_script_post.is_some()) {
        log::warn!("--test-script and --test-script-post run only with --shutdown-when-done");
    }
    if !web && hooks.iter().any(|h| h.is_some()) {
        log::warn!("test scripts run with the web server off (-w 0): REST calls from them will fail");
    }
    if let Some(pid) = &cli.pid_file {
        std::fs::write(pid, format!("{}\n", std::process::id())).map_err(|e| format!("--pid {}: {e}", pid.display()))?;
    }
    // Resolved before anything starts, so a bad -t/-1/-2 fails fast.
    let install = if web { Some(InstallDirs::resolve(&cli)?) } else { None };

    let names = match &cfg.ndpi {
        Some(dc) => {
            let det = Detector::new(dc).map_err(|e| e.to_string())?;
            log::info!("nDPI {} with {} protocols", ndpi::revision(), det.num_protocols());
            Some(Arc::new(ProtocolNames::new(&det)))
        }
        None => None,
    };
    let mut sinks: Vec<Box<dyn FlowSink>> = Vec::new();
    let mut flow_store: Option<Arc<dyn ntopng_flowdb::FlowStore>> = None;
    for spec in &cli.dump_flows {
        match parse_dump_spec(spec)? {
            DumpSpec::Jsonl(path) => {
                sinks.push(Box::new(JsonlSink::create(&path).map_err(|e| format!("-F {spec}: {e}"))?));
            }
            DumpSpec::Sqlite(dir) => {
                let (store, sink) = flow_db::open(dir, &cli.data_dir, !any_live)?;
                // ClickHouse, when also given, answers the queries (as in ntopng, where it is the flow DB).
                flow_store.get_or_insert(store);
                sinks.push(Box::new(sink));
            }
            DumpSpec::ClickHouse(rest) => {
                let (store, sink) = flow_db::open_clickhouse(rest.as_deref(), &cli.data_dir, !any_live)?;
                flow_store = Some(store);
                sinks.push(Box::new(sink));
            }
        }
    }
    // Signals are taken by sigwait in this thread; block them before any thread starts.
    let signals = block_termination_signals();
    // Capture files wait for the sinks (nothing is lost); live capture never waits on them.
    let (queue, sink_thread) = spawn_sinks(sinks, names.clone(), !any_live);

    log::info!("{} worker(s) per interface, local networks: {}", cfg.workers, describe_nets(&cfg.local_networks));
    // Interfaces get their ids in -i order; live ones are opened now so their worker count is known.
    let local_nets: Vec<String> = cfg.local_networks.networks().map(|(n, _)| n.to_string()).collect();
    let local_nets_aliased: Vec<String> = cfg
        .local_networks
        .networks()
        .map(|(n, alias)| match alias {
            Some(a) => format!("{n}={a}"),
            None => n.to_string(),
        })
        .collect();
    // Benchmark only: sample at packet-time boundaries without the web server (a thread merges and discards).
    let bench_step_samples = std::env::var_os("NTOPNG_BENCH_STEP_SAMPLES").is_some_and(|v| v == "1");
    // The flow checks' view of the interfaces: local networks, protocol breeds, the blacklist.
    let blacklist = match &cli.blacklist_file {
        Some(path) => {
            let b = ntopng_checks::Blacklist::load(path).map_err(|e| format!("--blacklist-file {e}"))?;
            log::info!("blacklist {}: {} addresses/networks", path.display(), b.len());
            Some(Arc::new(b))
        }
        None => None,
    };
    let flow_ctx = ntopng_checks::FlowContext { local_networks: cfg.local_networks.clone(), names: names.clone(), blacklist };
    let mut registry = Interfaces::new(names);
    let mut pending_files = Vec::new();
    let mut pending_live = Vec::new();
    for (idx, iface) in cli.interfaces.iter().enumerate() {
        if is_capture_file(iface) {
            let publisher = Publisher::new(cfg.workers.max(1));
            // Timeseries follow packet time: the workers sample their counters at every packet-time
            // second (written only with the web server on; the benchmark can force the sampling).
            if install.is_some() || bench_step_samples {
                publisher.enable_step_samples(timeseries::STEP_SAMPLE_QUEUE);
            }
            let name = Path::new(iface).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "stdin".into());
            let ifid = registry.add(&name, true, local_nets.clone(), publisher.clone());
            pending_files.push((ifid, iface.clone(), publisher));
        } else {
            let capture = LiveCapture::open(iface, &cli, cfg.workers, idx)?;
            let publisher = Publisher::new(capture.sources.len().max(1));
            let ifid = registry.add(iface, false, local_nets.clone(), publisher.clone());
            pending_live.push((ifid, iface.clone(), capture, publisher));
        }
    }
    let registry = Arc::new(registry);
    if bench_step_samples && install.is_none() {
        timeseries::discard_step_samples(registry.clone());
    }
    let alerting = Alerting::new();
    // Flows are scored at classification by the risks whose check is on (the checks configuration's mask).
    cfg.scored_risks = Some(alerting.checks().risk_mask());
    alerting.set_flow_context(flow_ctx);
    // The timeseries are written only when they can be read: with the web server on.
    let (control, ts_writer) = match &install {
        Some(dirs) => {
            std::fs::create_dir_all(&cli.data_dir).map_err(|e| format!("-d {}: {e}", cli.data_dir.display()))?;
            let store = ntopng_tsdb::TsStore::open(&cli.data_dir, timeseries::RETENTION_DAYS)
                .map_err(|e| format!("timeseries store in {}: {e}", cli.data_dir.display()))?;
            let store = Arc::new(store);
            let writer = timeseries::TsWriter::start(store.clone(), registry.clone())?;
            (Some(ControlPlane::start(&cli, dirs, registry.clone(), local_nets_aliased, flow_store.clone(), store, alerting.clone())?), Some(writer))
        }
        None => (None, None),
    };
    // Host checks raise alerts only where they can be read: with the web server on (as flow alerts).
    let host_checks = match &install {
        Some(_) => Some(host_checks::HostCheckRunner::start(registry.clone(), alerting.clone(), host_checks::period())?),
        None => None,
    };
    if let Some(cmd) = &cli.test_script_pre {
        run_hook("--test-script-pre", cmd);
        // The script may have changed the checks: capture starts with its configuration.
        alerting.checks().reload_if_changed();
    }

    let stop = Arc::new(AtomicBool::new(false));
    let mut live_threads = Vec::new();
    let mut alert_writers = Vec::new();
    for (ifid, iface, capture, publisher) in pending_live {
        let (mut cfg, q, stop) = (cfg.clone(), queue.clone(), stop.clone());
        cfg.host_check_round = registry.host_check_round(ifid);
        // Alerts are stored only when they can be read: with the web server on (as the timeseries).
        if let Some(a) = install.as_ref().and_then(|_| alerting.attach_or_warn(ifid, &cli.data_dir, false)) {
            cfg.alerts = Some(a.tap.clone());
            alert_writers.push(a);
        }
        live_threads.push(std::thread::spawn(move || {
            let LiveCapture { sources, offload, xdp } = capture;
            let r = run_live(&iface, sources, &cfg, Some(q), offload, Some(publisher), &stop)
                .map_err(|e| format!("-i {iface}: {e}"));
            // Detaches the XDP program (after the sockets are gone).
            let kernel = xdp.map(|x| x.kernel_stats());
            r.map(|r| (r, kernel))
        }));
    }
    let file_threads: Vec<_> = pending_files
        .into_iter()
        .map(|(ifid, path, publisher)| {
            let (mut cfg, q, registry) = (cfg.clone(), queue.clone(), registry.clone());
            cfg.host_check_round = registry.host_check_round(ifid);
            let drain = install.as_ref().and_then(|_| alerting.attach_or_warn(ifid, &cli.data_dir, true)).map(|a| {
                cfg.alerts = Some(a.tap.clone());
                let drain = (a.tap.clone(), a.stats.clone());
                alert_writers.push(a);
                drain
            });
            std::thread::spawn(move || {
                let r = run_capture_published(Path::new(&path), &cfg, Some(q), Some(publisher))
                    .map_err(|e| format!("-i {path}: {e}"));
                if let Some((tap, stats)) = drain {
                    alerts::wait_drained(&tap, &stats);
                }
                registry.mark_done(ifid);
                r
            })
        })
        .collect();
    drop(queue);
    let mut interfaces = Vec::new();
    for t in file_threads {
        let r = t.join().map_err(|_| "interface thread panicked".to_string())??;
        report(&r);
        interfaces.push(r);
    }

    // A read capture's flows stay in memory, and their periodic flow events go on (wall clock).
    let kept = KeptFlows::start(interfaces);
    let test_mode = !any_live && cli.shutdown_when_done;
    if test_mode {
        if let Some(cmd) = &cli.test_script {
            run_hook("--test-script", cmd);
        }
    } else {
        if !any_live {
            log::info!("capture files read; state kept until SIGINT/SIGTERM");
        }
        wait_for(&signals);
    }
    stop.store(true, Ordering::Relaxed);
    if let Some(c) = &control {
        c.shutting_down();
    }
    // Engaged host alerts are released and stored before the interfaces go.
    if let Some(h) = host_checks {
        h.stop();
    }
    let mut live_results = Vec::new();
    for t in live_threads {
        let (mut r, kernel) = t.join().map_err(|_| "live capture thread panicked".to_string())??;
        report_live(&r);
        if let Some(Ok(k)) = kernel {
            let t = &k.total;
            log::info!(
                "{}: XDP saw {} packets: {} to user space, {} bypassed in the kernel, {} sampled out, {} passed, {} parse errors",
                r.name, t.packets, t.redirected, t.bypassed, t.sampled_out, t.passed, t.parse_errors
            );
        }
        r.shutdown();
        live_results.push(r);
    }
    drop(live_results);
    let mut interfaces = kept.stop();
    for i in &mut interfaces {
        i.shutdown();
    }
    drop(interfaces);
    for a in alert_writers {
        a.finish();
    }
    if test_mode {
        if let Some(cmd) = &cli.test_script_post {
            std::thread::sleep(std::time::Duration::from_secs(1));
            run_hook("--test-script-post", cmd);
        }
    }
    if let Some(c) = control {
        c.stop();
    }
    // After the checks have released what was engaged.
    alerting.finish_notifications();
    if let Some(w) = ts_writer {
        w.stop();
    }
    registry.log_stalls();
    let stats = sink_thread.join().map_err(|_| "flow sink thread panicked".to_string())?;
    log::info!("{} flows written to the flow dump(s)", stats.flows);
    if stats.errors > 0 {
        return Err(format!("{} flow dump write error(s)", stats.errors));
    }
    Ok(())
}

/// `-` (stdin) or an existing regular file is a capture file; anything else names an interface.
fn is_capture_file(i: &str) -> bool {
    i == "-" || Path::new(i).is_file()
}

/// The sources of one live interface: AF_XDP sockets (one per RX queue) behind the XDP program
/// when it can be attached, else AF_PACKET sockets in a fanout group (one per worker).
struct LiveCapture {
    sources: Vec<Box<dyn Source>>,
    offload: Option<Arc<dyn FlowOffload>>,
    xdp: Option<XdpCapture>,
}

impl LiveCapture {
    fn open(iface: &str, cli: &Cli, workers: usize, idx: usize) -> Result<LiveCapture, String> {
        if iface.contains('/') {
            return Err(format!("-i {iface}: no such capture file"));
        }
        if cli.capture_mode != "afpacket" {
            match Self::open_xdp(iface, cli) {
                Ok(c) => return Ok(c),
                Err(e) if cli.capture_mode == "xdp" => return Err(format!("-i {iface}: XDP capture: {e}")),
                Err(e) => log::warn!("{iface}: XDP/AF_XDP unavailable ({e}); falling back to AF_PACKET"),
            }
        }
        if cli.sampling_rate > 1 {
            log::warn!("{iface}: --sampling-rate applies to XDP capture only; AF_PACKET sees every packet");
        }
        let group = ((std::process::id() as usize + idx) & 0xffff) as u16;
        let sources = (0..workers)
            .map(|_| {
                let mut c = AfPacketConfig::new(iface);
                c.fanout_group = (workers > 1).then_some(group);
                c.promiscuous = !cli.no_promisc;
                AfPacketSource::open(&c).map(|s| Box::new(s) as Box<dyn Source>).map_err(|e| format!("-i {iface}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        log::info!("{iface}: capturing with AF_PACKET (TPACKET_V3 ring, fanout by flow hash, {} socket(s))", sources.len());
        Ok(LiveCapture { sources, offload: None, xdp: None })
    }

    fn open_xdp(iface: &str, cli: &Cli) -> Result<LiveCapture, String> {
        let mut cfg = XdpConfig::new(iface);
        cfg.bypass = !cli.no_bypass;
        if cli.sampling_rate > 1 {
            cfg.sampling = Sampling::Packets(cli.sampling_rate);
        }
        let mut xdp = XdpCapture::open(&cfg).map_err(|e| e.to_string())?;
        let sockets = xdp.open_sources().map_err(|e| e.to_string())?;
        let zero_copy = sockets.iter().filter(|s| s.zero_copy()).count();
        log::info!(
            "{iface}: capturing with XDP ({:?} mode) and {} AF_XDP socket(s), one worker each ({} zero-copy, {} copy mode); in-kernel bypass {}",
            xdp.mode(),
            sockets.len(),
            zero_copy,
            sockets.len() - zero_copy,
            if cfg.bypass { "on" } else { "off" }
        );
        let offload = xdp.bypass().map(|b| Arc::new(b) as Arc<dyn FlowOffload>);
        let sources = sockets.into_iter().map(|s| Box::new(s) as Box<dyn Source>).collect();
        Ok(LiveCapture { sources, offload, xdp: Some(xdp) })
    }
}

fn report_live(r: &LiveResult) {
    let s = r.snapshot();
    let drops = s.iface.capture_drops;
    log::info!(
        "{}: {} packets ({} bytes) in {:.1} s; {} flows, {} hosts ({} local), {} MACs; {} kernel drops",
        r.name,
        s.iface.total.packets,
        s.iface.total.bytes,
        r.elapsed.as_secs_f64(),
        s.active_flows,
        s.hosts.len(),
        s.local_hosts(),
        s.macs.len(),
        drops
    );
}

fn describe_nets(n: &LocalNetworks) -> String {
    n.networks().map(|(net, _)| net.to_string()).collect::<Vec<_>>().join(",")
}

fn report(r: &OfflineResult) {
    let s = r.snapshot();
    let secs = r.elapsed.as_secs_f64().max(1e-9);
    log::info!(
        "{}: {} packets ({} bytes) in {:.3} s = {:.0} pps; {} flows, {} hosts ({} local), {} MACs",
        r.name,
        s.iface.total.packets,
        s.iface.total.bytes,
        secs,
        s.iface.total.packets as f64 / secs,
        s.active_flows,
        s.hosts.len(),
        s.local_hosts(),
        s.macs.len()
    );
    if let Some(cpu) = r.cpu {
        log::info!("{}: packet loop CPU time {:.3} s", r.name, cpu.as_secs_f64());
    }
    let drops: Vec<String> = ntopng_wire::Drop::ALL
        .iter()
        .filter(|d| s.iface.decode_drops[d.index()] > 0)
        .map(|d| format!("{}={}", d.name(), s.iface.decode_drops[d.index()]))
        .collect();
    if !drops.is_empty() || r.file.malformed > 0 || r.file.truncated_tail || s.iface.flow_overflow > 0 {
        log::warn!(
            "{}: skipped: malformed records {}, truncated tail {}, decode drops [{}], flow cap overflow {}, host cap overflow {}",
            r.name,
            r.file.malformed,
            r.file.truncated_tail,
            drops.join(" "),
            s.iface.flow_overflow,
            s.iface.host_overflow
        );
    }
    if r.filtered > 0 {
        log::info!("{}: {} packets rejected by the packet filter", r.name, r.filtered);
    }
}

fn block_termination_signals() -> libc::sigset_t {
    // SAFETY: plain sigset manipulation on a local set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    }
}

/// The periodic flow events of the capture files' flows kept after they were read: one window of each
/// worker's flow table per second (`Worker::periodic_tick`), only while someone wants periodic events.
struct KeptFlows {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Vec<OfflineResult>>,
}

impl KeptFlows {
    fn start(mut interfaces: Vec<OfflineResult>) -> KeptFlows {
        let stop = Arc::new(AtomicBool::new(false));
        let st = stop.clone();
        let thread = std::thread::Builder::new()
            .name("kept-flows".into())
            .spawn(move || {
                while !st.load(Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(250));
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos() as u64);
                    for w in interfaces.iter_mut().flat_map(|i| i.workers.iter_mut()) {
                        w.periodic_tick(now);
                    }
                }
                interfaces
            })
            .expect("spawn kept-flows");
        KeptFlows { stop, thread }
    }

    fn stop(self) -> Vec<OfflineResult> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("kept-flows thread panicked")
    }
}

fn wait_for(set: &libc::sigset_t) {
    let mut sig = 0;
    // SAFETY: the set was initialised by block_termination_signals.
    unsafe { libc::sigwait(set, &mut sig) };
    log::info!("signal {sig} received, shutting down");
}
