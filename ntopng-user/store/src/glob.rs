//! Glob matching with the rules of Redis `KEYS`/`SCAN MATCH`.
//!
//! Patterns and subjects are compared byte by byte (as Redis does):
//! * `*` matches any run of bytes, the empty one included;
//! * `?` matches exactly one byte;
//! * `[abc]`, `[a-z]` (a reversed range `[z-a]` is the same range), `[^...]` negates;
//!   inside brackets `\x` is the literal `x`; a class never closed by `]` extends to the end of the pattern;
//! * `\x` outside brackets is the literal `x`; a trailing lone `\` is a literal backslash;
//! * everything else is literal.

enum Token {
    Star,
    Any,
    Lit(u8),
    /// Class body `pattern[start..end]` (without `[`, `^` and `]`).
    Class {
        start: usize,
        end: usize,
        negate: bool,
    },
}

/// Reads the token at `p` (`p < pat.len()`), returns it and where the next one starts.
fn token(pat: &[u8], p: usize) -> (Token, usize) {
    match pat[p] {
        b'*' => (Token::Star, p + 1),
        b'?' => (Token::Any, p + 1),
        b'\\' if p + 1 < pat.len() => (Token::Lit(pat[p + 1]), p + 2),
        b'[' => {
            let mut i = p + 1;
            let negate = i < pat.len() && pat[i] == b'^';
            if negate {
                i += 1;
            }
            let start = i;
            loop {
                if i >= pat.len() {
                    return (Token::Class { start, end: i, negate }, i);
                }
                if pat[i] == b'\\' && i + 1 < pat.len() {
                    i += 2;
                } else if pat[i] == b']' {
                    return (Token::Class { start, end: i, negate }, i + 1);
                } else if i + 2 < pat.len() && pat[i + 1] == b'-' {
                    i += 3;
                } else {
                    i += 1;
                }
            }
        }
        c => (Token::Lit(c), p + 1),
    }
}

/// Whether `c` is in the class body `body` (parsed with the same rules as [`token`]).
fn class_contains(body: &[u8], c: u8) -> bool {
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' && i + 1 < body.len() {
            if body[i + 1] == c {
                return true;
            }
            i += 2;
        } else if i + 2 < body.len() && body[i + 1] == b'-' {
            let (a, b) = (body[i].min(body[i + 2]), body[i].max(body[i + 2]));
            if (a..=b).contains(&c) {
                return true;
            }
            i += 3;
        } else {
            if body[i] == c {
                return true;
            }
            i += 1;
        }
    }
    false
}

/// True if `subject` matches the Redis glob `pattern`.
pub fn glob_match(pattern: &str, subject: &str) -> bool {
    let (pat, s) = (pattern.as_bytes(), subject.as_bytes());
    let (mut p, mut i) = (0usize, 0usize);
    // Where to resume after the most recent `*`: (pattern index after it, subject index it last stopped at).
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p < pat.len() {
            let (tok, next) = token(pat, p);
            let one = match tok {
                Token::Star => {
                    star = Some((next, i));
                    p = next;
                    continue;
                }
                _ if i >= s.len() => false,
                Token::Any => true,
                Token::Lit(c) => s[i] == c,
                Token::Class { start, end, negate } => class_contains(&pat[start..end], s[i]) != negate,
            };
            if one {
                p = next;
                i += 1;
                continue;
            }
        } else if i == s.len() {
            return true;
        }
        match star {
            Some((sp, si)) if si < s.len() => {
                star = Some((sp, si + 1));
                p = sp;
                i = si + 1;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match as m;

    #[test]
    fn basics() {
        assert!(m("*", ""));
        assert!(m("*", "anything"));
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("ntopng.prefs.*", "ntopng.prefs.x"));
        assert!(!m("ntopng.prefs.*", "ntopng.user.admin"));
        assert!(m("h?llo", "hello"));
        assert!(!m("h?llo", "hllo"));
        assert!(m("h*llo", "hllo"));
        assert!(m("h*llo", "heeeello"));
        assert!(m("*a*b*c*", "xxaxxbxxcxx"));
        assert!(!m("*a*b*c*", "xxaxxcxxbxx"));
        assert!(m("a**b", "ab"));
    }

    #[test]
    fn classes() {
        assert!(m("h[ae]llo", "hello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(m("h[b-a]llo", "hallo"));
        assert!(!m("h[a-b]llo", "hcllo"));
        assert!(!m("[]", "a"));
        assert!(m("[^]", "a"));
        assert!(m("[\\]]", "]"));
        assert!(m("[a-]", "]"), "a range a..']' in a class never closed");
        assert!(m("[abc", "b"), "an unclosed class runs to the end of the pattern");
        assert!(!m("[abc", "bx"));
    }

    #[test]
    fn escapes() {
        assert!(m("a\\*b", "a*b"));
        assert!(!m("a\\*b", "axb"));
        assert!(m("a\\?", "a?"));
        assert!(!m("a\\?", "ab"));
        assert!(m("a\\[b", "a[b"));
        assert!(m("a\\", "a\\"), "a trailing backslash is literal");
        assert!(m("\\a", "a"));
    }

    #[test]
    fn bytes_not_chars() {
        // Like Redis, `?` is one byte: a two-byte UTF-8 char needs `??`.
        assert!(!m("?", "é"));
        assert!(m("??", "é"));
        assert!(m("*", "é"));
    }
}
