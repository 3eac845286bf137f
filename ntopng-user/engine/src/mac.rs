//! Per-worker MAC address accounting.

use crate::flow::{Counters, Slot, NONE};
use hashbrown::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mac {
    pub addr: [u8; 6],
    pub sent: Counters,
    pub rcvd: Counters,
    pub first_seen_ns: u64,
    pub last_seen_ns: u64,
}

impl Mac {
    pub fn merge(&mut self, o: &Mac) {
        self.sent.merge(&o.sent);
        self.rcvd.merge(&o.rcvd);
        self.first_seen_ns = self.first_seen_ns.min(o.first_seen_ns);
        self.last_seen_ns = self.last_seen_ns.max(o.last_seen_ns);
    }
}

#[derive(Default)]
pub struct MacTable {
    index: HashMap<[u8; 6], Slot>,
    slots: Vec<Mac>,
}

impl MacTable {
    /// Finds or creates the entry of `addr`; the all-zero address (no link layer) has none.
    pub fn find_or_insert(&mut self, addr: [u8; 6], now: u64) -> Slot {
        if addr == [0; 6] {
            return NONE;
        }
        if let Some(&s) = self.index.get(&addr) {
            return s;
        }
        self.slots.push(Mac { addr, sent: Counters::default(), rcvd: Counters::default(), first_seen_ns: now, last_seen_ns: now });
        let s = (self.slots.len() - 1) as Slot;
        self.index.insert(addr, s);
        s
    }

    #[inline]
    pub fn get_mut(&mut self, slot: Slot) -> Option<&mut Mac> {
        if slot == NONE {
            None
        } else {
            self.slots.get_mut(slot as usize)
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Mac> {
        self.slots.iter()
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}
