//! Exercises end to end: the reference solutions in PHP and Python (tests/exercises/) pass their
//! checks through the real `workbench exercise check`, the broken variants fail with the message
//! that points at their mistake, and progress, hints and the teacher's export follow.
//!
//! Each exercise uses fixed ports (students hard-code them), so tests of the same exercise take
//! turns ([`exclusive`]); different exercises use different ports and run in parallel.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::{Mutex, MutexGuard};

use common::{command, missing_tool};

/// Held while a test uses an exercise's fixed ports: its own lock, and those of the
/// exercises whose ports it shares (taken in one order, so two tests never wait on each other).
fn exclusive(exercise_id: &str) -> Vec<MutexGuard<'static, ()>> {
    const EXERCISES: [&str; 9] = [
        "zmq-sub-topic-b",
        "zmq-rep-prefix",
        "zmq-pub-topics",
        "zmq-lazy-pirate",
        "zmq-broker-worker",
        "zmq-pipeline-worker",
        "socket-echo-server",
        "socket-timeout-client",
        "socket-mid-line-server",
    ];
    static LOCKS: [Mutex<()>; 9] = [const { Mutex::new(()) }; 9];
    // The pipeline's sink (5558) and control socket (5559) are the lazy pirate's server and
    // the reply exercise's server.
    let sharing: &[&str] = match exercise_id {
        "zmq-pipeline-worker" => &["zmq-rep-prefix", "zmq-lazy-pirate", "zmq-pipeline-worker"],
        _ => &[],
    };
    let mut indexes: Vec<usize> = std::iter::once(exercise_id)
        .chain(sharing.iter().copied())
        .map(|id| {
            EXERCISES
                .iter()
                .position(|known| *known == id)
                .expect("a known exercise")
        })
        .collect();
    indexes.sort_unstable();
    indexes.dedup();
    indexes
        .into_iter()
        .map(|index| {
            LOCKS[index]
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        })
        .collect()
}

fn solutions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises")
}

fn php_with_zmq() -> bool {
    let loaded = std::process::Command::new("php")
        .args(["-r", "exit(extension_loaded('zmq') ? 0 : 1);"])
        .status()
        .is_ok_and(|status| status.success());
    loaded || !missing_tool("php with the zmq extension", "the PHP reference solutions")
}

fn python_with_zmq() -> bool {
    let loaded = std::process::Command::new("python3")
        .args(["-c", "import zmq"])
        .status()
        .is_ok_and(|status| status.success());
    loaded || !missing_tool("python3 with pyzmq", "the Python reference solutions")
}

/// `workbench exercise <args>` with progress kept in `data`.
fn exercise(data: &Path, args: &[&str]) -> Output {
    command()
        .arg("exercise")
        .args(args)
        .env("WORKBENCH_DATA_DIR", data)
        .env_remove("WORKBENCH_CONTENT")
        .stdin(Stdio::null())
        .output()
        .expect("the workbench runs")
}

/// Checks `exercise_id` with one of its reference programs; returns (exit code, stdout).
fn check(data: &Path, exercise_id: &str, file: &str) -> (i32, String) {
    let interpreter = if file.ends_with(".php") {
        "php"
    } else {
        "python3"
    };
    let program = solutions().join(exercise_id).join(file);
    let output = exercise(
        data,
        &[
            "check",
            exercise_id,
            "--",
            interpreter,
            program.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.is_empty() || !stderr.contains("panicked"),
        "{stderr}"
    );
    // A passing run has every check: a hint or points naming none is the exercise's typo.
    assert!(
        output.status.code() != Some(0) || !stderr.contains("warning:"),
        "{exercise_id} {file}: {stderr}"
    );
    (output.status.code().unwrap_or(-1), stdout)
}

fn assert_passes(data: &Path, exercise_id: &str, file: &str) {
    let (code, stdout) = check(data, exercise_id, file);
    assert_eq!(code, 0, "{exercise_id} {file} should pass:\n{stdout}");
    assert!(stdout.contains("All checks pass"), "{stdout}");
    assert!(!stdout.contains("FAIL"), "{stdout}");
}

/// The broken variant fails, and the failed check's name and the words of its explanation are
/// in the output.
fn assert_fails_with(
    data: &Path,
    exercise_id: &str,
    file: &str,
    failed_check: &str,
    words: &[&str],
) {
    let (code, stdout) = check(data, exercise_id, file);
    assert_eq!(code, 1, "{exercise_id} {file} should fail:\n{stdout}");
    assert!(
        stdout.contains(&format!("FAIL {failed_check}")),
        "{exercise_id} {file}: expected a failed '{failed_check}':\n{stdout}"
    );
    for word in words {
        assert!(
            stdout.contains(word),
            "{exercise_id} {file}: missing '{word}':\n{stdout}"
        );
    }
}

fn status_of(data: &Path, exercise_id: &str) -> serde_json::Value {
    let output = exercise(data, &["list", "--json"]);
    assert!(output.status.success());
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    list.as_array()
        .unwrap()
        .iter()
        .find(|item| item["id"] == exercise_id)
        .unwrap_or_else(|| panic!("{exercise_id} listed"))["status"]
        .clone()
}

/// What a broken variant must fail with: the failed check's name and words of its explanation.
struct Mistake {
    check: &'static str,
    words: &'static [&'static str],
}

/// Both reference solutions pass and both broken variants fail as described; returns the
/// folder where the progress was kept.
fn prove(id: &str, php_mistake: Mistake, python_mistake: Mistake) -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let _ports = exclusive(id);
    if php_with_zmq() {
        assert_passes(data.path(), id, "solution.php");
        assert_fails_with(
            data.path(),
            id,
            "broken.php",
            php_mistake.check,
            php_mistake.words,
        );
    }
    if python_with_zmq() {
        assert_passes(data.path(), id, "solution.py");
        assert_fails_with(
            data.path(),
            id,
            "broken.py",
            python_mistake.check,
            python_mistake.words,
        );
    }
    data
}

#[test]
fn subscriber_exercise_solutions_pass_and_broken_ones_are_told_why() {
    let data = prove(
        "zmq-sub-topic-b",
        Mistake {
            check: "connects and prints the messages it receives",
            words: &[
                "nothing printed",
                "A SUB socket with no subscription receives nothing",
            ],
        },
        Mistake {
            check: "prints nothing from other topics than B",
            words: &[
                "message(s) on A, C",
                "the empty prefix \"\" matches every topic",
            ],
        },
    );
    let status = status_of(data.path(), "zmq-sub-topic-b");
    assert_eq!(status["passed"], true, "{status}");
    assert_eq!(status["attempts"], 4, "{status}");
}

