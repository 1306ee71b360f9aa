//! Running a suite: in dependency order, independent tests in parallel, with PHPUnit's
//! `@depends` rule: a test whose dependency did not pass is **skipped**, not run and not
//! failed, with a message naming that dependency; and its own dependents are skipped in turn.
//!
//! ```text
//!   while tests are left:
//!       take a test whose dependencies have all finished
//!       if one of them did not pass: skip it ("depends on 'send', which failed")
//!       else: run it on a free worker (at most --jobs at once)
//! ```
//!
//! A **failure** is an assertion that did not hold (exit code 1 where 0 was expected); an
//! **error** is a test that could not do its work at all (the command was not found, it ran past
//! its timeout). Both count against the run; a skip does not, but says why.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};

use crate::suite::{Action, Exec, Suite, Tcp, TestSpec};

/// Open connections by session name, handed from a test to the tests that depend on it.
type Sessions = Mutex<HashMap<String, BufReader<TcpStream>>>;

/// How a test ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Passed,
    /// An assertion did not hold.
    Failed {
        message: String,
        expected: String,
        actual: String,
    },
    /// The test could not do its work.
    Error {
        message: String,
    },
    Skipped {
        reason: String,
    },
}

impl Outcome {
    /// PHPUnit's progress character.
    pub fn symbol(&self) -> char {
        match self {
            Outcome::Passed => '.',
            Outcome::Failed { .. } => 'F',
            Outcome::Error { .. } => 'E',
            Outcome::Skipped { .. } => 'S',
        }
    }

    pub fn what(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed { .. } => "failed",
            Outcome::Error { .. } => "errored",
            Outcome::Skipped { .. } => "was skipped",
        }
    }
}

#[derive(Clone, Debug)]
pub struct TestResult {
    /// The test's index in the suite.
    pub index: usize,
    pub outcome: Outcome,
    /// Assertions evaluated (a test stops at its first failing one).
    pub assertions: u32,
    pub seconds: f64,
    /// What the test captured for its dependents (`${name}`).
    pub captured: Option<String>,
    /// The cases of the JUnit file an `exec` test imported (`junit = "…"`).
    pub cases: Vec<crate::junit::Case>,
}

/// What the tests of suites that ran before came to, by `suite::test`, for the tests that
/// depend on them.
pub type Earlier = HashMap<String, TestResult>;

/// Runs the `selected` tests of `suite` (all when `None`) with at most `jobs` at once;
/// `on_finish` hears of each result as it comes. Returns the results in suite order.
pub fn run(
    suite: &Suite,
    selected: Option<&std::collections::BTreeSet<usize>>,
    jobs: usize,
    on_finish: &(dyn Fn(&TestResult) + Sync),
) -> Vec<TestResult> {
    run_until(suite, selected, jobs, &Earlier::new(), &|| false, on_finish)
}

/// [`run`], with the results of earlier suites for `suite::test` dependencies, and stopping
/// early when `stop` says so (Ctrl-C): the commands running are stopped and count as errors,
/// the tests not started are skipped.
///
/// The scheduler keeps, for each test, how many of its dependencies have not finished; a test
/// whose count reaches zero joins the ready set, and a free worker takes the first ready test
/// in file order. So each step costs the same however long the suite is.
pub fn run_until(
    suite: &Suite,
    selected: Option<&std::collections::BTreeSet<usize>>,
    jobs: usize,
    earlier: &Earlier,
    stop: &(dyn Fn() -> bool + Sync),
    on_finish: &(dyn Fn(&TestResult) + Sync),
) -> Vec<TestResult> {
    run_watched(suite, selected, jobs, earlier, stop, &|_| {}, on_finish)
}

