//! JSON for Lua, with the conventions of the `dkjson` module ntopng's scripts use (rest_v2.md §1.2):
//! an empty table is `[]`, a table whose keys are 1..n (holes allowed when not too sparse) is an array,
//! NaN and infinities are `null`, numbers are written as LuaJIT prints them (14 significant digits,
//! integral values without a decimal part). Decoding uses serde_json; decoded tables carry a metatable with
//! `__jsontype = "object"|"array"` so that re-encoding an empty object gives `{}`.
//!
//! Object keys are written sorted (keys listed in the encoder's `keyorder` option first), so output is
//! deterministic, unlike dkjson's `pairs` order.

use std::ffi::c_void;
use std::fmt::Write as _;

use mlua::{Lua, LuaString, MultiValue, Table, Value};

/// Deepest nesting written or read.
const MAX_DEPTH: usize = 1000;

/// C's `%.14g`: what LuaJIT's `tostring` and dkjson print for a number.
pub fn fmt_g14(x: f64) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() { "-nan".into() } else { "nan".into() };
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let sci = format!("{x:.13e}");
    let (mant, exp) = sci.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("exponent digits");
    if !(-4..14).contains(&exp) {
        let mant = trim_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.unsigned_abs())
    } else {
        let decimals = (13 - exp) as usize;
        trim_zeros(&format!("{x:.decimals$}")).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// A float as ntopng's LuaJIT prints it: `%.14g`, so `3.0` is `3`; integral values up to 1e15 are written
/// in full.
pub fn lua_number_string(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        fmt_g14(x)
    }
}

/// Options of an encode call (dkjson's `state` table).
#[derive(Default)]
pub struct EncodeOptions {
    pub indent: bool,
    pub keyorder: Vec<String>,
}

/// Why a value cannot be encoded.
#[derive(Debug)]
pub struct EncodeError(pub String);

/// Encodes a Lua value. `null` is the `json.null` sentinel (encoded as `null`).
pub fn encode(value: &Value, null: Option<&Table>, opts: &EncodeOptions) -> Result<String, EncodeError> {
    let mut enc = Encoder { out: String::new(), null: null.map(|t| t.to_pointer()), opts, stack: Vec::new() };
    enc.value(value, 0)?;
    Ok(enc.out)
}

struct Encoder<'a> {
    out: String,
    null: Option<*const c_void>,
    opts: &'a EncodeOptions,
    stack: Vec<*const c_void>,
}

enum Key {
    Int(i64),
    Str(String),
}

