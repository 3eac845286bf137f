//! `syn_scan` (host alert 5): connection attempts left unanswered since the previous run. As attacker:
//! SYNs sent minus SYN-ACKs received; as victim: SYNs received minus SYN-ACKs sent; either above the
//! threshold (the attacker side first).

use super::{Hit, HostWindow};

pub fn evaluate(w: &HostWindow, threshold: u64) -> Option<(Hit, String)> {
    let as_attacker = w.syn_sent.saturating_sub(w.synack_rcvd);
    let as_victim = w.syn_rcvd.saturating_sub(w.synack_sent);
    let (value, attacker) = if as_attacker > threshold {
        (as_attacker, true)
    } else if as_victim > threshold {
        (as_victim, false)
    } else {
        return None;
    };
    let what = if attacker { "sent without a SYN-ACK back" } else { "received without a SYN-ACK sent" };
    Some((
        Hit { value, threshold, as_attacker: attacker },
        format!("TCP SYN scan: {value} SYNs {what} in the last minute (threshold {threshold})"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unanswered_syns_above_the_threshold() {
        let w = HostWindow { syn_sent: 300, synack_rcvd: 40, ..Default::default() };
        assert_eq!(evaluate(&w, 256).unwrap().0, Hit { value: 260, threshold: 256, as_attacker: true });
        assert!(evaluate(&w, 260).is_none(), "strictly above");
        let v = HostWindow { syn_rcvd: 500, synack_sent: 100, ..Default::default() };
        assert_eq!(evaluate(&v, 256).unwrap().0, Hit { value: 400, threshold: 256, as_attacker: false });
    }
}
