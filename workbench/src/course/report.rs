//! A check's outcome for machines: `--format json|junit|tap|classroom50|gradescope`.
//!
//! Every check is worth one point unless the exercise file gives it more (`points`). Text goes to a person (see [`super::check::render`]); these
//! go to a grader, a CI system or a classroom tool, so they carry what a teacher needs to trust
//! a grade: the seed that replays the run, the workbench version, the command and the hash of
//! the files that were checked.

use serde_json::{Value, json};

use super::check::{Outcome, Timed};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For a person, with colours on a terminal.
    Text,
    /// One JSON document: the run, and every check with expected, got, try and duration.
    Json,
    /// JUnit XML, as CI systems read it.
    Junit,
    /// The Test Anything Protocol, version 14.
    Tap,
    /// Classroom 50's result.json (`classroom50/result/v1`).
    Classroom50,
    /// Gradescope's results.json.
    Gradescope,
}

/// The outcome in `format` (not `Text`, which [`super::check::render`] writes).
pub fn write(format: Format, outcome: &Outcome) -> String {
    match format {
        Format::Text => super::check::render(outcome, lab_i18n::current(), false, false),
        Format::Json => pretty(&json_of(outcome)),
        Format::Junit => junit(outcome),
        Format::Tap => tap(outcome),
        Format::Classroom50 => pretty(&classroom50(outcome)),
        Format::Gradescope => pretty(&gradescope(outcome)),
    }
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

pub fn json_of(outcome: &Outcome) -> Value {
    let checks: Vec<Value> = outcome
        .checks
        .iter()
        .map(|timed| {
            let check = &timed.check;
            json!({
                "name": check.name,
                "label": check.label,
                "passed": check.passed,
                "expected": check.expected,
                "got": check.got,
                "try": if check.passed { None } else { check.note.clone() },
                "evidence": if check.passed { check.note.clone() } else { None },
                "first_difference": check.first_difference,
                "duration_ms": timed.duration.as_millis() as u64,
                "score": timed.score(),
                "max_score": timed.points,
            })
        })
        .collect();
    json!({
        "exercise": outcome.exercise,
        "seed": outcome.seed,
        "workbench_version": outcome.workbench_version,
        "command": outcome.command,
        "files_sha256": outcome.files_sha256,
        "passed": outcome.all_passed(),
        "score": outcome.score(),
        "max_score": outcome.max_score(),
        "duration_ms": outcome.duration.as_millis() as u64,
        "checks": checks,
        "trace": outcome.trace,
        "trace_dropped": outcome.trace_dropped,
    })
}

/// What a failed check says, as one block of text: expected, got, try.
fn failure_text(timed: &Timed) -> String {
    let check = &timed.check;
    let mut text = String::new();
    for (label, value) in [
        ("expected", &check.expected),
        ("got", &check.got),
        ("try", &check.note),
    ] {
        if let Some(value) = value {
            text.push_str(&format!("{label}: {value}\n"));
        }
    }
    text
}

fn trace_text(outcome: &Outcome) -> String {
    outcome
        .trace
        .iter()
        .map(|line| {
            let who = match line.from {
                lab_core::exercise::Source::Checker => "checker",
                lab_core::exercise::Source::Stdout => "your program",
                lab_core::exercise::Source::Stderr => "your program (stderr)",
            };
            format!("{:.3} s [{who}] {}\n", line.at.as_secs_f64(), line.text)
        })
        .collect()
}

fn junit(outcome: &Outcome) -> String {
    use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new(outcome.exercise.as_str());
    suite.set_time(outcome.duration);
    suite.add_properties([
        Property::new("seed", outcome.seed.to_string()),
        Property::new("workbench_version", outcome.workbench_version),
        Property::new("command", outcome.command.clone().unwrap_or_default()),
        Property::new(
            "files_sha256",
            outcome.files_sha256.clone().unwrap_or_default(),
        ),
    ]);
    for timed in &outcome.checks {
        let status = if timed.check.passed {
            TestCaseStatus::success()
        } else {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(timed.check.note.clone().unwrap_or_default());
            status.set_description(failure_text(timed));
            status
        };
        let mut case = TestCase::new(timed.check.name.as_str(), status);
        case.set_classname(outcome.exercise.as_str());
        case.set_time(timed.duration);
        suite.add_test_case(case);
    }
    suite.set_system_out(trace_text(outcome));
    let mut report = Report::new("workbench exercise check");
    report.add_test_suite(suite);
    report.to_string().unwrap_or_default()
}

/// TAP 14: a plan, one line per check, and a YAML block under each failure. Values are JSON
/// strings, which YAML reads as they are.
fn tap(outcome: &Outcome) -> String {
    let quoted = |text: &str| serde_json::to_string(text).unwrap_or_default();
    let mut out = format!(
        "TAP version 14\n# {} seed {} workbench {}\n1..{}\n",
        outcome.exercise,
        outcome.seed,
        outcome.workbench_version,
        outcome.checks.len()
    );
    for (number, timed) in outcome.checks.iter().enumerate() {
        // A description must not hold a newline or a '#' (that starts a directive).
        let name = timed.check.name.replace(['\n', '#'], " ");
        let word = if timed.check.passed { "ok" } else { "not ok" };
        out.push_str(&format!("{word} {} - {name}\n", number + 1));
        if !timed.check.passed {
            out.push_str("  ---\n");
            for (label, value) in [
                ("expected", &timed.check.expected),
                ("got", &timed.check.got),
                ("try", &timed.check.note),
            ] {
                if let Some(value) = value {
                    out.push_str(&format!("  {label}: {}\n", quoted(value)));
                }
            }
            out.push_str(&format!(
                "  duration_ms: {}\n  ...\n",
                timed.duration.as_millis()
            ));
        }
    }
    out
}

/// Classroom 50's `result.json`. The submission's own fields come from the runner's
/// environment (CLASSROOM, ASSIGNMENT, SUBMISSION_TAG, COMMIT_URL, RELEASE_URL, REVIEW_URL), as
/// its autograders read them; outside a runner they are empty, and the assignment is the
/// exercise.
fn classroom50(outcome: &Outcome) -> Value {
    let from_env = |name: &str| std::env::var(name).unwrap_or_default();
    let commit = from_env("COMMIT_URL");
    let review = std::env::var("REVIEW_URL")
        .ok()
        .filter(|review| !review.is_empty())
        .unwrap_or_else(|| commit.clone());
    let assignment = std::env::var("ASSIGNMENT").unwrap_or_else(|_| outcome.exercise.clone());
    let tests: Vec<Value> = outcome
        .checks
        .iter()
        .map(|timed| {
            json!({
                "test-name": timed.check.name,
                "passed": timed.check.passed,
                "score": timed.score(),
                "max-score": timed.points,
            })
        })
        .collect();
    json!({
        "schema": "classroom50/result/v1",
        "classroom": from_env("CLASSROOM"),
        "assignment": assignment,
        "submission": from_env("SUBMISSION_TAG"),
        "commit": commit,
        "release": from_env("RELEASE_URL"),
        "review": review,
        "datetime": utc_now(),
        "score": outcome.score(),
        "max-score": outcome.max_score(),
        "tests": tests,
    })
}

fn utc_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// Gradescope's `results.json`: a score, the time, an overall output, and one test per check.
fn gradescope(outcome: &Outcome) -> Value {
    let tests: Vec<Value> = outcome
        .checks
        .iter()
        .map(|timed| {
            json!({
                "name": timed.check.name,
                "score": timed.score(),
                "max_score": timed.points,
                "status": if timed.check.passed { "passed" } else { "failed" },
                "output": if timed.check.passed {
                    timed.check.note.clone().unwrap_or_default()
                } else {
                    failure_text(timed)
                },
            })
        })
        .collect();
    json!({
        "score": outcome.score(),
        "execution_time": outcome.duration.as_secs_f64().ceil() as u64,
        "output": format!(
            "{}: {} of {} checks passed, score {}/{} (seed {}, workbench {})",
            outcome.exercise,
            outcome.passed(),
            outcome.checks.len(),
            outcome.score(),
            outcome.max_score(),
            outcome.seed,
            outcome.workbench_version
        ),
        "tests": tests,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use lab_core::exercise::Check;

    use super::*;

    fn outcome() -> Outcome {
        // Points as an exercise file may give them: the passing check is worth 3, the
        // failing one 2.
        let timed = |check: Check, points: u32| Timed {
            check,
            points,
            duration: Duration::from_millis(250),
        };
        Outcome {
            exercise: "socket-echo-server".into(),
            seed: 7,
            workbench_version: "0.1.0",
            command: Some("python3 server.py".into()),
            files_sha256: Some("sha256:ab".into()),
            checks: vec![
                timed(Check::pass("opens port 5555", "after 0.1 s"), 3),
                timed(
                    Check::differs("echoes <each> line", b"hi\n", b"ho\n")
                        .because("keep a buffer & answer whole lines"),
                    2,
                ),
            ],
            duration: Duration::from_millis(1500),
            trace: Vec::new(),
            trace_dropped: 0,
        }
    }

    #[test]
    fn json_carries_the_run_and_each_check() {
        let value: Value = serde_json::from_str(&write(Format::Json, &outcome())).unwrap();
        assert_eq!(value["seed"], 7);
        assert_eq!(
            (value["score"].as_u64(), value["max_score"].as_u64()),
            (Some(3), Some(5))
        );
        assert_eq!(value["checks"][0]["score"], 3);
        assert_eq!(
            (
                value["checks"][1]["score"].as_u64(),
                value["checks"][1]["max_score"].as_u64()
            ),
            (Some(0), Some(2))
        );
        assert_eq!(
            value["checks"][1]["try"],
            "keep a buffer & answer whole lines"
        );
        assert_eq!(value["checks"][1]["got"], "\"ho\\n\"");
        assert_eq!(value["checks"][1]["duration_ms"], 250);
        assert_eq!(value["files_sha256"], "sha256:ab");
    }

    #[test]
    fn junit_is_xml_with_one_failure() {
        let xml = write(Format::Junit, &outcome());
        assert!(xml.starts_with("<?xml"), "{xml}");
        assert!(
            xml.contains("tests=\"2\"") && xml.contains("failures=\"1\""),
            "{xml}"
        );
        // The student's text is escaped, not markup.
        assert!(xml.contains("echoes &lt;each&gt; line"), "{xml}");
        assert!(xml.contains("name=\"seed\" value=\"7\""), "{xml}");
    }

    #[test]
    fn tap_has_a_plan_and_a_yaml_block_for_the_failure() {
        let tap = write(Format::Tap, &outcome());
        let lines: Vec<&str> = tap.lines().collect();
        assert_eq!(lines[0], "TAP version 14");
        assert!(lines.contains(&"1..2"));
        assert!(lines.contains(&"ok 1 - opens port 5555"));
        assert!(lines.contains(&"not ok 2 - echoes <each> line"));
        assert!(lines.contains(&"  got: \"\\\"ho\\\\n\\\"\""), "{tap}");
    }

    #[test]
    fn classroom50_and_gradescope_shapes() {
        let result: Value = serde_json::from_str(&write(Format::Classroom50, &outcome())).unwrap();
        assert_eq!(result["schema"], "classroom50/result/v1");
        assert_eq!(
            (result["score"].as_u64(), result["max-score"].as_u64()),
            (Some(3), Some(5))
        );
        assert_eq!(result["tests"][1]["test-name"], "echoes <each> line");
        assert_eq!(result["tests"][1]["max-score"], 2);
        assert_eq!(result["tests"][1]["score"], 0);
        let results: Value = serde_json::from_str(&write(Format::Gradescope, &outcome())).unwrap();
        assert_eq!(results["score"], 3);
        assert_eq!(results["tests"][0]["max_score"], 3);
        assert_eq!(results["execution_time"], 2);
        assert_eq!(results["tests"][1]["status"], "failed");
        assert!(
            results["tests"][1]["output"]
                .as_str()
                .unwrap()
                .contains("try: keep")
        );
    }
}
