//! The one trait every packet source implements.

use crate::{CaptureError, CaptureFile, FileStats, Frame, Frames};
use std::path::Path;

/// What a poll produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poll {
    /// This many frames were lent.
    Ready(usize),
    /// Nothing now; poll again later (live sources).
    Idle,
    /// The source is exhausted (end of a capture file).
    Done,
}

/// Counters every source keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceStats {
    pub frames: u64,
    pub bytes: u64,
    /// Frames the source itself lost (ring full, kernel drops).
    pub drops: u64,
    /// Records that could not be read and were skipped.
    pub malformed: u64,
}

/// A packet source. Frames are lent to the callback and valid only during the call, which is
/// exactly the life of a ring descriptor for live sources.
pub trait Source: Send {
    fn name(&self) -> &str;
    fn poll_batch(&mut self, max: usize, on_frame: &mut dyn FnMut(&Frame<'_>)) -> Result<Poll, CaptureError>;
    fn stats(&self) -> SourceStats;
}

/// A capture file as a [`Source`] (single-threaded use; the multi-worker file path walks
/// [`CaptureFile::frames`] directly so frames can cross to workers inside a thread scope).
pub struct FileSource {
    name: String,
    // The iterator borrows the file; keep both in one place.
    file: Box<CaptureFile>,
    pos: Option<Frames<'static>>,
    stats: FileStats,
}

impl FileSource {
    pub fn open(path: &Path) -> Result<FileSource, CaptureError> {
        let file = Box::new(CaptureFile::open(path)?);
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "stdin".into());
        Ok(FileSource { name, file, pos: None, stats: FileStats::default() })
    }
}

impl Source for FileSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn poll_batch(&mut self, max: usize, on_frame: &mut dyn FnMut(&Frame<'_>)) -> Result<Poll, CaptureError> {
        if self.pos.is_none() {
            // SAFETY: `file` is boxed (stable address), never replaced, and `pos` is dropped
            // before `file` (field order), so the borrow never outlives the data.
            let file: &'static CaptureFile = unsafe { &*(self.file.as_ref() as *const CaptureFile) };
            self.pos = Some(file.frames());
        }
        let frames = self.pos.as_mut().expect("set above");
        let mut n = 0;
        while n < max {
            match frames.next() {
                Some(f) => {
                    on_frame(&f);
                    n += 1;
                }
                None => break,
            }
        }
        self.stats = frames.stats();
        Ok(if n == 0 { Poll::Done } else { Poll::Ready(n) })
    }

    fn stats(&self) -> SourceStats {
        SourceStats { frames: self.stats.frames, bytes: self.stats.bytes, drops: 0, malformed: self.stats.malformed }
    }
}
