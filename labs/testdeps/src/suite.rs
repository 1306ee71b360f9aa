//! Suite files: a name and `[[test]]` tables, each test one action with assertions.
//!
//! ```toml
//! name = "rpc"
//!
//! [[test]]
//! name = "server_builds"
//! exec = "cargo build -p rpc-server"          # the simplest form: passes on exit code 0
//!
//! [[test]]
//! name = "send_get"
//! depends = ["server_builds"]                 # runs only if server_builds passed
//! timeout = 10                                # seconds (default 60)
//! exec = { command = "php client.php send 567", exit = 0, stdout_contains = "OK", stdout_matches = "id=\\d+" }
//! ```
//!
//! A suite can depend on other suites: `depends = ["unit"]` at the top runs it only if suite
//! `unit` (another file of the same run) passed, and a test can depend on a test of another
//! suite as `"unit::parse"`. Suites run in the order their dependencies ask.
//!
//! A `[bootstrap]` table starts a command before the tests (a server) and stops it after them:
//! `command = "php -S 127.0.0.1:8080"`, `ready_port = 8080` (tests wait until it accepts
//! connections), `timeout = 10` (seconds to wait for that).
//!
//! With `junit = "report.xml"`, the JUnit file the command writes (PHPUnit's `--log-junit`,
//! pytest's `--junitxml`) is read after it: its test cases become the test's cases, each one an
//! assertion, and the test fails if one of them failed (see `junit.rs`).
//!
//! Commands run with `sh -c` in the suite file's folder. Every assertion is counted: the exit
//! code is one, each `stdout_contains`, `stdout_matches` and `stderr_contains` is one more.
//!
//! A `tcp` test talks to a server; with `session`, the tests that depend on it continue on the
//! same connection, as "receive" must follow "send" on one connection:
//!
//! ```toml
//! [[test]]
//! name = "connect"
//! tcp = { connect = "127.0.0.1:25003", session = "main" }     # one assertion: it connected
//!
//! [[test]]
//! name = "echo"
//! depends = ["connect"]
//! tcp = { session = "main", send = "hello\n", expect_line = "hello" }   # the next line is "hello"
//! ```
//!
//! A test can `capture` a value (the first group of a regex over its stdout, or over the line a
//! tcp test read), which the tests that depend on it use as `${name}`, as PHPUnit hands a
//! test's return value to its dependents. A value is always data: in an `exec` command it is
//! one shell word (quoted for where it stands: bare, in '…' or in "…"), in a `sql` query a bound
//! parameter (or escaped text inside '…'), so a capture of `1; rm -rf x` or `1 OR 1=1` never
//! runs as code:
//!
//! An `http` test makes a request and checks the answer; a `sql` test runs a query on a SQLite
//! file and checks the rows; a `zmq` test sends a request on a REQ socket, or receives one
//! message on a SUB socket, and checks it:
//!
//! ```toml
//! [[test]]
//! name = "buy"
//! http = { method = "POST", url = "http://127.0.0.1:8080/buy", body = '{"user": 7}', status = 201, json = { "$.order.user" = 7 } }
//! capture_json = "$.order.id"
//!
//! [[test]]
//! name = "stock"
//! sql = { database = "shop.db", query = "SELECT stock FROM products WHERE id = 1", rows = [[99]] }
//!
//! [[test]]
//! name = "hello"
//! zmq = { request = "tcp://127.0.0.1:5559", send = "Hello", expect = "From Server1: Hello" }
//! ```
//!
//! ```toml
//! [[test]]
//! name = "create"
//! exec = "php client.php create"
//! capture = "id=(\\d+)"
//!
//! [[test]]
//! name = "fetch"
//! depends = ["create"]
//! exec = "php client.php fetch ${create}"
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

/// One suite file, read and checked.
#[derive(Debug)]
pub struct Suite {
    pub name: String,
    /// Suites that must pass before this one runs (by name; the line of the `depends` key).
    pub depends: Vec<String>,
    pub depends_line: usize,
    pub file: PathBuf,
    pub bootstrap: Option<Bootstrap>,
    pub tests: Vec<TestSpec>,
    /// Test names to their places in `tests`, so that a suite of 10,000 tests finds each
    /// dependency at once.
    pub positions: std::collections::HashMap<String, usize>,
}

