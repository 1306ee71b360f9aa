//! `socket-timeout-client`: the student writes a client that gives up on a silent server.
//!
//! The checker is the server, and a bad one: it accepts the connection, reads the request,
//! and never answers. A client that reads until an answer comes waits forever; one with a
//! receive timeout gives up after it, says so, and exits with a failure code.

use std::io::Read;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use lab_core::exercise::{Check, CheckSetup, Checker, Prepared, quote};

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
        let address = setup.address("server")?;

        // Wait for the client to connect (or to exit without connecting).
        let waiting_since = Instant::now();
        let (mut connection, _) = loop {
            match listener.accept() {
                Ok(accepted) => break accepted,
                Err(error) if crate::server::is_would_block(&error) => {}
                Err(error) => return Err(error.into()),
            }
            if let Some(how) = setup.program_exited() {
                return Ok(vec![
                    Check::fail(
                        "connects to the server",
                        format!("a connection to {address}"),
                        format!("it {how} without connecting"),
                    )
                    .because("see its output above"),
                ]);
            }
            if waiting_since.elapsed() > Duration::from_secs(10) || setup.out_of_time() {
                return Ok(vec![Check::fail(
                    "connects to the server",
                    format!("a connection to {address}"),
                    "no connection in 10 s",
                )]);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        connection.set_nonblocking(false)?;
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
        checks.push(if waited >= ASKED_TIMEOUT / 2 {
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
        let reported = output.iter().any(|line| {
            let line = line.to_lowercase();
            line.contains("timeout") || line.contains("timed out")
        });
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