#[test]
fn rep_server_exercise_solutions_pass_and_broken_ones_are_told_why() {
    prove(
        "zmq-rep-prefix",
        Mistake {
            check: "replies with the prefix followed by the request",
            words: &[
                "expected: \"From Server1:hello\"",
                "got:      \"From Server1: hello\"",
                "the prefix differs",
            ],
        },
        Mistake {
            check: "answers ",
            words: &[
                "a reply to \"request 3:",
                "no reply",
                "it answered 2 before this one",
            ],
        },
    );
}

#[test]
fn publisher_exercise_solutions_pass_and_broken_ones_are_told_why() {
    prove(
        "zmq-pub-topics",
        Mistake {
            check: "sends each message as two frames: topic, then payload",
            words: &["1 frame(s):", "sendmulti"],
        },
        Mistake {
            check: "a subscriber to \"B\" receives only topic B",
            words: &["\"B-news\"", "matches by prefix"],
        },
    );
}

#[test]
fn lazy_pirate_exercise_solutions_pass_and_broken_ones_are_told_why() {
    prove(
        "zmq-lazy-pirate",
        Mistake {
            check: "asks again when a reply does not come (lazy pirate)",
            words: &[
                "the client is still waiting",
                "a strict REQ socket waits forever",
            ],
        },
        Mistake {
            check: "asks again when a reply does not come (lazy pirate)",
            words: &[
                "the client stopped before all were answered",
                "exited with code 1",
            ],
        },
    );
}

#[test]
fn broker_worker_exercise_solutions_pass_and_broken_ones_are_told_why() {
    prove(
        "zmq-broker-worker",
        Mistake {
            check: "keeps serving until it is stopped",
            words: &[
                "Address already in use",
                "the broker binds, workers connect",
            ],
        },
        Mistake {
            check: "replies with the prefix followed by the request",
            words: &["wrong replies; the first: client-", "From Worker:client-"],
        },
    );
}

#[test]
fn pipeline_worker_exercise_solutions_pass_and_broken_ones_are_told_why() {
    prove(
        "zmq-pipeline-worker",
        Mistake {
            check: "every result is right",
            words: &["wrong, e.g. \"task=", "n squared"],
        },
        Mistake {
            check: "keeps working until the sink says KILL, then stops",
            words: &["it is still running", "subscribe a SUB socket"],
        },
    );
}

#[test]
fn echo_server_exercise_solutions_pass_and_broken_ones_are_told_why() {
    prove(
        "socket-echo-server",
        Mistake {
            check: "serves 50 clients connected at once",
            words: &[
                "1 got all their echoes while all stayed connected",
                "serves one client at a time",
            ],
        },
        Mistake {
            check: "echoes each line unchanged, however the bytes arrive",
            words: &[
                "several lines in one write",
                "keep what you read in a buffer",
            ],
        },
    );
}

#[test]
fn timeout_client_exercise_solutions_pass_and_broken_ones_are_told_why() {
    prove(
        "socket-timeout-client",
        Mistake {
            check: "reports the silent server and fails",
            words: &["exited with code 0", "no line mentions a timeout"],
        },
        Mistake {
            check: "gives up on a silent server instead of hanging",
            words: &["still waiting after 10 s", "set a receive timeout"],
        },
    );
}

#[test]
fn mid_line_server_exercise_solutions_pass_and_broken_ones_are_told_why() {
    prove(
        "socket-mid-line-server",
        Mistake {
            check: "keeps running when clients vanish mid-line",
            words: &["it exited with code 255", "Broken pipe"],
        },
        Mistake {
            check: "keeps running when clients vanish mid-line",
            words: &["it exited with code 1", "ConnectionResetError"],
        },
    );
}

