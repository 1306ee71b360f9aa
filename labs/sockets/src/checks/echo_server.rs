//! `socket-echo-server`: the student writes a line echo server that serves many clients at once.
//!
//! Everything the checker sends is drawn from the run's seed: the words, spaces and tabs at the
//! edges of a line (a server that trims them fails), how many lines go in one write, where a
//! line is cut into pieces (sometimes inside a UTF-8 character), how many lines each client of
//! the crowd sends. In order:
//! 1. one client: a line, several lines in one write, a line in pieces;
//! 2. three clients at once, where one sends half a line and waits: the others must still be
//!    answered (a `select` server that then blocks in `fgets` freezes everyone), and each gets
//!    back its own bytes only (a server that shares one buffer between clients mixes them);
//! 3. 50 clients connected at once, each waiting for its own echoes;
//! 4. after a pause, a new client: the server is still running and still echoing.

use std::time::{Duration, Instant};

use lab_core::exercise::{Check, CheckSetup, Checker, Rng, quote};

use super::{Client, described, probes};

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
        let steps: [fn(&CheckSetup, &str) -> Check; 4] =
            [one_client, half_lines, crowd, still_serving];
        let mut checks = Vec::new();
        for step in steps {
            if setup.out_of_time() {
                break;
            }
            checks.push(step(setup, address));
        }
        Ok(checks)
    }
}

/// Sends `writes` one after the other (a pause between them, so that each arrives apart).
fn send_all(
    setup: &CheckSetup,
    client: &mut Client,
    who: &str,
    writes: &[Vec<u8>],
) -> std::io::Result<()> {
    for write in writes {
        setup.note(format!("{who} sent {}", quote(write)));
        client.send(write)?;
        std::thread::sleep(Duration::from_millis(40));
    }
    Ok(())
}

/// Reads one line and compares it with `expected`, noting what came; the failure says what was
/// sent before.
fn expect_line(
    setup: &CheckSetup,
    client: &mut Client,
    who: &str,
    expected: &[u8],
) -> Result<(), (Vec<u8>, String)> {
    let read = client.line();
    match &read {
        Ok(Some(got)) => setup.note(format!("{who} got {}", quote(got))),
        _ => setup.note(format!("{who} got {}", described(&read))),
    }
    match read {
        Ok(Some(got)) if got == expected => Ok(()),
        Ok(Some(got)) => Err((got, String::new())),
        other => Err((Vec::new(), described(&other))),
    }
}

/// A failure for a line that did not come back as sent.
fn line_failure(name: &str, expected: &[u8], got: (Vec<u8>, String)) -> Check {
    match got {
        (bytes, nothing) if bytes.is_empty() && !nothing.is_empty() => {
            Check::fail(name, quote(expected), nothing)
        }
        (bytes, _) => Check::differs(name, expected, &bytes),
    }
}

/// A line, several lines in one write, and one line in pieces, on one connection.
fn one_client(setup: &CheckSetup, address: &str) -> Check {
    let name = "echoes each line unchanged, however the bytes arrive";
    let mut rng = setup.probes("echo/one-client");
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
    let single = probes::line(&mut rng);
    let together: Vec<Vec<u8>> = (0..rng.random_range(2..=4))
        .map(|_| probes::line(&mut rng))
        .collect();
    let pieces_of = probes::line(&mut rng);
    // (what is written, each write apart; the lines that must come back; what the step shows)
    let steps = [
        (vec![single.clone()], vec![single], "one line"),
        (
            vec![together.concat()],
            together,
            "several lines in one write",
        ),
        (
            probes::cut(&mut rng, &pieces_of),
            vec![pieces_of],
            "one line in pieces",
        ),
    ];
    for (writes, expected, what) in steps {
        if let Err(error) = send_all(setup, &mut client, "client-1", &writes) {
            return Check::fail(name, "to send a line", error.to_string());
        }
        for line in &expected {
            if let Err(got) = expect_line(setup, &mut client, "client-1", line) {
                let sent: Vec<String> = writes.iter().map(|write| quote(write)).collect();
                return line_failure(name, line, got).because(format!(
                    "{what}: sent {}. A read may return part of a line or several lines, and every byte counts (spaces and tabs at the edges too): keep what you read in a buffer and send back each whole line ending in \\n exactly as it came",
                    sent.join(" then ")
                ));
            }
        }
    }
    Check::pass(
        name,
        "a line, several lines in one write, one line in pieces",
    )
}

