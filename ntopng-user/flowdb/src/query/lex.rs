//! Tokens of the query clauses. Comments, statement separators and anything not listed here are refused
//! outright, so nothing the parser does not know can reach SQL.

use super::QueryError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name or keyword, as written.
    Ident(String),
    Int(i64),
    Real(f64),
    /// A quoted literal (single or double quotes: ntopng's clients write `("1.2.3.4")`).
    Str(String),
    /// One of `( ) , * + - / % = == != <> < <= > >=`.
    Sym(&'static str),
}

/// A token and where it starts and ends in the clause (for the names of select items).
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

const SYMS: [&str; 15] = ["==", "!=", "<>", "<=", ">=", "(", ")", ",", "*", "+", "-", "/", "%", "=", "<"];

pub fn lex(clause: &str, what: &str) -> Result<Vec<Spanned>, QueryError> {
    let b = clause.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let bad = |msg: String| QueryError::Invalid(format!("{what}: {msg}"));
    while i < b.len() {
        let ch = b[i];
        let start = i;
        if ch.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if clause[i..].starts_with("--") || clause[i..].starts_with("/*") || ch == b'#' {
            return Err(bad("comments are not allowed".into()));
        }
        if ch == b';' {
            return Err(bad("';' is not allowed: one query, no statement separators".into()));
        }
        if ch.is_ascii_alphabetic() || ch == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Spanned { tok: Tok::Ident(clause[start..i].to_string()), start, end: i });
            continue;
        }
        if ch.is_ascii_digit() || (ch == b'.' && i + 1 < b.len() && b[i + 1].is_ascii_digit()) {
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            if i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'_') {
                return Err(bad(format!("bad number near \"{}\"", &clause[start..(i + 1).min(b.len())])));
            }
            let text = &clause[start..i];
            let tok = if text.contains('.') {
                Tok::Real(text.parse().map_err(|_| bad(format!("bad number \"{text}\"")))?)
            } else {
                Tok::Int(text.parse().map_err(|_| bad(format!("number out of range \"{text}\"")))?)
            };
            out.push(Spanned { tok, start, end: i });
            continue;
        }
        if ch == b'\'' || ch == b'"' {
            let q = ch;
            let mut s = String::new();
            i += 1;
            loop {
                if i >= b.len() {
                    return Err(bad("unterminated string".into()));
                }
                if b[i] == q {
                    if i + 1 < b.len() && b[i + 1] == q {
                        s.push(q as char);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                if b[i] == b'\\' {
                    return Err(bad("backslashes are not allowed in strings".into()));
                }
                // Whole UTF-8 characters.
                let c = clause[i..].chars().next().unwrap();
                s.push(c);
                i += c.len_utf8();
            }
            out.push(Spanned { tok: Tok::Str(s), start, end: i });
            continue;
        }
        if ch == b'>' {
            let two = clause[i..].starts_with(">=");
            i += if two { 2 } else { 1 };
            out.push(Spanned { tok: Tok::Sym(if two { ">=" } else { ">" }), start, end: i });
            continue;
        }
        match SYMS.iter().find(|s| clause[i..].starts_with(**s)) {
            Some(s) => {
                i += s.len();
                out.push(Spanned { tok: Tok::Sym(s), start, end: i });
            }
            None => {
                let c = clause[i..].chars().next().unwrap();
                return Err(bad(format!("unexpected character '{c}'")));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let t: Vec<Tok> =
            lex("a>=1 AND b<>'x''y' OR c = (\"1.2.3.4\")", "w").unwrap().into_iter().map(|s| s.tok).collect();
        assert_eq!(t[1], Tok::Sym(">="));
        assert_eq!(t[5], Tok::Sym("<>"));
        assert_eq!(t[6], Tok::Str("x'y".into()));
        assert_eq!(t[11], Tok::Str("1.2.3.4".into()));
        for bad in ["1; DROP TABLE flows", "1 -- x", "1 /* x */", "a ` b", "'open", "a\\b", "'a\\'"] {
            assert!(lex(bad, "w").is_err(), "{bad}");
        }
    }
}
