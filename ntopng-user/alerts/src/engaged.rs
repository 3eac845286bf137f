//! Engaged alerts: host and network alerts whose condition still holds. Each is a row with
//! `alert_status = 2` (so `status=engaged` lists, filters and sorts like the stored ones) that is
//! refreshed while the condition is triggered again and released (made historical, `tstamp_end` set)
//! once it is not. ntopng keeps engaged alerts in memory only; rows survive a crash, and the next start
//! releases what a previous run left engaged ([`AlertStore::release_all_engaged`]).

use crate::notify::{Action, Notification, Notifications};
use crate::store::{AlertRow, AlertStore, Result};
use ntopng_checks::{Family, Registry};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

/// What identifies an engaged alert: family, type, entity (`ip@vlan`, a CIDR) and subtype.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EngagedKey {
    pub family: Family,
    pub alert_id: u16,
    pub entity: String,
    pub subtype: String,
}

/// The engaged alerts of one interface, by key: their row and score.
#[derive(Default)]
pub struct Engaged {
    rows: HashMap<EngagedKey, (i64, i64)>,
    /// Endpoints told when an alert is engaged and when it is released (as ntopng notifies them).
    notify: Option<Arc<Notifications>>,
}

impl std::fmt::Debug for Engaged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engaged").field("rows", &self.rows).field("notify", &self.notify.is_some()).finish()
    }
}

/// What a trigger refreshes on an engaged alert.
#[derive(Debug, Clone)]
pub struct Refresh<'a> {
    pub score: i64,
    pub severity: i64,
    pub json: &'a str,
    pub now: i64,
}

impl Engaged {
    /// Engaged alerts whose changes are offered to `notify` (none: [`Engaged::default`]).
    pub fn notifying(notify: Option<Arc<Notifications>>) -> Engaged {
        Engaged { rows: HashMap::new(), notify: notify.filter(|n| !n.is_empty()) }
    }

    /// The row as stored now, to the endpoints.
    fn offer(&self, store: &AlertStore, family: Family, rowid: i64, action: Action) {
        let Some(n) = &self.notify else { return };
        match store.row(family, rowid) {
            Ok(Some(cols)) => {
                static REG: OnceLock<Registry> = OnceLock::new();
                let id = cols.get("alert_id").and_then(serde_json::Value::as_i64).unwrap_or(0);
                let name = REG.get_or_init(Registry::ntopng).alert_name(family, id as u16).unwrap_or("").to_string();
                n.offer(Notification::from_columns(family, action, &name, cols));
            }
            Ok(None) => {}
            Err(e) => log::warn!("alert notification: reading alert {rowid}: {e}"),
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn is_engaged(&self, key: &EngagedKey) -> bool {
        self.rows.contains_key(key)
    }

    /// The condition holds: engages the alert (`row`, the full row) or refreshes it if engaged.
    pub fn trigger(&mut self, store: &AlertStore, key: EngagedKey, row: &AlertRow, refresh: &Refresh) -> Result<()> {
        match self.rows.get_mut(&key) {
            Some((rowid, score)) => {
                store.update_engaged(key.family, *rowid, refresh.score, refresh.severity, refresh.json, refresh.now)?;
                *score = refresh.score;
                Ok(())
            }
            None => {
                let rowid = store.insert_row(row, crate::schema::STATUS_ENGAGED)?;
                let family = key.family;
                self.rows.insert(key, (rowid, refresh.score));
                self.offer(store, family, rowid, Action::Engage);
                Ok(())
            }
        }
    }

    /// Engaged alerts per entity of `family`: how many and the sum of their scores.
    pub fn per_entity(&self, family: Family) -> HashMap<String, (u32, i64)> {
        let mut out: HashMap<String, (u32, i64)> = HashMap::new();
        for (k, (_, score)) in self.rows.iter().filter(|(k, _)| k.family == family) {
            let e = out.entry(k.entity.clone()).or_default();
            e.0 += 1;
            e.1 += score;
        }
        out
    }

    /// The condition is over: the alert becomes historical. False if it was not engaged.
    pub fn release(&mut self, store: &AlertStore, key: &EngagedKey, now: i64) -> Result<bool> {
        match self.rows.remove(key) {
            Some((rowid, _)) => {
                store.release(key.family, rowid, now)?;
                self.offer(store, key.family, rowid, Action::Release);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Releases the engaged alerts `owned` selects that were not triggered (`seen`) in this run.
    pub fn release_unseen(
        &mut self,
        store: &AlertStore,
        owned: impl Fn(&EngagedKey) -> bool,
        seen: &HashSet<EngagedKey>,
        now: i64,
    ) -> Result<usize> {
        let gone: Vec<EngagedKey> = self.rows.keys().filter(|k| owned(k) && !seen.contains(*k)).cloned().collect();
        for k in &gone {
            self.release(store, k, now)?;
        }
        Ok(gone.len())
    }

    /// Releases everything (shutdown).
    pub fn release_all(&mut self, store: &AlertStore, now: i64) -> Result<usize> {
        let all: Vec<EngagedKey> = self.rows.keys().cloned().collect();
        for k in &all {
            self.release(store, k, now)?;
        }
        Ok(all.len())
    }
}
