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

use lab_core::exercise::{Check, CheckName, CheckSetup, Checker, Rng, ended_in, quote};
use lab_i18n::tr;

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
        setup.note(tr!(
            setup.lang,
            "sock-trace-sent",
            who = who,
            bytes = quote(write)
        ));
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
        Ok(Some(got)) => setup.note(tr!(
            setup.lang,
            "sock-trace-got",
            who = who,
            bytes = quote(got)
        )),
        _ => setup.note(tr!(
            setup.lang,
            "sock-trace-got",
            who = who,
            bytes = described(setup.lang, &read)
        )),
    }
    match read {
        Ok(Some(got)) if got == expected => Ok(()),
        Ok(Some(got)) => Err((got, String::new())),
        other => Err((Vec::new(), described(setup.lang, &other))),
    }
}

/// A failure for a line that did not come back as sent.
fn line_failure(name: &CheckName, expected: &[u8], got: (Vec<u8>, String)) -> Check {
    match got {
        (bytes, nothing) if bytes.is_empty() && !nothing.is_empty() => {
            Check::fail(name, quote(expected), nothing)
        }
        (bytes, _) => Check::differs(name, expected, &bytes),
    }
}

/// A line, several lines in one write, and one line in pieces, on one connection.
fn one_client(setup: &CheckSetup, address: &str) -> Check {
    let lang = setup.lang;
    let name = &CheckName::new(lang, |lang| tr!(lang, "sock-echo-one-client"));
    let mut rng = setup.probes("echo/one-client");
    let mut client = match Client::connect(address, PATIENCE) {
        Ok(client) => client,
        Err(error) => {
            return Check::fail(
                name,
                tr!(lang, "sock-a-connection", address = address),
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
        (
            vec![single.clone()],
            vec![single],
            tr!(lang, "sock-echo-one-line"),
        ),
        (
            vec![together.concat()],
            together,
            tr!(lang, "sock-echo-several-lines"),
        ),
        (
            probes::cut(&mut rng, &pieces_of),
            vec![pieces_of],
            tr!(lang, "sock-echo-in-pieces"),
        ),
    ];
    for (writes, expected, what) in steps {
        if let Err(error) = send_all(setup, &mut client, "client-1", &writes) {
            return Check::fail(name, tr!(lang, "sock-to-send"), error.to_string());
        }
        for line in &expected {
            if let Err(got) = expect_line(setup, &mut client, "client-1", line) {
                let sent: Vec<String> = writes.iter().map(|write| quote(write)).collect();
                return line_failure(name, line, got).because(tr!(
                    lang,
                    "sock-echo-one-client-try",
                    what = what.as_str(),
                    sent = sent.join(&tr!(lang, "sock-then"))
                ));
            }
        }
    }
    Check::pass(name, tr!(lang, "sock-echo-one-client-pass"))
}

/// Three clients at once; one sends half a line and waits, the others must still be served,
/// and each gets back only its own bytes.
fn half_lines(setup: &CheckSetup, address: &str) -> Check {
    let lang = setup.lang;
    let name = &CheckName::new(lang, |lang| tr!(lang, "sock-echo-half-lines"));
    let mut rng = setup.probes("echo/half-lines");
    let mut clients = Vec::new();
    for _ in 0..3 {
        match Client::connect(address, PATIENCE) {
            Ok(client) => clients.push(client),
            Err(error) => {
                return Check::fail(
                    name,
                    tr!(lang, "sock-connections", count = 3, address = address),
                    tr!(
                        lang,
                        "sock-connection-failed",
                        number = clients.len() + 1,
                        error = error.to_string()
                    ),
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
            tr!(
                lang,
                "sock-echo-an-echo-to",
                line = quote(&hello),
                who = "client-2"
            ),
            tr!(lang, "sock-echo-nothing-while-silent"),
        )
        .because(tr!(lang, "sock-echo-one-at-a-time-try"));
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
            check.because(tr!(
                lang,
                "sock-echo-frozen-try",
                first = quote(&first_head),
                third = quote(&third_head),
                meanwhile = quote(&meanwhile),
                seconds = format!("{:.1}", PATIENCE.as_secs_f64())
            ))
        } else {
            check.because(tr!(lang, "sock-echo-shared-buffer-try"))
        };
    }
    let _ = send_all(setup, third, "client-3", &[third_tail]);
    let _ = send_all(setup, first, "client-1", &[first_tail]);
    for (client, who, line) in [
        (&mut *third, "client-3", &third_line),
        (&mut *first, "client-1", &first_line),
    ] {
        if let Err(got) = expect_line(setup, client, who, line) {
            return line_failure(name, line, got).because(tr!(
                lang,
                "sock-echo-two-halves-try",
                who = who
            ));
        }
    }
    Check::pass(name, tr!(lang, "sock-echo-half-lines-pass"))
}

/// 50 clients connected at once, each sending its own lines and waiting for its echoes.
fn crowd(setup: &CheckSetup, address: &str) -> Check {
    let lang = setup.lang;
    let name = &CheckName::new(lang, |lang| tr!(lang, "sock-echo-crowd", clients = CROWD));
    let mut rng = setup.probes("echo/crowd");
    let Ok(socket_address) = address.parse::<std::net::SocketAddr>() else {
        return Check::fail(name, tr!(lang, "sock-an-address"), address.to_string());
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
    setup.note(tr!(lang, "sock-trace-connected", count = connected));
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
    setup.note(tr!(
        lang,
        "sock-trace-crowd-sent",
        count = lines.iter().map(Vec::len).sum::<usize>()
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
    setup.note(tr!(
        lang,
        "sock-echo-answered",
        answered = answered,
        connected = connected
    ));
    if answered < CROWD {
        // A server that died leaves its clients unanswered a moment before its exit is seen.
        let until = Instant::now() + Duration::from_millis(500);
        while setup.program_exited().is_none() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    if answered == CROWD {
        return Check::pass(name, tr!(lang, "sock-echo-crowd-pass", clients = CROWD));
    }
    if let Some(how) = setup.program_exited() {
        return Check::fail(
            name,
            tr!(lang, "sock-echo-crowd-expected", clients = CROWD),
            tr!(
                lang,
                "sock-echo-answered-then-ended",
                answered = answered,
                connected = connected,
                how = ended_in(lang, &how)
            ),
        )
        .because(tr!(
            lang,
            "sock-echo-ended-in-crowd-try",
            how = ended_in(lang, &how)
        ));
    }
    if let Some((number, expected, got)) = foreign {
        return Check::differs(name, &expected, &got).because(tr!(
            lang,
            "sock-echo-foreign-try",
            who = format!("client-{}", number + 1)
        ));
    }
    let connections = if connected < CROWD {
        tr!(
            lang,
            "sock-echo-could-connect",
            connected = connected,
            clients = CROWD
        )
    } else {
        String::new()
    };
    let check = Check::fail(
        name,
        tr!(
            lang,
            "sock-echo-crowd-expected-within",
            clients = CROWD,
            seconds = PATIENCE.as_secs()
        ),
        connections + &tr!(lang, "sock-echo-answered-connected", answered = answered),
    );
    if let Some(how) = setup.program_exited() {
        return check.because(tr!(
            lang,
            "sock-echo-ended-see-output",
            how = ended_in(lang, &how)
        ));
    }
    if answered <= 1 {
        check.because(tr!(lang, "sock-echo-crowd-one-at-a-time-try"))
    } else {
        check.because(tr!(lang, "sock-echo-some-lost-try"))
    }
}

/// After a pause, a new client: the server is still running and still echoes.
fn still_serving(setup: &CheckSetup, address: &str) -> Check {
    let lang = setup.lang;
    let name = &CheckName::new(lang, |lang| tr!(lang, "sock-echo-still-serving"));
    let mut rng = setup.probes("echo/still-serving");
    let pause = Duration::from_millis(rng.random_range(500..=1500));
    setup.note(tr!(
        lang,
        "sock-trace-waited",
        ms = pause.as_millis() as u64
    ));
    setup.cancel.sleep(pause);
    let lines: Vec<Vec<u8>> = (0..rng.random_range(2..=5))
        .map(|_| probes::line(&mut rng))
        .collect();
    let result = Client::connect(address, PATIENCE)
        .map_err(|error| {
            let got = tr!(lang, "sock-no-connection", error = error.to_string());
            (&lines[0], (Vec::new(), got))
        })
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
            tr!(
                lang,
                "sock-echo-still-serving-pass",
                count = lines.len(),
                ms = pause.as_millis() as u64
            ),
        ),
        // A server that daemonized leaves its launcher exited and still serves: the echo
        // decides, and an exit only explains a missing one.
        Err((line, got)) => match setup.program_exited() {
            Some(how) => line_failure(name, line, got).because(tr!(
                lang,
                "sock-echo-exited-try",
                how = ended_in(lang, &how)
            )),
            None => line_failure(name, line, got).because(tr!(
                lang,
                "sock-echo-new-client-try",
                count = lines.len()
            )),
        },
    }
}
