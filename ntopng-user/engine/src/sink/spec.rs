//! ntopng's `-F` / `--dump-flows` specifications.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DumpSpec {
    /// `jsonl;<path>`: one JSON object per ended flow.
    Jsonl(PathBuf),
    /// `sqlite` or `sqlite;<dir>`: the embedded flow database (crate ntopng-flowdb), in the data dir
    /// unless a directory is given.
    Sqlite(Option<PathBuf>),
}

/// Parses a `-F` value. Backends ntopng knows but this build does not have are refused by name.
pub fn parse_dump_spec(spec: &str) -> Result<DumpSpec, String> {
    let mut parts = spec.splitn(2, ';');
    let kind = parts.next().unwrap_or("").trim();
    let rest = parts.next();
    match kind {
        "jsonl" => match rest.map(str::trim) {
            Some(p) if !p.is_empty() => Ok(DumpSpec::Jsonl(PathBuf::from(p))),
            _ => Err(format!("-F {spec}: the jsonl dump needs a path, as in -F \"jsonl;/var/lib/ntopng/flows.jsonl\"")),
        },
        "sqlite" => Ok(DumpSpec::Sqlite(rest.map(str::trim).filter(|p| !p.is_empty()).map(PathBuf::from))),
        "es" | "syslog" | "mysql" | "clickhouse" | "clickhouse-cluster" | "clickhouse-cloud" | "kafka" => {
            Err(format!("-F {spec}: the {kind} flow dump is not supported by this build (supported: jsonl;<path>, sqlite[;<dir>])"))
        }
        _ => Err(format!("-F {spec}: unknown flow dump \"{kind}\" (supported: jsonl;<path>, sqlite[;<dir>])")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        assert_eq!(parse_dump_spec("jsonl;/tmp/f.jsonl").unwrap(), DumpSpec::Jsonl("/tmp/f.jsonl".into()));
        assert!(parse_dump_spec("jsonl").unwrap_err().contains("needs a path"));
        assert_eq!(parse_dump_spec("sqlite").unwrap(), DumpSpec::Sqlite(None));
        assert_eq!(parse_dump_spec("sqlite;/tmp/db").unwrap(), DumpSpec::Sqlite(Some("/tmp/db".into())));
        assert!(parse_dump_spec("clickhouse").unwrap_err().contains("not supported"));
        assert!(parse_dump_spec("bogus;x").unwrap_err().contains("unknown flow dump"));
    }
}
