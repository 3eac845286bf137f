//! `decode_compare`: the hand-written decoder (`ntopng_wire::decode`) against the etherparse
//! crate's zero-copy slicers, on the same frames, for speed and for agreement.
//!
//! ```text
//! taskset -c 1 decode_compare FILE... [--passes 5] [--min-frames 1000000] [--hot-chunk 1024]
//!                                     [--hot-reps 4] [--examples 3]
//! ```
//!
//! Each capture is read fully into memory first (one contiguous buffer, frames in file order), so
//! no file I/O or page fault of the mapping is timed. Only Ethernet frames are compared (the
//! etherparse entry point is `from_ethernet`). Three decoders are timed over every frame:
//!
//! * `ntopng_wire::decode(ETHERNET, frame, DecodeOptions::default())` (what ntopng runs: tunnels
//!   decoded, VLANs kept);
//! * `etherparse::SlicedPacket::from_ethernet` (strict: any length or header error fails the
//!   whole packet);
//! * `etherparse::LaxSlicedPacket::from_ethernet` (keeps what was sliced before an error, accepts
//!   IP packets cut by the snaplen).
//!
//! Each is followed by extracting the facts the flow engine uses (innermost VLAN id, source and
//! destination address, L4 protocol, ports, TCP flags, L3 offset) into the same struct, and the
//! result goes through `std::hint::black_box`, so the work compared is the same. Two kinds of
//! pass, best of `--passes` each, the three decoders taking turns within each round:
//!
//! * streaming: every frame in file order, the sequence repeated until the pass covers at least
//!   `--min-frames` frames; on the big inputs the headers come from memory, as in a file run;
//! * cache-hot: chunks of `--hot-chunk` consecutive frames, each decoded once untimed and then
//!   `--hot-reps` times timed: the decoder's own cost without memory stalls (what it costs when
//!   the capture path has already brought the frame into the cache).
//!
//! Small scenarios (a few dozen frames) are cache-hot in both kinds.
//!
//! Agreement: per frame, the flow key (src, dst, L4 protocol, ports, VLAN) each etherparse mode
//! yields, against ours ("no key" when a decoder does not produce an IP packet: non-IP, dropped,
//! or an error). Disagreements are counted by category (tunnels we decapsulate, fragments, frames
//! we drop, etherparse errors, EtherTypes etherparse does not follow...) with a few examples.

use clap::Parser;
use etherparse::{LaxLinkExtSlice, LaxNetSlice, LaxSlicedPacket, LinkExtSlice, NetSlice, SlicedPacket, TransportSlice};
use ntopng_capture::{CaptureFile, LinkType};
use ntopng_wire::{decode, Addr, DecodeOptions, Decoded, Drop};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Debug, Parser)]
#[command(name = "decode_compare")]
struct Cli {
    /// Capture files (pcap or pcapng); only their Ethernet frames are used.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Timed passes per decoder; the best one is reported (0: agreement check only).
    #[arg(long, default_value_t = 5)]
    passes: u32,
    /// Repeat the frames within a pass until it covers at least this many frames.
    #[arg(long, default_value_t = 1_000_000)]
    min_frames: usize,
    /// Frames per chunk in the cache-hot passes.
    #[arg(long, default_value_t = 1024)]
    hot_chunk: usize,
    /// Timed repetitions of each chunk in the cache-hot passes (at least; small inputs get more).
    #[arg(long, default_value_t = 4)]
    hot_reps: usize,
    /// Examples printed per disagreement category.
    #[arg(long, default_value_t = 3)]
    examples: usize,
}

/// What the flow engine takes from a decoded frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Facts {
    vlan: u16,
    src: Addr,
    dst: Addr,
    proto: u8,
    sport: u16,
    dport: u16,
    tcp_flags: u8,
    l3_offset: u32,
}

impl Facts {
    /// The part compared for agreement: the flow key.
    fn key(&self) -> (u16, Addr, Addr, u8, u16, u16) {
        (self.vlan, self.src, self.dst, self.proto, self.sport, self.dport)
    }
}

// ---- The three decoders, each ending in `Option<Facts>` -------------------------------------

#[inline(always)]
fn ours(frame: &[u8]) -> Option<Facts> {
    match decode(LinkType::ETHERNET.0, frame, DecodeOptions::default()) {
        Decoded::Ip(p) => Some(Facts {
            vlan: p.vlan,
            src: p.src,
            dst: p.dst,
            proto: p.l4_proto,
            sport: p.src_port,
            dport: p.dst_port,
            tcp_flags: p.tcp_flags,
            l3_offset: p.l3_offset as u32,
        }),
        _ => None,
    }
}

