//! What the host checks read from a host (ntopng's flood and scan detectors, score threshold, server
//! contacts), kept by the worker that owns the host: plain integer updates, no allocation, no lock (the
//! server contacts, updated once per classified flow, allocate once per host that has any). The checks
//! run in the control plane on views ([`crate::Publisher`]); nothing here decides anything.

use crate::flow::tcp_flags;
use hashbrown::HashSet;
use ntopng_wire::Addr;

/// TCP segments and connection attempts as seen from one host (cumulative; the runner takes differences
/// between runs). The 32-bit counters wrap: a difference between two runs is right as long as fewer than
/// 2^32 were counted in between (`wrapping_sub`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SynCounters {
    /// SYN without ACK sent / received.
    pub syn_sent: u64,
    pub syn_rcvd: u64,
    /// SYN+ACK sent / received.
    pub synack_sent: u64,
    pub synack_rcvd: u64,
    /// FIN without ACK (and without SYN or RST) sent / received: what a FIN (or Xmas) scan sends, never
    /// part of a normal close (its FINs carry an ACK).
    pub fin_sent: u32,
    pub fin_rcvd: u32,
    /// RST (without SYN) sent / received, with or without ACK.
    pub rst_sent: u32,
    pub rst_rcvd: u32,
    /// TCP flows this host opened as client with a SYN, and those of them whose server answered with a
    /// SYN-ACK (counted at the first SYN-ACK of the flow): the difference is the incomplete flows.
    pub tcp_opened: u32,
    pub tcp_answered: u32,
}

/// What a TCP segment's flags make of it for [`SynCounters`] (SYN first, then RST, then FIN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynKind {
    None,
    Syn,
    SynAck,
    /// FIN without ACK.
    Fin,
    Rst,
}

impl SynKind {
    #[inline]
    pub fn of(l4_proto: u8, flags: u8) -> SynKind {
        use tcp_flags::{ACK, FIN, RST, SYN};
        if l4_proto != ntopng_wire::ipproto::TCP || flags & (SYN | FIN | RST) == 0 {
            SynKind::None
        } else if flags & SYN != 0 {
            if flags & ACK == 0 {
                SynKind::Syn
            } else {
                SynKind::SynAck
            }
        } else if flags & RST != 0 {
            SynKind::Rst
        } else if flags & ACK == 0 {
            SynKind::Fin
        } else {
            SynKind::None
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
            SynKind::Fin => self.fin_sent = self.fin_sent.wrapping_add(1),
            SynKind::Rst => self.rst_sent = self.rst_sent.wrapping_add(1),
        }
    }

    #[inline]
    pub fn rcvd(&mut self, k: SynKind) {
        match k {
            SynKind::None => {}
            SynKind::Syn => self.syn_rcvd += 1,
            SynKind::SynAck => self.synack_rcvd += 1,
            SynKind::Fin => self.fin_rcvd = self.fin_rcvd.wrapping_add(1),
            SynKind::Rst => self.rst_rcvd = self.rst_rcvd.wrapping_add(1),
        }
    }

    pub fn merge(&mut self, o: &SynCounters) {
        self.syn_sent += o.syn_sent;
        self.syn_rcvd += o.syn_rcvd;
        self.synack_sent += o.synack_sent;
        self.synack_rcvd += o.synack_rcvd;
        self.fin_sent = self.fin_sent.wrapping_add(o.fin_sent);
        self.fin_rcvd = self.fin_rcvd.wrapping_add(o.fin_rcvd);
        self.rst_sent = self.rst_sent.wrapping_add(o.rst_sent);
        self.rst_rcvd = self.rst_rcvd.wrapping_add(o.rst_rcvd);
        self.tcp_opened = self.tcp_opened.wrapping_add(o.tcp_opened);
        self.tcp_answered = self.tcp_answered.wrapping_add(o.tcp_answered);
    }
}

