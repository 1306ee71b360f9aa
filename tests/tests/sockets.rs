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

/// The sockets lesson's PHP server `content/php/sockets/<file>`, on a free port, in a process
/// group of its own (a forking server's children go with it); returns once it accepts.
struct LessonServer {
    php: Reaped,
    port: u16,
}

impl LessonServer {
    fn start(file: &str) -> LessonServer {
        use std::os::unix::process::CommandExt as _;
        let port = free_port();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../content/php/sockets")
            .join(file);
        let php = Reaped(
            Command::new("php")
                .arg(&path)
                .arg(port.to_string())
                .process_group(0)
                .stdin(Stdio::null())
                .spawn()
                .unwrap(),
        );
        wait_for(Duration::from_secs(20), file, || {
            std::net::TcpStream::connect(("127.0.0.1", port)).ok()
        });
        LessonServer { php, port }
    }

    fn connect(&self) -> std::net::TcpStream {
        let client = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        client
    }

    /// The server's children that are still there, zombies included.
    fn children(&self) -> Vec<String> {
        let pid = self.php.0.id();
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for LessonServer {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this server was started in.
        unsafe { libc::kill(-(self.php.0.id() as i32), libc::SIGKILL) };
    }
}

/// Sends a line and reads its echo.
fn echo(client: &mut std::net::TcpStream, line: &str) -> String {
    use std::io::{BufRead as _, Write as _};
    client.write_all(line.as_bytes()).unwrap();
    let mut reader = std::io::BufReader::new(client);
    let mut echoed = String::new();
    reader.read_line(&mut echoed).unwrap();
    echoed
}

fn php_present() -> bool {
    Command::new("php")
        .args([
            "-r",
            "exit(function_exists('socket_create') && function_exists('pcntl_fork') ? 0 : 1);",
        ])
        .status()
        .is_ok_and(|status| status.success())
        || !missing_tool(
            "php with sockets and pcntl",
            "the sockets lesson's PHP servers",
        )
}

/// The lesson's blocking PHP server serves one client at a time, as the lesson says: while it
/// serves the first client, a second one's line waits unread, and is echoed once the first
/// has gone. So does the forking server as many notes write it, with a blocking `pcntl_wait`
/// in its accept loop (`fork_server_wait.php`, kept beside the fixed one).
#[test]
fn the_lessons_blocking_php_server_and_the_notes_pcntl_wait_serve_one_client_at_a_time() {
    if !php_present() {
        return;
    }
    for file in ["blocking_server.php", "fork_server_wait.php"] {
        let server = LessonServer::start(file);
        let mut first = server.connect();
        assert_eq!(echo(&mut first, "one\n"), "one\n", "{file}");
        let mut second = server.connect();
        std::io::Write::write_all(&mut second, b"two\n").unwrap();
        // The server is still serving the first client: it answers it again...
        assert_eq!(echo(&mut first, "three\n"), "three\n", "{file}");
        // ...and has not read the second one's line.
        second.set_nonblocking(true).unwrap();
        let mut byte = [0u8; 1];
        let waiting = std::io::Read::read(&mut second, &mut byte);
        assert!(
            waiting
                .as_ref()
                .is_err_and(|error| error.kind() == std::io::ErrorKind::WouldBlock),
            "{file}: the second client was answered while the first was served: {waiting:?}"
        );
        drop(first);
        second.set_nonblocking(false).unwrap();
        let mut reader = std::io::BufReader::new(&mut second);
        let mut echoed = String::new();
        std::io::BufRead::read_line(&mut reader, &mut echoed).unwrap();
        assert_eq!(echoed, "two\n", "{file}");
    }
}

/// The lesson's forking PHP server serves clients at once, each in a child, and collects every
/// child that has finished (`pcntl_waitpid(-1, $status, WNOHANG)`) even when nobody connects
/// after: no zombie stays.
#[test]
fn the_lessons_forking_php_server_serves_clients_at_once_and_leaves_no_zombie() {
    if !php_present() {
        return;
    }
    let server = LessonServer::start("fork_server.php");
    let mut clients: Vec<std::net::TcpStream> = (0..3).map(|_| server.connect()).collect();
    // All three are open, and each is answered: three children serve them.
    for (number, client) in clients.iter_mut().enumerate().rev() {
        let line = format!("client {number}\n");
        assert_eq!(echo(client, &line), line);
    }
    // (At least: the child of the connection that found the server ready may not be
    // collected yet.)
    wait_for(Duration::from_secs(20), "a child per client", || {
        (server.children().len() >= 3).then_some(())
    });
    drop(clients);
    wait_for(
        Duration::from_secs(20),
        "the finished children to be collected (no zombies)",
        || server.children().is_empty().then_some(()),
    );
}