#[inline(always)]
fn offset_in(frame: &[u8], part: &[u8]) -> u32 {
    (part.as_ptr() as usize - frame.as_ptr() as usize) as u32
}

#[inline(always)]
fn transport_facts(t: Option<&TransportSlice<'_>>) -> (u16, u16, u8) {
    match t {
        Some(TransportSlice::Tcp(t)) => (t.source_port(), t.destination_port(), t.header_slice()[13]),
        Some(TransportSlice::Udp(u)) => (u.source_port(), u.destination_port(), 0),
        _ => (0, 0, 0),
    }
}

#[inline(always)]
fn ep_strict_facts(frame: &[u8], p: &SlicedPacket<'_>) -> Option<Facts> {
    let mut vlan = 0;
    for e in &p.link_exts {
        if let LinkExtSlice::Vlan(v) = e {
            vlan = v.vlan_identifier().value();
        }
    }
    let (src, dst, proto, l3) = match p.net.as_ref()? {
        NetSlice::Ipv4(v4) => {
            let h = v4.header();
            (Addr::from_v4(h.source()), Addr::from_v4(h.destination()), v4.payload().ip_number.0, h.slice())
        }
        NetSlice::Ipv6(v6) => {
            let h = v6.header();
            (Addr::from_v6(h.source()), Addr::from_v6(h.destination()), v6.payload().ip_number.0, h.slice())
        }
        NetSlice::Arp(_) => return None,
    };
    let (sport, dport, tcp_flags) = transport_facts(p.transport.as_ref());
    Some(Facts { vlan, src, dst, proto, sport, dport, tcp_flags, l3_offset: offset_in(frame, l3) })
}

#[inline(always)]
fn ep_strict(frame: &[u8]) -> Option<Facts> {
    // Borrow the result in place: `.ok()?` would move the 264-byte struct out of the `Result`.
    match &SlicedPacket::from_ethernet(frame) {
        Ok(p) => ep_strict_facts(frame, p),
        Err(_) => None,
    }
}

#[inline(always)]
fn ep_lax_facts(frame: &[u8], p: &LaxSlicedPacket<'_>) -> Option<Facts> {
    let mut vlan = 0;
    for e in &p.link_exts {
        if let LaxLinkExtSlice::Vlan(v) = e {
            vlan = v.vlan_identifier().value();
        }
    }
    let (src, dst, proto, l3) = match p.net.as_ref()? {
        LaxNetSlice::Ipv4(v4) => {
            let h = v4.header();
            (Addr::from_v4(h.source()), Addr::from_v4(h.destination()), v4.payload().ip_number.0, h.slice())
        }
        LaxNetSlice::Ipv6(v6) => {
            let h = v6.header();
            (Addr::from_v6(h.source()), Addr::from_v6(h.destination()), v6.payload().ip_number.0, h.slice())
        }
        LaxNetSlice::Arp(_) => return None,
    };
    let (sport, dport, tcp_flags) = transport_facts(p.transport.as_ref());
    Some(Facts { vlan, src, dst, proto, sport, dport, tcp_flags, l3_offset: offset_in(frame, l3) })
}

#[inline(always)]
fn ep_lax(frame: &[u8]) -> Option<Facts> {
    match &LaxSlicedPacket::from_ethernet(frame) {
        Ok(p) => ep_lax_facts(frame, p),
        Err(_) => None,
    }
}

// ---- Timing ---------------------------------------------------------------------------------

/// How a pass walks the frames.
#[derive(Clone, Copy)]
enum Mode {
    /// Every frame in file order, the whole sequence `reps` times: frames come from memory
    /// (the inputs are far larger than the caches), as in a capture-file run.
    Streaming { reps: usize },
    /// Chunks of `chunk` consecutive frames; each chunk is decoded once untimed (to bring it
    /// into the cache), then `reps` times timed: the decoder's own cost, without memory stalls.
    CacheHot { chunk: usize, reps: usize },
}

impl Mode {
    fn frames_per_pass(self, n: usize) -> usize {
        match self {
            Mode::Streaming { reps } | Mode::CacheHot { reps, .. } => reps * n,
        }
    }
}

