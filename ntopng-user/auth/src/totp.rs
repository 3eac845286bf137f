//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits) and their base32 secrets.

use sha1::{Digest, Sha1};

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const STEP_SECS: u64 = 30;

/// A new random secret (160 bits, base32 without padding: 32 characters).
pub fn generate_secret() -> String {
    encode_base32(&crate::random::bytes(20))
}

/// RFC 4648 base32 without padding.
pub fn encode_base32(data: &[u8]) -> String {
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in data {
        acc = (acc << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((acc >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes base32 (case-insensitive, `=` padding and spaces ignored); `None` for other characters or empty.
pub fn decode_base32(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut any = false;
    for c in s.chars().filter(|c| *c != '=' && *c != ' ') {
        let v = ALPHABET.iter().position(|a| *a as char == c.to_ascii_uppercase())? as u32;
        any = true;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((acc >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    any.then_some(out)
}

fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; 20] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..20].copy_from_slice(&Sha1::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha1::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let mut outer = Sha1::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The `digits`-digit HOTP code of `key` for `counter` (RFC 4226).
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    let h = hmac_sha1(key, &counter.to_be_bytes());
    let off = (h[19] & 0xf) as usize;
    let bin = u32::from_be_bytes([h[off] & 0x7f, h[off + 1], h[off + 2], h[off + 3]]);
    format!("{:0width$}", bin % 10u32.pow(digits), width = digits as usize)
}

/// The 6-digit code of a base32 secret at `unix_secs`.
pub fn code(secret: &str, unix_secs: u64) -> Option<String> {
    Some(hotp(&decode_base32(secret)?, unix_secs / STEP_SECS, 6))
}

/// Whether `code` is the secret's code at `unix_secs` or one step before or after (clock drift).
pub fn check(secret: &str, code: &str, unix_secs: u64) -> bool {
    let Some(key) = decode_base32(secret) else { return false };
    let step = unix_secs / STEP_SECS;
    code.len() == 6 && [step.saturating_sub(1), step, step + 1].iter().any(|s| hotp(&key, *s, 6) == code)
}

/// The `otpauth://` URI authenticator apps scan.
pub fn provisioning_uri(issuer: &str, user: &str, secret: &str) -> String {
    format!("otpauth://totp/{issuer}:{user}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_base32() {
        for (plain, enc) in [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foobar", "MZXW6YTBOI")] {
            assert_eq!(encode_base32(plain.as_bytes()), enc);
            if !plain.is_empty() {
                assert_eq!(decode_base32(enc).unwrap(), plain.as_bytes());
            }
        }
        assert_eq!(decode_base32("mzxw6ytboi======").unwrap(), b"foobar");
        assert!(decode_base32("MZ1").is_none());
    }

    #[test]
    fn rfc6238_vectors() {
        // RFC 6238 appendix B, SHA1, key "12345678901234567890", 8 digits.
        let key = b"12345678901234567890";
        for (t, want) in
            [(59u64, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"), (20000000000, "65353130")]
        {
            assert_eq!(hotp(key, t / 30, 8), want, "t={t}");
        }
        let secret = encode_base32(key);
        assert_eq!(code(&secret, 59).unwrap(), "287082");
        assert!(check(&secret, "287082", 59 + 30));
        assert!(!check(&secret, "287082", 59 + 90));
    }
}