impl Encoder<'_> {
    fn newline(&mut self, level: usize) {
        if self.opts.indent {
            self.out.push('\n');
            for _ in 0..level {
                self.out.push_str("  ");
            }
        }
    }

    fn string(&mut self, s: &[u8]) {
        let s = String::from_utf8_lossy(s);
        // serde_json's escaping: quotes, backslash and control characters.
        self.out.push_str(&serde_json::to_string(s.as_ref()).expect("string serialization cannot fail"));
    }

    fn number(&mut self, x: f64) {
        if !x.is_finite() {
            self.out.push_str("null");
        } else {
            self.out.push_str(&lua_number_string(x));
        }
    }

    fn value(&mut self, v: &Value, level: usize) -> Result<(), EncodeError> {
        match v {
            Value::Nil => self.out.push_str("null"),
            Value::Boolean(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Integer(i) => {
                let _ = write!(self.out, "{i}");
            }
            Value::Number(x) => self.number(*x),
            Value::String(s) => self.string(&s.as_bytes()),
            Value::LightUserData(p) if p.0.is_null() => self.out.push_str("null"),
            Value::Table(t) => self.table(t, level)?,
            other => {
                return Err(EncodeError(format!("type '{}' is not supported by JSON", other.type_name())));
            }
        }
        Ok(())
    }

    fn table(&mut self, t: &Table, level: usize) -> Result<(), EncodeError> {
        let ptr = t.to_pointer();
        if Some(ptr) == self.null {
            self.out.push_str("null");
            return Ok(());
        }
        if self.stack.contains(&ptr) {
            return Err(EncodeError("reference cycle".into()));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(EncodeError(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        let jsontype = t
            .metatable()
            .and_then(|mt| mt.raw_get::<Value>("__jsontype").ok())
            .and_then(|v| v.as_string().map(|s| s.to_string_lossy()));

        let mut entries: Vec<(Key, Value)> = Vec::new();
        let mut all_positive_ints = true;
        let mut max_index: i64 = 0;
        for pair in t.pairs::<Value, Value>() {
            let (k, v) = pair.map_err(|e| EncodeError(e.to_string()))?;
            let key = match k {
                Value::Integer(i) => Key::Int(i),
                Value::Number(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Key::Int(x as i64),
                Value::Number(x) => Key::Str(fmt_g14(x)),
                Value::String(s) => Key::Str(s.to_string_lossy()),
                other => {
                    return Err(EncodeError(format!("type '{}' is not supported as a key by JSON", other.type_name())));
                }
            };
            match key {
                Key::Int(i) if i >= 1 => max_index = max_index.max(i),
                _ => all_positive_ints = false,
            }
            entries.push((key, v));
        }

        let n = entries.len() as i64;
        let as_array = match jsontype.as_deref() {
            Some("object") => false,
            Some("array") => all_positive_ints,
            _ => all_positive_ints && (max_index <= 10 || max_index <= 2 * n),
        };

        self.stack.push(ptr);
        if as_array && !(n == 0 && jsontype.as_deref() == Some("object")) {
            let mut items: Vec<Value> = vec![Value::Nil; max_index as usize];
            for (k, v) in entries {
                if let Key::Int(i) = k {
                    items[(i - 1) as usize] = v;
                }
            }
            self.out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                self.newline(level + 1);
                self.value(v, level + 1)?;
            }
            if !items.is_empty() {
                self.newline(level);
            }
            self.out.push(']');
        } else {
            let mut entries: Vec<(String, Value)> = entries
                .into_iter()
                .map(|(k, v)| {
                    let k = match k {
                        Key::Int(i) => i.to_string(),
                        Key::Str(s) => s,
                    };
                    (k, v)
                })
                .collect();
            let order = &self.opts.keyorder;
            entries.sort_by(|(a, _), (b, _)| {
                let pa = order.iter().position(|k| k == a).unwrap_or(usize::MAX);
                let pb = order.iter().position(|k| k == b).unwrap_or(usize::MAX);
                pa.cmp(&pb).then_with(|| a.cmp(b))
            });
            self.out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                self.newline(level + 1);
                self.string(k.as_bytes());
                self.out.push(':');
                self.value(v, level + 1)?;
            }
            if !entries.is_empty() {
                self.newline(level);
            }
            self.out.push('}');
        }
        self.stack.pop();
        Ok(())
    }
}

/// Metatables given to decoded tables, and the value decoded for `null`.
pub struct DecodeOptions {
    pub object_mt: Option<Table>,
    pub array_mt: Option<Table>,
    pub null: Value,
}

/// dkjson's `decode(str, pos, null, objectmeta, arraymeta)`: decodes the JSON value starting at byte `pos`
/// (1-based) and returns `(value, next_pos)`, or `(nil, pos, message)` when there is no valid value there.
pub fn decode(lua: &Lua, text: &LuaString, pos: usize, opts: &DecodeOptions) -> mlua::Result<MultiValue> {
    let bytes = text.as_bytes();
    let start = pos.saturating_sub(1).min(bytes.len());
    let fail = |msg: String| -> mlua::Result<MultiValue> {
        Ok(MultiValue::from_iter([Value::Nil, Value::Integer(pos as i64), Value::String(lua.create_string(msg)?)]))
    };
    let slice = &bytes[start..];
    let mut stream = serde_json::Deserializer::from_slice(slice).into_iter::<serde_json::Value>();
    match stream.next() {
        None => fail("no valid JSON value (reached the end)".into()),
        Some(Err(e)) => fail(e.to_string()),
        Some(Ok(v)) => {
            let next = start + stream.byte_offset() + 1;
            let lv = to_lua(lua, &v, opts, 0)?;
            Ok(MultiValue::from_iter([lv, Value::Integer(next as i64)]))
        }
    }
}

/// Converts a serde_json value to Lua.
pub fn to_lua(lua: &Lua, v: &serde_json::Value, opts: &DecodeOptions, depth: usize) -> mlua::Result<Value> {
    if depth > MAX_DEPTH {
        return Err(mlua::Error::runtime("JSON nesting too deep"));
    }
    Ok(match v {
        serde_json::Value::Null => opts.null.clone(),
        serde_json::Value::Bool(b) => Value::Boolean(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::String(lua.create_string(s)?),
        serde_json::Value::Array(items) => {
            let t = lua.create_table_with_capacity(items.len(), 0)?;
            for (i, item) in items.iter().enumerate() {
                t.raw_set(i + 1, to_lua(lua, item, opts, depth + 1)?)?;
            }
            if let Some(mt) = &opts.array_mt {
                t.set_metatable(Some(mt.clone()))?;
            }
            Value::Table(t)
        }
        serde_json::Value::Object(map) => {
            let t = lua.create_table_with_capacity(0, map.len())?;
            for (k, item) in map {
                t.raw_set(k.as_str(), to_lua(lua, item, opts, depth + 1)?)?;
            }
            if let Some(mt) = &opts.object_mt {
                t.set_metatable(Some(mt.clone()))?;
            }
            Value::Table(t)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c_g14(x: f64) -> String {
        let mut buf = [0u8; 64];
        let n = unsafe { libc::snprintf(buf.as_mut_ptr().cast(), buf.len(), c"%.14g".as_ptr(), x) };
        String::from_utf8_lossy(&buf[..n as usize]).into_owned()
    }

    #[test]
    fn g14_matches_c() {
        let mut xs = vec![0.88999998569489, 0.1, 3.0, 1e20, 1e-7, 123456789012345.0, 12345678901234.0, -2.5, 0.0001];
        xs.extend([1.0 / 3.0, 2.0f64.sqrt() * 1e13, 2.0f64.sqrt() * 1e14, 99999999999999.5, 0.00012345678901234567]);
        xs.extend([1.5e-300, 1.7976931348623157e308, 5e-324, 123.456, -0.0, 0.0, 1e14, 1e13, 0.5, 9.99999999999995]);
        for x in xs {
            assert_eq!(fmt_g14(x), c_g14(x), "{x:e}");
        }
        assert_eq!(fmt_g14(0.88999998569489), "0.88999998569489");
        assert_eq!(lua_number_string(3.0), "3");
        assert_eq!(lua_number_string(1e20), "1e+20");
    }
}