/// One pass of `mode` over the frames through `f`, results black-boxed; returns the timed part.
#[inline(always)]
fn pass<F: Fn(&[u8]) -> Option<Facts>>(frames: &[&[u8]], mode: Mode, f: F) -> Duration {
    match mode {
        Mode::Streaming { reps } => {
            let t = Instant::now();
            for _ in 0..reps {
                for &fr in frames {
                    black_box(f(black_box(fr)));
                }
            }
            t.elapsed()
        }
        Mode::CacheHot { chunk, reps } => {
            let mut total = Duration::ZERO;
            for c in frames.chunks(chunk) {
                for &fr in c {
                    black_box(f(black_box(fr)));
                }
                let t = Instant::now();
                for _ in 0..reps {
                    for &fr in c {
                        black_box(f(black_box(fr)));
                    }
                }
                total += t.elapsed();
            }
            total
        }
    }
}

#[inline(never)]
fn pass_ours(frames: &[&[u8]], mode: Mode) -> Duration {
    pass(frames, mode, ours)
}

#[inline(never)]
fn pass_strict(frames: &[&[u8]], mode: Mode) -> Duration {
    pass(frames, mode, ep_strict)
}

#[inline(never)]
fn pass_lax(frames: &[&[u8]], mode: Mode) -> Duration {
    pass(frames, mode, ep_lax)
}

// ---- Agreement ------------------------------------------------------------------------------

struct Category {
    count: u64,
    examples: Vec<String>,
}

#[derive(Default)]
struct Agreement {
    /// Frames with the same key (both none counts as agreement).
    agree: u64,
    /// Of which both produced an IP key.
    agree_ip: u64,
    /// Frames where this decoder produced an IP key.
    ip_frames: u64,
    /// Same key but a different L3 offset or TCP flags (should not happen).
    agree_other_fields_differ: u64,
    categories: BTreeMap<String, Category>,
}

impl Agreement {
    fn add(&mut self, cat: String, example: impl FnOnce() -> String, max_examples: usize) {
        let c = self.categories.entry(cat).or_insert(Category { count: 0, examples: Vec::new() });
        c.count += 1;
        if c.examples.len() < max_examples {
            c.examples.push(example());
        }
    }
}

fn show(f: &Option<Facts>) -> String {
    match f {
        None => "no key".into(),
        Some(f) => {
            let mut s = String::new();
            if f.vlan != 0 {
                let _ = write!(s, "vlan {} ", f.vlan);
            }
            let _ = write!(
                s,
                "{} {}:{} > {}:{} L3@{}",
                ntopng_wire::ipproto::name(f.proto).replace("Other IP", &format!("proto {}", f.proto)),
                f.src,
                f.sport,
                f.dst,
                f.dport,
                f.l3_offset
            );
            s
        }
    }
}

fn show_ours(d: &Decoded) -> String {
    match d {
        Decoded::Ip(p) => {
            let f = Facts {
                vlan: p.vlan,
                src: p.src,
                dst: p.dst,
                proto: p.l4_proto,
                sport: p.src_port,
                dport: p.dst_port,
                tcp_flags: p.tcp_flags,
                l3_offset: p.l3_offset as u32,
            };
            format!("{}{}", show(&Some(f)), if p.tunneled { " (tunneled)" } else { "" })
        }
        Decoded::NonIp(n) => format!("non-IP EtherType 0x{:04x}", n.ethertype),
        Decoded::Dropped(d) => format!("dropped: {}", d.name()),
    }
}

fn hex(b: &[u8], max: usize) -> String {
    let mut s = String::new();
    for (i, x) in b.iter().take(max).enumerate() {
        if i > 0 && i % 2 == 0 {
            s.push(' ');
        }
        let _ = write!(s, "{x:02x}");
    }
    if b.len() > max {
        s.push_str(" ..");
    }
    s
}

/// The EtherType after the VLAN tags etherparse follows, and how many tags there were.
fn inner_ethertype(frame: &[u8]) -> (u16, usize) {
    let be16 = |at: usize| frame.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let mut at = 12;
    let mut tags = 0;
    let mut t = be16(at).unwrap_or(0);
    while matches!(t, 0x8100 | 0x88a8 | 0x9100) {
        tags += 1;
        at += 4;
        match be16(at) {
            Some(n) => t = n,
            None => break,
        }
    }
    (t, tags)
}

