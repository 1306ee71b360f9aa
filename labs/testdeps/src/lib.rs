//! Dependent test suites: tests that only make sense after others have passed.
//!
//! "Receive the answer" needs "send the request" to have worked first. PHPUnit says so with
//! `@depends`; here a suite file says `depends = ["send"]`. The runner checks the graph
//! (`graph.rs`), runs the tests in dependency order with independent ones in parallel
//! (`run.rs`), and reports like PHPUnit (`report.rs`). `workbench test run <suite.toml>` is the
//! command line.

pub mod actions;
pub mod assert;
pub mod bootstrap;
pub mod checks;
pub mod graph;
pub mod junit;
pub mod lab;
pub mod phpunit;
pub mod report;
pub mod schedule;
pub mod suite;

use std::io::Write;
use std::path::PathBuf;

use report::{Style, Totals};

/// Adds this crate's lab and exercise checkers to the registry.
pub fn register(registry: &mut lab_core::Registry) {
    registry.add(lab::TestDepsLab);
    registry.add_checker(checks::SessionSuiteChecker);
    registry.add_checker(checks::FixSuiteChecker);
    registry.add_checker(checks::PhpunitDependsChecker);
}

/// What `workbench test run` was asked.
pub struct Options {
    pub files: Vec<PathBuf>,
    pub jobs: usize,
    pub filter: Option<String>,
    pub junit: Option<PathBuf>,
    pub style: Style,
    pub format: Format,
    /// True once the run should stop (Ctrl-C).
    pub interrupted: fn() -> bool,
}

/// What standard output carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Progress characters, problems, summary: for people.
    Phpunit,
    /// The Test Anything Protocol, at the end.
    Tap,
    /// One JSON document, at the end.
    Json,
}

/// Exit codes: all passed, failures or errors, a bad suite file.
pub const PASSED: i32 = 0;
pub const FAILED: i32 = 1;
pub const BAD_SUITE: i32 = 2;

/// Loads, checks and runs every suite, printing to `out`; returns the exit code. A bad suite
/// file is one line on `error` and nothing runs.
pub fn run_suites(options: &Options, out: &mut (dyn Write + Send), error: &mut dyn Write) -> i32 {
    let mut suites = Vec::new();
    for file in &options.files {
        match suite::load(file).and_then(|suite| graph::check(&suite).map(|()| suite)) {
            Ok(suite) => suites.push(suite),
            Err(message) => {
                let _ = writeln!(error, "workbench: {message}");
                return BAD_SUITE;
            }
        }
    }
    let order = match graph::check_suites(&suites) {
        Ok(order) => order,
        Err(message) => {
            let _ = writeln!(error, "workbench: {message}");
            return BAD_SUITE;
        }
    };
    let mut runs = Vec::new();
    let mut earlier = schedule::Earlier::new();
    for suite in order.iter().map(|index| &suites[*index]) {
        let selected = options.filter.as_deref().map(|pattern| {
            let (selected, pulled_in) = graph::filter(suite, pattern);
            if !pulled_in.is_empty() {
                // Said where it does not spoil a TAP or JSON document.
                let said: &mut dyn Write = if options.format == Format::Phpunit {
                    &mut *out
                } else {
                    &mut *error
                };
                let _ = writeln!(
                    said,
                    "--filter '{pattern}' also runs what the matching tests depend on: {}",
                    pulled_in.join(", ")
                );
            }
            selected
        });
        if selected
            .as_ref()
            .is_some_and(|selected| selected.is_empty())
        {
            continue;
        }
        let progress = std::sync::Mutex::new(&mut *out);
        let on_finish = |result: &schedule::TestResult| {
            if options.format != Format::Phpunit {
                return;
            }
            if let Ok(mut out) = progress.lock() {
                let _ = write!(out, "{}", options.style.symbol(&result.outcome));
                let _ = out.flush();
            }
        };
        // A suite runs only if the suites it depends on passed.
        let unmet = suite.depends.iter().find_map(|name| {
            let ran =
                runs.iter()
                    .find(|(other, _): &&(&suite::Suite, Vec<schedule::TestResult>)| {
                        other.name == *name
                    });
            match ran {
                None => Some(format!("{name}', which did not run")),
                Some((_, results)) if !suite_passed(results) => {
                    Some(format!("{name}', which did not pass"))
                }
                Some(_) => None,
            }
        });
        let results = if let Some(unmet) = unmet {
            let reason = format!("the suite depends on suite '{unmet}");
            schedule::skip_all(suite, selected.as_ref(), &reason, &on_finish)
        } else {
            // Started before the tests, stopped (dropped) after them.
            let _bootstrap = match &suite.bootstrap {
                None => None,
                Some(bootstrap) => match bootstrap::start(suite, bootstrap) {
                    Ok(running) => Some(running),
                    Err(message) => {
                        let _ = writeln!(error, "workbench: {message}");
                        return FAILED;
                    }
                },
            };
            schedule::run_until(
                suite,
                selected.as_ref(),
                options.jobs,
                &earlier,
                &options.interrupted,
                &on_finish,
            )
        };
        for result in &results {
            earlier.insert(
                format!("{}::{}", suite.name, suite.tests[result.index].name),
                result.clone(),
            );
        }
        runs.push((suite, results));
    }
    let mut totals = Totals::default();
    for (_, results) in &runs {
        totals.add(results);
    }
    if totals.tests == 0 {
        let _ = writeln!(
            error,
            "workbench: no test matches --filter '{}'",
            options.filter.as_deref().unwrap_or("")
        );
        return FAILED;
    }
    let _ = match options.format {
        Format::Phpunit => write!(
            out,
            "\n{}\n{}",
            report::details(&runs),
            report::summary(&totals, options.style)
        ),
        Format::Tap => write!(out, "{}", report::tap(&runs)),
        Format::Json => write!(out, "{}", report::json(&runs)),
    };
    if let Some(file) = &options.junit
        && let Err(problem) = write_whole(file, &report::junit(&runs))
    {
        let _ = writeln!(
            error,
            "workbench: cannot write the JUnit report {}: {problem}",
            file.display()
        );
        return FAILED;
    }
    if totals.ok() { PASSED } else { FAILED }
}

