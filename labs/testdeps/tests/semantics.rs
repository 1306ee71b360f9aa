//! The runner's rules, run for real with `sh`: skips cascade from failures and errors, tests
//! run in parallel when they can, timeouts stop the whole command, assertions say what came.

use std::path::Path;

use lab_testdeps::schedule::{self, Outcome, TestResult};
use lab_testdeps::suite::{self, Suite};

fn suite_in(folder: &Path, text: &str) -> Suite {
    let file = folder.join("suite.toml");
    std::fs::write(&file, text).unwrap();
    let suite = suite::load(&file).unwrap();
    lab_testdeps::graph::check(&suite).unwrap();
    suite
}

fn outcomes(suite: &Suite, jobs: usize) -> Vec<(String, Outcome)> {
    schedule::run(suite, None, jobs, &|_: &TestResult| {})
        .into_iter()
        .map(|result| (suite.tests[result.index].name.clone(), result.outcome))
        .collect()
}

fn outcome_of<'a>(outcomes: &'a [(String, Outcome)], name: &str) -> &'a Outcome {
    &outcomes.iter().find(|(test, _)| test == name).unwrap().1
}

#[test]
fn a_failure_skips_its_dependents_and_theirs_but_not_the_others() {
    let folder = tempfile::tempdir().unwrap();
    let suite = suite_in(
        folder.path(),
        r#"name = "chain"
[[test]]
name = "send"
exec = "exit 1"
[[test]]
name = "receive"
depends = ["send"]
exec = "true"
[[test]]
name = "close"
depends = ["receive"]
exec = "true"
[[test]]
name = "unrelated"
exec = "true"
[[test]]
name = "broken"
exec = "this-command-does-not-exist"
[[test]]
name = "after_broken"
depends = ["unrelated", "broken"]
exec = "true"
"#,
    );
    let outcomes = outcomes(&suite, 2);
    assert!(matches!(
        outcome_of(&outcomes, "send"),
        Outcome::Failed { .. }
    ));
    assert_eq!(
        outcome_of(&outcomes, "receive"),
        &Outcome::Skipped {
            reason: "depends on 'send', which failed".into()
        }
    );
    assert_eq!(
        outcome_of(&outcomes, "close"),
        &Outcome::Skipped {
            reason: "depends on 'receive', which was skipped".into()
        }
    );
    assert_eq!(outcome_of(&outcomes, "unrelated"), &Outcome::Passed);
    assert!(matches!(
        outcome_of(&outcomes, "broken"),
        Outcome::Error { .. }
    ));
    assert_eq!(
        outcome_of(&outcomes, "after_broken"),
        &Outcome::Skipped {
            reason: "depends on 'broken', which errored".into()
        }
    );
}

#[test]
fn independent_tests_run_at_the_same_time_with_two_jobs() {
    // Each test waits for the file the other creates: only together can both finish.
    let folder = tempfile::tempdir().unwrap();
    let text = r#"name = "pair"
[[test]]
name = "left"
timeout = 3
exec = "touch left.ready; while [ ! -e right.ready ]; do sleep 0.01; done"
[[test]]
name = "right"
timeout = 3
exec = "touch right.ready; while [ ! -e left.ready ]; do sleep 0.01; done"
"#;
    let suite = suite_in(folder.path(), text);
    let together = outcomes(&suite, 2);
    assert!(
        together
            .iter()
            .all(|(_, outcome)| *outcome == Outcome::Passed),
        "{together:?}"
    );
    // One at a time, the first waits for the second, which has not started: its timeout ends it.
    for ready in ["left.ready", "right.ready"] {
        std::fs::remove_file(folder.path().join(ready)).unwrap();
    }
    let alone = outcomes(&suite, 1);
    assert!(
        matches!(&alone[0].1, Outcome::Error { message } if message.contains("ran past its timeout of 3 s")),
        "{alone:?}"
    );
}

