//! `flow_flood` (host alert 4): too many new flows in one second since the previous run, as client
//! (attacker) or as server (victim).

use super::{Hit, HostWindow};

pub fn evaluate(w: &HostWindow, threshold: u64) -> Option<(Hit, String)> {
    let (cli, srv) = (w.new_flows_per_sec_as_client as u64, w.new_flows_per_sec_as_server as u64);
    let (value, attacker) = if cli > threshold {
        (cli, true)
    } else if srv > threshold {
        (srv, false)
    } else {
        return None;
    };
    let role = if attacker { "client" } else { "server" };
    Some((
        Hit { value, threshold, as_attacker: attacker },
        format!("Flow flood: {value} new flows per second as {role} (threshold {threshold})"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busiest_second_above_the_threshold() {
        let w = HostWindow { new_flows_per_sec_as_client: 257, new_flows_per_sec_as_server: 300, ..Default::default() };
        assert_eq!(evaluate(&w, 256).unwrap().0, Hit { value: 257, threshold: 256, as_attacker: true });
        let w = HostWindow { new_flows_per_sec_as_server: 300, ..Default::default() };
        assert_eq!(evaluate(&w, 256).unwrap().0, Hit { value: 300, threshold: 256, as_attacker: false });
        assert!(evaluate(&w, 300).is_none());
    }
}
