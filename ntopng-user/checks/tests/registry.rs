//! The registry and the run-time configuration against ntopng's reference values (checks.md), with the
//! configuration persisted in a real embedded KvStore.

use ntopng_checks::{evaluate, Checks, Family, Registry, Severity, CONFIGSET_KEY};
use ntopng_store::{EmbeddedStore, KvStore};
use std::sync::atomic::Ordering;
use std::sync::Arc;

#[test]
fn risk_checks_carry_ntopng_ids_and_ndpi_scores() {
    let reg = Registry::ntopng();
    // checks.md §2.2: TLS self-signed is risk 6, key tls_certificate_selfsigned, alert 28, HIGH 100 (90+10).
    let (_, c) = reg.risk_check(6).unwrap();
    assert_eq!((c.key, c.alert_id, c.score, c.client_pct), ("tls_certificate_selfsigned", 28, 100, 90));
    assert_eq!(c.severity(), Severity::Error);
    // Known protocol on a non-standard port: risk 5, alert 30, MEDIUM 50 split 25/25.
    let (_, c) = reg.risk_check(5).unwrap();
    assert_eq!((c.key, c.alert_id, c.score, c.client_pct), ("known_proto_on_non_std_port", 30, 50, 50));
    // Scores and splits are the linked nDPI's: 4.2 splits an expired certificate 50/50 (newer nDPI
    // releases, which the reference describes, give the server 90 %) and rates SEVERE risks 250, not 150.
    let (_, c) = reg.risk_check(9).unwrap();
    assert_eq!((c.alert_id, c.score, c.client_pct), (22, 100, 50));
    let (_, c) = reg.risk_check(1).unwrap();
    assert_eq!((c.key, c.alert_id, c.score, c.client_pct), ("ndpi_url_possible_xss", 39, 250, 90));
    // Risks nDPI 4.2 does not know are registered but pending, never raised.
    assert!(reg.risk_check(46).is_none());
    assert!(!reg.get(Family::Flow, "ndpi_unidirectional_traffic").unwrap().implemented());
    // Host checks: score_threshold is the one on by default, threshold 5000.
    let st = reg.get(Family::Host, "score_threshold").unwrap();
    assert_eq!((st.alert_id, st.default_enabled, st.default_threshold), (17, true, Some(5000)));
    // Keys are unique per family.
    let mut keys: Vec<_> = reg.all().iter().map(|c| (c.family, c.key)).collect();
    keys.sort();
    let n = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), n);
}

#[test]
fn flow_score_sums_alerts_and_predominant_is_highest() {
    let checks = Checks::new(Arc::new(Registry::ntopng()), None);
    // Self-signed (100: 90+10) + known proto on non-std port (50: 25+25) + numeric IP host (10: 5+5).
    let risk = 1u64 << 6 | 1 << 5 | 1 << 12;
    let a = evaluate(&checks, risk).unwrap();
    assert_eq!(a.alerts.iter().map(|x| x.alert_id).collect::<Vec<_>>(), vec![30, 28, 43]);
    assert_eq!((a.cli_score, a.srv_score, a.score()), (120, 40, 160));
    assert_eq!(a.predominant().alert_id, 28);
    assert_eq!(a.alerts_map, 1u128 << 30 | 1 << 28 | 1 << 43);
    assert!(evaluate(&checks, 0).is_none());
}