/// Packets per second of packet time for the flood checks: SYNs (without ACK) and ICMP packets (ICMP and
/// ICMPv6), sent and received; the highest count of one second since the host check runner's current
/// round began, as [`NewFlowRate`] keeps it. Updated only for SYN and ICMP packets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PacketRates {
    pub round: u32,
    /// The packet-time second being counted (seconds since the epoch fit 32 bits until 2106).
    pub second: u32,
    /// Counts of that second and the round's maxima, indexed by [`PacketRates::SYN_SENT`] etc.
    pub in_second: [u32; 4],
    pub max: [u32; 4],
}

impl PacketRates {
    pub const SYN_SENT: usize = 0;
    pub const SYN_RCVD: usize = 1;
    pub const ICMP_SENT: usize = 2;
    pub const ICMP_RCVD: usize = 3;

    /// One packet of kind `what` at packet time `now_ns` in round `round`.
    #[inline]
    pub fn count(&mut self, round: u32, now_ns: u64, what: usize) {
        let second = (now_ns / 1_000_000_000) as u32;
        if round != self.round {
            *self = PacketRates { round, second, ..PacketRates::default() };
        } else if second != self.second {
            self.second = second;
            self.in_second = [0; 4];
        }
        self.in_second[what] += 1;
        self.max[what] = self.max[what].max(self.in_second[what]);
    }

    /// The per-second maxima of round `round` (zeros when the host counted nothing in it).
    pub fn max_in_round(&self, round: u32) -> [u32; 4] {
        if self.round == round {
            self.max
        } else {
            [0; 4]
        }
    }

    /// Another worker's share of the same host: as [`NewFlowRate::merge`], the sum of the maxima (exact
    /// with one worker, an upper bound with more).
    pub fn merge(&mut self, o: &PacketRates) {
        if o.round > self.round {
            *self = *o;
        } else if o.round == self.round {
            for i in 0..4 {
                self.max[i] += o.max[i];
            }
        }
    }
}

/// nDPI 4.2's protocol ids of the servers the contact checks count (`ndpi_protocol_ids.h`).
pub const NDPI_SMTP: u16 = 3;
pub const NDPI_DNS: u16 = 5;
pub const NDPI_NTP: u16 = 9;
pub const NDPI_SMTPS: u16 = 29;

/// The servers of one kind a host contacted as client, counted exactly up to this many.
pub const CONTACTS_CAP: usize = 1024;

/// Which servers [`ServerContacts`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    Dns = 0,
    Ntp = 1,
    Smtp = 2,
}

impl ServerKind {
    /// The kind of a classified flow's server (master or application protocol), if it is counted.
    #[inline]
    pub fn of(master: u16, app: u16) -> Option<ServerKind> {
        [master, app].into_iter().find_map(|p| match p {
            NDPI_DNS => Some(ServerKind::Dns),
            NDPI_NTP => Some(ServerKind::Ntp),
            NDPI_SMTP | NDPI_SMTPS => Some(ServerKind::Smtp),
            _ => None,
        })
    }
}

/// The distinct DNS, NTP and SMTP servers a host contacted as client since the host check runner's
/// current round began (ntopng's server contacts), and whether the host served DNS itself. Allocated
/// at the host's first such flow (hosts that never use these protocols keep a `None`); updated once per
/// classified flow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerContacts {
    pub round: u32,
    /// By [`ServerKind`]; each capped at [`CONTACTS_CAP`] addresses.
    pub servers: [HashSet<Addr>; 3],
    /// The host was the server of a DNS flow (ever, not per round).
    pub dns_server: bool,
}

impl ServerContacts {
    /// This host contacted `server` (a `kind` server) in round `round`.
    pub fn contacted(&mut self, round: u32, kind: ServerKind, server: Addr) {
        if round != self.round {
            self.round = round;
            self.servers.iter_mut().for_each(HashSet::clear);
        }
        let set = &mut self.servers[kind as usize];
        if set.len() < CONTACTS_CAP {
            set.insert(server);
        }
    }

    /// Distinct servers by [`ServerKind`] in round `round`.
    pub fn counts_in_round(&self, round: u32) -> [u32; 3] {
        if self.round == round {
            self.servers.each_ref().map(|s| s.len() as u32)
        } else {
            [0; 3]
        }
    }

