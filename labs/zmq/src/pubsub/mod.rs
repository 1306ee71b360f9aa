//! `zmq-pubsub`: one publisher, many subscribers, topics filtered by prefix.
//!
//! Every role runs on its own, so a program in any language can take the other one:
//!
//! ```text
//!   workbench lab zmq-pubsub --role publisher  --bind    tcp://127.0.0.1:5563 --topics A,B
//!   workbench lab zmq-pubsub --role subscriber --connect tcp://127.0.0.1:5563 --subscribe B
//!   workbench lab zmq-pubsub                   (both roles in one process: publisher + subscribers)
//!
//!                       ┌──[A]──> sub-1 (subscribed to A)
//!   publisher (PUB) ────┼──[B]──> sub-2 (subscribed to B)
//!     bind              └─[A,B]─> late  (subscribed to everything, joins 2 s late)
//! ```
//!
//! What the dashboard shows, and where each number comes from:
//! - **sent / received** per topic: counted on each side.
//! - **filtered out**: messages published while a subscriber was connected on topics it did not
//!   ask for. ZeroMQ drops them at the publisher; we know each subscriber's subscription, so we
//!   count them there too (only when both roles run here).
//! - **missed before join** (the slow joiner): the first sequence number a subscriber sees on a
//!   topic says how many were published before its subscription arrived.
//! - **dropped**: gaps in the sequence numbers later on: the subscriber's queue was full (the
//!   high-water mark, `--hwm`) and the publisher dropped messages rather than wait.

mod instruments;
mod lab;
mod publisher;
mod subscriber;

pub use instruments::Instruments;
use instruments::{FilterAccounting, Membership, Seat, SubscriberCounters};
pub use lab::{PubSubLab, PubSubParams, Role};

pub use publisher::{OnSend, Plan, Uncounted, publish};
pub use subscriber::{JustCount, OnReceive, Stop, receive};

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use lab_core::{LabContext, Verdict};

use crate::endpoint::{self, Transport};
use crate::message;

/// How long subscribers keep listening after the publisher finished, for messages in flight.
const DRAIN: Duration = Duration::from_millis(500);

/// `*` on the command line means the empty prefix, which matches every topic.
fn prefixes(list: &[String]) -> Vec<Vec<u8>> {
    list.iter()
        .map(|item| {
            if item == "*" {
                Vec::new()
            } else {
                item.as_bytes().to_vec()
            }
        })
        .collect()
}

