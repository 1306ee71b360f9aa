//! `socket-mid-line-server`: the student's echo server must survive clients that vanish in
//! the middle of a line, and forget them.
//!
//! Real clients crash, lose their network, or are killed. The checker sends a whole line, then
//! half of one, and goes away, again and again (how many times, the lines, and which clients
//! close politely and which reset the connection, are drawn from the run's seed): a polite close
//! makes the server read end of file, a reset (SO_LINGER 0 sends a RST) makes its next read or
//! write fail with "connection reset". Then:
//! - the server is still running, and a new client still gets its echo;
//! - the server closed the sockets of the clients that left: the checker counts the sockets the
//!   program holds open (on Linux, in `/proc/<pid>/fd` of its processes), before and after. A
//!   server that leaks every closed socket runs out of file descriptors in a day.

use std::time::{Duration, Instant};

use lab_core::exercise::{Check, CheckSetup, Checker, Rng, quote};
use socket2::SockRef;

use super::{Client, described, probes};

pub struct MidLineChecker;

impl Checker for MidLineChecker {
    fn id(&self) -> &'static str {
        "socket-mid-line-server"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &["server"]
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let address = setup.address("server")?;
        let patience = Duration::from_secs(3);
        let mut rng = setup.probes("mid-line/vanishing");
        let vanishing: usize = rng.random_range(16..=24);
        let sockets_before = setup.program_sockets();
        let mut connected = 0;
        let mut resets = 0;
        let mut unanswered: Option<(usize, Vec<u8>, String)> = None;
        for number in 0..vanishing {
            let Ok(mut client) = Client::connect(address, patience) else {
                break;
            };
            connected += 1;
            let who = format!("client-{}", number + 1);
            // A whole line first, answered, so the server is surely reading this client.
            let line = probes::line(&mut rng);
            let _ = client.send(&line);
            let read = client.line();
            if let Ok(Some(got)) = &read
                && *got != line
            {
                // Bytes came, but not this client's: something of an earlier one was kept.
                return Ok(vec![Check::differs("still echoes for the next client", &line, got)
                    .because(format!(
                        "client {} got other bytes than it sent, after {number} clients had left mid-line: forget a vanished client's half line (its buffer goes with it)",
                        number + 1
                    ))]);
            }
            if !matches!(&read, Ok(Some(got)) if *got == line) {
                unanswered = Some((number + 1, line, described(&read)));
                break;
            }
            let unfinished = probes::line(&mut rng);
            let (half, _) = probes::split(&mut rng, &unfinished);
            let _ = client.send(&half);
            let reset = rng.random_bool(0.5);
            if reset {
                resets += 1;
                let _ = SockRef::from(client.reader.get_ref()).set_linger(Some(Duration::ZERO));
            }
            setup.note(format!(
                "{who} sent {} then {} and {}",
                quote(&line),
                quote(&half),
                if reset {
                    "reset the connection"
                } else {
                    "closed it"
                }
            ));
            drop(client);
            std::thread::sleep(Duration::from_millis(20));
        }
        // Time for a crash to happen, if one is coming.
        setup.cancel.sleep(Duration::from_millis(300));

        let mut checks = Vec::new();
        let survived = "keeps running when clients vanish mid-line";
        match setup.program_exited() {
            Some(how) => {
                checks.push(
                    Check::fail(survived, "a server still running", format!("it {how}"))
                        .because("a read returns 0 bytes (end of file) or fails with \"connection reset\" when a client vanishes: close that client and carry on serving the others; see its last output below"),
                );
                return Ok(checks);
            }
            None if unanswered.is_some() => {
                let (number, line, got) = unanswered.unwrap_or_default();
                checks.push(
                    Check::fail(
                        survived,
                        format!("an echo of {} for client {number}", quote(&line)),
                        format!("{got}, after {} clients had come and gone", number - 1),
                    )
                    .because("is the server still accepting and serving new clients after some have vanished?"),
                );
                return Ok(checks);
            }
            None if connected < vanishing => {
                checks.push(Check::fail(
                    survived,
                    format!("{vanishing} connections"),
                    format!("only {connected} connected: is the server still accepting?"),
                ));
                return Ok(checks);
            }
            None => checks.push(Check::pass(
                survived,
                format!("{vanishing} clients left mid-line, {resets} of them with a reset"),
            )),
        }
        if let Some(before) = sockets_before {
            checks.push(closes_what_left(setup, before, vanishing));
        }
        let next = "still echoes for the next client";
        let line = probes::line(&mut rng);
        let read = Client::connect(address, patience).and_then(|mut client| {
            setup.note(format!("client-next sent {}", quote(&line)));
            client.send(&line)?;
            client.line()
        });
        checks.push(if matches!(&read, Ok(Some(got)) if *got == line) {
            Check::pass(next, format!("{} came back", quote(&line)))
        } else if let Ok(Some(got)) = &read {
            Check::differs(next, &line, got).because(
                "the next client got other bytes than it sent: forget a vanished client's half line (its buffer goes with it)",
            )
        } else {
            Check::fail(next, quote(&line), described(&read))
                .because("after a client vanishes, forget its half line and go back to serving")
        });
        Ok(checks)
    }
}

/// The sockets the program holds come back to what they were before the clients came.
fn closes_what_left(setup: &CheckSetup, before: usize, vanished: usize) -> Check {
    let name = "closes the sockets of clients that left";
    // A server notices a close at its next read: give it a moment to get there.
    let until = Instant::now() + Duration::from_secs(3);
    let mut now = setup.program_sockets().unwrap_or(before);
    while now > before && Instant::now() < until && !setup.out_of_time() {
        std::thread::sleep(Duration::from_millis(100));
        now = setup.program_sockets().unwrap_or(before);
    }
    setup.note(format!(
        "your program held {before} socket(s) before the clients came and {now} after they left"
    ));
    if now <= before {
        return Check::pass(
            name,
            format!("{now} socket(s) open after {vanished} clients left, as before they came"),
        );
    }
    Check::fail(
        name,
        format!("{before} open socket(s), as before the clients came"),
        format!("{now} still open after {vanished} clients left"),
    )
    .because("when a read returns 0 bytes or fails, close that socket (fclose, socket_close, close) and forget it: each one left open holds a file descriptor, and a server that keeps them runs out (1024 by default) and stops accepting")
}
