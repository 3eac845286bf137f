//! ntopng's `flows` table as ClickHouse DDL, in the oldest syntax the Debian server (18.16) accepts.
//!
//! Column names, order and integer widths are ntopng's (`db_schema_clickhouse.sql`). Deviations, because
//! 18.16 does not have the types: `IPV6_SRC_ADDR`/`IPV6_DST_ADDR` are `String` holding the canonical text
//! (`::` for IPv4 flows, as the SQLite store keeps them) instead of `IPv6`; nothing uses `LowCardinality`
//! (experimental there). The engine clause is ntopng's: `MergeTree`, partitioned by day of `FIRST_SEEN`,
//! ordered by `(IPV4_SRC_ADDR, IPV4_DST_ADDR, FIRST_SEEN)`.

use crate::schema::{Kind, COLUMNS, TABLE};

const UINT64: &[&str] =
    &["FLOW_ID", "TOTAL_BYTES", "SRC2DST_BYTES", "DST2SRC_BYTES", "FLOW_RISK", "SRC_MAC", "DST_MAC", "WTP_MAC_ADDRESS"];
const UINT16: &[&str] = &[
    "VLAN_ID",
    "IP_SRC_PORT",
    "IP_DST_PORT",
    "L7_PROTO",
    "L7_PROTO_MASTER",
    "L7_CATEGORY",
    "INTERFACE_ID",
    "SRC_COUNTRY_CODE",
    "DST_COUNTRY_CODE",
    "OBSERVATION_POINT_ID",
    "SCORE",
    "SRC_NETWORK_ID",
    "DST_NETWORK_ID",
    "SRC_HOST_POOL_ID",
    "DST_HOST_POOL_ID",
];
const UINT8: &[&str] = &[
    "IP_PROTOCOL_VERSION",
    "PROTOCOL",
    "SRC2DST_DSCP",
    "DST2SRC_DSCP",
    "STATUS",
    "SRC2DST_TCP_FLAGS",
    "DST2SRC_TCP_FLAGS",
    "CLIENT_LOCATION",
    "SERVER_LOCATION",
    "SEVERITY",
    "IS_CLI_ATTACKER",
    "IS_CLI_VICTIM",
    "IS_CLI_BLACKLISTED",
    "IS_SRV_ATTACKER",
    "IS_SRV_VICTIM",
    "IS_SRV_BLACKLISTED",
    "ALERT_STATUS",
    "IS_ALERT_DELETED",
    "ALERT_CATEGORY",
    "MINOR_CONNECTION_STATE",
    "MAJOR_CONNECTION_STATE",
];

/// The ClickHouse type of a `flows` column. Integers not listed above are ntopng's `UInt32`.
pub fn column_type(name: &str, kind: Kind) -> &'static str {
    match kind {
        Kind::DateTime => "DateTime",
        Kind::Ipv4 => "UInt32",
        Kind::Ipv6 | Kind::Text => "String",
        Kind::Int if UINT64.contains(&name) => "UInt64",
        Kind::Int if UINT16.contains(&name) => "UInt16",
        Kind::Int if UINT8.contains(&name) => "UInt8",
        Kind::Int => "UInt32",
    }
}

/// `CREATE DATABASE` and `CREATE TABLE` of the flow table in `db` (a name [`super::spec`] checked).
pub fn create_statements(db: &str) -> Vec<String> {
    let cols: Vec<String> = COLUMNS
        .iter()
        .map(|c| match c.kind {
            // Same defaults as the SQLite table, so columns this build does not fill read the same.
            Kind::Ipv6 => format!("{} String DEFAULT '::'", c.name),
            k => format!("{} {}", c.name, column_type(c.name, k)),
        })
        .collect();
    vec![
        format!("CREATE DATABASE IF NOT EXISTS {db}"),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.{TABLE} ({}) ENGINE = MergeTree() PARTITION BY toYYYYMMDD(FIRST_SEEN) \
             ORDER BY (IPV4_SRC_ADDR, IPV4_DST_ADDR, FIRST_SEEN)",
            cols.join(", ")
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ntopngs_widths() {
        assert_eq!(column_type("FLOW_ID", Kind::Int), "UInt64");
        assert_eq!(column_type("PACKETS", Kind::Int), "UInt32");
        assert_eq!(column_type("L7_PROTO", Kind::Int), "UInt16");
        assert_eq!(column_type("PROTOCOL", Kind::Int), "UInt8");
        let ddl = create_statements("ntopng");
        assert!(ddl[1].contains("IPV6_SRC_ADDR String DEFAULT '::'") && ddl[1].contains("FIRST_SEEN DateTime"));
        for name in UINT64.iter().chain(UINT16).chain(UINT8) {
            assert!(crate::schema::column(name).is_some(), "{name}");
        }
    }
}
