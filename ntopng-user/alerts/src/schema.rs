//! The alert database layout: ntopng's tables and column names (checks.md §5), for the families this
//! monitor raises (flow and host), and the `all_alerts` view the counters read.

/// File of an interface's alert database, under the data directory (ntopng's path).
pub fn db_path(data_dir: &std::path::Path, ifid: i32) -> std::path::PathBuf {
    data_dir.join(ifid.to_string()).join("alerts").join("alert_store_v11.db")
}

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS `flow_alerts` (
  `rowid` INTEGER PRIMARY KEY AUTOINCREMENT,
  `alert_id` INTEGER NOT NULL CHECK(`alert_id` >= 0),
  `alert_status` INTEGER NOT NULL DEFAULT 0,
  `interface_id` INTEGER NULL,
  `tstamp` DATETIME NOT NULL,
  `tstamp_end` DATETIME DEFAULT 0,
  `severity` INTEGER NOT NULL,
  `score` INTEGER NOT NULL DEFAULT 0,
  `counter` INTEGER NOT NULL DEFAULT 0,
  `json` TEXT,
  `user_label` TEXT,
  `user_label_tstamp` DATETIME DEFAULT 0,
  `alert_category` INTEGER NULL,
  `ip_version` INTEGER NOT NULL DEFAULT 0,
  `cli_ip` TEXT NOT NULL,
  `srv_ip` TEXT NOT NULL,
  `cli_port` INTEGER NOT NULL DEFAULT 0 CHECK(`cli_port` >= 0 AND `cli_port` <= 65535),
  `srv_port` INTEGER NOT NULL DEFAULT 0 CHECK(`srv_port` >= 0 AND `srv_port` <= 65535),
  `vlan_id` INTEGER NULL DEFAULT 0,
  `is_cli_attacker` INTEGER NOT NULL DEFAULT 0,
  `is_cli_victim` INTEGER NOT NULL DEFAULT 0,
  `is_srv_attacker` INTEGER NOT NULL DEFAULT 0,
  `is_srv_victim` INTEGER NOT NULL DEFAULT 0,
  `proto` INTEGER NOT NULL DEFAULT 0,
  `l7_proto` INTEGER NOT NULL DEFAULT 0,
  `l7_master_proto` INTEGER NOT NULL DEFAULT 0,
  `l7_cat` INTEGER NOT NULL DEFAULT 0,
  `cli_name` TEXT NULL,
  `srv_name` TEXT NULL,
  `cli_country` TEXT NULL,
  `srv_country` TEXT NULL,
  `cli_blacklisted` INTEGER NOT NULL DEFAULT 0,
  `srv_blacklisted` INTEGER NOT NULL DEFAULT 0,
  `cli2srv_bytes` INTEGER NOT NULL DEFAULT 0,
  `srv2cli_bytes` INTEGER NOT NULL DEFAULT 0,
  `cli2srv_pkts` INTEGER NOT NULL DEFAULT 0,
  `srv2cli_pkts` INTEGER NOT NULL DEFAULT 0,
  `first_seen` DATETIME NOT NULL DEFAULT 0,
  `community_id` TEXT NULL,
  `alerts_map` BLOB DEFAULT 0,
  `flow_risk_bitmap` INTEGER NOT NULL DEFAULT 0,
  `output_snmp` INTEGER NULL,
  `input_snmp` INTEGER NULL,
  `probe_ip` TEXT NULL,
  `cli_location` INTEGER NULL,
  `srv_location` INTEGER NULL,
  `info` TEXT NULL,
  `cli_host_pool_id` INTEGER NULL,
  `srv_host_pool_id` INTEGER NULL,
  `cli_network` INTEGER NULL,
  `srv_network` INTEGER NULL
);
CREATE INDEX IF NOT EXISTS `flow_alerts_i_id` ON `flow_alerts`(`alert_id`);
CREATE INDEX IF NOT EXISTS `flow_alerts_i_status` ON `flow_alerts`(`alert_status`);
CREATE INDEX IF NOT EXISTS `flow_alerts_i_severity` ON `flow_alerts`(`severity`);
CREATE INDEX IF NOT EXISTS `flow_alerts_i_tstamp` ON `flow_alerts`(`tstamp`);
CREATE INDEX IF NOT EXISTS `flow_alerts_i_vlan_cli` ON `flow_alerts`(`vlan_id`, `cli_ip`);
CREATE INDEX IF NOT EXISTS `flow_alerts_i_vlan_srv` ON `flow_alerts`(`vlan_id`, `srv_ip`);
CREATE INDEX IF NOT EXISTS `flow_alerts_i_risk` ON `flow_alerts`(`flow_risk_bitmap`);

