//! `rst_scan` (host alert 25): RSTs since the previous run. A host probing closed ports gets RSTs back:
//! RSTs received make the attacker side, RSTs sent the victim side (the attacker side first).

use super::{attacker_or_victim, Hit, HostWindow};

pub fn evaluate(w: &HostWindow, threshold: u64) -> Option<(Hit, String)> {
    let (value, attacker) = attacker_or_victim(w.rst_rcvd, w.rst_sent, threshold)?;
    let what = if attacker { "received by" } else { "sent by" };
    Some((
        Hit { value, threshold, as_attacker: attacker },
        format!("TCP RST scan: {value} RSTs {what} {} in the last minute (threshold {threshold})", w.who()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resets_received_make_the_attacker() {
        let w = HostWindow { rst_rcvd: 400, rst_sent: 10, ..Default::default() };
        assert_eq!(evaluate(&w, 256).unwrap().0, Hit { value: 400, threshold: 256, as_attacker: true });
        let v = HostWindow { rst_rcvd: 0, rst_sent: 257, ..Default::default() };
        assert_eq!(evaluate(&v, 256).unwrap().0, Hit { value: 257, threshold: 256, as_attacker: false });
        assert!(evaluate(&v, 257).is_none());
    }
}
