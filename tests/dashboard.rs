//! The web dashboard (httpdocs/index.html + js/dashboard.js) in a real browser: the daemon reads test_01.pcap,
//! headless Chromium loads the page and runs its scripts, and the DOM it renders is compared with what the
//! REST API answers in the same test (the page computes nothing of its own, so the two must agree).
//! Without --disable-login the page must end on the login form.

mod daemon;
mod support;

use daemon::{Auth, Daemon};
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{scratch_dir, shared_pcaps};

fn test_01() -> Option<PathBuf> {
    let p = shared_pcaps("dashboard tests on ntopng-e2e/test_01.pcap")?.join("ntopng-e2e/test_01.pcap");
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("SKIP dashboard tests: {} not found", p.display());
        None
    }
}

/// The browser: `$CHROMIUM` or `chromium` on the PATH (Debian's package, see deploy/install-deps.sh).
fn chromium() -> Option<String> {
    let bin = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
    match Command::new(&bin).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(s) if s.success() => Some(bin),
        _ => {
            eprintln!("SKIP dashboard tests: no `{bin}` browser (apt-get install chromium, or set CHROMIUM)");
            None
        }
    }
}

/// Loads `url` in headless Chromium, lets its scripts run for 8 s of virtual time, returns the final DOM.
fn render(browser: &str, url: &str, profile: &Path) -> String {
    let mut child = Command::new(browser)
        .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--virtual-time-budget=8000"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--dump-dom", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        out.read_to_string(&mut s).map(|_| s)
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium on {url}: {status}");
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap().expect("chromium output")
}

// ---- reading the serialized DOM (Chromium writes well-formed, normalized HTML) ----

/// The element with `id="<id>"`, from its start tag to its matching end tag.
fn by_id<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom.find(&format!(" id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in the page:\n{dom}"));
    let start = dom[..at].rfind('<').unwrap();
    let tag: String = dom[start + 1..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let (mut depth, mut pos) = (0usize, start);
    loop {
        let next_open = dom[pos + 1..].find(&open).map(|i| i + pos + 1);
        let next_close = dom[pos..].find(&close).map(|i| i + pos).unwrap_or_else(|| panic!("#{id} not closed"));
        match next_open {
            Some(o) if o < next_close && !dom[o + open.len()..].starts_with(|c: char| c.is_ascii_alphanumeric()) => {
                depth += 1;
                pos = o;
            }
            _ if depth > 0 => {
                depth -= 1;
                pos = next_close + close.len() - 1;
            }
            _ => return &dom[start..next_close + close.len()],
        }
    }
}

/// The value of `name="..."` in the first start tag of `html`.
fn attr(html: &str, name: &str) -> Option<String> {
    let tag = &html[..html.find('>')?];
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(unescape(&tag[at..at + tag[at..].find('"')?]))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// What a reader sees: the text without tags, entities decoded.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out).trim().to_string()
}

/// One table cell: its start tag's HTML (for attributes) and its text.
struct Cell {
    html: String,
    text: String,
}

/// The body rows of the table with this id, each as its cells (`th` and `td`).
fn body_rows(dom: &str, table_id: &str) -> Vec<Vec<Cell>> {
    let table = by_id(dom, table_id);
    let body = &table[table.find("<tbody>").expect("tbody")..table.find("</tbody>").expect("/tbody")];
    body.split("<tr")
        .skip(1)
        .map(|row| {
            let mut cells = Vec::new();
            let mut rest = row;
            while let Some(i) = [rest.find("<td"), rest.find("<th")].into_iter().flatten().min() {
                let cell = &rest[i..];
                let end = cell.find("</td>").into_iter().chain(cell.find("</th>")).min().expect("cell end");
                cells.push(Cell { html: cell[..end].to_string(), text: text(&cell[..end]) });
                rest = &cell[end + 5..];
            }
            cells
        })
        .collect()
}

// ---- the page's formats, written again here (thousands with commas; bytes in 1024 steps, two decimals) ----

fn fmt_int(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn fmt_bytes(n: u64) -> String {
    if n < 1024 {
        return format!("{} B", fmt_int(n));
    }
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < 4 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.2} {}", ["", "KB", "MB", "GB", "TB"][unit])
}

