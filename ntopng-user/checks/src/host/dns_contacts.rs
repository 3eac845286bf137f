//! `dns_contacts` (host alert 2): distinct DNS servers the host contacted as client since the previous
//! run (each flow classified as DNS counts its server once), above the threshold. A host that was the
//! server of a DNS flow (a resolver: its forwarding looks like contacts) is not checked.

use super::{contacts, Hit, HostWindow};

pub fn evaluate(w: &HostWindow, threshold: u64) -> Option<(Hit, String)> {
    if w.dns_server {
        return None;
    }
    contacts(w, "DNS", w.dns_servers as u64, threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_servers_above_the_threshold() {
        let w = HostWindow { ip: Some("192.168.2.222".parse().unwrap()), dns_servers: 6, ..Default::default() };
        let (hit, text) = evaluate(&w, 5).unwrap();
        assert_eq!(hit, Hit { value: 6, threshold: 5, as_attacker: true });
        assert!(text.contains("192.168.2.222") && text.contains("6 distinct DNS servers"), "{text}");
        assert!(evaluate(&w, 6).is_none());
        assert!(evaluate(&HostWindow { dns_server: true, ..w }, 5).is_none(), "DNS servers are not checked");
    }
}
