//! pcap and pcapng capture files, mapped into memory and walked the way libpcap reads them.
//!
//! A file is mapped read-only (standard input, pipes and other unmappable inputs are read
//! into memory instead) and its records are walked in place: a [`Frame`] borrows the mapping,
//! so reading costs no copy and no allocation per packet, and frames can be handed to worker
//! threads inside a scope. The walkers treat the bytes as hostile: every length is checked
//! against the data before use, a bad record is counted in [`FileStats`] rather than returned
//! as an error, and no input makes them panic or loop.
//!
//! [`pcap`] and [`pcapng`] each hold one format; this module picks the format from the magic
//! number and keeps the counters.

mod bytes;
mod pcap;
mod pcapng;

use crate::{CaptureError, Frame, LinkType};
use memmap2::Mmap;
use std::fs::File;
use std::io::Read;
use std::iter::FusedIterator;
use std::path::{Path, PathBuf};

use pcap::{PcapHeader, PcapRecords};
use pcapng::{PcapNgBlocks, PcapNgHeader};

/// Path given for data passed to [`CaptureFile::from_bytes`], in error messages.
const IN_MEMORY: &str = "<memory>";
/// Path that means standard input.
const STDIN: &str = "-";
/// Bytes needed to tell the format.
const MAGIC_LEN: usize = 4;

/// The largest caplen libpcap considers sane for a link type; longer records are corrupt
/// unless the file's own snaplen says otherwise.
pub(crate) fn max_snaplen(linktype: LinkType) -> u32 {
    const DBUS: u32 = 231;
    const USBPCAP: u32 = 249;
    const EBHSCR: u32 = 279;
    const DEFAULT: u32 = 256 * 1024;
    match linktype.0 {
        DBUS => 128 * 1024 * 1024,
        EBHSCR => 8 * 1024 * 1024,
        USBPCAP => 1024 * 1024,
        _ => DEFAULT,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Pcap,
    PcapNg,
}

/// Counters of one pass over a file. Bad records are counted here, never returned as errors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileStats {
    /// Frames handed out.
    pub frames: u64,
    /// Bytes of captured data handed out.
    pub bytes: u64,
    /// Records skipped because they are malformed (absurd lengths, bad block, unknown interface...).
    pub malformed: u64,
    /// The file ended in the middle of a record or block.
    pub truncated_tail: bool,
    /// pcapng blocks of types we do not use, skipped.
    pub skipped_blocks: u64,
}

/// Where the bytes of a file live.
enum Contents {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl Contents {
    fn as_slice(&self) -> &[u8] {
        match self {
            Contents::Mapped(map) => map,
            Contents::Owned(vec) => vec,
        }
    }
}

/// What the header said, per format.
#[derive(Debug, Clone, Copy)]
enum Header {
    Pcap(PcapHeader),
    PcapNg(PcapNgHeader),
}

/// A capture file opened and mapped (or, for stdin, read) into memory.
pub struct CaptureFile {
    contents: Contents,
    header: Header,
}

impl CaptureFile {
    /// Opens `path` (`-` reads standard input). Fails only when the file cannot be read at all
    /// or does not start with a pcap/pcapng header.
    pub fn open(path: &Path) -> Result<CaptureFile, CaptureError> {
        let io_error = |e| CaptureError::Io(path.to_path_buf(), e);
        let contents = if path == Path::new(STDIN) {
            let mut data = Vec::new();
            std::io::stdin().lock().read_to_end(&mut data).map_err(io_error)?;
            Contents::Owned(data)
        } else {
            let mut file = File::open(path).map_err(io_error)?;
            match map(&file) {
                Some(map) => Contents::Mapped(map),
                None => {
                    let mut data = Vec::new();
                    file.read_to_end(&mut data).map_err(io_error)?;
                    Contents::Owned(data)
                }
            }
        };
        CaptureFile::parse(contents, path)
    }

    /// Wraps bytes already in memory (tests, fuzzing).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<CaptureFile, CaptureError> {
        CaptureFile::parse(Contents::Owned(bytes), Path::new(IN_MEMORY))
    }

    fn parse(contents: Contents, path: &Path) -> Result<CaptureFile, CaptureError> {
        let not_a_capture = |why: String| CaptureError::NotACapture(PathBuf::from(path), why);
        let data = contents.as_slice();
        let Some(magic) = bytes::array_at::<MAGIC_LEN>(data, 0) else {
            return Err(not_a_capture(format!("only {} bytes long", data.len())));
        };
        let header = if pcap::is_pcap_magic(magic) {
            Header::Pcap(pcap::parse_header(data).map_err(not_a_capture)?)
        } else if pcapng::is_pcapng_magic(magic) {
            Header::PcapNg(pcapng::parse_header(data).map_err(not_a_capture)?)
        } else {
            return Err(not_a_capture(format!("unknown magic number 0x{:08x}", u32::from_be_bytes(magic))));
        };
        Ok(CaptureFile { contents, header })
    }

