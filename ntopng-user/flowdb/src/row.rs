//! One ended flow as a row of the `flows` table (the columns this build can fill).

use ntopng_engine::sink::FlowRecord;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The filled columns of a `flows` row; every other column keeps its default (0 or "").
/// Serialisable: rows that wait in the spool file are written as JSON lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowRow {
    pub flow_id: u64,
    pub ip_version: u8,
    pub first_seen: i64,
    pub last_seen: i64,
    pub vlan_id: u16,
    pub src2dst_packets: u64,
    pub dst2src_packets: u64,
    pub src2dst_bytes: u64,
    pub dst2src_bytes: u64,
    pub src2dst_dscp: u8,
    pub dst2src_dscp: u8,
    pub protocol: u8,
    /// 0 for IPv6 flows.
    pub ipv4_src: u32,
    pub ipv4_dst: u32,
    /// `::` for IPv4 flows.
    pub ipv6_src: String,
    pub ipv6_dst: String,
    pub src_port: u16,
    pub dst_port: u16,
    /// The protocol the flow counts under (nDPI app protocol, else master), as ntopng's `L7_PROTO`.
    pub l7_proto: u16,
    pub l7_proto_master: u16,
    pub l7_category: u32,
    pub flow_risk: u64,
    /// SNI, HTTP Host or DNS query name when nDPI found one.
    pub info: String,
    pub interface_id: u16,
    pub src_mac: u64,
    pub dst_mac: u64,
    pub src2dst_tcp_flags: u8,
    pub dst2src_tcp_flags: u8,
}

/// The columns an insert names, in the order of [`FlowRow::values`].
pub const INSERT_COLUMNS: &[&str] = &[
    "FLOW_ID",
    "IP_PROTOCOL_VERSION",
    "FIRST_SEEN",
    "LAST_SEEN",
    "VLAN_ID",
    "PACKETS",
    "TOTAL_BYTES",
    "SRC2DST_BYTES",
    "DST2SRC_BYTES",
    "SRC2DST_PACKETS",
    "DST2SRC_PACKETS",
    "SRC2DST_DSCP",
    "DST2SRC_DSCP",
    "PROTOCOL",
    "IPV4_SRC_ADDR",
    "IPV4_DST_ADDR",
    "IPV6_SRC_ADDR",
    "IPV6_DST_ADDR",
    "IP_SRC_PORT",
    "IP_DST_PORT",
    "L7_PROTO",
    "L7_PROTO_MASTER",
    "L7_CATEGORY",
    "FLOW_RISK",
    "INFO",
    "INTERFACE_ID",
    "SRC_MAC",
    "DST_MAC",
    "SRC2DST_TCP_FLAGS",
    "DST2SRC_TCP_FLAGS",
];

fn mac_u64(m: &[u8; 6]) -> u64 {
    m.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64)
}

fn split(ip: IpAddr) -> (u32, String) {
    match ip {
        IpAddr::V4(v4) => (u32::from(v4), "::".to_string()),
        IpAddr::V6(v6) => (0, v6.to_string()),
    }
}

impl FlowRow {
    /// The row of an ended flow seen on interface `ifid`.
    pub fn from_record(f: &FlowRecord, ifid: u16) -> FlowRow {
        let c = f.classification.clone().unwrap_or_default();
        let (ipv4_src, ipv6_src) = split(f.client.0.to_ip());
        let (ipv4_dst, ipv6_dst) = split(f.server.0.to_ip());
        FlowRow {
            flow_id: f.hash_id,
            ip_version: f.ip_version,
            first_seen: (f.first_seen_ns / 1_000_000_000) as i64,
            last_seen: (f.last_seen_ns / 1_000_000_000) as i64,
            vlan_id: f.vlan,
            src2dst_packets: f.cli2srv.packets,
            dst2src_packets: f.srv2cli.packets,
            src2dst_bytes: f.cli2srv.bytes,
            dst2src_bytes: f.srv2cli.bytes,
            src2dst_dscp: f.cli2srv_dscp,
            dst2src_dscp: f.srv2cli_dscp,
            protocol: f.l4_proto,
            ipv4_src,
            ipv4_dst,
            ipv6_src,
            ipv6_dst,
            src_port: f.client.1,
            dst_port: f.server.1,
            l7_proto: c.counted_protocol(),
            l7_proto_master: c.master_protocol,
            l7_category: c.category,
            flow_risk: c.risk,
            info: c.host_name().unwrap_or("").to_string(),
            interface_id: ifid,
            src_mac: mac_u64(&f.cli_mac),
            dst_mac: mac_u64(&f.srv_mac),
            src2dst_tcp_flags: f.cli2srv_flags,
            dst2src_tcp_flags: f.srv2cli_flags,
        }
    }

    /// The values of [`INSERT_COLUMNS`]. SQLite integers are signed 64-bit: the u64 columns here stay
    /// below 2^63 (hash ids below 2^53, 48-bit MACs, nDPI risk bits below 64 are stored as their bit pattern).
    pub fn values(&self) -> [rusqlite::types::Value; 30] {
        use rusqlite::types::Value::{Integer as I, Text as T};
        [
            I(self.flow_id as i64),
            I(self.ip_version as i64),
            I(self.first_seen),
            I(self.last_seen),
            I(self.vlan_id as i64),
            I((self.src2dst_packets + self.dst2src_packets) as i64),
            I((self.src2dst_bytes + self.dst2src_bytes) as i64),
            I(self.src2dst_bytes as i64),
            I(self.dst2src_bytes as i64),
            I(self.src2dst_packets as i64),
            I(self.dst2src_packets as i64),
            I(self.src2dst_dscp as i64),
            I(self.dst2src_dscp as i64),
            I(self.protocol as i64),
            I(self.ipv4_src as i64),
            I(self.ipv4_dst as i64),
            T(self.ipv6_src.clone()),
            T(self.ipv6_dst.clone()),
            I(self.src_port as i64),
            I(self.dst_port as i64),
            I(self.l7_proto as i64),
            I(self.l7_proto_master as i64),
            I(self.l7_category as i64),
            I(self.flow_risk as i64),
            T(self.info.clone()),
            I(self.interface_id as i64),
            I(self.src_mac as i64),
            I(self.dst_mac as i64),
            I(self.src2dst_tcp_flags as i64),
            I(self.dst2src_tcp_flags as i64),
        ]
    }
}
