//! The nDPI risk checks: a classified flow's risk bitmap → one alert per enabled risk check, the
//! flow's score as ntopng sums it, and its predominant alert (checks.md §2.2, rest_v2.md §4.22).

use crate::config::Checks;
use crate::registry::AlertCategory;

/// One alert raised on a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaisedAlert {
    /// The check's position in the registry.
    pub check: usize,
    pub key: &'static str,
    pub alert_id: u16,
    pub category: AlertCategory,
    /// The nDPI risk bit of a risk check; 0 for the other flow checks.
    pub risk: u32,
    pub cli_score: u16,
    pub srv_score: u16,
}

impl RaisedAlert {
    pub fn score(&self) -> u32 {
        self.cli_score as u32 + self.srv_score as u32
    }
    /// ntopng flags the side that takes most of the score as the attacker, the other as the victim.
    pub fn client_is_attacker(&self) -> bool {
        self.cli_score >= self.srv_score
    }
}

/// What the risk checks found on one flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowAlerts {
    /// In risk order.
    pub alerts: Vec<RaisedAlert>,
    /// Index in `alerts` of the highest-scored alert (the first on ties).
    pub predominant: usize,
    /// Sums over the alerts, each side capped at ntopng's SCORE_MAX_VALUE.
    pub cli_score: u32,
    pub srv_score: u32,
    /// Bit `alert_id` set for every alert raised (ntopng's 128-bit `alerts_map`).
    pub alerts_map: u128,
}

/// ntopng caps each side's score.
pub const SCORE_MAX_VALUE: u32 = 250;

impl FlowAlerts {
    pub fn score(&self) -> u32 {
        self.cli_score + self.srv_score
    }
    pub fn predominant(&self) -> &RaisedAlert {
        &self.alerts[self.predominant]
    }

    /// The alerts of one flow combined as ntopng does: the highest-scored alert is predominant (the
    /// first on ties), each side's score is the sum over the alerts (capped), every alert id is in
    /// the map. `None` without alerts.
    pub fn combine(alerts: Vec<RaisedAlert>) -> Option<FlowAlerts> {
        if alerts.is_empty() {
            return None;
        }
        let mut predominant = 0;
        for (i, a) in alerts.iter().enumerate() {
            if a.score() > alerts[predominant].score() {
                predominant = i;
            }
        }
        let cli_score = alerts.iter().map(|a| a.cli_score as u32).sum::<u32>().min(SCORE_MAX_VALUE);
        let srv_score = alerts.iter().map(|a| a.srv_score as u32).sum::<u32>().min(SCORE_MAX_VALUE);
        let alerts_map = alerts.iter().fold(0u128, |m, a| m | 1u128 << (a.alert_id & 127));
        Some(FlowAlerts { alerts, predominant, cli_score, srv_score, alerts_map })
    }
}

/// Runs the enabled risk checks on `risk`; `None` when nothing is raised.
pub fn evaluate(checks: &Checks, risk: u64) -> Option<FlowAlerts> {
    FlowAlerts::combine(risk_alerts(checks, risk))
}

/// One alert per enabled risk check whose bit is in `risk`, in risk order.
pub fn risk_alerts(checks: &Checks, risk: u64) -> Vec<RaisedAlert> {
    let registry = checks.registry();
    let mut alerts = Vec::new();
    let mut bits = risk;
    while bits != 0 {
        let bit = bits.trailing_zeros();
        bits &= bits - 1;
        let Some((pos, def)) = registry.risk_check(bit) else { continue };
        if !checks.enabled_at(pos) {
            continue;
        }
        let s = ndpi::risk_score(bit);
        alerts.push(RaisedAlert {
            check: pos,
            key: def.key,
            alert_id: def.alert_id,
            category: def.category,
            risk: bit,
            cli_score: s.client,
            srv_score: s.server,
        });
    }
    alerts
}