#[test]
fn a_program_that_cannot_start_exits_early_or_never_listens_is_told_so() {
    let data = tempfile::tempdir().unwrap();
    let _rep_ports = exclusive("zmq-rep-prefix");
    let _subscriber_ports = exclusive("zmq-sub-topic-b");
    let output = exercise(
        data.path(),
        &[
            "check",
            "zmq-rep-prefix",
            "--",
            "no-such-interpreter-here",
            "server.php",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "workbench: cannot start `no-such-interpreter-here server.php`: 'no-such-interpreter-here' was not found: is it installed and on your PATH?"
    );

    let output = exercise(
        data.path(),
        &[
            "check",
            "zmq-rep-prefix",
            "--",
            "sh",
            "-c",
            "echo starting; echo 'Fatal: no zmq' >&2; exit 3",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("FAIL opens port 5559"), "{stdout}");
    assert!(
        stdout.contains("your program exited with code 3 after ")
            && stdout.contains(" s, before opening port 5559; its last output: "),
        "{stdout}"
    );
    assert!(
        stdout.contains("[your program err] Fatal: no zmq"),
        "its error output is shown, marked as its own:\n{stdout}"
    );

    let output = exercise(
        data.path(),
        &[
            "check",
            "zmq-sub-topic-b",
            "--",
            "sh",
            "-c",
            "echo waiting; exec sleep 60",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout
            .contains("got:      1 line(s), none with a message's payload; the first: \"waiting\""),
        "{stdout}"
    );

    let output = exercise(data.path(), &["check", "zmq-sub-topic-b"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("give its command after --"));
    assert!(
        output.stdout.is_empty(),
        "nothing starts before the refusal"
    );

    let status = status_of(data.path(), "zmq-rep-prefix");
    assert_eq!(
        status["attempts"], 1,
        "a program that never started is no attempt: {status}"
    );
    assert_eq!(status["passed"], false);
}

#[test]
fn hints_come_one_at_a_time_and_show_lists_them() {
    let data = tempfile::tempdir().unwrap();
    let shown = exercise(data.path(), &["show", "zmq-rep-prefix", "--lang", "en"]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("A REP server that answers with a prefix"),
        "{text}"
    );
    assert!(text.contains("3 hints left"), "{text}");
    assert!(
        text.contains("• server.php") && text.contains("• server.py"),
        "{text}"
    );

    // Before any hint, the JSON list holds none of them, only how many there are.
    let listed = |data: &Path| -> serde_json::Value {
        let output = exercise(data, &["list", "--json"]);
        let list: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
        list.as_array()
            .unwrap()
            .iter()
            .find(|item| item["id"] == "zmq-rep-prefix")
            .unwrap()
            .clone()
    };
    let before = listed(data.path());
    assert_eq!(before["hints"], serde_json::json!([]), "{before}");
    assert_eq!(before["hints_total"], 3, "{before}");
    assert!(
        !before.to_string().contains("Create a REP socket"),
        "{before}"
    );

    let first = exercise(data.path(), &["hint", "zmq-rep-prefix", "--lang", "en"]);
    let first = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(
        first.starts_with("Hint 1 of 3: Create a REP socket"),
        "{first}"
    );
    assert!(!first.contains("Hint 2"), "{first}");
    let second = exercise(data.path(), &["hint", "zmq-rep-prefix", "--lang", "zh"]);
    let second = String::from_utf8_lossy(&second.stdout).into_owned();
    assert!(
        second.contains("提示 2/3：REP 套接字必须交替进行"),
        "{second}"
    );
    assert_eq!(status_of(data.path(), "zmq-rep-prefix")["hints_used"], 2);
    // Two revealed, two listed; the third stays hidden.
    let after = listed(data.path());
    assert_eq!(after["hints"].as_array().unwrap().len(), 2, "{after}");
    // The plain list says so too, in its hints column.
    let table = exercise(data.path(), &["list", "--lang", "en"]);
    let table = String::from_utf8_lossy(&table.stdout);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    let row: Vec<&str> = table
        .lines()
        .find(|line| line.starts_with("zmq-rep-prefix "))
        .unwrap()
        .split_whitespace()
        .collect();
    let hints = header.iter().position(|name| *name == "hints").unwrap();
    let tries = header.iter().position(|name| *name == "tries").unwrap();
    assert_eq!((row[tries], row[hints]), ("0", "2/3"), "{table}");

    let shown = exercise(data.path(), &["show", "zmq-rep-prefix", "--lang", "zh"]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("带前缀应答的 REP 服务器"), "{text}");
    assert!(
        // The frame around the texts is Chinese too.
        text.contains("提示 2：") && text.contains("还有 1 条提示") && !text.contains("Hint"),
        "{text}"
    );
}

/// An exercise that grades a file says so everywhere, refuses a command it would only run for
/// nothing, and a missing file names the folder it was looked for in.
#[test]
fn a_file_exercise_takes_no_command_and_says_where_it_looked_for_the_file() {
    let data = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        command()
            .arg("exercise")
            .args(args)
            .args(["--lang", "en"])
            .env("WORKBENCH_DATA_DIR", data.path())
            .env_remove("WORKBENCH_CONTENT")
            .current_dir(folder.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let shown = run(&["show", "flashsale-sql"]);
    let shown = String::from_utf8_lossy(&shown.stdout).into_owned();
    assert!(
        shown.contains("workbench exercise check flashsale-sql (it grades purchase.sql"),
        "{shown}"
    );
    assert!(!shown.contains("flashsale-sql --"), "{shown}");

    let refused = run(&["check", "flashsale-sql", "--", "sqlite3", "shop.db"]);
    assert_eq!(refused.status.code(), Some(2));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(
        said.contains("grades the file purchase.sql") && said.contains("sqlite3 shop.db"),
        "{said}"
    );

    let missing = run(&["check", "flashsale-sql"]);
    assert_eq!(missing.status.code(), Some(1));
    let report = String::from_utf8_lossy(&missing.stdout);
    let looked = folder.path().join("purchase.sql");
    assert!(
        report.contains("FAIL purchase.sql is there")
            && report.contains(&looked.display().to_string()),
        "{report}"
    );
}

/// After a failed check, `hint` gives the hint about that check first: the server that stops
/// answering after three requests is told to loop before it is told how to bind.
#[test]
fn after_a_failed_check_the_hint_about_it_comes_first() {
    if !python_with_zmq() {
        return;
    }
    let _ports = exclusive("zmq-rep-prefix");
    let data = tempfile::tempdir().unwrap();
    let (code, report) = check(data.path(), "zmq-rep-prefix", "broken.py");
    assert_eq!(code, 1, "{report}");
    let hint = exercise(data.path(), &["hint", "zmq-rep-prefix", "--lang", "en"]);
    let hint = String::from_utf8_lossy(&hint.stdout).into_owned();
    assert!(
        hint.starts_with("Hint 1 of 3: A REP socket must alternate"),
        "{hint}"
    );
    let next = exercise(data.path(), &["hint", "zmq-rep-prefix", "--lang", "en"]);
    let next = String::from_utf8_lossy(&next.stdout).into_owned();
    assert!(next.contains("Hint 2 of 3: Create a REP socket"), "{next}");
    assert_eq!(
        status_of(data.path(), "zmq-rep-prefix")["hints_revealed"],
        serde_json::json!([1, 0])
    );
}

#[test]
fn start_copies_the_starter_files_and_export_gives_the_teacher_a_table() {
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("mine");
    let output = exercise(
        data.path(),
        &[
            "start",
            "zmq-pub-topics",
            "--into",
            folder.to_str().unwrap(),
        ],
    );
    assert!(output.status.success());
    let php = std::fs::read_to_string(folder.join("publisher.php")).unwrap();
    assert!(php.contains("TODO: bind the socket to tcp://127.0.0.1:5561"));
    assert!(folder.join("publisher.py").exists());

    std::fs::write(folder.join("publisher.php"), "<?php // my work").unwrap();
    exercise(
        data.path(),
        &[
            "start",
            "zmq-pub-topics",
            "--into",
            folder.to_str().unwrap(),
        ],
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("publisher.php")).unwrap(),
        "<?php // my work",
        "a second start never overwrites the student's work"
    );

    exercise(data.path(), &["hint", "zmq-pub-topics"]);
    let output = exercise(data.path(), &["export", "--csv", "--student", "Ada"]);
    assert!(output.status.success());
    let table = String::from_utf8_lossy(&output.stdout);
    let mut rows = table.lines();
    assert_eq!(
        rows.next(),
        Some(
            "student,exercise,topic,title,status,attempts,passed,first_passed_utc,seconds_to_pass,hints_used,passed_command,passed_files_sha256,passed_workbench_version,passed_seed"
        )
    );
    let row = rows
        .find(|row| row.contains(",zmq-pub-topics,"))
        .expect("a row per exercise");
    assert_eq!(
        row,
        "Ada,zmq-pub-topics,messaging,A publisher the workbench can filter,new,0,false,,,1,,,,"
    );
}

#[test]
fn a_broken_exercise_file_names_its_file_and_line() {
    let data = tempfile::tempdir().unwrap();
    let content = tempfile::tempdir().unwrap();
    let folder = content.path().join("exercises/mine");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("exercise.toml"),
        "id = \"mine\"\ntopic = \"messaging\"\ndifficulty = \"easy\"\ntitle = { en = \"Mine\" }\n\n[check]\nchecker = \"zmq-rep-servr\"\ntime_limit = 10\n",
    )
    .unwrap();
    std::fs::write(folder.join("README.md"), "# Mine\n").unwrap();
    let output = command()
        .args(["exercise", "list"])
        .env("WORKBENCH_DATA_DIR", data.path())
        .env("WORKBENCH_CONTENT", content.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let expected_start = format!(
        "workbench: {}:7: unknown checker 'zmq-rep-servr'; checkers: zmq-subscriber, zmq-rep-server, ",
        folder.join("exercise.toml").display()
    );
    assert!(stderr.starts_with(&expected_start), "{stderr}");
    // Every checker the workbench has is named, the newest labs' too.
    for checker in ["socket-mid-line-server", "archive-phar"] {
        assert!(stderr.contains(checker), "{stderr}");
    }
}

#[test]
fn watch_checks_again_when_the_student_saves_a_fix() {
    if !python_with_zmq() {
        return;
    }
    let _ports = exclusive("zmq-rep-prefix");
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let server = work.path().join("server.py");
    std::fs::copy(solutions().join("zmq-rep-prefix/broken.py"), &server).unwrap();
    let mut child = command()
        .args([
            "exercise",
            "watch",
            "zmq-rep-prefix",
            "--",
            "python3",
            "server.py",
        ])
        .current_dir(work.path())
        .env("WORKBENCH_DATA_DIR", data.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let printed = std::sync::Arc::new(Mutex::new(String::new()));
    {
        let printed = printed.clone();
        let mut stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(count) = std::io::Read::read(&mut stdout, &mut buffer) {
                if count == 0 {
                    break;
                }
                printed
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..count]));
            }
        });
    }
    let child = common::Reaped(child);
    let text = || printed.lock().unwrap().clone();
    common::wait_for(
        std::time::Duration::from_secs(60),
        "the first check to fail",
        || {
            let text = text();
            (text.contains("Not yet.") && text.contains("Watching this folder")).then_some(())
        },
    );
    assert!(!text().contains("All checks pass"));

    std::fs::copy(solutions().join("zmq-rep-prefix/solution.py"), &server).unwrap();
    common::wait_for(
        std::time::Duration::from_secs(60),
        "the check after the fix to pass",
        || text().contains("All checks pass").then_some(()),
    );
    assert!(text().contains("a file changed"), "{}", text());

    common::interrupt(&child.0);
    let mut child = child;
    let status = common::wait_for(
        std::time::Duration::from_secs(10),
        "watch to stop on Ctrl-C",
        || child.0.try_wait().unwrap(),
    );
    assert!(status.success(), "{status:?}");
    assert!(
        std::net::TcpStream::connect("127.0.0.1:5559").is_err(),
        "the student's server was stopped with the watch"
    );
    let status = status_of(data.path(), "zmq-rep-prefix");
    assert_eq!(status["attempts"], 2, "{status}");
    assert_eq!(status["passed"], true, "{status}");
}

