//! ntopng's `flows` table (its ClickHouse schema, `db_schema_clickhouse.sql`), as SQLite columns. Names
//! are ntopng's; the queries (see [`crate::query`]) may name nothing else.

/// How a column's values are stored and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Unsigned integers of every width (SQLite INTEGER).
    Int,
    /// IPv4 address as its number (UInt32, as ClickHouse stores it); shown dotted.
    Ipv4,
    /// IPv6 address as its canonical text (`::` when the flow is IPv4).
    Ipv6,
    /// Unix seconds (ClickHouse DateTime); shown as the number.
    DateTime,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
}

const fn c(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

use Kind::*;

/// Every column of ntopng's `flows` table, in its order.
pub const COLUMNS: &[Column] = &[
    c("FLOW_ID", Int),
    c("IP_PROTOCOL_VERSION", Int),
    c("FIRST_SEEN", DateTime),
    c("LAST_SEEN", DateTime),
    c("VLAN_ID", Int),
    c("PACKETS", Int),
    c("TOTAL_BYTES", Int),
    c("SRC2DST_BYTES", Int),
    c("DST2SRC_BYTES", Int),
    c("SRC2DST_DSCP", Int),
    c("DST2SRC_DSCP", Int),
    c("PROTOCOL", Int),
    c("IPV4_SRC_ADDR", Ipv4),
    c("IPV6_SRC_ADDR", Ipv6),
    c("IP_SRC_PORT", Int),
    c("IPV4_DST_ADDR", Ipv4),
    c("IPV6_DST_ADDR", Ipv6),
    c("IP_DST_PORT", Int),
    c("L7_PROTO", Int),
    c("L7_PROTO_MASTER", Int),
    c("L7_CATEGORY", Int),
    c("FLOW_RISK", Int),
    c("INFO", Text),
    c("PROFILE", Text),
    c("NTOPNG_INSTANCE_NAME", Text),
    c("INTERFACE_ID", Int),
    c("STATUS", Int),
    c("SRC_COUNTRY_CODE", Int),
    c("DST_COUNTRY_CODE", Int),
    c("SRC_LABEL", Text),
    c("DST_LABEL", Text),
    c("SRC_MAC", Int),
    c("DST_MAC", Int),
    c("COMMUNITY_ID", Text),
    c("SRC_ASN", Int),
    c("DST_ASN", Int),
    c("PROBE_IP", Ipv4),
    c("OBSERVATION_POINT_ID", Int),
    c("SRC2DST_TCP_FLAGS", Int),
    c("DST2SRC_TCP_FLAGS", Int),
    c("SCORE", Int),
    c("CLIENT_NW_LATENCY_US", Int),
    c("SERVER_NW_LATENCY_US", Int),
    c("CLIENT_LOCATION", Int),
    c("SERVER_LOCATION", Int),
    c("SRC_NETWORK_ID", Int),
    c("DST_NETWORK_ID", Int),
    c("INPUT_SNMP", Int),
    c("OUTPUT_SNMP", Int),
    c("SRC_HOST_POOL_ID", Int),
    c("DST_HOST_POOL_ID", Int),
    c("SRC_PROC_NAME", Text),
    c("DST_PROC_NAME", Text),
    c("SRC_PROC_USER_NAME", Text),
    c("DST_PROC_USER_NAME", Text),
    c("ALERTS_MAP", Text),
    c("SEVERITY", Int),
    c("IS_CLI_ATTACKER", Int),
    c("IS_CLI_VICTIM", Int),
    c("IS_CLI_BLACKLISTED", Int),
    c("IS_SRV_ATTACKER", Int),
    c("IS_SRV_VICTIM", Int),
    c("IS_SRV_BLACKLISTED", Int),
    c("ALERT_STATUS", Int),
    c("USER_LABEL", Text),
    c("USER_LABEL_TSTAMP", DateTime),
    c("ALERT_JSON", Text),
    c("IS_ALERT_DELETED", Int),
    c("ALERT_CATEGORY", Int),
    c("SRC2DST_PACKETS", Int),
    c("DST2SRC_PACKETS", Int),
    c("PRE_NAT_IPV4_SRC_ADDR", Ipv4),
    c("PRE_NAT_SRC_PORT", Int),
    c("PRE_NAT_IPV4_DST_ADDR", Ipv4),
    c("PRE_NAT_DST_PORT", Int),
    c("POST_NAT_IPV4_SRC_ADDR", Ipv4),
    c("POST_NAT_SRC_PORT", Int),
    c("POST_NAT_IPV4_DST_ADDR", Ipv4),
    c("POST_NAT_DST_PORT", Int),
    c("WLAN_SSID", Text),
    c("WTP_MAC_ADDRESS", Int),
    c("MINOR_CONNECTION_STATE", Int),
    c("MAJOR_CONNECTION_STATE", Int),
];

/// The table queries read. Nothing else in the database is reachable from a query.
pub const TABLE: &str = "flows";

/// The column named `name` (case-insensitive, as users type them).
pub fn column(name: &str) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.name.eq_ignore_ascii_case(name))
}

/// `CREATE TABLE` and indexes of the flow table, and the store's own bookkeeping table.
pub fn create_statements() -> String {
    let cols: Vec<String> = COLUMNS
        .iter()
        .map(|c| match c.kind {
            Int | Ipv4 | DateTime => format!("{} INTEGER NOT NULL DEFAULT 0", c.name),
            Ipv6 => format!("{} TEXT NOT NULL DEFAULT '::'", c.name),
            Text => format!("{} TEXT NOT NULL DEFAULT ''", c.name),
        })
        .collect();
    format!(
        "CREATE TABLE IF NOT EXISTS {TABLE} ({});\n\
         CREATE INDEX IF NOT EXISTS flows_by_time ON {TABLE} (INTERFACE_ID, FIRST_SEEN);\n\
         CREATE TABLE IF NOT EXISTS flowdb_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);",
        cols.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_ntopngs() {
        let mut names: Vec<_> = COLUMNS.iter().map(|c| c.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), COLUMNS.len());
        // history.md §3.2 lists 83 columns.
        assert_eq!(COLUMNS.len(), 83);
        assert_eq!(column("ipv4_src_addr").unwrap().kind, Kind::Ipv4);
        assert!(column("sqlite_master").is_none());
    }
}
