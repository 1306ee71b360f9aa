//! `socket-timeout-client`: the student writes a client that gives up on a silent server.
//!
//! The task has two branches, and the checker runs the client once for each (two rounds):
//! 1. an answering server: it reads the ping, waits a moment drawn from the run's seed (under
//!    the 2 s the client must wait), and answers a line with a drawn token in it. The client
//!    must print that very line and exit with code 0; a client that sleeps and prints "timeout"
//!    whatever happens fails here, and so does one that waits less than it should.
//! 2. a silent server: it accepts the connection, reads the request, and never answers. A
//!    client that reads until an answer comes waits forever; one with a receive timeout gives
//!    up after it, says so (on standard output or standard error), and exits with a failure
//!    code.

use std::io::Read;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use lab_core::exercise::{Check, CheckName, CheckSetup, Checker, Prepared, Rng, ended_in, quote};
use lab_i18n::tr;

/// The timeout the exercise asks for.
const ASKED_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the client may take past that before it counts as hanging.
const HANGING_AFTER: Duration = Duration::from_secs(8);

pub struct TimeoutClientChecker;

impl Checker for TimeoutClientChecker {
    fn id(&self) -> &'static str {
        "socket-timeout-client"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &["server"]
    }

    fn rounds(&self) -> usize {
        2
    }

    fn prepare(&self, setup: &CheckSetup) -> anyhow::Result<Prepared> {
        Ok(Prepared::new(listen(setup)?))
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        if setup.program.is_none() {
            anyhow::bail!(tr!(setup.lang, "sock-timeout-needs-command"));
        }
        let listener = match setup.prepared.take::<TcpListener>() {
            Some(listener) => listener,
            None => listen(setup)?,
        };
        listener.set_nonblocking(true)?;
        if setup.round == 0 {
            return answering(setup, &listener);
        }
        silent(setup, &listener)
    }
}