/// The real Python interpreter (not a shim that needs PATH), for a program started with an
/// empty environment.
fn python_executable() -> String {
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 runs");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A student program that double-forks the reference echo server into a session of its own
/// (with an empty environment in one variant, so that only the subreaper can find it) and
/// exits: the check passes against it, and when it ends the daemon is gone, the port is free,
/// and a program that does nothing (`/bin/true`) fails.
#[test]
fn a_program_that_escapes_its_group_is_stopped_and_not_graded_again() {
    let _ports = exclusive("socket-echo-server");
    let data = tempfile::tempdir().unwrap();
    let server = solutions().join("socket-echo-server/solution.py");
    let python = python_executable();
    for (variant, env) in [("marked", ""), ("empty environment", "env -i ")] {
        let daemon = format!(
            "(setsid {env}{python} {} > /dev/null 2>&1 < /dev/null &) ; sleep 1",
            server.display()
        );
        let output = exercise(
            data.path(),
            &["check", "socket-echo-server", "--", "sh", "-c", &daemon],
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{variant}: {stdout}");
        common::wait_for(
            std::time::Duration::from_secs(10),
            "the escaped daemon to be stopped",
            || (!common::running_with("socket-echo-server/solution.py")).then_some(()),
        );
        assert!(
            std::net::TcpStream::connect("127.0.0.1:25004").is_err(),
            "{variant}: the port is still served"
        );
        let output = exercise(
            data.path(),
            &["check", "socket-echo-server", "--", "/bin/true"],
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_ne!(
            output.status.code(),
            Some(0),
            "{variant}: /bin/true passed: {stdout}"
        );
    }
}

/// The workbench's own lab roles are not the student's work, however they are started.
#[test]
fn the_workbench_itself_is_not_graded_as_the_students_program() {
    let _ports = exclusive("socket-echo-server");
    let data = tempfile::tempdir().unwrap();
    let workbench = common::workbench();
    let wrapped = format!(
        "{} lab socket-echo --role server --model threads --bind 127.0.0.1:25004 --headless",
        workbench.display()
    );
    for command in [
        vec![
            workbench.to_str().unwrap(),
            "lab",
            "socket-echo",
            "--role",
            "server",
            "--bind",
            "127.0.0.1:25004",
            "--headless",
        ],
        vec!["sh", "-c", wrapped.as_str()],
    ] {
        let mut args = vec!["check", "socket-echo-server", "--"];
        args.extend(command.iter().copied());
        let output = exercise(data.path(), &args);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_ne!(output.status.code(), Some(0), "{command:?}: {stdout}");
        assert!(stdout.contains("is the workbench itself"), "{stdout}");
    }
}

/// A server already on the port (not the student's) is not graded in their name.
#[test]
fn a_port_held_by_another_program_is_not_graded() {
    let _ports = exclusive("socket-echo-server");
    let data = tempfile::tempdir().unwrap();
    let _other = common::Reaped(
        command()
            .args([
                "lab",
                "socket-echo",
                "--role",
                "server",
                "--bind",
                "127.0.0.1:25004",
                "--headless",
            ])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    common::wait_for(
        std::time::Duration::from_secs(20),
        "the other server",
        || std::net::TcpStream::connect("127.0.0.1:25004").ok(),
    );
    let output = exercise(
        data.path(),
        &["check", "socket-echo-server", "--", "/bin/true"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0));
    assert!(stderr.contains("port 25004 is already in use"), "{stderr}");
}

/// A program that prints control sequences and a gigabyte without a newline: the check's output
/// shows the sequences as text, and the workbench's memory stays small.
#[test]
fn a_programs_output_is_escaped_and_cut_while_it_is_read() {
    let _ports = exclusive("socket-echo-server");
    let data = tempfile::tempdir().unwrap();
    let script = "printf '\\033[?1049h\\033]0;pwned\\007 hello\\n' >&2; head -c 1073741824 /dev/zero | tr '\\0' x; sleep 30";
    let workbench = common::workbench();
    let args: Vec<&std::ffi::OsStr> = [
        workbench.as_os_str(),
        "exercise".as_ref(),
        "check".as_ref(),
        "socket-echo-server".as_ref(),
        "--".as_ref(),
        "sh".as_ref(),
        "-c".as_ref(),
        script.as_ref(),
    ]
    .to_vec();
    let (code, stdout, _, peak_kib) =
        common::run_measuring_peak(&args, &[("WORKBENCH_DATA_DIR", data.path().as_os_str())]);
    assert_ne!(code, 0);
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "raw control characters reached the terminal"
    );
    assert!(stdout.contains("\\u{1b}]0;pwned"), "{stdout}");
    assert!(stdout.len() < 64 * 1024, "{} bytes of output", stdout.len());
    assert!(peak_kib < 200 * 1024, "peak memory {peak_kib} KiB");
}

// ---- Broken and unusual variants ------------------------------------------------------------
//
// Every `broken-*` and `unusual-*` file in `tests/exercises/<id>/` says on its first comment
// line the flaw it embodies (or the unusual style of a correct one) and on the next what the
// check must say: `expect: FAIL <the failed check's name, or its start> | <word> | <word>` or
// `expect: PASS`. Each is checked with its own seed through `--format json`, so that the test
// reads the verdict the way a grader would.

/// What a variant's second line promises.
struct Expectation {
    passes: bool,
    check: String,
    words: Vec<String>,
}

fn expectation(path: &Path) -> Expectation {
    let text = std::fs::read_to_string(path).unwrap();
    let line = text
        .lines()
        .take(4)
        .find_map(|line| line.split_once("expect:"))
        .map(|(_, expected)| expected.trim().to_string())
        .unwrap_or_else(|| panic!("{}: the second line says `expect: ...`", path.display()));
    if line == "PASS" {
        return Expectation {
            passes: true,
            check: String::new(),
            words: Vec::new(),
        };
    }
    let rest = line
        .strip_prefix("FAIL ")
        .unwrap_or_else(|| panic!("{}: expect PASS or FAIL <check>", path.display()));
    let mut parts = rest.split('|').map(|part| part.trim().to_string());
    Expectation {
        passes: false,
        check: parts.next().unwrap_or_default(),
        words: parts.collect(),
    }
}

fn variants(exercise_id: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(solutions().join(exercise_id))
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with("broken-") || name.starts_with("unusual-")
        })
        .collect();
    files.sort();
    files
}

/// `workbench exercise start <id> --into <folder>`, as a student starts it.
fn start_into(folder: &Path, exercise_id: &str) {
    let started = exercise(
        &folder.join(".data"),
        &["start", exercise_id, "--into", folder.to_str().unwrap()],
    );
    assert!(started.status.success(), "{started:?}");
}

/// Runs the check of `exercise_id` on one variant with `seed`; the exit code and the JSON.
fn check_variant(exercise_id: &str, variant: &Path, seed: u64) -> (i32, serde_json::Value) {
    check_program(exercise_id, variant, &[], seed)
}

/// [`check_variant`], with arguments after the program (`php server.php 25006`).
fn check_program(
    exercise_id: &str,
    variant: &Path,
    program_args: &[&str],
    seed: u64,
) -> (i32, serde_json::Value) {
    let folder = tempfile::tempdir().unwrap();
    let extension = variant.extension().unwrap().to_string_lossy().into_owned();
    let seed = seed.to_string();
    let mut args = vec!["--seed", seed.as_str(), "--format", "json"];
    let program = variant.to_str().unwrap();
    let interpreter = if extension == "php" { "php" } else { "python3" };
    let archive_build;
    match extension.as_str() {
        "sql" | "txt" | "toml" => {
            let name = match extension.as_str() {
                "sql" => "purchase.sql",
                "txt" => "filters.txt",
                _ => "suite.toml",
            };
            std::fs::copy(variant, folder.path().join(name)).unwrap();
        }
        // A PHPUnit test class, in the project the exercise starts with; no program to run.
        "php" if exercise_id == "testdeps-phpunit-depends" => {
            start_into(folder.path(), exercise_id);
            std::fs::copy(variant, folder.path().join("tests/KvTest.php")).unwrap();
        }
        _ if exercise_id.starts_with("archive-") => {
            // A build script of the app the exercise starts with, or a repair script beside
            // the broken archive it starts with.
            start_into(folder.path(), exercise_id);
            let script = if exercise_id == "archive-fix-broken" {
                folder.path().join(format!("fix.{extension}"))
            } else {
                folder.path().join("app").join(format!("build.{extension}"))
            };
            std::fs::copy(variant, &script).unwrap();
            archive_build = script.to_string_lossy().into_owned();
            args.extend(["--", interpreter]);
            if extension == "php" {
                args.extend(["-d", "phar.readonly=0"]);
            }
            args.push(archive_build.as_str());
        }
        // The shop is served by PHP's own web server.
        "php" if exercise_id == "flashsale-php-pdo" => {
            args.extend(["--", "php", "-S", "127.0.0.1:25011", program])
        }
        _ => args.extend(["--", interpreter, program]),
    }
    args.extend(program_args);
    let mut full = vec!["check", exercise_id];
    full.extend(args);
    let output = command()
        .arg("exercise")
        .args(&full)
        .current_dir(folder.path())
        .env("WORKBENCH_DATA_DIR", folder.path().join(".data"))
        .env_remove("WORKBENCH_CONTENT")
        // For a program that calls the workbench's own tools (`workbench archive`).
        .env("WORKBENCH", common::workbench())
        .stdin(Stdio::null())
        .output()
        .expect("the workbench runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "{}: not JSON ({error}): {}\n{stderr}",
            variant.display(),
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (output.status.code().unwrap_or(-1), json)
}

/// How many seeds each variant is checked with.
#[derive(Clone, Copy)]
enum Seeds {
    /// Every variant with every seed: for checks that take a few seconds.
    Each,
    /// One seed per variant, taken in turn (three seeds across the variants): for checks that
    /// must wait out real time (Retry-After, liveness windows), where every seed for every
    /// variant would add minutes to the shared CI. `WORKBENCH_EVERY_SEED=1` checks each
    /// variant with every seed anyway.
    InTurn,
}

/// Every variant of `exercise_id` gets the verdict its second line promises, with a message
/// that names its flaw.
fn prove_variants(exercise_id: &str, seeds: &[u64], how: Seeds) {
    let _ports = exclusive_if_ports(exercise_id);
    let found = variants(exercise_id);
    assert!(!found.is_empty(), "{exercise_id} has variants");
    let every_seed = matches!(how, Seeds::Each)
        || std::env::var_os("WORKBENCH_EVERY_SEED").is_some_and(|value| value == "1");
    for (number, variant) in found.iter().enumerate() {
        let needs_zmq = exercise_id.starts_with("zmq-");
        let is_php = variant
            .extension()
            .is_some_and(|extension| extension == "php");
        let is_python = variant
            .extension()
            .is_some_and(|extension| extension == "py");
        if (is_php && needs_zmq && !php_with_zmq())
            || (is_python && needs_zmq && !python_with_zmq())
            || (is_php && !php_present())
            || (exercise_id == "flashsale-php-pdo" && !common::mysql_exercise_runs(is_php))
            || (exercise_id == "flashsale-sql-mysql" && !common::mariadb_present())
            || (exercise_id == "testdeps-phpunit-depends"
                && !common::phpunit_present("the PHPUnit exercise's variants"))
        {
            continue;
        }
        let expected = expectation(variant);
        if every_seed {
            for seed in seeds {
                prove_variant(exercise_id, variant, &expected, *seed);
            }
        } else {
            prove_variant(exercise_id, variant, &expected, seeds[number % seeds.len()]);
        }
    }
}

/// One variant, checked with `seed`, gets the verdict it promises.
fn prove_variant(exercise_id: &str, variant: &Path, expected: &Expectation, seed: u64) {
    prove_program(exercise_id, variant, &[], expected, seed);
}

/// [`prove_variant`], with arguments after the program.
fn prove_program(
    exercise_id: &str,
    variant: &Path,
    program_args: &[&str],
    expected: &Expectation,
    seed: u64,
) {
    let (code, json) = check_program(exercise_id, variant, program_args, seed);
    let shown = serde_json::to_string_pretty(&json).unwrap();
    let name = variant.file_name().unwrap().to_string_lossy();
    assert_eq!(json["seed"], seed, "{name}: the seed is the one asked for");
    // The score is the points of the passed checks, out of the points of all.
    let checks = json["checks"].as_array().unwrap();
    let sum = |field: &str| -> u64 {
        checks
            .iter()
            .map(|check| check[field].as_u64().unwrap())
            .sum()
    };
    assert_eq!(
        json["score"].as_u64(),
        Some(sum("score")),
        "{name}: {shown}"
    );
    assert_eq!(
        json["max_score"].as_u64(),
        Some(sum("max_score")),
        "{name}: {shown}"
    );
    assert!(
        checks
            .iter()
            .all(|check| check["passed"] == true || check["score"] == 0),
        "{name}: a failed check scores nothing: {shown}"
    );
    if expected.passes {
        assert_eq!(
            code, 0,
            "{exercise_id} {name} should pass (seed {seed}):\n{shown}"
        );
        return;
    }
    assert_eq!(
        code, 1,
        "{exercise_id} {name} should fail (seed {seed}):\n{shown}"
    );
    let failed: Vec<&serde_json::Value> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|check| check["passed"] == false)
        .collect();
    let named = failed
        .iter()
        .find(|check| check["name"].as_str().unwrap().starts_with(&expected.check))
        .unwrap_or_else(|| {
            panic!(
                "{exercise_id} {name}: expected a failed '{}' (seed {seed}):\n{shown}",
                expected.check
            )
        });
    let said = format!("{} {} {}", named["expected"], named["got"], named["try"]);
    for word in &expected.words {
        assert!(
            said.contains(word.as_str()),
            "{exercise_id} {name}: '{word}' missing from the failed check (seed {seed}): {said}"
        );
    }
}

fn php_present() -> bool {
    std::process::Command::new("php")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
        || !missing_tool("php", "the PHP variants")
}

/// The port locks of exercises that have fixed ports; none for the others.
fn exclusive_if_ports(exercise_id: &str) -> Vec<MutexGuard<'static, ()>> {
    if exercise_id.starts_with("zmq-") || exercise_id.starts_with("socket-") {
        exclusive(exercise_id)
    } else {
        Vec::new()
    }
}

