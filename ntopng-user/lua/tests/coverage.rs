//! The registry against the seed documents:
//! * `src/api_list.rs` must list exactly the functions of the seeds (when the seeds are present:
//!   `$CARGO_MANIFEST_DIR/../../../shared/seeds`, and `reference/ntopng/lua_engine.md` for `flow.*`);
//! * `doc/lua-api-coverage.md` must be what the registry generates;
//! * every function is registered in a VM, and every unsupported one raises its documented error.
//!
//! `UPDATE_COVERAGE=1 cargo test -p ntopng-lua --release --test coverage` rewrites both files (run it twice
//! when the seeds changed: the second run sees the regenerated list).

mod common;

use std::path::{Path, PathBuf};

use ntopng_lua::registry::{self, ApiStatus, NAMESPACES};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shared_dir() -> PathBuf {
    manifest_dir().join("../../../shared")
}

fn updating() -> bool {
    std::env::var_os("UPDATE_COVERAGE").is_some()
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Parsed {
    ns: &'static str,
    name: String,
    section: String,
    call: String,
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `ns.name(...)` at the start of `s`: (name, call text up to the closing parenthesis).
fn call_at(s: &str, ns: &str) -> Option<(String, String)> {
    let rest = s.strip_prefix(ns)?.strip_prefix('.')?;
    let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
    if name.is_empty() || !rest[name.len()..].starts_with('(') {
        return None;
    }
    let close = rest.find(')')?;
    Some((name, format!("{ns}.{}", &rest[..=close])))
}

/// Every mention `ns.name(` in a text (not preceded by an identifier character or a dot).
fn mentions(text: &str, ns: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices(&format!("{ns}.")) {
        let before = text[..i].chars().next_back();
        if before.is_some_and(|c| is_ident(c) || c == '.') {
            continue;
        }
        if let Some((name, _)) = call_at(&text[i..], ns) {
            out.push(name);
        }
    }
    out
}

/// Names the seeds use in their "how a binding is written" examples.
fn is_placeholder(name: &str) -> bool {
    matches!(name, "myFunction" | "xxx")
}

fn push(out: &mut Vec<Parsed>, ns: &'static str, name: String, call: String, section: &str) {
    if is_placeholder(&name) || out.iter().any(|p| p.ns == ns && p.name == name) {
        return;
    }
    out.push(Parsed { ns, name, section: section.trim().to_string(), call: call.replace('`', "") });
}

/// `## N. Title` headings of markdown seeds.
fn md_heading(line: &str) -> Option<String> {
    let rest = line.strip_prefix("## ")?;
    let (num, title) = rest.split_once(". ")?;
    num.chars().all(|c| c.is_ascii_digit()).then(|| title.to_string())
}

/// `N. Title` headings of the rendered (text) seeds, at the start of a line.
fn text_heading(line: &str) -> Option<String> {
    let (num, title) = line.split_once(". ")?;
    (!num.is_empty() && num.chars().all(|c| c.is_ascii_digit())).then(|| title.to_string())
}

fn read_seed(dir: &Path, prefix: &str) -> Option<String> {
    let entry = std::fs::read_dir(dir).ok()?.flatten().find(|e| e.file_name().to_string_lossy().starts_with(prefix))?;
    std::fs::read_to_string(entry.path()).ok()
}

/// Parses the seeds; `None` when they are not there.
fn parse_seeds() -> Option<Vec<Parsed>> {
    let seeds = shared_dir().join("seeds");
    let ntop = read_seed(&seeds, "000_")?;
    let network = read_seed(&seeds, "002_")?;
    let interface = read_seed(&seeds, "003_")?;
    let host = read_seed(&seeds, "004_")?;
    let engine = std::fs::read_to_string(shared_dir().join("reference/ntopng/lua_engine.md")).ok()?;
    let mut out = Vec::new();

    // ntop: table rows "| `ntop.x(...)` | ..." under "## N. Section".
    let mut section = String::new();
    for line in ntop.lines() {
        if let Some(h) = md_heading(line) {
            section = h;
        } else if let Some(rest) = line.strip_prefix("| `") {
            if let Some((name, call)) = call_at(rest, "ntop") {
                push(&mut out, "ntop", name, call, &section);
            }
        }
    }

    // interface: rendered rows "interface.x(...) returns description" under "N. Section"; then the appendix.
    let mut section = String::new();
    let (body, appendix) = interface.split_once("Appendix: Complete Function Index").unwrap_or((&interface, ""));
    for line in body.lines() {
        if let Some(h) = text_heading(line) {
            section = h;
        } else if let Some((name, call)) = call_at(line, "interface") {
            // A row is the call, a space and the return type (code examples are not rows).
            if line[call.len()..].starts_with(' ') {
                push(&mut out, "interface", name, call, &section);
            }
        }
    }
    if let Some((_, list)) = appendix.split_once("alphabetical order:") {
        for name in list.split('·').map(str::trim).filter(|n| !n.is_empty()) {
            let call = format!("interface.{name}()");
            push(&mut out, "interface", name.to_string(), call, "Appendix: Complete Function Index");
        }
    }

    // flow: lua_engine.md §6 rows "| N | `flow.x()` | ...".
    let flow_part = engine.split("## 6.").nth(1).unwrap_or("").split("\n## 7.").next().unwrap_or("");
    for line in flow_part.lines().filter(|l| l.starts_with("| ")) {
        if let Some(i) = line.find("`flow.") {
            if let Some((name, call)) = call_at(&line[i + 1..], "flow") {
                push(&mut out, "flow", name, call, "Flow check scripts (lua_engine.md §6)");
            }
        }
    }

    // host: markdown whose lines were joined; sections from the table of contents "N. [Title](#...)".
    let toc: Vec<(String, String)> = host
        .split("](#")
        .filter_map(|chunk| {
            let open = chunk.rfind(". [")?;
            let num: String = chunk[..open].chars().rev().take_while(|c| c.is_ascii_digit()).collect();
            Some((num.chars().rev().collect(), chunk[open + 3..].replace('`', "")))
        })
        .collect();
    let mut section = String::new();
    let mut i = 0;
    while i < host.len() {
        let rest = &host[i..];
        if let Some(h) = rest.strip_prefix("## ") {
            let num: String = h.chars().take_while(|c| c.is_ascii_digit()).collect();
            if let Some((_, title)) = toc.iter().find(|(n, _)| *n == num) {
                section = title.clone();
            }
        } else if let Some(r) = rest.strip_prefix("| `") {
            if let Some((name, call)) = call_at(r, "host") {
                push(&mut out, "host", name, call, &section);
            }
        }
        i += rest.chars().next().map(char::len_utf8).unwrap_or(1);
    }

    // network: rendered rows "network.x(...) |" under "N. Section".
    let mut section = String::new();
    for line in network.lines() {
        if let Some(h) = text_heading(line) {
            section = h;
        } else if let Some((name, call)) = call_at(line, "network") {
            // A row is the call and a cell separator (not prose or code).
            if line[call.len()..].trim() == "|" {
                push(&mut out, "network", name, call, &section);
            }
        }
    }

    // Nothing mentioned in a seed may be missing from its list.
    for (ns, text) in [("ntop", &ntop), ("interface", &interface), ("host", &host), ("network", &network)] {
        for m in mentions(text, ns) {
            assert!(
                is_placeholder(&m) || out.iter().any(|p| p.ns == ns && p.name == m),
                "{ns}.{m} is mentioned in its seed but not in a table row: the parser needs updating"
            );
        }
    }
    let order = |ns: &str| NAMESPACES.iter().position(|n| *n == ns).unwrap();
    out.sort_by_key(|p| order(p.ns));
    Some(out)
}

fn rust_str(s: &str) -> String {
    format!("{s:?}")
}

fn api_list_source(list: &[Parsed]) -> String {
    let mut s = String::from(
        "//! Generated by `UPDATE_COVERAGE=1 cargo test -p ntopng-lua --release --test coverage` from the Lua API\n\
         //! seeds (shared/seeds/00[0-4]*.md, and reference/ntopng/lua_engine.md §6 for flow.*). Do not edit.\n\n\
         use crate::registry::SeedFn;\n\n\
         #[rustfmt::skip]\n\
         pub const SEED_API: &[SeedFn] = &[\n",
    );
    for p in list {
        s.push_str(&format!(
            "    SeedFn {{ ns: {}, name: {}, section: {}, call: {} }},\n",
            rust_str(p.ns),
            rust_str(&p.name),
            rust_str(&p.section),
            rust_str(&p.call)
        ));
    }
    s.push_str("];\n");
    s
}

#[test]
fn seed_list_is_current() {
    let Some(parsed) = parse_seeds() else {
        eprintln!("SKIP seed_list_is_current: the seeds are not at {}", shared_dir().display());
        return;
    };
    let current: Vec<Parsed> = ntopng_lua::seed_api()
        .iter()
        .map(|f| Parsed { ns: f.ns, name: f.name.into(), section: f.section.into(), call: f.call.into() })
        .collect();
    if parsed == current {
        return;
    }
    let path = manifest_dir().join("src/api_list.rs");
    if updating() {
        std::fs::write(&path, api_list_source(&parsed)).unwrap();
        eprintln!("rewrote {}: run the tests again", path.display());
        return;
    }
    let missing: Vec<_> =
        parsed.iter().filter(|p| !current.contains(p)).map(|p| format!("{}.{}", p.ns, p.name)).collect();
    let extra: Vec<_> =
        current.iter().filter(|p| !parsed.contains(p)).map(|p| format!("{}.{}", p.ns, p.name)).collect();
    panic!(
        "src/api_list.rs is stale (new or changed in the seeds: {missing:?}; gone: {extra:?}); regenerate with \
         UPDATE_COVERAGE=1"
    );
}

#[test]
fn seed_counts() {
    let counts = registry::counts();
    let total: usize = counts.iter().map(|(_, i, u)| i + u).sum();
    let by_ns = |ns: &str| counts.iter().find(|(n, _, _)| *n == ns).map(|(_, i, u)| i + u).unwrap();
    // What the seed documents list (the master overview's 334/245 count ntopng's registration tables).
    assert_eq!(
        (by_ns("ntop"), by_ns("interface"), by_ns("flow"), by_ns("host"), by_ns("network")),
        (329, 240, 20, 23, 9)
    );
    assert_eq!(total, 621);
    // Every implemented function is one of the seed's.
    let reg = registry::registry();
    assert!(reg.iter().filter(|e| e.status == ApiStatus::Implemented).count() >= 90);
}

#[test]
fn coverage_doc_is_current() {
    let path = manifest_dir().join("../../doc/lua-api-coverage.md");
    let generated = registry::coverage_markdown();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == generated {
        return;
    }
    if updating() {
        std::fs::write(&path, generated).unwrap();
        eprintln!("rewrote {}", path.display());
        return;
    }
    panic!("{} is stale: regenerate with UPDATE_COVERAGE=1 cargo test -p ntopng-lua --test coverage", path.display());
}

/// Every seed function exists in a VM; unsupported ones raise exactly their documented message (after the
/// caller's file:line), implemented ones are functions that are not the stub.
#[test]
fn every_function_is_registered() {
    let env = common::TestEnv::new();
    let mut src = String::from(
        "local n, u = 0, 0\n\
         local function unsupported(ns, name, msg)\n\
           local f = _G[ns][name]\n\
           assert(type(f) == 'function', ns .. '.' .. name .. ' is not registered')\n\
           local ok, err = pcall(function() local r = f(); return r end)\n\
           assert(not ok, ns .. '.' .. name .. ' did not raise')\n\
           assert(type(err) == 'string', 'error of ' .. ns .. '.' .. name .. ' is not a string')\n\
           assert(err:sub(-#msg) == msg, 'unexpected error: ' .. err)\n\
           assert(err:find('^scripts/lua/t%.lua:%d+: '), 'no file:line in: ' .. err)\n\
           u = u + 1\n\
         end\n\
         local function implemented(ns, name)\n\
           assert(type(_G[ns][name]) == 'function', ns .. '.' .. name .. ' is not registered')\n\
           n = n + 1\n\
         end\n",
    );
    for e in registry::registry() {
        match e.status {
            ApiStatus::Implemented => src.push_str(&format!("implemented({:?}, {:?})\n", e.ns, e.name)),
            ApiStatus::Unsupported(_) => {
                src.push_str(&format!("unsupported({:?}, {:?}, {:?})\n", e.ns, e.name, e.unsupported_message()))
            }
        }
    }
    src.push_str("print(n, ' ', u)\n");
    let resp = env.run_lua(&src);
    assert!(resp.is_ok(), "{:?}", resp.error);
    let counts = registry::counts();
    let implemented: usize = counts.iter().map(|c| c.1).sum();
    let unsupported: usize = counts.iter().map(|c| c.2).sum();
    assert_eq!(resp.body_str(), format!("{implemented} {unsupported}"));
}
