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

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use crate::actions::{self, Sessions};
pub use crate::assert::Outcome;
use crate::assert::shown;
use crate::suite::{Action, Exec, Suite};

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
                let mut guard = lab_core::lock(&board);
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
                    guard = lab_core::lock(&board);
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
        Action::Exec(exec) => actions::exec::run(test, exec, folder, values, stop),
        Action::Tcp(tcp) => actions::tcp::run(test, tcp, sessions, values),
        Action::Http(http) => actions::http::run(test, http, values),
        Action::Sql(sql) => actions::sql::run(test, sql, folder, values),
        Action::Zmq(zmq) => actions::zmq::run(test, zmq, values),
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
