//! The alert database layout: ntopng's tables and column names (checks.md §5), for the families this
//! monitor raises (flow and host), and the `all_alerts` view the counters read.

/// File of an interface's alert database, under the data directory (ntopng's path).
pub fn db_path(data_dir: &std::path::Path, ifid: i32) -> std::path::PathBuf {
    data_dir.join(ifid.to_string()).join("alerts").join("alert_store_v11.db")
}

/// The columns every alert table starts with (ntopng's common alert columns).
const COMMON_COLUMNS: &[&str] = &[
    "`rowid` INTEGER PRIMARY KEY AUTOINCREMENT",
    "`alert_id` INTEGER NOT NULL CHECK(`alert_id` >= 0)",
    "`alert_status` INTEGER NOT NULL DEFAULT 0",
    "`interface_id` INTEGER NULL",
    "`tstamp` DATETIME NOT NULL",
    "`tstamp_end` DATETIME DEFAULT 0",
    "`severity` INTEGER NOT NULL",
    "`score` INTEGER NOT NULL DEFAULT 0",
    "`counter` INTEGER NOT NULL DEFAULT 0",
    "`json` TEXT",
    "`user_label` TEXT",
    "`user_label_tstamp` DATETIME DEFAULT 0",
    "`alert_category` INTEGER NULL",
];

/// Columns of the periodic families (host, network) that flows have not.
const PERIODIC_COLUMNS: &[&str] = &["`granularity` INTEGER NOT NULL DEFAULT 0", "`description` TEXT"];

const FLOW_COLUMNS: &[&str] = &[
    "`ip_version` INTEGER NOT NULL DEFAULT 0",
    "`cli_ip` TEXT NOT NULL",
    "`srv_ip` TEXT NOT NULL",
    "`cli_port` INTEGER NOT NULL DEFAULT 0 CHECK(`cli_port` >= 0 AND `cli_port` <= 65535)",
    "`srv_port` INTEGER NOT NULL DEFAULT 0 CHECK(`srv_port` >= 0 AND `srv_port` <= 65535)",
    "`vlan_id` INTEGER NULL DEFAULT 0",
    "`is_cli_attacker` INTEGER NOT NULL DEFAULT 0",
    "`is_cli_victim` INTEGER NOT NULL DEFAULT 0",
    "`is_srv_attacker` INTEGER NOT NULL DEFAULT 0",
    "`is_srv_victim` INTEGER NOT NULL DEFAULT 0",
    "`proto` INTEGER NOT NULL DEFAULT 0",
    "`l7_proto` INTEGER NOT NULL DEFAULT 0",
    "`l7_master_proto` INTEGER NOT NULL DEFAULT 0",
    "`l7_cat` INTEGER NOT NULL DEFAULT 0",
    "`cli_name` TEXT NULL",
    "`srv_name` TEXT NULL",
    "`cli_country` TEXT NULL",
    "`srv_country` TEXT NULL",
    "`cli_blacklisted` INTEGER NOT NULL DEFAULT 0",
    "`srv_blacklisted` INTEGER NOT NULL DEFAULT 0",
    "`cli2srv_bytes` INTEGER NOT NULL DEFAULT 0",
    "`srv2cli_bytes` INTEGER NOT NULL DEFAULT 0",
    "`cli2srv_pkts` INTEGER NOT NULL DEFAULT 0",
    "`srv2cli_pkts` INTEGER NOT NULL DEFAULT 0",
    "`first_seen` DATETIME NOT NULL DEFAULT 0",
    "`community_id` TEXT NULL",
    "`alerts_map` BLOB DEFAULT 0",
    "`flow_risk_bitmap` INTEGER NOT NULL DEFAULT 0",
    "`output_snmp` INTEGER NULL",
    "`input_snmp` INTEGER NULL",
    "`probe_ip` TEXT NULL",
    "`cli_location` INTEGER NULL",
    "`srv_location` INTEGER NULL",
    "`info` TEXT NULL",
    "`cli_host_pool_id` INTEGER NULL",
    "`srv_host_pool_id` INTEGER NULL",
    "`cli_network` INTEGER NULL",
    "`srv_network` INTEGER NULL",
];

