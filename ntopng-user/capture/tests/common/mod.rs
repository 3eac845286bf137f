//! Shared test helpers: the libpcap reference reader, file builders, the shared captures.

#![allow(dead_code)]

pub mod build;
pub mod libpcap;

use libpcap::{RefFrame, RefNext, Reference};
use ntopng_capture::{CaptureFile, FileFormat, FileStats, Frame};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// `shared/pcaps` next to the repository, if this checkout has it.
pub fn shared_pcaps() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pcaps");
    dir.is_dir().then_some(dir)
}

/// Every file of the shared capture folders, sorted; prints a SKIP line and returns `None`
/// when the folder is absent.
pub fn shared_captures(test: &str) -> Option<Vec<PathBuf>> {
    let Some(root) = shared_pcaps() else {
        println!("SKIP: {test}: {}/../../../shared/pcaps not found", env!("CARGO_MANIFEST_DIR"));
        return None;
    };
    let mut files = Vec::new();
    for sub in ["ndpi-4.2/pcap", "ntopng-e2e"] {
        let dir = root.join(sub);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            println!("SKIP: {test}: {} not found", dir.display());
            continue;
        };
        files.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()));
    }
    files.sort();
    Some(files)
}

/// A shared capture by its path under shared/pcaps.
pub fn shared_capture(relative: &str) -> Option<PathBuf> {
    let path = shared_pcaps()?.join(relative);
    path.is_file().then_some(path)
}

/// Writes `bytes` to a fresh temporary file (for libpcap, which reads only files).
pub fn temp_file(name: &str, bytes: &[u8]) -> TempFile {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("ntopng-capture-{}-{n}-{name}", std::process::id()));
    std::fs::write(&path, bytes).expect("write temp file");
    TempFile(path)
}

/// A temporary file removed on drop.
pub struct TempFile(pub PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// How a walk compared with libpcap's.
#[derive(Debug)]
pub struct Comparison {
    /// Frames both returned, identical.
    pub frames: usize,
    /// libpcap's message when it gave up before a clean end of file.
    pub libpcap_error: Option<String>,
    /// Our frames beyond the point where libpcap gave up.
    pub extra_frames: usize,
    pub ours: FileStats,
}

/// The time stamp libpcap reports, as our nanoseconds. libpcap reads the 32-bit seconds and
/// sub-second fields of classic pcap records as *signed*; we read them unsigned (so dates
/// after 2038 work), which recovers the raw field here.
fn reference_ts_ns(file: &CaptureFile, r: &RefFrame) -> u64 {
    const NANOS: u64 = 1_000_000_000;
    match file.format() {
        FileFormat::PcapNg => (r.tv_sec as u64).wrapping_mul(NANOS).wrapping_add(r.tv_frac as u64),
        FileFormat::Pcap => {
            let magic = &file.as_bytes()[..4];
            let nanos_file = magic == [0xa1, 0xb2, 0x3c, 0x4d] || magic == [0x4d, 0x3c, 0xb2, 0xa1];
            let fraction_ns = if nanos_file {
                u64::from(r.tv_frac as i32 as u32)
            } else {
                u64::from((r.tv_frac / 1000) as i32 as u32) * 1000
            };
            u64::from(r.tv_sec as u32) * NANOS + fraction_ns
        }
    }
}

fn same_frame(file: &CaptureFile, ours: &Frame<'_>, r: &RefFrame) -> Result<(), String> {
    let ts = reference_ts_ns(file, r);
    if ours.caplen() != r.caplen || ours.wire_len != r.len || ours.data != r.data.as_slice() {
        return Err(format!(
            "ours caplen {} len {} vs libpcap caplen {} len {} (bytes equal: {})",
            ours.caplen(),
            ours.wire_len,
            r.caplen,
            r.len,
            ours.data == r.data.as_slice()
        ));
    }
    if ours.ts_ns / 1000 != ts / 1000 {
        return Err(format!("ours ts {} ns vs libpcap {} ns", ours.ts_ns, ts));
    }
    Ok(())
}

/// Walks `path` with libpcap and with [`CaptureFile`] side by side. `Err` when libpcap cannot
/// open it (its message) — or, with a message starting with "MISMATCH", when the two differ
/// on a frame both returned, or libpcap ended cleanly and we did not.
pub fn compare_with_libpcap(path: &Path) -> Result<Comparison, String> {
    let mut reference = Reference::open(path)?;
    let file = CaptureFile::open(path).map_err(|e| format!("MISMATCH: libpcap opens it, we do not: {e}"))?;
    let mut ours = file.frames();
    let mut frames = 0;
    loop {
        match reference.next_frame() {
            RefNext::Frame(r) => {
                let Some(f) = ours.next() else {
                    return Err(format!("MISMATCH: frame {frames}: libpcap has it, we ended ({:?})", ours.stats()));
                };
                same_frame(&file, &f, &r).map_err(|e| format!("MISMATCH: frame {frames}: {e}"))?;
                frames += 1;
            }
            RefNext::End => {
                if let Some(f) = ours.next() {
                    return Err(format!("MISMATCH: libpcap ended after {frames} frames, we have more: {f:?}"));
                }
                let stats = ours.stats();
                if stats.truncated_tail || stats.malformed != 0 {
                    return Err(format!("MISMATCH: libpcap ended cleanly, we report {stats:?}"));
                }
                return Ok(Comparison { frames, libpcap_error: None, extra_frames: 0, ours: stats });
            }
            RefNext::Error(message) => {
                let extra_frames = ours.by_ref().count();
                return Ok(Comparison { frames, libpcap_error: Some(message), extra_frames, ours: ours.stats() });
            }
        }
    }
}
