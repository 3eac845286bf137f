//! `score_threshold` (host alert 17): the host's score as client, or else as server, above the threshold.

use super::{Hit, HostWindow};

pub fn evaluate(w: &HostWindow, threshold: u64) -> Option<(Hit, String)> {
    let (cli, srv) = (w.score_as_client as u64, w.score_as_server as u64);
    let (value, as_client) = if cli > threshold {
        (cli, true)
    } else if srv > threshold {
        (srv, false)
    } else {
        return None;
    };
    let role = if as_client { "client" } else { "server" };
    Some((
        Hit { value, threshold, as_attacker: as_client },
        format!("Score as {role} {value} above the threshold {threshold}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_score_first_then_server() {
        let w = HostWindow { score_as_client: 120, score_as_server: 700, ..Default::default() };
        assert_eq!(evaluate(&w, 100).unwrap().0, Hit { value: 120, threshold: 100, as_attacker: true });
        assert_eq!(evaluate(&w, 120).unwrap().0, Hit { value: 700, threshold: 120, as_attacker: false });
        assert!(evaluate(&w, 700).is_none());
    }
}