    pub fn merge(&mut self, o: &ServerContacts) {
        self.dns_server |= o.dns_server;
        if o.round > self.round {
            self.round = o.round;
            self.servers = o.servers.clone();
        } else if o.round == self.round {
            for (a, b) in self.servers.iter_mut().zip(&o.servers) {
                a.extend(b.iter().copied().take(CONTACTS_CAP.saturating_sub(a.len())));
            }
        }
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
    /// The packet-time second being counted, and its counts so far (32 bits of seconds: until 2106).
    pub second: u32,
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
        let second = (now_ns / 1_000_000_000) as u32;
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
        assert_eq!(SynKind::of(6, FIN), SynKind::Fin);
        assert_eq!(SynKind::of(6, FIN | 0x08 | 0x20), SynKind::Fin, "Xmas (FIN, PSH, URG)");
        assert_eq!(SynKind::of(6, FIN | ACK), SynKind::None, "a normal close");
        assert_eq!(SynKind::of(6, RST), SynKind::Rst);
        assert_eq!(SynKind::of(6, RST | ACK), SynKind::Rst);
        assert_eq!(SynKind::of(6, SYN | RST), SynKind::Syn);
        assert_eq!(SynKind::of(17, RST), SynKind::None);
    }

    #[test]
    fn fin_and_rst_counters_wrap() {
        let mut c = SynCounters { fin_sent: u32::MAX, ..Default::default() };
        c.sent(SynKind::Fin);
        c.rcvd(SynKind::Rst);
        c.rcvd(SynKind::Rst);
        assert_eq!((c.fin_sent, c.rst_rcvd), (0, 2));
        assert_eq!(c.fin_sent.wrapping_sub(u32::MAX), 1, "what the runner computes");
    }

    #[test]
    fn packet_rates_keep_the_busiest_second_per_kind() {
        let s = 1_000_000_000u64;
        let mut r = PacketRates::default();
        for _ in 0..5 {
            r.count(0, 7 * s, PacketRates::SYN_RCVD);
        }
        r.count(0, 7 * s + 1, PacketRates::ICMP_SENT);
        for _ in 0..2 {
            r.count(0, 8 * s, PacketRates::SYN_RCVD);
            r.count(0, 8 * s, PacketRates::ICMP_SENT);
        }
        assert_eq!(r.max_in_round(0), [0, 5, 2, 0]);
        assert_eq!(r.max_in_round(1), [0; 4]);
        r.count(1, 8 * s, PacketRates::SYN_SENT);
        assert_eq!(r.max_in_round(1), [1, 0, 0, 0]);
        let mut other = PacketRates::default();
        other.count(1, 9 * s, PacketRates::SYN_SENT);
        other.count(1, 9 * s, PacketRates::SYN_SENT);
        r.merge(&other);
        assert_eq!(r.max_in_round(1), [3, 0, 0, 0], "sum of the workers' maxima");
    }

    #[test]
    fn server_contacts_per_round() {
        let a = |n: u8| Addr::from_ip(std::net::Ipv4Addr::new(10, 0, 0, n).into());
        let mut c = ServerContacts::default();
        c.contacted(0, ServerKind::Dns, a(1));
        c.contacted(0, ServerKind::Dns, a(1));
        c.contacted(0, ServerKind::Dns, a(2));
        c.contacted(0, ServerKind::Ntp, a(3));
        assert_eq!(c.counts_in_round(0), [2, 1, 0]);
        let mut o = ServerContacts::default();
        o.contacted(0, ServerKind::Dns, a(2));
        o.contacted(0, ServerKind::Dns, a(9));
        o.dns_server = true;
        c.merge(&o);
        assert_eq!(c.counts_in_round(0), [3, 1, 0]);
        assert!(c.dns_server);
        c.contacted(1, ServerKind::Smtp, a(4));
        assert_eq!((c.counts_in_round(0), c.counts_in_round(1)), ([0; 3], [0, 0, 1]));
        assert_eq!(ServerKind::of(NDPI_DNS, 0), Some(ServerKind::Dns));
        assert_eq!(ServerKind::of(7, NDPI_SMTPS), Some(ServerKind::Smtp));
        assert_eq!(ServerKind::of(7, 0), None);
    }
}
