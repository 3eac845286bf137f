//! The flow checks' configuration and filters, without traffic: defaults in the configset, the
//! blacklist file format, and which flow events each check asks the engine for.

use ntopng_checks::flow::{self, Blacklist, FlowContext, Wants};
use ntopng_checks::{Checks, Family, Registry};
use ntopng_engine::alert_tap::EventWants;
use ntopng_wire::Addr;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::Arc;

fn checks() -> Checks {
    Checks::new(Arc::new(Registry::ntopng()), None)
}

#[test]
fn every_flow_check_here_is_implemented_in_the_registry_with_its_defaults_in_the_configset() {
    let reg = Registry::ntopng();
    for k in flow::implemented_keys() {
        assert!(reg.get(Family::Flow, k).unwrap().implemented(), "{k}");
    }
    let c = checks();
    let set = c.configset_json();
    let conf = |k: &str| set["config"]["flow"][k]["all"].clone();
    assert_eq!(conf("unexpected_dns")["script_conf"]["items"], json!([]));
    assert_eq!(conf("unexpected_dns")["enabled"], json!(false));
    assert_eq!(conf("tcp_packets_issues")["script_conf"]["retransmissions"], json!({"threshold": 15, "enabled": true}));
    assert_eq!(conf("elephant_flows")["script_conf"]["l2r_bytes_value"], json!(1u64 << 30));
    assert_eq!(conf("long_lived_flows")["script_conf"]["min_duration"], json!(86400));
    assert_eq!(conf("remote_to_local_insecure_flow")["enabled"], json!(true));
}

#[test]
fn blacklist_file_format() {
    let b = Blacklist::parse("# comment\n\n10.1.2.3\n192.0.2.0/24 # net\n2001:db8::/32,ipv6\n198.51.100.7 extra\n192.0.2.128/25\n192.0.3.0/24\n").unwrap();
    assert_eq!(b.len(), 6);
    let cases = [
        ("10.1.2.3", true),
        ("10.1.2.4", false),
        ("10.1.2.2", false),
        ("192.0.2.200", true),
        ("192.0.3.255", true),
        ("192.0.4.0", false),
        ("192.0.1.255", false),
        ("2001:db8::1", true),
        ("2001:db9::", false),
        ("198.51.100.7", true),
        ("0.0.0.0", false),
        ("255.255.255.255", false),
    ];
    for (a, listed) in cases {
        assert_eq!(b.contains(&Addr::from_ip(a.parse().unwrap())), listed, "{a}");
    }
    let e = Blacklist::parse("10.0.0.1\nnot-an-ip\n").unwrap_err();
    assert!(e.contains("line 2"), "{e}");
}

#[test]
fn each_check_asks_only_for_what_it_can_alert_on() {
    let det = ndpi::Detector::new(&ndpi::DetectorConfig::default()).unwrap();
    let names = Arc::new(ndpi::ProtocolNames::new(&det));
    let ctx = FlowContext { names: Some(names.clone()), ..FlowContext::default() };
    let c = checks();
    // Defaults: the insecure-protocol check (its breeds' protocols, Malware/Banned) and the Malware
    // category check; at the end, only the TCP flows the payload and window checks can alert on
    // (on by default, as in ntopng); never every flow.
    let w = flow::wants(&c, &ctx);
    assert!(!w.classified && !w.ended, "{w:?}");
    assert!(w.ended_low_goodput && w.ended_no_data && w.ended_zero_window, "{w:?}");
    assert!(
        !w.ended_tcp_issues && !w.ended_tcp_reset && w.ended_min_bytes.is_none() && w.ended_min_duration_ns.is_none()
    );
    let ftp = names.protocol_id("FTP_CONTROL").unwrap();
    let dns = names.protocol_id("DNS").unwrap();
    assert!(w.protocols.contains(&ftp) && !w.protocols.contains(&dns), "{w:?}");
    assert!(w.categories.contains(&100) && w.categories.contains(&102));
    // Without protocol names (no DPI) the insecure check asks for nothing.
    assert!(flow::wants(&c, &FlowContext::default()).protocols.is_empty());

    for k in flow::implemented_keys() {
        c.set_enabled("flow", k, false).unwrap();
    }
    assert_eq!(flow::wants(&c, &ctx), Wants::default());
    c.set_enabled("flow", "unexpected_dns", true).unwrap();
    c.set_config(
        "flow",
        "elephant_flows",
        &json!({"all": {"enabled": true, "script_conf": {"l2r_bytes_value": 5000, "r2l_bytes_value": 9000}}}),
    )
    .unwrap();
    c.set_config(
        "flow",
        "long_lived_flows",
        &json!({"all": {"enabled": true, "script_conf": {"min_duration": "600"}}}),
    )
    .unwrap();
    let w = flow::wants(&c, &ctx);
    assert_eq!(w.protocols.iter().copied().collect::<Vec<_>>(), vec![dns]);
    assert_eq!((w.ended_min_bytes, w.ended_min_duration_ns), (Some(5000), Some(600_000_000_000)));
    assert!(!w.ended && !w.classified && !w.ended_tcp_issues && !w.ended_tcp_reset);
    assert!(!w.ended_low_goodput && !w.ended_no_data && !w.ended_zero_window);
    // A blacklist contact check asks for the flows with a listed peer, only with a list.
    c.set_enabled("flow", "blacklisted_server_contact", true).unwrap();
    assert!(!flow::wants(&c, &ctx).addresses);
    let with_list = FlowContext { blacklist: Some(Arc::new(Blacklist::parse("192.0.2.1").unwrap())), ..ctx.clone() };
    let wl = flow::wants(&c, &with_list);
    assert!(wl.addresses && !wl.classified);

    // Into the taps' atomics: the protocol bit, the thresholds; Lua checks widen everything.
    let ew = EventWants::default();
    w.store(false, &ew);
    assert!(ew.some_classified.load(Ordering::Relaxed) && !ew.all_classified.load(Ordering::Relaxed));
    assert_ne!(ew.protocols[dns as usize / 64].load(Ordering::Relaxed) & 1 << (dns % 64), 0);
    assert_eq!(ew.ended_min_bytes.load(Ordering::Relaxed), 5000);
    assert!(!ew.ended.load(Ordering::Relaxed));
    w.store(true, &ew);
    assert!(ew.all_classified.load(Ordering::Relaxed) && ew.ended.load(Ordering::Relaxed));
}