#[test]
fn disabled_check_raises_nothing_and_leaves_the_mask() {
    let dir = tempdir();
    let store: Arc<dyn KvStore> = Arc::new(EmbeddedStore::open(&dir).unwrap());
    let checks = Checks::new(Arc::new(Registry::ntopng()), Some(store.clone()));
    let mask = checks.risk_mask();
    assert_ne!(mask.load(Ordering::Relaxed) & 1 << 6, 0);
    checks.set_enabled("flow", "tls_certificate_selfsigned", false).unwrap();
    assert_eq!(mask.load(Ordering::Relaxed) & 1 << 6, 0);
    let a = evaluate(&checks, 1 << 6 | 1 << 5).unwrap();
    assert_eq!(a.alerts.len(), 1);
    assert_eq!(a.predominant().key, "known_proto_on_non_std_port");
    assert!(evaluate(&checks, 1 << 6).is_none());
    assert_eq!(checks.set_enabled("flow", "no_such_check", true), Err(ntopng_checks::ConfigError::UnknownCheck));
    assert_eq!(
        checks.set_enabled("bogus", "tls_certificate_selfsigned", true),
        Err(ntopng_checks::ConfigError::UnknownCheck)
    );

    // Thresholds change at run time through edit_check_config's JSON.
    let conf = serde_json::json!({"min": {"enabled": true, "script_conf": {"threshold": 64}}});
    checks.set_config("host", "syn_scan", &conf).unwrap();
    assert_eq!(checks.threshold(Family::Host, "syn_scan"), Some(64));
    assert!(checks.is_enabled(Family::Host, "syn_scan"));

    // The configuration is in the store under ntopng's key, and a new instance reads it back.
    let stored: serde_json::Value = serde_json::from_str(&store.get(CONFIGSET_KEY).unwrap().unwrap()).unwrap();
    assert_eq!(stored["config"]["flow"]["tls_certificate_selfsigned"]["all"]["enabled"], false);
    assert_eq!(stored["config"]["host"]["syn_scan"]["min"]["script_conf"]["threshold"], 64);
    let again = Checks::new(Arc::new(Registry::ntopng()), Some(store));
    assert!(!again.is_enabled(Family::Flow, "tls_certificate_selfsigned"));
    assert_eq!(again.threshold(Family::Host, "syn_scan"), Some(64));
    assert_eq!(again.risk_mask().load(Ordering::Relaxed) & 1 << 6, 0);

    // toggle_all enables default-off checks too.
    again.set_all_enabled(Some("flow"), true).unwrap();
    assert!(again.is_enabled(Family::Flow, "remote_to_remote"));
    assert!(!again.is_enabled(Family::Host, "flow_flood"));
}

