//! `tcp`: connect (or take a session a test before left open), send a line, check the answer.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::time::Duration;

use super::fill;
use crate::assert::{Outcome, shown};
use crate::suite::{Tcp, TestSpec};

/// Open connections by session name, handed from a test to the tests that depend on it.
pub type Sessions = Mutex<HashMap<String, BufReader<TcpStream>>>;

/// Talks to the server; returns how it went, the assertions made, and the line it read.
pub(crate) fn run(
    test: &TestSpec,
    tcp: &Tcp,
    sessions: &Sessions,
    values: &HashMap<String, String>,
) -> (Outcome, u32, String) {
    let error = |message: String| (Outcome::Error { message }, 0, String::new());
    let mut assertions = 0;
    let mut connection = match (&tcp.connect, &tcp.session) {
        (Some(address), _) => match connect(address, test.timeout) {
            Ok(stream) => {
                assertions += 1;
                BufReader::new(stream)
            }
            Err(problem) => return error(format!("cannot connect to {address}: {problem}")),
        },
        (None, Some(session)) => {
            let taken = lab_core::lock(sessions).remove(session);
            match taken {
                Some(connection) => connection,
                None => {
                    return error(format!(
                        "no open connection in session '{session}': a test it depends on must connect with session = \"{session}\""
                    ));
                }
            }
        }
        (None, None) => return error("nothing to talk to".to_string()),
    };
    let (outcome, line) = converse(test, tcp, &mut connection, &mut assertions, values);
    if let Some(session) = &tcp.session {
        lab_core::lock(sessions).insert(session.clone(), connection);
    }
    (outcome, assertions, line)
}

/// Resolves `address` and connects within `timeout`; reads wait at most `timeout` too.
fn connect(address: &str, timeout: Duration) -> std::io::Result<TcpStream> {
    let mut last = std::io::Error::other("the address resolves to nothing");
    for resolved in address.to_socket_addrs()? {
        match TcpStream::connect_timeout(&resolved, timeout) {
            Ok(stream) => {
                stream.set_read_timeout(Some(timeout))?;
                stream.set_write_timeout(Some(timeout))?;
                return Ok(stream);
            }
            Err(problem) => last = problem,
        }
    }
    Err(last)
}

/// Sends, then checks the next line; returns how it went and that line.
fn converse(
    test: &TestSpec,
    tcp: &Tcp,
    connection: &mut BufReader<TcpStream>,
    assertions: &mut u32,
    values: &HashMap<String, String>,
) -> (Outcome, String) {
    if let Some(send) = &tcp.send {
        let send = fill(send, values);
        if let Err(problem) = connection.get_mut().write_all(send.as_bytes()) {
            let message = format!("sending {} failed: {problem}", shown(&send));
            return (Outcome::Error { message }, String::new());
        }
    }
    let wants_a_line =
        tcp.expect_line.is_some() || tcp.expect_matches.is_some() || test.capture.is_some();
    if !wants_a_line {
        return (Outcome::Passed, String::new());
    }
    let mut line = String::new();
    let read = connection.read_line(&mut line);
    let got = match read {
        Ok(0) => "the connection closed".to_string(),
        Ok(_) => shown(line.trim_end_matches(['\n', '\r'])),
        Err(_) => format!("no line within {} s", test.timeout.as_secs_f64()),
    };
    let line = line.trim_end_matches(['\n', '\r']).to_string();
    let received = matches!(read, Ok(count) if count > 0);
    let failed = |expected: String| Outcome::Failed {
        message: "the line the server sent".to_string(),
        expected,
        actual: got.clone(),
    };
    if let Some(wanted) = &tcp.expect_line {
        *assertions += 1;
        let wanted = fill(wanted, values);
        if !received || line != wanted {
            return (failed(format!("the line {}", shown(&wanted))), line);
        }
    }
    if let Some(pattern) = &tcp.expect_matches {
        *assertions += 1;
        if !received || !pattern.is_match(&line) {
            return (failed(format!("a line matching /{pattern}/")), line);
        }
    }
    (Outcome::Passed, line)
}
