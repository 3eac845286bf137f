//! `interface.execSQLQuery` over a FlowDbProvider: the clauses reach the provider as strings, rows come
//! back as `{[name] = "value"}` tables, refusals raise, raw SQL never reaches the provider.

mod common;

use common::TestEnv;
use ntopng_lua::{FlowDbError, FlowDbProvider, FlowDbQueryKind, FlowDbRows};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<(FlowDbQueryKind, BTreeMap<String, String>)>>,
}

impl FlowDbProvider for Recorder {
    fn query(&self, kind: FlowDbQueryKind, p: &BTreeMap<String, String>) -> Result<FlowDbRows, FlowDbError> {
        self.seen.lock().unwrap().push((kind, p.clone()));
        match p.get("where_clause").map(String::as_str) {
            Some("bad") => Err(FlowDbError::Invalid("where_clause: unknown column \"bad\"".into())),
            Some("broken") => Err(FlowDbError::Failed("disk I/O error".into())),
            _ => Ok(FlowDbRows {
                names: vec!["IPV4_SRC_ADDR".into(), "bytes".into()],
                rows: vec![vec!["10.0.0.1".into(), "1200".into()], vec!["10.0.0.2".into(), "".into()]],
            }),
        }
    }
}

#[test]
fn clauses_in_rows_out() {
    let rec = Arc::new(Recorder::default());
    let p: Arc<dyn FlowDbProvider> = rec.clone();
    let env = TestEnv::with(|c| c.flowdb = Some(p));
    let body = env.ok(r#"
local rows = interface.execSQLQuery({kind = "topk", ifid = 0, begin = 100, ["end"] = 200.0, maxhits_clause = 5,
  select_keys_clause = "IPV4_SRC_ADDR"})
assert(#rows == 2 and rows[1].IPV4_SRC_ADDR == "10.0.0.1" and rows[1].bytes == "1200" and rows[2].bytes == "")
local ok, err = pcall(interface.execSQLQuery, {where_clause = "bad"})
assert(not ok and err:find("interface.execSQLQuery: invalid query: where_clause: unknown column", 1, true), err)
ok, err = pcall(interface.execSQLQuery, {where_clause = "broken"})
assert(not ok and err:find("query failed: disk I/O error", 1, true), err)
ok, err = pcall(interface.execSQLQuery, "SELECT * FROM sqlite_master")
assert(not ok and err:find("raw SQL is not accepted", 1, true), err)
ok, err = pcall(interface.execSQLQuery, {kind = "drop"})
assert(not ok and err:find("unknown query kind", 1, true), err)
print("done")
"#);
    assert_eq!(body.trim(), "done");
    let seen = rec.seen.lock().unwrap();
    // The string and the unknown kind never reached the provider.
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].0, FlowDbQueryKind::Topk);
    let want: BTreeMap<String, String> = [
        ("kind", "topk"),
        ("ifid", "0"),
        ("begin", "100"),
        ("end", "200"),
        ("maxhits_clause", "5"),
        ("select_keys_clause", "IPV4_SRC_ADDR"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(seen[0].1, want);
    assert_eq!(seen[1].0, FlowDbQueryKind::Flows);
}

#[test]
fn without_a_flow_database_it_raises() {
    let env = TestEnv::new();
    let body = env.ok(r#"
local ok, err = pcall(interface.execSQLQuery, {})
assert(not ok and err:find("no flow database: start ntopng with -F sqlite", 1, true), err)
print("done")
"#);
    assert_eq!(body.trim(), "done");
}
