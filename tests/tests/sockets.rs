//! The socket-echo server, started as a student would, answering clients written by other
//! people: PHP's stream_socket_client and socket_create, and Python's socket module.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Reaped, command, free_port, missing_tool, wait_for};

/// `workbench lab socket-echo --role server --model <model>` on a free port; returns it with
/// the port once the port accepts connections.
fn start_server(model: &str, extra: &[&str]) -> (Reaped, u16) {
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let server = Reaped(
        command()
            .args([
                "lab",
                "socket-echo",
                "--role",
                "server",
                "--model",
                model,
                "--bind",
                &address,
                "--headless",
            ])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for(Duration::from_secs(20), "the echo server", || {
        std::net::TcpStream::connect(&address).ok()
    });
    (server, port)
}

/// A PHP client with streams: two lines, one of them binary, each read back.
const PHP_STREAM_CLIENT: &str = r#"
$client = stream_socket_client("tcp://127.0.0.1:" . $argv[1], $errno, $errstr, 5);
if (!$client) { fwrite(STDERR, "$errstr\n"); exit(1); }
stream_set_timeout($client, 5);
foreach (["hello from php\n", "bytes \x00\xff\x07 too\n"] as $line) {
    fwrite($client, $line);
    $echo = fgets($client);
    echo bin2hex($echo), "\n";
}
fclose($client);
"#;

/// A PHP client with the sockets extension: the calls a C program would make.
const PHP_SOCKET_CLIENT: &str = r#"
$socket = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
socket_set_option($socket, SOL_SOCKET, SO_RCVTIMEO, ["sec" => 5, "usec" => 0]);
if (!socket_connect($socket, "127.0.0.1", (int) $argv[1])) { exit(1); }
socket_write($socket, "one\ntwo\n");
$echo = "";
while (substr_count($echo, "\n") < 2 && ($part = socket_read($socket, 1024)) !== false && $part !== "") {
    $echo .= $part;
}
echo bin2hex($echo), "\n";
socket_close($socket);
"#;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn php_clients_get_their_lines_back_from_every_model() {
    if Command::new("php").arg("-v").output().is_err()
        && missing_tool("php", "PHP clients against the echo server")
    {
        return;
    }
    let has_sockets = Command::new("php")
        .args(["-r", "exit(function_exists('socket_create') ? 0 : 1);"])
        .status()
        .is_ok_and(|status| status.success());
    for &model in lab_sockets::MODELS {
        let (_server, port) = start_server(model, &[]);
        let output = Command::new("php")
            .args(["-r", PHP_STREAM_CLIENT, "--", &port.to_string()])
            .output()
            .unwrap();
        assert!(output.status.success(), "{model}: {output:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            format!(
                "{}\n{}\n",
                hex(b"hello from php\n"),
                hex(b"bytes \x00\xff\x07 too\n")
            ),
            "{model}"
        );
        if has_sockets {
            let output = Command::new("php")
                .args(["-r", PHP_SOCKET_CLIENT, "--", &port.to_string()])
                .output()
                .unwrap();
            assert!(output.status.success(), "{model}: {output:?}");
            assert_eq!(
                String::from_utf8_lossy(&output.stdout).trim(),
                hex(b"one\ntwo\n"),
                "{model}"
            );
        }
    }
}

#[test]
fn a_python_client_sees_the_too_long_error_and_the_close() {
    let (_server, port) = start_server("select", &["--max-line", "16"]);
    let script = r#"
import socket, sys
client = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
client.sendall(b"short\n" + b"x" * 40 + b"\n")
received = b""
while True:
    part = client.recv(1024)
    if not part:
        break
    received += part
sys.stdout.write(received.decode())
"#;
    let output = Command::new("python3")
        .args(["-c", script, &port.to_string()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "short\nERROR line longer than 16 bytes\n"
    );
}

/// A silent client on a one-at-a-time server: the failed verdict names the cause in its first
/// words, and the dashboard tells the server's writes from the clients' echoes apart.
#[test]
fn a_silent_client_on_a_blocking_server_is_named_as_the_cause() {
    let output = common::command()
        .args([
            "lab",
            "socket-echo",
            "--model",
            "blocking",
            "--slow-clients",
            "1",
        ])
        .args([
            "--clients",
            "20",
            "--messages",
            "2",
            "--duration",
            "3",
            "--headless",
        ])
        .args(["--bind", &format!("127.0.0.1:{}", free_port())])
        .output()
        .unwrap();
    let report = common::json_lines(&output.stdout).pop().expect("a report");
    assert_eq!(report["ok"], false, "{report}");
    let verdict = report["verdict"].as_str().unwrap();
    assert!(
        verdict.starts_with("the 1 silent client held the blocking server (1 client at a time)")
            && verdict.contains("20 clients waited"),
        "{verdict}"
    );
    assert_eq!(report["counters"]["echoes"], 0, "{report}");
}
