//! The certificate for `-W` (cli.md §2.3): ntopng serves HTTPS only when `ntopng-cert.pem` exists. It is looked
//! for in `<data dir>/ssl` first (where an administrator puts it), then in `<httpdocs>/ssl` (ntopng's place).
//! The PEM holds the certificate chain and the private key, as ntopng's does; a separate `ntopng-key.pem` beside
//! it is accepted too.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

pub const CERT_FILE: &str = "ntopng-cert.pem";
pub const KEY_FILE: &str = "ntopng-key.pem";

/// The places of the certificate, in the order they are tried.
pub fn cert_paths(data_dir: &Path, httpdocs: &Path) -> [PathBuf; 2] {
    [data_dir.join("ssl").join(CERT_FILE), httpdocs.join("ssl").join(CERT_FILE)]
}

/// The first certificate file that exists.
pub fn find_cert(candidates: &[PathBuf]) -> Option<&Path> {
    candidates.iter().map(PathBuf::as_path).find(|p| p.is_file())
}

/// A TLS server configuration from `cert` (and its key, in the same file or in `ntopng-key.pem` beside it).
/// Errors name the file at fault.
pub fn load(cert: &Path) -> Result<ServerConfig, String> {
    let shown = cert.display();
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<_, _>>())
        .map_err(|e| format!("{shown}: cannot read the certificate: {}", pem_error(&e)))?;
    if chain.is_empty() {
        return Err(format!("{shown}: no certificate (expected a PEM \"BEGIN CERTIFICATE\" block)"));
    }
    let key = match PrivateKeyDer::from_pem_file(cert) {
        Ok(k) => k,
        Err(pem::Error::NoItemsFound) => {
            let key_file = cert.with_file_name(KEY_FILE);
            if !key_file.is_file() {
                return Err(format!("{shown}: no private key in the file and no {} beside it", key_file.display()));
            }
            PrivateKeyDer::from_pem_file(&key_file)
                .map_err(|e| format!("{}: cannot read the private key: {}", key_file.display(), pem_error(&e)))?
        }
        Err(e) => return Err(format!("{shown}: cannot read the private key: {}", pem_error(&e))),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("{shown}: unusable certificate or key: {e}"))?;
    // actix adds "http/1.1" to the ALPN list; nothing else is served.
    cfg.alpn_protocols.clear();
    Ok(cfg)
}

fn pem_error(e: &pem::Error) -> String {
    match e {
        pem::Error::NoItemsFound => "no PEM section found".into(),
        pem::Error::Io(io) => io.to_string(),
        other => format!("malformed PEM ({other:?})"),
    }
}
