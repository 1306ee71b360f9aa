//! `socket-mid-line-server`: the student's echo server must survive clients that vanish in
//! the middle of a line.
//!
//! Real clients crash, lose their network, or are killed. The checker sends half a line and
//! goes away, twenty times: half of them close the connection properly (the server reads end of
//! file), half reset it (SO_LINGER 0 sends a RST: the server's next read or write fails with
//! "connection reset"). Then a new client must still get its echo from the same, still running,
//! server.

use std::time::Duration;

use lab_core::exercise::{Check, CheckSetup, Checker};
use socket2::SockRef;

use super::{Client, described};

const VANISHING: usize = 20;

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
        let mut connected = 0;
        for number in 0..VANISHING {
            let Ok(mut client) = Client::connect(address, patience) else {
                break;
            };
            connected += 1;
            // A whole line first, answered, so the server is surely reading this client.
            let _ = client.send(format!("line {number}\n").as_bytes());
            let _ = client.line();
            let _ = client.send(b"half a li");
            if number % 2 == 1 {
                // Reset instead of a polite close.
                let _ = SockRef::from(client.reader.get_ref()).set_linger(Some(Duration::ZERO));
            }
            drop(client);
            std::thread::sleep(Duration::from_millis(20));
        }
        // Time for a crash to happen, if one is coming.
        std::thread::sleep(Duration::from_millis(300));

        let mut checks = Vec::new();
        let survived = "keeps running when clients vanish mid-line";
        match setup.program_exited() {
            Some(how) => {
                checks.push(
                    Check::fail(survived, "a server still running", format!("it {how}"))
                        .because("a read returns 0 bytes (end of file) or fails with \"connection reset\" when a client vanishes: close that client and carry on serving the others; see the error above"),
                );
                return Ok(checks);
            }
            None if connected < VANISHING => {
                checks.push(Check::fail(
                    survived,
                    format!("{VANISHING} connections"),
                    format!("only {connected} connected: is the server still accepting?"),
                ));
                return Ok(checks);
            }
            None => checks.push(Check::pass(
                survived,
                format!("{VANISHING} clients left mid-line, 10 of them with a reset"),
            )),
        }
        let next = "still echoes for the next client";
        let read = Client::connect(address, patience).and_then(|mut client| {
            client.send(b"still there?\n")?;
            client.line()
        });
        checks.push(
            if matches!(&read, Ok(Some(line)) if line == b"still there?\n") {
                Check::pass(next, "\"still there?\\n\" came back")
            } else {
                Check::fail(next, "\"still there?\\n\"", described(&read))
                    .because("after a client vanishes, forget its half line and go back to serving")
            },
        );
        Ok(checks)
    }
}
