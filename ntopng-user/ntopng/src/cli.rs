//! ntopng's command line, so operators' habits and config files carry over.

use clap::{ArgAction, Parser};
use std::path::PathBuf;

/// ntopng-compatible network traffic monitor.
#[derive(Parser, Debug, Clone)]
#[command(name = "ntopng", version, about, disable_version_flag = true)]
pub struct Cli {
    /// Interface name or capture file (pcap/pcapng; `-` for stdin). Repeatable.
    #[arg(short = 'i', long = "interface", value_name = "IFACE|FILE", action = ArgAction::Append)]
    pub interfaces: Vec<String>,

    /// Local networks: comma-separated CIDRs (each optionally `=alias`) or a file. Repeatable.
    #[arg(short = 'm', long = "local-networks", value_name = "NETS", action = ArgAction::Append)]
    pub local_networks: Vec<String>,

    /// HTTP port: `port`, `:port` (loopback) or `addr:port`; 0 disables.
    #[arg(short = 'w', long = "http-port", default_value = "3000")]
    pub http_port: String,

    /// HTTPS port (0 = disabled); served with the certificate <data dir>/ssl/ntopng-cert.pem or
    /// <httpdocs>/ssl/ntopng-cert.pem (certificate and key in one PEM).
    #[arg(short = 'W', long = "https-port", default_value = "0")]
    pub https_port: String,

    /// Data directory.
    #[arg(short = 'd', long = "data-dir", default_value = "/var/lib/ntopng")]
    pub data_dir: PathBuf,

    /// Redis: `[host[:port[:password]]][@db]`. Without it the embedded store is used.
    #[arg(short = 'r', long = "redis")]
    pub redis: Option<String>,

    /// Max hosts per interface (at least 1024, as ntopng).
    #[arg(short = 'x', long = "max-num-hosts", default_value_t = 131072)]
    pub max_hosts: usize,

    /// Max flows per interface (at least 1024, as ntopng); new flows past it are counted and dropped.
    #[arg(short = 'X', long = "max-num-flows", default_value_t = 131072)]
    pub max_flows: usize,

    /// BPF filter applied to every interface.
    #[arg(short = 'B', long = "packet-filter")]
    pub packet_filter: Option<String>,

    /// Cores to pin capture workers to, comma separated.
    #[arg(short = 'g', long = "core-affinity", value_delimiter = ',')]
    pub core_affinity: Vec<usize>,

    /// IP blacklist for the blacklisted-peer flow checks: one IP address or CIDR per line (`#`
    /// comments). Not an ntopng option (ntopng loads its blacklists as category lists).
    #[arg(long = "blacklist-file", value_name = "FILE")]
    pub blacklist_file: Option<PathBuf>,

    /// nDPI custom protocols file (companion categories/risky-domain/JA3/SHA1 files beside it are loaded too).
    #[arg(short = 'p', long = "ndpi-protocols")]
    pub ndpi_protocols: Option<PathBuf>,

    /// Flow export: `jsonl;/path/flows.jsonl`, `sqlite[;<dir>]` (the flow database, in the data dir
    /// unless a directory is given; queried by /lua/pro/rest/v2/get/db/flows.lua), or
    /// `clickhouse[;<host>[@<http port>];<db>;<user>;<password>]` (the flow database in a ClickHouse
    /// server; default 127.0.0.1@8123, db ntopng, user default, no password). Repeatable.
    #[arg(short = 'F', long = "dump-flows", action = ArgAction::Append)]
    pub dump_flows: Vec<String>,

    /// Alert notification endpoint, besides those stored with ntopng's keys: `syslog;<host>[:<port>][;udp|tcp]
    /// [;json|plaintext|plaintextrfc]` or `webhook;<http://host[:port]/path>[;<shared secret>[;<user>:<password>]]`.
    /// Repeatable (doc/notifications.md).
    #[arg(long = "alert-endpoint", value_name = "SPEC", action = ArgAction::Append)]
    pub alert_endpoints: Vec<String>,

