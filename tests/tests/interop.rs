//! Other people's ZeroMQ programs on the other side of each role: Python's pyzmq and PHP's zmq
//! extension. If these pass, a student's program in those languages can take either role.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Reaped, command, free_port, interrupt, json_lines, publisher_args, wait_for};

fn python_has_pyzmq() -> bool {
    Command::new("python3")
        .args(["-c", "import zmq"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn php_has_zmq() -> bool {
    Command::new("php")
        .args(["-r", "exit(extension_loaded('zmq') ? 0 : 1);"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// A pyzmq publisher: binds the endpoint given first, then publishes on A and B until killed,
/// as two frames `[topic, payload]` or, given `one-frame`, as one frame with the topic at its
/// start ("B hello 42"), as many programs do.
const PYTHON_PUBLISHER: &str = r#"
import sys, time, zmq
context = zmq.Context()
socket = context.socket(zmq.PUB)
socket.setsockopt(zmq.LINGER, 0)
socket.bind(sys.argv[1])
one_frame = sys.argv[2:] == ["one-frame"]
count = 0
while True:
    for topic in (b"A", b"B"):
        if one_frame:
            socket.send(b"%s hello %d" % (topic, count))
        else:
            socket.send_multipart([topic, b"hello from python %d" % count])
    count += 1
    time.sleep(0.001)
"#;

/// Runs the Python publisher with `framing` (`two-frame` or `one-frame`) and the workbench
/// subscriber against it, subscribed to B, until `messages` arrived; returns the
/// subscriber's JSON lines.
fn python_publisher_to_workbench(framing: &str, messages: &str) -> Vec<serde_json::Value> {
    let endpoint = format!("tcp://127.0.0.1:{}", free_port());
    let _publisher = Reaped(
        Command::new("python3")
            .args(["-c", PYTHON_PUBLISHER, &endpoint, framing])
            .spawn()
            .unwrap(),
    );
    let output = command()
        .args([
            "lab",
            "zmq-pubsub",
            "--role",
            "subscriber",
            "--connect",
            &endpoint,
            "--subscribe",
            "B",
            "--messages",
            messages,
            "--duration",
            "30",
            "--headless",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    json_lines(&output.stdout)
}

#[test]
fn a_pyzmq_publisher_feeds_the_workbench_subscriber_only_its_topic() {
    if !python_has_pyzmq()
        && common::missing_tool("pyzmq", "pyzmq publisher -> workbench subscriber")
    {
        return;
    }
    let report = python_publisher_to_workbench("two-frame", "200")
        .pop()
        .unwrap();
    assert_eq!(report["ok"], true, "{report}");
    let counters = &report["counters"];
    assert!(
        counters["received/B"].as_u64().unwrap() >= 200,
        "{counters}"
    );
    assert!(
        counters.get("received/A").is_none(),
        "topic A must be filtered out: {counters}"
    );
    assert_eq!(counters["unexpected"], 0);
}

#[test]
fn one_frame_messages_from_pyzmq_count_under_their_topic() {
    if !python_has_pyzmq()
        && common::missing_tool("pyzmq", "one-frame pyzmq messages -> workbench subscriber")
    {
        return;
    }
    let lines = python_publisher_to_workbench("one-frame", "100");
    let report = lines.last().unwrap();
    assert!(
        report["counters"]["received/B"].as_u64().unwrap() >= 100,
        "{report}"
    );
    let last_snapshot = &lines[lines.len() - 2];
    let topics = last_snapshot["tables"]["topics"]["rows"]
        .as_array()
        .unwrap();
    assert_eq!(
        topics.len(),
        1,
        "one topic row, not one per message: {topics:?}"
    );
    assert_eq!(topics[0][0], "B");
}

/// A pyzmq subscriber: subscribes to B, reads 100 messages, prints what it saw as JSON.
const PYTHON_SUBSCRIBER: &str = r#"
import json, sys, zmq
context = zmq.Context()
socket = context.socket(zmq.SUB)
socket.setsockopt(zmq.LINGER, 0)
socket.setsockopt(zmq.RCVTIMEO, 10000)
socket.setsockopt(zmq.SUBSCRIBE, b"B")
socket.connect(sys.argv[1])
topics, headers = set(), 0
for _ in range(100):
    topic, payload = socket.recv_multipart()
    topics.add(topic.decode())
    headers += payload.startswith(b"pub=")
print(json.dumps({"topics": sorted(topics), "with_header": headers}))
"#;

/// The same in PHP with the zmq extension.
const PHP_SUBSCRIBER: &str = r#"
$context = new ZMQContext();
$socket = $context->getSocket(ZMQ::SOCKET_SUB);
$socket->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
$socket->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, 10000);
$socket->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, "B");
$socket->connect($argv[1]);
$topics = []; $headers = 0;
for ($i = 0; $i < 100; $i++) {
    $frames = $socket->recvMulti();
    if ($frames === false) { fwrite(STDERR, "timed out\n"); exit(1); }
    $topics[$frames[0]] = true;
    $headers += str_starts_with($frames[1], "pub=") ? 1 : 0;
}
$names = array_keys($topics); sort($names);
echo json_encode(["topics" => $names, "with_header" => $headers]), "\n";
"#;

/// Runs the workbench publisher on A and B, and `subscriber` (a command line taking the
/// endpoint last) against it; returns what the subscriber printed.
fn workbench_publisher_to(subscriber: &[&str]) -> serde_json::Value {
    let endpoint = format!("tcp://127.0.0.1:{}", free_port());
    let publisher = Reaped(
        command()
            .args(publisher_args(
                &endpoint,
                &["--topics", "A,B", "--rate", "2000"],
            ))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let port: u16 = endpoint.rsplit(':').next().unwrap().parse().unwrap();
    wait_for(
        Duration::from_secs(10),
        "the workbench publisher to bind",
        || std::net::TcpStream::connect(("127.0.0.1", port)).ok(),
    );
    let output = Command::new(subscriber[0])
        .args(&subscriber[1..])
        .arg(&endpoint)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{} failed: {}",
        subscriber[0],
        String::from_utf8_lossy(&output.stderr)
    );
    interrupt(&publisher.0);
    serde_json::from_slice(&output.stdout).expect("the subscriber prints JSON")
}

#[test]
fn the_workbench_publisher_feeds_a_pyzmq_subscriber_only_its_topic() {
    if !python_has_pyzmq()
        && common::missing_tool("pyzmq", "workbench publisher -> pyzmq subscriber")
    {
        return;
    }
    let seen = workbench_publisher_to(&["python3", "-c", PYTHON_SUBSCRIBER]);
    assert_eq!(
        seen["topics"],
        serde_json::json!(["B"]),
        "only B may arrive: {seen}"
    );
    assert_eq!(
        seen["with_header"], 100,
        "payloads carry the workbench header: {seen}"
    );
}

#[test]
fn the_workbench_publisher_feeds_a_php_subscriber_only_its_topic() {
    if !php_has_zmq()
        && common::missing_tool(
            "php with the zmq extension",
            "workbench publisher -> PHP subscriber",
        )
    {
        return;
    }
    let seen = workbench_publisher_to(&["php", "-r", PHP_SUBSCRIBER, "--"]);
    assert_eq!(
        seen["topics"],
        serde_json::json!(["B"]),
        "only B may arrive: {seen}"
    );
    assert_eq!(seen["with_header"], 100, "{seen}");
}

/// A pyzmq socket of the type given first, bound to the endpoint given second, doing nothing
/// until killed; `CURVE-REP` is a REP socket with CURVE security; `plain` is a plain TCP server
/// that greets with a line of text.
const PYTHON_LISTENER: &str = r#"
import socket as plain, sys, time, zmq
kind, endpoint = sys.argv[1], sys.argv[2]
if kind == "plain":
    host, port = endpoint[len("tcp://"):].rsplit(":", 1)
    server = plain.socket()
    server.setsockopt(plain.SOL_SOCKET, plain.SO_REUSEADDR, 1)
    server.bind((host, int(port)))
    server.listen()
    while True:
        connection, _ = server.accept()
        connection.sendall(b"220 smtp.example ESMTP ready\r\n")
        connection.close()
secured = kind == "CURVE-REP"
socket = zmq.Context().socket(zmq.REP if secured else getattr(zmq, kind))
socket.setsockopt(zmq.LINGER, 0)
if secured:
    public, secret = zmq.curve_keypair()
    socket.curve_secretkey = secret
    socket.curve_publickey = public
    socket.curve_server = True
socket.bind(endpoint)
time.sleep(3600)
"#;

/// `workbench zmq probe --json` against a Python listener of `kind`.
fn probe_python(kind: &str) -> (Option<i32>, serde_json::Value) {
    let endpoint = format!("tcp://127.0.0.1:{}", free_port());
    let _listener = Reaped(
        Command::new("python3")
            .args(["-c", PYTHON_LISTENER, kind, &endpoint])
            .spawn()
            .unwrap(),
    );
    let address = endpoint.trim_start_matches("tcp://").to_string();
    wait_for(Duration::from_secs(20), "the Python listener", || {
        std::net::TcpStream::connect(&address).ok()
    });
    let output = command()
        .args(["zmq", "probe", &endpoint, "--json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("JSON: {}", String::from_utf8_lossy(&output.stdout)));
    assert_eq!(report["endpoint"], endpoint.as_str());
    (output.status.code(), report)
}

#[test]
fn the_probe_names_pyzmq_sockets_and_knows_a_plain_tcp_server_is_not_zeromq() {
    if !python_has_pyzmq() && common::missing_tool("pyzmq", "the probe against Python sockets") {
        return;
    }
    for kind in ["PUB", "REP", "ROUTER"] {
        let (code, report) = probe_python(kind);
        assert_eq!(code, Some(0), "{kind}: {report}");
        assert_eq!(report["kind"], "zeromq", "{kind}: {report}");
        assert_eq!(report["socket_type"], kind, "{report}");
        assert_eq!(report["mechanism"], "NULL", "{report}");
        assert!(
            report["version"].as_str().unwrap().starts_with("3."),
            "{report}"
        );
    }
    let (code, report) = probe_python("CURVE-REP");
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["mechanism"], "CURVE", "{report}");
    assert_eq!(
        report["socket_type"],
        serde_json::Value::Null,
        "told only after the handshake"
    );
    let (code, report) = probe_python("plain");
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["kind"], "not-zeromq", "{report}");
    assert_eq!(
        report["first_bytes"],
        "\"220 smtp.example ESMTP ready\\r\\n\""
    );
}

/// A pyzmq REQ client: sends `count` requests to each endpoint given, then one of three frames
/// and an empty one; prints every reply.
const PYTHON_REQ_CLIENT: &str = r#"
import sys, zmq
count = int(sys.argv[1])
context = zmq.Context()
for endpoint in sys.argv[2:]:
    socket = context.socket(zmq.REQ)
    socket.setsockopt(zmq.LINGER, 0)
    socket.setsockopt(zmq.RCVTIMEO, 5000)
    socket.connect(endpoint)
    for number in range(count):
        socket.send(b"python %d" % number)
        print(socket.recv().decode(), flush=True)
    socket.send_multipart([b"x", b"y", b"z"])
    print(socket.recv().decode(), flush=True)
    socket.send(b"")
    print(repr(socket.recv()), flush=True)
    socket.close()
"#;

#[test]
fn a_python_req_client_is_answered_by_the_workbench_server_over_tcp_and_ipc() {
    if !python_has_pyzmq()
        && common::missing_tool("pyzmq", "a Python REQ client against zmq-reqrep")
    {
        return;
    }
    let tcp = format!("tcp://127.0.0.1:{}", free_port());
    let folder = tempfile::tempdir().unwrap();
    let ipc = format!("ipc://{}/req.ipc", folder.path().display());
    let server = Reaped(
        command()
            .args([
                "lab",
                "zmq-reqrep",
                "--role",
                "server",
                "--bind",
                &tcp,
                "--bind",
                &ipc,
                "--headless",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let address = tcp.trim_start_matches("tcp://").to_string();
    wait_for(Duration::from_secs(20), "the server's port", || {
        std::net::TcpStream::connect(&address).ok()
    });
    let client = Command::new("python3")
        .args(["-c", PYTHON_REQ_CLIENT, "25", &tcp, &ipc])
        .output()
        .unwrap();
    assert!(
        client.status.success(),
        "{}",
        String::from_utf8_lossy(&client.stderr)
    );
    let replies = String::from_utf8_lossy(&client.stdout);
    let lines: Vec<&str> = replies.lines().collect();
    assert_eq!(lines.len(), 2 * 27, "{replies}");
    for (index, line) in lines.iter().enumerate() {
        let expected = match index % 27 {
            25 => "From Server1:xyz".to_string(),
            26 => "b'From Server1:'".to_string(),
            number => format!("From Server1:python {number}"),
        };
        assert_eq!(*line, expected);
    }

    // Ctrl-C: the server prints its report and exits, which ends its output.
    let mut server = server;
    interrupt(&server.0);
    let mut printed = Vec::new();
    std::io::Read::read_to_end(&mut server.0.stdout.take().unwrap(), &mut printed).unwrap();
    let lines = json_lines(&printed);
    let report = lines.last().expect("a report line");
    assert_eq!(report["type"], "report");
    assert_eq!(report["counters"]["served"], 54, "{report}");
    assert_eq!(report["counters"]["odd requests"], 4, "{report}");
    let events: Vec<String> = lines
        .iter()
        .filter_map(|line| line["events"].as_array())
        .flatten()
        .filter_map(|event| event["message"].as_str().map(str::to_string))
        .collect();
    assert!(
        events
            .iter()
            .any(|message| message.contains(&tcp) && message.contains(&ipc)),
        "{events:?}"
    );
    assert!(
        events.iter().any(|message| message.contains("3 frames")),
        "{events:?}"
    );
}

/// A pyzmq REP worker: connects to the broker's backend, answers "From Python:" + request and
/// prints one line per request, until killed.
const PYTHON_REP_WORKER: &str = r#"
import sys, time, zmq
socket = zmq.Context().socket(zmq.REP)
socket.setsockopt(zmq.LINGER, 0)
socket.connect(sys.argv[1])
while True:
    request = socket.recv()
    time.sleep(0.001)
    socket.send(b"From Server1:" + request)
    print("served", flush=True)
"#;

/// The same in PHP with the zmq extension.
const PHP_REP_WORKER: &str = r#"
$socket = (new ZMQContext())->getSocket(ZMQ::SOCKET_REP);
$socket->connect($argv[1]);
while (true) {
    $request = $socket->recv();
    usleep(1000);
    $socket->send("From Server1:" . $request);
    echo "served\n";
}
"#;

#[test]
fn php_and_python_workers_behind_the_workbench_broker_get_their_share() {
    if !python_has_pyzmq() && common::missing_tool("pyzmq", "a Python worker behind zmq-broker") {
        return;
    }
    if !php_has_zmq() && common::missing_tool("php-zmq", "a PHP worker behind zmq-broker") {
        return;
    }
    let frontend = format!("tcp://127.0.0.1:{}", free_port());
    let backend = format!("tcp://127.0.0.1:{}", free_port());
    let _broker = Reaped(
        command()
            .args([
                "lab",
                "zmq-broker",
                "--role",
                "broker",
                "--frontend",
                &frontend,
                "--backend",
                &backend,
                "--headless",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let address = backend.trim_start_matches("tcp://").to_string();
    wait_for(Duration::from_secs(20), "the broker's backend", || {
        std::net::TcpStream::connect(&address).ok()
    });
    let spawn_worker = |program: &str, code: &str| {
        let mut command = Command::new(program);
        if program == "php" {
            command.args(["-r", code, "--", &backend]);
        } else {
            command.args(["-c", code, &backend]);
        }
        Reaped(command.stdout(Stdio::piped()).spawn().unwrap())
    };
    let mut python = spawn_worker("python3", PYTHON_REP_WORKER);
    let mut php = spawn_worker("php", PHP_REP_WORKER);
    let _ours = Reaped(
        command()
            .args([
                "lab",
                "zmq-broker",
                "--role",
                "worker",
                "--connect",
                &backend,
                "--workers",
                "2",
                "--headless",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Let all four workers connect before the clients start, so the dealing is fair.
    std::thread::sleep(Duration::from_millis(500));
    let clients = command()
        .args([
            "lab",
            "zmq-broker",
            "--role",
            "client",
            "--connect",
            &frontend,
            "--concurrency",
            "8",
            "--requests",
            "50",
            "--headless",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let report = json_lines(&clients.stdout).pop().expect("a report");
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["counters"]["replies"], 400, "{report}");

    let served = |worker: &mut Reaped| {
        let _ = worker.0.kill();
        let mut printed = String::new();
        std::io::Read::read_to_string(&mut worker.0.stdout.take().unwrap(), &mut printed).unwrap();
        printed.lines().filter(|line| *line == "served").count()
    };
    let (python_served, php_served) = (served(&mut python), served(&mut php));
    // Four workers share 400 requests: each outside worker gets about 100, and surely 40.
    assert!(
        python_served >= 40,
        "the Python worker served {python_served}"
    );
    assert!(php_served >= 40, "the PHP worker served {php_served}");
}

#[test]
fn python_and_php_pipeline_workers_share_the_workbench_ventilators_tasks() {
    if !python_has_pyzmq() && common::missing_tool("pyzmq", "a Python worker in zmq-pipeline") {
        return;
    }
    if !php_has_zmq() && common::missing_tool("php-zmq", "a PHP worker in zmq-pipeline") {
        return;
    }
    let [tasks, results, control] = [(); 3].map(|_| format!("tcp://127.0.0.1:{}", free_port()));
    let sink = Reaped(
        command()
            .args([
                "lab",
                "zmq-pipeline",
                "--role",
                "sink",
                "--bind",
                &results,
                "--control",
                &control,
                "--headless",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let address = results.trim_start_matches("tcp://").to_string();
    wait_for(Duration::from_secs(20), "the sink's port", || {
        std::net::TcpStream::connect(&address).ok()
    });
    // The exercise's reference workers, given these endpoints.
    let solutions =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises/zmq-pipeline-worker");
    let spawn_worker = |program: &str, file: &str| {
        Reaped(
            Command::new(program)
                .arg(solutions.join(file))
                .args([&tasks, &results, &control])
                .stdout(Stdio::piped())
                .spawn()
                .unwrap(),
        )
    };
    let python = spawn_worker("python3", "solution.py");
    let php = spawn_worker("php", "solution.php");
    let ventilator = command()
        .args([
            "lab",
            "zmq-pipeline",
            "--role",
            "ventilator",
            "--bind",
            &tasks,
            "--sink",
            &results,
            "--tasks",
            "40",
            "--work-ms",
            "5",
            "--wait-workers",
            "2",
            "--headless",
            "--duration",
            "60",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let sent = json_lines(&ventilator.stdout).pop().expect("a report");
    assert_eq!(sent["ok"], true, "{sent}");
    assert_eq!(sent["counters"]["tasks sent"], 40, "{sent}");

    // The sink ends after its batch, and its KILL ends both workers: nobody kills them here.
    let (sink_status, sink_output) = sink.finish_within(Duration::from_secs(30), "the sink");
    let collected = json_lines(sink_output.as_bytes()).pop().expect("a report");
    assert!(sink_status.success(), "{collected}");
    assert_eq!(collected["ok"], true, "{collected}");
    assert_eq!(collected["counters"]["results"], 40, "{collected}");
    assert_eq!(collected["counters"]["wrong results"], 0, "{collected}");
    for (name, worker) in [("python", python), ("php", php)] {
        let shared = collected["counters"][format!("{name}/results")]
            .as_u64()
            .unwrap_or(0);
        // Round robin between two workers: about 20 each, and surely 10.
        assert!(shared >= 10, "{name} did {shared}: {collected}");
        let (status, printed) = worker.finish_within(Duration::from_secs(10), name);
        assert!(status.success(), "the {name} worker: {status}, {printed}");
        assert_eq!(printed.trim(), format!("done {shared}"), "{name}");
    }
}

/// The messaging lesson's PHP broker, run as the lesson shows it, between the workbench's
/// clients and workers: `ZMQDevice` passes every request and reply, while the same broker
/// written with `ZMQPoll` (kept beside it, as notes write it) passes none on php-zmq 1.1.3,
/// as the lesson says. If a php-zmq release fixes ZMQPoll, this fails: change the lesson.
#[test]
fn the_lessons_php_broker_forwards_everything_and_its_zmqpoll_twin_nothing() {
    if !php_has_zmq() && common::missing_tool("php-zmq", "the lesson's PHP broker") {
        return;
    }
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/php/messaging");
    let through = |broker: &str| -> serde_json::Value {
        let frontend = format!("tcp://127.0.0.1:{}", free_port());
        let backend = format!("tcp://127.0.0.1:{}", free_port());
        let _broker = Reaped(
            Command::new("php")
                .arg(folder.join(broker))
                .args([&frontend, &backend])
                .stdin(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let address = backend.trim_start_matches("tcp://").to_string();
        wait_for(Duration::from_secs(20), "the PHP broker's backend", || {
            std::net::TcpStream::connect(&address).ok()
        });
        let _workers = Reaped(
            command()
                .args([
                    "lab",
                    "zmq-broker",
                    "--role",
                    "worker",
                    "--connect",
                    &backend,
                ])
                .args(["--workers", "2", "--headless"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
        );
        std::thread::sleep(Duration::from_millis(500));
        let clients = command()
            .args([
                "lab",
                "zmq-broker",
                "--role",
                "client",
                "--connect",
                &frontend,
            ])
            .args(["--concurrency", "4", "--requests", "20", "--timeout", "0"])
            .args(["--duration", "5", "--headless"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        json_lines(&clients.stdout).pop().expect("a report")
    };
    let device = through("broker.php");
    assert_eq!(device["counters"]["replies"], 80, "{device}");
    assert_eq!(device["counters"]["wrong replies"], 0, "{device}");
    assert_eq!(device["ok"], true, "{device}");
    let polled = through("broker_poll.php");
    assert_eq!(polled["counters"]["replies"], 0, "{polled}");
    assert!(polled["counters"]["stuck"].as_u64() > Some(0), "{polled}");
}

/// The PHP files a lesson quotes, each beside the lesson of its topic.
const QUOTED_PHP: [(&str, &str); 12] = [
    ("messaging", "broker.php"),
    ("messaging", "subscriber.php"),
    ("messaging", "rep_server.php"),
    ("messaging", "pipeline_worker.php"),
    ("dependent-tests", "RpcTest.php"),
    ("sockets", "blocking_server.php"),
    ("sockets", "select_server.php"),
    ("sockets", "fork_server.php"),
    ("sockets", "timeout_client.php"),
    ("archives", "build.php"),
    ("archives", "convert.php"),
    ("flash-sale", "purchase.php"),
];

/// The PHP a lesson shows is the file a test runs: the lesson includes it (a code block
/// ```` ```php file=php/<topic>/<file> ````, never a copy), and `workbench lesson` shows it whole
/// in both languages; and every file under `content/php/<topic>/` is named by its topic's
/// lessons, so none is left behind untaught.
#[test]
fn the_php_a_lesson_shows_is_the_file_that_is_tested() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let lesson = |topic: &str, language: &str| {
        std::fs::read_to_string(root.join(format!("lessons/{language}/{topic}.md"))).unwrap()
    };
    for (topic, file) in QUOTED_PHP {
        let code = std::fs::read_to_string(root.join("php").join(topic).join(file)).unwrap();
        for language in ["en", "zh"] {
            assert!(
                lesson(topic, language).contains(&format!("```php file=php/{topic}/{file}\n```")),
                "{language}: the {topic} lesson does not include content/php/{topic}/{file}"
            );
            let shown = command()
                .args(["--lang", language, "lesson", topic])
                .env("COLUMNS", "200")
                .env_remove("WORKBENCH_CONTENT")
                .output()
                .unwrap();
            assert!(shown.status.success(), "{shown:?}");
            let shown = String::from_utf8_lossy(&shown.stdout);
            let at = shown
                .find(code.lines().next().unwrap())
                .unwrap_or_else(|| panic!("{language}: {topic} does not show {file}:\n{shown}"));
            for line in code.lines() {
                assert!(
                    shown[at..].contains(line),
                    "{language}: {topic} shows {file} without `{line}`"
                );
            }
        }
    }
    for topic in std::fs::read_dir(root.join("php")).unwrap().flatten() {
        let topic_name = topic.file_name().to_string_lossy().into_owned();
        for file in std::fs::read_dir(topic.path()).unwrap().flatten() {
            let named = format!(
                "content/php/{topic_name}/{}",
                file.file_name().to_string_lossy()
            );
            for language in ["en", "zh"] {
                assert!(
                    lesson(&topic_name, language).contains(&named),
                    "{language}: the {topic_name} lesson does not name {named}"
                );
            }
        }
    }
}

/// The dependent-tests lesson's PHPUnit class, run by real PHPUnit through
/// `workbench test run --phpunit`: against a server on port 7000 every test passes on one
/// connection; with nothing there PHPUnit prints `ESS`, as the lesson says.
#[test]
fn the_lessons_phpunit_class_passes_on_one_connection_and_cascades_without_a_server() {
    if !common::phpunit_present("the dependent-tests lesson's PHPUnit class") {
        return;
    }
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir(project.path().join("tests")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/php/dependent-tests/RpcTest.php"),
        project.path().join("tests/RpcTest.php"),
    )
    .unwrap();
    let run = || {
        let output = command()
            .args(["test", "run", "--json", "--phpunit"])
            .arg(project.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("{output:?}"));
        let outcomes: Vec<String> = report["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|test| {
                format!(
                    "{} {}",
                    test["id"].as_str().unwrap(),
                    test["outcome"].as_str().unwrap()
                )
            })
            .collect();
        (output.status.code(), outcomes, report)
    };

    // The server the lesson's class talks to: one line in, one line out, per connection.
    let listener = std::net::TcpListener::bind("127.0.0.1:7000")
        .expect("port 7000 (the lesson's) is free for this test");
    let server = std::thread::spawn(move || {
        use std::io::{BufRead as _, Write as _};
        let (stream, _) = listener.accept().unwrap();
        let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let answer = if line == "GET 567\n" {
            "VALUE 42\n"
        } else {
            "ERROR\n"
        };
        (&stream).write_all(answer.as_bytes()).unwrap();
        // Listening still: a second connection would be taken here, and counted.
        listener.set_nonblocking(true).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        (line, listener.accept().is_ok())
    });
    let (code, outcomes, report) = run();
    let (line, second_connection) = server.join().unwrap();
    assert_eq!(line, "GET 567\n");
    assert!(!second_connection, "the tests share one connection");
    assert_eq!(
        outcomes,
        [
            "RpcTest::testConnect passed",
            "RpcTest::testSend passed",
            "RpcTest::testReceive passed"
        ],
        "{report}"
    );
    assert_eq!(code, Some(0), "{report}");

    // Nothing on port 7000 now.
    let (code, outcomes, report) = run();
    assert_eq!(
        outcomes,
        [
            "RpcTest::testConnect error",
            "RpcTest::testSend skipped",
            "RpcTest::testReceive skipped"
        ],
        "{report}"
    );
    assert!(
        report["progress"].as_str().unwrap().starts_with("ESS"),
        "{report}"
    );
    assert_ne!(code, Some(0), "{report}");
}