/// [`run_until`], telling `on_start` which test starts running (a skipped test never starts).
pub fn run_watched(
    suite: &Suite,
    selected: Option<&std::collections::BTreeSet<usize>>,
    jobs: usize,
    earlier: &Earlier,
    stop: &(dyn Fn() -> bool + Sync),
    on_start: &(dyn Fn(usize) + Sync),
    on_finish: &(dyn Fn(&TestResult) + Sync),
) -> Vec<TestResult> {
    let count = suite.tests.len();
    let wanted = |index: usize| selected.is_none_or(|selected| selected.contains(&index));
    let dependencies: Vec<Vec<usize>> = suite
        .tests
        .iter()
        .map(|test| {
            test.depends
                .iter()
                .filter_map(|name| crate::graph::index_of(suite, name))
                .collect()
        })
        .collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (index, needs) in dependencies.iter().enumerate() {
        for dependency in needs {
            dependents[*dependency].push(index);
        }
    }
    struct Board {
        /// Dependencies of each test not finished yet.
        unfinished: Vec<usize>,
        /// Tests whose dependencies have all finished, not started yet.
        ready: std::collections::BTreeSet<usize>,
        /// Wanted tests not finished yet.
        left: usize,
        results: Vec<Option<TestResult>>,
    }
    let unfinished: Vec<usize> = dependencies.iter().map(Vec::len).collect();
    let board = Mutex::new(Board {
        ready: (0..count)
            .filter(|index| wanted(*index) && unfinished[*index] == 0)
            .collect(),
        unfinished,
        left: (0..count).filter(|index| wanted(*index)).count(),
        results: vec![None; count],
    });
    let changed = Condvar::new();
    let sessions: Sessions = Mutex::new(HashMap::new());
    let finish = |board: &mut Board, result: TestResult| {
        on_finish(&result);
        let index = result.index;
        board.results[index] = Some(result);
        board.left -= 1;
        for dependent in &dependents[index] {
            board.unfinished[*dependent] -= 1;
            if board.unfinished[*dependent] == 0 && wanted(*dependent) {
                board.ready.insert(*dependent);
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| {
                let mut guard = board
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                loop {
                    if guard.left == 0 {
                        changed.notify_all();
                        return;
                    }
                    let Some(index) = guard.ready.pop_first() else {
                        guard = changed
                            .wait(guard)
                            .unwrap_or_else(|poisoned| poisoned.into_inner());
                        continue;
                    };
                    let test = &suite.tests[index];
                    let interrupted = stop().then(|| "the run was interrupted".to_string());
                    let unmet = interrupted.or_else(|| {
                        test.depends.iter().find_map(|name| {
                            match dependency_result(suite, &guard.results, earlier, name) {
                                None => Some(format!("depends on '{name}', which did not run")),
                                Some(result) if result.outcome != Outcome::Passed => Some(format!(
                                    "depends on '{name}', which {}",
                                    result.outcome.what()
                                )),
                                Some(_) => None,
                            }
                        })
                    });
                    if let Some(reason) = unmet {
                        finish(
                            &mut guard,
                            TestResult {
                                index,
                                outcome: Outcome::Skipped { reason },
                                assertions: 0,
                                seconds: 0.0,
                                captured: None,
                                cases: Vec::new(),
                            },
                        );
                        changed.notify_all();
                        continue;
                    }
                    // What the dependencies captured, for `${name}` in this test.
                    let values: HashMap<String, String> = test
                        .depends
                        .iter()
                        .filter_map(|name| {
                            let result = dependency_result(suite, &guard.results, earlier, name)?;
                            Some((name.clone(), result.captured.clone()?))
                        })
                        .collect();
                    drop(guard);
                    on_start(index);
                    let result = run_test(suite, index, &sessions, &values, stop);
                    guard = board
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    finish(&mut guard, result);
                    // This worker takes the next ready test itself: others are woken only for
                    // more than one, or for the end.
                    if guard.ready.len() > 1 || guard.left == 0 {
                        changed.notify_all();
                    }
                }
            });
        }
    });
    let board = board
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    board.results.into_iter().flatten().collect()
}

/// A dependency's result: a test of this suite (finished before its dependents start), or one
/// of an earlier suite (`suite::test`).
fn dependency_result<'a>(
    suite: &Suite,
    results: &'a [Option<TestResult>],
    earlier: &'a Earlier,
    name: &str,
) -> Option<&'a TestResult> {
    match suite.index_of(name) {
        Some(index) => results[index].as_ref(),
        None => earlier.get(name),
    }
}

/// Runs one test by itself, outside the scheduler, with nothing from its dependencies: what a
/// plain loop over the tests would do (the benchmark's reference).
pub fn run_alone(suite: &Suite, index: usize) -> TestResult {
    run_test(
        suite,
        index,
        &Mutex::new(HashMap::new()),
        &HashMap::new(),
        &|| false,
    )
}

