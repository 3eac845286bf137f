//! `icmp_flood` (host alert 18): the most ICMP (and ICMPv6) packets in one second of packet time since
//! the previous run, sent (attacker) or received (victim), above the threshold in packets/sec.

use super::{attacker_or_victim, Hit, HostWindow};

pub fn evaluate(w: &HostWindow, threshold: u64) -> Option<(Hit, String)> {
    let (value, attacker) = attacker_or_victim(w.icmp_sent_per_sec as u64, w.icmp_rcvd_per_sec as u64, threshold)?;
    let who = w.who();
    let text = if attacker {
        format!("ICMP flood from {who}: {value} ICMP packets/sec sent in its busiest second (threshold {threshold})")
    } else {
        format!(
            "ICMP flood against {who}: {value} ICMP packets/sec received in its busiest second (threshold {threshold})"
        )
    };
    Some((Hit { value, threshold, as_attacker: attacker }, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busiest_second_of_icmp() {
        let w = HostWindow { icmp_sent_per_sec: 251, icmp_rcvd_per_sec: 251, ..Default::default() };
        assert_eq!(evaluate(&w, 250).unwrap().0, Hit { value: 251, threshold: 250, as_attacker: true });
        let v = HostWindow { icmp_sent_per_sec: 250, icmp_rcvd_per_sec: 600, ..Default::default() };
        assert_eq!(evaluate(&v, 250).unwrap().0, Hit { value: 600, threshold: 250, as_attacker: false });
        assert!(evaluate(&HostWindow { icmp_rcvd_per_sec: 250, ..Default::default() }, 250).is_none());
    }
}