const SEEDS: [u64; 3] = [101, 20_202, 303_303];

macro_rules! variant_tests {
    ($($test:ident => $id:literal, $seeds:ident),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                prove_variants($id, &SEEDS, Seeds::$seeds);
            }
        )*
    };
}

variant_tests! {
    variants_of_socket_echo_server => "socket-echo-server", Each,
    variants_of_socket_mid_line_server => "socket-mid-line-server", Each,
    variants_of_socket_timeout_client => "socket-timeout-client", InTurn,
    variants_of_zmq_lazy_pirate => "zmq-lazy-pirate", InTurn,
    variants_of_zmq_pipeline_worker => "zmq-pipeline-worker", InTurn,
    variants_of_zmq_rep_prefix => "zmq-rep-prefix", InTurn,
    variants_of_zmq_pub_topics => "zmq-pub-topics", InTurn,
    variants_of_zmq_sub_topic_b => "zmq-sub-topic-b", InTurn,
    variants_of_flashsale_sql => "flashsale-sql", Each,
    variants_of_flashsale_sql_mysql => "flashsale-sql-mysql", InTurn,
    variants_of_flashsale_filters => "flashsale-filters", Each,
    variants_of_flashsale_polite_client => "flashsale-polite-client", InTurn,
    variants_of_flashsale_php_pdo => "flashsale-php-pdo", InTurn,
    variants_of_archive_pack_app => "archive-pack-app", Each,
    variants_of_archive_fix_broken => "archive-fix-broken", Each,
    variants_of_testdeps_fix_suite => "testdeps-fix-suite", Each,
    variants_of_zmq_broker_worker => "zmq-broker-worker", InTurn,
    variants_of_testdeps_session_suite => "testdeps-session-suite", Each,
    variants_of_testdeps_phpunit_depends => "testdeps-phpunit-depends", Each,
}

