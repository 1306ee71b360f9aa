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
    let mut cases: Vec<(String, String)> = junit_cases(&xml)
        .into_iter()
        .map(|(test, kind, message, _)| match kind.as_str() {
            "passed" => (test, kind),
            _ => (test, format!("{kind}: {message}")),
        })
        .collect();
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

/// A PHPUnit test class with @depends: passes, a failure, an error, and what they cascade to.
const PHPUNIT_CLASS: &str = r#"<?php
use PHPUnit\Framework\TestCase;

final class DepsTest extends TestCase
{
    public function testA(): void { $this->assertTrue(true); }
    /** @depends testA */
    public function testB(): void { $this->assertTrue(false); }
    /** @depends testB */
    public function testC(): void { $this->assertTrue(true); }
    /** @depends testA */
    public function testD(): void { throw new RuntimeException("boom"); }
    /** @depends testD */
    public function testE(): void { $this->assertTrue(true); }
    public function testF(): void { $this->assertTrue(true); }
    /**
     * @depends testF
     * @depends testC
     */
    public function testG(): void { $this->assertTrue(true); }
    /** @depends testF */
    public function testH(): void { $this->assertTrue(true); }
}
"#;

/// The same graph as a suite: `false` fails an assertion, a missing command is an error.
const SAME_SUITE: &str = r#"name = "DepsTest"
[[test]]
name = "A"
exec = "true"
[[test]]
name = "B"
depends = ["A"]
exec = "false"
[[test]]
name = "C"
depends = ["B"]
exec = "true"
[[test]]
name = "D"
depends = ["A"]
exec = "a-command-that-is-not-there"
[[test]]
name = "E"
depends = ["D"]
exec = "true"
[[test]]
name = "F"
exec = "true"
[[test]]
name = "G"
depends = ["F", "C"]
exec = "true"
[[test]]
name = "H"
depends = ["F"]
exec = "true"
"#;

