//! Suites that depend on suites: run in the order they need, an integration suite skipped
//! when the unit suite did not pass, tests depending on another suite's tests (and using what
//! they captured), and mistakes across files refused before anything runs.

use std::path::{Path, PathBuf};

use lab_testdeps::{BAD_SUITE, FAILED, Format, Options, run_suites};

fn write(folder: &Path, name: &str, text: &str) -> PathBuf {
    let file = folder.join(name);
    std::fs::write(&file, text).unwrap();
    file
}

/// Runs the files; returns the exit code, the JSON report (if any) and the error output.
fn run(files: Vec<PathBuf>) -> (i32, serde_json::Value, String) {
    let options = Options {
        files,
        jobs: 2,
        filter: None,
        junit: None,
        style: lab_testdeps::report::Style { colour: false },
        format: Format::Json,
        interrupted: || false,
    };
    let mut out = Vec::new();
    let mut error = Vec::new();
    let code = run_suites(&options, &mut out, &mut error);
    let report = serde_json::from_slice(&out).unwrap_or(serde_json::Value::Null);
    (code, report, String::from_utf8_lossy(&error).into_owned())
}

fn test<'a>(report: &'a serde_json::Value, suite: &str, name: &str) -> &'a serde_json::Value {
    report["suites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|found| found["name"] == suite)
        .and_then(|found| {
            found["tests"]
                .as_array()
                .unwrap()
                .iter()
                .find(|test| test["name"] == name)
        })
        .unwrap_or_else(|| panic!("{suite}::{name} in {report}"))
}

const UNIT: &str = r#"name = "unit"
[[test]]
name = "parse"
exec = "echo version=7"
capture = "version=(\\d+)"
[[test]]
name = "eval"
exec = "exit 1"
"#;

#[test]
fn an_integration_suite_waits_for_the_unit_suite_and_is_skipped_when_it_fails() {
    let folder = tempfile::tempdir().unwrap();
    // Given first, but it needs the unit suite: it runs second.
    let integration = write(
        folder.path(),
        "integration.toml",
        "name = \"integration\"\ndepends = [\"unit\"]\n[[test]]\nname = \"end_to_end\"\nexec = \"true\"\n",
    );
    let api = write(
        folder.path(),
        "api.toml",
        r#"name = "api"
[[test]]
name = "uses_parse"
depends = ["unit::parse"]
exec = { command = "echo got ${unit::parse}", stdout_contains = "got 7" }
[[test]]
name = "uses_eval"
depends = ["unit::eval"]
exec = "true"
"#,
    );
    let unit = write(folder.path(), "unit.toml", UNIT);
    let (code, report, error) = run(vec![integration, api, unit]);
    assert_eq!(code, FAILED, "{error}");
    let order: Vec<&str> = report["suites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|suite| suite["name"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["unit", "integration", "api"]);
    let skipped = test(&report, "integration", "end_to_end");
    assert_eq!(skipped["outcome"], "skipped");
    assert_eq!(
        skipped["message"],
        "the suite depends on suite 'unit', which did not pass"
    );
    assert_eq!(
        test(&report, "api", "uses_parse")["outcome"],
        "passed",
        "{report}"
    );
    let uses_eval = test(&report, "api", "uses_eval");
    assert_eq!(uses_eval["outcome"], "skipped");
    assert_eq!(
        uses_eval["message"],
        "depends on 'unit::eval', which failed"
    );
}

#[test]
fn a_passing_unit_suite_lets_the_integration_suite_run() {
    let folder = tempfile::tempdir().unwrap();
    let unit = write(
        folder.path(),
        "unit.toml",
        "name = \"unit\"\n[[test]]\nname = \"parse\"\nexec = \"true\"\n",
    );
    let integration = write(
        folder.path(),
        "integration.toml",
        "name = \"integration\"\ndepends = [\"unit\"]\n[[test]]\nname = \"end_to_end\"\nexec = \"true\"\n",
    );
    let (code, report, error) = run(vec![unit, integration]);
    assert_eq!(code, 0, "{error}");
    assert_eq!(
        test(&report, "integration", "end_to_end")["outcome"],
        "passed"
    );
}

#[test]
fn mistakes_across_files_are_refused_before_anything_runs() {
    let folder = tempfile::tempdir().unwrap();
    let marker = folder.path().join("ran");
    let unit = write(folder.path(), "unit.toml", UNIT);
    let cases = [
        (
            "name = \"integration\"\ndepends = [\"unti\"]\n[[test]]\nname = \"t\"\nexec = \"touch ran\"\n",
            "integration.toml:2: suite 'integration' depends on suite 'unti', which is not in this run (suites: integration, unit); give its file too",
        ),
        (
            "name = \"integration\"\n[[test]]\nname = \"t\"\ndepends = [\"unit::parsed\"]\nexec = \"touch ran\"\n",
            "integration.toml:2: test 't' depends on 'unit::parsed', but suite 'unit' has no test 'parsed'",
        ),
        (
            "name = \"integration\"\n[[test]]\nname = \"t\"\ndepends = [\"unit::eval\"]\nexec = \"touch ${unit::eval}\"\n",
            "integration.toml:2: test 't' uses ${unit::eval}, but 'unit::eval' captures nothing",
        ),
        (
            "name = \"unit\"\n[[test]]\nname = \"t\"\nexec = \"touch ran\"\n",
            "a second suite named 'unit' in this run",
        ),
    ];
    for (text, expected) in cases {
        let other = write(folder.path(), "integration.toml", text);
        let (code, _, error) = run(vec![other, unit.clone()]);
        assert_eq!(code, BAD_SUITE, "{error}");
        assert!(error.contains(expected), "{error}");
        assert_eq!(error.lines().count(), 1, "{error}");
        assert!(!marker.exists(), "nothing may run");
    }
    // Two suites that need each other.
    let first = write(
        folder.path(),
        "first.toml",
        "name = \"first\"\ndepends = [\"second\"]\n[[test]]\nname = \"t\"\nexec = \"touch ran\"\n",
    );
    let second = write(
        folder.path(),
        "second.toml",
        "name = \"second\"\ndepends = [\"first\"]\n[[test]]\nname = \"t\"\nexec = \"touch ran\"\n",
    );
    let (code, _, error) = run(vec![first, second]);
    assert_eq!(code, BAD_SUITE);
    assert!(
        error.contains(
            "suites that depend on each other in a circle, so none of them can run: first, second"
        ),
        "{error}"
    );
    assert!(!marker.exists());
}
