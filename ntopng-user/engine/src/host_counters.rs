//! What the host checks read from a host (ntopng's flood and scan detectors, score threshold), kept by
//! the worker that owns the host: plain integer updates, no allocation, no lock. The checks run in the
//! control plane on views ([`crate::Publisher`]); nothing here decides anything.

use crate::flow::tcp_flags;

/// TCP connection attempts as seen from one host (cumulative; the runner takes differences between runs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SynCounters {
    /// SYN without ACK sent / received.
    pub syn_sent: u64,
    pub syn_rcvd: u64,
    /// SYN+ACK sent / received.
    pub synack_sent: u64,
    pub synack_rcvd: u64,
}

/// What a TCP segment's flags make of it for [`SynCounters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynKind {
    None,
    Syn,
    SynAck,
}

impl SynKind {
    #[inline]
    pub fn of(l4_proto: u8, flags: u8) -> SynKind {
        if l4_proto != ntopng_wire::ipproto::TCP || flags & tcp_flags::SYN == 0 {
            SynKind::None
        } else if flags & tcp_flags::ACK == 0 {
            SynKind::Syn
        } else {
            SynKind::SynAck
        }
    }
}

impl SynCounters {
    #[inline]
    pub fn sent(&mut self, k: SynKind) {
        match k {
            SynKind::None => {}
            SynKind::Syn => self.syn_sent += 1,
            SynKind::SynAck => self.synack_sent += 1,
        }
    }

    #[inline]
    pub fn rcvd(&mut self, k: SynKind) {
        match k {
            SynKind::None => {}
            SynKind::Syn => self.syn_rcvd += 1,
            SynKind::SynAck => self.synack_rcvd += 1,
        }
    }

    pub fn merge(&mut self, o: &SynCounters) {
        self.syn_sent += o.syn_sent;
        self.syn_rcvd += o.syn_rcvd;
        self.synack_sent += o.synack_sent;
        self.synack_rcvd += o.synack_rcvd;
    }
}

/// New flows per second of packet time, as client and as server: the highest count of one second since
/// the host check runner's current round began (ntopng's flow flood "hits"). Updated once per new flow.
///
/// The runner owns the round number (shared with the workers as one atomic, read once per new flow): a
/// host whose `round` is older than the runner's has started no flow since, and counts as zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NewFlowRate {
    pub round: u32,
    /// The packet-time second being counted, and its counts so far.
    pub second: u64,
    pub in_second_as_client: u32,
    pub in_second_as_server: u32,
    /// The highest per-second counts of the round.
    pub max_as_client: u32,
    pub max_as_server: u32,
}

impl NewFlowRate {
    /// One new flow at packet time `now_ns` in round `round`, with this host as client or server.
    #[inline]
    pub fn count(&mut self, round: u32, now_ns: u64, as_client: bool) {
        let second = now_ns / 1_000_000_000;
        if round != self.round {
            *self = NewFlowRate { round, second, ..NewFlowRate::default() };
        } else if second != self.second {
            self.second = second;
            self.in_second_as_client = 0;
            self.in_second_as_server = 0;
        }
        if as_client {
            self.in_second_as_client += 1;
            self.max_as_client = self.max_as_client.max(self.in_second_as_client);
        } else {
            self.in_second_as_server += 1;
            self.max_as_server = self.max_as_server.max(self.in_second_as_server);
        }
    }

    /// The per-second maxima of round `round` (zero when the host started no flow in it).
    pub fn max_in_round(&self, round: u32) -> (u32, u32) {
        if self.round == round {
            (self.max_as_client, self.max_as_server)
        } else {
            (0, 0)
        }
    }

    /// Another worker's share of the same host: its flows of the same second add up, so the sum of the
    /// maxima bounds the host's true per-second maximum from above (equal with one worker).
    pub fn merge(&mut self, o: &NewFlowRate) {
        if o.round > self.round {
            *self = *o;
        } else if o.round == self.round {
            self.max_as_client += o.max_as_client;
            self.max_as_server += o.max_as_server;
        }
    }
}

/// A host's share of the scores of its active flows (ntopng's `score.as_client` / `score.as_server`):
/// added when a flow is classified, taken back when it ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostScore {
    pub as_client: u32,
    pub as_server: u32,
}

impl HostScore {
    pub fn total(&self) -> u32 {
        self.as_client + self.as_server
    }
    pub fn merge(&mut self, o: &HostScore) {
        self.as_client += o.as_client;
        self.as_server += o.as_server;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_flow_rate_keeps_the_busiest_second_of_the_round() {
        let s = 1_000_000_000u64;
        let mut r = NewFlowRate::default();
        for _ in 0..3 {
            r.count(0, 10 * s, true);
        }
        r.count(0, 11 * s, true);
        r.count(0, 11 * s + 5, false);
        assert_eq!(r.max_in_round(0), (3, 1));
        assert_eq!(r.max_in_round(1), (0, 0));
        r.count(1, 11 * s, true);
        assert_eq!(r.max_in_round(1), (1, 0));
    }

    #[test]
    fn syn_kinds() {
        use tcp_flags::*;
        assert_eq!(SynKind::of(6, SYN), SynKind::Syn);
        assert_eq!(SynKind::of(6, SYN | ACK), SynKind::SynAck);
        assert_eq!(SynKind::of(6, ACK), SynKind::None);
        assert_eq!(SynKind::of(17, SYN), SynKind::None);
    }
}