/// Each testcase of a JUnit file: its name, how it ended (passed, failure, error or skipped)
/// and the message of that ending.
/// Each `<testcase>`'s name, how it ended (passed, failure, error, skipped), its message and
/// its class.
fn junit_cases(xml: &str) -> Vec<(String, String, String, String)> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut cases: Vec<(String, String, String, String)> = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(element) | quick_xml::events::Event::Empty(element) => {
                let name = String::from_utf8_lossy(element.name().as_ref()).into_owned();
                let attribute = |key: &str| {
                    element
                        .try_get_attribute(key)
                        .unwrap()
                        .map(|value| value.unescape_value().unwrap().into_owned())
                        .unwrap_or_default()
                };
                if name == "testcase" {
                    cases.push((
                        attribute("name"),
                        "passed".to_string(),
                        String::new(),
                        attribute("class"),
                    ));
                } else if ["failure", "error", "skipped"].contains(&name.as_str())
                    && let Some(last) = cases.last_mut()
                {
                    last.1 = name;
                    last.2 = attribute("message");
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    cases
}

/// A JUnit file's outcomes by test, PHPUnit's `testA` read as `A`, sorted.
fn junit_outcomes(xml: &str) -> Vec<(String, String)> {
    let mut outcomes: Vec<(String, String)> = junit_cases(xml)
        .into_iter()
        .map(|(test, kind, _, _)| (test.trim_start_matches("test").to_string(), kind))
        .collect();
    outcomes.sort();
    outcomes
}

#[test]
fn outcomes_match_phpunits_own_for_the_same_dependency_graph() {
    if std::process::Command::new("phpunit")
        .arg("--version")
        .output()
        .is_err()
        && common::missing_tool("phpunit", "the comparison with PHPUnit's @depends")
    {
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    let class = folder.path().join("DepsTest.php");
    std::fs::write(&class, PHPUNIT_CLASS).unwrap();
    let theirs_file = folder.path().join("phpunit.xml");
    let phpunit = std::process::Command::new("phpunit")
        .args([
            "--log-junit",
            theirs_file.to_str().unwrap(),
            class.to_str().unwrap(),
        ])
        .current_dir(folder.path())
        .output()
        .unwrap();
    let theirs = junit_outcomes(&std::fs::read_to_string(&theirs_file).unwrap_or_else(|_| {
        panic!(
            "phpunit wrote no JUnit log: {}",
            String::from_utf8_lossy(&phpunit.stdout)
        )
    }));
    let suite = write_suite(folder.path(), SAME_SUITE);
    let ours_file = folder.path().join("ours.xml");
    let (code, stdout, _) = test_run(&[&suite, "--junit", ours_file.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    let ours = junit_outcomes(&std::fs::read_to_string(&ours_file).unwrap());
    assert_eq!(ours, theirs, "ours on the left, PHPUnit's on the right");
    // And the graph really has every kind of ending in it.
    for kind in ["passed", "failure", "error", "skipped"] {
        assert!(
            theirs.iter().any(|(_, outcome)| outcome == kind),
            "{theirs:?}"
        );
    }
}

#[test]
fn tap_and_json_say_the_same_for_scripts() {
    let folder = tempfile::tempdir().unwrap();
    let suite = write_suite(folder.path(), SUITE);
    let (code, tap, _) = test_run(&[&suite, "--tap"]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = tap.lines().filter(|line| !line.starts_with("  ")).collect();
    assert_eq!(
        lines,
        [
            "TAP version 13",
            "1..4",
            "ok 1 - rpc::server_builds",
            "ok 2 - rpc::send_get",
            "not ok 3 - rpc::receive",
            "ok 4 - rpc::close # SKIP depends on 'receive', which failed",
        ]
    );
    let (code, json, stderr) = test_run(&[&suite, "--json", "--filter", "receive"]);
    assert_eq!(code, 1);
    // What --filter pulled in is said on stderr, so stdout stays one JSON document.
    assert!(stderr.contains("server_builds, send_get"), "{stderr}");
    let document: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(document["ok"], false);
    assert_eq!(document["tests"], 3);
    let outcomes: Vec<(&str, &str)> = document["suites"][0]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|test| {
            (
                test["name"].as_str().unwrap(),
                test["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("server_builds", "passed"),
            ("send_get", "passed"),
            ("receive", "failed")
        ]
    );
    assert_eq!(document["suites"][0]["tests"][2]["expected"], "exit code 0");
}

/// Talks to a line echo server: connect, then two tests on the same connection.
fn echo_suite(port: u16) -> String {
    format!(
        r#"name = "echo"

[[test]]
name = "connects"
tcp = {{ connect = "127.0.0.1:{port}", session = "main" }}

[[test]]
name = "sends"
depends = ["connects"]
timeout = 2
tcp = {{ session = "main", send = "hello\n", expect_line = "hello" }}

[[test]]
name = "same_connection"
depends = ["sends"]
timeout = 2
tcp = {{ session = "main", send = "id=7 and more\n", expect_matches = "^id=\\d+" }}

[[test]]
name = "fresh_connection"
timeout = 2
tcp = {{ connect = "127.0.0.1:{port}", send = "x\n", expect_line = "x" }}
"#
    )
}

#[test]
fn tcp_tests_share_one_connection_with_the_workbench_echo_server() {
    let port = common::free_port();
    let address = format!("127.0.0.1:{port}");
    let _server = common::Reaped(
        command()
            .args([
                "lab",
                "socket-echo",
                "--role",
                "server",
                "--bind",
                &address,
                "--headless",
            ])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    common::wait_for(
        std::time::Duration::from_secs(20),
        "the echo server",
        || std::net::TcpStream::connect(&address).ok(),
    );
    let folder = tempfile::tempdir().unwrap();
    let suite = write_suite(folder.path(), &echo_suite(port));
    let (code, stdout, stderr) = test_run(&[&suite, "--json"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let document: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    // connect 1, expect 1, expect 1, connect 1 + expect 1
    assert_eq!(document["assertions"], 5, "{document}");
    assert_eq!(document["ok"], true);
}

#[test]
fn a_server_that_is_down_gives_errors_and_skips_like_phpunit() {
    let port = common::free_port();
    let folder = tempfile::tempdir().unwrap();
    let suite = write_suite(folder.path(), &echo_suite(port));
    let (code, stdout, _) = test_run(&[&suite, "--jobs", "1"]);
    assert_eq!(code, 1, "{stdout}");
    // connects and fresh_connection cannot connect (errors); what depends on connects is skipped.
    assert!(
        stdout.starts_with("ESSE\n") || stdout.starts_with("EESS\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "cannot connect to 127.0.0.1:{port}: Connection refused"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("depends on 'connects', which errored"),
        "{stdout}"
    );
    assert!(
        stdout.contains("depends on 'sends', which was skipped"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("Tests: 4, Assertions: 0, Failures: 0, Errors: 2, Skipped: 2.\n"),
        "{stdout}"
    );
}

#[test]
fn ctrl_c_stops_the_commands_under_way_and_still_reports() {
    let folder = tempfile::tempdir().unwrap();
    let suite = write_suite(
        folder.path(),
        r#"name = "long"
[[test]]
name = "sleeps"
exec = "sleep 30 & echo $! > sleeper.pid; wait"
[[test]]
name = "after"
depends = ["sleeps"]
exec = "true"
"#,
    );
    let mut run = common::Reaped(
        command()
            .args(["test", "run", &suite])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let pid_file = folder.path().join("sleeper.pid");
    let pid: i32 = common::wait_for(std::time::Duration::from_secs(20), "the sleeper", || {
        std::fs::read_to_string(&pid_file).ok()?.trim().parse().ok()
    });
    common::interrupt(&run.0);
    let status = common::wait_for(std::time::Duration::from_secs(10), "the run to end", || {
        run.0.try_wait().unwrap()
    });
    assert_eq!(status.code(), Some(1));
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut run.0.stdout.take().unwrap(), &mut stdout).unwrap();
    assert!(stdout.starts_with("ES\n"), "{stdout}");
    assert!(
        stdout.contains("was stopped: the run was interrupted"),
        "{stdout}"
    );
    // The sleep the test started is not left running.
    let sleeping = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .rsplit_once(") ")
            .is_some_and(|(_, after)| after.starts_with('S'))
    };
    common::wait_for(
        std::time::Duration::from_secs(5),
        "the sleeper to be gone",
        || (!sleeping()).then_some(()),
    );
}

#[test]
fn a_bootstrap_server_runs_for_the_tests_and_is_stopped_after() {
    let port = common::free_port();
    let folder = tempfile::tempdir().unwrap();
    let server = format!(
        "{} lab socket-echo --role server --bind 127.0.0.1:{port} --headless",
        common::workbench().display()
    );
    let suite = write_suite(
        folder.path(),
        &echo_suite(port).replacen(
            "name = \"echo\"\n",
            &format!("name = \"echo\"\n[bootstrap]\ncommand = \"{server}\"\nready_port = {port}\ntimeout = 20\n"),
            1,
        ),
    );
    let (code, stdout, stderr) = test_run(&[&suite]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.ends_with("OK (4 tests, 5 assertions)\n"), "{stdout}");
    // No server is left behind: the port is free again.
    common::wait_for(
        std::time::Duration::from_secs(5),
        "the port to be free",
        || std::net::TcpListener::bind(("127.0.0.1", port)).ok(),
    );
    // A bootstrap that dies before its port opens stops the run with one line.
    let broken = write_suite(
        folder.path(),
        &echo_suite(port).replacen(
            "name = \"echo\"\n",
            &format!("name = \"echo\"\n[bootstrap]\ncommand = \"echo no server here >&2; exit 3\"\nready_port = {port}\n"),
            1,
        ),
    );
    let (code, stdout, stderr) = test_run(&[&broken]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        stderr,
        format!(
            "workbench: {broken}: the bootstrap `echo no server here >&2; exit 3` ended (exit status: 3) before port {port} opened: no server here\n"
        )
    );
    // One that dies while a child of it keeps its stderr open is heard at once, not when the
    // child ends, and the child does not outlive the run.
    let holding = write_suite(
        folder.path(),
        &echo_suite(port).replacen(
            "name = \"echo\"\n",
            &format!("name = \"echo\"\n[bootstrap]\ncommand = \"sleep 45.5 & echo gone >&2; exit 3\"\nready_port = {port}\n"),
            1,
        ),
    );
    let started = std::time::Instant::now();
    let (code, _, stderr) = test_run(&[&holding]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("ended (exit status: 3)") && stderr.contains(": gone"),
        "{stderr}"
    );
    // Not a timing test: 45 s is what waiting for the child would take.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    common::wait_for(
        std::time::Duration::from_secs(10),
        "the bootstrap's child to stop",
        || (!common::running_with("sleep 45.5")).then_some(()),
    );
}

#[test]
fn the_echo_example_suite_runs_against_the_workbenchs_own_echo_server_and_stops_it() {
    // The suite's bootstrap starts "$WORKBENCH" lab socket-echo: this very binary.
    let output = command()
        .args(["lab", "test-deps", "--example", "echo", "--headless"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = common::json_lines(&output.stdout)
        .pop()
        .expect("a report line");
    assert_eq!(report["type"], "report", "{stdout}");
    assert_eq!(report["ok"], true, "{stdout}");
    assert_eq!(report["counters"]["tests passed"], 6, "{stdout}");
    // The echo server is gone with the suite: its port is free again.
    common::wait_for(
        std::time::Duration::from_secs(10),
        "port 25090 to be free",
        || {
            std::net::TcpListener::bind("127.0.0.1:25090")
                .ok()
                .map(|_| ())
        },
    );
}

#[test]
fn the_cascade_example_suite_fails_in_one_place_and_skips_what_follows() {
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/suites/cascade.toml");
    let (code, stdout, _) = test_run(&[suite.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("Tests: 10, Assertions: 11, Failures: 1, Errors: 0, Skipped: 2."),
        "{stdout}"
    );
    assert!(stdout.contains("shop::add_to_cart"), "{stdout}");
    assert!(stdout.contains("cart: item 42 is out of stock"), "{stdout}");
}

fn exercise_file(exercise: &str, file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("exercises")
        .join(exercise)
        .join(file)
}

fn starter(exercise: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../content/exercises")
        .join(exercise)
        .join("starter/suite.toml")
}

#[test]
fn the_session_suite_exercise_passes_the_reference_and_fails_the_broken_suites_in_the_right_place()
{
    let exercise = "testdeps-session-suite";
    let (code, out) = common::check_exercise_with_file(
        exercise,
        &exercise_file(exercise, "suite.toml"),
        "suite.toml",
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("PASS quit is skipped because get failed"),
        "{out}"
    );
    // The starter has only its first test.
    let (code, out) = common::check_exercise_with_file(exercise, &starter(exercise), "suite.toml");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no hello, no set, no get, no quit"), "{out}");
    // A get on a connection of its own finds nothing SET there.
    let (code, out) = common::check_exercise_with_file(
        exercise,
        &exercise_file(exercise, "new-connection.toml"),
        "suite.toml",
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL talks on one connection"), "{out}");
    assert!(out.contains("2 connections"), "{out}");
    // A get that accepts any answer cannot point at the broken server.
    let (code, out) = common::check_exercise_with_file(
        exercise,
        &exercise_file(exercise, "lenient.toml"),
        "suite.toml",
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL get fails against a server that forgets what was SET"),
        "{out}"
    );
}

#[test]
fn the_fix_suite_exercise_refuses_the_cycle_and_the_wrong_dependency() {
    let exercise = "testdeps-fix-suite";
    let (code, out) = common::check_exercise_with_file(exercise, &starter(exercise), "suite.toml");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("a cycle of dependencies, so none of them can run: login → logout → login"),
        "{out}"
    );
    let (code, out) = common::check_exercise_with_file(
        exercise,
        &exercise_file(exercise, "still-wrong.toml"),
        "suite.toml",
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL checkout depends on add_to_cart"),
        "{out}"
    );
    assert!(out.contains("FAIL run, checkout is skipped"), "{out}");
    let (code, out) = common::check_exercise_with_file(
        exercise,
        &exercise_file(exercise, "suite.toml"),
        "suite.toml",
    );
    assert_eq!(code, 0, "{out}");
}

/// `workbench test run` (a subreaper, with its quick look at adopted children) stops what a
/// test left in the background, in its group or in a session of its own.
#[test]
fn test_run_leaves_no_background_job_behind() {
    let folder = tempfile::tempdir().unwrap();
    // The double fork is repeated: its daemon is often caught in the middle of its `exec`,
    // when its environment (and so its mark) cannot be read for a moment.
    let mut text = String::from(
        r#"name = "jobs"
[[test]]
name = "escaped"
exec = "setsid sleep 46.5 > /dev/null 2>&1 < /dev/null &"
[[test]]
name = "in_group"
exec = "sleep 46.7 > /dev/null 2>&1 &"
"#,
    );
    for round in 0..60 {
        text.push_str(&format!(
            "[[test]]\nname = \"double_forked_{round}\"\nexec = \"(setsid sleep 46.6{round} > /dev/null 2>&1 < /dev/null &)\"\n"
        ));
    }
    let suite = write_suite(folder.path(), &text);
    let (code, stdout, stderr) = test_run(&[&suite, "--jobs", "2"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    for job in ["sleep 46.5", "sleep 46.6", "sleep 46.7"] {
        common::wait_for(std::time::Duration::from_secs(10), job, || {
            (!common::running_with(job)).then_some(())
        });
    }
}

/// A real PHPUnit project: a configuration with a bootstrap whose autoloader finds the class
/// under test, a chain of three `@depends`, a data provider with a failing case that a test
/// depends on, and a class whose first test errors.
fn phpunit_project(folder: &Path) {
    let write = |name: &str, text: &str| {
        let path = folder.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "phpunit.xml.dist",
        r#"<?xml version="1.0"?>
<phpunit bootstrap="tests/bootstrap.php" colors="false">
  <testsuites><testsuite name="unit"><directory>tests</directory></testsuite></testsuites>
</phpunit>
"#,
    );
    write(
        "tests/bootstrap.php",
        "<?php\nspl_autoload_register(function (string $class): void {\n    $file = __DIR__ . '/../src/' . $class . '.php';\n    if (is_file($file)) {\n        require $file;\n    }\n});\n",
    );
    write(
        "src/Greeter.php",
        "<?php\nfinal class Greeter\n{\n    public function greet(string $name): string\n    {\n        return 'hello ' . $name;\n    }\n}\n",
    );
    write(
        "tests/ChainTest.php",
        r#"<?php
use PHPUnit\Framework\TestCase;

final class ChainTest extends TestCase
{
    public function testConnect(): Greeter
    {
        $greeter = new Greeter();
        $this->assertInstanceOf(Greeter::class, $greeter);
        return $greeter;
    }

    /**
     * @depends testConnect
     */
    public function testSend(Greeter $greeter): string
    {
        $answer = $greeter->greet('ada');
        $this->assertSame('hello ada', $answer);
        return $answer;
    }

    /**
     * @depends testSend
     */
    public function testReceive(string $answer): void
    {
        $this->assertStringEndsWith('ada', $answer);
    }

    /**
     * @dataProvider names
     */
    public function testShout(string $name, string $expected): void
    {
        $this->assertSame($expected, strtoupper($name));
    }

    public function names(): array
    {
        return ['ada' => ['ada', 'ADA'], 'wrong' => ['bob', 'bob']];
    }

    /**
     * @depends testShout
     */
    public function testAfterShout(): void
    {
        $this->assertTrue(true);
    }
}
"#,
    );
    write(
        "tests/ServerTest.php",
        r#"<?php
use PHPUnit\Framework\TestCase;

final class ServerTest extends TestCase
{
    public function testOpen()
    {
        throw new RuntimeException('the server is down');
    }

    /**
     * @depends testOpen
     */
    public function testUse($connection): void
    {
        $this->assertNotNull($connection);
    }
}
"#,
    );
}

/// PHPUnit's own outcome of each test, run by the test itself: `Class::name` → passed,
/// failure, error or skipped.
fn phpunits_own_outcomes(folder: &Path) -> std::collections::BTreeMap<String, String> {
    let log = folder.join("theirs.xml");
    let ran = std::process::Command::new("phpunit")
        .args(["--log-junit", log.to_str().unwrap()])
        .current_dir(folder)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&log).unwrap_or_else(|_| {
        panic!(
            "phpunit wrote no log: {}",
            String::from_utf8_lossy(&ran.stdout)
        )
    });
    junit_cases(&text)
        .into_iter()
        .map(|(test, kind, _, class)| (format!("{class}::{test}"), kind))
        .collect()
}

#[test]
fn a_real_phpunit_suite_runs_with_its_depends_graph_and_phpunits_own_outcomes() {
    if !common::phpunit_present("running a real PHPUnit suite with --phpunit") {
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    phpunit_project(folder.path());
    let theirs = phpunits_own_outcomes(folder.path());
    let (code, stdout, stderr) =
        test_run(&["--phpunit", folder.path().to_str().unwrap(), "--json"]);
    assert_eq!(code, 2, "PHPUnit's exit code for errors: {stdout}{stderr}");
    let document: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let tests = document["tests"].as_array().unwrap();
    let ours: std::collections::BTreeMap<String, String> = tests
        .iter()
        .map(|test| {
            let outcome = match test["outcome"].as_str().unwrap() {
                "failed" => "failure",
                other => other,
            };
            (
                test["id"].as_str().unwrap().to_string(),
                outcome.to_string(),
            )
        })
        .collect();
    assert_eq!(ours, theirs, "ours on the left, PHPUnit's on the right");
    // The graph is the one the files declare, data sets as tests of their own.
    let depends = |id: &str| -> Vec<&str> {
        let test = tests.iter().find(|test| test["id"] == id).unwrap();
        test["depends"]
            .as_array()
            .unwrap()
            .iter()
            .map(|other| other.as_str().unwrap())
            .collect()
    };
    assert_eq!(depends("ChainTest::testConnect"), Vec::<&str>::new());
    assert_eq!(depends("ChainTest::testSend"), ["ChainTest::testConnect"]);
    assert_eq!(depends("ChainTest::testReceive"), ["ChainTest::testSend"]);
    assert_eq!(
        depends("ChainTest::testAfterShout"),
        [
            "ChainTest::testShout with data set \"ada\"",
            "ChainTest::testShout with data set \"wrong\""
        ]
    );
    assert_eq!(depends("ServerTest::testUse"), ["ServerTest::testOpen"]);
    // What a failed dependency does, as PHPUnit says it.
    let use_test = tests
        .iter()
        .find(|test| test["id"] == "ServerTest::testUse")
        .unwrap();
    assert!(
        use_test["message"]
            .as_str()
            .unwrap()
            .contains("depends on \"ServerTest::testOpen\" to pass"),
        "{use_test}"
    );
    assert_eq!(
        document["summary"],
        "ERRORS! Tests: 8, Assertions: 6, Errors: 1, Failures: 1, Skipped: 1."
    );
    assert!(document["progress"].as_str().unwrap().starts_with("...."));
    // Without --json: PHPUnit's own report, then the graph with each outcome.
    let (code, stdout, _) = test_run(&["--phpunit", folder.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stdout.contains("There was 1 error:"), "{stdout}");
    assert!(
        stdout.contains("  S ServerTest::testUse  ← testOpen  (skipped: "),
        "{stdout}"
    );
}

#[test]
fn the_lab_draws_a_real_phpunit_suite_and_ends_with_phpunits_outcomes() {
    if !common::phpunit_present("the test-deps lab on a real PHPUnit suite") {
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    phpunit_project(folder.path());
    let theirs = phpunits_own_outcomes(folder.path());
    let output = command()
        .args(["lab", "test-deps", "--headless", "--phpunit"])
        .arg(folder.path().join("phpunit.xml.dist"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let lines = common::json_lines(&output.stdout);
    let snapshot = lines
        .iter()
        .rfind(|line| line["type"] == "snapshot")
        .unwrap();
    let graph = &snapshot["graphs"]["tests"];
    let nodes = graph["nodes"].as_array().unwrap();
    let drawn: std::collections::BTreeMap<String, String> = nodes
        .iter()
        .map(|node| {
            let state = match node["state"].as_str().unwrap() {
                "failed" => "failure",
                other => other,
            };
            (
                node["label"].as_str().unwrap().to_string(),
                state.to_string(),
            )
        })
        .collect();
    assert_eq!(
        drawn, theirs,
        "the dashboard on the left, PHPUnit on the right"
    );
    let edges = graph["edges"].as_array().unwrap();
    let label = |index: &serde_json::Value| {
        nodes[index.as_u64().unwrap() as usize]["label"]
            .as_str()
            .unwrap()
    };
    assert!(
        edges
            .iter()
            .any(|edge| label(&edge[0]) == "ChainTest::testSend"
                && label(&edge[1]) == "ChainTest::testReceive"),
        "{edges:?}"
    );
    let shown: Vec<&str> = snapshot["tables"]["PHPUnit"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row[0].as_str().unwrap())
        .collect();
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(shown[0].starts_with("...."), "{shown:?}");
    let report = lines.last().unwrap();
    assert_eq!(
        report["verdict"],
        "PHPUnit: ERRORS! Tests: 8, Assertions: 6, Errors: 1, Failures: 1, Skipped: 1."
    );
}

#[test]
fn a_missing_phpunit_or_suite_is_one_line_saying_how_to_get_it() {
    let folder = tempfile::tempdir().unwrap();
    phpunit_project(folder.path());
    let empty = tempfile::tempdir().unwrap();
    let output = command()
        .args(["test", "run", "--phpunit"])
        .arg(folder.path())
        .env("PATH", empty.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("workbench: PHPUnit not found: no vendor/bin/phpunit in ")
            && stderr.contains("apt install phpunit")
            && stderr.contains("phpunit.phar"),
        "{stderr}"
    );
    let (code, _, stderr) = test_run(&[
        "--phpunit",
        folder.path().to_str().unwrap(),
        "--phpunit-bin",
        "/nowhere/phpunit.phar",
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("workbench: --phpunit-bin /nowhere/phpunit.phar: no such file;"),
        "{stderr}"
    );
    let (code, _, stderr) = test_run(&["--phpunit", "/nowhere/tests"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("workbench: no PHPUnit suite at /nowhere/tests: give a folder"),
        "{stderr}"
    );
    // The lab says the same before it starts.
    let output = command()
        .args([
            "lab",
            "test-deps",
            "--headless",
            "--phpunit",
            "/nowhere/tests",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no PHPUnit suite at /nowhere/tests"));
}

/// The PHPUnit exercise, started as a student starts it: its starter is told which tests are
/// missing, the reference passes every check (with the no-server run's `ESS` among them), and
/// without PHPUnit the one failed check says how to install it.
#[test]
fn the_phpunit_exercise_passes_the_reference_and_tells_the_starter_what_is_missing() {
    if !common::phpunit_present("the PHPUnit @depends exercise") {
        return;
    }
    let exercise = "testdeps-phpunit-depends";
    let folder = tempfile::tempdir().unwrap();
    let started = common::command()
        .args(["exercise", "start", exercise, "--into"])
        .arg(folder.path())
        .env("WORKBENCH_DATA_DIR", folder.path().join(".data"))
        .env_remove("WORKBENCH_CONTENT")
        .output()
        .unwrap();
    assert!(started.status.success(), "{started:?}");
    let (code, out) = common::check_exercise_in(folder.path(), exercise, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("no testSend in KvTest; no testReceive in KvTest"),
        "{out}"
    );

    std::fs::copy(
        exercise_file(exercise, "solution.php"),
        folder.path().join("tests/KvTest.php"),
    )
    .unwrap();
    let (code, out) = common::check_exercise_in(folder.path(), exercise, &[]);
    assert_eq!(code, 0, "{out}");
    for line in [
        "PASS talks on one connection",
        "PASS testSend is skipped when no server listens",
        "PASS testReceive is skipped because testSend failed against a server that answers SET with ERROR read-only-",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
    // The checker's servers are gone: the port is free again.
    std::net::TcpListener::bind("127.0.0.1:25009").unwrap();

    let output = common::command()
        .args(["exercise", "check", exercise])
        .current_dir(folder.path())
        .env("WORKBENCH_DATA_DIR", folder.path().join(".data"))
        .env_remove("WORKBENCH_CONTENT")
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL PHPUnit lists your tests"), "{out}");
    assert!(out.contains("PHPUnit not found"), "{out}");
    assert!(out.contains("apt install phpunit"), "{out}");
}

/// PHPUnit 10 and later name dependencies with attributes (`#[Depends]`, `#[DependsExternal]`,
/// `#[DependsOnClass]` and their `UsingDeepClone`/`UsingShallowClone` forms). Only PHPUnit 9
/// can be installed here (Debian's), so the workbench's helper is run by PHP itself on such a
/// class, as PHPUnit 10 would load it: PHP's Reflection reads the attributes, the helper names
/// each dependency, and ignores them when told the PHPUnit is 9 (where they do not count).
#[test]
fn the_depends_helper_reads_the_attributes_of_phpunit_10_and_later() {
    let php_here = std::process::Command::new("php")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !php_here && common::missing_tool("php", "the PHPUnit helper's attributes") {
        return;
    }
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("../labs/testdeps/php/depends.php");
    let code = r#"
        require $argv[1];
        use PHPUnit\Framework\Attributes\Depends;
        use PHPUnit\Framework\Attributes\DependsUsingDeepClone;
        use PHPUnit\Framework\Attributes\DependsExternal;
        use PHPUnit\Framework\Attributes\DependsOnClass;
        final class ChainTest {
            public function testConnect() {}
            #[Depends('testConnect')]
            public function testSend($socket) {}
            /** @depends testConnect */
            #[DependsUsingDeepClone('testSend')]
            public function testReceive($socket) {}
            #[DependsExternal(OtherTest::class, 'testLogin')]
            #[DependsOnClass(SetupTest::class)]
            public function testLogout() {}
        }
        $all = [];
        foreach (['testConnect', 'testSend', 'testReceive', 'testLogout'] as $method) {
            $all[$method] = [dependsOf('ChainTest', $method, true), dependsOf('ChainTest', $method, false)];
        }
        echo json_encode($all);
    "#;
    let output = std::process::Command::new("php")
        .args(["-r", code, "--"])
        .arg(&helper)
        .env_remove("WORKBENCH_PHPUNIT_CONFIG")
        .env_remove("WORKBENCH_TEST_LIST")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let read: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        read,
        serde_json::json!({
            "testConnect": [[], []],
            "testSend": [["ChainTest::testConnect"], []],
            "testReceive": [
                ["ChainTest::testConnect", "ChainTest::testSend"],
                ["ChainTest::testConnect"]
            ],
            "testLogout": [["OtherTest::testLogin", "SetupTest::class"], []],
        })
    );
}
