//! `pcapgen`: writes the generator's captures to files (see `ntopng_bench::gen`).
//!
//! ```text
//! pcapgen sample -o demo.pcap
//! pcapgen mix --flows 100000 --packets-per-flow 20 --size imix --seed 7 -o mix.pcap
//! pcapgen replicate --from-dir /work/shared/pcaps/ndpi-4.2/pcap --copies 4 -o big.pcap
//! pcapgen all -o captures/          # every small scenario, with .json descriptions
//! pcapgen host-attacks -o attacks.pcap   # SYN scan, SYN flood, flow flood (tests/host_checks.rs)
//! pcapgen local-hosts --hosts 10000 --span 3600 -o hosts.pcap   # bench/run-tsdb.sh
//! ```

use clap::{Parser, ValueEnum};
use ntopng_bench::gen::mix::{MixParams, ProtoMix, SizeDist};
use ntopng_bench::gen::pcap_writer::{PcapNgWriter, PcapWriter, RecordSink, LINKTYPE_ETHERNET};
use ntopng_bench::gen::replicate::{replicate, ReplicateParams};
use ntopng_bench::gen::scenarios::{self, FlowCapParams, LocalHostsParams, SEC};
use ntopng_bench::gen::{long_flows, mix, Description};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// Same conversations untagged, on VLAN 10 and on QinQ 100/20.
    Vlan,
    /// IPv6 flows with hop-by-hop, destination options and routing headers.
    Ipv6Ext,
    /// Fragmented IPv4 and IPv6 datagrams.
    Fragments,
    /// Records cut at every layer and headers with lying lengths.
    Truncated,
    /// SYN-first, mid-flow and SYN+ACK-first TCP conversations.
    Handshake,
    /// Gaps longer than the idle timeout; 5-tuples reused after FIN and RST.
    Idle,
    /// N distinct UDP flows (--flows, --packets-per-flow).
    FlowCap,
    /// Parametric benchmark traffic (--flows, --packets-per-flow, --size, --protos, --ipv6, --concurrency, --seed).
    Mix,
    /// A few TCP flows with many packets each (defaults 8 x 10000).
    LongFlows,
    /// Realistic demo: DNS, HTTP and TLS (with SNI) sessions.
    Sample,
    /// Every capture of --from-dir, --copies times, addresses remapped per copy.
    Replicate,
    /// What ntopng's host checks detect: a SYN scan, a SYN flood and a flow flood (198.18.0.0/16).
    HostAttacks,
    /// Local hosts (--hosts, default 10000) in 198.18.0.0/16, each a UDP request and reply with a remote
    /// server every --interval seconds (60) for --span seconds (3600): bench/run-tsdb.sh.
    LocalHosts,
    /// Every small scenario into the directory given by -o, each with a .json description.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Pcap,
    Pcapng,
}

/// Capture generator for ntopng tests and benchmarks (benchmarking addresses only:
/// 198.18.0.0/15, 2001:db8::/32, 02:... MACs).
#[derive(Debug, Parser)]
#[command(name = "pcapgen", version)]
struct Cli {
    #[arg(value_enum)]
    scenario: Scenario,
    /// Output file ("-" for standard output); a directory for `all`.
    #[arg(short, long)]
    output: PathBuf,
    /// pcap: classic, microsecond, Ethernet only; pcapng: one interface per link type.
    #[arg(long, value_enum, default_value = "pcap")]
    format: Format,
    /// Also write the JSON description of the capture (expected flows, hosts...) here.
    #[arg(long)]
    describe: Option<PathBuf>,
    /// Number of flows (flow-cap: 100000, mix: 10000, long-flows: 8).
    #[arg(long)]
    flows: Option<u64>,
    /// Packets per flow (flow-cap: 2, mix: 10, long-flows: 10000).
    #[arg(long)]
    packets_per_flow: Option<u32>,
    /// Frame size of data packets: N, MIN-MAX, or imix.
    #[arg(long, default_value = "imix", value_parser = SizeDist::parse)]
    size: SizeDist,
    /// Protocol weights of new flows.
    #[arg(long, default_value = "tcp=70,udp=25,icmp=5", value_parser = ProtoMix::parse)]
    protos: ProtoMix,
    /// Percentage of IPv6 flows (mix).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u8).range(0..=100))]
    ipv6: u8,
    /// Flows interleaved at a time (mix: 256; long-flows: all of them; 1 = one after another).
    #[arg(long)]
    concurrency: Option<u32>,
    /// Packet-time gap between consecutive packets, microseconds (mix, long-flows, flow-cap).
    #[arg(long)]
    gap_us: Option<f64>,
    /// Seed of the generator (mix, long-flows): same seed and options, same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Copies of each input capture (replicate).
    #[arg(long, default_value_t = 1)]
    copies: u32,
    /// Directory of input captures (replicate).
    #[arg(long)]
    from_dir: Option<PathBuf>,
    /// Local hosts (local-hosts).
    #[arg(long, default_value_t = 10_000)]
    hosts: u32,
    /// Packet time covered, seconds (local-hosts).
    #[arg(long, default_value_t = 3600)]
    span: u64,
    /// Seconds between two exchanges of a host (local-hosts).
    #[arg(long, default_value_t = 60)]
    interval: u64,
    /// Timestamp of the first packet, Unix seconds (mix, long-flows, replicate).
    #[arg(long)]
    start: Option<u64>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pcapgen: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the output as a record sink of the requested format.
fn open_sink(path: &Path, format: Format) -> io::Result<Box<dyn RecordSink>> {
    let out: Box<dyn Write> = if path == Path::new("-") {
        Box::new(BufWriter::with_capacity(1 << 20, io::stdout().lock()))
    } else {
        let f = File::create(path)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display())))?;
        Box::new(BufWriter::with_capacity(1 << 20, f))
    };
    Ok(match format {
        Format::Pcap => Box::new(PcapWriter::new(out, LINKTYPE_ETHERNET)?),
        Format::Pcapng => Box::new(PcapNgWriter::new(out)?),
    })
}

