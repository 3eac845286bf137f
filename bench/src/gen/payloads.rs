//! Application payloads in real wire formats (DNS, HTTP/1.1, TLS handshake records), built
//! by hand so nDPI has something genuine to classify in the demo capture.

use std::net::IpAddr;

/// DNS record types used here.
pub mod qtype {
    pub const A: u16 = 1;
    pub const AAAA: u16 = 28;
}

/// A domain name in DNS wire format (length-prefixed labels, root terminator).
pub fn dns_name(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 2);
    for label in name.trim_end_matches('.').split('.').filter(|l| !l.is_empty()) {
        assert!(label.len() < 64, "DNS label too long: {label}");
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

fn dns_header(id: u16, flags: u16, qd: u16, an: u16) -> Vec<u8> {
    let mut h = Vec::with_capacity(12);
    for w in [id, flags, qd, an, 0, 0] {
        h.extend_from_slice(&w.to_be_bytes());
    }
    h
}

/// A standard recursive query (RD set) for `name`/`qtype`, class IN.
pub fn dns_query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut m = dns_header(id, 0x0100, 1, 0);
    m.extend_from_slice(&dns_name(name));
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes());
    m
}

/// The answer to [`dns_query`]: question echoed, one record per address (A or AAAA by
/// family), owner name compressed as a pointer to the question (0xc00c).
pub fn dns_response(id: u16, name: &str, qtype: u16, answers: &[IpAddr], ttl: u32) -> Vec<u8> {
    let mut m = dns_header(id, 0x8180, 1, answers.len() as u16);
    m.extend_from_slice(&dns_name(name));
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes());
    for a in answers {
        m.extend_from_slice(&[0xc0, 0x0c]);
        let (t, rdata) = match a {
            IpAddr::V4(v) => (qtype::A, v.octets().to_vec()),
            IpAddr::V6(v) => (qtype::AAAA, v.octets().to_vec()),
        };
        m.extend_from_slice(&t.to_be_bytes());
        m.extend_from_slice(&1u16.to_be_bytes());
        m.extend_from_slice(&ttl.to_be_bytes());
        m.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        m.extend_from_slice(&rdata);
    }
    m
}