/// The PHP the lessons show (`content/php/<topic>/`) passes the exercises it teaches, checked
/// as a student's program is: the messaging lesson's subscriber, REP server and pipeline
/// worker pass the ZeroMQ exercises' checkers; the sockets lesson's `socket_select` and `pcntl_fork` servers
/// serve fifty clients at once and survive clients vanishing mid-line, its client gives up on a
/// silent server, the archives lesson's build script packs the exercise's app.
#[test]
fn the_php_the_lessons_show_passes_the_exercises_it_teaches() {
    if !php_present() {
        return;
    }
    let passes = Expectation {
        passes: true,
        check: String::new(),
        words: Vec::new(),
    };
    let lessons_php = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/php");
    let mid_line_port = ["25006"];
    let cases: [(&str, &str, &[&str]); 9] = [
        ("messaging/subscriber.php", "zmq-sub-topic-b", &[]),
        ("messaging/rep_server.php", "zmq-rep-prefix", &[]),
        ("messaging/pipeline_worker.php", "zmq-pipeline-worker", &[]),
        ("sockets/select_server.php", "socket-echo-server", &[]),
        (
            "sockets/select_server.php",
            "socket-mid-line-server",
            &mid_line_port,
        ),
        ("sockets/fork_server.php", "socket-echo-server", &[]),
        (
            "sockets/fork_server.php",
            "socket-mid-line-server",
            &mid_line_port,
        ),
        ("sockets/timeout_client.php", "socket-timeout-client", &[]),
        ("archives/build.php", "archive-pack-app", &[]),
    ];
    let zmq = php_with_zmq();
    for (number, (file, exercise_id, program_args)) in cases.into_iter().enumerate() {
        if exercise_id.starts_with("zmq-") && !zmq {
            continue;
        }
        let _ports = exclusive_if_ports(exercise_id);
        let seed = SEEDS[number % SEEDS.len()];
        prove_program(
            exercise_id,
            &lessons_php.join(file),
            program_args,
            &passes,
            seed,
        );
    }
}