/// Waits for the client to connect; the failure when it exits first or never comes.
fn accept(
    setup: &CheckSetup,
    listener: &TcpListener,
    name: &CheckName,
) -> anyhow::Result<Result<std::net::TcpStream, Check>> {
    let address = setup.address("server")?;
    let lang = setup.lang;
    let waiting_since = Instant::now();
    loop {
        match listener.accept() {
            Ok((connection, _)) => {
                connection.set_nonblocking(false)?;
                setup.note(tr!(lang, "sock-timeout-trace-connected"));
                return Ok(Ok(connection));
            }
            Err(error) if crate::server::is_would_block(&error) => {}
            Err(error) => return Err(error.into()),
        }
        if let Some(how) = setup.program_exited() {
            return Ok(Err(Check::fail(
                name,
                tr!(lang, "sock-a-connection", address = address),
                tr!(
                    lang,
                    "sock-timeout-ended-unconnected",
                    how = ended_in(lang, &how)
                ),
            )
            .because(tr!(lang, "sock-timeout-see-output"))));
        }
        if waiting_since.elapsed() > Duration::from_secs(10) || setup.out_of_time() {
            return Ok(Err(Check::fail(
                name,
                tr!(lang, "sock-a-connection", address = address),
                tr!(lang, "sock-timeout-no-connection", seconds = 10),
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Reads the client's request line (up to a bound), for at most `within`.
fn read_request(connection: &mut std::net::TcpStream, within: Duration) -> Vec<u8> {
    let _ = connection.set_read_timeout(Some(Duration::from_millis(50)));
    let until = Instant::now() + within;
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.contains(&b'\n') && request.len() < 4096 && Instant::now() < until {
        match connection.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => request.extend_from_slice(&buffer[..read]),
            Err(_) => {}
        }
    }
    request
}

/// Round 1: the server answers after a drawn delay; the client prints the answer, exits 0.
fn answering(setup: &CheckSetup, listener: &TcpListener) -> anyhow::Result<Vec<Check>> {
    use std::io::Write as _;
    let lang = setup.lang;
    let name = &CheckName::new(lang, |lang| tr!(lang, "sock-timeout-answering"));
    let mut rng = setup.probes("timeout/answering");
    // Slower than a second, and well inside the 2 s a client must wait: a client that waits
    // only a second, or sleeps a fixed time, misses it.
    let delay = Duration::from_millis(rng.random_range(1050..=1650));
    let answer = format!("pong {:08x}\n", rng.random::<u32>());
    let mut connection = match accept(setup, listener, name)? {
        Ok(connection) => connection,
        Err(failed) => return Ok(vec![failed]),
    };
    let request = read_request(&mut connection, Duration::from_secs(3));
    setup.note(tr!(
        lang,
        "sock-trace-sent",
        who = tr!(lang, "sock-timeout-the-client"),
        bytes = quote(&request)
    ));
    if request != b"ping\n" {
        return Ok(vec![
            Check::differs(name, b"ping\n", &request)
                .because(tr!(lang, "sock-timeout-send-ping-try")),
        ]);
    }
    setup.cancel.sleep(delay);
    setup.note(tr!(
        lang,
        "sock-timeout-trace-answered",
        ms = delay.as_millis() as u64,
        answer = quote(answer.as_bytes())
    ));
    let _ = connection.write_all(answer.as_bytes());
    let until = Instant::now() + ASKED_TIMEOUT + HANGING_AFTER;
    while setup.program_exited().is_none() && Instant::now() < until && !setup.out_of_time() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let lines = setup
        .program
        .as_ref()
        .map(|program| program.lines_from(0))
        .unwrap_or_default();
    let printed = lines.iter().any(|line| line.trim() == answer.trim());
    let said_timeout = lines.iter().any(|line| mentions_timeout(line));
    let exited = setup.program_exited();
    let answer_shown = quote(answer.trim_end().as_bytes());
    let printed_then_exit = || {
        tr!(
            lang,
            "sock-timeout-printed-then-exit",
            answer = answer_shown.as_str()
        )
    };
    let ms = delay.as_millis() as u64;
    let check = match (&exited, printed) {
        (Some(how), true) if how == "exited with code 0" && !said_timeout => Check::pass(
            name,
            tr!(
                lang,
                "sock-timeout-answering-pass",
                ms = ms,
                answer = answer_shown.as_str(),
                how = ended_in(lang, how)
            ),
        ),
        (None, _) => Check::fail(
            name,
            printed_then_exit(),
            tr!(lang, "sock-timeout-still-running"),
        )
        .because(tr!(lang, "sock-timeout-end-it-try")),
        (Some(how), _) if said_timeout => Check::fail(
            name,
            printed_then_exit(),
            tr!(
                lang,
                "sock-timeout-reported-anyway",
                how = ended_in(lang, how),
                ms = ms
            ),
        )
        .because(tr!(lang, "sock-timeout-too-short-try")),
        (Some(how), _) => Check::fail(
            name,
            printed_then_exit(),
            tr!(
                lang,
                "sock-timeout-it-ended-and",
                how = ended_in(lang, how),
                rest = match lines.last() {
                    Some(last) => tr!(
                        lang,
                        "sock-timeout-last-line",
                        line = quote(last.as_bytes())
                    ),
                    None => tr!(lang, "sock-timeout-printed-nothing"),
                }
            ),
        )
        .because(tr!(lang, "sock-timeout-print-answer-try")),
    };
    Ok(vec![check])
}

fn mentions_timeout(line: &str) -> bool {
    let line = line.to_lowercase();
    line.contains("timeout") || line.contains("timed out")
}

/// Round 2: the server reads the ping and never answers.
fn silent(setup: &CheckSetup, listener: &TcpListener) -> anyhow::Result<Vec<Check>> {
    let lang = setup.lang;
    let connects = CheckName::new(lang, |lang| tr!(lang, "sock-timeout-connects"));
    let gives_up = CheckName::new(lang, |lang| tr!(lang, "sock-timeout-gives-up"));
    let waits = CheckName::new(lang, |lang| tr!(lang, "sock-timeout-waits"));
    let reports = CheckName::new(lang, |lang| tr!(lang, "sock-timeout-reports"));
    let mut connection = match accept(setup, listener, &connects)? {
        Ok(connection) => connection,
        Err(failed) => return Ok(vec![failed]),
    };
    connection.set_read_timeout(Some(Duration::from_millis(100)))?;
    let connected_at = Instant::now();

    // Read what it asks, then say nothing until it gives up (the connection stays open).
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    let exited = loop {
        if let Some(how) = setup.program_exited() {
            break Some(how);
        }
        if connected_at.elapsed() > ASKED_TIMEOUT + HANGING_AFTER || setup.out_of_time() {
            break None;
        }
        if let Ok(read) = connection.read(&mut buffer)
            && request.len() < 4096
        {
            request.extend_from_slice(&buffer[..read]);
        }
    };
    let waited = connected_at.elapsed();

    let mut checks = vec![if request.contains(&b'\n') {
        Check::pass(&connects, quote(&request))
    } else {
        Check::fail(
            &connects,
            tr!(lang, "sock-timeout-a-line-such-as"),
            quote(&request),
        )
        .because(tr!(lang, "sock-timeout-end-with-newline-try"))
    }];
    let Some(how) = exited else {
        checks.push(
            Check::fail(
                &gives_up,
                tr!(
                    lang,
                    "sock-timeout-an-exit-after",
                    seconds = ASKED_TIMEOUT.as_secs()
                ),
                tr!(
                    lang,
                    "sock-timeout-still-waiting",
                    seconds = format!("{:.0}", waited.as_secs_f64())
                ),
            )
            .because(tr!(lang, "sock-timeout-set-timeout-try")),
        );
        return Ok(checks);
    };
    let ended = ended_in(lang, &how);
    checks.push(Check::pass(
        &gives_up,
        tr!(
            lang,
            "sock-timeout-gave-up-after",
            how = ended.as_str(),
            seconds = format!("{:.1}", waited.as_secs_f64())
        ),
    ));
    checks.push(if waited >= ASKED_TIMEOUT * 3 / 4 {
        Check::pass(
            &waits,
            tr!(
                lang,
                "sock-timeout-seconds",
                seconds = format!("{:.1}", waited.as_secs_f64())
            ),
        )
    } else {
        Check::fail(
            &waits,
            tr!(
                lang,
                "sock-timeout-about-seconds",
                seconds = ASKED_TIMEOUT.as_secs()
            ),
            tr!(
                lang,
                "sock-timeout-gave-up-early",
                seconds = format!("{:.2}", waited.as_secs_f64())
            ),
        )
        .because(tr!(lang, "sock-timeout-slow-not-dead-try"))
    });
    let output = setup
        .program
        .as_ref()
        .map(|program| program.lines_from(0))
        .unwrap_or_default();
    let reported = output.iter().any(|line| mentions_timeout(line));
    checks.push(if reported && how != "exited with code 0" {
        Check::pass(
            &reports,
            tr!(lang, "sock-mid-it-ended", how = ended.as_str()),
        )
    } else {
        Check::fail(
            &reports,
            tr!(lang, "sock-timeout-reports-expected"),
            tr!(
                lang,
                "sock-timeout-it-ended-and",
                how = ended.as_str(),
                rest = if reported {
                    tr!(lang, "sock-timeout-printed-timeout")
                } else {
                    tr!(lang, "sock-timeout-no-timeout-line")
                }
            ),
        )
        .because(tr!(lang, "sock-timeout-report-try"))
    });
    Ok(checks)
}

/// The silent server's listening socket.
fn listen(setup: &CheckSetup) -> anyhow::Result<TcpListener> {
    let address = setup.address("server")?;
    TcpListener::bind(address).map_err(|error| {
        anyhow::anyhow!(tr!(
            setup.lang,
            "sock-timeout-cannot-listen",
            address = address,
            error = error.to_string()
        ))
    })
}
