//! `socket-echo-server`: the student writes a line echo server that serves many clients at once.
//!
//! First one client: a line, two lines in one write, a line in two halves. Then 50 clients
//! connect and stay connected, each sends a line and waits for its echo. A server that serves
//! one client at a time answers the first and leaves the other 49 waiting: the check says so.

use std::time::{Duration, Instant};

use lab_core::exercise::{Check, CheckSetup, Checker, quote};

use super::{Client, described};

/// Clients connected at once in the crowd check.
const CROWD: usize = 50;
/// How long a client waits for an echo.
const PATIENCE: Duration = Duration::from_secs(3);

pub struct EchoServerChecker;

impl Checker for EchoServerChecker {
    fn id(&self) -> &'static str {
        "socket-echo-server"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &["server"]
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let address = setup.address("server")?;
        let mut checks = vec![one_client(address)];
        if setup.cancel.is_cancelled() {
            return Ok(checks);
        }
        checks.push(crowd(address));
        Ok(checks)
    }
}

/// A line, two lines in one write, and one line in two writes, on one connection.
fn one_client(address: &str) -> Check {
    let name = "echoes each line, however the bytes arrive";
    let mut client = match Client::connect(address, PATIENCE) {
        Ok(client) => client,
        Err(error) => {
            return Check::fail(
                name,
                format!("a connection to {address}"),
                error.to_string(),
            );
        }
    };
    // What is written (each write apart), and the lines that must come back.
    type Step<'a> = (&'a [&'a [u8]], &'a [&'a [u8]]);
    let steps: [Step; 3] = [
        (&[b"hello\n"], &[b"hello\n"]),
        (&[b"two\nlines\n"], &[b"two\n", b"lines\n"]),
        (&[b"in two ", b"halves\n"], &[b"in two halves\n"]),
    ];
    for (writes, expected) in steps {
        for write in writes {
            if let Err(error) = client.send(write) {
                return Check::fail(name, "to send a line", error.to_string());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        for line in expected {
            let read = client.line();
            if !matches!(&read, Ok(Some(got)) if got == line) {
                let sent: Vec<String> = writes.iter().map(|write| quote(write)).collect();
                return Check::fail(name, quote(line), described(&read)).because(format!(
                    "sent {}: a read may return part of a line or several lines; keep what you read in a buffer and answer each whole line ending in \\n",
                    sent.join(" then ")
                ));
            }
        }
    }
    Check::pass(
        name,
        "a line, two lines in one write, one line in two writes",
    )
}

/// 50 clients connected at once, each waiting for its echo.
fn crowd(address: &str) -> Check {
    let name = format!("serves {CROWD} clients connected at once");
    let Ok(socket_address) = address.parse::<std::net::SocketAddr>() else {
        return Check::fail(name, "an IP address and port", address.to_string());
    };
    // A server that never accepts leaves connections in the kernel's queue; once that is full
    // a connect waits for good. So connecting stops at the first that takes too long.
    let mut clients = Vec::new();
    while clients.len() < CROWD {
        // A dropped SYN is sent again after a second: 3 s covers a queue that drains.
        match std::net::TcpStream::connect_timeout(&socket_address, Duration::from_secs(3))
            .and_then(|stream| Client::from_stream(stream, PATIENCE))
        {
            Ok(client) => clients.push(client),
            Err(_) => break,
        }
    }
    let connected = clients.len();
    for (number, client) in clients.iter_mut().enumerate() {
        let _ = client.send(format!("client {number} says hi\n").as_bytes());
    }
    // Every client waits at most PATIENCE in all, not each in turn.
    let deadline = Instant::now() + PATIENCE;
    let mut answered = 0;
    for (number, client) in clients.iter_mut().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = client
            .reader
            .get_ref()
            .set_read_timeout(Some(left.max(Duration::from_millis(1))));
        if matches!(client.line(), Ok(Some(line)) if line == format!("client {number} says hi\n").as_bytes())
        {
            answered += 1;
        }
    }
    if answered == CROWD {
        return Check::pass(name, format!("all {CROWD} got their echo"));
    }
    let connections = if connected < CROWD {
        format!("{connected} of {CROWD} could connect (the rest waited in a full queue); ")
    } else {
        String::new()
    };
    let check = Check::fail(
        name,
        format!(
            "an echo for each of the {CROWD} clients within {} s",
            PATIENCE.as_secs()
        ),
        format!("{connections}{answered} answered while all stayed connected"),
    );
    if answered <= 1 {
        check.because("your server serves one client at a time: while it waits for the first client's next line, everyone else waits unanswered. Wait on all sockets at once (stream_select in PHP, selectors in Python) or give each client a thread or a process")
    } else {
        check.because("some clients were answered and others not: does the server lose clients when several send at once?")
    }
}
