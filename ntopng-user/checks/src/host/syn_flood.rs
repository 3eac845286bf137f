//! `syn_flood` (host alert 6): the most SYNs (without ACK) in one second of packet time since the previous
//! run, sent (attacker) or received (victim), above the threshold in SYN/sec. ntopng removed this check in
//! October 2024 (its SYN scan covers part of it); it is kept here for the users of older releases.

use super::{attacker_or_victim, Hit, HostWindow};

pub fn evaluate(w: &HostWindow, threshold: u64) -> Option<(Hit, String)> {
    let (value, attacker) = attacker_or_victim(w.syn_sent_per_sec as u64, w.syn_rcvd_per_sec as u64, threshold)?;
    let who = w.who();
    let text = if attacker {
        format!("SYN flood from {who}: {value} SYN/sec sent in its busiest second (threshold {threshold} SYN/sec)")
    } else {
        format!(
            "SYN flood against {who}: {value} SYN/sec received in its busiest second (threshold {threshold} SYN/sec)"
        )
    };
    Some((Hit { value, threshold, as_attacker: attacker }, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busiest_second_of_syns() {
        let ip = Some("10.10.10.10".parse().unwrap());
        let w = HostWindow { ip, syn_rcvd_per_sec: 1700, syn_sent_per_sec: 3, ..Default::default() };
        let (hit, text) = evaluate(&w, 256).unwrap();
        assert_eq!(hit, Hit { value: 1700, threshold: 256, as_attacker: false });
        assert!(text.contains("SYN flood") && text.contains("10.10.10.10") && text.contains("1700 SYN/sec"), "{text}");
        assert!(text.contains("256 SYN/sec"), "{text}");
        assert!(evaluate(&w, 1700).is_none(), "strictly above");
        let a = HostWindow { syn_sent_per_sec: 257, syn_rcvd_per_sec: 900, ..Default::default() };
        assert_eq!(evaluate(&a, 256).unwrap().0, Hit { value: 257, threshold: 256, as_attacker: true });
    }
}
