//! `zmq` tests: a request on a REQ socket, or one message received on a SUB socket.
//!
//! ```toml
//! zmq = { request = "tcp://127.0.0.1:5559", send = "Hello", expect = "From Server1: Hello" }
//! zmq = { subscribe = "tcp://127.0.0.1:5563", topic = "B", expect_matches = "^B " }
//! ```
//!
//! A reply (or message) must come within the test's timeout: that is one assertion, and
//! `expect` and `expect_matches` are one more each. A message of several frames is read as its
//! frames joined by a space (`B We would like to see this`).

use std::collections::HashMap;

use super::fill;
use crate::assert::{Assertion, Outcome, first_failure, shown};
use crate::suite::{TestSpec, Zmq, ZmqPattern};

pub fn run(test: &TestSpec, zmq: &Zmq, values: &HashMap<String, String>) -> (Outcome, u32, String) {
    let error = |message: String| (Outcome::Error { message }, 0, String::new());
    let context = ::zmq::Context::new();
    let timeout = test.timeout.as_millis().min(i32::MAX as u128) as i32;
    let (socket, endpoint, what) = match &zmq.pattern {
        ZmqPattern::Request { endpoint, send } => {
            let socket = match open(&context, ::zmq::REQ, endpoint, timeout) {
                Ok(socket) => socket,
                Err(problem) => return error(problem),
            };
            let send = fill(send, values);
            if let Err(problem) = socket.send(send.as_bytes(), 0) {
                return error(format!(
                    "sending {} to {endpoint} failed: {problem}",
                    shown(&send)
                ));
            }
            (socket, endpoint, format!("the reply to {}", shown(&send)))
        }
        ZmqPattern::Subscribe { endpoint, topic } => {
            let socket = match open(&context, ::zmq::SUB, endpoint, timeout) {
                Ok(socket) => socket,
                Err(problem) => return error(problem),
            };
            if let Err(problem) = socket.set_subscribe(topic.as_bytes()) {
                return error(format!("subscribing to \"{topic}\": {problem}"));
            }
            (socket, endpoint, format!("a message on topic \"{topic}\""))
        }
    };
    let received = socket.recv_multipart(0).map(|frames| {
        frames
            .iter()
            .map(|frame| String::from_utf8_lossy(frame).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    });
    let arrived = received.is_ok();
    let message = received.unwrap_or_default();
    let actual = if arrived {
        shown(&message)
    } else {
        format!("nothing within {} s", test.timeout.as_secs_f64())
    };
    let assertions = [Assertion {
        message: format!("{what} from {endpoint}"),
        expected: "a message".to_string(),
        actual: actual.clone(),
        held: arrived,
    }]
    .into_iter()
    .chain(zmq.expect.iter().map(|wanted| {
        let wanted = fill(wanted, values);
        Assertion {
            message: format!("{what} from {endpoint}"),
            expected: shown(&wanted),
            actual: actual.clone(),
            held: message == wanted,
        }
    }))
    .chain(zmq.expect_matches.iter().map(|pattern| Assertion {
        message: format!("{what} from {endpoint}"),
        expected: format!("a message matching /{pattern}/"),
        actual: actual.clone(),
        held: pattern.is_match(&message),
    }));
    let (outcome, counted) = first_failure(assertions.collect::<Vec<_>>());
    (outcome, counted, message)
}

fn open(
    context: &::zmq::Context,
    kind: ::zmq::SocketType,
    endpoint: &str,
    timeout: i32,
) -> Result<::zmq::Socket, String> {
    let socket = context
        .socket(kind)
        .map_err(|problem| format!("cannot make a socket: {problem}"))?;
    let _ = socket.set_linger(0);
    let _ = socket.set_rcvtimeo(timeout);
    let _ = socket.set_sndtimeo(timeout);
    socket
        .connect(endpoint)
        .map_err(|problem| format!("cannot connect to {endpoint}: {problem}"))?;
    Ok(socket)
}