const HOST_COLUMNS: &[&str] = &[
    "`ip_version` INTEGER NOT NULL DEFAULT 0",
    "`ip` TEXT NOT NULL",
    "`vlan_id` INTEGER NULL DEFAULT 0",
    "`name` TEXT NULL",
    "`is_attacker` INTEGER NULL",
    "`is_victim` INTEGER NULL",
    "`is_client` INTEGER NULL",
    "`is_server` INTEGER NULL",
    "`host_pool_id` INTEGER NULL",
    "`network` INTEGER NULL",
    "`country` TEXT NULL",
];

const NETWORK_COLUMNS: &[&str] = &["`local_network_id` INTEGER NOT NULL", "`name` TEXT NULL", "`alias` TEXT NULL"];

/// Indexes every table has, and the flow table's own.
const COMMON_INDEXES: &[(&str, &str)] =
    &[("i_id", "`alert_id`"), ("i_status", "`alert_status`"), ("i_severity", "`severity`"), ("i_tstamp", "`tstamp`")];
const FLOW_INDEXES: &[(&str, &str)] =
    &[("i_vlan_cli", "`vlan_id`, `cli_ip`"), ("i_vlan_srv", "`vlan_id`, `srv_ip`"), ("i_risk", "`flow_risk_bitmap`")];

/// The tables (with their `entity_id` in the `all_alerts` view), in the view's order.
const TABLES: &[(&str, u8, &[&[&str]], &[(&str, &str)])] = &[
    ("flow_alerts", 4, &[COMMON_COLUMNS, FLOW_COLUMNS], FLOW_INDEXES),
    ("host_alerts", 1, &[COMMON_COLUMNS, PERIODIC_COLUMNS, HOST_COLUMNS], &[]),
    ("network_alerts", 2, &[COMMON_COLUMNS, PERIODIC_COLUMNS, NETWORK_COLUMNS], &[]),
];

/// The SQL that creates (or keeps) the tables and indexes, and recreates the `all_alerts` view.
pub fn schema() -> String {
    let mut sql = String::new();
    let mut view = Vec::new();
    for (table, entity_id, parts, indexes) in TABLES {
        let columns: Vec<&str> = parts.iter().flat_map(|p| p.iter().copied()).collect();
        sql += &format!("CREATE TABLE IF NOT EXISTS `{table}` (\n  {}\n);\n", columns.join(",\n  "));
        for (suffix, on) in COMMON_INDEXES.iter().chain(indexes.iter()) {
            sql += &format!("CREATE INDEX IF NOT EXISTS `{table}_{suffix}` ON `{table}`({on});\n");
        }
        view.push(format!(
            "SELECT {entity_id} entity_id, interface_id, alert_id, alert_status, tstamp, tstamp_end, severity, score FROM `{table}`"
        ));
    }
    sql += "DROP VIEW IF EXISTS `all_alerts`;\n";
    sql += &format!("CREATE VIEW `all_alerts` AS\n  {};\n", view.join("\n  UNION ALL\n  "));
    sql
}

/// `alert_status` values.
pub const STATUS_HISTORICAL: i64 = 0;
pub const STATUS_ACKNOWLEDGED: i64 = 1;
/// Engaged: the condition still holds (ntopng keeps these in memory; here they are rows until released).
pub const STATUS_ENGAGED: i64 = 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_the_common_columns_and_the_view_reads_them_all() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(&schema()).unwrap();
        conn.execute_batch(&schema()).unwrap(); // reopening an existing database
        for (table, _, parts, _) in TABLES {
            let n: usize = conn
                .query_row(&format!("SELECT COUNT(*) FROM pragma_table_info('{table}')"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, parts.iter().map(|p| p.len()).sum::<usize>(), "{table}");
        }
        let entities: Vec<i64> = conn
            .prepare("SELECT entity_id FROM all_alerts")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(entities.is_empty());
        let indexes: i64 = conn
            .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name LIKE '%_i_%'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(indexes, 4 * 3 + 3);
    }
}
