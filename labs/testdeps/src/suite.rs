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
//! A `[bootstrap]` table starts a command before the tests (a server) and stops it after them:
//! `command = "php -S 127.0.0.1:8080"`, `ready_port = 8080` (tests wait until it accepts
//! connections), `timeout = 10` (seconds to wait for that).
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
//! test's return value to its dependents:
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
    pub file: PathBuf,
    pub bootstrap: Option<Bootstrap>,
    pub tests: Vec<TestSpec>,
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
}

#[derive(Debug)]
pub enum Action {
    Exec(Exec),
    Tcp(Tcp),
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
    pub exit: i32,
    pub stdout_contains: Vec<String>,
    pub stdout_matches: Vec<Regex>,
    pub stderr_contains: Vec<String>,
}

impl TestSpec {
    /// How many assertions the test makes (a capture is one: its pattern must match).
    pub fn assertions(&self) -> u32 {
        self.capture.is_some() as u32
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
            }
    }
}

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuite {
    name: String,
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
    capture: Option<String>,
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
            Some(seconds) if seconds > 0.0 && seconds.is_finite() => {
                Duration::from_secs_f64(seconds)
            }
            Some(seconds) => {
                return Err(at(format!(
                    "timeout {seconds} is not a number of seconds above 0"
                )));
            }
        };
        let regex = |pattern: String, key: &str| {
            Regex::new(&pattern).map_err(|error| {
                at(format!(
                    "{key} '{pattern}' is not a valid regex: {}",
                    error.to_string().lines().last().unwrap_or("")
                ))
            })
        };
        let action = match (raw_test.exec, raw_test.tcp) {
            (Some(_), Some(_)) => {
                return Err(at("one action per test: exec or tcp, not both".to_string()));
            }
            (None, Some(tcp)) => {
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
            }
            (None, None) => {
                return Err(at(
                    "no action: give it exec = \"a command\" (or an exec table) or a tcp table"
                        .to_string(),
                ));
            }
            (Some(RawExec::Command(command)), None) => Action::Exec(Exec {
                command,
                exit: 0,
                stdout_contains: Vec::new(),
                stdout_matches: Vec::new(),
                stderr_contains: Vec::new(),
            }),
            (Some(RawExec::Full(table)), None) => {
                let stdout_matches = table
                    .stdout_matches
                    .into_vec()
                    .into_iter()
                    .map(|pattern| regex(pattern, "stdout_matches"))
                    .collect::<Result<Vec<_>, _>>()?;
                Action::Exec(Exec {
                    command: table.command,
                    exit: table.exit,
                    stdout_contains: table.stdout_contains.into_vec(),
                    stdout_matches,
                    stderr_contains: table.stderr_contains.into_vec(),
                })
            }
        };
        if tests
            .iter()
            .any(|test: &TestSpec| test.name == raw_test.name)
        {
            return Err(at("a second test with this name".to_string()));
        }
        let capture = raw_test
            .capture
            .map(|pattern| regex(pattern, "capture"))
            .transpose()?;
        tests.push(TestSpec {
            name: raw_test.name,
            line,
            depends: raw_test.depends,
            timeout,
            action,
            capture,
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
                Some(seconds) if seconds > 0.0 && seconds.is_finite() => {
                    Duration::from_secs_f64(seconds)
                }
                Some(seconds) => {
                    return Err(format!(
                        "{shown}: bootstrap timeout {seconds} is not a number of seconds above 0"
                    ));
                }
            },
        }),
    };
    Ok(Suite {
        name: raw.name,
        file: file.to_path_buf(),
        bootstrap,
        tests,
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
    fn mistakes_name_the_file_and_line() {
        let error = |text: &str| parse(text, Path::new("s.toml")).unwrap_err();
        assert_eq!(
            error("name = \"s\"\n[[test]]\nname = \"t\"\n"),
            "s.toml:2: test 't': no action: give it exec = \"a command\" (or an exec table) or a tcp table"
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