fn tempdir() -> std::path::PathBuf {
    let d =
        std::env::temp_dir().join(format!("ntopng-checks-{}-{:?}", std::process::id(), std::thread::current().id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_script_edit_of_the_stored_configset_is_applied() {
    let dir = tempdir().join("reload");
    std::fs::create_dir_all(&dir).unwrap();
    let store: Arc<dyn KvStore> = Arc::new(EmbeddedStore::open(&dir).unwrap());
    let checks = Checks::new(Arc::new(Registry::ntopng()), None);
    // An empty store gets every check's entry.
    checks.use_store(store.clone()).unwrap();
    let mut cs: serde_json::Value = serde_json::from_str(&store.get(CONFIGSET_KEY).unwrap().unwrap()).unwrap();
    assert_eq!(
        cs["config"]["flow"].as_object().unwrap().len(),
        Registry::ntopng().all().iter().filter(|c| c.family == Family::Flow).count()
    );
    // As disable/check.lua does it: every hook off, written back with an empty script_conf as [].
    cs["config"]["flow"]["ndpi_numeric_ip_host"] = serde_json::json!({"all": {"enabled": false, "script_conf": []}});
    store.set(CONFIGSET_KEY, &cs.to_string(), None).unwrap();
    assert!(checks.is_enabled(Family::Flow, "ndpi_numeric_ip_host"));
    checks.reload_if_changed();
    assert!(!checks.is_enabled(Family::Flow, "ndpi_numeric_ip_host"));
    assert_eq!(checks.risk_mask().load(Ordering::Relaxed) & 1 << 12, 0);
    assert!(checks.is_enabled(Family::Flow, "tls_certificate_selfsigned"));
}

#[test]
fn host_checks_follow_the_configuration() {
    use ntopng_checks::{host, HostWindow};
    let checks = Checks::new(Arc::new(Registry::ntopng()), None);
    let w = HostWindow { syn_sent: 300, new_flows_per_sec_as_server: 400, score_as_client: 6000, ..Default::default() };
    // Defaults (checks.md §3): only score_threshold is on, at 5000.
    let raised = host::run(&checks, &w);
    assert_eq!(
        raised.iter().map(|a| (a.key, a.alert_id, a.score)).collect::<Vec<_>>(),
        vec![("score_threshold", 17, 150)]
    );
    assert_eq!(raised[0].severity(), Severity::Error);
    checks.set_enabled("host", "syn_scan", true).unwrap();
    checks.set_enabled("host", "flow_flood", true).unwrap();
    let raised = host::run(&checks, &w);
    let got: Vec<_> =
        raised.iter().map(|a| (a.key, a.alert_id, a.hit.value, a.hit.threshold, a.is_attacker())).collect();
    assert_eq!(
        got,
        vec![
            ("syn_scan", 5, 300, 256, true),
            ("flow_flood", 4, 400, 256, false),
            ("score_threshold", 17, 6000, 5000, true)
        ]
    );
    assert_eq!(raised[0].severity(), Severity::Warning);
    // The threshold comes from script_conf.
    let conf = serde_json::json!({"min": {"enabled": true, "script_conf": {"threshold": 300}}});
    checks.set_config("host", "syn_scan", &conf).unwrap();
    assert!(host::run(&checks, &w).iter().all(|a| a.key != "syn_scan"));
    // syn_flood was removed from ntopng in October 2024; kept here (off by default, emergency).
    let reg = Registry::ntopng();
    let sf = reg.get(Family::Host, "syn_flood").unwrap();
    assert_eq!(
        (sf.alert_id, sf.score, sf.client_pct, sf.default_enabled, sf.default_threshold),
        (6, 250, 100, false, Some(256))
    );
    assert_eq!(sf.severity(), Severity::Emergency);
}

#[test]
fn scan_flood_and_contact_checks_are_off_until_enabled() {
    use ntopng_checks::{host, HostWindow};
    let checks = Checks::new(Arc::new(Registry::ntopng()), None);
    let w = HostWindow {
        ip: Some("192.0.2.1".parse().unwrap()),
        syn_rcvd_per_sec: 1000,
        fin_sent: 300,
        rst_rcvd: 400,
        icmp_rcvd_per_sec: 251,
        incomplete_flows: 33,
        dns_servers: 10,
        ntp_servers: 12,
        smtp_servers: 6,
        ..Default::default()
    };
    assert!(host::run(&checks, &w).is_empty(), "all off by default");
    let keys = [
        "syn_flood",
        "fin_scan",
        "rst_scan",
        "icmp_flood",
        "scan_detection",
        "dns_contacts",
        "ntp_contacts",
        "smtp_contacts",
    ];
    for k in keys {
        checks.set_enabled("host", k, true).unwrap();
    }
    let got: Vec<_> = host::run(&checks, &w)
        .iter()
        .map(|a| (a.key, a.alert_id, a.score, a.hit.value, a.hit.threshold, a.is_attacker()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("syn_flood", 6, 250, 1000, 256, false),
            ("fin_scan", 21, 50, 300, 256, true),
            ("rst_scan", 25, 50, 400, 256, true),
            ("icmp_flood", 18, 50, 251, 250, false),
            ("scan_detection", 20, 100, 33, 32, true),
            ("dns_contacts", 2, 10, 10, 5, true),
            ("ntp_contacts", 3, 10, 12, 5, true),
            ("smtp_contacts", 1, 10, 6, 5, true),
        ]
    );
    let ids = host::alert_ids(checks.registry());
    assert_eq!(ids, vec![5, 4, 17, 6, 21, 25, 18, 20, 2, 3, 1]);
}
