//! Periodic flow events: ntopng's `periodicUpdate` flow hook, once per period (60 s of wall time) for
//! each flow still alive, asked for only while a consumer wants it (`EventWants::periodic_s` is not 0).
//!
//! No per-packet work: a worker decides in its housekeeping. Live capture visits the flows in the idle
//! purge's window (a sixtieth of the table, at least 1024 slots, once per second), so a table is walked
//! once a minute whatever its size and one housekeeping tick costs at most a window. A flow is *due* when a
//! period has passed since its mark; the mark is a side table of the worker indexed by flow slot (the flow's
//! serial tells a new flow in a reused slot), allocated only once periodic events are wanted, so `Flow`
//! itself does not grow.
//!
//! Flows first seen less than a period ago are marked with their first second (live: the first event
//! comes one period after the flow started, as ntopng's); older ones (a capture file's flows, whose clock
//! is the packets') with the second of the first visit. A flow whose visit falls while it is due is
//! emitted then: with the one-minute walk, events of a flow are between one period and one period plus a
//! walk apart.

/// The mark of each flow slot: `(serial of the flow marked, wall second of its last event or first mark)`.
#[derive(Debug, Default)]
pub struct PeriodicMarks {
    marks: Vec<(u32, u32)>,
}

impl PeriodicMarks {
    /// Whether flow `serial` (in `slot`, first seen at second `first_s`) is due at wall second `now_s` for a
    /// period of `period_s` seconds; a due flow is marked `now_s`, a flow seen for the first time is marked
    /// and not due.
    pub fn due(&mut self, slot: u32, serial: u32, first_s: u32, now_s: u32, period_s: u32) -> bool {
        let i = slot as usize;
        if i >= self.marks.len() {
            self.marks.resize(i + 1, (0, 0));
        }
        let m = &mut self.marks[i];
        if m.0 != serial || m.1 == 0 {
            let recent = first_s <= now_s && now_s - first_s < period_s && first_s != 0;
            *m = (serial, if recent { first_s } else { now_s.max(1) });
            return false;
        }
        if now_s.wrapping_sub(m.1) >= period_s && now_s >= m.1 {
            m.1 = now_s;
            return true;
        }
        false
    }

    /// Bytes held (8 per slot of the largest table seen since periodic events were wanted).
    pub fn heap_bytes(&self) -> usize {
        self.marks.capacity() * std::mem::size_of::<(u32, u32)>()
    }

    /// Forgets every mark (nobody wants periodic events any more).
    pub fn clear(&mut self) {
        self.marks = Vec::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_flow_is_marked_and_due_one_period_later() {
        let mut m = PeriodicMarks::default();
        // Live: first seen at 1000, visited at 1010 with a 60 s period.
        assert!(!m.due(3, 7, 1000, 1010, 60));
        assert!(!m.due(3, 7, 1000, 1059, 60));
        assert!(m.due(3, 7, 1000, 1060, 60));
        // Marked at 1060: not again before 1120.
        assert!(!m.due(3, 7, 1000, 1070, 60));
        assert!(!m.due(3, 7, 1000, 1119, 60));
        assert!(m.due(3, 7, 1000, 1125, 60));
        assert!(!m.due(3, 7, 1000, 1130, 60));
        assert!(m.due(3, 7, 1000, 1185, 60));
    }

    #[test]
    fn an_old_flow_waits_a_period_from_its_first_visit() {
        let mut m = PeriodicMarks::default();
        // A capture file's flow (packet time long ago) first visited at 5000.
        assert!(!m.due(0, 1, 100, 5000, 60));
        assert!(!m.due(0, 1, 100, 5030, 60));
        assert!(m.due(0, 1, 100, 5060, 60));
        // First seen "in the future" (clock step): marked now.
        assert!(!m.due(1, 2, 9000, 5000, 60));
        assert!(m.due(1, 2, 9000, 5061, 60));
    }

    #[test]
    fn a_reused_slot_starts_over() {
        let mut m = PeriodicMarks::default();
        assert!(!m.due(5, 10, 1000, 1000, 2));
        assert!(m.due(5, 10, 1000, 1002, 2));
        // Another flow (serial 11) took slot 5: a fresh mark, not due at once.
        assert!(!m.due(5, 11, 1003, 1003, 2));
        assert!(!m.due(5, 11, 1003, 1004, 2));
        assert!(m.due(5, 11, 1003, 1005, 2));
        // The clock going back never makes a flow due.
        assert!(!m.due(5, 11, 1003, 900, 2));
        assert!(m.heap_bytes() >= 6 * 8);
        m.clear();
        assert_eq!(m.heap_bytes(), 0);
    }

    /// The cost of the decision per visited flow (run with --ignored --nocapture for the number).
    #[test]
    #[ignore]
    fn cost_per_flow() {
        let n = 1_000_000u32;
        let mut m = PeriodicMarks::default();
        for s in 0..n {
            m.due(s, s + 1, 1000, 1001, 60);
        }
        let t = std::time::Instant::now();
        let mut due = 0;
        for round in 0..10u32 {
            for s in 0..n {
                due += m.due(s, s + 1, 1000, 1002 + round * 61, 60) as u32;
            }
        }
        let per = t.elapsed().as_nanos() as f64 / (10.0 * n as f64);
        println!("periodic mark: {per:.2} ns per flow visit ({due} due)");
    }
}
