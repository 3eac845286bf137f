//! `-F jsonl;<path>`: each ended flow as one JSON object per line, shaped like a flow of
//! ntopng's `/lua/rest/v2/get/flow/active.lua` answer (see doc/flow-dump.md).

use super::{FlowRecord, FlowSink};
use ndpi::ProtocolNames;
use ntopng_wire::ipproto;
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

pub struct JsonlSink {
    name: String,
    out: BufWriter<File>,
}

impl JsonlSink {
    pub fn create(path: &Path) -> std::io::Result<JsonlSink> {
        let f = File::create(path)?;
        Ok(JsonlSink { name: format!("jsonl;{}", path.display()), out: BufWriter::with_capacity(1 << 20, f) })
    }
}

#[derive(Serialize)]
struct Endpoint {
    ip: String,
    port: u16,
    mac: String,
}

#[derive(Serialize)]
struct Protocol<'a> {
    l4: &'static str,
    l4_id: u8,
    l7: String,
    l7_master_id: u16,
    l7_app_id: u16,
    l7_master: &'a str,
    l7_app: &'a str,
    category: &'a str,
    category_id: u32,
    breed: &'a str,
    confidence: &'a str,
    confidence_id: u8,
}

#[derive(Serialize)]
struct Dir {
    packets: u64,
    bytes: u64,
    tcp_flags: u8,
    /// DSCP of the direction's latest packet.
    dscp: u8,
    retransmissions: u64,
    out_of_order: u64,
    lost: u64,
    keep_alive: u64,
}

impl Dir {
    fn of(c: &crate::flow::Counters, tcp_flags: u8, dscp: u8, t: &crate::tcp_seq::TcpStats) -> Dir {
        Dir {
            packets: c.packets,
            bytes: c.bytes,
            tcp_flags,
            dscp,
            retransmissions: t.retransmissions,
            out_of_order: t.out_of_order,
            lost: t.lost,
            keep_alive: t.keep_alive,
        }
    }
}

#[derive(Serialize)]
struct Line<'a> {
    key: u32,
    hash_id: u64,
    client: Endpoint,
    server: Endpoint,
    vlan: u16,
    ip_version: u8,
    protocol: Protocol<'a>,
    cli2srv: Dir,
    srv2cli: Dir,
    bytes: u64,
    packets: u64,
    first_seen: u64,
    last_seen: u64,
    first_seen_usec: u64,
    last_seen_usec: u64,
    duration: u64,
    host_name: Option<&'a str>,
    ja3_client: Option<&'a str>,
    ja3_server: Option<&'a str>,
    risk: u64,
    risk_names: Vec<String>,
    flow_swapped: bool,
    end_reason: Option<super::EndReason>,
}

pub fn mac_string(m: &[u8; 6]) -> String {
    format!("{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}", m[0], m[1], m[2], m[3], m[4], m[5])
}

impl FlowSink for JsonlSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn write(&mut self, f: &FlowRecord, names: Option<&ProtocolNames>) -> std::io::Result<()> {
        let c = f.classification.clone().unwrap_or_default();
        let (master, app) = (c.master_protocol, c.app_protocol);
        let proto_name = |id: u16| names.map(|n| n.protocol(id)).unwrap_or("Unknown");
        let counted = c.counted_protocol();
        let protocol = Protocol {
            l4: ipproto::name(f.l4_proto),
            l4_id: f.l4_proto,
            l7: names.map(|n| n.l7_name(&c)).unwrap_or_else(|| "Unknown".into()),
            l7_master_id: master,
            l7_app_id: app,
            l7_master: proto_name(master),
            l7_app: proto_name(app),
            category: names.map(|n| n.category(c.category)).unwrap_or("Unspecified"),
            category_id: c.category,
            breed: names.map(|n| n.breed(counted)).unwrap_or("Unrated"),
            confidence: names.map(|n| n.confidence(c.confidence)).unwrap_or("Unknown"),
            confidence_id: c.confidence,
        };
        let risk_names = (0..64).filter(|b| c.risk & (1u64 << b) != 0).map(ndpi::risk_name).collect();
        let line = Line {
            key: f.ntopng_key,
            hash_id: f.hash_id,
            client: Endpoint { ip: f.client.0.to_string(), port: f.client.1, mac: mac_string(&f.cli_mac) },
            server: Endpoint { ip: f.server.0.to_string(), port: f.server.1, mac: mac_string(&f.srv_mac) },
            vlan: f.vlan,
            ip_version: f.ip_version,
            protocol,
            cli2srv: Dir::of(&f.cli2srv, f.cli2srv_flags, f.cli2srv_dscp, &f.cli2srv_tcp),
            srv2cli: Dir::of(&f.srv2cli, f.srv2cli_flags, f.srv2cli_dscp, &f.srv2cli_tcp),
            bytes: f.cli2srv.bytes + f.srv2cli.bytes,
            packets: f.cli2srv.packets + f.srv2cli.packets,
            first_seen: f.first_seen_ns / 1_000_000_000,
            last_seen: f.last_seen_ns / 1_000_000_000,
            first_seen_usec: f.first_seen_ns / 1_000,
            last_seen_usec: f.last_seen_ns / 1_000,
            duration: (f.last_seen_ns.saturating_sub(f.first_seen_ns)) / 1_000_000_000,
            host_name: c.host_name(),
            ja3_client: c.ja3_client(),
            ja3_server: c.ja3_server(),
            risk: c.risk,
            risk_names,
            flow_swapped: f.swapped,
            end_reason: f.end_reason,
        };
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
