//! `scan_detection` (host alert 20): incomplete flows since the previous run: TCP flows the host opened
//! as client with a SYN, minus the flows whose server answered with a SYN-ACK (counted when the first
//! SYN-ACK of a flow arrives), above the threshold. Unanswered and refused (RST) attempts both count; a
//! retransmitted SYN does not count twice (same flow). The host is the attacker.

use super::{Hit, HostWindow};

pub fn evaluate(w: &HostWindow, threshold: u64) -> Option<(Hit, String)> {
    let value = w.incomplete_flows;
    if value <= threshold {
        return None;
    }
    Some((
        Hit { value, threshold, as_attacker: true },
        format!(
            "Scan detected: {} opened {value} TCP flows left without an answer since the previous check (threshold {threshold})",
            w.who()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incomplete_flows_above_the_threshold() {
        let w = HostWindow { incomplete_flows: 33, ..Default::default() };
        assert_eq!(evaluate(&w, 32).unwrap().0, Hit { value: 33, threshold: 32, as_attacker: true });
        assert!(evaluate(&w, 33).is_none());
    }
}
