//! The spool: rows the writer could not take yet, as JSON lines in a bounded file next to the database.
//! The writer replays it from the offset its last transaction recorded, so after a restart rows already
//! committed are not stored twice.

use crate::row::FlowRow;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::Path;

pub struct Spool {
    file: File,
    len: u64,
    max_bytes: u64,
    /// Rows refused because the spool was full.
    pub dropped: u64,
}

impl Spool {
    /// Opens `path`, cutting a line a crash left half-written.
    pub fn open(path: &Path, max_bytes: u64) -> std::io::Result<Spool> {
        let file = OpenOptions::new().create(true).read(true).append(true).open(path)?;
        let mut len = file.metadata()?.len();
        if len > 0 {
            // Find the last newline; whatever follows it is an incomplete line.
            let mut end = len;
            let mut buf = vec![0u8; 64 * 1024];
            let mut keep = 0;
            while end > 0 {
                let start = end.saturating_sub(buf.len() as u64);
                let n = (end - start) as usize;
                file.read_exact_at(&mut buf[..n], start)?;
                if let Some(p) = buf[..n].iter().rposition(|b| *b == b'\n') {
                    keep = start + p as u64 + 1;
                    break;
                }
                end = start;
            }
            if keep != len {
                file.set_len(keep)?;
                len = keep;
            }
        }
        Ok(Spool { file, len, max_bytes, dropped: 0 })
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    /// Appends rows while the file stays under its bound; returns how many were written.
    pub fn append(&mut self, rows: &[FlowRow]) -> usize {
        let mut buf = Vec::with_capacity(rows.len() * 512);
        let mut n = 0;
        for r in rows {
            let before = buf.len();
            if serde_json::to_writer(&mut buf, r).is_err() {
                buf.truncate(before);
                continue;
            }
            buf.push(b'\n');
            if self.len + buf.len() as u64 > self.max_bytes {
                buf.truncate(before);
                break;
            }
            n += 1;
        }
        self.dropped += (rows.len() - n) as u64;
        if n > 0 {
            if let Err(e) = self.file.write_all(&buf) {
                log::error!("flow spool: {e}");
                self.dropped += n as u64;
                // A partial write leaves a partial line, cut at the next open; count from the file.
                self.len = self.file.metadata().map(|m| m.len()).unwrap_or(self.len);
                return 0;
            }
            self.len += buf.len() as u64;
        }
        n
    }

    /// Up to `max_rows` complete rows from `offset`, and the offset after them.
    pub fn read_from(&self, offset: u64, max_rows: usize) -> std::io::Result<(Vec<FlowRow>, u64)> {
        let mut rows = Vec::new();
        let mut off = offset;
        let mut buf = vec![0u8; 1 << 20];
        while rows.len() < max_rows && off < self.len {
            let n = ((self.len - off) as usize).min(buf.len());
            self.file.read_exact_at(&mut buf[..n], off)?;
            let mut start = 0;
            while rows.len() < max_rows {
                let Some(p) = buf[start..n].iter().position(|b| *b == b'\n') else { break };
                match serde_json::from_slice::<FlowRow>(&buf[start..start + p]) {
                    Ok(r) => rows.push(r),
                    Err(e) => log::error!("flow spool: bad line skipped: {e}"),
                }
                start += p + 1;
            }
            if start == 0 {
                // A line longer than the buffer cannot be a row: skip to the end.
                log::error!("flow spool: oversized line skipped");
                off = self.len;
                break;
            }
            off += start as u64;
        }
        Ok((rows, off))
    }

    /// Empties the file.
    pub fn clear(&mut self) -> std::io::Result<()> {
        self.file.set_len(0)?;
        self.len = 0;
        Ok(())
    }
}
