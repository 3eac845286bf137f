//! The `ts.lua` query pipeline over the store (history.md §1.7) and its answer: ntopng 6.x keys
//! (`metadata`, `series[].id`, per-series `statistics`) and, beside them, the pre-6.0 keys the Python
//! client parses (`start`, `step`, `count`, `series[].label`, top-level `statistics` with `by_serie`).

use crate::schema::{schema, Aggregation, Kind, Schema};
use crate::store::{Result, TsStore};
use serde_json::{json, Map, Value};

/// A `ts.lua` request, parsed.
#[derive(Debug, Clone)]
pub struct TsRequest {
    /// A schema name, or `top:<schema>`.
    pub schema: String,
    /// `ts_query` pairs, in the order given.
    pub query: Vec<(String, String)>,
    pub epoch_begin: u64,
    pub epoch_end: u64,
    /// Target maximum of points (ntopng's default 60).
    pub limit: usize,
}

/// Parses `tag:value,...` (split at the first `:`, so IPv6 values keep theirs).
pub fn parse_ts_query(q: &str) -> Vec<(String, String)> {
    q.split(',')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect()
}

/// One series after the pipeline: values per point (None = NaN) and the step.
struct Series {
    data: Vec<Option<f64>>,
}

fn empty() -> Value {
    json!({ "metadata": [] })
}

/// The answer's `rsp` for `req`: `{"metadata": []}` for an unknown schema, a missing tag or no data, as
/// ntopng.
pub fn ts_query(store: &TsStore, req: &TsRequest) -> Result<Value> {
    let (top, name) = match req.schema.strip_prefix("top:") {
        Some(n) => (true, n),
        None => (false, req.schema.as_str()),
    };
    let Some(sc) = schema(name) else { return Ok(empty()) };
    let value_of = |tag: &str| req.query.iter().find(|(k, _)| k == tag).map(|(_, v)| v.clone());
    let given: Vec<Option<String>> = sc.tags.iter().map(|t| value_of(t)).collect();
    let missing: Vec<usize> = (0..given.len()).filter(|i| given[*i].is_none()).collect();
    if top && missing.len() == 1 && missing[0] == sc.tags.len() - 1 {
        return top_query(store, sc, req, &given);
    }
    if !missing.is_empty() {
        return Ok(empty());
    }
    let tags: Vec<String> = given.into_iter().map(|v| v.unwrap_or_default()).collect();
    let Some((meta, series)) = query_series(store, sc, &tags, req)? else { return Ok(empty()) };
    let mut out = answer(sc, req, meta, series.iter().enumerate().map(|(m, s)| (sc.metrics[m].to_string(), None, s)).collect());
    set_query(&mut out, query_object(sc, &tags));
    Ok(out)
}

struct Meta {
    begin: u64,
    end: u64,
    step: u64,
    count: usize,
}

/// Fetch, clean, consolidate: §1.7 steps 2–5.
fn query_series(store: &TsStore, sc: &Schema, tags: &[String], req: &TsRequest) -> Result<Option<(Meta, Vec<Series>)>> {
    let Some(last) = store.last_update(sc, tags)? else { return Ok(None) };
    let mut end = req.epoch_end;
    if end > last && end - last <= 2 * sc.step {
        end = last;
    }
    let begin = req.epoch_begin.min(end);
    let Some(f) = store.fetch(sc, tags, begin.saturating_sub(sc.step), end.saturating_sub(sc.step))? else {
        return Ok(None);
    };
    let mut step = f.resolution;
    let mut series: Vec<Series> = (0..sc.metrics.len())
        .map(|m| {
            let mut data: Vec<Option<f64>> =
                f.values.iter().map(|v| v[m].filter(|x| !x.is_nan()).map(|x| x.max(0.0).round())).collect();
            if data.iter().filter(|v| v.is_some()).count() < 2 {
                data.iter_mut().for_each(|v| *v = None);
            }
            Series { data }
        })
        .collect();
    let points = f.values.len();
    let limit = req.limit.max(1);
    if points > limit {
        let g = ((points as f64 / limit as f64) + 0.5).floor() as usize;
        if g > 1 {
            for s in &mut series {
                s.data = consolidate(&s.data, g, sc.aggregation);
            }
            step *= g as u64;
        }
    }
    let count = series.first().map(|s| s.data.len()).unwrap_or(0);
    let end = f.start + f.resolution * points as u64;
    Ok(Some((Meta { begin: f.start, end, step, count }, series)))
}

/// Merges groups of `g` points: mean (NaN as 0, all-NaN stays NaN) or max; a trailing partial group is
/// always a mean.
fn consolidate(data: &[Option<f64>], g: usize, agg: Aggregation) -> Vec<Option<f64>> {
    data.chunks(g)
        .map(|c| {
            if c.iter().all(|v| v.is_none()) {
                return None;
            }
            let vals = c.iter().map(|v| v.unwrap_or(0.0));
            Some(if agg == Aggregation::Max && c.len() == g {
                vals.fold(0.0, f64::max)
            } else {
                vals.sum::<f64>() / c.len() as f64
            })
        })
        .collect()
}

