//! A worker's flows: a slab of records and a hash index on the flow key.

use crate::flow::Flow;
use crate::flow_key::FlowKey;
use hashbrown::HashMap;

pub struct FlowTable {
    index: HashMap<FlowKey, u32>,
    slots: Vec<Option<Flow>>,
    free: Vec<u32>,
    /// Round-robin position of the incremental idle scan.
    scan_cursor: usize,
}

impl Default for FlowTable {
    fn default() -> Self {
        Self::new()
    }
}

impl FlowTable {
    pub fn new() -> FlowTable {
        FlowTable { index: HashMap::new(), slots: Vec::new(), free: Vec::new(), scan_cursor: 0 }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    #[inline]
    pub fn find(&self, key: &FlowKey) -> Option<u32> {
        self.index.get(key).copied()
    }

    pub fn insert(&mut self, flow: Flow) -> u32 {
        let key = flow.key;
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(flow);
                s
            }
            None => {
                self.slots.push(Some(flow));
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(key, slot);
        slot
    }

    #[inline]
    pub fn get_mut(&mut self, slot: u32) -> &mut Flow {
        self.slots[slot as usize].as_mut().expect("live slot")
    }

    /// Number of slots (live or free): slot numbers are below it.
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    pub fn get(&self, slot: u32) -> Option<&Flow> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    pub fn remove(&mut self, slot: u32) -> Flow {
        let flow = self.slots[slot as usize].take().expect("live slot");
        self.index.remove(&flow.key);
        self.free.push(slot);
        flow
    }

    pub fn iter(&self) -> impl Iterator<Item = &Flow> {
        self.slots.iter().filter_map(Option::as_ref)
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Flow> {
        self.slots.iter_mut().filter_map(Option::as_mut)
    }

    /// Slots of live flows.
    pub fn slots(&self) -> Vec<u32> {
        (0..self.slots.len() as u32).filter(|&s| self.slots[s as usize].is_some()).collect()
    }

    /// The next `1/fraction` of the slots (at least `min`), for incremental idle scans.
    pub fn next_scan_window(&mut self, fraction: usize, min: usize) -> std::ops::Range<usize> {
        let n = self.slots.len();
        if n == 0 {
            return 0..0;
        }
        let step = (n / fraction).max(min).min(n);
        let start = if self.scan_cursor >= n { 0 } else { self.scan_cursor };
        let end = (start + step).min(n);
        self.scan_cursor = if end >= n { 0 } else { end };
        start..end
    }

    pub fn is_live(&self, slot: usize) -> bool {
        self.slots.get(slot).is_some_and(Option::is_some)
    }

    /// Bytes held by the table structures themselves (memory accounting in benches).
    pub fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Option<Flow>>()
            + self.index.capacity() * (std::mem::size_of::<(FlowKey, u32)>() + 1)
            + self.free.capacity() * 4
    }
}
