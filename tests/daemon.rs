//! A daemon under test with its web server up: started on a free loopback port with a private data dir,
//! waited for until its capture files are read, queried over HTTP, stopped with SIGTERM.

#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::ntopng_bin;

pub struct Daemon {
    child: Option<Child>,
    pub port: u16,
    pub data_dir: PathBuf,
    /// Every stderr line so far is kept here for failure messages.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    ready: mpsc::Receiver<()>,
}

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Basic(String, String),
    Token(String),
    /// A session cookie (`name=value`) and the session's CSRF token.
    Cookie(String, String),
}

/// A free TCP port on loopback (the kernel picks; the race with another binder is harmless in tests).
/// A `--test-script-pre` command that turns on checks `keys` of `subdir` over REST before the capture is read,
/// as ntopng's own tests configure checks (`true` when there is none).
pub fn enable_checks_script(port: u16, subdir: &str, keys: &[&str]) -> String {
    let calls: Vec<String> = keys
        .iter()
        .map(|k| {
            format!("curl -sf 'http://127.0.0.1:{port}/lua/rest/v2/enable/check.lua?check_subdir={subdir}&script_key={k}'")
        })
        .collect();
    if calls.is_empty() {
        "true".to_string()
    } else {
        calls.join(" && ")
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Daemon {
    /// Starts `ntopng <args> -w 127.0.0.1:<port> -d <data_dir>`; returns once the web server answers.
    pub fn start(args: &[&str], data_dir: &Path) -> Daemon {
        Daemon::start_on(free_port(), args, data_dir, &[])
    }

    /// [`Daemon::start`] with extra environment variables.
    pub fn start_env(args: &[&str], data_dir: &Path, env: &[(&str, &str)]) -> Daemon {
        Daemon::start_on(free_port(), args, data_dir, env)
    }

    /// As [`Daemon::start`], on a given port (known to hook scripts in `args`) with extra environment.
    pub fn start_on(port: u16, args: &[&str], data_dir: &Path, env: &[(&str, &str)]) -> Daemon {
        std::fs::create_dir_all(data_dir).unwrap();
        let mut child = Command::new(ntopng_bin())
            .envs(env.iter().copied())
            .args(args)
            .args(["-w", &format!("127.0.0.1:{port}"), "-d"])
            .arg(data_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ntopng");
        let stderr = child.stderr.take().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (tx, ready) = mpsc::channel();
        let log2 = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("capture files read") {
                    let _ = tx.send(());
                }
                log2.lock().unwrap().push(line);
            }
        });
        let d = Daemon { child: Some(child), port, data_dir: data_dir.to_path_buf(), log, ready };
        d.wait_http();
        d
    }

    fn wait_http(&self) {
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("web server did not come up on {}:\n{}", self.port, self.log());
    }

    /// Waits until every capture file given with -i has been read.
    pub fn wait_capture_read(&self) {
        self.ready
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("capture not read in time:\n{}", self.log()));
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    /// GET `path` (with its query string); returns (status, headers by lower-case name, body).
    pub fn get(&self, path: &str, auth: &Auth) -> Reply {
        self.send("GET", path, auth, None)
    }

    /// POST a JSON body.
    pub fn post_json(&self, path: &str, auth: &Auth, body: &Value) -> Reply {
        self.send("POST", path, auth, Some(("application/json", body.to_string())))
    }

    /// POST a form (`a=1&b=2`).
    pub fn post_form(&self, path: &str, auth: &Auth, form: &str) -> Reply {
        self.send("POST", path, auth, Some(("application/x-www-form-urlencoded", form.to_string())))
    }

    pub fn send(&self, method: &str, path: &str, auth: &Auth, body: Option<(&str, String)>) -> Reply {
        let agent = ureq::AgentBuilder::new().redirects(0).timeout(Duration::from_secs(60)).build();
        let mut req = agent.request(method, &self.url(path));
        match auth {
            Auth::None => {}
            Auth::Basic(u, p) => {
                use base64::Engine;
                let b = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
                req = req.set("Authorization", &format!("Basic {b}"));
            }
            Auth::Token(t) => req = req.set("Authorization", &format!("Token {t}")),
            Auth::Cookie(c, _) => req = req.set("Cookie", c),
        }
        let res = match body {
            Some((ct, b)) => req.set("Content-Type", ct).send_string(&b),
            None => req.call(),
        };
        let resp = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}\n{}", self.log()),
        };
        let status = resp.status();
        let headers = resp
            .headers_names()
            .into_iter()
            .map(|n| {
                let v = resp.all(&n).join("\n");
                (n.to_ascii_lowercase(), v)
            })
            .collect();
        let body = resp.into_string().unwrap_or_default();
        Reply { status, headers, body }
    }

    /// The REST envelope of a GET, asserting HTTP 200 and rc 0; returns `rsp` and the whole answer.
    pub fn rest_ok(&self, path: &str, auth: &Auth) -> (Value, Value) {
        let r = self.get(path, auth);
        let v = r.json().unwrap_or_else(|| panic!("GET {path}: {} not JSON: {}", r.status, r.body));
        assert_eq!(r.status, 200, "GET {path}: {}", r.body);
        assert_eq!(v["rc"], 0, "GET {path}: {}", r.body);
        (v["rsp"].clone(), v)
    }

    /// SIGTERM and wait; returns the exit status success.
    pub fn stop(&mut self) -> bool {
        let Some(mut c) = self.child.take() else { return true };
        unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
        for _ in 0..600 {
            if let Ok(Some(s)) = c.try_wait() {
                return s.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = c.kill();
        let _ = c.wait();
        false
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: std::collections::BTreeMap<String, String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}