impl Suite {
    /// Where the test called `name` is in `tests`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.positions.get(name).copied()
    }
}

/// A command started before the tests (a server, say) and stopped after them.
#[derive(Debug)]
pub struct Bootstrap {
    pub command: String,
    /// Tests start once 127.0.0.1 accepts connections on this port.
    pub ready_port: Option<u16>,
    /// How long to wait for that.
    pub timeout: Duration,
}

#[derive(Debug)]
pub struct TestSpec {
    pub name: String,
    /// Where the test's table starts in the suite file.
    pub line: usize,
    pub depends: Vec<String>,
    pub timeout: Duration,
    pub action: Action,
    /// What to keep from the output (stdout, or the line a tcp test read): the regex's first
    /// group, or all it matched. The tests that depend on this one use it as `${name}`.
    pub capture: Option<Regex>,
    /// The same from JSON output: the value at this path (`$.order.id`), as a JSON pointer.
    pub capture_json: Option<String>,
}

#[derive(Debug)]
pub enum Action {
    Exec(Exec),
    Tcp(Tcp),
    Http(Http),
    Sql(Sql),
    Zmq(Zmq),
}

impl Action {
    /// The texts in which `${name}` is replaced by what a dependency captured.
    pub fn texts(&self) -> Vec<&str> {
        let mut texts: Vec<&str> = Vec::new();
        match self {
            Action::Exec(exec) => texts.push(&exec.command),
            Action::Tcp(tcp) => texts.extend(
                [&tcp.send, &tcp.expect_line]
                    .into_iter()
                    .flatten()
                    .map(String::as_str),
            ),
            Action::Http(http) => {
                texts.push(&http.url);
                texts.extend(http.body.as_deref());
                texts.extend(http.headers.iter().map(|(_, value)| value.as_str()));
                texts.extend(http.body_contains.iter().map(String::as_str));
            }
            Action::Sql(sql) => texts.push(&sql.query),
            Action::Zmq(zmq) => {
                if let ZmqPattern::Request { send, .. } = &zmq.pattern {
                    texts.push(send);
                }
                texts.extend(zmq.expect.as_deref());
            }
        }
        texts
    }
}

/// One HTTP request and what its answer must be.
#[derive(Debug)]
pub struct Http {
    pub method: String,
    pub url: String,
    pub body: Option<String>,
    pub headers: Vec<(String, String)>,
    /// The status code (default: any 2xx).
    pub status: Option<u16>,
    /// Response headers that must contain these texts (names in any case).
    pub header_contains: Vec<(String, String)>,
    pub body_contains: Vec<String>,
    pub body_matches: Vec<Regex>,
    /// JSON paths (`$.order.id` or a JSON pointer `/order/id`) and the values found there.
    pub json: Vec<(String, serde_json::Value)>,
}

/// A query on a SQLite file and the rows it must give.
#[derive(Debug)]
pub struct Sql {
    /// Relative to the suite file's folder.
    pub database: String,
    pub query: String,
    /// Every row, each cell as text (`NULL` for null).
    pub rows: Option<Vec<Vec<String>>>,
    pub row_count: Option<usize>,
}

/// A ZeroMQ request (REQ) or one message received on a subscription (SUB).
#[derive(Debug)]
pub struct Zmq {
    pub pattern: ZmqPattern,
    /// The reply or message must be exactly this.
    pub expect: Option<String>,
    pub expect_matches: Option<Regex>,
}

#[derive(Debug)]
pub enum ZmqPattern {
    Request { endpoint: String, send: String },
    Subscribe { endpoint: String, topic: String },
}

