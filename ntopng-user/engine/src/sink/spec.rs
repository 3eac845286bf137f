//! ntopng's `-F` / `--dump-flows` specifications.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DumpSpec {
    /// `jsonl;<path>`: one JSON object per ended flow.
    Jsonl(PathBuf),
    /// `sqlite` or `sqlite;<dir>`: the embedded flow database (crate ntopng-flowdb), in the data dir
    /// unless a directory is given.
    Sqlite(Option<PathBuf>),
    /// `clickhouse[;<host>[@<port>];<db>;<user>;<password>]`: what follows `clickhouse;` (checked by
    /// ntopng-flowdb's `ClickHouseSpec`, which owns the format).
    ClickHouse(Option<String>),
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
        "clickhouse" => Ok(DumpSpec::ClickHouse(rest.map(str::to_string))),
        "es" | "syslog" | "mysql" | "clickhouse-cluster" | "clickhouse-cloud" | "kafka" => {
            Err(format!("-F {spec}: the {kind} flow dump is not supported by this build (supported: jsonl;<path>, sqlite[;<dir>], clickhouse[;<host>[@<port>];<db>;<user>;<password>])"))
        }
        _ => Err(format!("-F {spec}: unknown flow dump \"{kind}\" (supported: jsonl;<path>, sqlite[;<dir>], clickhouse[;<host>[@<port>];<db>;<user>;<password>])")),
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
        assert_eq!(parse_dump_spec("clickhouse").unwrap(), DumpSpec::ClickHouse(None));
        assert_eq!(parse_dump_spec("clickhouse;h;db;u;p;w").unwrap(), DumpSpec::ClickHouse(Some("h;db;u;p;w".into())));
        assert!(parse_dump_spec("clickhouse-cluster;h;db;u;p").unwrap_err().contains("not supported"));
        assert!(parse_dump_spec("bogus;x").unwrap_err().contains("unknown flow dump"));
    }
}