/// A suite passed when none of its tests failed or errored.
fn suite_passed(results: &[schedule::TestResult]) -> bool {
    results.iter().all(|result| {
        matches!(
            result.outcome,
            schedule::Outcome::Passed | schedule::Outcome::Skipped { .. }
        )
    })
}

/// Writes `text` to `file` through a temporary file beside it, so a reader never finds half.
fn write_whole(file: &std::path::Path, text: &str) -> std::io::Result<()> {
    let temporary = file.with_extension("xml.partial");
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, file)
}

/// What `workbench test run --phpunit` was asked.
pub struct PhpunitOptions {
    pub suite: PathBuf,
    pub bin: Option<PathBuf>,
    pub json: bool,
    pub style: Style,
    pub interrupted: fn() -> bool,
}

/// Runs a real PHPUnit suite and prints PHPUnit's own output, then the dependency graph it
/// ran with each test's outcome (or one JSON document); returns PHPUnit's exit code, or
/// `BAD_SUITE` when there is no suite or no PHPUnit to run.
pub fn run_phpunit_suite(
    options: &PhpunitOptions,
    out: &mut dyn Write,
    error: &mut dyn Write,
) -> i32 {
    let prepared = phpunit::Target::of(&options.suite).and_then(|target| {
        let runner = phpunit::Phpunit::find(options.bin.as_deref(), &target)?;
        let listed = phpunit::list(&runner, &target)?;
        Ok((target, runner, listed))
    });
    let (target, runner, listed) = match prepared {
        Ok(prepared) => prepared,
        Err(message) => {
            let _ = writeln!(error, "workbench: {message}");
            return BAD_SUITE;
        }
    };
    let ended = match phpunit::run(&runner, &target, &listed, &options.interrupted, &mut |_| {}) {
        Ok(ended) => ended,
        Err(message) => {
            let _ = writeln!(error, "workbench: {message}");
            return FAILED;
        }
    };
    let state = |index: usize| match &ended.outcomes[index] {
        Some(logged) => lab::state_of(&logged.outcome),
        None => "not-run",
    };
    let message = |index: usize| match ended.outcomes[index].as_ref().map(|logged| &logged.outcome)
    {
        Some(schedule::Outcome::Failed { message, .. })
        | Some(schedule::Outcome::Error { message }) => message.clone(),
        Some(schedule::Outcome::Skipped { reason }) => reason.clone(),
        _ => String::new(),
    };
    if options.json {
        let tests: Vec<serde_json::Value> = listed
            .tests
            .iter()
            .enumerate()
            .map(|(index, test)| {
                serde_json::json!({
                    "id": test.id(),
                    "depends": test.depends.iter().map(|other| listed.tests[*other].id()).collect::<Vec<_>>(),
                    "outcome": state(index),
                    "message": message(index),
                    "seconds": ended.outcomes[index].as_ref().map_or(0.0, |logged| logged.seconds),
                })
            })
            .collect();
        let document = serde_json::json!({
            "phpunit": listed.version,
            "tests": tests,
            "assertions": ended.assertions,
            "progress": ended.progress,
            "summary": ended.summary,
            "exit_code": ended.exit,
        });
        let _ = writeln!(out, "{document}");
    } else {
        let _ = write!(out, "{}", ended.output);
        let _ = writeln!(
            out,
            "\nThe dependencies PHPUnit ran with (read from @depends):"
        );
        for (index, test) in listed.tests.iter().enumerate() {
            let symbol = ended.outcomes[index]
                .as_ref()
                .map_or(" ".to_string(), |logged| {
                    options.style.symbol(&logged.outcome)
                });
            let depends = test
                .depends
                .iter()
                .map(|other| listed.tests[*other].name.as_str())
                .collect::<Vec<_>>();
            let mut line = format!("  {symbol} {}", test.id());
            if !depends.is_empty() {
                line.push_str(&format!("  ← {}", depends.join(", ")));
            }
            let said = message(index);
            if !said.is_empty() {
                line.push_str(&format!("  ({}: {said})", state(index)));
            }
            let _ = writeln!(out, "{line}");
        }
    }
    match ended.exit {
        Some(code) => code,
        None => FAILED,
    }
}
