//! Argument checking for the bindings: every error names the function, the argument's position and name,
//! what was expected and what was given (`ntop.setCache: bad argument #2 (value): string expected, got nil`).

use mlua::{MultiValue, Table, Value};

use crate::json::lua_number_string;

/// What a binding fails with.
#[derive(Debug)]
pub(crate) enum BindError {
    /// Raised in the script as a plain string error, prefixed with the caller's `file:line:`.
    Msg(String),
    /// An error of the Lua machinery itself (memory, ...), propagated as it is.
    Lua(mlua::Error),
}

impl From<mlua::Error> for BindError {
    fn from(e: mlua::Error) -> Self {
        BindError::Lua(e)
    }
}

pub(crate) type BResult<T> = Result<T, BindError>;

/// The arguments of one call.
pub(crate) struct Args<'a> {
    pub fname: &'a str,
    vals: Vec<Value>,
}

fn type_name(v: Option<&Value>) -> &'static str {
    match v {
        None => "no value",
        Some(v) => v.type_name(),
    }
}

impl<'a> Args<'a> {
    pub fn new(fname: &'a str, vals: MultiValue) -> Self {
        Args { fname, vals: vals.into_iter().collect() }
    }

    /// An error about this call (not about one argument).
    pub fn fail(&self, msg: impl std::fmt::Display) -> BindError {
        BindError::Msg(format!("{}: {msg}", self.fname))
    }

    fn bad(&self, i: usize, what: &str, expected: &str) -> BindError {
        let got = self.vals.get(i - 1);
        BindError::Msg(format!(
            "{}: bad argument #{i} ({what}): {expected} expected, got {}",
            self.fname,
            type_name(got)
        ))
    }

    /// An argument with an acceptable type but an unacceptable value.
    pub fn bad_value(&self, i: usize, what: &str, why: impl std::fmt::Display) -> BindError {
        BindError::Msg(format!("{}: bad argument #{i} ({what}): {why}", self.fname))
    }

    pub fn len(&self) -> usize {
        self.vals.len()
    }

    /// The i-th argument (1-based), nil if absent.
    pub fn value(&self, i: usize) -> Value {
        self.vals.get(i - 1).cloned().unwrap_or(Value::Nil)
    }

    fn is_nil(&self, i: usize) -> bool {
        matches!(self.vals.get(i - 1), None | Some(Value::Nil))
    }

    /// A string (numbers are converted, as Lua's own functions do). Must be valid UTF-8.
    pub fn string(&self, i: usize, what: &str) -> BResult<String> {
        match self.vals.get(i - 1) {
            Some(Value::String(s)) => match s.to_str() {
                Ok(s) => Ok(s.to_string()),
                Err(_) => Err(self.bad_value(i, what, "string is not valid UTF-8")),
            },
            Some(Value::Integer(n)) => Ok(n.to_string()),
            Some(Value::Number(x)) => Ok(lua_number_string(*x)),
            _ => Err(self.bad(i, what, "string")),
        }
    }

    /// A string of any bytes (numbers are converted).
    pub fn bytes(&self, i: usize, what: &str) -> BResult<Vec<u8>> {
        match self.vals.get(i - 1) {
            Some(Value::String(s)) => Ok(s.as_bytes().to_vec()),
            Some(Value::Integer(_) | Value::Number(_)) => Ok(self.string(i, what)?.into_bytes()),
            _ => Err(self.bad(i, what, "string")),
        }
    }

    pub fn opt_string(&self, i: usize, what: &str) -> BResult<Option<String>> {
        if self.is_nil(i) {
            Ok(None)
        } else {
            self.string(i, what).map(Some)
        }
    }

    /// An integer: a Lua integer, a float with no fractional part, or a string holding one.
    pub fn int(&self, i: usize, what: &str) -> BResult<i64> {
        match self.vals.get(i - 1) {
            Some(Value::Integer(n)) => Ok(*n),
            Some(Value::Number(x)) if x.fract() == 0.0 && x.abs() < 9.2e18 => Ok(*x as i64),
            Some(Value::Number(_)) => Err(self.bad_value(i, what, "number has no integer representation")),
            Some(Value::String(s)) => {
                let s = s.to_string_lossy();
                let t = s.trim();
                if let Ok(n) = t.parse::<i64>() {
                    return Ok(n);
                }
                match t.parse::<f64>() {
                    Ok(x) if x.fract() == 0.0 && x.abs() < 9.2e18 => Ok(x as i64),
                    _ => Err(self.bad(i, what, "integer")),
                }
            }
            _ => Err(self.bad(i, what, "integer")),
        }
    }

    pub fn opt_int(&self, i: usize, what: &str) -> BResult<Option<i64>> {
        if self.is_nil(i) {
            Ok(None)
        } else {
            self.int(i, what).map(Some)
        }
    }

    /// A non-negative integer.
    pub fn uint(&self, i: usize, what: &str) -> BResult<u64> {
        let n = self.int(i, what)?;
        u64::try_from(n).map_err(|_| self.bad_value(i, what, format!("must not be negative (got {n})")))
    }

    pub fn opt_uint(&self, i: usize, what: &str) -> BResult<Option<u64>> {
        if self.is_nil(i) {
            Ok(None)
        } else {
            self.uint(i, what).map(Some)
        }
    }

    /// A boolean.
    pub fn boolean(&self, i: usize, what: &str) -> BResult<bool> {
        match self.vals.get(i - 1) {
            Some(Value::Boolean(b)) => Ok(*b),
            _ => Err(self.bad(i, what, "boolean")),
        }
    }

    pub fn opt_boolean(&self, i: usize, what: &str) -> BResult<Option<bool>> {
        if self.is_nil(i) {
            Ok(None)
        } else {
            self.boolean(i, what).map(Some)
        }
    }

    /// A table.
    #[allow(dead_code)]
    pub fn table(&self, i: usize, what: &str) -> BResult<Table> {
        match self.vals.get(i - 1) {
            Some(Value::Table(t)) => Ok(t.clone()),
            _ => Err(self.bad(i, what, "table")),
        }
    }
}
