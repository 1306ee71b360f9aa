//! What a run prints, the way PHPUnit prints it, and the JUnit XML that CI systems read.
//!
//! ```text
//! ..FS                                 one character per test as it finishes
//!
//! There was 1 failure:
//!
//! 1) rpc::send_get (rpc.toml:7)
//! `php client.php send 567` exited with code 1
//! expected: exit code 0
//! actual:   exit code 1; it said: connection refused
//!
//! FAILURES!
//! Tests: 4, Assertions: 3, Failures: 1, Errors: 0, Skipped: 1.
//! ```

use std::fmt::Write as _;

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use crate::schedule::{Outcome, TestResult};
use crate::suite::Suite;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub tests: usize,
    pub assertions: u32,
    pub failures: usize,
    pub errors: usize,
    pub skipped: usize,
}

impl Totals {
    pub fn add(&mut self, results: &[TestResult]) {
        for result in results {
            self.tests += 1;
            self.assertions += result.assertions;
            match result.outcome {
                Outcome::Passed => {}
                Outcome::Failed { .. } => self.failures += 1,
                Outcome::Error { .. } => self.errors += 1,
                Outcome::Skipped { .. } => self.skipped += 1,
            }
        }
    }

    pub fn ok(&self) -> bool {
        self.failures == 0 && self.errors == 0
    }
}

/// Colours for a terminal, or none.
#[derive(Clone, Copy)]
pub struct Style {
    pub colour: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// A progress character, coloured as PHPUnit colours it.
    pub fn symbol(&self, outcome: &Outcome) -> String {
        let symbol = outcome.symbol().to_string();
        match outcome {
            Outcome::Passed => symbol,
            Outcome::Failed { .. } | Outcome::Error { .. } => self.paint("31;1", &symbol),
            Outcome::Skipped { .. } => self.paint("36;1", &symbol),
        }
    }
}

/// The errors, failures and skips of every suite, numbered, each with where the test is.
pub fn details(runs: &[(&Suite, Vec<TestResult>)]) -> String {
    let mut sections = Vec::new();
    for (kind, plural) in [
        ("error", "errors"),
        ("failure", "failures"),
        ("skipped test", "skipped tests"),
    ] {
        let listed: Vec<(&Suite, &TestResult)> = runs
            .iter()
            .flat_map(|(suite, results)| results.iter().map(move |result| (*suite, result)))
            .filter(|(_, result)| {
                matches!(
                    (&result.outcome, kind),
                    (Outcome::Error { .. }, "error")
                        | (Outcome::Failed { .. }, "failure")
                        | (Outcome::Skipped { .. }, "skipped test")
                )
            })
            .collect();
        if listed.is_empty() {
            continue;
        }
        let mut section = format!(
            "There {} {} {}:\n",
            if listed.len() == 1 { "was" } else { "were" },
            listed.len(),
            if listed.len() == 1 { kind } else { plural }
        );
        for (number, (suite, result)) in listed.iter().enumerate() {
            let test = &suite.tests[result.index];
            let _ = write!(
                section,
                "\n{}) {}::{} ({}:{})\n",
                number + 1,
                suite.name,
                test.name,
                suite.file.display(),
                test.line
            );
            let _ = match &result.outcome {
                Outcome::Failed {
                    message,
                    expected,
                    actual,
                } => writeln!(
                    section,
                    "{message}\nexpected: {expected}\nactual:   {actual}"
                ),
                Outcome::Error { message } => writeln!(section, "{message}"),
                Outcome::Skipped { reason } => writeln!(section, "{reason}"),
                Outcome::Passed => Ok(()),
            };
        }
        sections.push(section);
    }
    if sections.is_empty() {
        String::new()
    } else {
        format!("\n{}", sections.join("\n"))
    }
}

/// PHPUnit's closing lines.
pub fn summary(totals: &Totals, style: Style) -> String {
    let counts = format!(
        "Tests: {}, Assertions: {}, Failures: {}, Errors: {}, Skipped: {}.",
        totals.tests, totals.assertions, totals.failures, totals.errors, totals.skipped
    );
    if !totals.ok() {
        return format!(
            "{}\n{}\n",
            style.paint("37;41", "FAILURES!"),
            style.paint("37;41", &counts)
        );
    }
    if totals.skipped > 0 {
        return format!(
            "{}\n{}\n",
            style.paint("30;43", "OK, but some tests were skipped!"),
            style.paint("30;43", &counts)
        );
    }
    style.paint(
        "30;42",
        &format!(
            "OK ({} tests, {} assertions)",
            totals.tests, totals.assertions
        ),
    ) + "\n"
}