/// Three clients at once; one sends half a line and waits, the others must still be served,
/// and each gets back only its own bytes.
fn half_lines(setup: &CheckSetup, address: &str) -> Check {
    let name = "a half line from one client holds up no other, and each client gets its own bytes";
    let mut rng = setup.probes("echo/half-lines");
    let mut clients = Vec::new();
    for _ in 0..3 {
        match Client::connect(address, PATIENCE) {
            Ok(client) => clients.push(client),
            Err(error) => {
                return Check::fail(
                    name,
                    format!("3 connections to {address}"),
                    format!("connection {} failed: {error}", clients.len() + 1),
                );
            }
        }
    }
    let [first, second, third] = &mut clients[..] else {
        unreachable!("three clients connected");
    };
    // First: with client-1 connected and silent, client-2 is answered (else the server serves
    // one client at a time, which the crowd check names).
    let hello = probes::line(&mut rng);
    if send_all(setup, second, "client-2", std::slice::from_ref(&hello)).is_err()
        || expect_line(setup, second, "client-2", &hello).is_err()
    {
        return Check::fail(
            name,
            format!("an echo of {} to client-2", quote(&hello)),
            "nothing while client-1 stayed connected and silent",
        )
        .because("your server serves one client at a time: wait on all sockets at once (stream_select / socket_select in PHP, selectors in Python) or give each client a thread or a process");
    }
    let first_line = probes::line(&mut rng);
    let third_line = probes::line(&mut rng);
    let (first_head, first_tail) = probes::split(&mut rng, &first_line);
    let (third_head, third_tail) = probes::split(&mut rng, &third_line);
    let meanwhile = probes::line(&mut rng);
    let _ = send_all(setup, first, "client-1", std::slice::from_ref(&first_head));
    let _ = send_all(setup, third, "client-3", std::slice::from_ref(&third_head));
    let _ = send_all(setup, second, "client-2", std::slice::from_ref(&meanwhile));
    if let Err(got) = expect_line(setup, second, "client-2", &meanwhile) {
        let check = line_failure(name, &meanwhile, got.clone());
        return if got.0.is_empty() {
            check.because(format!(
                "client-1 sent {} and client-3 sent {} (no \\n yet), then client-2 sent {} and got nothing for {:.1} s: one half line froze the whole server. A blocking read for a whole line (fgets, readline) waits for its \\n; read what is there (fread, socket_recv, recv) into that client's own buffer",
                quote(&first_head),
                quote(&third_head),
                quote(&meanwhile),
                PATIENCE.as_secs_f64()
            ))
        } else {
            check.because("client-2 got bytes that are not its line: does the server keep one buffer for everyone? Each client needs its own")
        };
    }
    let _ = send_all(setup, third, "client-3", &[third_tail]);
    let _ = send_all(setup, first, "client-1", &[first_tail]);
    for (client, who, line) in [
        (&mut *third, "client-3", &third_line),
        (&mut *first, "client-1", &first_line),
    ] {
        if let Err(got) = expect_line(setup, client, who, line) {
            return line_failure(name, line, got).because(format!(
                "{who} sent its line in two halves while other clients talked: keep one buffer per client, and answer a client only with its own whole line"
            ));
        }
    }
    Check::pass(
        name,
        "client-2 was answered while clients 1 and 3 sat on half lines, which then came back whole",
    )
}