fn num(v: &Value) -> u64 {
    v.as_u64().or_else(|| v.as_f64().map(|f| f as u64)).unwrap_or_else(|| panic!("not a number: {v}"))
}

/// How the page writes a flow's endpoint: `name:port`, then the IP when the name is a resolved one.
fn endpoint_text(ep: &Value) -> String {
    let (name, ip) = (ep["name"].as_str().unwrap(), ep["ip"].as_str().unwrap());
    if name != ip && !name.is_empty() {
        format!("{name}:{} {ip}", ep["port"])
    } else {
        format!("{ip}:{}", ep["port"])
    }
}

fn check_flow_row(row: &[Cell], f: &Value, what: &str) {
    assert_eq!(row.len(), 7, "{what}: cells");
    assert_eq!(row[0].text, f["protocol"]["l7"].as_str().unwrap(), "{what}: application");
    assert_eq!(row[1].text, f["protocol"]["l4"].as_str().unwrap(), "{what}: L4");
    assert_eq!(row[2].text, endpoint_text(&f["client"]), "{what}: client");
    assert_eq!(attr(&row[2].html, "data-ip").as_deref(), f["client"]["ip"].as_str(), "{what}: client ip");
    assert_eq!(row[3].text, endpoint_text(&f["server"]), "{what}: server");
    let b = &f["breakdown"];
    assert!(
        row[5].html.contains(&format!("aria-label=\"Client {}%, server {}%\"", b["cli2srv"], b["srv2cli"])),
        "{what}: breakdown {}",
        row[5].html
    );
    assert_eq!(attr(&row[6].html, "data-value"), Some(num(&f["bytes"]).to_string()), "{what}: bytes");
    assert_eq!(row[6].text, fmt_bytes(num(&f["bytes"])), "{what}: bytes shown");
}