/// The outer UDP ports and IP protocol etherparse sees, to name the tunnel we looked into.
fn tunnel_kind(lax: &Option<LaxSlicedPacket<'_>>) -> &'static str {
    let Some(p) = lax else { return "unidentified" };
    let proto = match &p.net {
        Some(LaxNetSlice::Ipv4(v)) => v.payload().ip_number.0,
        Some(LaxNetSlice::Ipv6(v)) => v.payload().ip_number.0,
        _ => return "unidentified",
    };
    if proto == 4 || proto == 41 {
        return "IP-in-IP (4in4/6in4/4in6/6in6)";
    }
    if let Some(TransportSlice::Udp(u)) = &p.transport {
        let is = |port: u16| u.source_port() == port || u.destination_port() == port;
        if is(2152) {
            return "GTP-U";
        }
        if is(37008) {
            return "TZSP";
        }
        if is(5247) {
            return "CAPWAP";
        }
    }
    "unidentified"
}

fn short_err(e: &etherparse::err::packet::SliceError) -> String {
    use etherparse::err::packet::SliceError as E;
    use etherparse::err::Layer;
    match e {
        E::Len(l) => match l.layer {
            Layer::UdpPayload => "UDP length field larger than the IP payload".into(),
            Layer::TcpHeader => "TCP header longer than the IP payload".into(),
            other => format!("length error in {other:?}"),
        },
        other => {
            let d = format!("{other:?}");
            d.split(['{', ' ']).next().unwrap_or(&d).trim_end_matches('(').to_string() + ")"
        }
    }
}

/// Why etherparse's key (`theirs`) differs from ours for this frame.
#[allow(clippy::too_many_arguments)]
fn categorise(
    frame: &[u8],
    d: &Decoded,
    mine: &Option<Facts>,
    theirs: &Option<Facts>,
    their_err: Option<String>,
    their_fragmented: bool,
    lax: &Option<LaxSlicedPacket<'_>>,
) -> String {
    let (et, tags) = inner_ethertype(frame);
    if let Decoded::Ip(p) = d {
        if p.tunneled {
            return format!("tunnel we decapsulate: {}", tunnel_kind(lax));
        }
    }
    match (mine, theirs) {
        (Some(m), Some(t)) => {
            if their_fragmented && m.src == t.src && m.dst == t.dst && m.proto == t.proto && t.sport == 0 {
                return "first fragment: we read the ports, etherparse slices no L4 header".into();
            }
            if m.src != t.src || m.dst != t.dst {
                return "addresses differ".into();
            }
            if m.proto != t.proto {
                return format!(
                    "L4 protocol differs (ours {}, etherparse {})",
                    ntopng_wire::ipproto::name(m.proto),
                    t.proto
                );
            }
            if m.vlan != t.vlan {
                return "VLAN id differs".into();
            }
            "ports differ".into()
        }
        (None, Some(_)) => match d {
            Decoded::Dropped(Drop::NonFirstFragment) => {
                "non-first fragment: we drop, etherparse keys it (no ports)".into()
            }
            Decoded::Dropped(Drop::TooShort) => "frame shorter than 42 bytes: we drop, etherparse keys it".into(),
            Decoded::Dropped(Drop::Truncated) => {
                let (zero_len, cut) = match lax.as_ref().and_then(|p| p.net.as_ref()) {
                    Some(LaxNetSlice::Ipv4(v)) => (v.header().total_len() == 0, v.payload().incomplete),
                    Some(LaxNetSlice::Ipv6(v)) => (v.header().payload_length() == 0, v.payload().incomplete),
                    _ => (false, false),
                };
                if zero_len {
                    "IP length field 0 (offload capture): we drop as ndpiReader does, etherparse keys it".into()
                } else if cut {
                    "IP packet longer than captured: we drop as ndpiReader does, etherparse keys it".into()
                } else {
                    "we drop (truncated), etherparse keys it".into()
                }
            }
            Decoded::Dropped(r) => format!("we drop ({}), etherparse keys it", r.name()),
            Decoded::NonIp(_) => "we say non-IP, etherparse keys it".into(),
            Decoded::Ip(_) => unreachable!(),
        },
        (Some(_), None) => {
            if let Some(e) = their_err {
                return format!("etherparse error, we keep the packet: {e}");
            }
            if tags > 3 {
                return "more than 3 VLAN tags (etherparse stops at 3)".into();
            }
            match et {
                0x8847 | 0x8848 => "MPLS: we pop the labels, etherparse stops".into(),
                0x8864 => "PPPoE session: we decode, etherparse stops".into(),
                t if t <= 1500 => "802.3 length field (LLC/SNAP or IP-looking payload): etherparse stops".into(),
                0x0800 | 0x86dd => "IP EtherType, etherparse finds no IP (other)".into(),
                _ => "unknown EtherType we still try as IP (version nibble 4/6)".into(),
            }
        }
        (None, None) => unreachable!("agreement"),
    }
}

// ---- Driver ---------------------------------------------------------------------------------

struct Loaded {
    /// All Ethernet frames, back to back.
    arena: Vec<u8>,
    ranges: Vec<(usize, usize)>,
    frames_total: u64,
    non_ethernet: u64,
}

fn load(path: &Path) -> Result<Loaded, String> {
    let file = CaptureFile::open(path).map_err(|e| e.to_string())?;
    // (linktype, bytes) of every frame first, then the Ethernet ones into one buffer.
    let all: Vec<(u32, &[u8])> = file.frames().map(|f| (f.linktype.0, f.data)).collect();
    let frames_total = all.len() as u64;
    let eth_bytes: usize = all.iter().filter(|(lt, _)| *lt == LinkType::ETHERNET.0).map(|(_, b)| b.len()).sum();
    let mut arena = Vec::with_capacity(eth_bytes);
    let mut ranges = Vec::with_capacity(all.len());
    let mut non_ethernet = 0;
    for (lt, b) in &all {
        if *lt != LinkType::ETHERNET.0 {
            non_ethernet += 1;
            continue;
        }
        let start = arena.len();
        arena.extend_from_slice(b);
        ranges.push((start, arena.len()));
    }
    Ok(Loaded { arena, ranges, frames_total, non_ethernet })
}

fn run(cli: &Cli) -> Result<(), String> {
    let mut unreadable = 0;
    for path in &cli.files {
        let l = match load(path) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("decode_compare: {e}");
                unreadable += 1;
                continue;
            }
        };
        let frames: Vec<&[u8]> = l.ranges.iter().map(|&(s, e)| &l.arena[s..e]).collect();
        let n = frames.len();
        if n == 0 {
            println!("{}: no Ethernet frames", path.display());
            continue;
        }
        let reps = cli.min_frames.div_ceil(n).max(1);
        let streaming = Mode::Streaming { reps };
        let hot = Mode::CacheHot { chunk: cli.hot_chunk, reps: cli.min_frames.div_ceil(n).max(cli.hot_reps) };
        println!("== {}", path.display());
        println!(
            "frames: {} ({} Ethernet, {} other link types skipped), {} bytes in memory ({:.0} B/frame); best of {} passes",
            l.frames_total,
            n,
            l.non_ethernet,
            l.arena.len(),
            l.arena.len() as f64 / n as f64,
            cli.passes
        );
        println!(
            "streaming pass: all frames in file order x {reps} = {} frames; cache-hot pass: chunks of {} frames, each warmed once then x {} = {} frames timed",
            streaming.frames_per_pass(n),
            cli.hot_chunk,
            match hot {
                Mode::CacheHot { reps, .. } => reps,
                Mode::Streaming { .. } => unreachable!(),
            },
            hot.frames_per_pass(n)
        );
        println!(
            "{:<11} {:<34} {:>9} {:>11} {:>9}   all passes ns/frame",
            "mode", "decoder", "ns/frame", "Mframes/s", "x ours"
        );
        let modes: &[(&str, Mode)] =
            if cli.passes == 0 { &[] } else { &[("streaming", streaming), ("cache-hot", hot)] };
        for &(mode_name, mode) in modes {
            // Warm-up (untimed), then passes with the three decoders taking turns.
            pass_ours(&frames, Mode::Streaming { reps: 1 });
            pass_strict(&frames, Mode::Streaming { reps: 1 });
            pass_lax(&frames, Mode::Streaming { reps: 1 });
            let names = ["ntopng_wire::decode", "etherparse SlicedPacket (strict)", "etherparse LaxSlicedPacket"];
            let mut times: [Vec<Duration>; 3] = Default::default();
            for _ in 0..cli.passes {
                times[0].push(pass_ours(&frames, mode));
                times[1].push(pass_strict(&frames, mode));
                times[2].push(pass_lax(&frames, mode));
            }
            let per = mode.frames_per_pass(n) as f64;
            let ns = |t: &Duration| t.as_nanos() as f64 / per;
            let best_ours = times[0].iter().min().map(ns).unwrap_or(f64::NAN);
            for (i, name) in names.iter().enumerate() {
                let best = times[i].iter().min().map(ns).unwrap_or(f64::NAN);
                let all: Vec<String> = times[i].iter().map(|t| format!("{:.2}", ns(t))).collect();
                println!(
                    "{:<11} {:<34} {:>9.2} {:>11.2} {:>9.2}   {}",
                    mode_name,
                    name,
                    best,
                    1e3 / best,
                    best / best_ours,
                    all.join(" ")
                );
            }
        }

        // Agreement, frame by frame (untimed).
        let mut strict = Agreement::default();
        let mut lax = Agreement::default();
        let mut ours_ip = 0u64;
        for (i, &fr) in frames.iter().enumerate() {
            let d = decode(LinkType::ETHERNET.0, fr, DecodeOptions::default());
            let mine = ours(fr);
            if mine.is_some() {
                ours_ip += 1;
            }
            let sp = SlicedPacket::from_ethernet(fr);
            let lp = LaxSlicedPacket::from_ethernet(fr).ok();
            let s_facts = sp.as_ref().ok().and_then(|p| ep_strict_facts(fr, p));
            let l_facts = lp.as_ref().and_then(|p| ep_lax_facts(fr, p));
            let s_frag = sp.as_ref().map(|p| p.is_ip_payload_fragmented()).unwrap_or(false);
            let l_frag = match lp.as_ref().and_then(|p| p.net.as_ref()) {
                Some(LaxNetSlice::Ipv4(v)) => v.is_payload_fragmented(),
                Some(LaxNetSlice::Ipv6(v)) => v.is_payload_fragmented(),
                _ => false,
            };
            let s_err = sp.as_ref().err().map(short_err);
            let l_err = lp.as_ref().and_then(|p| p.stop_err.as_ref()).map(|(e, _)| short_err(e));
            for (agr, theirs, err, frag, label) in
                [(&mut strict, s_facts, s_err, s_frag, "strict"), (&mut lax, l_facts, l_err, l_frag, "lax")]
            {
                if theirs.is_some() {
                    agr.ip_frames += 1;
                }
                let same = mine.map(|f| f.key()) == theirs.map(|f| f.key());
                if same {
                    agr.agree += 1;
                    if let (Some(m), Some(t)) = (mine, theirs) {
                        agr.agree_ip += 1;
                        if m.l3_offset != t.l3_offset || m.tcp_flags != t.tcp_flags {
                            agr.agree_other_fields_differ += 1;
                        }
                    }
                    continue;
                }
                // Lax has no error to give when it stops quietly; strict errors explain its gaps.
                let err_for_cat = if theirs.is_none() { err.clone() } else { None };
                let cat = categorise(fr, &d, &mine, &theirs, err_for_cat, frag, &lp);
                let example = || {
                    format!(
                        "frame #{} ({} B): ours: {} | etherparse {}: {}{} | {}",
                        i + 1,
                        fr.len(),
                        show_ours(&d),
                        label,
                        show(&theirs),
                        err.as_deref().map(|e| format!(" [{e}]")).unwrap_or_default(),
                        hex(&fr[12.min(fr.len())..], 40)
                    )
                };
                agr.add(cat, example, cli.examples);
            }
        }
        println!(
            "ours: {ours_ip} of {n} frames give an IP flow key (sizes returned: Decoded {} B, SlicedPacket {} B, LaxSlicedPacket {} B)",
            std::mem::size_of::<Decoded>(),
            std::mem::size_of::<SlicedPacket<'_>>(),
            std::mem::size_of::<LaxSlicedPacket<'_>>()
        );
        for (name, agr) in [("SlicedPacket (strict)", &strict), ("LaxSlicedPacket", &lax)] {
            println!(
                "agreement with etherparse {name} on (src, dst, proto, sport, dport, vlan): {} of {} frames ({:.3}%), {} disagree; etherparse gives an IP key for {} frames; same key but other L3 offset/TCP flags: {}",
                agr.agree,
                n,
                100.0 * agr.agree as f64 / n as f64,
                n as u64 - agr.agree,
                agr.ip_frames,
                agr.agree_other_fields_differ
            );
            let mut cats: Vec<(&String, &Category)> = agr.categories.iter().collect();
            cats.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
            for (cat, c) in cats {
                println!("  {:>8}  {}", c.count, cat);
                for e in &c.examples {
                    println!("              e.g. {e}");
                }
            }
        }
        println!();
    }
    if unreadable > 0 {
        return Err(format!("{unreadable} file(s) could not be read"));
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("decode_compare: {e}");
            ExitCode::FAILURE
        }
    }
}
