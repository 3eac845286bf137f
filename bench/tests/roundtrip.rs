//! Generated captures read back through `ntopng-capture`: every record comes back with the
//! same bytes, wire length and timestamp (microsecond precision), from pcap and pcapng.

use ntopng_bench::gen::scenarios::{self, Capture};
use ntopng_bench::gen::Description;
use ntopng_bench::gen::RecordSink;
use ntopng_capture::{CaptureFile, FileFormat, LinkType};
use std::io;

type Scenario = fn(&mut dyn RecordSink) -> io::Result<Description>;

fn all() -> Vec<(&'static str, Scenario)> {
    vec![
        ("vlan", scenarios::vlan),
        ("ipv6_ext", scenarios::ipv6_ext),
        ("fragments", scenarios::fragments),
        ("truncated", scenarios::truncated),
        ("handshake", scenarios::handshake),
        ("idle", scenarios::idle),
        ("sample", scenarios::sample),
    ]
}

fn check(name: &str, cap: &Capture, bytes: Vec<u8>, format: FileFormat) {
    let file = CaptureFile::from_bytes(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(file.format(), format);
    assert_eq!(file.linktype(), LinkType::ETHERNET);
    let mut frames = file.frames();
    let mut n = 0;
    for (got, want) in (&mut frames).zip(&cap.records) {
        assert_eq!(got.data, &want.data[..], "{name} record {n}");
        assert_eq!(got.wire_len, want.wire_len, "{name} record {n}");
        assert_eq!(got.ts_ns, want.ts_ns / 1000 * 1000, "{name} record {n}");
        assert_eq!(got.linktype, LinkType::ETHERNET);
        n += 1;
    }
    assert_eq!(n, cap.records.len(), "{name}: every record read back");
    let st = frames.stats();
    assert_eq!((st.frames, st.malformed, st.truncated_tail), (n as u64, 0, false), "{name}");
}

#[test]
fn scenarios_read_back_identically() {
    for (name, f) in all() {
        let cap = Capture::of(f);
        check(name, &cap, cap.to_pcap(), FileFormat::Pcap);
        check(name, &cap, cap.to_pcapng(), FileFormat::PcapNg);
    }
}