/// The same seed gives the same probes: two runs' traces of the checker's steps are equal.
#[test]
fn a_seed_replays_the_same_probes() {
    let _ports = exclusive("socket-echo-server");
    let program = solutions().join("socket-echo-server/solution.py");
    let steps = |seed: u64| -> Vec<String> {
        let (code, json) = check_variant("socket-echo-server", &program, seed);
        assert_eq!(code, 0, "{json}");
        json["trace"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|line| line["from"] == "checker")
            .map(|line| line["text"].as_str().unwrap().to_string())
            // What the checker sent is the probe; what it got and waited is the program's.
            .filter(|text| text.contains(" sent ") || text.contains("waited"))
            .collect()
    };
    let first = steps(4242);
    assert!(first.len() > 5, "{first:?}");
    assert_eq!(first, steps(4242), "the same seed, the same probes");
    assert_ne!(first, steps(4243), "another seed, other probes");
}

/// A program that exits while another process holds its port is told it exited: the other
/// process's answers are not graded.
#[test]
fn a_program_that_exits_while_a_stranger_holds_its_port_is_told_it_exited() {
    use std::io::BufRead as _;
    let _ports = exclusive("socket-echo-server");
    let data = tempfile::tempdir().unwrap();
    let mut child = command()
        .args([
            "exercise",
            "check",
            "socket-echo-server",
            "--",
            "sh",
            "-c",
            "sleep 0.6; echo 'cannot bind' >&2; exit 4",
        ])
        .env("WORKBENCH_DATA_DIR", data.path())
        .env_remove("WORKBENCH_CONTENT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut shown = String::new();
    // The banner's seed line comes just before the check begins; the stranger (this test)
    // takes the port once the program runs.
    while !shown.contains("seed:") {
        assert!(stdout.read_line(&mut shown).unwrap() > 0, "{shown}");
    }
    std::thread::sleep(std::time::Duration::from_millis(250));
    let stranger = std::net::TcpListener::bind("127.0.0.1:25004").unwrap();
    std::io::Read::read_to_string(&mut stdout, &mut shown).unwrap();
    let status = child.wait().unwrap();
    drop(stranger);
    assert_eq!(status.code(), Some(1), "{shown}");
    assert!(shown.contains("FAIL opens port 25004"), "{shown}");
    assert!(shown.contains("your program exited with code 4"), "{shown}");
    assert!(
        shown.contains("not by yours"),
        "the stranger named:\n{shown}"
    );
    assert!(
        !shown.contains("PASS echoes"),
        "nothing else graded:\n{shown}"
    );
}

/// The machine formats and --repeat through the command line.
#[test]
fn results_come_in_the_formats_graders_read_and_repeat_counts_seeds() {
    let _ports = exclusive("socket-timeout-client");
    let data = tempfile::tempdir().unwrap();
    let program = solutions().join("socket-timeout-client/solution.py");
    let run = |args: &[&str]| {
        let mut all = vec!["check", "socket-timeout-client"];
        all.extend(args);
        all.extend(["--", "python3", program.to_str().unwrap()]);
        exercise(data.path(), &all)
    };
    let junit = run(&["--format", "junit", "--seed", "5"]);
    assert_eq!(junit.status.code(), Some(0));
    let xml = String::from_utf8_lossy(&junit.stdout);
    assert!(
        xml.starts_with("<?xml") && xml.contains("<testsuite name=\"socket-timeout-client\""),
        "{xml}"
    );
    assert!(
        xml.contains("failures=\"0\"") && xml.contains("name=\"seed\" value=\"5\""),
        "{xml}"
    );
    let tap = run(&["--format", "tap"]);
    let tap = String::from_utf8_lossy(&tap.stdout);
    assert!(
        tap.starts_with("TAP version 14\n") && tap.contains("\n1..5\n"),
        "{tap}"
    );
    let grades = run(&["--format", "gradescope"]);
    let grades: serde_json::Value = serde_json::from_slice(&grades.stdout).unwrap();
    assert_eq!(grades["score"], 5);
    assert_eq!(grades["tests"].as_array().unwrap().len(), 5);
    let repeated = run(&["--repeat", "2", "--seed", "70", "--format", "json"]);
    assert_eq!(repeated.status.code(), Some(0));
    let summary: serde_json::Value = serde_json::from_slice(&repeated.stdout).unwrap();
    assert_eq!(
        (summary["passed"].as_u64(), summary["runs"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(
        summary["results"][1]["seed"], 71,
        "seeds count up from --seed"
    );
    let refused = run(&["--repeat", "2", "--format", "junit"]);
    assert_eq!(refused.status.code(), Some(2));
    // The attempts record what was run, and the export carries it.
    let export = exercise(data.path(), &["export", "--csv", "--student", "Ada"]);
    let table = String::from_utf8_lossy(&export.stdout);
    let row = table
        .lines()
        .find(|row| row.contains(",socket-timeout-client,"))
        .unwrap();
    assert!(row.contains("sha256:") && row.contains(",5"), "{row}");
    assert!(row.contains(program.to_str().unwrap()), "{row}");
}

/// `exercise check` in Chinese, for the socket echo exercise: every check is named, expected
/// and explained in Chinese (the ports check, the echo checks, how the program ended, the
/// checker's steps), while the JSON keeps each check's English name as its id beside the
/// Chinese label, so hints, points and scripts find it in either language.
#[test]
fn the_echo_server_check_speaks_chinese_and_keeps_its_english_ids() {
    let _ports = exclusive("socket-echo-server");
    let data = tempfile::tempdir().unwrap();
    let program = solutions().join("socket-echo-server/broken-dies-after-60.py");
    let run = |lang: &str, format: &str| {
        let output = exercise(
            data.path(),
            &[
                "check",
                "socket-echo-server",
                "--lang",
                lang,
                "--seed",
                "7",
                "--format",
                format,
                "--verbose",
                "--",
                &python_executable(),
                program.to_str().unwrap(),
            ],
        );
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let text = run("zh", "text");
    for words in [
        "通过 打开端口 25004",
        "通过 原样回显每一行",
        "失败 同时服务 50 个已连接的客户端",
        "以退出码 0 退出了",
        "服务器要一直运行到被停止",
        "client-1 发送了",
        "client-1 收到了",
    ] {
        assert!(text.contains(words), "{words:?} missing:\n{text}");
    }
    for english in [
        "serves 50 clients",
        "exited with code",
        " sent \"",
        "a server runs until",
    ] {
        assert!(
            !text.contains(english),
            "{english:?} left in Chinese:\n{text}"
        );
    }
    let json: serde_json::Value = serde_json::from_str(&run("zh", "json")).unwrap();
    let crowd = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == "serves 50 clients connected at once")
        .unwrap_or_else(|| panic!("the crowd check keeps its English name: {json}"));
    assert_eq!(crowd["label"], "同时服务 50 个已连接的客户端", "{crowd}");
    assert!(
        crowd["try"]
            .as_str()
            .unwrap()
            .contains("服务器要一直运行到被停止"),
        "{crowd}"
    );
    let english: serde_json::Value = serde_json::from_str(&run("en", "json")).unwrap();
    for check in english["checks"].as_array().unwrap() {
        assert_eq!(check["label"], check["name"], "{check}");
    }
    assert!(
        english
            .to_string()
            .contains("a server runs until it is stopped"),
        "{english}"
    );
}

/// The other translated exercises in Chinese (the two other socket exercises, the REP server
/// and the subscriber): a failed check's name and advice in Chinese, its English name kept in
/// the JSON.
#[test]
fn the_other_translated_checks_speak_chinese_too() {
    let python_has_zmq = python_with_zmq();
    for (exercise_id, variant, english, chinese, advice) in [
        (
            "zmq-rep-prefix",
            "broken-two-frames.py",
            "replies with the prefix followed by the request",
            "回答是前缀加上请求",
            "作为一个帧发送",
        ),
        (
            "zmq-sub-topic-b",
            "broken-everything.py",
            "prints nothing from other topics than B",
            "不打印 B 以外主题的任何消息",
            "空前缀",
        ),
        (
            "socket-timeout-client",
            "broken-exit-zero.py",
            "reports the silent server and fails",
            "报告服务器没有回应，并以失败结束",
            "退出码 1",
        ),
        (
            "socket-mid-line-server",
            "broken-leaks-sockets.py",
            "closes the sockets of clients that left",
            "关闭已离开的客户端的套接字",
            "文件描述符",
        ),
    ] {
        if exercise_id.starts_with("zmq-") && !python_has_zmq {
            continue;
        }
        let _ports = exclusive(exercise_id);
        let data = tempfile::tempdir().unwrap();
        let program = solutions().join(exercise_id).join(variant);
        let output = exercise(
            data.path(),
            &[
                "check",
                exercise_id,
                "--lang",
                "zh",
                "--format",
                "json",
                "--",
                &python_executable(),
                program.to_str().unwrap(),
            ],
        );
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let failed = json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|check| check["name"] == english)
            .unwrap_or_else(|| panic!("{exercise_id}: no '{english}' in {json}"));
        assert_eq!(failed["passed"], false, "{failed}");
        assert_eq!(failed["label"], chinese, "{failed}");
        assert!(failed["try"].as_str().unwrap().contains(advice), "{failed}");
    }
}

/// A file exercise in Chinese: the dependent-tests repair, checked on a suite that still lets
/// checkout run with an empty cart.
#[test]
fn the_suite_repair_check_speaks_chinese_too() {
    let folder = tempfile::tempdir().unwrap();
    let broken = solutions().join("testdeps-fix-suite/broken-checkout-after-profile.toml");
    std::fs::copy(&broken, folder.path().join("suite.toml")).unwrap();
    let output = command()
        .args([
            "exercise",
            "check",
            "testdeps-fix-suite",
            "--lang",
            "zh",
            "--format",
            "json",
        ])
        .current_dir(folder.path())
        .env("WORKBENCH_DATA_DIR", folder.path().join(".data"))
        .env_remove("WORKBENCH_CONTENT")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let failed = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == "checkout depends on add_to_cart")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(failed["passed"], false, "{failed}");
    assert_eq!(failed["label"], "checkout 依赖 add_to_cart", "{failed}");
    assert_eq!(failed["expected"], "是", "{failed}");
    assert!(
        failed["try"].as_str().unwrap().contains("空购物车"),
        "{failed}"
    );
}
