//! The dashboard's view of a broker: `zmq_proxy` copies every message it passes to a capture
//! socket, and reading those copies counts the traffic and the clients, without touching the
//! proxy.

use std::collections::BTreeSet;

use lab_core::{CancelToken, Counter, Gauge, LabContext};

use super::{Broker, inproc_name};

/// What the broker's observer counts.
pub(super) struct BrokerCounters {
    /// Messages through the proxy, both ways.
    pub through: Counter,
    /// Clients told apart by their identities.
    pub clients_seen: Gauge,
}

impl BrokerCounters {
    pub fn new(context: &LabContext) -> BrokerCounters {
        BrokerCounters {
            through: context.counter("through broker"),
            clients_seen: context.gauge("clients seen"),
        }
    }
}

/// Runs `broker` until `stop` fires, counting what passes through it.
pub(super) fn run_counted(
    broker: Broker,
    zmq_context: &zmq::Context,
    context: &LabContext,
    stop: &CancelToken,
) -> anyhow::Result<()> {
    let capture_endpoint = inproc_name("capture");
    // A PUB for the copies: if the dashboard falls behind, PUB drops copies at its
    // high-water mark and never blocks (a blocked or failing capture stops zmq_proxy).
    let mut capture = zmq_context.socket(zmq::PUB)?;
    capture.set_linger(0)?;
    capture.set_sndhwm(100_000)?;
    capture.bind(&capture_endpoint)?;
    // Subscribed before the proxy starts, so not even the first copies are missed.
    let copies = zmq_context.socket(zmq::SUB)?;
    copies.set_linger(0)?;
    copies.set_rcvtimeo(100)?;
    copies.set_subscribe(b"")?;
    copies.connect(&capture_endpoint)?;
    let proxy_done = CancelToken::default();
    std::thread::scope(|scope| {
        scope.spawn(|| watch(copies, context, &proxy_done));
        let outcome = broker.run(zmq_context, stop, Some(&mut capture));
        proxy_done.cancel();
        outcome
    })
}

/// Reads the proxy's copies of every message: counts them, and the clients by identity (a
/// ROUTER puts the client's identity in the first frame, the same going out and coming back).
fn watch(socket: zmq::Socket, context: &LabContext, done: &CancelToken) {
    let BrokerCounters {
        through,
        clients_seen,
    } = BrokerCounters::new(context);
    // The identities seen, up to a bound: a flood of one-off clients must not fill memory.
    let mut clients: BTreeSet<Vec<u8>> = BTreeSet::new();
    while !done.is_cancelled() {
        let Ok(frames) = socket.recv_multipart(0) else {
            continue;
        };
        through.increment();
        // Requests and replies both carry the client's identity first.
        if let Some(identity) = frames.first()
            && clients.len() < 10_000
            && clients.insert(identity.clone())
        {
            clients_seen.set(clients.len() as i64);
        }
    }
}