#[test]
fn dashboard_renders_what_the_rest_api_answers() {
    let (Some(cap), Some(browser)) = (test_01(), chromium()) else { return };
    let dir = scratch_dir("dashboard");
    let d =
        Daemon::start(&["-i", cap.to_str().unwrap(), "-m", "192.168.1.0/24", "--disable-login=1"], &dir.join("data"));
    d.wait_capture_read();
    let a = Auth::None;
    let rest = |p: &str| d.rest_ok(&format!("/lua/rest/v2/get/{p}"), &a).0;

    let iface = rest("interface/data.lua?ifid=0");
    let flows = rest("flow/active.lua?ifid=0&currentPage=1&perPage=10&sortColumn=column_bytes&sortOrder=desc");
    let hosts = rest("host/active.lua?ifid=0&currentPage=1&perPage=10&sortColumn=column_ip&sortOrder=asc");
    let apps = rest("interface/l7/stats.lua?ifid=0&ndpistats_mode=sinceStartup");
    // test_01 is not empty: these are real comparisons, not empty tables agreeing.
    assert!(num(&iface["packets"]) > 1000 && num(&flows["totalRows"]) > 20, "{iface}");

    let dom = render(&browser, &d.url("/"), &dir.join("profile"));
    assert!(text(by_id(&dom, "status")).starts_with("Updated"), "status: {}", text(by_id(&dom, "status")));
    assert_eq!(text(by_id(&dom, "summary-ifname")), iface["ifname"].as_str().unwrap());
    for (id, key) in [
        ("sum-packets", "packets"),
        ("sum-flows", "num_flows"),
        ("sum-hosts", "num_hosts"),
        ("sum-local-hosts", "num_local_hosts"),
        ("sum-drops", "drops"),
    ] {
        let dd = by_id(&dom, id);
        assert_eq!(text(dd), fmt_int(num(&iface[key])), "#{id} vs {key}");
        assert_eq!(attr(dd, "data-value"), Some(num(&iface[key]).to_string()), "#{id}");
    }
    assert_eq!(text(by_id(&dom, "sum-bytes")), fmt_bytes(num(&iface["bytes"])));
    assert_eq!(
        text(by_id(&dom, "sum-flows")),
        fmt_int(num(&flows["totalRows"])),
        "flows in the summary and the flow table"
    );

    // Top applications: one row per entry, same order, same bytes.
    let app_rows = body_rows(&dom, "apps-table");
    let apps = apps.as_array().unwrap();
    assert_eq!(app_rows.len(), apps.len());
    for (row, app) in app_rows.iter().zip(apps) {
        assert_eq!(row[0].text, app["label"].as_str().unwrap());
        assert_eq!(attr(&row[1].html, "data-value"), Some(num(&app["value"]).to_string()));
    }

    // Flows: the first page is ten rows, by bytes, the same flows in the same order as the REST answer.
    let flow_rows = body_rows(&dom, "flows-table");
    let data = flows["data"].as_array().unwrap();
    assert_eq!(flow_rows.len(), 10);
    assert_eq!(data.len(), 10);
    for (i, (row, f)) in flow_rows.iter().zip(data).enumerate() {
        check_flow_row(row, f, &format!("flow row {i}"));
    }
    let total = num(&flows["totalRows"]);
    assert_eq!(
        text(by_id(&dom, "flows-pager"))
            .split("Previous")
            .nth(1)
            .map(|s| s.trim_end_matches("Next").trim().to_string()),
        Some(format!("Page 1 of {}: flows 1–10 of {}", total.div_ceil(10), fmt_int(total)))
    );

    // Hosts: ordered by IP as the REST answer, addresses and byte totals equal.
    let host_rows = body_rows(&dom, "hosts-table");
    let hdata = hosts["data"].as_array().unwrap();
    assert_eq!(host_rows.len(), hdata.len());
    assert_eq!(host_rows.len(), 10);
    for (row, h) in host_rows.iter().zip(hdata) {
        assert_eq!(row[0].text, h["ip"].as_str().unwrap());
        assert_eq!(row[1].text, h["name"].as_str().unwrap());
        assert_eq!(row[2].text, if h["is_localhost"].as_bool().unwrap() { "Local" } else { "Remote" });
        assert_eq!(row[3].text, fmt_int(num(&h["num_flows"]["total"])));
        assert_eq!(attr(&row[7].html, "data-value"), Some(num(&h["bytes"]["total"]).to_string()));
    }

    // The last page of flows sorted by client ascending: exactly the remainder of rows, as REST pages them.
    let last = total.div_ceil(25);
    let page =
        rest(&format!("flow/active.lua?ifid=0&currentPage={last}&perPage=25&sortColumn=column_client&sortOrder=asc"));
    let pdata = page["data"].as_array().unwrap();
    let expected_rows = (total - (last - 1) * 25) as usize;
    assert_eq!(pdata.len(), expected_rows);
    let dom = render(
        &browser,
        &d.url(&format!(
            "/index.html#ifid=0&flows_page={last}&flows_per_page=25&flows_sort=column_client&flows_order=asc"
        )),
        &dir.join("profile"),
    );
    let rows = body_rows(&dom, "flows-table");
    assert_eq!(rows.len(), expected_rows, "rows on flow page {last} of 25");
    for (i, (row, f)) in rows.iter().zip(pdata).enumerate() {
        check_flow_row(row, f, &format!("page {last} row {i}"));
    }
    assert!(
        by_id(&dom, "flows-table").contains("data-sort=\"column_client\" aria-sort=\"ascending\""),
        "sorted column marked"
    );

    // A host's page: its counters and applications as host/data and host/l7/stats give them.
    let ip = "192.168.1.93";
    let host = rest(&format!("host/data.lua?ifid=0&host={ip}"));
    let happs = rest(&format!("host/l7/stats.lua?ifid=0&host={ip}"));
    let dom = render(&browser, &d.url(&format!("/index.html#ifid=0&host={ip}")), &dir.join("profile"));
    assert!(
        by_id(&dom, "iface-view").starts_with("<div id=\"iface-view\" hidden"),
        "interface view hidden on a host page"
    );
    let details = text(by_id(&dom, "host-details"));
    let received =
        format!("Received{} / {} packets", fmt_bytes(num(&host["bytes.rcvd"])), fmt_int(num(&host["packets.rcvd"])));
    assert!(details.contains(&received), "{received} in {details}");
    assert!(details.contains(&format!("MAC address{}", host["mac"].as_str().unwrap())), "{details}");
    assert!(
        details.contains(&format!("Active flows as client{}", fmt_int(num(&host["active_flows.as_client"])))),
        "{details}"
    );
    let rows = body_rows(&dom, "host-apps-table");
    let happs = happs.as_array().unwrap();
    assert_eq!(rows.len(), happs.len());
    for (row, app) in rows.iter().zip(happs) {
        assert_eq!(row[0].text, app["label"].as_str().unwrap());
        assert_eq!(attr(&row[2].html, "data-value"), Some(num(&app["value"]).to_string()));
    }
    let hflows = rest(&format!("flow/active.lua?ifid=0&host={ip}&currentPage=1&perPage=10"));
    let rows = body_rows(&dom, "host-flows-table");
    assert_eq!(rows.len(), hflows["data"].as_array().unwrap().len());
    check_flow_row(&rows[0], &hflows["data"][0], "host flow row 0");
}