/// Summary lines go to stdout, or to stderr when the capture itself goes to stdout.
fn say(cli: &Cli, line: &str) {
    if cli.output == Path::new("-") {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
}

fn gap_ns(cli: &Cli, default_ns: u64) -> u64 {
    cli.gap_us.map(|us| (us * 1000.0).round() as u64).unwrap_or(default_ns)
}

fn mix_params(cli: &Cli, long: bool) -> MixParams {
    let base = if long {
        MixParams::long_flows(cli.flows.unwrap_or(8), cli.packets_per_flow.unwrap_or(10_000), cli.seed)
    } else {
        MixParams::default()
    };
    let flows = cli.flows.unwrap_or(base.flows);
    MixParams {
        seed: cli.seed,
        flows,
        packets_per_flow: cli.packets_per_flow.unwrap_or(base.packets_per_flow),
        size: cli.size,
        proto: if long { base.proto } else { cli.protos },
        ipv6_percent: if long { base.ipv6_percent } else { cli.ipv6 },
        concurrency: cli.concurrency.unwrap_or(if long { flows.max(1) as u32 } else { base.concurrency }),
        gap_ns: gap_ns(cli, base.gap_ns),
        start_ts_ns: cli.start.map(|s| s * SEC).unwrap_or(base.start_ts_ns),
        keep_flows: cli.describe.is_some(),
    }
}

/// Runs one scenario (not `replicate`/`all`) into `sink`.
fn generate(cli: &Cli, which: Scenario, sink: &mut dyn RecordSink) -> io::Result<Description> {
    match which {
        Scenario::Vlan => scenarios::vlan(sink),
        Scenario::Ipv6Ext => scenarios::ipv6_ext(sink),
        Scenario::Fragments => scenarios::fragments(sink),
        Scenario::Truncated => scenarios::truncated(sink),
        Scenario::Handshake => scenarios::handshake(sink),
        Scenario::Idle => scenarios::idle(sink),
        Scenario::Sample => scenarios::sample(sink),
        Scenario::FlowCap => scenarios::flow_cap(
            sink,
            FlowCapParams {
                flows: cli.flows.unwrap_or(100_000),
                packets_per_flow: cli.packets_per_flow.unwrap_or(2),
                gap_ns: gap_ns(cli, FlowCapParams::default().gap_ns),
                keep_flows: cli.describe.is_some(),
            },
        ),
        Scenario::LocalHosts => scenarios::local_hosts(
            sink,
            LocalHostsParams {
                hosts: cli.hosts,
                span_s: cli.span,
                interval_s: cli.interval,
                keep_flows: cli.describe.is_some(),
            },
        ),
        Scenario::Mix => mix(sink, &mix_params(cli, false)),
        Scenario::LongFlows => long_flows(sink, &mix_params(cli, true)),
        Scenario::Replicate | Scenario::All | Scenario::HostAttacks => unreachable!("handled by run"),
    }
}

fn write_json(path: &Path, json: &str) -> io::Result<()> {
    std::fs::write(path, json).map_err(|e| io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display())))
}