/// Every wanted test of a suite skipped, for a suite whose suite dependency did not pass.
pub fn skip_all(
    suite: &Suite,
    selected: Option<&std::collections::BTreeSet<usize>>,
    reason: &str,
    on_finish: &(dyn Fn(&TestResult) + Sync),
) -> Vec<TestResult> {
    (0..suite.tests.len())
        .filter(|index| selected.is_none_or(|selected| selected.contains(index)))
        .map(|index| {
            let result = TestResult {
                index,
                outcome: Outcome::Skipped {
                    reason: reason.to_string(),
                },
                assertions: 0,
                seconds: 0.0,
                captured: None,
                cases: Vec::new(),
            };
            on_finish(&result);
            result
        })
        .collect()
}

fn run_test(
    suite: &Suite,
    index: usize,
    sessions: &Sessions,
    values: &HashMap<String, String>,
    stop: &(dyn Fn() -> bool + Sync),
) -> TestResult {
    let test = &suite.tests[index];
    let started = Instant::now();
    let folder = suite
        .file
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let report_file = match &test.action {
        Action::Exec(Exec {
            junit: Some(file), ..
        }) => {
            // A report left from an earlier run must not pass for this one.
            let file = folder.join(file);
            let _ = std::fs::remove_file(&file);
            Some(file)
        }
        _ => None,
    };
    let (mut outcome, mut assertions, output) = match &test.action {
        Action::Exec(exec) => run_exec(test, exec, folder, values, stop),
        Action::Tcp(tcp) => run_tcp(test, tcp, sessions, values),
        Action::Http(http) => crate::http::run(test, http, values),
        Action::Sql(sql) => crate::sql::run(test, sql, folder, values),
        Action::Zmq(zmq) => crate::zeromq::run(test, zmq, values),
    };
    let mut cases = Vec::new();
    if let Some(file) = &report_file
        && !matches!(outcome, Outcome::Error { .. })
    {
        match import_cases(file) {
            Ok(imported) => {
                assertions += imported
                    .iter()
                    .filter(|case| case.outcome != "skipped")
                    .count() as u32;
                if let Some(failed) = failed_cases(file, &imported) {
                    outcome = failed;
                }
                cases = imported;
            }
            Err(message) => outcome = Outcome::Error { message },
        }
    }
    let mut captured = None;
    if let (Outcome::Passed, Some(pointer)) = (&outcome, &test.capture_json) {
        assertions += 1;
        let found = serde_json::from_str::<serde_json::Value>(&output)
            .ok()
            .and_then(|document| document.pointer(pointer).cloned());
        match found {
            Some(serde_json::Value::String(text)) => captured = Some(text),
            Some(value) => captured = Some(value.to_string()),
            None => {
                outcome = Outcome::Failed {
                    message: "capturing a value for the tests that depend on this one".to_string(),
                    expected: format!("JSON with a value at {pointer}"),
                    actual: shown(&output),
                };
            }
        }
    }
    if let (Outcome::Passed, Some(pattern)) = (&outcome, &test.capture) {
        assertions += 1;
        match pattern.captures(&output) {
            Some(found) => {
                let value = found
                    .get(1)
                    .or_else(|| found.get(0))
                    .map(|value| value.as_str());
                captured = value.map(str::to_string);
            }
            None => {
                outcome = Outcome::Failed {
                    message: "capturing a value for the tests that depend on this one".to_string(),
                    expected: format!("output matching /{pattern}/"),
                    actual: shown(&output),
                };
            }
        }
    }
    TestResult {
        index,
        outcome,
        assertions,
        seconds: started.elapsed().as_secs_f64(),
        captured,
        cases,
    }
}

/// The cases of the JUnit file a command wrote.
fn import_cases(file: &std::path::Path) -> Result<Vec<crate::junit::Case>, String> {
    let text = std::fs::read_to_string(file).map_err(|problem| {
        format!(
            "the command wrote no JUnit report at {}: {problem}",
            file.display()
        )
    })?;
    crate::junit::read_cases(&text).map_err(|problem| format!("{}: {problem}", file.display()))
}

/// A failure naming the imported cases that failed or errored, if any did.
fn failed_cases(file: &std::path::Path, cases: &[crate::junit::Case]) -> Option<Outcome> {
    let bad: Vec<&crate::junit::Case> = cases
        .iter()
        .filter(|case| matches!(case.outcome, "failed" | "error"))
        .collect();
    if bad.is_empty() {
        return None;
    }
    let listed: Vec<String> = bad
        .iter()
        .take(5)
        .map(|case| format!("{} {}: {}", case.name, case.outcome, case.message))
        .collect();
    let more = if bad.len() > 5 {
        format!(" (and {} more)", bad.len() - 5)
    } else {
        String::new()
    };
    Some(Outcome::Failed {
        message: format!(
            "{} of the {} cases in {} did not pass",
            bad.len(),
            cases.len(),
            file.display()
        ),
        expected: "every imported case passing".to_string(),
        actual: format!("{}{more}", listed.join("; ")),
    })
}

