//! A flow alert as stored: the flow's identity and counters at classification, and what the checks
//! found (ntopng's `flow_alerts` columns, checks.md §5.2/§5.4).

use ntopng_checks::{CheckDef, FlowAlerts, Severity};
use ntopng_engine::sink::FlowRecord;
use serde_json::json;

#[derive(Debug, Clone)]
pub struct FlowAlertRow {
    pub interface_id: i32,
    /// The predominant alert.
    pub alert_id: u16,
    pub alert_category: u8,
    /// Seconds (packet time).
    pub tstamp: i64,
    pub tstamp_end: i64,
    pub first_seen: i64,
    /// The flow's total score, and the severity ntopng maps it to.
    pub score: u32,
    pub severity: u8,
    pub json: String,
    pub ip_version: u8,
    pub cli_ip: String,
    pub srv_ip: String,
    pub cli_port: u16,
    pub srv_port: u16,
    pub vlan_id: u16,
    pub is_cli_attacker: bool,
    pub is_cli_victim: bool,
    pub is_srv_attacker: bool,
    pub is_srv_victim: bool,
    pub proto: u8,
    pub l7_proto: u16,
    pub l7_master_proto: u16,
    pub l7_cat: u32,
    pub cli2srv_bytes: u64,
    pub srv2cli_bytes: u64,
    pub cli2srv_pkts: u64,
    pub srv2cli_pkts: u64,
    /// ntopng's 128-bit alert bitmap, bit n = alert id n, as 16 bytes, most significant first.
    pub alerts_map: [u8; 16],
    pub flow_risk_bitmap: u64,
    pub info: Option<String>,
    /// A peer is in the blacklist.
    pub cli_blacklisted: bool,
    pub srv_blacklisted: bool,
}

impl FlowAlertRow {
    pub fn new(interface_id: i32, rec: &FlowRecord, found: &FlowAlerts) -> FlowAlertRow {
        let top = found.predominant();
        let c = rec.classification.as_ref();
        let score = found.score();
        // The side that takes most of the predominant alert's score is its attacker.
        let (cli_att, srv_att) = (top.cli_score > top.srv_score, top.srv_score > top.cli_score);
        let alerts: Vec<_> = found
            .alerts
            .iter()
            .map(|a| {
                json!({"alert_id": a.alert_id, "script_key": a.key, "risk": a.risk,
                       "cli_score": a.cli_score, "srv_score": a.srv_score})
            })
            .collect();
        let doc = json!({
            "alert_generation": {"script_key": top.key, "subdir": "flow", "confset_id": 0},
            "ntopng.key": rec.ntopng_key,
            "hash_entry_id": rec.hash_id,
            "cli_score": found.cli_score,
            "srv_score": found.srv_score,
            "flow_risk": rec.classification.as_ref().map_or(0, |c| c.risk),
            "alerts": alerts,
        });
        let info = c.and_then(|c| c.host_name()).map(str::to_string);
        let mut row = FlowAlertRow::of_flow(
            interface_id,
            rec,
            (top.alert_id, top.category.id()),
            score,
            doc,
            found.alerts_map,
            info,
        );
        row.is_cli_attacker = cli_att;
        row.is_cli_victim = srv_att;
        row.is_srv_attacker = srv_att;
        row.is_srv_victim = cli_att;
        row
    }

    /// The columns every flow alert row fills the same way from its flow; no side is attacker or victim.
    fn of_flow(
        interface_id: i32,
        rec: &FlowRecord,
        (alert_id, alert_category): (u16, u8),
        score: u32,
        doc: serde_json::Value,
        alerts_map: u128,
        info: Option<String>,
    ) -> FlowAlertRow {
        let c = rec.classification.as_ref();
        let secs = |ns: u64| (ns / 1_000_000_000) as i64;
        FlowAlertRow {
            interface_id,
            alert_id,
            alert_category,
            tstamp: secs(rec.last_seen_ns),
            tstamp_end: secs(rec.last_seen_ns),
            first_seen: secs(rec.first_seen_ns),
            score,
            severity: Severity::from_score(score).id(),
            json: doc.to_string(),
            ip_version: rec.ip_version,
            cli_ip: rec.client.0.to_string(),
            srv_ip: rec.server.0.to_string(),
            cli_port: rec.client.1,
            srv_port: rec.server.1,
            vlan_id: rec.vlan,
            is_cli_attacker: false,
            is_cli_victim: false,
            is_srv_attacker: false,
            is_srv_victim: false,
            proto: rec.l4_proto,
            l7_proto: c.map_or(0, |c| c.app_protocol),
            l7_master_proto: c.map_or(0, |c| c.master_protocol),
            l7_cat: c.map_or(0, |c| c.category),
            cli2srv_bytes: rec.cli2srv.bytes,
            srv2cli_bytes: rec.srv2cli.bytes,
            cli2srv_pkts: rec.cli2srv.packets,
            srv2cli_pkts: rec.srv2cli.packets,
            alerts_map: alerts_map.to_be_bytes(),
            flow_risk_bitmap: c.map_or(0, |c| c.risk),
            info,
            cli_blacklisted: false,
            srv_blacklisted: false,
        }
    }

    /// Sets the `cli_blacklisted`/`srv_blacklisted` columns.
    pub fn with_blacklisted(mut self, cli: bool, srv: bool) -> FlowAlertRow {
        self.cli_blacklisted = cli;
        self.srv_blacklisted = srv;
        self
    }

    /// The alert of a user flow check that called `flow.triggerAlert(score, message)`: ntopng's
    /// `flow_alert_custom_lua_script` with the script's score and message.
    pub fn custom_script(
        interface_id: i32,
        rec: &FlowRecord,
        def: &CheckDef,
        check: &str,
        score: i64,
        message: &str,
    ) -> FlowAlertRow {
        let score = score.clamp(0, i64::from(u32::MAX)) as u32;
        let doc = json!({
            "alert_generation": {"script_key": def.key, "subdir": "flow", "confset_id": 0},
            "ntopng.key": rec.ntopng_key,
            "hash_entry_id": rec.hash_id,
            "check": check,
            "message": message,
            "score": score,
        });
        let alerts_map = 1u128 << (def.alert_id as u32 % 128);
        FlowAlertRow::of_flow(
            interface_id,
            rec,
            (def.alert_id, def.category.id()),
            score,
            doc,
            alerts_map,
            Some(message.to_string()),
        )
    }
}
