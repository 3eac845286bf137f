//! A host alert raised by a host check: ntopng's `host_alerts` columns (checks.md §5.2), and the row
//! it is engaged as.

use crate::store::AlertRow;
use ntopng_checks::{Family, RaisedHostAlert};

#[derive(Debug, Clone, PartialEq)]
pub struct HostAlertRow {
    pub interface_id: i32,
    pub alert_id: u16,
    pub alert_category: u8,
    /// Seconds: when it was engaged, and when last seen engaged (released: when it was released).
    pub tstamp: i64,
    pub tstamp_end: i64,
    pub score: u32,
    pub severity: u8,
    /// Runs of the check that found the condition while engaged.
    pub counter: u64,
    pub json: String,
    pub description: String,
    pub ip_version: u8,
    pub ip: String,
    pub vlan_id: u16,
    pub is_attacker: bool,
    pub is_victim: bool,
    pub is_client: bool,
    pub is_server: bool,
    /// The local network id of the host, if local.
    pub network: Option<u16>,
}

impl HostAlertRow {
    /// A newly raised alert on host `ip` (VLAN `vlan`) at `now` (seconds).
    pub fn raised(
        interface_id: i32,
        ip: std::net::IpAddr,
        vlan_id: u16,
        network: Option<u16>,
        a: &RaisedHostAlert,
        now: i64,
    ) -> HostAlertRow {
        HostAlertRow {
            interface_id,
            alert_id: a.alert_id,
            alert_category: a.category.id(),
            tstamp: now,
            tstamp_end: now,
            score: a.score as u32,
            severity: a.severity().id(),
            counter: 1,
            json: a.json().to_string(),
            description: a.description.clone(),
            ip_version: if ip.is_ipv4() { 4 } else { 6 },
            ip: ip.to_string(),
            vlan_id,
            // Flood and scan hits: the attacker is the client side, the victim the server side.
            is_attacker: a.is_attacker(),
            is_victim: a.is_victim(),
            is_client: a.is_attacker(),
            is_server: a.is_victim(),
            network,
        }
    }

    /// The condition still holds at `now`: the alert takes the latest values.
    pub fn refresh(&mut self, latest: &HostAlertRow) {
        let (tstamp, counter) = (self.tstamp, self.counter);
        *self = latest.clone();
        self.tstamp = tstamp;
        self.counter = counter + 1;
    }

    /// The row to store (engaged, then released).
    pub fn to_row(&self) -> AlertRow {
        AlertRow::new(Family::Host)
            .set("interface_id", i64::from(self.interface_id))
            .set("alert_id", i64::from(self.alert_id))
            .set("tstamp", self.tstamp)
            .set("tstamp_end", self.tstamp_end)
            .set("severity", i64::from(self.severity))
            .set("score", i64::from(self.score))
            .set("json", self.json.clone())
            .set("alert_category", i64::from(self.alert_category))
            .set("description", self.description.clone())
            .set("ip_version", i64::from(self.ip_version))
            .set("ip", self.ip.clone())
            .set("vlan_id", i64::from(self.vlan_id))
            .set("is_attacker", i64::from(self.is_attacker))
            .set("is_victim", i64::from(self.is_victim))
            .set("is_client", i64::from(self.is_client))
            .set("is_server", i64::from(self.is_server))
            .set("network", self.network.map(i64::from))
    }
}
