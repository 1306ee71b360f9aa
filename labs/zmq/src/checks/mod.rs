//! Checkers for the messaging exercises: the workbench takes one side of a ZeroMQ pattern and
//! the student's program, in any language, takes the other.
//!
//! | checker          | the student writes   | the checker                                    |
//! |------------------|----------------------|------------------------------------------------|
//! | `zmq-subscriber` | a SUB that prints    | binds a PUB, publishes A/B/C, reads the output |
//! | `zmq-rep-server` | a REP server         | connects REQ clients and checks every reply     |
//! | `zmq-publisher`  | a PUB on topics      | connects SUB sockets with and without a filter  |
//! | `zmq-lazy-pirate`| a REQ that retries   | runs the reqrep lab's REP server, losing requests |
//! | `zmq-broker-worker` | a REP worker      | runs the broker lab: broker, a worker, clients  |
//! | `zmq-pipeline-worker` | a PULL/PUSH worker | runs the pipeline lab's ventilator, sink and a worker |
//!
//! Every socket here has a bounded LINGER and a receive timeout, so a student program that
//! never answers costs the checker its time limit and no more.

mod pipeline;
mod pirate;
mod publisher;
mod reply;
mod subscriber;
mod worker;

use std::time::Duration;

pub use pipeline::PipelineWorkerChecker;
pub use pirate::LazyPirateChecker;
pub use publisher::PublisherChecker;
pub use reply::RepServerChecker;
pub use subscriber::SubscriberChecker;
pub use worker::BrokerWorkerChecker;

use crate::endpoint;

/// A socket with the workbench's usual options and a receive timeout of `timeout`.
fn socket(
    zmq_context: &zmq::Context,
    kind: zmq::SocketType,
    timeout: Duration,
) -> anyhow::Result<zmq::Socket> {
    let socket = zmq_context.socket(kind)?;
    endpoint::prepare(&socket)?;
    socket.set_rcvtimeo(timeout.as_millis().max(1) as i32)?;
    Ok(socket)
}

/// The smallest share of the work the student's worker must do beside the checker's own.
const FAIR_SHARE: f64 = 0.25;

/// Whether the student's worker did its share: `theirs` of `total`, at least [`FAIR_SHARE`].
/// `evidence` says a pass with the share as a percentage; `advice` says what to do on a fail.
fn fair_share(
    lang: lab_i18n::Lang,
    name: &lab_core::exercise::CheckName,
    theirs: u64,
    total: u64,
    evidence: impl FnOnce(&str) -> String,
    advice: String,
) -> lab_core::exercise::Check {
    use lab_i18n::tr;
    let share = theirs as f64 / total.max(1) as f64;
    let percent = format!("{:.0}", share * 100.0);
    if share >= FAIR_SHARE {
        return lab_core::exercise::Check::pass(name, evidence(&percent));
    }
    lab_core::exercise::Check::fail(
        name,
        tr!(
            lang,
            "zmq-worker-share-expected",
            percent = format!("{:.0}", FAIR_SHARE * 100.0),
            total = total
        ),
        tr!(
            lang,
            "zmq-worker-share-got",
            count = theirs,
            percent = percent.as_str()
        ),
    )
    .because(advice)
}

/// A list of short examples, "3, 7, 12 …", for a message.
fn some_of<T: std::fmt::Display>(items: &[T]) -> String {
    const SHOWN: usize = 8;
    let mut text = items
        .iter()
        .take(SHOWN)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        text.push_str(" …");
    }
    text
}
