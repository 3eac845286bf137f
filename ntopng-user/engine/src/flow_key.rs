//! The identity of a flow, the same whichever direction a packet travels.

use ntopng_wire::{Addr, PacketInfo};

/// (VLAN, L4 protocol, {address, port} x 2) with the endpoints ordered, so both directions of
/// a conversation build the same key. 40 bytes, no implicit padding: the kernel bypass map
/// will use the same layout.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    pub lo: Addr,
    pub hi: Addr,
    pub lo_port: u16,
    pub hi_port: u16,
    pub vlan: u16,
    pub l4_proto: u8,
    pub ip_version: u8,
}

const _: () = assert!(std::mem::size_of::<FlowKey>() == 40);

/// Which endpoint of the key sent a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Lo,
    Hi,
}

impl FlowKey {
    /// Builds the key of a packet and tells which side of the key sent it.
    #[inline]
    pub fn of(p: &PacketInfo) -> (FlowKey, Side) {
        let src = (p.src, p.src_port);
        let dst = (p.dst, p.dst_port);
        let (lo, hi, side) = if src <= dst { (src, dst, Side::Lo) } else { (dst, src, Side::Hi) };
        let key = FlowKey {
            lo: lo.0,
            hi: hi.0,
            lo_port: lo.1,
            hi_port: hi.1,
            vlan: p.vlan,
            l4_proto: p.l4_proto,
            ip_version: p.ip_version,
        };
        (key, side)
    }

    pub fn endpoint(&self, side: Side) -> (Addr, u16) {
        match side {
            Side::Lo => (self.lo, self.lo_port),
            Side::Hi => (self.hi, self.hi_port),
        }
    }

    /// Symmetric flow hash: the worker (and later the kernel bypass slot) of a flow.
    /// Word-wise multiply-xor over the ordered key, then a murmur3 finaliser; simple enough to
    /// mirror in the XDP program's C.
    #[inline]
    pub fn hash32(&self) -> u32 {
        let mut h: u32 = 0x9747_b28c;
        let mut mix = |w: u32| {
            h ^= w;
            h = h.rotate_left(13).wrapping_mul(0x9e37_79b1);
        };
        for c in self.lo.0.chunks_exact(4).chain(self.hi.0.chunks_exact(4)) {
            mix(u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        }
        mix((self.lo_port as u32) << 16 | self.hi_port as u32);
        mix((self.vlan as u32) << 16 | (self.l4_proto as u32) << 8 | self.ip_version as u32);
        h ^= h >> 16;
        h = h.wrapping_mul(0x85eb_ca6b);
        h ^= h >> 13;
        h = h.wrapping_mul(0xc2b2_ae35);
        h ^ (h >> 16)
    }

    /// ntopng's numeric flow key (`ntopng.key`): a wrapping sum, symmetric by construction.
    pub fn ntopng_key(&self) -> u32 {
        let ipkey = |a: &Addr| -> u32 {
            if a.is_v4() {
                u32::from_be_bytes([a.0[12], a.0[13], a.0[14], a.0[15]])
            } else {
                // IPv6 hosts key on their last 32 bits.
                u32::from_be_bytes([a.0[12], a.0[13], a.0[14], a.0[15]])
            }
        };
        ipkey(&self.lo)
            .wrapping_add(ipkey(&self.hi))
            .wrapping_add(self.lo_port.swap_bytes() as u32)
            .wrapping_add(self.hi_port.swap_bytes() as u32)
            .wrapping_add(self.vlan as u32)
            .wrapping_add(self.l4_proto as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ntopng_wire::PacketInfo;

    fn pkt(src: [u8; 4], sp: u16, dst: [u8; 4], dp: u16) -> PacketInfo {
        PacketInfo {
            vlan: 7,
            src_mac: [0; 6],
            dst_mac: [0; 6],
            l3_offset: 14,
            ip_version: 4,
            src: Addr::from_v4(src),
            dst: Addr::from_v4(dst),
            l4_proto: 6,
            src_port: sp,
            dst_port: dp,
            tcp_flags: 0,
            tcp_seq: 0,
            tcp_window: 0,
            dscp: 0,
            payload_len: 0,
            first_fragment: false,
            tunneled: false,
        }
    }

    #[test]
    fn both_directions_meet() {
        let (a, sa) = FlowKey::of(&pkt([198, 18, 0, 2], 40000, [198, 18, 0, 1], 443));
        let (b, sb) = FlowKey::of(&pkt([198, 18, 0, 1], 443, [198, 18, 0, 2], 40000));
        assert_eq!(a, b);
        assert_ne!(sa, sb);
        assert_eq!(a.hash32(), b.hash32());
        assert_eq!(a.endpoint(sa), (Addr::from_v4([198, 18, 0, 2]), 40000));
    }

    #[test]
    fn ntopng_key_matches_the_documented_example() {
        // 192.168.1.93:61683 -> 8.241.92.250:443/TCP, VLAN 0: 3382381902 (data_model.md 3.1).
        let mut p = pkt([192, 168, 1, 93], 61683, [8, 241, 92, 250], 443);
        p.vlan = 0;
        assert_eq!(FlowKey::of(&p).0.ntopng_key(), 3_382_381_902);
    }
}
