//! The in-memory Lua cache behind `ntop.getLuaCache`/`setLuaCache`/`dumpLuaCache`: values copied out of one
//! VM and into another, shared by every VM of a pool (and by pools given the same [`LuaCache`]), lost at
//! restart.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mlua::{Lua, Table, Value};

/// Deepest nesting of a cached table.
const MAX_DEPTH: usize = 64;
/// Expired entries are swept every this many stores.
const SWEEP_EVERY: u64 = 1024;

/// A Lua value copied out of a VM.
#[derive(Debug, Clone, PartialEq)]
pub enum CachedValue {
    Bool(bool),
    Int(i64),
    Num(f64),
    Str(Vec<u8>),
    Table(Vec<(CachedValue, CachedValue)>),
}

struct Entry {
    value: CachedValue,
    expires: Option<Instant>,
}

#[derive(Default)]
struct Inner {
    map: HashMap<String, Entry>,
    stores: u64,
}

/// The shared in-memory cache.
#[derive(Default)]
pub struct LuaCache {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for LuaCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LuaCache({} entries)", self.len())
    }
}

impl LuaCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Live entries.
    pub fn len(&self) -> usize {
        let now = Instant::now();
        self.inner.lock().unwrap().map.values().filter(|e| e.expires.is_none_or(|t| t > now)).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at `key` unless missing or expired.
    pub fn get(&self, key: &str) -> Option<CachedValue> {
        let mut inner = self.inner.lock().unwrap();
        let now = Instant::now();
        match inner.map.get(key) {
            Some(e) if e.expires.is_none_or(|t| t > now) => Some(e.value.clone()),
            Some(_) => {
                inner.map.remove(key);
                None
            }
            None => None,
        }
    }

    /// Stores `value` (removes the key when `None`), expiring after `ttl` when given.
    pub fn set(&self, key: &str, value: Option<CachedValue>, ttl: Option<Duration>) {
        let mut inner = self.inner.lock().unwrap();
        let now = Instant::now();
        match value {
            None => {
                inner.map.remove(key);
            }
            Some(value) => {
                inner.map.insert(key.to_string(), Entry { value, expires: ttl.map(|d| now + d) });
            }
        }
        inner.stores += 1;
        if inner.stores.is_multiple_of(SWEEP_EVERY) {
            inner.map.retain(|_, e| e.expires.is_none_or(|t| t > now));
        }
    }

    /// Every live entry, sorted by key.
    pub fn dump(&self) -> Vec<(String, CachedValue)> {
        let inner = self.inner.lock().unwrap();
        let now = Instant::now();
        let mut v: Vec<_> = inner
            .map
            .iter()
            .filter(|(_, e)| e.expires.is_none_or(|t| t > now))
            .map(|(k, e)| (k.clone(), e.value.clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }
}

/// Copies a Lua value out of a VM. `None` for nil; an error message for functions, userdata, threads,
/// reference cycles or nesting deeper than 64.
pub fn from_lua(v: &Value) -> Result<Option<CachedValue>, String> {
    let mut stack = Vec::new();
    copy_out(v, &mut stack)
}

fn copy_out(v: &Value, stack: &mut Vec<*const std::ffi::c_void>) -> Result<Option<CachedValue>, String> {
    Ok(Some(match v {
        Value::Nil => return Ok(None),
        Value::Boolean(b) => CachedValue::Bool(*b),
        Value::Integer(i) => CachedValue::Int(*i),
        Value::Number(x) => CachedValue::Num(*x),
        Value::String(s) => CachedValue::Str(s.as_bytes().to_vec()),
        Value::Table(t) => {
            let ptr = t.to_pointer();
            if stack.contains(&ptr) {
                return Err("a table with a reference cycle cannot be cached".into());
            }
            if stack.len() >= MAX_DEPTH {
                return Err(format!("tables nested deeper than {MAX_DEPTH} levels cannot be cached"));
            }
            stack.push(ptr);
            let mut items = Vec::new();
            for pair in t.pairs::<Value, Value>() {
                let (k, v) = pair.map_err(|e| e.to_string())?;
                let (Some(k), Some(v)) = (copy_out(&k, stack)?, copy_out(&v, stack)?) else { continue };
                items.push((k, v));
            }
            stack.pop();
            CachedValue::Table(items)
        }
        other => return Err(format!("a {} cannot be cached", other.type_name())),
    }))
}

/// Builds a fresh Lua value from a cached one.
pub fn to_lua(lua: &Lua, v: &CachedValue) -> mlua::Result<Value> {
    Ok(match v {
        CachedValue::Bool(b) => Value::Boolean(*b),
        CachedValue::Int(i) => Value::Integer(*i),
        CachedValue::Num(x) => Value::Number(*x),
        CachedValue::Str(s) => Value::String(lua.create_string(s)?),
        CachedValue::Table(items) => {
            let t: Table = lua.create_table_with_capacity(0, items.len())?;
            for (k, v) in items {
                t.raw_set(to_lua(lua, k)?, to_lua(lua, v)?)?;
            }
            Value::Table(t)
        }
    })
}
