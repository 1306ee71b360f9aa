//! The command line as scripts and lessons use it: `list`, `lab --headless`, errors, recordings.

mod common;

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use common::{Reaped, command, free_port, interrupt, json_lines, publisher_args, run, wait_for};

#[test]
fn headless_pubsub_prints_live_rates_then_an_ok_report() {
    let output = run(&["lab", "zmq-pubsub", "--headless", "--duration", "2"]);
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = json_lines(&output.stdout);
    let (report, snapshots) = lines.split_last().expect("some output");
    assert!(
        snapshots.len() >= 10,
        "about 10 snapshots a second, got {}",
        snapshots.len()
    );
    for snapshot in snapshots {
        assert_eq!(snapshot["type"], "snapshot");
        assert_eq!(snapshot["lab"], "zmq-pubsub");
        assert!(snapshot["t"].is_number() && snapshot["counters"].is_object());
    }
    let busiest = snapshots
        .iter()
        .map(|snapshot| snapshot["rates"]["received"].as_f64().unwrap_or(0.0))
        .fold(0.0, f64::max);
    assert!(busiest > 0.0, "no snapshot shows messages arriving");
    assert_eq!(report["type"], "report");
    assert_eq!(report["ok"], true, "report: {report}");
    assert!(report["counters"]["sent"].as_u64().unwrap() > 0);
    assert_eq!(report["counters"]["unexpected"], 0);
}