/// `text` with every `${name}` replaced by what test `name` captured, as it is.
pub(crate) fn fill(text: &str, values: &HashMap<String, String>) -> String {
    fill_with(text, values, |_, value| value.to_string())
}

/// `text` with every `${name}` that has a value replaced by `replace(text before it, value)`.
pub(crate) fn fill_with(
    text: &str,
    values: &HashMap<String, String>,
    mut replace: impl FnMut(&str, &str) -> String,
) -> String {
    let mut filled = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let Some(length) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 2..start + length];
        filled.push_str(&rest[..start]);
        match values.get(name) {
            Some(value) => {
                let replaced = replace(&filled, value);
                filled.push_str(&replaced);
            }
            None => filled.push_str(&rest[start..start + length + 1]),
        }
        rest = &rest[start + length + 1..];
    }
    filled.push_str(rest);
    filled
}

/// Where a shell is at the end of `before`: outside quotes, inside '…' or inside "…".
#[derive(Clone, Copy, PartialEq, Eq)]
enum ShellQuote {
    None,
    Single,
    Double,
}

fn shell_quote_at(before: &str) -> ShellQuote {
    let mut state = ShellQuote::None;
    let mut escaped = false;
    for character in before.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        state = match (state, character) {
            (ShellQuote::Single, '\'') => ShellQuote::None,
            (ShellQuote::Single, _) => ShellQuote::Single,
            (_, '\\') => {
                escaped = true;
                state
            }
            (ShellQuote::None, '\'') => ShellQuote::Single,
            (ShellQuote::None, '"') => ShellQuote::Double,
            (ShellQuote::Double, '"') => ShellQuote::None,
            (state, _) => state,
        };
    }
    state
}

/// A captured value put into a shell command as text, never as code: `id=(.*)` over
/// `1; touch pwned` stays the one word `1; touch pwned`, wherever `${id}` stands (bare, in '…'
/// or in "…").
pub(crate) fn fill_shell(command: &str, values: &HashMap<String, String>) -> String {
    fill_with(command, values, |before, value| {
        match shell_quote_at(before) {
            ShellQuote::None => format!("'{}'", value.replace('\'', "'\\''")),
            ShellQuote::Single => value.replace('\'', "'\\''"),
            ShellQuote::Double => {
                let mut escaped = String::with_capacity(value.len());
                for character in value.chars() {
                    if matches!(character, '\\' | '$' | '`' | '"') {
                        escaped.push('\\');
                    }
                    escaped.push(character);
                }
                escaped
            }
        }
    })
}

/// Output kept of a command, at most (a command printing forever must not fill memory).
const MOST_OUTPUT: usize = 1024 * 1024;

/// How long a finished command's pipes may stay open (held by something it left behind).
const PIPE_GRACE: Duration = Duration::from_secs(1);