fn summary(d: &Description) -> String {
    // Hosts are only summed when per-flow expectations were kept (small scenarios, --describe).
    let hosts =
        if d.flows.is_empty() && d.flow_count > 0 { String::new() } else { format!(", {} hosts", d.hosts.len()) };
    format!(
        "{} packets, {} flows, {} bytes on the wire ({} captured){hosts}, {} packets outside flows",
        d.records, d.flow_count, d.wire_bytes, d.captured_bytes, d.non_flow_packets
    )
}

fn run(cli: &Cli) -> io::Result<()> {
    let started = Instant::now();
    match cli.scenario {
        Scenario::All => {
            std::fs::create_dir_all(&cli.output)?;
            let ext = if cli.format == Format::Pcap { "pcap" } else { "pcapng" };
            for (which, name) in [
                (Scenario::Vlan, "vlan"),
                (Scenario::Ipv6Ext, "ipv6_ext"),
                (Scenario::Fragments, "fragments"),
                (Scenario::Truncated, "truncated"),
                (Scenario::Handshake, "handshake"),
                (Scenario::Idle, "idle"),
                (Scenario::Sample, "sample"),
            ] {
                let path = cli.output.join(format!("{name}.{ext}"));
                let mut sink = open_sink(&path, cli.format)?;
                let d = generate(cli, which, sink.as_mut())?;
                write_json(&cli.output.join(format!("{name}.json")), &d.to_json())?;
                say(cli, &format!("wrote {}: {}", path.display(), summary(&d)));
            }
        }
        Scenario::HostAttacks => {
            let mut sink = open_sink(&cli.output, cli.format)?;
            let a = scenarios::host_attacks(sink.as_mut(), &scenarios::HostAttackParams::default())?;
            drop(sink);
            say(cli, &format!("wrote {}: {} packets; SYN scan by {} on {}, SYN flood by {} on {}, flow flood by {} (local network {})",
                cli.output.display(), a.packets, a.scanner, a.scan_target, a.flooder, a.flood_victim, a.udp_flooder,
                scenarios::HostAttacks::LOCAL_NET));
        }
        Scenario::Replicate => {
            let dir = cli
                .from_dir
                .as_ref()
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "replicate needs --from-dir DIR"))?;
            let mut params = ReplicateParams::new(dir, cli.copies);
            if let Some(s) = cli.start {
                params.start_ts_ns = s * SEC;
            }
            let mut sink = open_sink(&cli.output, cli.format)?;
            let r = replicate(&params, sink.as_mut())?;
            drop(sink);
            if let Some(p) = &cli.describe {
                write_json(p, &serde_json::to_string_pretty(&r).expect("serialisable"))?;
            }
            for (name, why) in &r.unreadable {
                say(cli, &format!("skipped {name}: {why}"));
            }
            if !r.skipped_linktype.is_empty() {
                say(
                    cli,
                    &format!(
                        "frames skipped by link type (use --format pcapng to keep non-Ethernet ones): {:?}",
                        r.skipped_linktype
                    ),
                );
            }
            say(
                cli,
                &format!(
                    "wrote {}: {} files x {} copies, {} packets ({} read), {} bytes on the wire, {} IPv4 / {} IPv6 headers rewritten",
                    cli.output.display(),
                    r.files.len(),
                    r.copies,
                    r.frames_written,
                    r.frames_read,
                    r.bytes_written,
                    r.rewritten.ipv4_headers,
                    r.rewritten.ipv6_headers
                ),
            );
            if r.ipv4_mappings > ntopng_bench::gen::addr::V4_POOL as u64 {
                say(
                    cli,
                    &format!(
                        "warning: {} IPv4 addresses mapped into a /15 of 131072: copies share addresses",
                        r.ipv4_mappings
                    ),
                );
            }
        }
        which => {
            let mut sink = open_sink(&cli.output, cli.format)?;
            let d = generate(cli, which, sink.as_mut())?;
            drop(sink);
            if let Some(p) = &cli.describe {
                write_json(p, &d.to_json())?;
            }
            say(cli, &format!("wrote {}: {}", cli.output.display(), summary(&d)));
        }
    }
    say(cli, &format!("done in {:.2} s", started.elapsed().as_secs_f64()));
    Ok(())
}
