//! A throw-away ClickHouse server for tests and the bench: Debian's `clickhouse-server` run as a child
//! process with its configuration, data and logs in a temporary directory, on free loopback ports.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct ClickHouseServer {
    child: Child,
    dir: PathBuf,
    pub http_port: u16,
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The server binary: Debian installs `/usr/sbin/clickhouse-server`; other packagings have `clickhouse server`.
fn binary() -> Option<(PathBuf, Vec<&'static str>)> {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/bin"] {
        let p = Path::new(dir).join("clickhouse-server");
        if p.exists() {
            return Some((p, vec![]));
        }
    }
    for dir in ["/usr/bin", "/usr/local/bin"] {
        let p = Path::new(dir).join("clickhouse");
        if p.exists() {
            return Some((p, vec!["server"]));
        }
    }
    None
}

impl ClickHouseServer {
    /// Starts a server in a fresh directory under `parent`; `Ok(None)` when no server binary is installed.
    pub fn start(parent: &Path) -> Result<Option<ClickHouseServer>, String> {
        let Some((bin, pre)) = binary() else { return Ok(None) };
        let dir = parent.join(format!("clickhouse-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let (http_port, tcp_port) = (free_port().map_err(|e| e.to_string())?, free_port().map_err(|e| e.to_string())?);
        let d = dir.display();
        let config = format!(
            r#"<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{d}/server.log</log><errorlog>{d}/error.log</errorlog></logger>
  <http_port>{http_port}</http_port>
  <tcp_port>{tcp_port}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{d}/data/</path>
  <tmp_path>{d}/tmp/</tmp_path>
  <user_files_path>{d}/user_files/</user_files_path>
  <format_schema_path>{d}/format_schemas/</format_schema_path>
  <users_config>{d}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
</yandex>
"#
        );
        let users = r#"<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
"#;
        std::fs::write(dir.join("config.xml"), config).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("users.xml"), users).map_err(|e| e.to_string())?;
        let child = Command::new(&bin)
            .args(pre)
            .arg(format!("--config-file={}", dir.join("config.xml").display()))
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("stderr.log")).map_err(|e| e.to_string())?)
            .spawn()
            .map_err(|e| format!("{}: {e}", bin.display()))?;
        let mut server = ClickHouseServer { child, dir, http_port };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if server.query("SELECT 1").map(|r| r.trim() == "1").unwrap_or(false) {
                return Ok(Some(server));
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("{} exited ({status}): {}", bin.display(), server.logs()));
            }
            if Instant::now() > deadline {
                return Err(format!("{} did not answer in 60 s: {}", bin.display(), server.logs()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The `-F` spec of this server for database `db`.
    pub fn spec(&self, db: &str) -> String {
        format!("clickhouse;127.0.0.1@{};{db};default;", self.http_port)
    }

    /// The tail of the server's logs (for failure messages).
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for f in ["stderr.log", "error.log"] {
            if let Ok(s) = std::fs::read_to_string(self.dir.join(f)) {
                let tail: Vec<&str> = s.lines().rev().take(20).collect();
                out.push_str(&tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
            }
        }
        out
    }

    /// Runs `sql` over plain HTTP (no client crate: an independent path), returns the body.
    pub fn query(&self, sql: &str) -> Result<String, String> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.http_port)).map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
        write!(
            s,
            "POST / HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{sql}",
            sql.len()
        )
        .map_err(|e| e.to_string())?;
        let mut resp = String::new();
        s.read_to_string(&mut resp).map_err(|e| e.to_string())?;
        let (head, body) = resp.split_once("\r\n\r\n").ok_or("bad HTTP answer")?;
        if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
            return Err(body.trim().to_string());
        }
        Ok(body.to_string())
    }
}

impl Drop for ClickHouseServer {
    fn drop(&mut self) {
        // SIGTERM lets the server stop cleanly; kill if it lingers.
        unsafe_term(self.child.id());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn unsafe_term(pid: u32) {
    let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
}