/// §1.7 step 6 (ts_common.lua's statistics).
fn statistics(data: &[Option<f64>], step: u64, counter: bool) -> Value {
    let known: Vec<(usize, f64)> = data.iter().enumerate().filter_map(|(i, v)| v.map(|x| (i, x))).collect();
    let mut st = Map::new();
    let num = |x: f64| if x.is_nan() { Value::Null } else { json!(x) };
    let sum: f64 = known.iter().map(|(_, x)| x).sum();
    if counter {
        st.insert("total".into(), json!(sum * step as f64));
    }
    st.insert("average".into(), num(if known.is_empty() { f64::NAN } else { sum / known.len() as f64 }));
    let mut sorted: Vec<f64> = data.iter().map(|v| v.unwrap_or(0.0)).collect();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let pct = if known.is_empty() {
        f64::NAN
    } else if sorted.len() == 1 {
        sorted[0]
    } else {
        let k = ((0.95 * sorted.len() as f64 + 0.5).floor() as usize).saturating_sub(1);
        sorted[k.min(sorted.len() - 1)]
    };
    st.insert("95th_percentile".into(), num(pct));
    let min = known.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1));
    let max = known.iter().copied().reduce(|a, b| if b.1 > a.1 { b } else { a });
    st.insert("min_val".into(), num(min.map_or(f64::NAN, |m| m.1)));
    st.insert("min_val_idx".into(), json!(min.map_or(1, |m| m.0)));
    st.insert("max_val".into(), num(max.map_or(f64::NAN, |m| m.1)));
    st.insert("max_val_idx".into(), json!(max.map_or(1, |m| m.0)));
    Value::Object(st)
}

fn data_json(data: &[Option<f64>]) -> Value {
    Value::Array(data.iter().map(|v| v.map_or(Value::Null, |x| json!(x))).collect())
}

fn query_object(sc: &Schema, tags: &[String]) -> Value {
    Value::Object(sc.tags.iter().zip(tags).map(|(t, v)| (t.to_string(), json!(v))).collect())
}

/// The answer for `series` (`(id, top tag value, series)`): 6.x keys and the legacy ones.
fn answer(sc: &Schema, req: &TsRequest, meta: Meta, series: Vec<(String, Option<String>, &Series)>) -> Value {
    let counter = sc.kind == Kind::Counter;
    let mut out_series = Vec::new();
    let mut by_serie = Vec::new();
    let mut sum = vec![None; meta.count];
    for (id, name, s) in &series {
        let st = statistics(&s.data, meta.step, counter);
        for (acc, v) in sum.iter_mut().zip(&s.data) {
            if let Some(x) = v {
                *acc = Some(acc.unwrap_or(0.0) + x);
            }
        }
        let mut e = json!({ "id": id, "label": name.clone().unwrap_or_else(|| id.clone()), "data": data_json(&s.data),
                            "statistics": st.clone() });
        if let Some(n) = name {
            e["name"] = json!(n);
            e["ext_label"] = json!(n);
            e["tags"] = json!({ sc.tags[sc.tags.len() - 1]: n });
        }
        by_serie.push(st);
        out_series.push(e);
    }
    let mut total = statistics(&sum, meta.step, counter);
    total["by_serie"] = Value::Array(by_serie);
    json!({
        "metadata": { "epoch_begin": meta.begin, "epoch_end": meta.end, "epoch_step": meta.step,
                      "num_point": meta.count, "schema": req.schema },
        "series": out_series,
        // Pre-6.0 keys (history.md §1.9).
        "start": meta.begin, "step": meta.step, "count": meta.count, "end": req.epoch_end,
        "schema": req.schema, "max_points": req.limit, "statistics": total, "additional_series": [],
    })
}

/// `top:<schema>` with the last tag omitted: every stored value, up to 8 series with total > 0, by total.
fn top_query(store: &TsStore, sc: &Schema, req: &TsRequest, given: &[Option<String>]) -> Result<Value> {
    let prefix: Vec<String> = given[..given.len() - 1].iter().map(|v| v.clone().unwrap_or_default()).collect();
    let mut found: Vec<(f64, String, Meta, Vec<Series>)> = Vec::new();
    for value in store.last_tag_values(sc, &prefix)? {
        let mut tags = prefix.clone();
        tags.push(value.clone());
        if let Some((meta, series)) = query_series(store, sc, &tags, req)? {
            let total: f64 = series.iter().flat_map(|s| s.data.iter().flatten()).sum();
            if total > 0.0 {
                found.push((total, value, meta, series));
            }
        }
    }
    if found.is_empty() {
        return Ok(empty());
    }
    found.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    found.truncate(8);
    // One series per tag value: the metrics summed (bytes_sent + bytes_rcvd).
    let mut summed = Vec::new();
    let mut meta = None;
    for (_, value, m, series) in found {
        let n = m.count;
        let data = (0..n)
            .map(|i| {
                let vals: Vec<f64> = series.iter().filter_map(|s| s.data.get(i).copied().flatten()).collect();
                (!vals.is_empty()).then(|| vals.iter().sum())
            })
            .collect();
        summed.push((value, Series { data }));
        meta.get_or_insert(m);
    }
    let meta = meta.expect("at least one series");
    let id = if sc.metrics.iter().any(|m| m.contains("bytes")) { "bytes" } else { "packets" };
    let mut out = answer(sc, req, meta, summed.iter().map(|(v, s)| (id.to_string(), Some(v.clone()), s)).collect());
    set_query(&mut out, query_object(sc, &prefix));
    Ok(out)
}

/// `query` goes in `metadata` (6.x) and at the top (legacy).
fn set_query(out: &mut Value, q: Value) {
    out["metadata"]["query"] = q.clone();
    out["query"] = q;
}
