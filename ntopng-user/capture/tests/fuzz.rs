//! Property tests: whatever the bytes, opening and walking a capture never panics, always
//! ends, lends only bytes of the input, and counts no more records than the input can hold.
//! Inputs are random bytes behind valid headers, random block sequences, and valid generated
//! files that are then mutated (bit flips, truncation, absurd or misaligned lengths).
//! About 120k cases in all.

mod common;

use common::build::*;
use ntopng_capture::{CaptureError, CaptureFile};
use proptest::prelude::*;
use proptest::sample::Index;

/// The smallest record or block of either format takes 12 bytes (pcapng framing; pcap record
/// headers take 16), so no input of `len` bytes holds more than this many.
fn record_bound(len: usize) -> u64 {
    (len / 12 + 1) as u64
}

/// Opens and walks `bytes`, checking every invariant. Returns the walk's frame count (or
/// `None` when the bytes are not a capture).
fn check_walk(bytes: Vec<u8>) -> Result<Option<u64>, TestCaseError> {
    let len = bytes.len();
    let file = match CaptureFile::from_bytes(bytes) {
        Ok(file) => file,
        Err(CaptureError::NotACapture(..)) => return Ok(None),
        Err(e) => return Err(TestCaseError::fail(format!("unexpected error {e}"))),
    };
    let input = file.as_bytes().as_ptr_range();
    let (start, end) = (input.start as usize, input.end as usize);
    let bound = record_bound(len);
    let mut frames = file.frames();
    let (mut n, mut data_bytes) = (0u64, 0u64);
    for frame in frames.by_ref() {
        n += 1;
        prop_assert!(n <= bound, "more frames than the input can hold");
        let at = frame.data.as_ptr() as usize;
        prop_assert!(at >= start && at + frame.data.len() <= end, "frame data outside the input");
        data_bytes += frame.data.len() as u64;
    }
    let stats = frames.stats();
    prop_assert_eq!(stats.frames, n);
    prop_assert_eq!(stats.bytes, data_bytes);
    prop_assert!(stats.frames + stats.malformed + stats.skipped_blocks <= bound, "{:?} for {} bytes", stats, len);
    prop_assert!(frames.next().is_none(), "a finished walk must stay finished");
    // Walking again gives the same answer.
    let mut again = file.frames();
    prop_assert_eq!(again.by_ref().count() as u64, n);
    prop_assert_eq!(again.stats(), stats);
    Ok(Some(n))
}

fn order() -> impl Strategy<Value = Order> {
    prop_oneof![Just(Order::Little), Just(Order::Big)]
}

fn pcap_magic() -> impl Strategy<Value = u32> {
    prop_oneof![Just(MAGIC_MICROS), Just(MAGIC_NANOS), Just(MAGIC_PATCHED)]
}

fn pcap_version() -> impl Strategy<Value = (u16, u16)> {
    prop_oneof![Just((2, 4)), Just((2, 3)), Just((2, 2)), Just((2, 0)), Just((543, 0))]
}

fn snaplen() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0), Just(64), Just(65535), Just(262_144), Just(u32::MAX), any::<u32>()]
}

/// A length field: mostly plausible, sometimes absurd.
fn length_field() -> impl Strategy<Value = u32> {
    prop_oneof![4 => 0u32..300, 1 => Just(u32::MAX), 1 => Just(0), 1 => any::<u32>()]
}

