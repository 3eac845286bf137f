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

    /// The complete lines from `offset`, at most about `max_bytes` of them (at least one line), and the
    /// offset after them. Parsing happens outside the spool's lock ([`parse_lines`]).
    pub fn read_lines(&self, offset: u64, max_bytes: usize) -> std::io::Result<(Vec<u8>, u64)> {
        if offset >= self.len {
            return Ok((Vec::new(), offset));
        }
        let mut want = ((self.len - offset) as usize).min(max_bytes.max(1));
        loop {
            let mut buf = vec![0u8; want];
            self.file.read_exact_at(&mut buf, offset)?;
            if let Some(p) = buf.iter().rposition(|b| *b == b'\n') {
                buf.truncate(p + 1);
                let next = offset + buf.len() as u64;
                return Ok((buf, next));
            }
            if offset + want as u64 >= self.len {
                // No newline up to the end: cannot happen (appends are whole lines); skip it.
                return Ok((Vec::new(), self.len));
            }
            want = (want * 2).min((self.len - offset) as usize);
        }
    }

    /// Empties the file.
    pub fn clear(&mut self) -> std::io::Result<()> {
        self.file.set_len(0)?;
        self.len = 0;
        Ok(())
    }
}

/// The rows of complete JSON lines; a line that does not parse is logged and skipped.
pub fn parse_lines(buf: &[u8]) -> Vec<FlowRow> {
    buf.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(|l| match serde_json::from_slice::<FlowRow>(l) {
            Ok(r) => Some(r),
            Err(e) => {
                log::error!("flow spool: bad line skipped: {e}");
                None
            }
        })
        .collect()
}