/// Opens `url` in a headless Chromium that stays up, and returns the (address, title) its page settles on
/// once `done(address)` holds and the page's document has loaded. `--dump-dom` cannot follow a navigation the page's scripts make after loading
/// (Chromium never finishes its virtual time then), so this asks the browser's DevTools endpoint instead.
fn settled_page(browser: &str, url: &str, profile: &Path, done: impl Fn(&str) -> bool) -> (String, String) {
    let port = daemon::free_port();
    let mut child = Command::new(browser)
        .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--remote-debugging-port={port}"))
        .arg(url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    let mut last = (String::new(), String::new());
    let found = loop {
        let pages = ureq::get(&format!("http://127.0.0.1:{port}/json/list"))
            .call()
            .ok()
            .and_then(|r| r.into_string().ok())
            .and_then(|b| serde_json::from_str::<Value>(&b).ok());
        let page =
            pages.as_ref().and_then(Value::as_array).and_then(|l| l.iter().find(|p| p["type"] == "page").cloned());
        if let Some(p) = page {
            last = (p["url"].as_str().unwrap_or("").to_string(), p["title"].as_str().unwrap_or("").to_string());
            // Until the document's <title> is parsed, Chromium reports the address (without its scheme)
            // as the title: the page has not settled yet.
            let loaded = !last.1.is_empty() && !last.0.contains(&last.1);
            if done(&last.0) && loaded {
                break true;
            }
        }
        if start.elapsed() > Duration::from_secs(60) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(found, "the page on {url} did not settle: last at {} ({})", last.0, last.1);
    last
}

#[test]
fn dashboard_without_a_session_ends_on_the_login_form() {
    let (Some(cap), Some(browser)) = (test_01(), chromium()) else { return };
    let dir = scratch_dir("dashboard-login");
    let d = Daemon::start(&["-i", cap.to_str().unwrap(), "-m", "192.168.1.0/24"], &dir.join("data"));
    // The page itself is public; its REST calls are refused.
    assert_eq!(d.get("/index.html", &Auth::None).status, 200);
    assert_eq!(d.get("/lua/rest/v2/get/ntopng/interfaces.lua", &Auth::None).status, 401);
    let login = d.url("/lua/login.lua");
    let (url, title) =
        settled_page(&browser, &d.url("/index.html#ifid=0"), &dir.join("profile"), |u| u.starts_with(&login));
    // The login page is told to send the user back to the dashboard, where they were.
    assert_eq!(url, format!("{login}?referer=%2Findex.html%23ifid%3D0"));
    assert_eq!(title, "ntopng - Login");
    let dom = render(&browser, &url, &dir.join("profile"));
    assert!(dom.contains("<form method=\"post\" action=\"/authorize.html\">"), "no login form:\n{dom}");
    let referer = dom.split("name=\"referer\" value=\"").nth(1).and_then(|s| s.split('"').next()).map(unescape);
    assert_eq!(referer.as_deref(), Some("/index.html#ifid=0"));
}
