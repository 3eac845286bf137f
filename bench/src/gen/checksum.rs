//! Checksums the generator must get right: the Internet checksum (RFC 1071) for IPv4 headers,
//! TCP, UDP, ICMP and ICMPv6, its incremental update (RFC 1624) for address rewriting, and
//! CRC-32C for SCTP (RFC 4960 appendix B).

/// One's-complement sum of 16-bit big-endian words, not yet folded or inverted, so sums of
/// several pieces (pseudo-header + segment) can be added before finishing.
#[inline]
pub fn sum16(data: &[u8], mut acc: u64) -> u64 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc += u16::from_be_bytes([c[0], c[1]]) as u64;
    }
    if let [last] = chunks.remainder() {
        acc += (*last as u64) << 8;
    }
    acc
}

/// Folds a [`sum16`] accumulator and inverts it: the value to store in a checksum field.
#[inline]
pub fn finish(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// The Internet checksum of `data` (checksum field assumed zeroed).
pub fn internet_checksum(data: &[u8]) -> u16 {
    finish(sum16(data, 0))
}

/// RFC 1624 eqn. 3: the checksum after 16-bit words `old` were replaced by `new`
/// (`HC' = ~(~HC + ~m + m')`). Slices are equally long and even.
pub fn update(checksum: u16, old: &[u8], new: &[u8]) -> u16 {
    let mut acc = (!checksum) as u64;
    for (o, n) in old.chunks_exact(2).zip(new.chunks_exact(2)) {
        acc += (!u16::from_be_bytes([o[0], o[1]])) as u64;
        acc += u16::from_be_bytes([n[0], n[1]]) as u64;
    }
    finish(acc)
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as SCTP uses it.
pub fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0x82F6_3B78 } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3: words 0001 f203 f4f5 f6f7 sum to 0x2ddf0 -> folded 0xddf2,
        // checksum = !0xddf2 = 0x220d.
        assert_eq!(internet_checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]), 0x220d);
        // Odd length: last byte padded with a zero on the right.
        assert_eq!(internet_checksum(&[0x01]), !0x0100);
    }

    #[test]
    fn incremental_update_matches_recompute() {
        let mut data = vec![0x45, 0x00, 0x00, 0x54, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
        let c = internet_checksum(&data);
        let old = data[12..20].to_vec();
        let new = [198, 18, 0, 7, 198, 19, 255, 1];
        data[12..20].copy_from_slice(&new);
        assert_eq!(update(c, &old, &new), internet_checksum(&data));
    }

    #[test]
    fn crc32c_check_value() {
        // The standard check value of CRC-32C over "123456789".
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    }
}
