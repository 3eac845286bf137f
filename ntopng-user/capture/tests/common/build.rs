//! Builders of pcap and pcapng files for tests: every field can be set to anything, including
//! values no writer should produce.

#![allow(dead_code)]

/// Byte order of generated fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Little,
    Big,
}

impl Order {
    pub fn u16(self, v: u16) -> [u8; 2] {
        match self {
            Order::Little => v.to_le_bytes(),
            Order::Big => v.to_be_bytes(),
        }
    }
    pub fn u32(self, v: u32) -> [u8; 4] {
        match self {
            Order::Little => v.to_le_bytes(),
            Order::Big => v.to_be_bytes(),
        }
    }
    pub fn u64(self, v: u64) -> [u8; 8] {
        match self {
            Order::Little => v.to_le_bytes(),
            Order::Big => v.to_be_bytes(),
        }
    }
}

pub const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
pub const MAGIC_NANOS: u32 = 0xa1b2_3c4d;
pub const MAGIC_PATCHED: u32 = 0xa1b2_cd34;

/// A classic pcap file.
pub struct Pcap {
    pub order: Order,
    pub bytes: Vec<u8>,
    record_extra: usize,
}

impl Pcap {
    pub fn new(order: Order, magic: u32, version: (u16, u16), snaplen: u32, linktype: u32) -> Pcap {
        let mut bytes = Vec::new();
        bytes.extend(order.u32(magic));
        bytes.extend(order.u16(version.0));
        bytes.extend(order.u16(version.1));
        bytes.extend(order.u32(0)); // thiszone
        bytes.extend(order.u32(0)); // sigfigs
        bytes.extend(order.u32(snaplen));
        bytes.extend(order.u32(linktype));
        let record_extra = if magic == MAGIC_PATCHED { 8 } else { 0 };
        Pcap { order, bytes, record_extra }
    }

    /// An ordinary little-endian, microsecond, version 2.4 Ethernet file.
    pub fn ethernet() -> Pcap {
        Pcap::new(Order::Little, MAGIC_MICROS, (2, 4), 65535, 1)
    }

    /// A record whose header fields are written as given (first length field, second length
    /// field), followed by `data`.
    pub fn record_raw(mut self, sec: u32, fraction: u32, first_len: u32, second_len: u32, data: &[u8]) -> Pcap {
        let o = self.order;
        self.bytes.extend(o.u32(sec));
        self.bytes.extend(o.u32(fraction));
        self.bytes.extend(o.u32(first_len));
        self.bytes.extend(o.u32(second_len));
        self.bytes.extend(vec![0xEE; self.record_extra]);
        self.bytes.extend_from_slice(data);
        self
    }

    /// A well-formed record of `data`, `wire_len` long on the wire.
    pub fn record(self, sec: u32, fraction: u32, data: &[u8], wire_len: u32) -> Pcap {
        self.record_raw(sec, fraction, data.len() as u32, wire_len, data)
    }

    pub fn build(self) -> Vec<u8> {
        self.bytes
    }
}

pub const BT_SHB: u32 = 0x0A0D_0D0A;
pub const BT_IDB: u32 = 1;
pub const BT_PB: u32 = 2;
pub const BT_SPB: u32 = 3;
pub const BT_NRB: u32 = 4;
pub const BT_ISB: u32 = 5;
pub const BT_EPB: u32 = 6;
pub const OPT_IF_NAME: u16 = 2;
pub const OPT_IF_TSRESOL: u16 = 9;
pub const OPT_IF_TSOFFSET: u16 = 14;

/// A pcapng file, one block at a time.
pub struct PcapNg {
    pub order: Order,
    pub bytes: Vec<u8>,
}

fn pad4(v: &mut Vec<u8>) {
    while !v.len().is_multiple_of(4) {
        v.push(0);
    }
}

impl PcapNg {
    /// Starts a file with a section header in `order`.
    pub fn new(order: Order) -> PcapNg {
        PcapNg { order, bytes: Vec::new() }.shb(order)
    }

    /// Starts a new section (possibly switching byte order).
    pub fn shb(mut self, order: Order) -> PcapNg {
        self.order = order;
        let mut body = Vec::new();
        body.extend(order.u32(0x1A2B_3C4D));
        body.extend(order.u16(1));
        body.extend(order.u16(0));
        body.extend(order.u64(u64::MAX)); // section length unknown
        self.block(BT_SHB, &body)
    }

    /// Options list (code, value), terminated by opt_endofopt.
    pub fn options(&self, options: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let o = self.order;
        let mut v = Vec::new();
        for (code, value) in options {
            v.extend(o.u16(*code));
            v.extend(o.u16(value.len() as u16));
            v.extend_from_slice(value);
            pad4(&mut v);
        }
        if !options.is_empty() {
            v.extend([0; 4]);
        }
        v
    }

    pub fn idb(self, linktype: u16, snaplen: u32, options: &[(u16, Vec<u8>)]) -> PcapNg {
        let o = self.order;
        let mut body = Vec::new();
        body.extend(o.u16(linktype));
        body.extend(o.u16(0));
        body.extend(o.u32(snaplen));
        body.extend(self.options(options));
        self.block(BT_IDB, &body)
    }

    pub fn epb(self, interface: u32, ts: u64, data: &[u8], wire_len: u32) -> PcapNg {
        let o = self.order;
        let mut body = Vec::new();
        body.extend(o.u32(interface));
        body.extend(o.u32((ts >> 32) as u32));
        body.extend(o.u32(ts as u32));
        body.extend(o.u32(data.len() as u32));
        body.extend(o.u32(wire_len));
        body.extend_from_slice(data);
        pad4(&mut body);
        self.block(BT_EPB, &body)
    }

    pub fn pb(self, interface: u16, ts: u64, data: &[u8], wire_len: u32) -> PcapNg {
        let o = self.order;
        let mut body = Vec::new();
        body.extend(o.u16(interface));
        body.extend(o.u16(0)); // drops
        body.extend(o.u32((ts >> 32) as u32));
        body.extend(o.u32(ts as u32));
        body.extend(o.u32(data.len() as u32));
        body.extend(o.u32(wire_len));
        body.extend_from_slice(data);
        pad4(&mut body);
        self.block(BT_PB, &body)
    }

    pub fn spb(self, wire_len: u32, data: &[u8]) -> PcapNg {
        let mut body = self.order.u32(wire_len).to_vec();
        body.extend_from_slice(data);
        pad4(&mut body);
        self.block(BT_SPB, &body)
    }

    /// Any block: body padded, framed by its total length at both ends.
    pub fn block(mut self, kind: u32, body: &[u8]) -> PcapNg {
        let mut body = body.to_vec();
        pad4(&mut body);
        let total = (body.len() + 12) as u32;
        let o = self.order;
        self.bytes.extend(o.u32(kind));
        self.bytes.extend(o.u32(total));
        self.bytes.extend(body);
        self.bytes.extend(o.u32(total));
        self
    }

    /// Bytes appended as they are.
    pub fn raw(mut self, bytes: &[u8]) -> PcapNg {
        self.bytes.extend_from_slice(bytes);
        self
    }

    pub fn build(self) -> Vec<u8> {
        self.bytes
    }
}
