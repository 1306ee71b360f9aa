//! Checkers for the dependent-tests exercises. The student writes (or repairs) a suite file;
//! the checker loads it as `workbench test run` would, runs it, and looks at what happened.
//!
//! | checker                  | the student                          | the checker                               |
//! |--------------------------|--------------------------------------|-------------------------------------------|
//! | `testdeps-session-suite` | writes a suite for a line protocol   | runs it against a right server (all pass) and a broken one (the right test fails, the right ones skip) |
//! | `testdeps-fix-suite`     | repairs a suite with a cycle and a wrong dependency | checks the graph, then runs it and compares every outcome |
//! | `testdeps-phpunit-depends` | writes a PHPUnit class whose tests hand one connection on with `@depends` | runs it with real PHPUnit against a right server, none, and two broken ones, and reads PHPUnit's own report |

mod fix_suite;
mod kv_server;
mod phpunit_depends;
mod session_suite;

pub use fix_suite::FixSuiteChecker;
pub use phpunit_depends::PhpunitDependsChecker;
pub use session_suite::SessionSuiteChecker;

use std::collections::BTreeMap;

use lab_core::exercise::{Check, CheckSetup, TaskFile};

use crate::schedule::{self, Outcome};
use crate::suite::{self, Suite};

/// Loads and checks the student's suite (setting `suite`, default `suite.toml`), as one check.
/// The student's suite: `suite = "suite.toml"` in the exercise's settings.
pub(crate) const SUITE_FILE: TaskFile = TaskFile {
    setting: "suite",
    default: "suite.toml",
};

fn load_suite(setup: &CheckSetup) -> Result<Suite, Box<Check>> {
    let file = setup.task_file_path(SUITE_FILE);
    if let Err(error) = std::fs::metadata(&file) {
        return Err(Box::new(lab_core::exercise::missing_task_file(
            &file,
            "the suite, as `workbench test run` takes it",
            &error,
        )));
    }
    let name = format!(
        "{} loads, with no unknown dependency and no cycle",
        file.display()
    );
    let loaded = suite::load(&file).and_then(|suite| {
        crate::graph::check(&suite)?;
        crate::graph::check_suites(std::slice::from_ref(&suite))?;
        Ok(suite)
    });
    loaded.map_err(|error| {
        Box::new(
            Check::fail(name, "a suite `workbench test run` accepts", error)
                .because("run `workbench test run` on it to see the same message"),
        )
    })
}

/// Each test's outcome by name, as one word: passed, failed, error, skipped.
fn outcomes(suite: &Suite, cancel: &lab_core::CancelToken) -> BTreeMap<String, (String, Outcome)> {
    schedule::run_until(
        suite,
        None,
        2,
        &schedule::Earlier::new(),
        &|| cancel.is_cancelled(),
        &|_| {},
    )
    .into_iter()
    .map(|result| {
        let word = crate::lab::state_of(&result.outcome);
        (
            suite.tests[result.index].name.clone(),
            (word.to_string(), result.outcome),
        )
    })
    .collect()
}

/// What an outcome says, for a failed check.
fn said(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Passed => "passed".to_string(),
        // PHPUnit's failures carry what was expected in their message.
        Outcome::Failed {
            message,
            expected,
            actual,
        } if expected.is_empty() && actual.is_empty() => format!("failed: {message}"),
        Outcome::Failed {
            message,
            expected,
            actual,
        } => format!("failed: {message}: expected {expected}, got {actual}"),
        Outcome::Error { message } => format!("error: {message}"),
        Outcome::Skipped { reason } => format!("skipped: {reason}"),
    }
}