    /// Exit once every capture file has been read (ends all flows into the sinks first).
    #[arg(long = "shutdown-when-done")]
    pub shutdown_when_done: bool,

    /// Purge idle flows and hosts while reading capture files (packet time).
    #[arg(long = "pcap-file-purge-flows")]
    pub pcap_file_purge_flows: bool,

    /// Installation directory holding `scripts/` and `httpdocs/` (default: the checkout the binary was built
    /// in, else /usr/share/ntopng).
    #[arg(short = 't', long = "install-dir")]
    pub install_dir: Option<PathBuf>,

    /// Web document root (default `<install dir>/httpdocs`).
    #[arg(short = '1', long = "httpdocs-dir")]
    pub httpdocs_dir: Option<PathBuf>,

    /// Lua scripts root (default `<install dir>/scripts`).
    #[arg(short = '2', long = "scripts-dir")]
    pub scripts_dir: Option<PathBuf>,

    /// Shell command run once the web server is up, before capture files are read.
    #[arg(long = "test-script-pre", value_name = "CMD")]
    pub test_script_pre: Option<String>,

    /// Shell command run when every capture file has been read, against the final state
    /// (with --shutdown-when-done).
    #[arg(long = "test-script", value_name = "CMD")]
    pub test_script: Option<String>,

    /// Shell command run after the interfaces are shut down (with --shutdown-when-done).
    #[arg(long = "test-script-post", value_name = "CMD")]
    pub test_script_post: Option<String>,

    /// Disable web login: `1` for everybody, `0` for requests from 127.0.0.1.
    #[arg(short = 'l', long = "disable-login", num_args = 0..=1, default_missing_value = "1",
          value_parser = clap::builder::PossibleValuesParser::new(["0", "1"]))]
    pub disable_login: Option<String>,

    /// Worker threads per interface (default: one per available core).
    #[arg(long = "workers")]
    pub workers: Option<usize>,

    /// Key flows on VLAN 0 whatever the tags.
    #[arg(long = "ignore-vlans")]
    pub ignore_vlans: bool,

    /// Do not look inside GTP-U/TZSP/CAPWAP tunnels.
    #[arg(long = "no-tunnel-decoding")]
    pub no_tunnel_decoding: bool,

    /// Turn nDPI off (flows are accounted but not classified; for benchmarks).
    #[arg(long = "no-dpi")]
    pub no_dpi: bool,

    /// Live capture path: `auto` (XDP + AF_XDP, falling back to AF_PACKET), `xdp` or `afpacket`.
    #[arg(long = "capture-mode", default_value = "auto", value_parser = ["auto", "xdp", "afpacket"])]
    pub capture_mode: String,

    /// Keep every packet of classified flows in user space (no in-kernel bypass).
    #[arg(long = "no-bypass")]
    pub no_bypass: bool,

    /// XDP sampling: only 1 packet in N reaches user space (the kernel counts the rest).
    #[arg(long = "sampling-rate", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub sampling_rate: u32,

    /// Do not put live interfaces in promiscuous mode.
    #[arg(short = 'u', long = "no-promisc")]
    pub no_promisc: bool,

    /// Do not drop privileges (accepted for compatibility: this build does not change user).
    #[arg(short = 's', long = "dont-change-user")]
    pub dont_change_user: bool,

    /// PID file.
    #[arg(short = 'G', long = "pid")]
    pub pid_file: Option<PathBuf>,

    /// Instance name.
    #[arg(short = 'N', long = "instance-name")]
    pub instance_name: Option<String>,

    /// Verbosity 0 (errors) .. 6 (debug).
    #[arg(short = 'v', long = "verbose", default_value_t = 2)]
    pub verbose: u8,

    /// Print the version and exit.
    #[arg(short = 'V', long = "version", action = ArgAction::Version)]
    pub version: Option<bool>,
}
