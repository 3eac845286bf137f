//! Packet sources. Every source lends [`Frame`]s: raw link-layer bytes plus capture metadata.
//!
//! Capture files are mapped into memory and walked in place (no copy per packet); a frame
//! borrows the mapping, so the file reader can hand frames to worker threads in a scope.
//! Live sources (AF_XDP, AF_PACKET) implement the same [`Source`] trait.

#[cfg(target_os = "linux")]
pub mod afpacket;
pub mod file;
pub mod filter;
pub mod frame;
pub mod source;

#[cfg(target_os = "linux")]
pub use afpacket::{AfPacketConfig, AfPacketSource};
pub use file::{CaptureFile, FileFormat, FileStats, Frames};
pub use filter::{BpfFilter, FilterError};
pub use frame::{Frame, LinkType};
pub use source::{FileSource, Poll, Source, SourceStats};

/// Errors that stop a source as a whole (a bad record is counted, never an error).
#[derive(Debug)]
pub enum CaptureError {
    Io(std::path::PathBuf, std::io::Error),
    /// The file is not a pcap or pcapng capture (names the path and what was found).
    NotACapture(std::path::PathBuf, String),
}

impl std::fmt::Display for CaptureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaptureError::Io(p, e) => write!(f, "cannot read {}: {e}", p.display()),
            CaptureError::NotACapture(p, why) => write!(f, "{} is not a pcap/pcapng capture: {why}", p.display()),
        }
    }
}
impl std::error::Error for CaptureError {}