#[test]
fn a_timeout_stops_the_command_and_what_it_started() {
    let folder = tempfile::tempdir().unwrap();
    let suite = suite_in(
        folder.path(),
        r#"name = "slow"
[[test]]
name = "sleeper"
timeout = 0.5
exec = "sleep 30 & echo $! > child.pid; wait"
"#,
    );
    let outcomes = outcomes(&suite, 1);
    assert!(
        matches!(&outcomes[0].1, Outcome::Error { .. }),
        "{outcomes:?}"
    );
    let pid: i32 = std::fs::read_to_string(folder.path().join("child.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // The background sleep was in the test's process group: it got the same SIGKILL, and is
    // gone within moments (or a zombie, waiting for init to collect it), never still sleeping.
    let sleeping = || {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        state
            .rsplit_once(") ")
            .is_some_and(|(_, after)| after.starts_with('S'))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while sleeping() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(!sleeping(), "the background sleep {pid} is still sleeping");
}

#[test]
fn output_assertions_say_what_was_expected_and_what_came() {
    let folder = tempfile::tempdir().unwrap();
    let suite = suite_in(
        folder.path(),
        r#"name = "say"
[[test]]
name = "greets"
exec = { command = "echo hello world", stdout_contains = "hello", stdout_matches = "^bye" }
"#,
    );
    let results = schedule::run(&suite, None, 1, &|_: &TestResult| {});
    assert_eq!(
        results[0].assertions, 3,
        "exit code, contains, then the failing match"
    );
    assert_eq!(
        results[0].outcome,
        Outcome::Failed {
            message: "the stdout of `echo hello world`".into(),
            expected: "stdout matching /^bye/".into(),
            actual: "stdout \"hello world\\n\"".into(),
        }
    );
}

#[test]
fn a_tcp_line_that_differs_fails_with_both_lines_shown() {
    // A server that answers every line with "nope".
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::{BufRead, Write};
        for stream in listener.incoming().flatten() {
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let mut writer = stream;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 0) {
                let _ = writer.write_all(b"nope\n");
                line.clear();
            }
        }
    });
    let folder = tempfile::tempdir().unwrap();
    let suite = suite_in(
        folder.path(),
        &format!(
            r#"name = "talk"
[[test]]
name = "hello"
timeout = 2
tcp = {{ connect = "127.0.0.1:{port}", send = "hello\n", expect_line = "hello" }}
"#
        ),
    );
    let results = schedule::run(&suite, None, 1, &|_: &TestResult| {});
    assert_eq!(results[0].assertions, 2, "connected, then the line");
    assert_eq!(
        results[0].outcome,
        Outcome::Failed {
            message: "the line the server sent".into(),
            expected: "the line \"hello\"".into(),
            actual: "\"nope\"".into(),
        }
    );
}

#[test]
fn a_captured_value_reaches_the_tests_that_depend_on_it() {
    let folder = tempfile::tempdir().unwrap();
    let suite = suite_in(
        folder.path(),
        r#"name = "ids"
[[test]]
name = "create"
exec = "echo 'created id=4711'"
capture = "id=(\\d+)"
[[test]]
name = "fetch"
depends = ["create"]
exec = { command = "echo fetched ${create}", stdout_contains = "fetched 4711" }
[[test]]
name = "missing"
exec = "echo nothing here"
capture = "id=(\\d+)"
"#,
    );
    let results = schedule::run(&suite, None, 2, &|_: &TestResult| {});
    assert_eq!(results[0].captured.as_deref(), Some("4711"));
    assert_eq!(results[0].assertions, 2, "the exit code and the capture");
    assert_eq!(results[1].outcome, Outcome::Passed, "{:?}", results[1]);
    assert!(
        matches!(&results[2].outcome, Outcome::Failed { expected, .. } if expected == "output matching /id=(\\d+)/"),
        "{:?}",
        results[2]
    );
}

#[test]
fn a_value_used_without_its_dependency_or_its_capture_is_refused() {
    let check = |text: &str| {
        let suite = suite::parse(text, Path::new("s.toml")).unwrap();
        lab_testdeps::graph::check(&suite)
    };
    let without_depends = "name = \"s\"\n[[test]]\nname = \"a\"\nexec = \"echo 1\"\ncapture = \"1\"\n[[test]]\nname = \"b\"\nexec = \"echo ${a}\"\n";
    assert_eq!(
        check(without_depends).unwrap_err(),
        "s.toml:6: test 'b' uses ${a}, but does not depend on 'a': add it to depends"
    );
    let without_capture = "name = \"s\"\n[[test]]\nname = \"a\"\nexec = \"echo 1\"\n[[test]]\nname = \"b\"\ndepends = [\"a\"]\nexec = \"echo ${a}\"\n";
    assert!(
        check(without_capture)
            .unwrap_err()
            .contains("but 'a' captures nothing")
    );
}

