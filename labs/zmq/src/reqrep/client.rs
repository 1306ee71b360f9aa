//! The REQ client: send a request, wait for its reply, and again.
//!
//! REQ is as strict as REP, the other way round: after a `send` the next call must be a
//! `recv`. So if the reply never comes (the server crashed with the request in hand, or the
//! network lost it), a strict client waits forever, and it cannot even resend: the socket will
//! refuse. That is the **stuck REQ**.
//!
//! The cure from the ZeroMQ guide is the **lazy pirate**: wait with a timeout; when it passes,
//! close the socket (a bounded LINGER drops the unanswered request), open a new one, connect
//! again and resend. After a few tries, give up on that request.
//!
//! ```text
//!   send(request)
//!   reply = recv(timeout)             strict: recv() with no timeout, maybe forever
//!   while no reply and tries left:
//!       close socket; open a new one; connect; send(request) again
//! ```

use std::time::{Duration, Instant};

use lab_core::{CancelToken, Counter, Histogram, LabContext};

use crate::endpoint::{self, POLL_INTERVAL};

/// What one client does.
#[derive(Clone)]
pub struct ClientPlan {
    /// Requests to send; 0 means until stopped.
    pub requests: u64,
    /// Bytes per request (at least the label).
    pub size: usize,
    /// How long to wait for a reply before trying again; `None` waits forever (strict).
    pub timeout: Option<Duration>,
    /// Tries after the first before giving up on a request.
    pub retries: u32,
    /// What the server puts in front of the request.
    pub prefix: Vec<u8>,
}

/// How long a strict client waits before the dashboard calls it stuck.
const STUCK_AFTER: Duration = Duration::from_secs(1);

/// The counters every client adds to, and the round-trip histogram.
#[derive(Clone)]
pub struct ClientCounters {
    pub sent: Counter,
    pub replies: Counter,
    pub retries: Counter,
    pub gave_up: Counter,
    pub wrong: Counter,
    pub stuck: Counter,
    pub round_trip: Histogram,
}

impl ClientCounters {
    pub fn new(context: &LabContext) -> ClientCounters {
        ClientCounters {
            sent: context.counter("sent"),
            replies: context.counter("replies"),
            retries: context.counter("retries"),
            gave_up: context.counter("gave up"),
            wrong: context.counter("wrong replies"),
            stuck: context.counter("stuck"),
            round_trip: context.histogram("round trip", "µs"),
        }
    }

    /// One client's own counters, beside the totals: `client-1/replies`, `client-1/retries`.
    pub fn of(context: &LabContext, name: &str) -> OneClient {
        OneClient {
            replies: context.counter(&format!("{name}/replies")),
            retries: context.counter(&format!("{name}/retries")),
        }
    }
}

/// What one client counts of its own.
pub struct OneClient {
    pub replies: Counter,
    pub retries: Counter,
}

fn connected(zmq_context: &zmq::Context, endpoints: &[String]) -> anyhow::Result<zmq::Socket> {
    let socket = zmq_context.socket(zmq::REQ)?;
    endpoint::prepare(&socket)?;
    for endpoint in endpoints {
        endpoint::connect(&socket, endpoint)?;
    }
    Ok(socket)
}

/// How waiting for one reply ended.
enum Wait {
    Reply(Vec<u8>),
    TimedOut,
    Cancelled,
}

fn wait_for_reply(
    socket: &zmq::Socket,
    timeout: Option<Duration>,
    cancel: &CancelToken,
    on_stuck: &mut dyn FnMut(),
) -> anyhow::Result<Wait> {
    let started = Instant::now();
    let mut stuck_reported = false;
    loop {
        match socket.recv_multipart(0) {
            Ok(frames) => return Ok(Wait::Reply(frames.concat())),
            Err(zmq::Error::EAGAIN) => {}
            Err(zmq::Error::ETERM) => return Ok(Wait::Cancelled),
            Err(error) => return Err(error.into()),
        }
        if cancel.is_cancelled() {
            return Ok(Wait::Cancelled);
        }
        match timeout {
            Some(limit) if started.elapsed() >= limit => return Ok(Wait::TimedOut),
            None if !stuck_reported && started.elapsed() >= STUCK_AFTER.max(POLL_INTERVAL) => {
                stuck_reported = true;
                on_stuck();
            }
            _ => {}
        }
    }
}

/// Runs one client until its requests are done or it is cancelled.
pub fn run(
    zmq_context: &zmq::Context,
    endpoints: &[String],
    name: &str,
    plan: &ClientPlan,
    counters: &ClientCounters,
    context: &LabContext,
) -> anyhow::Result<()> {
    let cancel = context.cancel_token();
    let OneClient {
        replies: mine,
        retries: my_retries,
    } = ClientCounters::of(context, name);
    let mut recorder = counters.round_trip.recorder();
    let mut socket = connected(zmq_context, endpoints)?;
    let mut number: u64 = 0;
    while !cancel.is_cancelled() && (plan.requests == 0 || number < plan.requests) {
        number += 1;
        let mut request = format!("{name} #{number}").into_bytes();
        if request.len() < plan.size {
            request.push(b' ');
            request.resize(plan.size, b'.');
        }
        let mut tries = 0;
        loop {
            let sent_at = Instant::now();
            socket.send(&request[..], 0)?;
            counters.sent.increment();
            let mut on_stuck = || {
                counters.stuck.increment();
                context.warn(format!(
                    "{name} has waited {} s for the reply to #{number}: a strict REQ socket may not send again until a reply comes, so it waits forever. --timeout 1000 lets it give up and reconnect (lazy pirate)",
                    STUCK_AFTER.as_secs()
                ));
            };
            match wait_for_reply(&socket, plan.timeout, cancel, &mut on_stuck)? {
                Wait::Reply(reply) => {
                    recorder.record(sent_at.elapsed().as_micros() as u64);
                    if reply.len() == plan.prefix.len() + request.len()
                        && reply.starts_with(&plan.prefix)
                        && reply.ends_with(&request)
                    {
                        counters.replies.increment();
                        mine.increment();
                    } else {
                        counters.wrong.increment();
                        if counters.wrong.get() <= 5 {
                            context.warn(format!(
                                "{name}: reply to #{number} was \"{}\", expected the prefix followed by the request",
                                String::from_utf8_lossy(&reply[..reply.len().min(80)])
                            ));
                        }
                    }
                    break;
                }
                Wait::Cancelled => return Ok(()),
                Wait::TimedOut => {
                    // Lazy pirate: this socket is stuck in "must receive"; replace it.
                    socket = connected(zmq_context, endpoints)?;
                    if tries == plan.retries {
                        counters.gave_up.increment();
                        context.warn(format!(
                            "{name}: no reply to #{number} after {} tries: giving up on it",
                            tries + 1
                        ));
                        break;
                    }
                    tries += 1;
                    counters.retries.increment();
                    my_retries.increment();
                    context.info(format!(
                        "{name}: no reply to #{number} within {} ms: new socket, asking again (try {})",
                        plan.timeout.unwrap_or_default().as_millis(),
                        tries + 1
                    ));
                }
            }
        }
    }
    Ok(())
}