/// 50 clients connected at once, each sending its own lines and waiting for its echoes.
fn crowd(setup: &CheckSetup, address: &str) -> Check {
    let name = format!("serves {CROWD} clients connected at once");
    let mut rng = setup.probes("echo/crowd");
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
    setup.note(format!("{connected} clients connected"));
    let lines: Vec<Vec<Vec<u8>>> = (0..connected)
        .map(|number| {
            (0..rng.random_range(1..=3))
                .map(|_| probes::tagged_line(&mut rng, number))
                .collect()
        })
        .collect();
    let mut order: Vec<usize> = (0..connected).collect();
    lab_core::exercise::SliceRandom::shuffle(&mut order[..], &mut rng);
    for &number in &order {
        let _ = clients[number].send(&lines[number].concat());
    }
    setup.note(format!(
        "each sent 1 to 3 lines, {} in all, in a shuffled order",
        lines.iter().map(Vec::len).sum::<usize>()
    ));
    // Every client waits at most PATIENCE in all, not each in turn.
    let deadline = Instant::now() + PATIENCE;
    let mut answered = 0;
    let mut foreign: Option<(usize, Vec<u8>, Vec<u8>)> = None;
    for (number, client) in clients.iter_mut().enumerate() {
        let mut all_came = true;
        for line in &lines[number] {
            let left = deadline.saturating_duration_since(Instant::now());
            let _ = client
                .reader
                .get_ref()
                .set_read_timeout(Some(left.max(Duration::from_millis(1))));
            match client.line() {
                Ok(Some(got)) if &got == line => {}
                Ok(Some(got)) => {
                    all_came = false;
                    foreign.get_or_insert((number, line.clone(), got));
                    break;
                }
                _ => {
                    all_came = false;
                    break;
                }
            }
        }
        answered += usize::from(all_came);
    }
    setup.note(format!("{answered} of {connected} got all their echoes"));
    if answered < CROWD {
        // A server that died leaves its clients unanswered a moment before its exit is seen.
        let until = Instant::now() + Duration::from_millis(500);
        while setup.program_exited().is_none() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    if answered == CROWD {
        return Check::pass(name, format!("all {CROWD} got their own echoes"));
    }
    if let Some(how) = setup.program_exited() {
        return Check::fail(
            name,
            format!("every echo for each of the {CROWD} clients"),
            format!("{answered} of {connected} got all their echoes; then your server {how}"),
        )
        .because(format!(
            "your server {how} while the crowd was connected: a server runs until it is stopped, whatever the number of clients or lines; see its last output below"
        ));
    }
    if let Some((number, expected, got)) = foreign {
        return Check::differs(name, &expected, &got).because(format!(
            "client-{} got a line that is not the one it sent: keep one buffer per client and answer each client on its own connection",
            number + 1
        ));
    }
    let connections = if connected < CROWD {
        format!("{connected} of {CROWD} could connect (the rest waited in a full queue); ")
    } else {
        String::new()
    };
    let check = Check::fail(
        name,
        format!(
            "every echo for each of the {CROWD} clients within {} s",
            PATIENCE.as_secs()
        ),
        format!("{connections}{answered} got all their echoes while all stayed connected"),
    );
    if let Some(how) = setup.program_exited() {
        return check.because(format!(
            "your server {how} while the crowd was connected: see its last output below"
        ));
    }
    if answered <= 1 {
        check.because("your server serves one client at a time: while it waits for the first client's next line, everyone else waits unanswered. Wait on all sockets at once (stream_select in PHP, selectors in Python) or give each client a thread or a process")
    } else {
        check.because("some clients got their echoes and others not: does the server lose clients or lines when many send at once?")
    }
}

/// After a pause, a new client: the server is still running and still echoes.
fn still_serving(setup: &CheckSetup, address: &str) -> Check {
    let name = "keeps serving: still running and echoing after all that";
    let mut rng = setup.probes("echo/still-serving");
    let pause = Duration::from_millis(rng.random_range(500..=1500));
    setup.note(format!("waited {} ms", pause.as_millis()));
    setup.cancel.sleep(pause);
    let lines: Vec<Vec<u8>> = (0..rng.random_range(2..=5))
        .map(|_| probes::line(&mut rng))
        .collect();
    let result = Client::connect(address, PATIENCE)
        .map_err(|error| (&lines[0], (Vec::new(), format!("no connection: {error}"))))
        .and_then(|mut client| {
            let _ = send_all(setup, &mut client, "client-new", &[lines.concat()]);
            for line in &lines {
                expect_line(setup, &mut client, "client-new", line).map_err(|got| (line, got))?;
            }
            Ok(())
        });
    match result {
        Ok(()) => Check::pass(
            name,
            format!("a new client got {} echoes after {} ms", lines.len(), pause.as_millis()),
        ),
        // A server that daemonized leaves its launcher exited and still serves: the echo
        // decides, and an exit only explains a missing one.
        Err((line, got)) => match setup.program_exited() {
            Some(how) => line_failure(name, line, got).because(format!(
                "your program {how}: a server runs until it is stopped; keep accepting and serving in a loop, and do not exit after some number of clients or lines"
            )),
            None => line_failure(name, line, got).because(format!(
                "a new client sent {} lines in one write: keep a buffer and answer every whole line, and keep serving new clients however many came before",
                lines.len()
            )),
        },
    }
}
