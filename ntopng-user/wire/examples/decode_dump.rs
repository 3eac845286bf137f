//! Prints how every frame of a capture decodes (debugging aid): `decode_dump <file>`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: decode_dump <capture>");
    let file = ntopng_capture::CaptureFile::open(std::path::Path::new(&path)).expect("open");
    for (i, f) in file.frames().enumerate() {
        let d = ntopng_wire::decode(f.linktype.0, f.data, Default::default());
        println!("{} caplen={} wire={} {:?}", i + 1, f.data.len(), f.wire_len, d);
    }
}
