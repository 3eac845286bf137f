//! Engaged host alerts: held in memory while their condition lasts, refreshed on every run of the host
//! checks, released (stored as historical) when a run no longer finds the condition, the check is off,
//! the host is gone, or the daemon stops (lua_engine.md §5.4, checks.md §3).

use crate::host_row::HostAlertRow;
use crate::request::{AlertRequest, StatusFilter};
use crate::store::{AlertPage, AlertStore, Result};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// An engaged alert's identity: one per host and alert type (ntopng's host alert bitmap).
pub type EngagedKey = (String, u16, u16);

fn key_of(r: &HostAlertRow) -> EngagedKey {
    (r.ip.clone(), r.vlan_id, r.alert_id)
}

/// The engaged host alerts of one interface.
#[derive(Default)]
pub struct EngagedAlerts {
    alerts: Mutex<BTreeMap<EngagedKey, HostAlertRow>>,
}

impl EngagedAlerts {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<EngagedKey, HostAlertRow>> {
        self.alerts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One run's findings: alerts raised now are engaged (or refreshed if already engaged); engaged ones
    /// not raised now are released, stamped `now` as their end, and returned for storing.
    pub fn update(&self, raised: Vec<HostAlertRow>, now: i64) -> Vec<HostAlertRow> {
        let mut alerts = self.lock();
        let mut found: BTreeMap<EngagedKey, HostAlertRow> = raised.into_iter().map(|r| (key_of(&r), r)).collect();
        let mut released = Vec::new();
        let keys: Vec<EngagedKey> = alerts.keys().cloned().collect();
        for k in keys {
            match found.remove(&k) {
                Some(latest) => alerts.get_mut(&k).expect("listed").refresh(&latest),
                None => {
                    let mut r = alerts.remove(&k).expect("listed");
                    r.tstamp_end = now;
                    released.push(r);
                }
            }
        }
        alerts.extend(found);
        released
    }

    /// Releases everything (shutdown), stamped `now`.
    pub fn release_all(&self, now: i64) -> Vec<HostAlertRow> {
        let mut alerts = self.lock();
        std::mem::take(&mut *alerts)
            .into_values()
            .map(|mut r| {
                r.tstamp_end = now;
                r
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Engaged alerts per host `(ip, vlan)`: how many and the sum of their scores.
    pub fn per_host(&self) -> BTreeMap<(String, u16), (u32, u32)> {
        let mut out: BTreeMap<(String, u16), (u32, u32)> = BTreeMap::new();
        for r in self.lock().values() {
            let e = out.entry((r.ip.clone(), r.vlan_id)).or_default();
            e.0 += 1;
            e.1 += r.score;
        }
        out
    }

    pub fn rows(&self) -> Vec<HostAlertRow> {
        self.lock().values().cloned().collect()
    }

    /// A page of engaged alerts for a host alert list request: the request's filters, sorting and
    /// paging are applied by the same statements as for stored alerts, over a private in-memory copy.
    pub fn list(&self, req: &AlertRequest) -> Result<AlertPage> {
        let scratch = AlertStore::in_memory()?;
        scratch.insert_host_alerts(&self.rows())?;
        let mut req = req.clone();
        req.status = StatusFilter::Historical;
        req.epoch_begin = None; // ntopng ignores the time range for engaged alerts
        req.epoch_end = None;
        scratch.list(&req)
    }
}