/// JUnit XML: a `<testsuite>` per suite, a `<testcase>` per test, with its `<failure>`,
/// `<error>` or `<skipped>`.
pub fn junit(runs: &[(&Suite, Vec<TestResult>)]) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let mut all = Totals::default();
    for (_, results) in runs {
        all.add(results);
    }
    let number = |value: usize| value.to_string();
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(("tests", number(all.tests).as_str()));
    root.push_attribute(("assertions", all.assertions.to_string().as_str()));
    root.push_attribute(("failures", number(all.failures).as_str()));
    root.push_attribute(("errors", number(all.errors).as_str()));
    root.push_attribute(("skipped", number(all.skipped).as_str()));
    let _ = writer.write_event(Event::Start(root));
    for (suite, results) in runs {
        let mut totals = Totals::default();
        totals.add(results);
        let seconds: f64 = results.iter().map(|result| result.seconds).sum();
        let mut element = BytesStart::new("testsuite");
        element.push_attribute(("name", suite.name.as_str()));
        element.push_attribute(("file", suite.file.display().to_string().as_str()));
        element.push_attribute(("tests", number(totals.tests).as_str()));
        element.push_attribute(("assertions", totals.assertions.to_string().as_str()));
        element.push_attribute(("failures", number(totals.failures).as_str()));
        element.push_attribute(("errors", number(totals.errors).as_str()));
        element.push_attribute(("skipped", number(totals.skipped).as_str()));
        element.push_attribute(("time", format!("{seconds:.6}").as_str()));
        let _ = writer.write_event(Event::Start(element));
        for result in results {
            let test = &suite.tests[result.index];
            let mut case = BytesStart::new("testcase");
            case.push_attribute(("name", test.name.as_str()));
            case.push_attribute(("classname", suite.name.as_str()));
            case.push_attribute(("file", suite.file.display().to_string().as_str()));
            case.push_attribute(("line", test.line.to_string().as_str()));
            case.push_attribute(("assertions", result.assertions.to_string().as_str()));
            case.push_attribute(("time", format!("{:.6}", result.seconds).as_str()));
            let inner = match &result.outcome {
                Outcome::Passed => None,
                Outcome::Failed {
                    message,
                    expected,
                    actual,
                } => Some((
                    "failure",
                    message.clone(),
                    format!("{message}\nexpected: {expected}\nactual:   {actual}"),
                )),
                Outcome::Error { message } => Some(("error", message.clone(), message.clone())),
                Outcome::Skipped { reason } => Some(("skipped", reason.clone(), String::new())),
            };
            match inner {
                None => {
                    let _ = writer.write_event(Event::Empty(case));
                }
                Some((tag, message, body)) => {
                    let _ = writer.write_event(Event::Start(case));
                    let mut element = BytesStart::new(tag);
                    element.push_attribute(("message", message.as_str()));
                    if body.is_empty() {
                        let _ = writer.write_event(Event::Empty(element));
                    } else {
                        let _ = writer.write_event(Event::Start(element));
                        let _ = writer.write_event(Event::Text(BytesText::new(&body)));
                        let _ = writer.write_event(Event::End(BytesEnd::new(tag)));
                    }
                    let _ = writer.write_event(Event::End(BytesEnd::new("testcase")));
                }
            }
        }
        let _ = writer.write_event(Event::End(BytesEnd::new("testsuite")));
    }
    let _ = writer.write_event(Event::End(BytesEnd::new("testsuites")));
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&String::from_utf8_lossy(&writer.into_inner()));
    xml.push('\n');
    xml
}

/// The Test Anything Protocol: `ok 1 - suite::test`, `not ok`, `# SKIP why`.
pub fn tap(runs: &[(&Suite, Vec<TestResult>)]) -> String {
    let count: usize = runs.iter().map(|(_, results)| results.len()).sum();
    let mut text = format!("TAP version 13\n1..{count}\n");
    let mut number = 0;
    for (suite, results) in runs {
        for result in results {
            number += 1;
            let name = format!("{}::{}", suite.name, suite.tests[result.index].name);
            let _ = match &result.outcome {
                Outcome::Passed => writeln!(text, "ok {number} - {name}"),
                Outcome::Skipped { reason } => {
                    writeln!(text, "ok {number} - {name} # SKIP {reason}")
                }
                Outcome::Failed {
                    message,
                    expected,
                    actual,
                } => writeln!(
                    text,
                    "not ok {number} - {name}\n  ---\n  message: {}\n  expected: {}\n  actual: {}\n  ...",
                    yaml_text(message),
                    yaml_text(expected),
                    yaml_text(actual)
                ),
                Outcome::Error { message } => writeln!(
                    text,
                    "not ok {number} - {name}\n  ---\n  error: {}\n  ...",
                    yaml_text(message)
                ),
            };
        }
    }
    text
}

/// A one-line YAML string.
fn yaml_text(text: &str) -> String {
    format!(
        "\"{}\"",
        text.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}

/// Every result as one JSON document, for scripts.
pub fn json(runs: &[(&Suite, Vec<TestResult>)]) -> String {
    let mut totals = Totals::default();
    for (_, results) in runs {
        totals.add(results);
    }
    let suites: Vec<serde_json::Value> = runs
        .iter()
        .map(|(suite, results)| {
            let tests: Vec<serde_json::Value> = results
                .iter()
                .map(|result| {
                    let test = &suite.tests[result.index];
                    let mut entry = serde_json::json!({
                        "name": test.name,
                        "line": test.line,
                        "outcome": match result.outcome {
                            Outcome::Passed => "passed",
                            Outcome::Failed { .. } => "failed",
                            Outcome::Error { .. } => "error",
                            Outcome::Skipped { .. } => "skipped",
                        },
                        "assertions": result.assertions,
                        "seconds": result.seconds,
                    });
                    match &result.outcome {
                        Outcome::Failed { message, expected, actual } => {
                            entry["message"] = message.clone().into();
                            entry["expected"] = expected.clone().into();
                            entry["actual"] = actual.clone().into();
                        }
                        Outcome::Error { message } => entry["message"] = message.clone().into(),
                        Outcome::Skipped { reason } => entry["message"] = reason.clone().into(),
                        Outcome::Passed => {}
                    }
                    if !result.cases.is_empty() {
                        entry["cases"] = result
                            .cases
                            .iter()
                            .map(|case| {
                                serde_json::json!({"name": case.name, "outcome": case.outcome, "message": case.message})
                            })
                            .collect();
                    }
                    entry
                })
                .collect();
            serde_json::json!({"name": suite.name, "file": suite.file.display().to_string(), "tests": tests})
        })
        .collect();
    let document = serde_json::json!({
        "ok": totals.ok(),
        "tests": totals.tests,
        "assertions": totals.assertions,
        "failures": totals.failures,
        "errors": totals.errors,
        "skipped": totals.skipped,
        "suites": suites,
    });
    format!("{document}\n")
}
