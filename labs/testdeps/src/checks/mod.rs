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

use lab_core::exercise::{Check, CheckName, CheckSetup, TaskFile};
use lab_i18n::{Lang, tr};

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
            setup.lang,
            &file,
            &tr!(setup.lang, "tdeps-task-file"),
            &error,
        )));
    }
    let lang = setup.lang;
    let shown = file.display().to_string();
    let name = CheckName::new(lang, |lang| tr!(lang, "tdeps-loads", file = shown.as_str()));
    let loaded = suite::load(&file).and_then(|suite| {
        crate::graph::check(&suite)?;
        crate::graph::check_suites(std::slice::from_ref(&suite))?;
        Ok(suite)
    });
    loaded.map_err(|error| {
        Box::new(
            Check::fail(name, tr!(lang, "tdeps-accepts-expected"), error)
                .because(tr!(lang, "tdeps-run-it-try")),
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
fn said(lang: Lang, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Passed => tr!(lang, "tdeps-state-passed"),
        // PHPUnit's failures carry what was expected in their message.
        Outcome::Failed {
            message,
            expected,
            actual,
        } if expected.is_empty() && actual.is_empty() => {
            tr!(lang, "tdeps-said-failed", message = message.as_str())
        }
        Outcome::Failed {
            message,
            expected,
            actual,
        } => tr!(
            lang,
            "tdeps-said-failed-expected",
            message = message.as_str(),
            expected = expected.as_str(),
            actual = actual.as_str()
        ),
        Outcome::Error { message } => tr!(lang, "tdeps-said-error", message = message.as_str()),
        Outcome::Skipped { reason } => tr!(lang, "tdeps-said-skipped", reason = reason.as_str()),
    }
}

/// One test state (`passed`, `failed`, `error`, `skipped`) as a word in `lang`.
fn state_word(lang: Lang, state: &str) -> String {
    match state {
        "passed" => tr!(lang, "tdeps-state-passed"),
        "failed" => tr!(lang, "tdeps-state-failed"),
        "error" => tr!(lang, "tdeps-state-error"),
        "skipped" => tr!(lang, "tdeps-state-skipped"),
        other => other.to_string(),
    }
}
