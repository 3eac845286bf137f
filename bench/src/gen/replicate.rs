//! `replicate`: one big capture made of every capture in a directory, repeated K times.
//!
//! Each copy gets its own address mapping (see [`super::rewrite`]), so copies are distinct
//! flows, while ports and payloads are kept so nDPI classifies them like the originals.
//! Files are taken in name order; the output is copy 0 of every file, then copy 1 of every
//! file, and so on. Each (copy, file) block keeps the file's relative timing and starts
//! `gap_ns` after the previous block's last packet.
//!
//! Link types: frames whose link type the sink accepts and [`rewrite::supported_linktype`]
//! knows are rewritten and written. With a pcap sink (Ethernet only) every other frame is
//! skipped and counted in `skipped_linktype`; with a pcapng sink, each link type gets its own
//! interface, and frames of link types we cannot rewrite are still skipped (writing them
//! unchanged would leak their original addresses).

use super::pcap_writer::RecordSink;
use super::rewrite::{self, AddressMap, RewriteStats};
use super::scenarios::{BASE_TS_NS, SEC};
use ntopng_capture::CaptureFile;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// Parameters of [`replicate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicateParams {
    pub dir: PathBuf,
    pub copies: u32,
    /// Packet-time gap between consecutive (copy, file) blocks.
    pub gap_ns: u64,
    pub start_ts_ns: u64,
}

impl ReplicateParams {
    pub fn new(dir: impl Into<PathBuf>, copies: u32) -> ReplicateParams {
        ReplicateParams { dir: dir.into(), copies, gap_ns: SEC, start_ts_ns: BASE_TS_NS }
    }
}

/// One input file, as read in the first copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    pub name: String,
    pub linktype: u32,
    pub frames: u64,
    /// Frames written per copy (frames minus skipped ones).
    pub written: u64,
    /// Records the reader reported as malformed.
    pub malformed: u64,
}

/// What [`replicate`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplicateReport {
    pub copies: u32,
    pub files: Vec<FileReport>,
    /// Files that could not be opened as captures, with the reason.
    pub unreadable: Vec<(String, String)>,
    pub frames_read: u64,
    pub frames_written: u64,
    /// Wire bytes of the frames written.
    pub bytes_written: u64,
    /// Frames skipped, by link type.
    pub skipped_linktype: BTreeMap<u32, u64>,
    pub rewritten: RewriteStats,
    /// IPv4 addresses handed out; beyond 131072 the /15 wraps and copies may share addresses.
    pub ipv4_mappings: u64,
    pub first_ts_ns: u64,
    pub last_ts_ns: u64,
}

/// Regular files of `dir`, sorted by name.
pub fn list_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(dir)?.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect();
    v.sort();
    Ok(v)
}

/// Writes every capture of `p.dir`, `p.copies` times, into `sink`.
pub fn replicate(p: &ReplicateParams, sink: &mut dyn RecordSink) -> io::Result<ReplicateReport> {
    let files = list_files(&p.dir)?;
    let mut report = ReplicateReport {
        copies: p.copies,
        first_ts_ns: p.start_ts_ns,
        last_ts_ns: p.start_ts_ns,
        ..Default::default()
    };
    let mut map = AddressMap::new();
    let mut cursor = p.start_ts_ns;
    let mut buf = Vec::with_capacity(65_536);
    for copy in 0..p.copies {
        map.start_copy(copy);
        for path in &files {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let file = match CaptureFile::open(path) {
                Ok(f) => f,
                Err(e) => {
                    if copy == 0 {
                        report.unreadable.push((name, e.to_string()));
                    }
                    continue;
                }
            };
            let mut frames = file.frames();
            let mut file_first: Option<u64> = None;
            let mut block_last = cursor;
            let (mut n, mut written) = (0u64, 0u64);
            for f in &mut frames {
                n += 1;
                let lt = f.linktype.0;
                if !sink.accepts(lt) || !rewrite::supported_linktype(lt) {
                    *report.skipped_linktype.entry(lt).or_insert(0) += 1;
                    continue;
                }
                let first = *file_first.get_or_insert(f.ts_ns);
                let ts = cursor + f.ts_ns.saturating_sub(first);
                buf.clear();
                buf.extend_from_slice(f.data);
                rewrite::rewrite_frame(lt, &mut buf, &mut map, &mut report.rewritten);
                sink.write_record(lt, ts, &buf, f.wire_len)?;
                block_last = block_last.max(ts);
                written += 1;
                report.bytes_written += f.wire_len as u64;
            }
            report.frames_read += n;
            report.frames_written += written;
            if copy == 0 {
                report.files.push(FileReport {
                    name,
                    linktype: file.linktype().0,
                    frames: n,
                    written,
                    malformed: frames.stats().malformed,
                });
            }
            if written > 0 {
                report.last_ts_ns = report.last_ts_ns.max(block_last);
                cursor = block_last + p.gap_ns;
            }
        }
    }
    report.ipv4_mappings = map.v4_allocated();
    sink.flush()?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::pcap_writer::{MemorySink, PcapWriter};
    use crate::gen::scenarios::{handshake, Capture};

    #[test]
    fn replicates_with_distinct_addresses_per_copy() {
        let dir = std::env::temp_dir().join(format!("pcapgen-replicate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let src = Capture::of(handshake);
        std::fs::write(dir.join("a.pcap"), src.to_pcap()).unwrap();
        std::fs::write(dir.join("b.pcapng"), src.to_pcapng()).unwrap();
        // A raw-IP capture and a file that is no capture at all.
        let mut w = PcapWriter::new(Vec::new(), 101).unwrap();
        w.write_record(101, 5, &src.records[0].data[14..], src.records[0].wire_len - 14).unwrap();
        std::fs::write(dir.join("c-raw.pcap"), w.into_inner()).unwrap();
        std::fs::write(dir.join("d.txt"), b"not a capture").unwrap();

        let mut sink = MemorySink::default();
        let mut pcap_only = PcapWriter::new(Vec::new(), 1).unwrap();
        let params = ReplicateParams::new(&dir, 3);
        let r = replicate(&params, &mut sink).unwrap();
        let rp = replicate(&params, &mut pcap_only).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();

        let n = src.records.len() as u64;
        assert_eq!(r.unreadable.len(), 1);
        assert_eq!(r.frames_written, 3 * (2 * n + 1));
        assert_eq!(rp.frames_written, 3 * 2 * n);
        assert_eq!(rp.skipped_linktype.get(&101), Some(&3));
        // Timestamps never go back, copies follow each other.
        assert!(sink.records.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns));
        // Every (copy, file) block has its own server address.
        let servers: std::collections::HashSet<[u8; 4]> =
            sink.records.iter().filter(|x| x.linktype == 1).map(|x| x.data[26..30].try_into().unwrap()).collect();
        assert!(servers.len() >= 3, "{servers:?}");
        for x in &sink.records {
            let ip = if x.linktype == 1 { &x.data[14..] } else { &x.data[..] };
            assert_eq!(&ip[12..14], &[198, 18]);
            assert_eq!(crate::gen::checksum::internet_checksum(&ip[..20]), 0);
        }
        // Payloads are kept: the same frame lengths in the same order, per block.
        let lens: Vec<usize> = sink.records.iter().take(n as usize).map(|x| x.data.len()).collect();
        assert_eq!(lens, src.records.iter().map(|x| x.data.len()).collect::<Vec<_>>());
    }
}