#[test]
fn list_json_gives_each_lab_with_its_schema() {
    let output = run(&["list", "--json"]);
    assert!(output.status.success());
    let labs: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let pubsub = labs
        .as_array()
        .unwrap()
        .iter()
        .find(|lab| lab["id"] == "zmq-pubsub")
        .expect("zmq-pubsub is listed");
    assert_eq!(pubsub["topic"], "messaging");
    let rate = pubsub["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|param| param["name"] == "rate")
        .expect("rate is a parameter");
    assert_eq!(rate["kind"]["type"], "integer");
}

fn assert_one_line_usage_error(args: &[&str], expected: &str) {
    let output = run(args);
    assert_eq!(output.status.code(), Some(2), "{args:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one line, got: {stderr}"
    );
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in {stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn bad_input_is_one_line_and_exit_code_2() {
    assert_one_line_usage_error(
        &["lab", "nope"],
        "unknown lab 'nope'; valid labs: zmq-pubsub",
    );
    assert_one_line_usage_error(
        &["lab", "zmq-pubsub", "--role", "boss"],
        "invalid value 'boss' for --role: expected one of both, publisher, subscriber",
    );
    assert_one_line_usage_error(
        &["lab", "zmq-pubsub", "--speed", "3"],
        "unknown flag --speed",
    );
    assert_one_line_usage_error(
        &[
            "lab",
            "zmq-pubsub",
            "--role",
            "subscriber",
            "--connect",
            "localhost",
        ],
        "invalid endpoint 'localhost' for --connect",
    );
}

#[test]
fn lab_help_lists_flags_with_defaults() {
    let output = run(&["lab", "zmq-pubsub", "--help"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("--rate <N>"), "{text}");
    assert!(text.contains("[default: 2000]"), "{text}");
    assert!(text.contains("--headless"), "{text}");
}

/// A port in use: exit code 1 and one line on stderr that names the port.
fn assert_port_named_in_one_line(output: &std::process::Output, port: u16) {
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("port {port} is already in use")),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

/// A port this test holds, so nothing else can take it.
fn taken_port() -> (std::net::TcpListener, u16) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

#[test]
fn a_port_in_use_is_named_in_one_line() {
    let (_taken, port) = taken_port();
    let endpoint = format!("tcp://127.0.0.1:{port}");
    let output = run(&publisher_args(&endpoint, &[]));
    assert_port_named_in_one_line(&output, port);
    let report = json_lines(&output.stdout).pop().expect("a report line");
    assert_eq!(report["ok"], false);
}

#[test]
fn a_recording_replays_the_same_lines() {
    let directory = std::env::temp_dir().join(format!("workbench-record-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let file = directory.join("run.jsonl");
    let file_text = file.to_str().unwrap();
    let output = run(&[
        "lab",
        "zmq-pubsub",
        "--headless",
        "--duration",
        "1",
        "--rate",
        "500",
        "--record",
        file_text,
    ]);
    assert!(output.status.success());
    let recorded = std::fs::read(&file).expect("the recording was written");
    assert_eq!(
        recorded, output.stdout,
        "the recording holds exactly what was printed"
    );
    let replay = run(&["replay", file_text, "--headless", "--speed", "20"]);
    assert!(replay.status.success());
    assert_eq!(json_lines(&replay.stdout), json_lines(&recorded));
    std::fs::remove_dir_all(&directory).unwrap();
}

/// Starts `workbench <args>` headless, waits until `ports` accept connections, sends Ctrl-C,
/// and checks the lab exits with a report and frees every port.
fn assert_ctrl_c_stops_and_frees(args: &[&str], ports: &[u16]) {
    let child = command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Reaped(child);
    // A client connected to each port while the lab is stopped: it must not hold the lab up.
    let held: Vec<std::net::TcpStream> = ports
        .iter()
        .map(|port| {
            wait_for(Duration::from_secs(10), "the lab to bind", || {
                std::net::TcpStream::connect(("127.0.0.1", *port)).ok()
            })
        })
        .collect();
    // The first snapshot: the lab is running, and Ctrl-C is the lab's to handle.
    let mut stdout = std::io::BufReader::new(child.0.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    assert!(first.contains("\"type\":\"snapshot\""), "{args:?}: {first}");
    interrupt(&child.0);
    let status = wait_for(
        Duration::from_secs(10),
        "the lab to exit after Ctrl-C",
        || child.0.try_wait().unwrap(),
    );
    // It exited by itself (not killed by the signal), with 0 or 1 as its report says.
    let code = status
        .code()
        .unwrap_or_else(|| panic!("{args:?}: {status:?}"));
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let report = json_lines(rest.as_bytes()).pop().unwrap();
    assert_eq!(report["type"], "report", "{args:?}");
    assert_eq!(
        code == 0,
        report["ok"] == true,
        "{args:?}: exit {code}, {report}"
    );
    for port in ports {
        assert!(
            std::net::TcpListener::bind(("127.0.0.1", *port)).is_ok(),
            "{args:?}: port {port} still held"
        );
    }
    // The connected clients were let go: they read the end of the connection, not silence.
    for mut stream in held {
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut byte = [0u8; 64];
        let read = std::io::Read::read(&mut stream, &mut byte);
        assert!(
            !read.as_ref().is_err_and(|error| matches!(
                error.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            )),
            "{args:?}: a connected client was left hanging"
        );
    }
}

#[test]
fn ctrl_c_stops_a_headless_lab_with_a_report_and_frees_its_port() {
    let port = free_port();
    let endpoint = format!("tcp://127.0.0.1:{port}");
    assert_ctrl_c_stops_and_frees(&publisher_args(&endpoint, &[]), &[port]);
}

#[test]
fn ctrl_c_stops_every_request_reply_role_and_frees_its_ports() {
    let (first, second) = (free_port(), free_port());
    let (frontend, backend) = (
        format!("tcp://127.0.0.1:{first}"),
        format!("tcp://127.0.0.1:{second}"),
    );
    let headless = ["--headless"];
    let server = ["lab", "zmq-reqrep", "--role", "server", "--bind", &frontend];
    assert_ctrl_c_stops_and_frees(&[&server[..], &headless].concat(), &[first]);
    let broker = [
        "lab",
        "zmq-broker",
        "--role",
        "broker",
        "--frontend",
        &frontend,
        "--backend",
        &backend,
    ];
    assert_ctrl_c_stops_and_frees(&[&broker[..], &headless].concat(), &[first, second]);
    // Workers and strict clients with nobody to talk to: waiting, yet stopped at once.
    let worker = [
        "lab",
        "zmq-broker",
        "--role",
        "worker",
        "--connect",
        &backend,
    ];
    assert_ctrl_c_stops_and_frees(&[&worker[..], &headless].concat(), &[]);
    let client = [
        "lab",
        "zmq-reqrep",
        "--role",
        "client",
        "--connect",
        &frontend,
        "--timeout",
        "0",
    ];
    // (It fails, as it should: no server ever answered.)
    assert_ctrl_c_stops_and_frees(&[&client[..], &headless].concat(), &[]);
}

#[test]
fn ctrl_c_stops_every_pipeline_role_and_frees_its_ports() {
    let [tasks, results, control] = [(); 3].map(|_| free_port());
    let [tasks_endpoint, results_endpoint, control_endpoint] =
        [tasks, results, control].map(|port| format!("tcp://127.0.0.1:{port}"));
    let pipeline = |role: &'static str| vec!["lab", "zmq-pipeline", "--role", role, "--headless"];
    // A sink waiting for a batch that never starts.
    let sink = [
        &pipeline("sink")[..],
        &["--bind", &results_endpoint, "--control", &control_endpoint],
    ]
    .concat();
    assert_ctrl_c_stops_and_frees(&sink, &[results, control]);
    // A ventilator waiting for workers that never come.
    let ventilator = [
        &pipeline("ventilator")[..],
        &["--bind", &tasks_endpoint, "--sink", &results_endpoint],
    ]
    .concat();
    assert_ctrl_c_stops_and_frees(&ventilator, &[tasks]);
    // Workers waiting for tasks from nobody.
    let workers = [
        &pipeline("worker")[..],
        &[
            "--connect",
            &tasks_endpoint,
            "--sink",
            &results_endpoint,
            "--control",
            &control_endpoint,
        ],
    ]
    .concat();
    assert_ctrl_c_stops_and_frees(&workers, &[]);
}

#[test]
fn ctrl_c_stops_every_socket_echo_model_with_a_client_connected() {
    for model in ["blocking", "select", "epoll", "tokio", "threads", "fork"] {
        let port = free_port();
        let address = format!("127.0.0.1:{port}");
        let server = [
            "lab",
            "socket-echo",
            "--role",
            "server",
            "--model",
            model,
            "--bind",
            &address,
            "--headless",
        ];
        assert_ctrl_c_stops_and_frees(&server, &[port]);
    }
}

#[test]
fn serve_on_a_busy_port_names_the_port() {
    let (_taken, port) = taken_port();
    let output = run(&["serve", "--addr", &format!("127.0.0.1:{port}")]);
    assert_port_named_in_one_line(&output, port);
}

#[test]
fn replaying_a_missing_or_foreign_file_says_what_to_do() {
    let output = run(&["replay", "/nonexistent/run.jsonl", "--headless"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot open the recording /nonexistent/run.jsonl"),
        "{stderr}"
    );
    assert!(stderr.contains("--record"), "{stderr}");

    let directory = std::env::temp_dir().join(format!("workbench-foreign-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let foreign = directory.join("notes.jsonl");
    std::fs::write(&foreign, "{\"hello\": 1}\n").unwrap();
    let output = run(&["replay", foreign.to_str().unwrap(), "--headless"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("notes.jsonl line 1: not a workbench snapshot"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn the_terminal_ui_without_a_terminal_says_what_to_use_instead() {
    let output = run(&[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the terminal UI needs a terminal"),
        "{stderr}"
    );
    assert!(stderr.contains("--headless"), "{stderr}");
}

#[test]
fn one_subscriber_hears_two_publishers() {
    let endpoints: Vec<String> = (0..2)
        .map(|_| format!("tcp://127.0.0.1:{}", free_port()))
        .collect();
    let _publishers: Vec<Reaped> = endpoints
        .iter()
        .map(|endpoint| {
            Reaped(
                command()
                    .args(publisher_args(endpoint, &["--rate", "1000"]))
                    .stdout(Stdio::null())
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();
    let output = run(&[
        "lab",
        "zmq-pubsub",
        "--role",
        "subscriber",
        "--connect",
        &endpoints[0],
        "--connect",
        &endpoints[1],
        "--subscribe",
        "*",
        "--messages",
        "1000",
        "--duration",
        "30",
        "--headless",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = json_lines(&output.stdout);
    let last_snapshot = &lines[lines.len() - 2];
    assert_eq!(
        last_snapshot["gauges"]["publishers heard"], 2,
        "{last_snapshot}"
    );
    assert_eq!(lines.last().unwrap()["counters"]["unexpected"], 0);
}

/// Runs the workbench with `args`; returns the exit code and standard error. A panic shows as
/// exit code 101 and "panicked" on standard error.
fn exit_and_stderr(args: &[&str]) -> (Option<i32>, String) {
    let output = run(args);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn extreme_numbers_in_every_numeric_flag_are_one_line_never_a_panic() {
    let output = run(&["list", "--json"]);
    let labs: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for lab in labs.as_array().unwrap() {
        let id = lab["id"].as_str().unwrap();
        for duration in ["1e300", "inf", "NaN", "-1", "0"] {
            let (code, stderr) =
                exit_and_stderr(&["lab", id, "--headless", "--duration", duration]);
            assert_eq!(code, Some(2), "{id} --duration {duration}: {stderr}");
            assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        }
        for spec in lab["params"].as_array().unwrap() {
            let kind = spec["kind"]["type"].as_str().unwrap();
            if kind != "integer" && kind != "float" {
                continue;
            }
            let flag = format!("--{}", spec["name"].as_str().unwrap());
            for value in [
                "1e308",
                "-1e308",
                "NaN",
                "inf",
                "-inf",
                "-1",
                "99999999999999999999",
            ] {
                let args = ["lab", id, &flag, value, "--headless", "--duration", "0.3"];
                let (code, stderr) = exit_and_stderr(&args);
                assert!(
                    !stderr.contains("panicked") && code != Some(101),
                    "{args:?}: {stderr}"
                );
                if code == Some(2) {
                    assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
                    assert!(stderr.contains(&flag), "names the flag: {stderr}");
                }
            }
        }
    }
    let (code, stderr) =
        exit_and_stderr(&["zmq", "probe", "tcp://127.0.0.1:1", "--timeout", "1e300"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--timeout"), "{stderr}");
}

#[test]
fn a_suite_timeout_out_of_range_is_one_line() {
    let folder = tempfile::tempdir().unwrap();
    let suite = folder.path().join("suite.toml");
    for timeout in ["1e300", "-1", "nan", "inf"] {
        std::fs::write(
            &suite,
            format!("name = \"s\"\n[[test]]\nname = \"t\"\nexec = \"true\"\ntimeout = {timeout}\n"),
        )
        .unwrap();
        let (code, stderr) = exit_and_stderr(&["test", "run", suite.to_str().unwrap()]);
        assert_eq!(code, Some(2), "timeout = {timeout}: {stderr}");
        assert!(stderr.contains("timeout"), "{stderr}");
    }
}

/// The blocking server with more clients than its listen backlog, two of them silent: the crowd
/// waits in connect and in read, and still `--duration` ends the lab (it ran on for minutes).
#[test]
fn the_blocking_model_with_a_stalled_crowd_still_stops_on_time() {
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let child = command()
        .args([
            "lab",
            "socket-echo",
            "--model",
            "blocking",
            "--clients",
            "1100",
            "--slow-clients",
            "2",
            "--bind",
            &bind,
            "--headless",
            "--duration",
            "2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Not a timing test: without the fix the lab runs until the kernel gives up on connects.
    let (_status, printed) = Reaped(child).finish_within(
        Duration::from_secs(60),
        "the blocking lab with 1,100 clients",
    );
    let report = json_lines(printed.as_bytes()).pop().expect("a report");
    assert_eq!(report["type"], "report", "{report}");
    wait_for(Duration::from_secs(10), "the port to be free", || {
        std::net::TcpListener::bind(&bind).ok()
    });
}

/// A reader that leaves early (`workbench lesson messaging | head -1`) ends the printing
/// commands quietly, as other Unix tools end: no panic about a broken pipe.
#[test]
fn printing_commands_end_quietly_when_the_reader_leaves() {
    use std::os::unix::process::ExitStatusExt as _;
    for args in [
        &["lesson", "messaging"][..],
        &["exercise", "list"][..],
        &["list"][..],
    ] {
        let data = tempfile::tempdir().unwrap();
        let mut child = common::command()
            .args(args)
            .env("WORKBENCH_DATA_DIR", data.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader is gone before the first line is written.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(!said.contains("panicked"), "{args:?}: {said}");
        assert!(
            output.status.success() || output.status.signal() == Some(libc::SIGPIPE),
            "{args:?}: {:?} {said}",
            output.status
        );
    }
}

/// Duration flags take units (`--rtt 0.5ms`, `--slow-subscriber 2ms`), a bare number keeping
/// the meaning it always had; `--help` says so, and a wrong one is one line and exit 2.
#[test]
fn duration_flags_take_units_and_bare_numbers_keep_their_meaning() {
    let help = common::run(&["lab", "flash-sale", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--rtt <DURATION, e.g. 2ms>")
            && help.contains("a bare number is milliseconds"),
        "{help}"
    );
    for rtt in ["0.5ms", "500µs", "0.5"] {
        let output = common::run(&[
            "lab",
            "flash-sale",
            "--rtt",
            rtt,
            "--users",
            "200",
            "--stock",
            "50",
            "--headless",
        ]);
        assert!(output.status.success(), "--rtt {rtt}: {output:?}");
    }
    for wrong in ["2 hours", "-1ms", "NaN", "1e308s"] {
        let output = common::run(&["lab", "flash-sale", "--rtt", wrong, "--headless"]);
        let said = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "--rtt {wrong}: {said}");
        assert_eq!(said.trim().lines().count(), 1, "--rtt {wrong}: {said}");
        assert!(
            said.contains("--rtt") && said.contains("a bare number is ms"),
            "{said}"
        );
    }
}

/// The workbench's own command line in Chinese: `--lang zh` (or a Chinese locale) gives every
/// command's help in Chinese, clap's headings and flags included, and a mistyped command or
/// flag is one Chinese line with the suggestion, then where to look, exit 2. English stays
/// clap's.
#[test]
fn the_command_line_speaks_chinese_in_help_and_mistakes() {
    let chinese = |args: &[&str], locale: Option<&str>| {
        let mut command = common::command();
        command.args(args).stdin(std::process::Stdio::null());
        for name in ["LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"] {
            command.env_remove(name);
        }
        if let Some(locale) = locale {
            command.env("LANG", locale);
        }
        command.output().unwrap()
    };
    let help = chinese(&["--lang", "zh", "exercise", "check", "--help"], None);
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    for words in [
        "检查你的程序",
        "用法：",
        "参数",
        "选项",
        "练习的编号",
        "打印帮助",
        "[默认：text]",
    ] {
        assert!(text.contains(words), "{words:?} missing from:\n{text}");
    }
    for english in [
        "Usage:",
        "Options:",
        "Print help",
        "Check your program",
        "[default:",
    ] {
        assert!(!text.contains(english), "{english:?} left in:\n{text}");
    }
    let top = chinese(&["--help"], Some("zh_CN.UTF-8"));
    let text = String::from_utf8_lossy(&top.stdout);
    assert!(text.contains("课堂练习") && text.contains("命令"), "{text}");

    let mistake = chinese(&["--lang", "zh", "exercise", "chek"], None);
    assert_eq!(mistake.status.code(), Some(2));
    let said = String::from_utf8_lossy(&mistake.stderr);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 2, "{said}");
    assert!(
        lines[0].contains("“chek”") && lines[0].contains("“check”"),
        "{said}"
    );
    assert!(lines[1].contains("--help"), "{said}");
    let flag = chinese(
        &["exercise", "check", "x", "--fromat", "json"],
        Some("zh_CN.UTF-8"),
    );
    let said = String::from_utf8_lossy(&flag.stderr);
    assert_eq!(flag.status.code(), Some(2));
    assert!(
        said.contains("“--fromat”") && said.contains("“--format”"),
        "{said}"
    );

    let english = chinese(&["exercise", "check", "--help"], Some("C"));
    let text = String::from_utf8_lossy(&english.stdout);
    assert!(
        text.contains("Usage:") && text.contains("Check your program"),
        "{text}"
    );
}
