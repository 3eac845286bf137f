//! Random identifiers (session ids, CSRF and API tokens, TOTP secrets) from the kernel's generator.

use std::io::Read;

/// `n` random bytes from `/dev/urandom`.
pub fn bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf)).expect("reading /dev/urandom");
    buf
}

/// `2 * n` lowercase hex characters of `n` random bytes.
pub fn hex(n: usize) -> String {
    bytes(n).iter().map(|b| format!("{b:02x}")).collect()
}
