//! The browser dashboard: real headless Chromium driving the real page, and the JSON API over
//! plain HTTP (cross-site refusal, the live stream, a closed tab stopping its lab).

mod common;

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use common::{Reaped, command, wait_for};
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions};

/// The token the test servers are started with (`WORKBENCH_TOKEN`), so that requests can carry it.
const TOKEN: &str = "test-token-0123456789abcdef";

/// `workbench serve` on a free port; returns the process and its address.
fn serve() -> (Reaped, String) {
    serve_keeping_progress_in(&std::env::temp_dir().join("workbench-web-tests"))
}

/// The same, with the student's progress kept in `data`.
fn serve_keeping_progress_in(data: &std::path::Path) -> (Reaped, String) {
    let (server, address, _) = start_server("127.0.0.1:0", data, Some(TOKEN));
    (server, address)
}

/// `workbench serve --addr <addr>` with `token` (none: it makes its own); returns the process,
/// the address it connects to and the line it printed.
fn start_server(
    addr: &str,
    data: &std::path::Path,
    token: Option<&str>,
) -> (Reaped, String, String) {
    let mut serve = command();
    serve
        .args(["serve", "--addr", addr])
        .env("WORKBENCH_DATA_DIR", data)
        .env("LANG", "en_US.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("WORKBENCH_CONTENT")
        .env_remove("WORKBENCH_TOKEN")
        .stdout(Stdio::piped())
        // Kept only where a test reads the warning about other machines.
        .stderr(if addr.starts_with("127.") {
            Stdio::inherit()
        } else {
            Stdio::piped()
        });
    if let Some(token) = token {
        serve.env("WORKBENCH_TOKEN", token);
    }
    let mut child = serve.spawn().unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let address = first_line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("serve did not print its address: {first_line:?}"))
        .to_string();
    (Reaped(child), address, first_line)
}

/// One HTTP/1.1 request with extra headers and the dashboard's token; returns (status, body).
fn http(address: &str, request_line: &str, headers: &[&str], body: &str) -> (u16, String) {
    http_as(address, address, request_line, headers, body)
}

/// The same, naming `host` in the Host header (as a page on another name would).
fn http_as(
    address: &str,
    host: &str,
    request_line: &str,
    headers: &[&str],
    body: &str,
) -> (u16, String) {
    let cookie = format!("Cookie: workbench_token_{}={TOKEN}", port_of(address));
    let mut with_token = vec![cookie.as_str()];
    with_token.extend_from_slice(headers);
    http_raw(address, host, request_line, &with_token, body)
}

fn port_of(address: &str) -> &str {
    address.rsplit(':').next().unwrap()
}

