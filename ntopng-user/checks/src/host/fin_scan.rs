//! `fin_scan` (host alert 21): FINs without ACK since the previous run, sent (attacker) or received
//! (victim), above the threshold (the attacker side first). A normal close sends FIN with ACK; a FIN (or
//! Xmas: FIN+PSH+URG) scan probes ports with a bare FIN.

use super::{attacker_or_victim, Hit, HostWindow};

pub fn evaluate(w: &HostWindow, threshold: u64) -> Option<(Hit, String)> {
    let (value, attacker) = attacker_or_victim(w.fin_sent, w.fin_rcvd, threshold)?;
    let what = if attacker { "sent by" } else { "received by" };
    Some((
        Hit { value, threshold, as_attacker: attacker },
        format!("TCP FIN scan: {value} FINs without ACK {what} {} in the last minute (threshold {threshold})", w.who()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_fins_above_the_threshold() {
        let w = HostWindow { fin_sent: 300, fin_rcvd: 1000, ..Default::default() };
        assert_eq!(evaluate(&w, 256).unwrap().0, Hit { value: 300, threshold: 256, as_attacker: true });
        let v = HostWindow { fin_sent: 256, fin_rcvd: 1000, ..Default::default() };
        assert_eq!(evaluate(&v, 256).unwrap().0, Hit { value: 1000, threshold: 256, as_attacker: false });
        assert!(evaluate(&v, 1000).is_none());
    }
}