    pub fn format(&self) -> FileFormat {
        match self.header {
            Header::Pcap(_) => FileFormat::Pcap,
            Header::PcapNg(_) => FileFormat::PcapNg,
        }
    }

    /// The link type of the first (or only) interface; pcapng files may carry more.
    pub fn linktype(&self) -> crate::LinkType {
        match self.header {
            Header::Pcap(h) => h.linktype,
            Header::PcapNg(h) => h.linktype,
        }
    }

    /// Snapshot length from the header (0 when absent).
    pub fn snaplen(&self) -> u32 {
        match self.header {
            Header::Pcap(h) => h.snaplen,
            Header::PcapNg(h) => h.snaplen,
        }
    }

    /// The whole file as it is in memory (every frame's data lies inside it).
    pub fn as_bytes(&self) -> &[u8] {
        self.contents.as_slice()
    }

    /// Walks every frame in file order. Frames borrow the mapping.
    pub fn frames(&self) -> Frames<'_> {
        let data = self.contents.as_slice();
        let walker = match self.header {
            Header::Pcap(h) => Walker::Pcap(PcapRecords::new(data, h)),
            Header::PcapNg(_) => Walker::PcapNg(PcapNgBlocks::new(data)),
        };
        Frames { walker, stats: FileStats::default() }
    }
}

/// Maps a regular, non-empty file; `None` for anything that cannot be mapped (pipes, devices,
/// empty files), which is then read instead.
fn map(file: &File) -> Option<Mmap> {
    let metadata = file.metadata().ok()?;
    if !metadata.is_file() || metadata.len() == 0 {
        return None;
    }
    // SAFETY: the mapping is read-only and private to this process. Like every reader that
    // maps its input, this assumes nobody truncates the capture file while it is being read
    // (writers append to a new file; rewriting one in place is not supported).
    let map = unsafe { Mmap::map(file) }.ok()?;
    #[cfg(unix)]
    {
        // Only a hint: the walk is front to back.
        let _ = map.advise(memmap2::Advice::Sequential);
    }
    Some(map)
}

/// The format-specific half of [`Frames`].
enum Walker<'a> {
    Pcap(PcapRecords<'a>),
    PcapNg(PcapNgBlocks<'a>),
}

/// Iterator over the frames of a [`CaptureFile`]; [`Frames::stats`] tells what was skipped.
pub struct Frames<'a> {
    walker: Walker<'a>,
    stats: FileStats,
}

impl<'a> Frames<'a> {
    pub fn stats(&self) -> FileStats {
        self.stats
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Frame<'a>;

    #[inline]
    fn next(&mut self) -> Option<Frame<'a>> {
        let frame = match &mut self.walker {
            Walker::Pcap(records) => records.next(&mut self.stats),
            Walker::PcapNg(blocks) => blocks.next(&mut self.stats),
        }?;
        self.stats.frames = self.stats.frames.saturating_add(1);
        self.stats.bytes = self.stats.bytes.saturating_add(frame.data.len() as u64);
        Some(frame)
    }
}

/// Once a walk has ended it stays ended.
impl FusedIterator for Frames<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_a_capture() {
        for bytes in [&b""[..], b"abc", b"GET / HTTP/1.1\r\n", &[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]] {
            match CaptureFile::from_bytes(bytes.to_vec()) {
                Err(CaptureError::NotACapture(..)) => {}
                Err(e) => panic!("{bytes:?}: unexpected error {e}"),
                Ok(_) => panic!("{bytes:?}: accepted"),
            }
        }
    }

    #[test]
    fn open_reports_io_errors() {
        let missing = Path::new("/nonexistent/capture.pcap");
        assert!(matches!(CaptureFile::open(missing), Err(CaptureError::Io(..))));
    }

    #[test]
    fn capture_file_is_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<CaptureFile>();
    }
}

/// Hints the CPU to load the two cache lines at `data[at..]` (a record header and the frame
/// headers after it). A no-op past the end of `data` and on targets without a prefetch hint.
#[inline(always)]
pub(crate) fn prefetch(data: &[u8], at: usize) {
    #[cfg(target_arch = "x86_64")]
    if at + 128 <= data.len() {
        // SAFETY: both addresses lie inside `data`; prefetching has no side effect.
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let p = data.as_ptr().add(at) as *const i8;
            _mm_prefetch(p, _MM_HINT_T0);
            _mm_prefetch(p.add(64), _MM_HINT_T0);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, at);
}
