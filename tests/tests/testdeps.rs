//! `workbench test run` as a student runs it: PHPUnit-style output, exit codes, the JUnit file
//! read back as a CI system would, --filter, and bad suites refused before anything runs.

mod common;

use std::path::Path;

use common::command;

const SUITE: &str = r#"name = "rpc"

[[test]]
name = "server_builds"
exec = "true"

[[test]]
name = "send_get"
depends = ["server_builds"]
exec = { command = "echo 'id=42 OK'", stdout_contains = "OK", stdout_matches = "id=\\d+" }

[[test]]
name = "receive"
depends = ["send_get"]
exec = "echo 'connection refused' >&2; exit 1"

[[test]]
name = "close"
depends = ["receive"]
exec = "true"
"#;

fn write_suite(folder: &Path, text: &str) -> String {
    let file = folder.join("rpc.toml");
    std::fs::write(&file, text).unwrap();
    file.to_string_lossy().into_owned()
}

fn test_run(args: &[&str]) -> (i32, String, String) {
    let output = command()
        .args(["test", "run"])
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_failure_shows_phpunit_style_with_the_skip_it_causes_and_exit_1() {
    let folder = tempfile::tempdir().unwrap();
    let suite = write_suite(folder.path(), SUITE);
    let (code, stdout, _) = test_run(&[&suite, "--jobs", "1"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.starts_with("..FS\n"), "{stdout}");
    assert!(stdout.contains(&format!("1) rpc::receive ({suite}:12)\n`echo 'connection refused' >&2; exit 1` exited with code 1\nexpected: exit code 0\nactual:   exit code 1; it said: connection refused\n")), "{stdout}");
    assert!(stdout.contains("1) rpc::close"), "{stdout}");
    assert!(
        stdout.contains("depends on 'receive', which failed"),
        "{stdout}"
    );
    assert!(
        stdout
            .ends_with("FAILURES!\nTests: 4, Assertions: 5, Failures: 1, Errors: 0, Skipped: 1.\n"),
        "{stdout}"
    );
    assert!(!stdout.contains('\x1b'), "no colours when piped");
}

#[test]
fn all_passing_is_ok_with_the_counts_and_exit_0() {
    let folder = tempfile::tempdir().unwrap();
    let suite = write_suite(folder.path(), &SUITE.replace("exit 1", "exit 0"));
    let (code, stdout, _) = test_run(&[&suite]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(stdout, "....\n\nOK (4 tests, 6 assertions)\n");
}

#[test]
fn the_junit_report_reads_back_test_for_test() {
    let folder = tempfile::tempdir().unwrap();
    let suite = write_suite(folder.path(), SUITE);
    let report = folder.path().join("junit.xml");
    let (code, _, _) = test_run(&[&suite, "--junit", report.to_str().unwrap()]);
    assert_eq!(code, 1);
    let xml = std::fs::read_to_string(&report).unwrap();
    // Read it as a CI system would: each testcase and what it holds.
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut cases: Vec<(String, String)> = Vec::new();
    let mut current: Option<String> = None;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(element) | quick_xml::events::Event::Empty(element) => {
                let name = String::from_utf8_lossy(element.name().as_ref()).into_owned();
                let attribute = |key: &str| {
                    element
                        .try_get_attribute(key)
                        .unwrap()
                        .map(|value| value.unescape_value().unwrap().into_owned())
                };
                if name == "testcase" {
                    let test = attribute("name").unwrap();
                    cases.push((test.clone(), "passed".into()));
                    current = Some(test);
                } else if ["failure", "error", "skipped"].contains(&name.as_str())
                    && let Some(test) = &current
                {
                    let message = attribute("message").unwrap_or_default();
                    cases.retain(|(case, _)| case != test);
                    cases.push((test.clone(), format!("{name}: {message}")));
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    cases.sort();
    assert_eq!(
        cases,
        vec![
            (
                "close".to_string(),
                "skipped: depends on 'receive', which failed".to_string()
            ),
            (
                "receive".to_string(),
                "failure: `echo 'connection refused' >&2; exit 1` exited with code 1".to_string()
            ),
            ("send_get".to_string(), "passed".to_string()),
            ("server_builds".to_string(), "passed".to_string()),
        ]
    );
    assert!(xml.contains(r#"<testsuite name="rpc""#), "{xml}");
    assert!(!folder.path().join("junit.xml.partial").exists());
}

#[test]
fn a_filter_runs_the_matches_and_what_they_depend_on() {
    let folder = tempfile::tempdir().unwrap();
    let suite = write_suite(folder.path(), SUITE);
    let (code, stdout, _) = test_run(&[&suite, "--filter", "send"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.starts_with(
            "--filter 'send' also runs what the matching tests depend on: server_builds\n..\n"
        ),
        "{stdout}"
    );
    assert!(stdout.ends_with("OK (2 tests, 4 assertions)\n"), "{stdout}");
    let (code, _, stderr) = test_run(&[&suite, "--filter", "nothing-like-it"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "workbench: no test matches --filter 'nothing-like-it'\n"
    );
}

#[test]
fn a_cycle_or_an_unknown_dependency_stops_the_run_before_it_starts_with_exit_2() {
    let folder = tempfile::tempdir().unwrap();
    let marker = folder.path().join("ran");
    let cyclic = SUITE.replace(
        "name = \"server_builds\"\nexec = \"true\"",
        &format!(
            "name = \"server_builds\"\ndepends = [\"close\"]\nexec = \"touch {}\"",
            marker.display()
        ),
    );
    let suite = write_suite(folder.path(), &cyclic);
    let (code, stdout, stderr) = test_run(&[&suite]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!(
            "workbench: {suite}:3: a cycle of dependencies, so none of them can run: server_builds → close → receive → send_get → server_builds\n"
        )
    );
    assert!(!marker.exists(), "nothing ran");
    let unknown = SUITE.replace("depends = [\"receive\"]", "depends = [\"recieve\"]");
    let suite = write_suite(folder.path(), &unknown);
    let (code, _, stderr) = test_run(&[&suite]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("test 'close' depends on 'recieve', which is not in suite 'rpc'"),
        "{stderr}"
    );
    let (code, _, stderr) = test_run(&["no-such-suite.toml"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("workbench: no-such-suite.toml: cannot read the suite:"),
        "{stderr}"
    );
}
