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

use lab_core::exercise::{Check, CheckSetup, Checker, Prepared, Rng, quote};

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
            anyhow::bail!(
                "this exercise watches your client exit, so the workbench must start it: give its command after --"
            );
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
    name: &str,
) -> anyhow::Result<Result<std::net::TcpStream, Check>> {
    let address = setup.address("server")?;
    let waiting_since = Instant::now();
    loop {
        match listener.accept() {
            Ok((connection, _)) => {
                connection.set_nonblocking(false)?;
                setup.note("the client connected");
                return Ok(Ok(connection));
            }
            Err(error) if crate::server::is_would_block(&error) => {}
            Err(error) => return Err(error.into()),
        }
        if let Some(how) = setup.program_exited() {
            return Ok(Err(Check::fail(
                name,
                format!("a connection to {address}"),
                format!("it {how} without connecting"),
            )
            .because("see its output below")));
        }
        if waiting_since.elapsed() > Duration::from_secs(10) || setup.out_of_time() {
            return Ok(Err(Check::fail(
                name,
                format!("a connection to {address}"),
                "no connection in 10 s",
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
    let name = "prints the answer of a server that answers in time, and exits with code 0";
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
    setup.note(format!("the client sent {}", quote(&request)));
    if request != b"ping\n" {
        return Ok(vec![Check::differs(name, b"ping\n", &request).because(
            "send exactly ping and a newline, then wait for the answer",
        )]);
    }
    setup.cancel.sleep(delay);
    setup.note(format!(
        "after {} ms the server answered {}",
        delay.as_millis(),
        quote(answer.as_bytes())
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
    let check = match (&exited, printed) {
        (Some(how), true) if how == "exited with code 0" && !said_timeout => Check::pass(
            name,
            format!(
                "answered after {} ms: it printed {} and {how}",
                delay.as_millis(),
                quote(answer.trim_end().as_bytes())
            ),
        ),
        (None, _) => Check::fail(
            name,
            format!("{} printed, then an exit with code 0", quote(answer.trim_end().as_bytes())),
            "still running after the answer came",
        )
        .because("after printing the answer the client's work is done: close the socket and end the program"),
        (Some(how), _) if said_timeout => Check::fail(
            name,
            format!("{} printed, then an exit with code 0", quote(answer.trim_end().as_bytes())),
            format!("it reported a timeout and {how}, though the answer came after {} ms", delay.as_millis()),
        )
        .because("wait up to 2 s for the answer and report a timeout only when none came: a fixed sleep, or a timeout shorter than 2 s, gives up on a server that is merely slow"),
        (Some(how), _) => Check::fail(
            name,
            format!("{} printed, then an exit with code 0", quote(answer.trim_end().as_bytes())),
            format!(
                "it {how}; {}",
                match lines.last() {
                    Some(last) => format!("its last line: {}", quote(last.as_bytes())),
                    None => "it printed nothing".to_string(),
                }
            ),
        )
        .because("read the answer line from the socket and print it as it came"),
    };
    Ok(vec![check])
}

fn mentions_timeout(line: &str) -> bool {
    let line = line.to_lowercase();
    line.contains("timeout") || line.contains("timed out")
}

/// Round 2: the server reads the ping and never answers.
fn silent(setup: &CheckSetup, listener: &TcpListener) -> anyhow::Result<Vec<Check>> {
    let mut connection = match accept(setup, listener, "connects to the server")? {
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
        Check::pass("connects and sends its request", quote(&request))
    } else {
        Check::fail(
            "connects and sends its request",
            "a line such as \"ping\\n\"",
            quote(&request),
        )
        .because("end the request with \\n: a line server waits for it")
    }];
    let Some(how) = exited else {
        checks.push(
                Check::fail(
                    "gives up on a silent server instead of hanging",
                    format!("an exit about {} s after sending", ASKED_TIMEOUT.as_secs()),
                    format!("still waiting after {:.0} s", waited.as_secs_f64()),
                )
                .because("set a receive timeout before reading: socket.settimeout(2) in Python, stream_set_timeout($client, 2) in PHP"),
            );
        return Ok(checks);
    };
    checks.push(Check::pass(
        "gives up on a silent server instead of hanging",
        format!("it {how} after {:.1} s", waited.as_secs_f64()),
    ));
    checks.push(if waited >= ASKED_TIMEOUT * 3 / 4 {
        Check::pass(
            "waits for the answer before giving up",
            format!("{:.1} s", waited.as_secs_f64()),
        )
    } else {
        Check::fail(
            "waits for the answer before giving up",
            format!("about {} s of waiting", ASKED_TIMEOUT.as_secs()),
            format!("it gave up after {:.2} s", waited.as_secs_f64()),
        )
        .because("a slow server is not a dead one: wait the whole timeout for the answer")
    });
    let output = setup
        .program
        .as_ref()
        .map(|program| program.lines_from(0))
        .unwrap_or_default();
    let reported = output.iter().any(|line| mentions_timeout(line));
    checks.push(if reported && how != "exited with code 0" {
            Check::pass("reports the silent server and fails", format!("it {how}"))
        } else {
            Check::fail(
                "reports the silent server and fails",
                "a line saying timeout, and an exit code other than 0",
                format!(
                    "it {how}; {}",
                    if reported {
                        "it printed the timeout"
                    } else {
                        "no line mentions a timeout"
                    }
                ),
            )
            .because("print e.g. \"timeout: no answer from the server within 2 s\" and exit with code 1: scripts that call your client need to know")
        });
    Ok(checks)
}

/// The silent server's listening socket.
fn listen(setup: &CheckSetup) -> anyhow::Result<TcpListener> {
    let address = setup.address("server")?;
    TcpListener::bind(address).map_err(|error| {
        anyhow::anyhow!(
            "the checker cannot listen on {address} ({error}): is another program using that port? Stop it and check again"
        )
    })
}
