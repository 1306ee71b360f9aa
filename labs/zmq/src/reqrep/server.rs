//! The REP server: receive one request, send one reply, and again, forever.
//!
//! A REP socket enforces that rhythm. After a `recv` the next call must be a `send`, and after
//! a `send` the next must be a `recv`; anything else fails with EFSM ("operation cannot be
//! accomplished in current state"). The socket also remembers who sent the request (the
//! envelope, hidden from us) and routes the reply back to that client, so one REP server can
//! serve many REQ clients: they are answered one at a time, in fair turns.
//!
//! ```text
//!   loop {
//!       request = recv()            // blocks until some client asks
//!       work(request)               // everyone else waits meanwhile
//!       send(prefix + request)      // goes back to the client that asked
//!   }
//! ```
//!
//! `--drop-every N` makes the server lose every Nth request the way a crash would: it throws
//! the socket away without replying and binds a new one. The client that asked is never
//! answered; a strict REQ client now waits forever (the stuck REQ), a client with a timeout
//! gives up, reconnects and asks again (the lazy pirate).

use std::time::Duration;

use lab_core::{CancelToken, Counter, LabContext};

use crate::endpoint;

/// How the server answers.
pub struct ServerPlan {
    /// Put in front of every request to make the reply: "From Server1:".
    pub prefix: Vec<u8>,
    /// Time spent on each request, as real work would take.
    pub work: Duration,
    /// Lose every Nth request (0: never).
    pub drop_every: u64,
}

/// The server's counters.
pub struct ServerCounters {
    pub served: Counter,
    pub dropped: Counter,
    pub odd: Counter,
    /// This server's own count, when several serve side by side (workers behind a broker).
    pub mine: Option<Counter>,
}

impl ServerCounters {
    pub fn new(context: &LabContext) -> ServerCounters {
        ServerCounters {
            served: context.counter("served"),
            dropped: context.counter("dropped"),
            odd: context.counter("odd requests"),
            mine: None,
        }
    }

    /// The counters of one of several servers, which also counts under `<name>/served`.
    pub fn named(context: &LabContext, name: &str) -> ServerCounters {
        ServerCounters {
            mine: Some(ServerCounters::of_worker(context, name)),
            ..ServerCounters::new(context)
        }
    }

    /// One of several servers' own count: `<name>/served`.
    pub fn of_worker(context: &LabContext, name: &str) -> Counter {
        context.counter(&format!("{name}/served"))
    }
}

/// A REP socket bound to every endpoint; returns it with the endpoints as actually bound.
pub fn bind(
    zmq_context: &zmq::Context,
    endpoints: &[String],
) -> anyhow::Result<(zmq::Socket, Vec<String>)> {
    let socket = zmq_context.socket(zmq::REP)?;
    endpoint::prepare(&socket)?;
    // Bounded queues: a flood of requests waits in the clients, not in our memory.
    socket.set_rcvhwm(1000)?;
    socket.set_sndhwm(1000)?;
    let bound = endpoint::bind_all(&socket, endpoints)?;
    Ok((socket, bound))
}

/// Serves until the lab is stopped or `stop` fires. `socket` is bound to `endpoints` (see
/// [`bind`]); it is replaced when a request is dropped on purpose. A worker behind a broker
/// serves the same way on a socket that connects instead (and never drops). Returns how many
/// requests were answered.
pub fn serve(
    zmq_context: &zmq::Context,
    mut socket: zmq::Socket,
    endpoints: &[String],
    plan: &ServerPlan,
    counters: &ServerCounters,
    context: &LabContext,
    stop: &CancelToken,
) -> anyhow::Result<u64> {
    let cancel = context.cancel_token();
    let mut received: u64 = 0;
    let mut answered: u64 = 0;
    while !cancel.is_cancelled() && !stop.is_cancelled() {
        let frames = match socket.recv_multipart(0) {
            Ok(frames) => frames,
            // The receive timeout: a chance to notice a stop.
            Err(zmq::Error::EAGAIN) => continue,
            Err(zmq::Error::ETERM) => break,
            Err(error) => return Err(error.into()),
        };
        received += 1;
        if plan.drop_every > 0 && received % plan.drop_every == 0 {
            counters.dropped.increment();
            context.warn(format!(
                "lost request #{received} on purpose (--drop-every {}), and with the socket every request queued in it: their clients will never get a reply",
                plan.drop_every
            ));
            // A REP socket that received must send before it can receive again, so losing a
            // request means losing the socket: close it and bind a fresh one, as a restart would.
            drop(socket);
            socket = rebind(zmq_context, endpoints, cancel)?;
            continue;
        }
        if frames.len() != 1 || frames[0].is_empty() {
            counters.odd.increment();
            if counters.odd.get() <= 5 {
                context.warn(format!(
                    "an odd request: {}; answered with the prefix and the frames joined",
                    describe_frames(&frames)
                ));
            }
        }
        if !plan.work.is_zero() {
            cancel.sleep(plan.work);
        }
        let mut reply = plan.prefix.clone();
        for frame in &frames {
            reply.extend_from_slice(frame);
        }
        match socket.send(reply, 0) {
            Ok(()) => {
                answered += 1;
                counters.served.increment();
                if let Some(mine) = &counters.mine {
                    mine.increment();
                }
            }
            Err(zmq::Error::ETERM) => break,
            Err(error) => return Err(error.into()),
        }
    }
    Ok(answered)
}

/// Binds a new socket where the old one was. libzmq closes the old listener in the background,
/// so the port may stay taken for a moment: try again for up to a second.
fn rebind(
    zmq_context: &zmq::Context,
    endpoints: &[String],
    cancel: &CancelToken,
) -> anyhow::Result<zmq::Socket> {
    let mut tries = 0;
    loop {
        match bind(zmq_context, endpoints) {
            Ok((socket, _)) => return Ok(socket),
            Err(error) if tries >= 50 || cancel.is_cancelled() => return Err(error),
            Err(_) => {
                tries += 1;
                cancel.sleep(Duration::from_millis(20));
            }
        }
    }
}

fn describe_frames(frames: &[Vec<u8>]) -> String {
    match frames {
        [] => "no frames".to_string(),
        [only] if only.is_empty() => "an empty message".to_string(),
        many => format!("{} frames (a REQ client sends one)", many.len()),
    }
}
