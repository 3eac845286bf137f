//! TCP sequence tracking per flow direction: retransmissions, out-of-order, lost and
//! keep-alive segments, counted by ntopng's rules (data_model.md §3, `tcp.seq_problems`).
//!
//! Per direction a flow keeps the sequence number it expects next and the last one it took as
//! progress. The expected case (the segment starts where the previous one ended) is one
//! comparison; the classification below runs only when it does not.

use crate::flow::tcp_flags;

/// Sequence problems of one flow direction, a host or an interface.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TcpStats {
    pub retransmissions: u64,
    pub out_of_order: u64,
    pub lost: u64,
    pub keep_alive: u64,
}

impl TcpStats {
    pub fn merge(&mut self, o: &TcpStats) {
        self.retransmissions += o.retransmissions;
        self.out_of_order += o.out_of_order;
        self.lost += o.lost;
        self.keep_alive += o.keep_alive;
    }

    pub fn count(&mut self, issue: SeqIssue) {
        match issue {
            SeqIssue::Retransmission => self.retransmissions += 1,
            SeqIssue::OutOfOrder => self.out_of_order += 1,
            SeqIssue::Lost => self.lost += 1,
            SeqIssue::KeepAlive => self.keep_alive += 1,
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == TcpStats::default()
    }
}

/// What a segment that did not start at the expected sequence number was taken for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqIssue {
    Retransmission,
    OutOfOrder,
    Lost,
    KeepAlive,
}

/// One direction's sequence state: 8 bytes. `next == 0` means "nothing seen yet" (as ntopng,
/// which therefore also skips the check after a wrap to exactly 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeqTracker {
    next: u32,
    last: u32,
}

impl SeqTracker {
    /// Takes one segment of this direction into account; returns what was wrong with it.
    /// Arithmetic wraps as on the 32-bit wire; comparisons are plain unsigned ones, as ntopng's.
    #[inline]
    pub fn update(&mut self, seq: u32, flags: u8, payload_len: u16) -> Option<SeqIssue> {
        let next = seq.wrapping_add((flags & tcp_flags::SYN != 0) as u32).wrapping_add(payload_len as u32);
        let expected = self.next;
        let mut issue = None;
        let mut progress = true;
        // A segment one byte early (a keep-alive probe, or a FIN's sequence step) is normal too.
        if expected != 0 && expected != seq && expected != seq.wrapping_sub(1) {
            (issue, progress) = self.classify(seq, flags, payload_len);
        }
        self.next = next;
        if progress {
            self.last = seq;
        }
        issue
    }

    #[cold]
    fn classify(&self, seq: u32, flags: u8, payload_len: u16) -> (Option<SeqIssue>, bool) {
        const CONTROL: u8 = tcp_flags::SYN | tcp_flags::FIN | tcp_flags::RST;
        if seq == self.next.wrapping_sub(1) && payload_len <= 1 && flags & CONTROL == 0 {
            (Some(SeqIssue::KeepAlive), true)
        } else if seq == self.last {
            // The same start as the previous segment: sent again, unless that one carried nothing.
            ((self.next != self.last).then_some(SeqIssue::Retransmission), true)
        } else if seq < self.last && seq < self.next {
            (Some(SeqIssue::Lost), true)
        } else {
            (Some(SeqIssue::OutOfOrder), seq.wrapping_sub(1) > self.last)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::tcp_flags::{ACK, SYN};

    fn run(segments: &[(u32, u8, u16)]) -> TcpStats {
        let mut t = SeqTracker::default();
        let mut s = TcpStats::default();
        for &(seq, flags, len) in segments {
            if let Some(i) = t.update(seq, flags, len) {
                s.count(i);
            }
        }
        s
    }

    #[test]
    fn in_order_stream_is_clean() {
        let s = run(&[(1000, SYN, 0), (1001, ACK, 100), (1101, ACK, 100), (1201, ACK, 0), (1201, ACK, 50)]);
        assert!(s.is_empty(), "{s:?}");
    }

    #[test]
    fn resent_segment_is_a_retransmission() {
        let s = run(&[(1001, ACK, 100), (1101, ACK, 100), (1101, ACK, 100)]);
        assert_eq!(s, TcpStats { retransmissions: 1, ..TcpStats::default() });
    }

    #[test]
    fn one_byte_behind_without_data_is_a_keep_alive() {
        // Probes carrying one garbage byte keep pointing one byte back: each one counts.
        let s = run(&[(1001, ACK, 100), (1100, ACK, 1), (1100, ACK, 1)]);
        assert_eq!(s, TcpStats { keep_alive: 2, ..TcpStats::default() });
        // An empty probe moves the expectation back one byte: the next empty one is in order.
        let s = run(&[(1001, ACK, 100), (1100, ACK, 0), (1100, ACK, 0)]);
        assert_eq!(s, TcpStats { keep_alive: 1, ..TcpStats::default() });
    }

    #[test]
    fn jump_ahead_is_out_of_order_and_an_older_gap_is_lost() {
        // 1101..1201 missing: the jump to 1201 is out of order; then 1001 again (before the
        // last progress point and the expected one) is counted lost.
        let s = run(&[(1001, ACK, 100), (1201, ACK, 100), (1001, ACK, 100)]);
        assert_eq!(s, TcpStats { out_of_order: 1, lost: 1, ..TcpStats::default() });
    }

    #[test]
    fn sequence_numbers_wrap() {
        let s = run(&[(u32::MAX - 99, ACK, 100), (0, ACK, 100), (100, ACK, 100)]);
        assert!(s.is_empty(), "{s:?}");
    }
}