/// Runs the command; returns how it went, the assertions made, and its stdout.
fn run_exec(
    test: &TestSpec,
    exec: &Exec,
    folder: &std::path::Path,
    values: &HashMap<String, String>,
    stop: &(dyn Fn() -> bool + Sync),
) -> (Outcome, u32, String) {
    let command = fill_shell(&exec.command, values);
    let error = |message: String| (Outcome::Error { message }, 0, String::new());
    let marker = lab_core::processes::Marker::new();
    let mut shell = shell(&command, folder);
    marker.apply(&mut shell);
    let spawned = shell.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(problem) => return error(format!("cannot start sh for `{command}`: {problem}")),
    };
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        pipe.map(|pipe| lab_core::processes::Drain::start(pipe, MOST_OUTPUT))
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
    );
    // A thread waits for the command, so that its end is heard at once; this one wakes every
    // 50 ms to look at the deadline and at Ctrl-C.
    let group = child.id() as i32;
    let (ended, waited) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = ended.send(child.wait());
    });
    let deadline = Instant::now() + test.timeout;
    let status = loop {
        let slice = deadline
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(50));
        match waited.recv_timeout(slice) {
            Ok(Ok(status)) => break Some(status),
            Ok(Err(_)) => break None,
            Err(_) if Instant::now() < deadline && !stop() => {}
            Err(_) => break None,
        }
    };
    // The test is over: whatever it started goes with it, in its group (`sleep 40 &`) or out
    // of it (`setsid ...`, found by the mark in its environment).
    // (The group is its own, so a Ctrl-C at the terminal does not reach it: stopping it is
    // this function's job.)
    if status.is_none() {
        // SAFETY: signals the process group this function started.
        unsafe { libc::kill(-group, libc::SIGKILL) };
        let _ = waited.recv();
    }
    marker.end_group(group);
    let Some(status) = status else {
        if stop() {
            return error(format!("`{command}` was stopped: the run was interrupted"));
        }
        return error(format!(
            "`{command}` ran past its timeout of {} s and was stopped",
            test.timeout.as_secs_f64()
        ));
    };
    // Pipes close once everything holding them is gone; a process that escaped even the mark
    // gets a moment, and what was read by then is the output.
    let read = |drain: Option<lab_core::processes::Drain>| {
        drain
            .map(|drain| String::from_utf8_lossy(&drain.finish(PIPE_GRACE)).into_owned())
            .unwrap_or_default()
    };
    let stdout = read(stdout);
    let stderr = read(stderr);
    let code = status.code().unwrap_or(-1);
    // sh says 127 for a command it cannot find and 126 for one it cannot run: the test could
    // not do its work at all.
    if (code == 127 || code == 126) && exec.exit != code {
        let said = stderr.lines().last().unwrap_or("").trim().to_string();
        return error(format!("`{command}` could not run: {said}"));
    }
    let assertions = 1;
    if code != exec.exit {
        let outcome = Outcome::Failed {
            message: format!("`{command}` exited with code {code}"),
            expected: format!("exit code {}", exec.exit),
            actual: format!("exit code {code}{}", last_lines(&stderr, &stdout)),
        };
        return (outcome, assertions, stdout);
    }
    let checks = exec
        .stdout_contains
        .iter()
        .map(|wanted| {
            (
                "stdout",
                format!("containing \"{wanted}\""),
                stdout.contains(wanted.as_str()),
            )
        })
        .chain(exec.stdout_matches.iter().map(|pattern| {
            (
                "stdout",
                format!("matching /{pattern}/"),
                pattern.is_match(&stdout),
            )
        }))
        .chain(exec.stderr_contains.iter().map(|wanted| {
            (
                "stderr",
                format!("containing \"{wanted}\""),
                stderr.contains(wanted.as_str()),
            )
        }))
        .map(|(stream, expected, held)| Assertion {
            message: format!("the {stream} of `{command}`"),
            expected: format!("{stream} {expected}"),
            actual: format!(
                "{stream} {}",
                shown(if stream == "stdout" { &stdout } else { &stderr })
            ),
            held,
        });
    let (outcome, counted) = first_failure(checks);
    (outcome, assertions + counted, stdout)
}

/// One assertion: what was checked, what it should have been, what it was.
pub(crate) struct Assertion {
    pub message: String,
    pub expected: String,
    pub actual: String,
    pub held: bool,
}

/// Counts the assertions up to the first that does not hold, which is the test's failure.
pub(crate) fn first_failure(assertions: impl IntoIterator<Item = Assertion>) -> (Outcome, u32) {
    let mut counted = 0;
    for assertion in assertions {
        counted += 1;
        if !assertion.held {
            let outcome = Outcome::Failed {
                message: assertion.message,
                expected: assertion.expected,
                actual: assertion.actual,
            };
            return (outcome, counted);
        }
    }
    (Outcome::Passed, counted)
}

/// `sh -c command` in `folder`, in a process group of its own (so that a timeout stops the
/// command and everything it started), with `$WORKBENCH` naming the workbench binary, so that
/// a suite can start the workbench's own labs as servers.
pub(crate) fn shell(command: &str, folder: &std::path::Path) -> Command {
    use std::os::unix::process::CommandExt;
    let workbench = std::env::var_os("WORKBENCH")
        .or_else(|| {
            let running = std::env::current_exe().ok()?;
            (running.file_name()? == "workbench").then(|| running.into_os_string())
        })
        .unwrap_or_else(|| "workbench".into());
    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg(command)
        .current_dir(folder)
        .env("WORKBENCH", workbench)
        .stdin(Stdio::null())
        .process_group(0);
    shell
}

/// Output as a quoted string, cut when long.
pub(crate) fn shown(output: &str) -> String {
    const SHOWN: usize = 300;
    let cut: String = output.chars().take(SHOWN).collect();
    let more = if output.chars().count() > SHOWN {
        "…"
    } else {
        ""
    };
    format!("\"{}\"{more}", cut.escape_debug())
}

