//! `doc/checks.md` is generated from the registry: this test fails when the file is stale.
//! `UPDATE_CHECKS_DOC=1 cargo test -p ntopng-checks --test doc` rewrites it.

use ntopng_checks::{Family, Registry, Status};
use std::fmt::Write;
use std::path::PathBuf;

fn doc_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../doc/checks.md")
}

fn render(reg: &Registry) -> String {
    let mut out = String::new();
    out.push_str("# Checks: implemented and pending\n\n");
    out.push_str("Generated from the checks registry (`ntopng-user/checks`) by `tests/doc.rs`; do not edit by hand\n");
    out.push_str(
        "(`UPDATE_CHECKS_DOC=1 cargo test -p ntopng-checks --test doc`). Ids, keys, scores and defaults are\n",
    );
    out.push_str(
        "ntopng's (shared/reference/ntopng/checks.md); risk scores are the linked nDPI's (`ndpi_risk2score`).\n",
    );
    out.push_str(
        "Enable/disable and thresholds change at run time and are stored under `ntopng.prefs.checks.configset_v1`.\n",
    );
    out.push_str(
        "Host checks run every minute (ntopng's `min` hook) on what each host did since the previous run; their\n",
    );
    out.push_str(
        "alerts stay engaged while the condition lasts and are stored in `host_alerts` when released; what each\n",
    );
    out.push_str(
        "host check counts is described in doc/host-checks.md. `syn_flood` was removed from ntopng in October 2024;\n",
    );
    out.push_str("it is kept here (off by default) for users of older releases.\n");
    out.push_str(
        "User checks in Lua (`custom_lua_script`, `custom_host_lua_script`, `custom_network_lua_script`) run the\n",
    );
    out.push_str("modules of `scripts/lua/modules/{flow,host,network}_checks/` (doc/lua-checks.md); they are on by default here\n");
    out.push_str("because a module runs only once a user has put it there.\n");
    out.push_str("The flow checks that read what the engine saw of a flow (unexpected servers, insecure protocols,\n");
    out.push_str(
        "blacklists, TCP issues, long-lived and elephant flows), their lists, thresholds and the blacklist file\n",
    );
    out.push_str("are described in doc/flow-checks.md.\n");
    for family in [Family::Flow, Family::Host, Family::Network] {
        let checks: Vec<_> = reg.all().iter().filter(|c| c.family == family).collect();
        let done = checks.iter().filter(|c| c.implemented()).count();
        let _ = write!(out, "\n## {} checks ({done} implemented of {})\n\n", family.subdir(), checks.len());
        out.push_str(
            "| check key | alert id | name | category | score | client % | severity | default | nDPI risk | status |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
        for c in checks {
            let status = match &c.status {
                Status::Implemented => "implemented".to_string(),
                Status::Pending(why) => format!("pending: {why}"),
            };
            let default = match (c.default_enabled, c.default_threshold) {
                (true, None) => "on".to_string(),
                (false, None) => "off".to_string(),
                (on, Some(t)) => format!("{} (threshold {t})", if on { "on" } else { "off" }),
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                c.key,
                c.alert_id,
                c.name,
                c.category.label(),
                c.score,
                c.client_pct,
                c.severity().key(),
                default,
                c.risk.map_or(String::new(), |r| r.to_string()),
                status
            );
        }
    }
    out
}

#[test]
fn checks_doc_is_current() {
    let text = render(&Registry::ntopng());
    let path = doc_path();
    if std::env::var_os("UPDATE_CHECKS_DOC").is_some() {
        std::fs::write(&path, &text).expect("write doc/checks.md");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(current == text, "doc/checks.md is stale: rerun with UPDATE_CHECKS_DOC=1");
}
