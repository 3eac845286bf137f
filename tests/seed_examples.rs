//! The seeds' example REST scripts run unchanged as user scripts: extracted at test time from
//! `../shared/seeds/*.md` (tests/support/seed_examples.py) into a copy of our install dir, served at the
//! URL matching their path with no other step, and answering with the values of the engine.

mod daemon;
mod support;

use daemon::{Auth, Daemon};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use support::{copy_tree, repo, scratch_dir, shared_pcaps};

#[test]
fn seed_examples_run_unchanged_as_user_scripts() {
    let Some(pcaps) = shared_pcaps("seed examples") else { return };
    let seeds = pcaps.join("../seeds");
    if !seeds.is_dir() {
        eprintln!("SKIP seed examples: {} not found", seeds.display());
        return;
    }
    let cap = pcaps.join("ntopng-e2e/test_01.pcap");
    let dir = scratch_dir("seed-examples");
    let install = dir.join("install");
    copy_tree(&repo().join("scripts"), &install.join("scripts"));
    if repo().join("httpdocs").is_dir() {
        copy_tree(&repo().join("httpdocs"), &install.join("httpdocs"));
    }
    let out = Command::new("python3")
        .arg(repo().join("tests/support/seed_examples.py"))
        .arg(&seeds)
        .arg(&install)
        .output()
        .expect("python3");
    assert!(out.status.success(), "extractor: {}", String::from_utf8_lossy(&out.stderr));
    let scripts: Vec<String> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| l.split('\t').next().unwrap().to_string()).collect();
    assert!(!scripts.is_empty(), "no example found in the seeds");

    let mut d = Daemon::start(
        &["-i", cap.to_str().unwrap(), "-m", "192.168.1.0/24", "--disable-login=1", "-t", install.to_str().unwrap()],
        &dir.join("data"),
    );
    d.wait_capture_read();
    let a = Auth::None;
    let (iface, _) = d.rest_ok("/lua/rest/v2/get/interface/data.lua?ifid=0", &a);
    let host_ip = "192.168.1.93";
    // One body serves every example: JSON keys reach both _GET and _POST, as in ntopng.
    let body = json!({"ifid": "0", "host": host_ip, "param1": "x", "username": "seed_user",
                      "full_name": "Seed User", "password": "Seed-pass-1"});
    for s in &scripts {
        let url = format!("/lua/{s}");
        let r = d.post_json(&url, &a, &body);
        let v: Value = r.json().unwrap_or_else(|| panic!("{url}: {} not JSON: {}", r.status, r.body));
        assert_eq!((r.status, &v["rc"]), (200, &json!(0)), "{url}: {}", r.body);
        let rsp = &v["rsp"];
        // Where an example returns engine state, it is the engine's.
        if let Some(p) = rsp["stats"]["packets"].as_u64() {
            assert_eq!(p, iface["packets"].as_u64().unwrap(), "{url}");
        }
        if rsp.get("ip").is_some() {
            assert_eq!(rsp["ip"], host_ip, "{url}");
        }
        if let Some(n) = rsp["numFlows"].as_u64() {
            assert_eq!(n, iface["num_flows"].as_u64().unwrap(), "{url}");
        }
        eprintln!("seed example {s}: rc 0");
    }
    // The admin-only POST example added its user.
    if scripts.iter().any(|s| s.contains("admin_only_post")) {
        let (users, _) = d.rest_ok("/lua/rest/v2/get/ntopng/users.lua", &a);
        assert!(users.get("seed_user").is_some(), "{users}");
    }
    assert!(d.stop());
}

/// `-2` (scripts dir) and `-1` (httpdocs) override the install dir's, as ntopng's options do: a user's
/// script in the given scripts dir is served at its URL, and a page in the given document root is served.
#[test]
fn scripts_and_httpdocs_dirs_override_the_install_dir() {
    let Some(pcaps) = shared_pcaps("-1/-2 dirs") else { return };
    let cap = pcaps.join("ntopng-e2e/test_01.pcap");
    let dir = scratch_dir("dirs-override");
    let scripts = dir.join("my-scripts");
    copy_tree(&repo().join("scripts"), &scripts);
    let user = scripts.join("lua/rest/v2/get/my/hello.lua");
    std::fs::create_dir_all(user.parent().unwrap()).unwrap();
    std::fs::write(
        &user,
        "local dirs = ntop.getDirs()\npackage.path = dirs.installdir .. \"/scripts/lua/modules/?.lua;\" .. package.path\n\
         local rest_utils = require(\"rest_utils\")\ninterface.select(\"0\")\n\
         rest_utils.answer(rest_utils.consts.success.ok, {packets = interface.getStats().stats.packets, scriptdir = dirs.scriptdir})\n",
    )
    .unwrap();
    let docs = dir.join("my-docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(docs.join("hello.txt"), "served from -1\n").unwrap();
    let mut d = Daemon::start(
        &["-i", cap.to_str().unwrap(), "--disable-login=1", "-2", scripts.to_str().unwrap(), "-1", docs.to_str().unwrap()],
        &dir.join("data"),
    );
    d.wait_capture_read();
    let (iface, _) = d.rest_ok("/lua/rest/v2/get/interface/data.lua?ifid=0", &Auth::None);
    let (rsp, _) = d.rest_ok("/lua/rest/v2/get/my/hello.lua", &Auth::None);
    assert_eq!(rsp["packets"], iface["packets"], "{rsp}");
    assert_eq!(Path::new(rsp["scriptdir"].as_str().unwrap()).canonicalize().unwrap(), scripts.canonicalize().unwrap());
    let r = d.get("/hello.txt", &Auth::None);
    assert_eq!((r.status, r.body.as_str()), (200, "served from -1\n"));
    assert!(d.stop());
}