/// The last lines the command printed, to show beside a wrong exit code.
fn last_lines(stderr: &str, stdout: &str) -> String {
    let source = if stderr.trim().is_empty() {
        stdout
    } else {
        stderr
    };
    let lines: Vec<&str> = source
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    match lines.len() {
        0 => String::new(),
        // The command's own words, shown and not obeyed: control characters escaped, and
        // no line longer than the report can hold.
        count => format!(
            "; it said: {}",
            lines[count.saturating_sub(3)..]
                .iter()
                .map(|line| {
                    let cut: String = line.chars().take(300).collect();
                    lab_core::text::escape_controls(&cut).into_owned()
                })
                .collect::<Vec<_>>()
                .join(" | ")
        ),
    }
}

/// Talks to the server; returns how it went, the assertions made, and the line it read.
fn run_tcp(
    test: &TestSpec,
    tcp: &Tcp,
    sessions: &Sessions,
    values: &HashMap<String, String>,
) -> (Outcome, u32, String) {
    let error = |message: String| (Outcome::Error { message }, 0, String::new());
    let mut assertions = 0;
    let mut connection = match (&tcp.connect, &tcp.session) {
        (Some(address), _) => match connect(address, test.timeout) {
            Ok(stream) => {
                assertions += 1;
                BufReader::new(stream)
            }
            Err(problem) => return error(format!("cannot connect to {address}: {problem}")),
        },
        (None, Some(session)) => {
            let taken = sessions
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .remove(session);
            match taken {
                Some(connection) => connection,
                None => {
                    return error(format!(
                        "no open connection in session '{session}': a test it depends on must connect with session = \"{session}\""
                    ));
                }
            }
        }
        (None, None) => return error("nothing to talk to".to_string()),
    };
    let (outcome, line) = converse(test, tcp, &mut connection, &mut assertions, values);
    if let Some(session) = &tcp.session {
        sessions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(session.clone(), connection);
    }
    (outcome, assertions, line)
}

/// Resolves `address` and connects within `timeout`; reads wait at most `timeout` too.
fn connect(address: &str, timeout: Duration) -> std::io::Result<TcpStream> {
    let mut last = std::io::Error::other("the address resolves to nothing");
    for resolved in address.to_socket_addrs()? {
        match TcpStream::connect_timeout(&resolved, timeout) {
            Ok(stream) => {
                stream.set_read_timeout(Some(timeout))?;
                stream.set_write_timeout(Some(timeout))?;
                return Ok(stream);
            }
            Err(problem) => last = problem,
        }
    }
    Err(last)
}

/// Sends, then checks the next line; returns how it went and that line.
fn converse(
    test: &TestSpec,
    tcp: &Tcp,
    connection: &mut BufReader<TcpStream>,
    assertions: &mut u32,
    values: &HashMap<String, String>,
) -> (Outcome, String) {
    if let Some(send) = &tcp.send {
        let send = fill(send, values);
        if let Err(problem) = connection.get_mut().write_all(send.as_bytes()) {
            let message = format!("sending {} failed: {problem}", shown(&send));
            return (Outcome::Error { message }, String::new());
        }
    }
    let wants_a_line =
        tcp.expect_line.is_some() || tcp.expect_matches.is_some() || test.capture.is_some();
    if !wants_a_line {
        return (Outcome::Passed, String::new());
    }
    let mut line = String::new();
    let read = connection.read_line(&mut line);
    let got = match read {
        Ok(0) => "the connection closed".to_string(),
        Ok(_) => shown(line.trim_end_matches(['\n', '\r'])),
        Err(_) => format!("no line within {} s", test.timeout.as_secs_f64()),
    };
    let line = line.trim_end_matches(['\n', '\r']).to_string();
    let received = matches!(read, Ok(count) if count > 0);
    let failed = |expected: String| Outcome::Failed {
        message: "the line the server sent".to_string(),
        expected,
        actual: got.clone(),
    };
    if let Some(wanted) = &tcp.expect_line {
        *assertions += 1;
        let wanted = fill(wanted, values);
        if !received || line != wanted {
            return (failed(format!("the line {}", shown(&wanted))), line);
        }
    }
    if let Some(pattern) = &tcp.expect_matches {
        *assertions += 1;
        if !received || !pattern.is_match(&line) {
            return (failed(format!("a line matching /{pattern}/")), line);
        }
    }
    (Outcome::Passed, line)
}