/// The same, exactly as given: no token unless a header carries it.
fn http_raw(
    address: &str,
    host: &str,
    request_line: &str,
    headers: &[&str],
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    let mut request = format!("{request_line} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    if !body.is_empty() {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

/// POST /api/labs/zmq-pubsub/start with these JSON parameters; returns (status, body).
fn start_pubsub(address: &str, parameters: &str) -> (u16, String) {
    http(address, "POST /api/labs/zmq-pubsub/start", &[], parameters)
}

fn runs(address: &str) -> serde_json::Value {
    let (status, body) = http(address, "GET /api/runs", &[], "");
    assert_eq!(status, 200);
    serde_json::from_str(&body).unwrap()
}

#[test]
fn another_site_cannot_start_a_lab() {
    let (_server, address) = serve();
    let (status, body) = http(
        &address,
        "POST /api/labs/zmq-pubsub/start",
        &["Origin: http://evil.example"],
        "{}",
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("evil.example"), "{body}");
    let port = address.rsplit(':').next().unwrap();
    let rebound = format!("rebound.example:{port}");
    let (status, body) = http_as(
        &address,
        &rebound,
        "POST /api/labs/zmq-pubsub/start",
        &[],
        "{}",
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("rebound.example"), "{body}");
    assert_eq!(runs(&address), serde_json::json!([]), "nothing was started");
}

#[test]
fn bad_parameters_get_a_one_line_error() {
    let (_server, address) = serve();
    let (status, body) = start_pubsub(&address, r#"{"rate": -5}"#);
    assert_eq!(status, 400);
    let error: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        error["error"],
        "invalid value '-5' for --rate: expected a whole number from 0 to 100000000"
    );
}

#[test]
fn the_event_stream_carries_snapshots_and_a_closed_tab_stops_the_lab() {
    let (_server, address) = serve();
    let (status, body) = start_pubsub(&address, r#"{"rate": 500}"#);
    assert_eq!(status, 200, "{body}");
    let run = serde_json::from_str::<serde_json::Value>(&body).unwrap()["run"].clone();

    // Read the stream like a browser tab would, until a snapshot with a rate arrives.
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(stream, "GET /api/runs/{run}/events HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {TOKEN}\r\nAccept: text/event-stream\r\n\r\n").unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut saw_rate = false;
    while !saw_rate {
        line.clear();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "the stream ended early"
        );
        if let Some(data) = line.strip_prefix("data: ") {
            let event: serde_json::Value = serde_json::from_str(data).unwrap();
            saw_rate =
                event["type"] == "snapshot" && event["rates"]["sent"].as_f64().unwrap_or(0.0) > 0.0;
        }
    }
    assert_eq!(runs(&address)[0]["running"], true);
    // Close the tab: after the grace period nobody watches, and the lab is stopped.
    drop(reader);
    wait_for(Duration::from_secs(20), "the unwatched lab to stop", || {
        (runs(&address)[0]["running"] == false).then_some(())
    });
}

/// Every route of the API, as (method and path, body).
const API_ROUTES: &[(&str, &str)] = &[
    ("GET /api/labs", ""),
    ("POST /api/labs/zmq-pubsub/start", "{}"),
    ("GET /api/runs", ""),
    ("POST /api/runs/1/stop", ""),
    ("GET /api/runs/1/events", ""),
    ("GET /api/runs/1/report", ""),
    ("GET /api/terms", ""),
    ("GET /api/lessons", ""),
    ("GET /api/lessons/messaging", ""),
    ("GET /api/exercises", ""),
    ("GET /api/exercises/zmq-rep-prefix", ""),
    ("POST /api/exercises/zmq-rep-prefix/hint", ""),
    ("POST /api/exercises/zmq-rep-prefix/check", ""),
];

#[test]
fn every_api_route_needs_the_token() {
    let (_server, address) = serve();
    let port = port_of(&address);
    let wrong_cookie = format!("Cookie: workbench_token_{port}=not-the-token");
    let other_port = format!("Cookie: workbench_token_1={TOKEN}");
    for (route, body) in API_ROUTES {
        for headers in [
            vec![],
            vec![wrong_cookie.as_str()],
            vec![other_port.as_str()],
            vec!["Authorization: Bearer nope"],
        ] {
            let (status, answer) = http_raw(&address, &address, route, &headers, body);
            assert_eq!(status, 401, "{route} with {headers:?}: {answer}");
            assert!(answer.contains("token"), "{answer}");
        }
    }
    // A program that names the right Host is no better off without the token.
    let (status, _) = http_raw(
        &address,
        &format!("127.0.0.1:{port}"),
        "POST /api/labs/zmq-pubsub/start",
        &[],
        "{}",
    );
    assert_eq!(status, 401);
    assert_eq!(runs(&address), serde_json::json!([]), "nothing was started");
    // The page itself loads without it (and tells the student to use the printed address).
    let (status, page) = http_raw(&address, &address, "GET /", &[], "");
    assert_eq!(status, 200);
    assert!(page.contains("<html"), "{page}");
}

#[test]
fn the_printed_address_carries_a_fresh_token_in_a_private_file() {
    use std::os::unix::fs::PermissionsExt;
    let data = tempfile::tempdir().unwrap();
    let (mut server, address, line) = start_server("127.0.0.1:0", data.path(), None);
    let token = line
        .split("?token=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no token in {line:?}"))
        .to_string();
    assert_eq!(token.len(), 48, "{token}");
    assert!(
        token.bytes().all(|byte| byte.is_ascii_hexdigit()),
        "{token}"
    );
    let file = data
        .path()
        .join(format!("serve-{}.token", port_of(&address)));
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the token file is its owner's only");
    assert!(std::fs::read_to_string(&file).unwrap().contains(&token));

    // The address with the token sets the cookie and sends the browser on without it.
    let response = raw_response(&address, &format!("GET /?token={token}&lab=archive"), &[]);
    assert!(response.starts_with("HTTP/1.1 303"), "{response}");
    assert!(response.contains("location: /?lab=archive"), "{response}");
    let cookie = response
        .lines()
        .find_map(|line| line.strip_prefix("set-cookie: "))
        .unwrap_or_else(|| panic!("no cookie in {response}"));
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let cookie_header = format!("Cookie: {}", cookie.split(';').next().unwrap());
    let (status, _) = http_raw(&address, &address, "GET /api/labs", &[&cookie_header], "");
    assert_eq!(status, 200);
    let bearer = format!("Authorization: Bearer {token}");
    let (status, _) = http_raw(&address, &address, "GET /api/runs", &[&bearer], "");
    assert_eq!(status, 200);
    let wrong = raw_response(&address, "GET /?token=guess", &[]);
    assert!(wrong.starts_with("HTTP/1.1 401"), "{wrong}");

    // SIGTERM stops it as Ctrl-C does, and the file goes with it.
    send_signal(&server.0, "TERM");
    wait_for(Duration::from_secs(20), "serve to stop on SIGTERM", || {
        server.0.try_wait().ok().flatten()
    });
    assert!(!file.exists(), "the token file is removed at the end");
}

/// The whole response, headers included, to a request without a body.
fn raw_response(address: &str, request_line: &str, headers: &[&str]) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    let mut request =
        format!("{request_line} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn send_signal(child: &std::process::Child, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn another_user_on_the_machine_cannot_start_a_lab_or_read_the_token() {
    if !nix_is_root() {
        common::missing_tool(
            "root (to run a request as another user)",
            "the second-user test",
        );
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let (_server, address, _) = start_server("127.0.0.1:0", data.path(), Some(TOKEN));
    let port = port_of(&address).to_string();
    let file = data.path().join(format!("serve-{port}.token"));
    // The data folder is made readable to others here, so only the file's own mode protects it.
    std::fs::set_permissions(
        data.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let as_nobody = |script: &str| {
        use std::os::unix::process::CommandExt;
        std::process::Command::new("/bin/bash")
            .args(["-c", script])
            .uid(65534)
            .gid(65534)
            .current_dir("/")
            .output()
            .unwrap()
    };
    let read = as_nobody(&format!("cat {}", file.display()));
    assert!(!read.status.success(), "another user read the token file");
    let request = format!(
        "exec 3<>/dev/tcp/127.0.0.1/{port}; printf 'POST /api/labs/zmq-pubsub/start HTTP/1.1\\r\\nHost: 127.0.0.1:{port}\\r\\nContent-Type: application/json\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\n{{}}' >&3; head -n 1 <&3"
    );
    let answer = as_nobody(&request);
    let status_line = String::from_utf8_lossy(&answer.stdout);
    assert!(
        status_line.starts_with("HTTP/1.1 401"),
        "{status_line:?} {answer:?}"
    );
    assert_eq!(runs(&address), serde_json::json!([]), "nothing was started");
}

fn nix_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.starts_with(b"0\n"))
}

#[test]
fn parameters_from_the_web_name_files_only_in_the_runs_folder_and_loopback_addresses() {
    let data = tempfile::tempdir().unwrap();
    let (_server, address) = serve_keeping_progress_in(data.path());
    let refused = [
        ("flash-sale", r#"{"db": "/tmp/precious.db"}"#),
        ("flash-sale", r#"{"db": "../progress.sqlite"}"#),
        ("flash-sale", r#"{"check-db": "/etc/passwd"}"#),
        ("flash-sale", r#"{"compare": true, "plot": "/tmp/x.svg"}"#),
        ("flash-sale", r#"{"serve": "0.0.0.0:8080"}"#),
        ("test-deps", r#"{"suite": "/tmp/evil.toml"}"#),
        ("archive", r#"{"dir": "/etc"}"#),
        ("socket-echo", r#"{"bind": "0.0.0.0:25003"}"#),
        ("zmq-pubsub", r#"{"bind": "tcp://*:5563"}"#),
        ("zmq-reqrep", r#"{"bind": "ipc:///tmp/req.ipc"}"#),
    ];
    for (lab, body) in refused {
        let (status, answer) = http(&address, &format!("POST /api/labs/{lab}/start"), &[], body);
        assert_eq!(status, 400, "{lab} {body}: {answer}");
        let error: serde_json::Value = serde_json::from_str(&answer).unwrap();
        let message = error["error"].as_str().unwrap();
        assert!(
            message.contains("from the browser") && !message.contains('\n'),
            "{message}"
        );
    }
    assert_eq!(runs(&address), serde_json::json!([]), "nothing was started");
    // A plain name is a file in <data>/runs/.
    let (status, answer) = http(
        &address,
        "POST /api/labs/flash-sale/start?duration=1",
        &[],
        r#"{"db": "mine.db", "users": 200}"#,
    );
    assert_eq!(status, 200, "{answer}");
    wait_for(Duration::from_secs(30), "the sale to end", || {
        (runs(&address)[0]["running"] == false).then_some(())
    });
    assert_eq!(
        runs(&address)[0]["params"]["db"],
        data.path().join("runs/mine.db").to_str().unwrap()
    );
    assert!(data.path().join("runs/mine.db").exists());
}

#[test]
fn a_server_on_every_interface_answers_its_own_names_with_the_token() {
    let data = tempfile::tempdir().unwrap();
    let (mut server, address, _) = start_server("0.0.0.0:0", data.path(), Some(TOKEN));
    let port = port_of(&address).to_string();
    let mut warning = String::new();
    BufReader::new(server.0.stderr.take().unwrap())
        .read_line(&mut warning)
        .unwrap();
    assert!(warning.contains("other machines"), "{warning}");
    assert!(
        warning.contains(&format!("127.0.0.1:{port}")),
        "names the interfaces: {warning}"
    );
    let connect_to = format!("127.0.0.1:{port}");
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let by_name = format!("{}:{port}", hostname.trim());
    let (status, body) = http_as(&connect_to, &by_name, "GET /api/labs", &[], "");
    assert_eq!(status, 200, "{body}");
    let (status, _) = http_raw(&connect_to, &by_name, "GET /api/labs", &[], "");
    assert_eq!(status, 401);
    let (status, _) = http_as(
        &connect_to,
        &format!("evil.example:{port}"),
        "GET /api/labs",
        &[],
        "",
    );
    assert_eq!(status, 403);
}

#[test]
fn numbers_from_outside_get_a_400_never_a_dropped_connection() {
    let (_server, address) = serve();
    let (_, labs) = http(&address, "GET /api/labs", &[], "");
    let labs: serde_json::Value = serde_json::from_str(&labs).unwrap();
    for lab in labs.as_array().unwrap() {
        let id = lab["id"].as_str().unwrap();
        for spec in lab["params"].as_array().unwrap() {
            let kind = spec["kind"]["type"].as_str().unwrap();
            if kind != "integer" && kind != "float" {
                continue;
            }
            let name = spec["name"].as_str().unwrap();
            for value in ["1e308", "-1e308", "\"NaN\"", "\"inf\"", "1.5e300", "\"-1\""] {
                let body = format!("{{\"{name}\": {value}}}");
                let (status, answer) =
                    http(&address, &format!("POST /api/labs/{id}/start"), &[], &body);
                assert!(
                    status == 400 || status == 200,
                    "{id} {body}: {status} {answer}"
                );
                if status == 200 {
                    let run: serde_json::Value = serde_json::from_str(&answer).unwrap();
                    http(
                        &address,
                        &format!("POST /api/runs/{}/stop", run["run"]),
                        &[],
                        "",
                    );
                }
            }
        }
    }
    for duration in ["1e308", "inf", "NaN", "-1", "0", "abc", "604801"] {
        let (status, answer) = http(
            &address,
            &format!("POST /api/labs/zmq-pubsub/start?duration={duration}"),
            &[],
            "{}",
        );
        assert_eq!(status, 400, "duration={duration}: {answer}");
        assert!(answer.contains("at most 604800"), "{answer}");
    }
}

/// The page's language follows the browser's Accept-Language (the server's own is English
/// here), and its selector's `?lang=` wins over both.
#[test]
fn the_course_speaks_the_browsers_language_unless_the_page_chose() {
    let (_server, address) = serve();
    let lang_of = |query: &str, headers: &[&str]| {
        let (status, body) = http(&address, &format!("GET /api/lessons{query}"), headers, "");
        assert_eq!(status, 200, "{body}");
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        (
            value["lang"].as_str().unwrap().to_string(),
            value["lessons"][0]["title"].as_str().unwrap().to_string(),
        )
    };
    let (lang, english_title) = lang_of("", &[]);
    assert_eq!(lang, "en");
    let (lang, chinese_title) = lang_of("", &["Accept-Language: zh-CN,zh;q=0.9,en;q=0.8"]);
    assert_eq!(lang, "zh");
    assert_ne!(
        chinese_title, english_title,
        "the titles come in Chinese too"
    );
    let (lang, _) = lang_of("?lang=en", &["Accept-Language: zh-CN"]);
    assert_eq!(lang, "en", "the page's own choice wins");
    let (lang, _) = lang_of("", &["Accept-Language: fr-FR, de;q=0.5"]);
    assert_eq!(
        lang, "en",
        "a language we do not speak falls back to the server's"
    );
}

#[test]
fn a_lab_nobody_ever_watches_is_stopped_too() {
    let (_server, address) = serve();
    let (status, body) = start_pubsub(&address, r#"{"rate": 100}"#);
    assert_eq!(status, 200, "{body}");
    // No tab opens its stream: after the grace period it is stopped all the same.
    wait_for(Duration::from_secs(30), "the unwatched lab to stop", || {
        (runs(&address)[0]["running"] == false).then_some(())
    });
}

fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|path| path.exists())
}

fn launch(browser_path: PathBuf) -> Browser {
    let options = LaunchOptions::default_builder()
        .path(Some(browser_path))
        .headless(true)
        .sandbox(false)
        .window_size(Some((1400, 1050)))
        .idle_browser_timeout(Duration::from_secs(120))
        .args(vec![
            OsStr::new("--disable-gpu"),
            OsStr::new("--disable-background-networking"),
            OsStr::new("--disable-component-update"),
            OsStr::new("--no-first-run"),
            OsStr::new("--disable-sync"),
        ])
        .build()
        .unwrap();
    Browser::new(options).expect("Chromium starts")
}

/// The dashboard in Chromium with `lab` chosen and started. The server and the browser are
/// handed back with the tab, to live as long as the test.
fn start_in_chromium(
    browser_path: PathBuf,
    lab: &str,
) -> (Reaped, Browser, std::sync::Arc<headless_chrome::Tab>) {
    let (server, _address, browser, tab) = open_dashboard(browser_path, "");
    tab.wait_for_element(&format!("nav button[data-lab='{lab}']"))
        .unwrap()
        .click()
        .unwrap();
    tab.wait_for_element("#start").unwrap().click().unwrap();
    (server, browser, tab)
}

/// A fresh server and the dashboard open in Chromium (`query` added to its address, e.g.
/// `&view=projector`), its lab list loaded. Everything handed back lives as long as the test.
fn open_dashboard(
    browser_path: PathBuf,
    query: &str,
) -> (
    Reaped,
    String,
    Browser,
    std::sync::Arc<headless_chrome::Tab>,
) {
    let (server, address) = serve();
    let browser = launch(browser_path);
    let tab = browser.new_tab().unwrap();
    tab.navigate_to(&format!("http://{address}/?token={TOKEN}{query}"))
        .unwrap();
    tab.wait_until_navigated().unwrap();
    tab.wait_for_element("nav button[data-lab='zmq-pubsub']")
        .unwrap();
    (server, address, browser, tab)
}

fn save_artifact(name: &str, picture: &[u8]) {
    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::write(artifacts.join(name), picture).unwrap();
    assert!(picture.starts_with(b"\x89PNG"));
}

#[test]
fn start_pubsub_in_chromium_and_watch_the_chart_rise() {
    let Some(browser_path) = chromium() else {
        common::missing_tool("chromium", "the browser dashboard in a real browser");
        return;
    };
    let (_server, address, _browser, tab) = open_dashboard(browser_path, "");
    tab.wait_for_element("#start").unwrap().click().unwrap();

    // The page redraws its tables ten times a second, so questions go to the page as one
    // JavaScript expression each, not as DOM node lookups that the next redraw outdates.
    let ask = |expression: &str| {
        tab.evaluate(expression, false)
            .ok()
            .and_then(|result| result.value)
    };
    let number = |expression: &str| {
        ask(expression)
            .and_then(|value| value.as_f64())
            .unwrap_or(0.0)
    };
    let rate = wait_for(
        Duration::from_secs(20),
        "the chart to show a sent rate",
        || {
            let rate = number("window.workbench.latestRate('sent')");
            (rate > 0.0).then_some(rate)
        },
    );
    assert!(rate > 100.0, "sent rate {rate}");
    // Let the late joiner arrive so the picture shows the whole story, then take it.
    wait_for(
        Duration::from_secs(20),
        "the late subscriber's messages",
        || {
            let late_received = number(
                "Number([...document.querySelectorAll(\"table[data-table='subscribers'] tr\")].find((row) => row.cells[0].textContent === 'late')?.cells[2].textContent.replace('k', 'e3')) || 0",
            );
            (late_received > 0.0).then_some(())
        },
    );
    std::thread::sleep(Duration::from_millis(1500));
    let picture = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    save_artifact("dashboard.png", &picture);

    tab.find_element("#stop").unwrap().click().unwrap();
    let status = wait_for(Duration::from_secs(20), "the report after Stop", || {
        let status = ask("document.querySelector('#status.ok')?.textContent ?? ''")?;
        let status = status.as_str()?.to_string();
        (!status.is_empty()).then_some(status)
    });
    assert!(status.contains("finished"), "{status}");

    // The finished run can be kept: the page offers it as one HTML file.
    let link = wait_for(Duration::from_secs(10), "the Download report link", || {
        let href = ask(
            "(() => { const a = document.querySelector('#download-report'); return a && !a.hidden ? a.getAttribute('href') : ''; })()",
        )?;
        let href = href.as_str()?.to_string();
        (!href.is_empty()).then_some(href)
    });
    assert!(link.starts_with("/api/runs/"), "{link}");
    let (code, page) = http(&address, &format!("GET {link}"), &[], "");
    assert_eq!(code, 200, "{page}");
    assert!(
        page.contains("<html lang=\"en\">") && page.contains("<figure><svg"),
        "{page}"
    );
    assert!(page.contains("verdict passed"), "{page}");
}

/// `?view=projector`: the verdict and the charts, large, and nothing else; its button leaves.
#[test]
fn the_projector_view_shows_charts_and_verdict_in_large_type() {
    let Some(browser_path) = chromium() else {
        common::missing_tool("chromium", "the projector view in a real browser");
        return;
    };
    let (_server, _address, _browser, tab) = open_dashboard(browser_path, "&view=projector");
    tab.evaluate("document.querySelector('#start').click()", false)
        .unwrap();
    let ask = |expression: &str| {
        tab.evaluate(expression, false)
            .ok()
            .and_then(|result| result.value)
            .unwrap_or_default()
    };
    wait_for(
        Duration::from_secs(20),
        "the chart in the projector view",
        || (ask("window.workbench.latestRate('sent')").as_f64()? > 0.0).then_some(()),
    );
    let shown = |selector: &str| {
        ask(&format!(
            "getComputedStyle(document.querySelector('{selector}')).display !== 'none'"
        ))
    };
    assert_eq!(shown("#rate-chart"), true);
    assert_eq!(shown("#status"), true);
    for hidden in ["nav", "header", "#setup", "#events", ".panels"] {
        assert_eq!(shown(hidden), false, "{hidden} shows in the projector view");
    }
    let size = ask("parseFloat(getComputedStyle(document.body).fontSize)");
    assert!(size.as_f64().unwrap() >= 20.0, "{size}");
    let picture = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    save_artifact("projector.png", &picture);
    tab.evaluate("document.querySelector('#projector').click()", false)
        .unwrap();
    assert_eq!(shown("nav"), true, "its button leaves the projector view");
    tab.evaluate("document.querySelector('#stop').click()", false)
        .unwrap();
}

/// `--report run.html` keeps a run as one page that Chromium shows with its chart while the
/// network is off (every request but a file's goes to a proxy that is not there), and
/// `replay --report` makes the same page from the recording.
#[test]
fn a_reported_run_opens_in_chromium_without_a_network() {
    let Some(browser_path) = chromium() else {
        common::missing_tool("chromium", "the run report in a real browser");
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let page = folder.path().join("run.html");
    let recording = folder.path().join("run.jsonl");
    let output = common::command()
        .args([
            "lab",
            "zmq-pubsub",
            "--duration",
            "2",
            "--headless",
            "--lang",
            "zh",
        ])
        .arg("--record")
        .arg(&recording)
        .arg("--report")
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains(&page.display().to_string()), "{said}");
    let from_replay = folder.path().join("again.html");
    let output = common::command()
        .args(["replay", "--lang", "zh"])
        .arg(&recording)
        .arg("--report")
        .arg(&from_replay)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (live, replayed) = (
        std::fs::read_to_string(&page).unwrap(),
        std::fs::read_to_string(&from_replay).unwrap(),
    );
    assert_eq!(
        live, replayed,
        "the recording holds everything the page shows"
    );

    let options = LaunchOptions::default_builder()
        .path(Some(browser_path))
        .headless(true)
        .sandbox(false)
        .window_size(Some((1100, 900)))
        .args(vec![
            OsStr::new("--disable-gpu"),
            OsStr::new("--no-first-run"),
            OsStr::new("--proxy-server=http://127.0.0.1:9"),
            OsStr::new("--proxy-bypass-list=<-loopback>"),
        ])
        .build()
        .unwrap();
    let browser = Browser::new(options).expect("Chromium starts");
    let tab = browser.new_tab().unwrap();
    tab.navigate_to(&format!("file://{}", page.display()))
        .unwrap();
    tab.wait_until_navigated().unwrap();
    let ask = |expression: &str| tab.evaluate(expression, false).unwrap().value.unwrap();
    assert_eq!(ask("document.documentElement.lang"), "zh-CN");
    let chart_width = ask("document.querySelector('figure svg').getBoundingClientRect().width");
    assert!(chart_width.as_f64().unwrap() > 300.0, "{chart_width}");
    let lines = ask("document.querySelectorAll('figure svg polyline, figure svg path').length");
    assert!(lines.as_f64().unwrap() > 0.0, "{lines}");
    let verdict = ask("document.querySelector('.verdict').textContent");
    assert!(verdict.as_str().unwrap().contains("sent"), "{verdict}");
    // Nothing but the file itself was loaded.
    let loaded = ask("performance.getEntriesByType('resource').length");
    assert_eq!(loaded.as_f64(), Some(0.0), "the page fetched something");
    let picture = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    save_artifact("report.png", &picture);
}

#[test]
fn the_archive_lab_lays_out_its_phar_in_chromium() {
    let Some(browser_path) = chromium() else {
        common::missing_tool("chromium", "the archive layout in a real browser");
        return;
    };
    let (_server, _browser, tab) = start_in_chromium(browser_path, "archive");
    // Each row of the layout table: part, what it holds, from, to, bytes, and a bar.
    let layout = wait_for(Duration::from_secs(30), "the layout of the phar", || {
        let rows = tab
            .evaluate(
                "JSON.stringify([...document.querySelectorAll(\"table[data-table='layout'] tr\")].slice(1).map((row) => [...row.cells].map((cell) => cell.textContent)))",
                false,
            )
            .ok()?
            .value?;
        let rows: Vec<Vec<String>> = serde_json::from_str(rows.as_str()?).ok()?;
        (rows.len() == 4).then_some(rows)
    });
    let parts: Vec<&str> = layout.iter().map(|row| row[0].as_str()).collect();
    assert_eq!(parts, ["stub", "manifest", "contents", "signature"]);
    assert_eq!(layout[0][2], "0", "the stub starts the file: {layout:?}");
    assert_eq!(layout[3][1], "SHA-256");
    let bars = tab
        .evaluate(
            "document.querySelectorAll(\"table[data-table='layout'] span.bar\").length",
            false,
        )
        .unwrap()
        .value
        .unwrap();
    assert_eq!(bars, 4);
    let status = wait_for(Duration::from_secs(60), "the lab's report", || {
        let status = tab
            .evaluate(
                "document.querySelector('#status.ok')?.textContent ?? ''",
                false,
            )
            .ok()?
            .value?;
        let status = status.as_str()?.to_string();
        (!status.is_empty()).then_some(status)
    });
    assert!(status.contains("every one unchanged"), "{status}");
}

#[test]
fn the_test_deps_lab_draws_its_graph_and_colours_the_cascade_in_chromium() {
    let Some(browser_path) = chromium() else {
        common::missing_tool("chromium", "the test graph in a real browser");
        return;
    };
    let (_server, _browser, tab) = start_in_chromium(browser_path, "test-deps");
    let ask = |expression: &str| {
        tab.evaluate(expression, false)
            .ok()
            .and_then(|result| result.value)
            .and_then(|value| value.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    // Each node of the drawn graph says its test and its state.
    let states = wait_for(Duration::from_secs(30), "the graph's final states", || {
        let states = ask(
            "JSON.stringify(Object.fromEntries([...document.querySelectorAll(\"svg[data-graph='tests'] g[data-node]\")].map((node) => [node.dataset.node, node.dataset.state])))",
        );
        let states: serde_json::Value = serde_json::from_str(&states).ok()?;
        // Every node finished (a slow machine may still be running one when another is skipped).
        let finished = states
            .as_object()?
            .values()
            .all(|state| state != "pending" && state != "running");
        (finished && states["receipt_email"] == "skipped").then_some(states)
    });
    assert_eq!(states.as_object().unwrap().len(), 10, "{states}");
    assert_eq!(states["add_to_cart"], "failed");
    assert_eq!(states["checkout"], "skipped");
    assert_eq!(states["view_profile"], "passed");
    let lines = ask("String(document.querySelectorAll(\"svg[data-graph='tests'] line\").length)");
    assert_eq!(lines, "8", "an edge per dependency");
    let critical = wait_for(Duration::from_secs(10), "the critical path", || {
        let marked = ask(
            "[...document.querySelectorAll(\"svg[data-graph='tests'] g.critical\")].map((node) => node.dataset.node).join(' ')",
        );
        (!marked.is_empty()).then_some(marked)
    });
    assert!(
        critical.starts_with("build create_user login"),
        "{critical}"
    );
    let picture = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    save_artifact("test-deps.png", &picture);
}

#[test]
fn read_a_lesson_in_chinese_run_its_lab_and_pass_an_exercise_in_chromium() {
    let Some(browser_path) = chromium() else {
        common::missing_tool("chromium", "lessons and exercises in a real browser");
        return;
    };
    let php_ready = std::process::Command::new("php")
        .args(["-r", "exit(extension_loaded('zmq') ? 0 : 1);"])
        .status()
        .is_ok_and(|status| status.success());
    if !php_ready {
        common::missing_tool(
            "php with the zmq extension",
            "checking a PHP solution from the browser",
        );
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let (_server, address) = serve_keeping_progress_in(data.path());
    let browser = launch(browser_path);
    let tab = browser.new_tab().unwrap();
    let ask = |expression: &str| {
        tab.evaluate(expression, false)
            .ok()
            .and_then(|result| result.value)
            .and_then(|value| value.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let wait_for_text = |what: &str, expression: &str, wanted: &str| {
        wait_for(Duration::from_secs(20), what, || {
            let text = ask(expression);
            text.contains(wanted).then_some(text)
        })
    };
    tab.navigate_to(&format!("http://{address}/?token={TOKEN}"))
        .unwrap();
    tab.wait_until_navigated().unwrap();

    // The lesson, rendered as HTML, then in Chinese.
    tab.wait_for_element("nav button[data-lesson='messaging']")
        .unwrap()
        .click()
        .unwrap();
    let heading = "document.querySelector('#reader h1')?.textContent ?? ''";
    wait_for_text("the English lesson", heading, "Messaging with ZeroMQ");
    tab.evaluate(
        "(() => { const s = document.querySelector('#lang'); s.value = 'zh'; s.dispatchEvent(new Event('change')); })()",
        false,
    )
    .unwrap();
    wait_for_text("the Chinese lesson", heading, "用 ZeroMQ 传递消息");
    // The lesson uses the width it has (its code blocks and diagrams most of all), while its
    // paragraphs keep a readable measure.
    let width = |selector: &str| {
        tab.evaluate(
            &format!("document.querySelector('{selector}').getBoundingClientRect().width"),
            false,
        )
        .unwrap()
        .value
        .unwrap()
        .as_f64()
        .unwrap()
    };
    assert!(
        width("#reader") > 950.0,
        "the lesson is {} px wide",
        width("#reader")
    );
    assert!(
        width("#reader p") <= 800.0,
        "a paragraph is {} px wide",
        width("#reader p")
    );

    // "Run this" starts the lab with the lesson's settings.
    tab.evaluate(
        "document.querySelector(\"#reader a.run-lab[data-params*='slow-subscriber']\").click()",
        false,
    )
    .unwrap();
    let run = wait_for(
        Duration::from_secs(20),
        "the lab the lesson started",
        || {
            runs(&address)
                .as_array()?
                .iter()
                .find(|run| run["running"] == true)
                .cloned()
        },
    );
    assert_eq!(run["lab"], "zmq-pubsub");
    // A duration's value is in seconds: the link's 2000 (microseconds) is 0.002.
    let slow = run["params"]["slow-subscriber"].as_f64().unwrap();
    assert!((slow - 0.002).abs() < 1e-12, "{run}");
    assert_eq!(run["params"]["hwm"], 100);
    assert_eq!(
        run["params"]["subscribers"], 2,
        "the rest keep their defaults"
    );
    // The page speaks Chinese around the lab too: its own words, the counters' labels (the
    // rows keep their ids), and the document's language.
    let page = "document.documentElement.lang + '|' + document.querySelector('#totals tr[data-counter=\"sent\"] td')?.textContent + '|' + document.querySelector('#start').textContent + '|' + document.querySelector('[data-word=totals]').textContent + '|' + document.querySelector('#lab-title').textContent";
    wait_for_text(
        "the dashboard in Chinese",
        page,
        "zh-CN|发出|启动|总数|ZeroMQ 发布/订阅",
    );
    let (status, _) = http(
        &address,
        &format!("POST /api/runs/{}/stop", run["run"]),
        &[],
        "",
    );
    assert_eq!(status, 200);

    // The exercise: a hint, then a check of the student's server, already running.
    let solution =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("exercises/zmq-rep-prefix/solution.php");
    let _student = Reaped(
        std::process::Command::new("php")
            .arg(&solution)
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for(Duration::from_secs(20), "the PHP server's port", || {
        TcpStream::connect("127.0.0.1:5559").ok()
    });
    tab.wait_for_element("nav button[data-exercise='zmq-rep-prefix']")
        .unwrap()
        .click()
        .unwrap();
    tab.wait_for_element("#reveal-hint")
        .unwrap()
        .click()
        .unwrap();
    wait_for_text(
        "the first hint, in Chinese",
        "document.querySelector('#hints')?.textContent ?? ''",
        "创建一个 REP 套接字",
    );
    tab.wait_for_element("#check").unwrap().click().unwrap();
    let verdict = wait_for_text(
        "the check's verdict",
        "(() => { const p = document.querySelector('#check-results p[data-passed]'); return p ? `${p.dataset.passed}/${p.dataset.failed} ${p.textContent}` : ''; })()",
        "/",
    );
    // Opens port, answers, prefix, many in a row, UTF-8, two clients, still serving.
    assert_eq!(verdict, "7/0 7 项通过，0 项失败", "in the language chosen");
    wait_for_text(
        "the exercise marked passed",
        "document.querySelector(\"nav button[data-exercise='zmq-rep-prefix']\")?.dataset.status ?? ''",
        "passed",
    );
    let picture = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    save_artifact("exercise.png", &picture);

    // The same progress, as the command line sees it.
    let listed = command()
        .args(["exercise", "list", "--json"])
        .env("WORKBENCH_DATA_DIR", data.path())
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let status = &list
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["id"] == "zmq-rep-prefix")
        .unwrap()["status"];
    assert_eq!(status["passed"], true, "{status}");
    assert_eq!(status["hints_used"], 1, "{status}");
}