/// Connect (or continue a session), send, and check the lines that come back.
#[derive(Debug)]
pub struct Tcp {
    /// Open a new connection here (else continue `session`).
    pub connect: Option<String>,
    /// The connection's name, shared with the tests that depend on this one.
    pub session: Option<String>,
    pub send: Option<String>,
    /// The next line must be exactly this (without its newline).
    pub expect_line: Option<String>,
    /// The next line must match this (the same line `expect_line` checks).
    pub expect_matches: Option<Regex>,
}

/// Run a command; check its exit code and output.
#[derive(Debug)]
pub struct Exec {
    pub command: String,
    /// A JUnit file the command writes (relative to the suite's folder), whose test cases
    /// become this test's cases.
    pub junit: Option<String>,
    pub exit: i32,
    pub stdout_contains: Vec<String>,
    pub stdout_matches: Vec<Regex>,
    pub stderr_contains: Vec<String>,
}

impl TestSpec {
    /// How many assertions the test makes (a capture is one: its pattern must match).
    pub fn assertions(&self) -> u32 {
        self.capture.is_some() as u32
            + self.capture_json.is_some() as u32
            + match &self.action {
                Action::Exec(exec) => {
                    1 + (exec.stdout_contains.len()
                        + exec.stdout_matches.len()
                        + exec.stderr_contains.len()) as u32
                }
                Action::Tcp(tcp) => {
                    tcp.connect.is_some() as u32
                        + tcp.expect_line.is_some() as u32
                        + tcp.expect_matches.is_some() as u32
                }
                Action::Http(http) => {
                    1 + (http.header_contains.len()
                        + http.body_contains.len()
                        + http.body_matches.len()
                        + http.json.len()) as u32
                }
                Action::Sql(sql) => sql.rows.is_some() as u32 + sql.row_count.is_some() as u32,
                Action::Zmq(zmq) => {
                    1 + zmq.expect.is_some() as u32 + zmq.expect_matches.is_some() as u32
                }
            }
    }
}

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuite {
    name: String,
    depends: Option<Spanned<Vec<String>>>,
    bootstrap: Option<RawBootstrap>,
    #[serde(default, rename = "test")]
    tests: Vec<Spanned<RawTest>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBootstrap {
    command: String,
    ready_port: Option<u16>,
    timeout: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTest {
    name: String,
    #[serde(default)]
    depends: Vec<String>,
    timeout: Option<f64>,
    exec: Option<RawExec>,
    tcp: Option<RawTcp>,
    http: Option<RawHttp>,
    sql: Option<RawSql>,
    zmq: Option<RawZmq>,
    capture: Option<String>,
    capture_json: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    #[serde(default = "get")]
    method: String,
    url: String,
    body: Option<String>,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, String>,
    status: Option<u16>,
    #[serde(default)]
    header_contains: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    body_contains: OneOrMany,
    #[serde(default)]
    body_matches: OneOrMany,
    #[serde(default)]
    json: toml::Table,
}

fn get() -> String {
    "GET".to_string()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSql {
    database: String,
    query: String,
    rows: Option<Vec<Vec<toml::Value>>>,
    row_count: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawZmq {
    request: Option<String>,
    send: Option<String>,
    subscribe: Option<String>,
    #[serde(default)]
    topic: String,
    expect: Option<String>,
    expect_matches: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTcp {
    connect: Option<String>,
    session: Option<String>,
    send: Option<String>,
    expect_line: Option<String>,
    expect_matches: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawExec {
    Command(String),
    Full(RawExecTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExecTable {
    command: String,
    junit: Option<String>,
    #[serde(default)]
    exit: i32,
    #[serde(default)]
    stdout_contains: OneOrMany,
    #[serde(default)]
    stdout_matches: OneOrMany,
    #[serde(default)]
    stderr_contains: OneOrMany,
}

/// A text, or a list of texts.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(text) => vec![text],
            OneOrMany::Many(texts) => texts,
        }
    }
}

/// A JSON path as a JSON pointer: `$.order.items[0].id` → `/order/items/0/id`; a pointer
/// (`/order/id`) stays as it is.
pub fn json_pointer(path: &str) -> Result<String, String> {
    if path.is_empty() || path.starts_with('/') {
        return Ok(path.to_string());
    }
    let Some(rest) = path.strip_prefix('$') else {
        return Err(format!(
            "\"{path}\" is not a JSON path: write $.name.0 (or $.name[0]), or a JSON pointer /name/0"
        ));
    };
    let mut pointer = String::new();
    for part in rest.replace('[', ".").replace(']', "").split('.') {
        if part.is_empty() {
            continue;
        }
        pointer.push('/');
        pointer.push_str(&part.replace('~', "~0").replace('/', "~1"));
    }
    Ok(pointer)
}

/// A TOML value written as a SQL cell is compared: `1`, `1.5`, `text`, and `true` as `1`.
fn cell_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        toml::Value::Boolean(flag) => (*flag as i32).to_string(),
        other => other.to_string(),
    }
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Reads and checks a suite file. Errors are one line: `file:line: what is wrong`.
pub fn load(file: &Path) -> Result<Suite, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|error| format!("{}: cannot read the suite: {error}", file.display()))?;
    parse(&text, file)
}

/// Checks a suite's text; `file` names it in errors and is where its commands run.
pub fn parse(text: &str, file: &Path) -> Result<Suite, String> {
    let shown = file.display();
    let raw: RawSuite = toml::from_str(text).map_err(|error| {
        let line = error
            .span()
            .map(|span| line_of(text, span.start))
            .unwrap_or(1);
        let message = error.message().replace('\n', " ");
        format!("{shown}:{line}: {message}")
    })?;
    let mut tests = Vec::new();
    let mut positions = std::collections::HashMap::new();
    for spanned in raw.tests {
        let line = line_of(text, spanned.span().start);
        let raw_test = spanned.into_inner();
        let at = |message: String| format!("{shown}:{line}: test '{}': {message}", raw_test.name);
        if raw_test.name.trim().is_empty() || raw_test.name.contains("::") {
            return Err(format!(
                "{shown}:{line}: a test needs a name without '::' (that separates suite and test)"
            ));
        }
        let timeout = match raw_test.timeout {
            None => DEFAULT_TIMEOUT,
            Some(seconds) => match lab_core::seconds::positive(seconds) {
                Some(timeout) => timeout,
                None => {
                    return Err(at(format!(
                        "timeout {seconds} is not {}",
                        lab_core::seconds::expected()
                    )));
                }
            },
        };
        let regex = |pattern: String, key: &str| {
            Regex::new(&pattern).map_err(|error| {
                at(format!(
                    "{key} '{pattern}' is not a valid regex: {}",
                    error.to_string().lines().last().unwrap_or("")
                ))
            })
        };
        let actions = [
            raw_test.exec.is_some(),
            raw_test.tcp.is_some(),
            raw_test.http.is_some(),
            raw_test.sql.is_some(),
            raw_test.zmq.is_some(),
        ];
        match actions.iter().filter(|given| **given).count() {
            0 => {
                return Err(at(
                    "no action: give it exec = \"a command\" (or an exec table), or a tcp, http, sql or zmq table"
                        .to_string(),
                ));
            }
            1 => {}
            _ => {
                return Err(at(
                    "one action per test: exec, tcp, http, sql or zmq, not several".to_string(),
                ));
            }
        }
        let action = if let Some(tcp) = raw_test.tcp {
            if tcp.connect.is_none() && tcp.session.is_none() {
                return Err(at(
                    "a tcp test needs connect = \"host:port\", or the session of a test it depends on"
                        .to_string(),
                ));
            }
            Action::Tcp(Tcp {
                connect: tcp.connect,
                session: tcp.session,
                send: tcp.send,
                expect_line: tcp.expect_line,
                expect_matches: tcp
                    .expect_matches
                    .map(|pattern| regex(pattern, "expect_matches"))
                    .transpose()?,
            })
        } else if let Some(http) = raw_test.http {
            Action::Http(Http {
                method: http.method.to_ascii_uppercase(),
                url: http.url,
                body: http.body,
                headers: http.headers.into_iter().collect(),
                status: http.status,
                header_contains: http.header_contains.into_iter().collect(),
                body_contains: http.body_contains.into_vec(),
                body_matches: http
                    .body_matches
                    .into_vec()
                    .into_iter()
                    .map(|pattern| regex(pattern, "body_matches"))
                    .collect::<Result<Vec<_>, _>>()?,
                json: http
                    .json
                    .into_iter()
                    .map(|(path, value)| {
                        let pointer = json_pointer(&path).map_err(&at)?;
                        let value = serde_json::to_value(value)
                            .map_err(|problem| at(format!("json \"{path}\": {problem}")))?;
                        Ok((pointer, value))
                    })
                    .collect::<Result<Vec<_>, String>>()?,
            })
        } else if let Some(sql) = raw_test.sql {
            Action::Sql(Sql {
                database: sql.database,
                query: sql.query,
                rows: sql.rows.map(|rows| {
                    rows.iter()
                        .map(|row| row.iter().map(cell_text).collect())
                        .collect()
                }),
                row_count: sql.row_count,
            })
        } else if let Some(zmq) = raw_test.zmq {
            let pattern = match (zmq.request, zmq.subscribe) {
                (Some(endpoint), None) => ZmqPattern::Request {
                    endpoint,
                    send: zmq.send.ok_or_else(|| {
                        at("a zmq request needs send = \"the request\"".to_string())
                    })?,
                },
                (None, Some(endpoint)) => ZmqPattern::Subscribe {
                    endpoint,
                    topic: zmq.topic,
                },
                _ => {
                    return Err(at(
                        "a zmq test needs request = \"tcp://host:port\" (a REQ socket) or subscribe = \"tcp://host:port\" (a SUB socket), one of them"
                            .to_string(),
                    ));
                }
            };
            Action::Zmq(Zmq {
                pattern,
                expect: zmq.expect,
                expect_matches: zmq
                    .expect_matches
                    .map(|pattern| regex(pattern, "expect_matches"))
                    .transpose()?,
            })
        } else {
            match raw_test.exec {
                Some(RawExec::Command(command)) => Action::Exec(Exec {
                    command,
                    junit: None,
                    exit: 0,
                    stdout_contains: Vec::new(),
                    stdout_matches: Vec::new(),
                    stderr_contains: Vec::new(),
                }),
                Some(RawExec::Full(table)) => {
                    let stdout_matches = table
                        .stdout_matches
                        .into_vec()
                        .into_iter()
                        .map(|pattern| regex(pattern, "stdout_matches"))
                        .collect::<Result<Vec<_>, _>>()?;
                    Action::Exec(Exec {
                        command: table.command,
                        junit: table.junit,
                        exit: table.exit,
                        stdout_contains: table.stdout_contains.into_vec(),
                        stdout_matches,
                        stderr_contains: table.stderr_contains.into_vec(),
                    })
                }
                None => unreachable!("one action was counted"),
            }
        };
        if positions.contains_key(&raw_test.name) {
            return Err(at("a second test with this name".to_string()));
        }
        positions.insert(raw_test.name.clone(), tests.len());
        let capture = raw_test
            .capture
            .map(|pattern| regex(pattern, "capture"))
            .transpose()?;
        let capture_json = raw_test
            .capture_json
            .map(|path| json_pointer(&path).map_err(at))
            .transpose()?;
        tests.push(TestSpec {
            name: raw_test.name,
            line,
            depends: raw_test.depends,
            timeout,
            action,
            capture,
            capture_json,
        });
    }
    if tests.is_empty() {
        return Err(format!(
            "{shown}: suite '{}' has no tests: add [[test]] tables",
            raw.name
        ));
    }
    let bootstrap = match raw.bootstrap {
        None => None,
        Some(bootstrap) => Some(Bootstrap {
            command: bootstrap.command,
            ready_port: bootstrap.ready_port,
            timeout: match bootstrap.timeout {
                None => Duration::from_secs(10),
                Some(seconds) => match lab_core::seconds::positive(seconds) {
                    Some(timeout) => timeout,
                    None => {
                        return Err(format!(
                            "{shown}: bootstrap timeout {seconds} is not {}",
                            lab_core::seconds::expected()
                        ));
                    }
                },
            },
        }),
    };
    let depends_line = raw
        .depends
        .as_ref()
        .map_or(1, |depends| line_of(text, depends.span().start));
    Ok(Suite {
        name: raw.name,
        depends: raw.depends.map(Spanned::into_inner).unwrap_or_default(),
        depends_line,
        file: file.to_path_buf(),
        bootstrap,
        tests,
        positions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simplest_suite_stays_simple() {
        let suite = parse(
            r#"name = "rpc"
[[test]]
name = "server_builds"
exec = "cargo build -p rpc-server"
[[test]]
name = "send_get"
depends = ["server_builds"]
exec = "php client.php send 567"
"#,
            Path::new("rpc.toml"),
        )
        .unwrap();
        assert_eq!(suite.name, "rpc");
        assert_eq!(suite.tests.len(), 2);
        assert_eq!(suite.tests[1].depends, ["server_builds"]);
        assert_eq!(suite.tests[1].line, 5);
        assert_eq!(suite.tests[1].assertions(), 1);
    }

    #[test]
    fn an_exec_table_counts_its_assertions() {
        let suite = parse(
            r#"name = "s"
[[test]]
name = "t"
exec = { command = "echo hi", stdout_contains = ["h", "i"], stdout_matches = "h.", stderr_contains = "x" }
"#,
            Path::new("s.toml"),
        )
        .unwrap();
        assert_eq!(suite.tests[0].assertions(), 5);
    }

    #[test]
    fn json_paths_become_json_pointers() {
        assert_eq!(
            json_pointer("$.order.items[0].id").unwrap(),
            "/order/items/0/id"
        );
        assert_eq!(json_pointer("$.a/b").unwrap(), "/a~1b");
        assert_eq!(json_pointer("/order/id").unwrap(), "/order/id");
        assert!(
            json_pointer("order.id")
                .unwrap_err()
                .contains("not a JSON path")
        );
    }

    #[test]
    fn every_action_counts_its_assertions() {
        let suite = parse(
            r#"name = "s"
[[test]]
name = "h"
http = { url = "http://127.0.0.1:1/", header_contains = { a = "b" }, body_contains = ["x", "y"], json = { "$.a" = 1 } }
capture_json = "$.id"
[[test]]
name = "q"
sql = { database = "d.db", query = "SELECT 1", rows = [[1]], row_count = 1 }
[[test]]
name = "z"
zmq = { subscribe = "tcp://127.0.0.1:1", expect = "B x" }
"#,
            Path::new("s.toml"),
        )
        .unwrap();
        let counts: Vec<u32> = suite.tests.iter().map(TestSpec::assertions).collect();
        assert_eq!(counts, [6, 2, 2]);
        let error = parse(
            "name = \"s\"\n[[test]]\nname = \"t\"\nzmq = { send = \"x\" }\n",
            Path::new("s.toml"),
        )
        .unwrap_err();
        assert!(
            error.starts_with("s.toml:2: test 't': a zmq test needs request"),
            "{error}"
        );
    }

    #[test]
    fn mistakes_name_the_file_and_line() {
        let error = |text: &str| parse(text, Path::new("s.toml")).unwrap_err();
        assert_eq!(
            error("name = \"s\"\n[[test]]\nname = \"t\"\n"),
            "s.toml:2: test 't': no action: give it exec = \"a command\" (or an exec table), or a tcp, http, sql or zmq table"
        );
        assert!(
            error("name = \"s\"\n[[test]]\nname = \"t\"\nexec = \"true\"\n[[test]]\nname = \"t\"\nexec = \"true\"\n")
                .starts_with("s.toml:5: test 't': a second test"),
        );
        assert!(error("name = \"s\"\n[[test]]\nname = \"t\"\nexec = { command = \"x\", stdout_matches = \"(\" }\n").contains("not a valid regex"));
        assert!(error("name = \"s\"\n[[tset]]\n").starts_with("s.toml:"));
        assert!(!error("name = \"s\"\n[[tset]]\n").contains('\n'));
    }
}
