//! `smtp_contacts` (host alert 1): distinct SMTP servers the host contacted as client since the previous
//! run (each flow classified as SMTP counts its server once), above the threshold. SMTP and SMTPS both count.

use super::{contacts, Hit, HostWindow};

pub fn evaluate(w: &HostWindow, threshold: u64) -> Option<(Hit, String)> {
    contacts(w, "SMTP", w.smtp_servers as u64, threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_servers_above_the_threshold() {
        let w = HostWindow { ip: Some("192.168.2.222".parse().unwrap()), smtp_servers: 6, ..Default::default() };
        let (hit, text) = evaluate(&w, 5).unwrap();
        assert_eq!(hit, Hit { value: 6, threshold: 5, as_attacker: true });
        assert!(text.contains("192.168.2.222") && text.contains("6 distinct SMTP servers"), "{text}");
        assert!(evaluate(&w, 6).is_none());
    }
}