/// An HTTP/1.1 GET with a Host header.
pub fn http_get(host: &str, path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) pcapgen/0.1\r\nAccept: text/html,*/*;q=0.8\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

/// A 200 response with an HTML body of `body_len` bytes.
pub fn http_response(body_len: usize) -> Vec<u8> {
    let mut body = String::from("<!doctype html><html><head><title>Example</title></head><body>");
    while body.len() + 14 < body_len {
        body.push_str("<p>lorem</p>");
    }
    body.push_str("</body></html>");
    let mut out = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Length: {}\r\nServer: pcapgen\r\nConnection: close\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

fn u16be(v: usize) -> [u8; 2] {
    (v as u16).to_be_bytes()
}

fn u24be(v: usize) -> [u8; 3] {
    let b = (v as u32).to_be_bytes();
    [b[1], b[2], b[3]]
}

/// Appends one extension (type, 16-bit length, body).
fn extension(out: &mut Vec<u8>, ext_type: u16, body: &[u8]) {
    out.extend_from_slice(&ext_type.to_be_bytes());
    out.extend_from_slice(&u16be(body.len()));
    out.extend_from_slice(body);
}

/// Wraps a handshake message (type, 24-bit length) in a handshake record (content type 22).
fn handshake_record(record_version: u16, hs_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![22];
    out.extend_from_slice(&record_version.to_be_bytes());
    out.extend_from_slice(&u16be(body.len() + 4));
    out.push(hs_type);
    out.extend_from_slice(&u24be(body.len()));
    out.extend_from_slice(body);
    out
}

/// A TLS 1.3-capable ClientHello record with SNI `server_name` (RFC 8446 section 4.1.2):
/// record header (type 22, legacy version 3.1), handshake header (type 1), legacy version
/// 3.3, 32-byte random, 32-byte session id, cipher suites, null compression, and extensions
/// server_name, supported_groups, ec_point_formats, signature_algorithms, ALPN (h2,
/// http/1.1), supported_versions (1.3, 1.2), psk_key_exchange_modes and an x25519 key_share.
/// `random` seeds the random, session id and key share bytes.
pub fn tls_client_hello(server_name: &str, random: [u8; 32]) -> Vec<u8> {
    let mut b = Vec::with_capacity(512);
    b.extend_from_slice(&[0x03, 0x03]);
    b.extend_from_slice(&random);
    b.push(32);
    b.extend(random.iter().rev());
    let suites: [u16; 13] =
        [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x002f];
    b.extend_from_slice(&u16be(suites.len() * 2));
    for s in suites {
        b.extend_from_slice(&s.to_be_bytes());
    }
    b.extend_from_slice(&[1, 0]); // compression methods: null

    let mut ext = Vec::with_capacity(256);
    // server_name: list length, name type 0 (host_name), name length, name.
    let mut sni = Vec::new();
    sni.extend_from_slice(&u16be(server_name.len() + 3));
    sni.push(0);
    sni.extend_from_slice(&u16be(server_name.len()));
    sni.extend_from_slice(server_name.as_bytes());
    extension(&mut ext, 0, &sni);
    extension(&mut ext, 10, &[0, 6, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18]); // x25519, P-256, P-384
    extension(&mut ext, 11, &[1, 0]); // uncompressed points
    let sigs: [u16; 8] = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
    let mut sa = u16be(sigs.len() * 2).to_vec();
    for s in sigs {
        sa.extend_from_slice(&s.to_be_bytes());
    }
    extension(&mut ext, 13, &sa);
    let mut alpn = Vec::new();
    for p in ["h2", "http/1.1"] {
        alpn.push(p.len() as u8);
        alpn.extend_from_slice(p.as_bytes());
    }
    let mut alpn_ext = u16be(alpn.len()).to_vec();
    alpn_ext.extend_from_slice(&alpn);
    extension(&mut ext, 16, &alpn_ext);
    extension(&mut ext, 43, &[4, 0x03, 0x04, 0x03, 0x03]); // supported_versions
    extension(&mut ext, 45, &[1, 1]); // psk_dhe_ke
    let mut ks = Vec::new();
    ks.extend_from_slice(&u16be(36));
    ks.extend_from_slice(&[0x00, 0x1d, 0x00, 0x20]);
    ks.extend(random.iter().map(|x| x ^ 0x5a));
    extension(&mut ext, 51, &ks);

    b.extend_from_slice(&u16be(ext.len()));
    b.extend_from_slice(&ext);
    handshake_record(0x0301, 1, &b)
}

/// A TLS 1.3 ServerHello record (TLS_AES_128_GCM_SHA256, x25519 key share), followed by a
/// ChangeCipherSpec record and one opaque application-data record of `app_data_len` bytes,
/// as a server's first flight looks on the wire once the rest is encrypted.
pub fn tls_server_flight(session_id: &[u8; 32], random: [u8; 32], app_data_len: usize) -> Vec<u8> {
    let mut b = Vec::with_capacity(128);
    b.extend_from_slice(&[0x03, 0x03]);
    b.extend_from_slice(&random);
    b.push(32);
    b.extend_from_slice(session_id);
    b.extend_from_slice(&[0x13, 0x01, 0]);
    let mut ext = Vec::new();
    extension(&mut ext, 43, &[0x03, 0x04]);
    let mut ks = vec![0x00, 0x1d, 0x00, 0x20];
    ks.extend(random.iter().map(|x| x ^ 0xa5));
    extension(&mut ext, 51, &ks);
    b.extend_from_slice(&u16be(ext.len()));
    b.extend_from_slice(&ext);
    let mut out = handshake_record(0x0303, 2, &b);
    out.extend_from_slice(&[20, 0x03, 0x03, 0, 1, 1]);
    out.extend_from_slice(&[23, 0x03, 0x03]);
    out.extend_from_slice(&u16be(app_data_len));
    out.extend((0..app_data_len).map(|i| (i as u8).wrapping_mul(151).wrapping_add(random[i % 32])));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_query_wire_format() {
        let q = dns_query(0x1234, "example.com", qtype::A);
        #[rustfmt::skip]
        let want = vec![
            0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
            7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0,
            0, 1, 0, 1,
        ];
        assert_eq!(q, want);
        let r = dns_response(0x1234, "example.com", qtype::A, &["198.18.1.2".parse().unwrap()], 300);
        assert_eq!(&r[2..8], &[0x81, 0x80, 0, 1, 0, 1]);
        assert_eq!(&r[29..], &[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 198, 18, 1, 2]);
    }

    /// Walks the ClientHello structure field by field, checking every length.
    #[test]
    fn client_hello_is_well_formed() {
        let ch = tls_client_hello("www.example.com", [7; 32]);
        assert_eq!(&ch[0..3], &[22, 3, 1]);
        let rec_len = u16::from_be_bytes([ch[3], ch[4]]) as usize;
        assert_eq!(rec_len, ch.len() - 5);
        assert_eq!(ch[5], 1);
        let hs_len = u32::from_be_bytes([0, ch[6], ch[7], ch[8]]) as usize;
        assert_eq!(hs_len, rec_len - 4);
        let b = &ch[9..];
        assert_eq!(&b[0..2], &[3, 3]);
        let mut p = 2 + 32;
        let sid = b[p] as usize;
        assert_eq!(sid, 32);
        p += 1 + sid;
        let cs = u16::from_be_bytes([b[p], b[p + 1]]) as usize;
        assert_eq!(cs % 2, 0);
        p += 2 + cs;
        assert_eq!(&b[p..p + 2], &[1, 0]);
        p += 2;
        let ext_len = u16::from_be_bytes([b[p], b[p + 1]]) as usize;
        p += 2;
        assert_eq!(p + ext_len, b.len());
        let mut sni = None;
        let mut types = Vec::new();
        while p < b.len() {
            let t = u16::from_be_bytes([b[p], b[p + 1]]);
            let l = u16::from_be_bytes([b[p + 2], b[p + 3]]) as usize;
            let body = &b[p + 4..p + 4 + l];
            if t == 0 {
                assert_eq!(u16::from_be_bytes([body[0], body[1]]) as usize, l - 2);
                assert_eq!(body[2], 0);
                let n = u16::from_be_bytes([body[3], body[4]]) as usize;
                sni = Some(std::str::from_utf8(&body[5..5 + n]).unwrap().to_string());
            }
            types.push(t);
            p += 4 + l;
        }
        assert_eq!(p, b.len());
        assert_eq!(sni.as_deref(), Some("www.example.com"));
        assert_eq!(types, vec![0, 10, 11, 13, 16, 43, 45, 51]);
    }

    #[test]
    fn server_flight_records_chain() {
        let f = tls_server_flight(&[1; 32], [2; 32], 100);
        let mut p = 0;
        let mut types = Vec::new();
        while p < f.len() {
            types.push(f[p]);
            p += 5 + u16::from_be_bytes([f[p + 3], f[p + 4]]) as usize;
        }
        assert_eq!(p, f.len());
        assert_eq!(types, vec![22, 20, 23]);
    }

    #[test]
    fn http_messages() {
        let g = String::from_utf8(http_get("example.org", "/index.html")).unwrap();
        assert!(g.starts_with("GET /index.html HTTP/1.1\r\nHost: example.org\r\n"));
        assert!(g.ends_with("\r\n\r\n"));
        let r = http_response(300);
        let s = String::from_utf8(r).unwrap();
        let (head, body) = s.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Content-Length: {}", body.len())));
    }
}
