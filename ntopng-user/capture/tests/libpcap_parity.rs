//! Every shared capture, read by the system libpcap (the reference) and by `CaptureFile`: the
//! same frames, with the same caplen, wire length, time stamp and bytes.
//!
//! Where libpcap gives up on a file, this test states what we do instead:
//! * libpcap refuses to open it (e.g. an empty file): we must refuse it too, as not a capture;
//! * libpcap stops with "truncated dump file": we must have returned the same frames and then
//!   stopped with `truncated_tail`;
//! * libpcap stops for another reason (a second link type, a packet on an unknown interface,
//!   a caplen beyond its limit): we must agree up to that point, and may read on.

mod common;

use common::compare_with_libpcap;
use ntopng_capture::{CaptureError, CaptureFile};

#[test]
fn every_shared_capture_reads_like_libpcap() {
    let Some(files) = common::shared_captures("every_shared_capture_reads_like_libpcap") else { return };
    let (mut identical, mut frames, mut stopped_early, mut refused) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        match compare_with_libpcap(path) {
            Ok(c) => match &c.libpcap_error {
                None => {
                    identical += 1;
                    frames += c.frames;
                }
                Some(message) if message.contains("truncated") => {
                    println!(
                        "{name}: libpcap stops after {} frames ({message}); we return the same {} frames and set truncated_tail",
                        c.frames, c.frames
                    );
                    if !c.ours.truncated_tail || c.extra_frames != 0 {
                        failures.push(format!("{name}: libpcap says truncated, we report {:?}", c.ours));
                    }
                    stopped_early += 1;
                    frames += c.frames;
                }
                Some(message) => {
                    println!(
                        "{name}: libpcap stops after {} frames ({message}); we agree on those and read {} more ({:?})",
                        c.frames, c.extra_frames, c.ours
                    );
                    stopped_early += 1;
                    frames += c.frames;
                }
            },
            Err(mismatch) if mismatch.starts_with("MISMATCH") => failures.push(format!("{name}: {mismatch}")),
            Err(libpcap_refusal) => {
                refused += 1;
                match CaptureFile::open(path) {
                    Err(CaptureError::NotACapture(_, why)) => {
                        println!("{name}: libpcap refuses it ({libpcap_refusal}); we refuse it too: {why}")
                    }
                    Err(e) => {
                        failures.push(format!("{name}: libpcap refuses it ({libpcap_refusal}), we fail with {e}"))
                    }
                    Ok(file) => {
                        let mut walk = file.frames();
                        let n = walk.by_ref().count();
                        failures.push(format!(
                            "{name}: libpcap refuses it ({libpcap_refusal}), we read {n} frames ({:?})",
                            walk.stats()
                        ));
                    }
                }
            }
        }
    }
    println!(
        "libpcap parity: {} files; {identical} identical to libpcap, {stopped_early} where libpcap stops early, \
         {refused} refused by both; {frames} frames compared",
        files.len()
    );
    assert!(failures.is_empty(), "{} files differ from libpcap:\n{}", failures.len(), failures.join("\n"));
    assert!(identical > 0 || files.is_empty(), "no shared capture matched");
}
