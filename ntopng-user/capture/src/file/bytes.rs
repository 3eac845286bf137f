//! Reading fixed-width integers out of untrusted bytes in either byte order.
//!
//! Both capture formats record the writer's byte order once (pcap in its magic number, pcapng
//! in every section header) and every later field follows it, so readers carry an [`Endian`]
//! and decode through it. Every accessor is bounds-checked and returns `None` past the end:
//! a capture file is untrusted input and must never make the reader panic.

/// Byte order of the fields of a capture file (or of one pcapng section).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endian {
    Little,
    Big,
}

impl Endian {
    #[inline]
    pub(crate) fn u16(self, bytes: [u8; 2]) -> u16 {
        match self {
            Endian::Little => u16::from_le_bytes(bytes),
            Endian::Big => u16::from_be_bytes(bytes),
        }
    }

    #[inline]
    pub(crate) fn u32(self, bytes: [u8; 4]) -> u32 {
        match self {
            Endian::Little => u32::from_le_bytes(bytes),
            Endian::Big => u32::from_be_bytes(bytes),
        }
    }

    #[inline]
    pub(crate) fn i64(self, bytes: [u8; 8]) -> i64 {
        match self {
            Endian::Little => i64::from_le_bytes(bytes),
            Endian::Big => i64::from_be_bytes(bytes),
        }
    }

    /// The `u16` at `offset` in `data`, if all of it is there.
    #[inline]
    pub(crate) fn u16_at(self, data: &[u8], offset: usize) -> Option<u16> {
        array_at(data, offset).map(|b| self.u16(b))
    }

    /// The `u32` at `offset` in `data`, if all of it is there.
    #[inline]
    pub(crate) fn u32_at(self, data: &[u8], offset: usize) -> Option<u32> {
        array_at(data, offset).map(|b| self.u32(b))
    }

    /// The `i64` at `offset` in `data`, if all of it is there.
    #[inline]
    pub(crate) fn i64_at(self, data: &[u8], offset: usize) -> Option<i64> {
        array_at(data, offset).map(|b| self.i64(b))
    }
}

/// `N` bytes of `data` starting at `offset`, or `None` when they run past the end.
#[inline]
pub(crate) fn array_at<const N: usize>(data: &[u8], offset: usize) -> Option<[u8; N]> {
    let end = offset.checked_add(N)?;
    data.get(offset..end)?.try_into().ok()
}

/// A `u32` length or count from the file, as a `usize` (saturating on exotic 16-bit targets).
#[inline]
pub(crate) fn to_usize(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_orders_and_stops_at_the_end() {
        let data = [0x01, 0x02, 0x03, 0x04, 0x05];
        assert_eq!(Endian::Little.u32_at(&data, 0), Some(0x0403_0201));
        assert_eq!(Endian::Big.u32_at(&data, 1), Some(0x0203_0405));
        assert_eq!(Endian::Big.u16_at(&data, 3), Some(0x0405));
        assert_eq!(Endian::Little.u32_at(&data, 2), None);
        assert_eq!(Endian::Little.u16_at(&data, usize::MAX), None);
        assert_eq!(Endian::Little.i64_at(&data, 0), None);
    }
}