fn payload(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

/// A valid pcap file and the (caplen, wire_len) of its records.
fn valid_pcap() -> impl Strategy<Value = (Vec<u8>, Vec<(usize, u32)>)> {
    let record = (any::<u32>(), 0u32..1_000_000, payload(200), 0u32..100);
    (order(), pcap_magic(), pcap_version(), snaplen(), any::<u16>(), proptest::collection::vec(record, 0..8)).prop_map(
        |(order, magic, version, snaplen, linktype, records)| {
            let swapped = version.1 < 3 || version.0 == 543;
            let mut pcap = Pcap::new(order, magic, version, snaplen, u32::from(linktype));
            let mut expected = Vec::new();
            for (sec, fraction, data, extra) in records {
                let (caplen, wire) = (data.len() as u32, data.len() as u32 + extra);
                let (first, second) = if swapped { (wire, caplen) } else { (caplen, wire) };
                pcap = pcap.record_raw(sec, fraction, first, second, &data);
                expected.push((data.len(), wire));
            }
            (pcap.build(), expected)
        },
    )
}

/// One pcapng block of a generated file.
#[derive(Debug, Clone)]
enum Item {
    Section(Order),
    Interface { linktype: u16, snaplen: u32, tsresol: Option<u8> },
    Enhanced { interface: usize, ts: u64, data: Vec<u8>, extra: u32 },
    Simple { data: Vec<u8> },
    Obsolete { interface: usize, ts: u64, data: Vec<u8> },
    Other { kind: u32, body: Vec<u8> },
}

fn item() -> impl Strategy<Value = Item> {
    let tsresol =
        prop_oneof![Just(None), Just(Some(6)), Just(Some(9)), Just(Some(0x80 | 20)), Just(Some(3)), Just(Some(12))];
    prop_oneof![
        1 => order().prop_map(Item::Section),
        2 => (any::<u16>(), snaplen(), tsresol).prop_map(|(linktype, snaplen, tsresol)| Item::Interface { linktype, snaplen, tsresol }),
        6 => (any::<usize>(), any::<u64>(), payload(200), 0u32..100)
            .prop_map(|(interface, ts, data, extra)| Item::Enhanced { interface, ts, data, extra }),
        1 => payload(100).prop_map(|data| Item::Simple { data }),
        1 => (any::<usize>(), any::<u64>(), payload(100)).prop_map(|(interface, ts, data)| Item::Obsolete { interface, ts, data }),
        1 => (prop_oneof![Just(BT_NRB), Just(BT_ISB), Just(0x0000_0BAD), Just(0x4000_0BAD), 7u32..0x100], payload(64))
            .prop_map(|(kind, body)| Item::Other { kind, body }),
    ]
}

/// A valid pcapng file (every packet on an interface of its section) and
/// the number of frames it holds.
fn valid_pcapng() -> impl Strategy<Value = (Vec<u8>, u64)> {
    (order(), proptest::collection::vec(item(), 0..12)).prop_map(|(first_order, items)| {
        let mut ng = PcapNg::new(first_order).idb(1, 0, &[]);
        let mut interfaces = 1usize;
        let mut frames = 0;
        for item in items {
            ng = match item {
                Item::Section(order) => {
                    interfaces = 1;
                    ng.shb(order).idb(1, 0, &[])
                }
                Item::Interface { linktype, snaplen, tsresol } => {
                    interfaces += 1;
                    let options: Vec<_> = tsresol.map(|r| (OPT_IF_TSRESOL, vec![r])).into_iter().collect();
                    ng.idb(linktype, snaplen, &options)
                }
                Item::Enhanced { interface, ts, data, extra } => {
                    frames += 1;
                    ng.epb((interface % interfaces) as u32, ts, &data, data.len() as u32 + extra)
                }
                Item::Simple { data } => {
                    frames += 1;
                    ng.spb(data.len() as u32, &data)
                }
                Item::Obsolete { interface, ts, data } => {
                    frames += 1;
                    ng.pb((interface % interfaces) as u16, ts, &data, data.len() as u32)
                }
                Item::Other { kind, body } => ng.block(kind, &body),
            };
        }
        (ng.build(), frames)
    })
}

/// A damage done to a valid file.
#[derive(Debug, Clone)]
enum Mutation {
    FlipBit(Index, u8),
    SetU32(Index, u32),
    Truncate(Index),
    Insert(Index, Vec<u8>),
    Remove(Index, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let value =
        prop_oneof![Just(u32::MAX), Just(0), Just(1), Just(13), Just(0x0A0D_0D0A), Just(0x1A2B_3C4D), any::<u32>()];
    prop_oneof![
        3 => (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit(at, bit)),
        3 => (any::<Index>(), value).prop_map(|(at, v)| Mutation::SetU32(at, v)),
        2 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), payload(16)).prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        1 => (any::<Index>(), 1usize..16).prop_map(|(at, n)| Mutation::Remove(at, n)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        if bytes.is_empty() {
            break;
        }
        let len = bytes.len();
        match m {
            Mutation::FlipBit(at, bit) => bytes[at.index(len)] ^= 1 << bit,
            Mutation::SetU32(at, v) => {
                // Aligned like the fields of both formats.
                let at = at.index(len) & !3;
                let end = (at + 4).min(len);
                bytes[at..end].copy_from_slice(&v.to_le_bytes()[..end - at]);
            }
            Mutation::Truncate(at) => bytes.truncate(at.index(len)),
            Mutation::Insert(at, extra) => {
                let at = at.index(len);
                bytes.splice(at..at, extra.iter().copied());
            }
            Mutation::Remove(at, n) => {
                let at = at.index(len);
                bytes.drain(at..(at + n).min(len));
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(25_000))]

    #[test]
    fn random_bytes_after_a_pcap_header(
        order in order(), magic in pcap_magic(), version in pcap_version(), snaplen in snaplen(),
        linktype in any::<u32>(), tail in payload(2048),
    ) {
        let mut bytes = Pcap::new(order, magic, version, snaplen, linktype).build();
        bytes.extend(tail);
        prop_assert!(check_walk(bytes)?.is_some());
    }

    #[test]
    fn random_records_after_a_pcap_header(
        order in order(), version in pcap_version(), snaplen in snaplen(),
        records in proptest::collection::vec((length_field(), length_field(), payload(300)), 0..6),
    ) {
        let mut pcap = Pcap::new(order, MAGIC_MICROS, version, snaplen, 1);
        for (first, second, data) in records {
            pcap = pcap.record_raw(1, 2, first, second, &data);
        }
        prop_assert!(check_walk(pcap.build())?.is_some());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn random_bytes_after_a_pcapng_header(order in order(), with_idb in any::<bool>(), tail in payload(2048)) {
        let ng = PcapNg::new(order);
        let ng = if with_idb { ng.idb(1, 65535, &[]) } else { ng };
        let mut bytes = ng.build();
        bytes.extend(tail);
        prop_assert!(check_walk(bytes)?.is_some());
    }

    #[test]
    fn random_blocks_after_a_pcapng_header(
        order in order(),
        blocks in proptest::collection::vec(
            (
                prop_oneof![Just(BT_IDB), Just(BT_EPB), Just(BT_SPB), Just(BT_PB), Just(BT_SHB), Just(BT_ISB), any::<u32>()],
                length_field(),
                prop_oneof![3 => Just(None), 1 => length_field().prop_map(Some)],
                payload(120),
            ),
            0..10,
        ),
    ) {
        // Each block: a type, a total length that may be anything, a body, and a trailer that
        // may disagree.
        let mut bytes = PcapNg::new(order).idb(1, 0, &[]).build();
        let put = |v: u32| match order { Order::Little => v.to_le_bytes(), Order::Big => v.to_be_bytes() };
        for (kind, total, trailer, body) in blocks {
            bytes.extend(put(kind));
            bytes.extend(put(total));
            bytes.extend(&body);
            bytes.extend(put(trailer.unwrap_or(total)));
        }
        prop_assert!(check_walk(bytes)?.is_some());
    }

    #[test]
    fn mutated_valid_pcap((bytes, records) in valid_pcap(), mutations in proptest::collection::vec(mutation(), 0..4)) {
        let untouched = mutations.is_empty();
        let frames = check_walk(mutate(bytes.clone(), &mutations))?;
        if untouched {
            // Unharmed, every record comes out, with its wire length and (a prefix of) its data.
            let file = CaptureFile::from_bytes(bytes).unwrap();
            let mut walk = file.frames();
            let got: Vec<_> = walk.by_ref().map(|f| (f.data.len(), f.wire_len)).collect();
            prop_assert_eq!(got.len(), records.len());
            for ((caplen, wire), (want_caplen, want_wire)) in got.iter().zip(&records) {
                prop_assert!(caplen <= want_caplen);
                prop_assert_eq!(wire, want_wire);
            }
            prop_assert!(!walk.stats().truncated_tail && walk.stats().malformed == 0);
            prop_assert_eq!(frames, Some(records.len() as u64));
        }
    }

    #[test]
    fn mutated_valid_pcapng((bytes, frames) in valid_pcapng(), mutations in proptest::collection::vec(mutation(), 0..4)) {
        let untouched = mutations.is_empty();
        let got = check_walk(mutate(bytes.clone(), &mutations))?;
        if untouched {
            prop_assert_eq!(got, Some(frames));
            let file = CaptureFile::from_bytes(bytes).unwrap();
            let mut walk = file.frames();
            walk.by_ref().for_each(drop);
            prop_assert!(!walk.stats().truncated_tail && walk.stats().malformed == 0, "{:?}", walk.stats());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn bad_magic_is_not_a_capture(magic in any::<[u8; 4]>(), tail in payload(64)) {
        let known = [
            MAGIC_MICROS.to_le_bytes(), MAGIC_MICROS.to_be_bytes(),
            MAGIC_NANOS.to_le_bytes(), MAGIC_NANOS.to_be_bytes(),
            MAGIC_PATCHED.to_le_bytes(), MAGIC_PATCHED.to_be_bytes(),
            BT_SHB.to_le_bytes(),
        ];
        prop_assume!(!known.contains(&magic));
        let mut bytes = magic.to_vec();
        bytes.extend(tail);
        let is_not_a_capture = matches!(CaptureFile::from_bytes(bytes), Err(CaptureError::NotACapture(..)));
        prop_assert!(is_not_a_capture);
    }

    #[test]
    fn cut_headers_are_not_captures(order in order(), pcapng in any::<bool>(), cut in 0usize..24) {
        let bytes = if pcapng { PcapNg::new(order).build() } else { Pcap::new(order, MAGIC_MICROS, (2, 4), 0, 1).build() };
        // pcapng needs its byte-order magic and major version (14 bytes) to be recognised.
        let cut = if pcapng { cut.min(13) } else { cut };
        let is_not_a_capture = matches!(CaptureFile::from_bytes(bytes[..cut].to_vec()), Err(CaptureError::NotACapture(..)));
        prop_assert!(is_not_a_capture);
    }
}
