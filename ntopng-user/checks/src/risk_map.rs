//! ntopng's mapping of nDPI flow risks to flow checks and alert types (checks.md §2.2): the check key,
//! the flow alert id and the alert category of each risk. Ids are nDPI's risk bits, which 4.2 shares
//! with the newer nDPI the reference describes for bits 1..41 (4.2 names bit 28 "Malicious JA3").

use crate::registry::AlertCategory::{self, Network, Other, Security};

/// One mapped risk.
#[derive(Debug, Clone, Copy)]
pub struct RiskMapping {
    pub risk: u32,
    pub key: &'static str,
    pub alert_id: u16,
    pub category: AlertCategory,
}

const fn m(risk: u32, key: &'static str, alert_id: u16, category: AlertCategory) -> RiskMapping {
    RiskMapping { risk, key, alert_id, category }
}

/// Every risk ntopng maps, in risk order.
pub const RISKS: &[RiskMapping] = &[
    m(1, "ndpi_url_possible_xss", 39, Security),
    m(2, "ndpi_url_possible_sql_injection", 40, Security),
    m(3, "ndpi_url_possible_rce_injection", 41, Security),
    m(4, "binary_application_transfer", 29, Security),
    m(5, "known_proto_on_non_std_port", 30, Security),
    m(6, "tls_certificate_selfsigned", 28, Security),
    m(7, "ndpi_tls_old_protocol_version", 24, Security),
    m(8, "tls_unsafe_ciphers", 25, Security),
    m(9, "tls_certificate_expired", 22, Security),
    m(10, "tls_certificate_mismatch", 23, Security),
    m(11, "ndpi_http_suspicious_user_agent", 42, Security),
    m(12, "ndpi_numeric_ip_host", 43, Security),
    m(13, "ndpi_http_suspicious_url", 44, Security),
    m(14, "ndpi_http_suspicious_header", 45, Security),
    m(15, "ndpi_tls_not_carrying_https", 46, Security),
    m(16, "ndpi_suspicious_dga_domain", 47, Security),
    m(17, "ndpi_malformed_packet", 48, Security),
    m(18, "ndpi_ssh_obsolete_client", 61, Security),
    m(19, "ndpi_ssh_obsolete_server", 49, Security),
    m(20, "ndpi_smb_insecure_version", 50, Security),
    m(21, "ndpi_tls_suspicious_esni_usage", 51, Security),
    m(22, "ndpi_unsafe_protocol", 52, Security),
    m(23, "ndpi_dns_suspicious_traffic", 53, Security),
    m(24, "ndpi_tls_missing_sni", 54, Security),
    m(25, "ndpi_http_suspicious_content", 63, Security),
    m(26, "ndpi_risky_asn", 85, Security),
    m(27, "ndpi_risky_domain", 86, Security),
    m(28, "ndpi_malicious_fingerprint", 79, Security),
    m(29, "ndpi_malicious_sha1_certificate", 80, Security),
    m(30, "ndpi_desktop_or_file_sharing_session", 78, Security),
    m(31, "ndpi_tls_uncommon_alpn", 81, Other),
    m(32, "ndpi_tls_cert_validity_too_long", 60, Security),
    m(33, "ndpi_tls_suspicious_extension", 82, Security),
    m(34, "ndpi_tls_fatal_alert", 83, Other),
    m(35, "ndpi_suspicious_entropy", 73, Security),
    m(36, "ndpi_clear_text_credentials", 62, Security),
    m(37, "ndpi_dns_large_packet", 64, Security),
    m(38, "ndpi_dns_fragmented", 65, Security),
    m(39, "ndpi_invalid_characters", 66, Security),
    m(40, "ndpi_possible_exploit", 68, Security),
    m(41, "ndpi_tls_certificate_about_to_expire", 69, Security),
    m(42, "ndpi_punicody_idn", 70, Security),
    m(43, "ndpi_error_code_detected", 71, Network),
    m(44, "ndpi_http_crawler_bot", 72, Network),
    m(45, "ndpi_anonymous_subscriber", 76, Security),
    m(46, "ndpi_unidirectional_traffic", 26, Network),
    m(47, "ndpi_http_obsolete_server", 84, Security),
    m(48, "ndpi_periodic_flow", 88, Network),
    m(49, "ndpi_minor_issues", 89, Network),
    m(50, "ndpi_tcp_issues", 90, Network),
    m(51, "ndpi_fully_encrypted", 96, Network),
    m(52, "ndpi_tls_alpn_sni_mismatch", 97, Security),
    m(53, "ndpi_malware_host_contacted", 98, Security),
    m(54, "ndpi_binary_data_transfer", 99, Security),
    m(55, "ndpi_probing_attempt", 101, Security),
];
