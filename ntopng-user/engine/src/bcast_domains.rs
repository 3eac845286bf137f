//! ntopng's broadcast domains: IPv4 subnets inferred from two addresses known to share a link
//! (an ARP frame's sender and target, an IPv4 packet to the Ethernet broadcast address). The smallest prefix (at most /28) that holds both addresses is
//! the domain; prefixes wider than /16 are ignored, as are ARP probes (sender 0.0.0.0) and
//! link-local addresses. A domain already known, or one inside a known domain, gains a hit.

use hashbrown::HashMap;
use std::collections::BTreeMap;

/// Narrowest domain the heuristic reports, and the widest it accepts (exclusive).
const NARROWEST: u8 = 28;
const WIDEST_REFUSED: u8 = 16;
/// ntopng stops adding domains at this many.
const MAX_DOMAINS: usize = u16::MAX as usize - 1;

fn mask(cidr: u8) -> u32 {
    if cidr == 0 { 0 } else { u32::MAX << (32 - cidr) }
}

fn link_local(a: u32) -> bool {
    a & 0xffff_0000 == 0xa9fe_0000
}

/// A worker's broadcast domains: (network, prefix length) -> hits.
#[derive(Debug, Clone, Default)]
pub struct BcastDomains {
    hits: HashMap<(u32, u8), u64>,
}

impl BcastDomains {
    /// The domain an ARP between `a` and `b` (host-order IPv4) reveals, if any.
    pub fn domain_of(a: u32, b: u32) -> Option<(u32, u8)> {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let diff = hi - lo;
        if diff == 0 || lo == 0 || link_local(lo) || link_local(hi) {
            return None;
        }
        // The first prefix whose host part can span the distance; one bit wider when the two
        // addresses still straddle its boundary.
        let mut cidr = (1..=NARROWEST).rev().find(|&c| diff & mask(c) == 0)?;
        if lo & mask(cidr) != hi & mask(cidr) {
            cidr -= 1;
        }
        (cidr > WIDEST_REFUSED).then(|| (lo & mask(cidr), cidr))
    }

    /// Accounts two addresses seen on one link: an ARP frame's sender and target protocol
    /// addresses, or an IPv4 packet sent to the Ethernet broadcast address.
    pub fn arp(&mut self, sender: u32, target: u32) {
        let Some((net, cidr)) = Self::domain_of(sender, target) else { return };
        // The longest known domain that holds this one takes the hit.
        for c in (WIDEST_REFUSED + 1..=cidr).rev() {
            if let Some(h) = self.hits.get_mut(&(net & mask(c), c)) {
                *h += 1;
                return;
            }
        }
        if self.hits.len() < MAX_DOMAINS {
            self.hits.insert((net, cidr), 1);
        }
    }

    /// As ntopng lists them: `"a.b.c.d/len"` -> hits.
    pub fn to_map(&self) -> BTreeMap<String, u64> {
        self.hits
            .iter()
            .map(|(&(net, cidr), &h)| (format!("{}/{}", std::net::Ipv4Addr::from(net), cidr), h))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(a: [u8; 4]) -> u32 {
        u32::from_be_bytes(a)
    }

    #[test]
    fn smallest_prefix_holding_both_addresses() {
        let d = |a, b| BcastDomains::domain_of(ip(a), ip(b)).map(|(n, c)| (std::net::Ipv4Addr::from(n).to_string(), c));
        assert_eq!(d([192, 168, 2, 1], [192, 168, 2, 254]), Some(("192.168.2.0".into(), 24)));
        // Close addresses still make a /28 ...
        assert_eq!(d([10, 0, 0, 1], [10, 0, 0, 2]), Some(("10.0.0.0".into(), 28)));
        // ... unless they straddle its boundary: one bit wider.
        assert_eq!(d([10, 0, 0, 14], [10, 0, 0, 17]), Some(("10.0.0.0".into(), 27)));
        assert_eq!(d([10, 0, 0, 1], [10, 0, 0, 1]), None, "gratuitous ARP");
        assert_eq!(d([0, 0, 0, 0], [10, 0, 0, 1]), None, "ARP probe");
        assert_eq!(d([169, 254, 1, 1], [169, 254, 9, 9]), None, "link local");
        assert_eq!(d([10, 0, 0, 1], [10, 200, 0, 1]), None, "wider than /16");
    }

    #[test]
    fn hits_go_to_the_enclosing_domain() {
        let mut b = BcastDomains::default();
        b.arp(ip([192, 168, 2, 1]), ip([192, 168, 2, 254]));
        b.arp(ip([192, 168, 2, 1]), ip([192, 168, 2, 2])); // a /28 inside the /24
        b.arp(ip([10, 0, 0, 1]), ip([10, 0, 0, 2]));
        let m = b.to_map();
        assert_eq!(m.get("192.168.2.0/24"), Some(&2));
        assert_eq!(m.get("10.0.0.0/28"), Some(&1));
        assert_eq!(m.len(), 2);
    }

}
