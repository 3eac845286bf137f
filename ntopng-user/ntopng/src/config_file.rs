//! ntopng configuration files: one option per line (`-i=eth0`, `--http-port 3000`, `--flag`).

use std::path::Path;

/// Turns a configuration file into command-line words. A line that is not an option is an
/// error naming the file and line, so a typo never passes silently.
pub fn read(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read configuration file {}: {e}", path.display()))?;
    parse(&text).map_err(|(line, why)| format!("{}:{line}: {why}", path.display()))
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'')
}

pub fn parse(text: &str) -> Result<Vec<String>, (usize, String)> {
    let mut args = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = trim(raw);
        if line.len() < 2 || line.starts_with('#') {
            continue;
        }
        let n = i + 1;
        if let Some(long) = line.strip_prefix("--") {
            let split = long.find(['=', ' ', '\t']);
            match split {
                Some(at) => {
                    args.push(format!("--{}", &long[..at]));
                    args.push(trim(&long[at + 1..]).to_string());
                }
                None => args.push(format!("--{long}")),
            }
        } else if let Some(short) = line.strip_prefix('-') {
            let mut chars = short.chars();
            let opt = chars.next().ok_or((n, format!("unrecognised line \"{line}\"")))?;
            let rest = chars.as_str();
            match rest.chars().next() {
                None => args.push(format!("-{opt}")),
                Some('=') | Some(' ') | Some('\t') => {
                    args.push(format!("-{opt}"));
                    args.push(trim(&rest[1..]).to_string());
                }
                Some(_) => return Err((n, format!("unrecognised line \"{line}\" (expected -x=value or --name=value)"))),
            }
        } else {
            return Err((n, format!("unrecognised line \"{line}\" (options start with - or --)")));
        }
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ntopng_forms() {
        let text = "# comment\n-d=/tmp/data\n-i=\"/tmp/a.pcap\"\n--http-port=3333\n--shutdown-when-done\n--disable-login=1\n-m 198.18.0.0/15\n";
        assert_eq!(
            parse(text).unwrap(),
            ["-d", "/tmp/data", "-i", "/tmp/a.pcap", "--http-port", "3333", "--shutdown-when-done", "--disable-login", "1", "-m", "198.18.0.0/15"]
        );
    }

    #[test]
    fn names_the_bad_line() {
        let (line, why) = parse("-i=eth0\ninterface eth1\n").unwrap_err();
        assert_eq!(line, 2);
        assert!(why.contains("interface eth1"));
        assert_eq!(parse("-ieth0").unwrap_err().0, 1);
    }
}
