//! Password hashes: argon2id PHC strings. ntopng stores the MD5 hex of the password; such a hash (from an
//! existing ntopng Redis) is still accepted and replaced by an argon2id one at the next successful login.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

/// The PHC string of `password` with a fresh random salt.
pub fn hash(password: &str) -> String {
    Argon2::default().hash_password(password.as_bytes()).expect("argon2 with default parameters").to_string()
}

/// Whether `password` matches `stored`, and whether `stored` is a legacy MD5 hash to upgrade.
pub fn verify(stored: &str, password: &str) -> (bool, bool) {
    if is_legacy_md5(stored) {
        let ok = format!("{:x}", md5::compute(password.as_bytes())).eq_ignore_ascii_case(stored);
        return (ok, true);
    }
    match PasswordHash::new(stored) {
        Ok(h) => (Argon2::default().verify_password(password.as_bytes(), &h).is_ok(), false),
        Err(_) => (false, false),
    }
}

fn is_legacy_md5(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2_round_trip() {
        let h = hash("s3cr3t");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert_eq!(verify(&h, "s3cr3t"), (true, false));
        assert_eq!(verify(&h, "s3cr3T"), (false, false));
        assert_ne!(hash("s3cr3t"), h, "salted");
    }

    #[test]
    fn ntopng_md5_hashes() {
        // ntopng's default admin hash is MD5("admin").
        assert_eq!(verify("21232f297a57a5a743894a0e4a801fc3", "admin"), (true, true));
        assert_eq!(verify("21232f297a57a5a743894a0e4a801fc3", "admin2"), (false, true));
        assert_eq!(verify("garbage", "admin"), (false, false));
    }
}