pub(crate) fn describe_prefixes(prefixes: &[Vec<u8>]) -> String {
    if prefixes.is_empty() {
        return "(nothing)".to_string();
    }
    prefixes
        .iter()
        .map(|prefix| {
            if prefix.is_empty() {
                "* (all)".to_string()
            } else {
                String::from_utf8_lossy(prefix).into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn matches(prefixes: &[Vec<u8>], topic: &[u8]) -> bool {
    prefixes.iter().any(|prefix| topic.starts_with(prefix))
}

fn plan(params: &PubSubParams) -> Plan {
    Plan {
        topics: params.topics.clone(),
        rate: params.rate,
        size: params.size,
        messages: params.messages,
        publisher_id: random_id(),
    }
}

/// A publisher id that differs between runs and processes, without a random-number crate.
fn random_id() -> u32 {
    let nanos = message::now_nanos();
    (nanos as u32) ^ ((nanos >> 32) as u32) ^ std::process::id().rotate_left(16)
}

fn publisher_socket(zmq_context: &zmq::Context, hwm: i32) -> anyhow::Result<zmq::Socket> {
    let socket = zmq_context.socket(zmq::PUB)?;
    endpoint::prepare(&socket)?;
    socket.set_sndhwm(hwm)?;
    Ok(socket)
}

fn subscriber_socket(
    zmq_context: &zmq::Context,
    hwm: i32,
    prefixes: &[Vec<u8>],
    endpoints: &[String],
) -> anyhow::Result<zmq::Socket> {
    let socket = zmq_context.socket(zmq::SUB)?;
    endpoint::prepare(&socket)?;
    socket.set_rcvhwm(hwm)?;
    for prefix in prefixes {
        socket.set_subscribe(prefix)?;
    }
    for endpoint in endpoints {
        endpoint::connect(&socket, endpoint)?;
    }
    Ok(socket)
}

pub(super) fn run_publisher(
    params: &PubSubParams,
    context: &LabContext,
    zmq_context: &zmq::Context,
) -> anyhow::Result<Verdict> {
    let plan = plan(params);
    let instruments = Instruments::new(context, true, false);
    for topic in &plan.topics {
        instruments.topic(topic.as_bytes());
    }
    context.chart(&[instruments.sent()]);
    let socket = publisher_socket(zmq_context, params.hwm)?;
    for requested in &params.bind {
        let bound = endpoint::bind(&socket, requested)?;
        context.info(format!(
            "publisher {:08x} bound {bound}; topics {}",
            plan.publisher_id,
            plan.topics.join(", ")
        ));
    }
    let mut on_send = instruments.sender(&plan.topics, None);
    let sent = publish(&socket, &plan, &mut on_send, context.cancel_token())?;
    Ok(Verdict::pass(format!(
        "published {sent} messages on {}",
        plan.topics.join(", ")
    ))
    .note("A PUB socket cannot tell whether anyone listened: with no matching subscriber, messages are dropped."))
}

pub(super) fn run_subscriber(
    params: &PubSubParams,
    context: &LabContext,
    zmq_context: &zmq::Context,
) -> anyhow::Result<Verdict> {
    let instruments = Instruments::new(context, false, true);
    let prefixes = prefixes(&params.subscribe);
    let totals = instruments.totals();
    context.chart(&[&totals.received, &totals.missed, &totals.dropped]);
    instruments.subscriber("sub-1", &prefixes, None);
    if prefixes.is_empty() {
        context.warn("this subscriber has no subscription, so ZeroMQ will deliver nothing: add --subscribe A (or * for everything)");
    }
    let endpoints = &params.connect;
    let socket = subscriber_socket(zmq_context, params.hwm, &prefixes, endpoints)?;
    context.info(format!(
        "sub-1 connecting to {}, subscribed to {}",
        endpoints.join(", "),
        describe_prefixes(&prefixes)
    ));
    let mut on_receive = instruments.receiver("sub-1", prefixes.clone());
    let never = || false;
    let stop = Stop {
        cancel: context.cancel_token(),
        after_messages: params.messages,
        source_done: &never,
        idle: DRAIN,
    };
    let received = receive(&socket, &stop, &mut on_receive)?;
    let unexpected = on_receive.unexpected.get();
    if received == 0 {
        return Ok(Verdict::fail(format!(
            "received nothing from {} (subscribed to {})",
            endpoints.join(", "),
            describe_prefixes(&prefixes)
        ))
        .note("Check: is a publisher bound there (`workbench lab zmq-pubsub --role publisher`)? Same transport and port? Does a topic start with your prefix? Was anything published after you connected?"));
    }
    let verdict = format!(
        "received {received} messages; missed {} before joining, {} dropped",
        on_receive.missed.mine.get(),
        on_receive.dropped.mine.get()
    );
    if unexpected > 0 {
        return Ok(Verdict::fail(format!(
            "{verdict}, but {unexpected} arrived on topics not subscribed to"
        )));
    }
    Ok(Verdict::pass(verdict))
}

fn both_endpoint(transport: Transport) -> String {
    match transport {
        Transport::Inproc => "inproc://workbench-pubsub".to_string(),
        Transport::Ipc => format!(
            "ipc://{}/workbench-pubsub-{}-{}.ipc",
            std::env::temp_dir().display(),
            std::process::id(),
            random_id()
        ),
        Transport::Tcp => "tcp://127.0.0.1:*".to_string(),
    }
}

pub(super) fn run_both(
    params: &PubSubParams,
    context: &LabContext,
    zmq_context: &zmq::Context,
) -> anyhow::Result<Verdict> {
    let plan = plan(params);
    let hwm = params.hwm;
    let instruments = Instruments::new(context, true, true);
    for topic in &plan.topics {
        instruments.topic(topic.as_bytes());
    }
    let totals = instruments.totals();
    context.chart(&[
        instruments.sent(),
        &totals.received,
        &totals.filtered,
        &totals.missed,
        &totals.dropped,
    ]);

    let socket = publisher_socket(zmq_context, hwm)?;
    let endpoint = endpoint::bind(&socket, &both_endpoint(params.transport))?;
    context.info(format!("publisher bound {endpoint}"));

    // Subscriber N takes prefix N of --subscribe; the late joiner takes everything.
    let subscriptions = prefixes(&params.subscribe);
    let count = params.subscribers;
    let late_after = params.late_joiner;
    let mut seats: Vec<Seat> = (0..count)
        .map(|index| {
            let name = format!("sub-{}", index + 1);
            let prefixes = if subscriptions.is_empty() {
                Vec::new()
            } else {
                vec![subscriptions[index % subscriptions.len()].clone()]
            };
            Seat {
                filtered: context.counter(&format!("{name}/filtered")),
                name,
                prefixes,
                joined: AtomicBool::new(false),
            }
        })
        .collect();
    if !late_after.is_zero() {
        seats.push(Seat {
            name: "late".to_string(),
            prefixes: vec![Vec::new()],
            joined: AtomicBool::new(false),
            filtered: context.counter("late/filtered"),
        });
    }
    for seat in &seats {
        instruments.subscriber(&seat.name, &seat.prefixes, Some(&seat.filtered));
    }
    let membership = Membership {
        seats,
        generation: AtomicU64::new(0),
    };
    let publisher_done = AtomicBool::new(false);
    let slow = params.slow_subscriber;

    let sent = std::thread::scope(|scope| -> anyhow::Result<u64> {
        let mut subscribers = Vec::new();
        for (index, seat) in membership.seats.iter().enumerate() {
            let (instruments, membership, publisher_done, endpoint) =
                (&instruments, &membership, &publisher_done, &endpoint);
            let (publisher_id, topics) = (plan.publisher_id, &plan.topics);
            let is_late = seat.name == "late";
            subscribers.push(scope.spawn(move || -> anyhow::Result<()> {
                if is_late {
                    if !context.sleep(late_after) {
                        return Ok(());
                    }
                    context.info(format!(
                        "late subscriber connects now, {:.1} s after the publisher started",
                        late_after.as_secs_f64()
                    ));
                }
                let socket = subscriber_socket(
                    zmq_context,
                    hwm,
                    &seat.prefixes,
                    std::slice::from_ref(endpoint),
                )?;
                let mut on_receive = instruments.receiver(&seat.name, seat.prefixes.clone());
                on_receive.seat = Some((membership, index));
                if index == 0 {
                    on_receive.work_per_message = slow;
                }
                let done = || publisher_done.load(Ordering::Acquire);
                let stop = Stop {
                    cancel: context.cancel_token(),
                    after_messages: 0,
                    source_done: &done,
                    idle: DRAIN,
                };
                receive(&socket, &stop, &mut on_receive)?;
                // Not stopped early: the batch is over and the books can be closed.
                if !context.is_cancelled() {
                    on_receive.settle(publisher_id, topics);
                }
                Ok(())
            }));
        }

        let filtering = FilterAccounting {
            membership: &membership,
            topics: plan
                .topics
                .iter()
                .map(|topic| topic.as_bytes().to_vec())
                .collect(),
            seen_generation: u64::MAX,
            not_wanted_by: Vec::new(),
            total: instruments.totals().filtered.clone(),
        };
        let mut on_send = instruments.sender(&plan.topics, Some(filtering));
        let outcome = publish(&socket, &plan, &mut on_send, context.cancel_token());
        publisher_done.store(true, Ordering::Release);
        if outcome.is_err() {
            context.cancel_token().cancel();
        }
        for subscriber in subscribers {
            subscriber
                .join()
                .map_err(|_| anyhow::anyhow!("a subscriber thread crashed"))??;
        }
        outcome
    })?;
    if let Some(path) = endpoint.strip_prefix("ipc://") {
        let _ = std::fs::remove_file(path);
    }
    Ok(both_verdict(context, &instruments, &membership, sent))
}

fn both_verdict(
    context: &LabContext,
    instruments: &Instruments,
    membership: &Membership,
    sent: u64,
) -> Verdict {
    let totals = instruments.totals();
    let unexpected = totals.unexpected.get();
    let received_nothing =
        |seat: &&Seat| SubscriberCounters::new(context, &seat.name).received.get() == 0;
    let silent: Vec<&str> = membership
        .seats
        .iter()
        .filter(|seat| !seat.prefixes.is_empty() && received_nothing(seat))
        .filter(|seat| seat.name != "late" || seat.joined.load(Ordering::Acquire))
        .map(|seat| seat.name.as_str())
        .collect();
    let summary = format!(
        "sent {sent}; subscribers received {}, filtered out {}, missed before joining {}, dropped {}",
        totals.received.get(),
        totals.filtered.get(),
        totals.missed.get(),
        totals.dropped.get()
    );
    let verdict = if unexpected > 0 {
        Verdict::fail(format!(
            "{summary}; {unexpected} messages reached a subscriber that did not subscribe to them"
        ))
    } else if !silent.is_empty() && sent > 0 {
        Verdict::fail(format!("{summary}; {} received nothing", silent.join(", ")))
    } else {
        Verdict::pass(summary)
    };
    verdict
        .note("Each subscriber got only the topics it subscribed to: filtering happens at the publisher.")
        .note("'missed before joining' is the slow joiner: messages published before a subscription arrived are gone for good.")
}

#[cfg(test)]
mod tests {
    use super::*;

    use lab_core::{AnyLab, Params, read_params};

    #[test]
    fn the_schema_defaults_parse() {
        let info = AnyLab::info(&PubSubLab);
        let params = Params::defaults(&info.params);
        let typed: PubSubParams = read_params(info.id, &info.params, &params).unwrap();
        assert_eq!(typed.role, Role::Both);
        assert_eq!(typed.topics, ["A", "B"]);
        assert!(lab_core::Lab::validate(&PubSubLab, &typed).is_ok());
    }

    #[test]
    fn prefixes_match_by_start_and_star_means_everything() {
        let list = prefixes(&["A".to_string(), "*".to_string()]);
        assert_eq!(list, vec![b"A".to_vec(), Vec::new()]);
        assert!(matches(&[b"A".to_vec()], b"Apple"));
        assert!(!matches(&[b"A".to_vec()], b"B"));
        assert!(matches(&[Vec::new()], b"B"));
        assert!(!matches(&[], b"A"));
    }

    #[test]
    fn a_bad_endpoint_is_refused_before_start() {
        let pairs = [("role", "subscriber"), ("connect", "localhost:5563")]
            .map(|(name, value)| (name.to_string(), value.to_string()));
        let error = PubSubLab.parse_params(&pairs).unwrap_err();
        assert!(error.contains("--connect"), "{error}");
    }
}
