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

use lab_core::exercise::{Check, CheckName, CheckSetup, Checker, Rng, ended_in, quote};
use lab_i18n::tr;
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
        let lang = setup.lang;
        let next = &CheckName::new(lang, |lang| tr!(lang, "sock-mid-next"));
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
                return Ok(vec![Check::differs(next, &line, got).because(tr!(
                    lang,
                    "sock-mid-kept-try",
                    number = number + 1,
                    left = number
                ))]);
            }
            if !matches!(&read, Ok(Some(got)) if *got == line) {
                unanswered = Some((number + 1, line, described(setup.lang, &read)));
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
            setup.note(if reset {
                tr!(
                    lang,
                    "sock-mid-trace-reset",
                    who = who,
                    line = quote(&line),
                    half = quote(&half)
                )
            } else {
                tr!(
                    lang,
                    "sock-mid-trace-closed",
                    who = who,
                    line = quote(&line),
                    half = quote(&half)
                )
            });
            drop(client);
            std::thread::sleep(Duration::from_millis(20));
        }
        // Time for a crash to happen, if one is coming.
        setup.cancel.sleep(Duration::from_millis(300));

        let mut checks = Vec::new();
        let survived = &CheckName::new(lang, |lang| tr!(lang, "sock-mid-survives"));
        match setup.program_exited() {
            Some(how) => {
                checks.push(
                    Check::fail(
                        survived,
                        tr!(lang, "sock-mid-still-running"),
                        tr!(lang, "sock-mid-it-ended", how = ended_in(lang, &how)),
                    )
                    .because(tr!(lang, "sock-mid-crashed-try")),
                );
                return Ok(checks);
            }
            None if unanswered.is_some() => {
                let (number, line, got) = unanswered.unwrap_or_default();
                checks.push(
                    Check::fail(
                        survived,
                        tr!(
                            lang,
                            "sock-mid-an-echo-for",
                            line = quote(&line),
                            number = number
                        ),
                        tr!(lang, "sock-mid-after-gone", got = got, gone = number - 1),
                    )
                    .because(tr!(lang, "sock-mid-still-accepting-try")),
                );
                return Ok(checks);
            }
            None if connected < vanishing => {
                checks.push(Check::fail(
                    survived,
                    tr!(lang, "sock-mid-connections", count = vanishing),
                    tr!(lang, "sock-mid-only-connected", count = connected),
                ));
                return Ok(checks);
            }
            None => checks.push(Check::pass(
                survived,
                tr!(
                    lang,
                    "sock-mid-survives-pass",
                    count = vanishing,
                    resets = resets
                ),
            )),
        }
        if let Some(before) = sockets_before {
            checks.push(closes_what_left(setup, before, vanishing));
        }
        let line = probes::line(&mut rng);
        let read = Client::connect(address, patience).and_then(|mut client| {
            setup.note(tr!(
                lang,
                "sock-trace-sent",
                who = "client-next",
                bytes = quote(&line)
            ));
            client.send(&line)?;
            client.line()
        });
        checks.push(if matches!(&read, Ok(Some(got)) if *got == line) {
            Check::pass(next, tr!(lang, "sock-mid-came-back", line = quote(&line)))
        } else if let Ok(Some(got)) = &read {
            Check::differs(next, &line, got).because(tr!(lang, "sock-mid-next-kept-try"))
        } else {
            Check::fail(next, quote(&line), described(lang, &read))
                .because(tr!(lang, "sock-mid-go-back-try"))
        });
        Ok(checks)
    }
}

/// The sockets the program holds come back to what they were before the clients came.
fn closes_what_left(setup: &CheckSetup, before: usize, vanished: usize) -> Check {
    let lang = setup.lang;
    let name = &CheckName::new(lang, |lang| tr!(lang, "sock-mid-closes"));
    // A server notices a close at its next read: give it a moment to get there.
    let until = Instant::now() + Duration::from_secs(3);
    let mut now = setup.program_sockets().unwrap_or(before);
    while now > before && Instant::now() < until && !setup.out_of_time() {
        std::thread::sleep(Duration::from_millis(100));
        now = setup.program_sockets().unwrap_or(before);
    }
    setup.note(tr!(
        lang,
        "sock-mid-trace-sockets",
        before = before,
        now = now
    ));
    if now <= before {
        return Check::pass(
            name,
            tr!(lang, "sock-mid-closes-pass", now = now, vanished = vanished),
        );
    }
    Check::fail(
        name,
        tr!(lang, "sock-mid-closes-expected", before = before),
        tr!(lang, "sock-mid-still-open", now = now, vanished = vanished),
    )
    .because(tr!(lang, "sock-mid-leak-try"))
}