CREATE TABLE IF NOT EXISTS `host_alerts` (
  `rowid` INTEGER PRIMARY KEY AUTOINCREMENT,
  `alert_id` INTEGER NOT NULL CHECK(`alert_id` >= 0),
  `alert_status` INTEGER NOT NULL DEFAULT 0,
  `interface_id` INTEGER NULL,
  `tstamp` DATETIME NOT NULL,
  `tstamp_end` DATETIME DEFAULT 0,
  `severity` INTEGER NOT NULL,
  `score` INTEGER NOT NULL DEFAULT 0,
  `counter` INTEGER NOT NULL DEFAULT 0,
  `json` TEXT,
  `user_label` TEXT,
  `user_label_tstamp` DATETIME DEFAULT 0,
  `alert_category` INTEGER NULL,
  `granularity` INTEGER NOT NULL DEFAULT 0,
  `description` TEXT,
  `ip_version` INTEGER NOT NULL DEFAULT 0,
  `ip` TEXT NOT NULL,
  `vlan_id` INTEGER NULL DEFAULT 0,
  `name` TEXT NULL,
  `is_attacker` INTEGER NULL,
  `is_victim` INTEGER NULL,
  `is_client` INTEGER NULL,
  `is_server` INTEGER NULL,
  `host_pool_id` INTEGER NULL,
  `network` INTEGER NULL,
  `country` TEXT NULL
);
CREATE INDEX IF NOT EXISTS `host_alerts_i_id` ON `host_alerts`(`alert_id`);
CREATE INDEX IF NOT EXISTS `host_alerts_i_status` ON `host_alerts`(`alert_status`);
CREATE INDEX IF NOT EXISTS `host_alerts_i_severity` ON `host_alerts`(`severity`);
CREATE INDEX IF NOT EXISTS `host_alerts_i_tstamp` ON `host_alerts`(`tstamp`);

CREATE TABLE IF NOT EXISTS `network_alerts` (
  `rowid` INTEGER PRIMARY KEY AUTOINCREMENT,
  `alert_id` INTEGER NOT NULL CHECK(`alert_id` >= 0),
  `alert_status` INTEGER NOT NULL DEFAULT 0,
  `interface_id` INTEGER NULL,
  `tstamp` DATETIME NOT NULL,
  `tstamp_end` DATETIME DEFAULT 0,
  `severity` INTEGER NOT NULL,
  `score` INTEGER NOT NULL DEFAULT 0,
  `counter` INTEGER NOT NULL DEFAULT 0,
  `json` TEXT,
  `user_label` TEXT,
  `user_label_tstamp` DATETIME DEFAULT 0,
  `alert_category` INTEGER NULL,
  `granularity` INTEGER NOT NULL DEFAULT 0,
  `description` TEXT,
  `local_network_id` INTEGER NOT NULL,
  `name` TEXT NULL,
  `alias` TEXT NULL
);
CREATE INDEX IF NOT EXISTS `network_alerts_i_id` ON `network_alerts`(`alert_id`);
CREATE INDEX IF NOT EXISTS `network_alerts_i_status` ON `network_alerts`(`alert_status`);
CREATE INDEX IF NOT EXISTS `network_alerts_i_severity` ON `network_alerts`(`severity`);
CREATE INDEX IF NOT EXISTS `network_alerts_i_tstamp` ON `network_alerts`(`tstamp`);

DROP VIEW IF EXISTS `all_alerts`;
CREATE VIEW `all_alerts` AS
  SELECT 4 entity_id, interface_id, alert_id, alert_status, tstamp, tstamp_end, severity, score FROM `flow_alerts`
  UNION ALL
  SELECT 1 entity_id, interface_id, alert_id, alert_status, tstamp, tstamp_end, severity, score FROM `host_alerts`
  UNION ALL
  SELECT 2 entity_id, interface_id, alert_id, alert_status, tstamp, tstamp_end, severity, score FROM `network_alerts`;
"#;

/// `alert_status` values.
pub const STATUS_HISTORICAL: i64 = 0;
pub const STATUS_ACKNOWLEDGED: i64 = 1;
/// Engaged: the condition still holds (ntopng keeps these in memory; here they are rows until released).
pub const STATUS_ENGAGED: i64 = 2;