#[test]
fn captured_values_are_data_in_a_shell_command_and_in_a_query() {
    let folder = tempfile::tempdir().unwrap();
    {
        let shop = rusqlite::Connection::open(folder.path().join("shop.db")).unwrap();
        shop.execute_batch(
            "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT);
             INSERT INTO products VALUES (1, 'one'), (2, 'two');",
        )
        .unwrap();
    }
    let suite = suite_in(
        folder.path(),
        r#"name = "inject"
[[test]]
name = "create"
exec = "echo \"id=1; touch pwned-bare\""
capture = "id=(.*)"
[[test]]
name = "bare"
depends = ["create"]
exec = { command = "echo got ${create}", stdout_contains = "got 1; touch pwned-bare" }
[[test]]
name = "double"
depends = ["quoted"]
exec = { command = "echo \"got ${quoted}\"", stdout_contains = "got $(touch pwned-double) `touch pwned-tick` \"" }
[[test]]
name = "quoted"
exec = "printf 'v=$(touch pwned-double) `touch pwned-tick` \"\\n'"
capture = "v=(.*)"
[[test]]
name = "single"
depends = ["create"]
exec = { command = "echo 'got ${create}'", stdout_contains = "got 1; touch pwned-bare" }
[[test]]
name = "or"
exec = "echo 'p=1 OR 1=1'"
capture = "p=(.*)"
[[test]]
name = "query"
depends = ["or"]
sql = { database = "shop.db", query = "SELECT name FROM products WHERE id = ${or}", row_count = 0 }
[[test]]
name = "text"
depends = ["or"]
sql = { database = "shop.db", query = "SELECT count(*) FROM products WHERE name = '${or}' OR name = 'x'", rows = [["0"]] }
"#,
    );
    let results = outcomes(&suite, 2);
    for (name, outcome) in &results {
        assert_eq!(*outcome, Outcome::Passed, "{name}: {outcome:?}");
    }
    for file in ["pwned-bare", "pwned-double", "pwned-tick"] {
        assert!(
            !folder.path().join(file).exists(),
            "{file} was created: a capture ran as code"
        );
    }
}

/// Whether a process whose command line holds `needle` is alive (zombies aside).
fn running_with(needle: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        let path = entry.path();
        let zombie = std::fs::read_to_string(path.join("stat")).is_ok_and(|stat| {
            stat.rsplit(')')
                .next()
                .and_then(|rest| rest.split_whitespace().next())
                == Some("Z")
        });
        !zombie
            && std::fs::read(path.join("cmdline")).is_ok_and(|line| {
                String::from_utf8_lossy(&line)
                    .replace('\0', " ")
                    .contains(needle)
            })
    })
}

#[test]
fn background_jobs_end_with_their_test_and_never_hold_it_up() {
    let folder = tempfile::tempdir().unwrap();
    let suite = suite_in(
        folder.path(),
        r#"name = "jobs"
[[test]]
name = "in_group"
exec = { command = "sleep 40.1 & echo started", stdout_contains = "started" }
timeout = 30
[[test]]
name = "quiet"
exec = "sleep 40.2 > /dev/null 2>&1 &"
[[test]]
name = "escaped"
exec = "setsid sleep 40.3 > /dev/null 2>&1 < /dev/null &"
[[test]]
name = "escaped_holding_output"
exec = { command = "setsid sleep 40.4 & echo out", stdout_contains = "out" }
timeout = 30
"#,
    );
    let started = std::time::Instant::now();
    let results = outcomes(&suite, 2);
    for (name, outcome) in &results {
        assert_eq!(*outcome, Outcome::Passed, "{name}: {outcome:?}");
    }
    // Not a timing test: 40 s is what a run held up by a job would take.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    for job in ["sleep 40.1", "sleep 40.2", "sleep 40.3", "sleep 40.4"] {
        while running_with(job) {
            assert!(
                std::time::Instant::now() < deadline,
                "`{job}` was left running"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}
