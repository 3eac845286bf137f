//! `ntp_contacts` (host alert 3): distinct NTP servers the host contacted as client since the previous
//! run (each flow classified as NTP counts its server once), above the threshold.

use super::{contacts, Hit, HostWindow};

pub fn evaluate(w: &HostWindow, threshold: u64) -> Option<(Hit, String)> {
    contacts(w, "NTP", w.ntp_servers as u64, threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_servers_above_the_threshold() {
        let w = HostWindow { ip: Some("192.168.2.222".parse().unwrap()), ntp_servers: 6, ..Default::default() };
        let (hit, text) = evaluate(&w, 5).unwrap();
        assert_eq!(hit, Hit { value: 6, threshold: 5, as_attacker: true });
        assert!(text.contains("192.168.2.222") && text.contains("6 distinct NTP servers"), "{text}");
        assert!(evaluate(&w, 6).is_none());
    }
}
