//! `zmq-publisher`: the student writes a publisher whose messages a subscriber can filter.
//!
//! For filtering to work the topic must travel as the first frame of a two-frame message,
//! `[topic, payload]`, and each topic must be exactly its name. The checker connects two SUB
//! sockets, one subscribed to everything and one to the wanted topic only, and looks at what
//! reaches each.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use lab_core::exercise::{Check, CheckSetup, Checker, Rng, quote};

use crate::endpoint;

/// How long the checker listens.
const LISTEN: Duration = Duration::from_secs(5);
/// Messages on the filtered subscriber after which it has seen enough.
const ENOUGH: usize = 20;

pub struct PublisherChecker;

impl Checker for PublisherChecker {
    fn id(&self) -> &'static str {
        "zmq-publisher"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &["publisher"]
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let endpoint = setup.endpoint("publisher")?;
        let topics: Vec<String> = setup
            .setting("topics", "A,B")
            .split(',')
            .map(str::to_string)
            .collect();
        let filter = setup.setting("filter", "B").to_string();
        let zmq_context = zmq::Context::new();
        let everything = super::socket(&zmq_context, zmq::SUB, Duration::from_millis(20))?;
        everything.set_subscribe(b"")?;
        endpoint::connect(&everything, endpoint)?;
        let filtered = super::socket(&zmq_context, zmq::SUB, Duration::from_millis(20))?;
        filtered.set_subscribe(filter.as_bytes())?;
        endpoint::connect(&filtered, endpoint)?;

        let mut all_messages: Vec<Vec<Vec<u8>>> = Vec::new();
        let mut filtered_messages: Vec<Vec<Vec<u8>>> = Vec::new();
        let listen_until = Instant::now() + setup.time_left(LISTEN);
        while Instant::now() < listen_until && !setup.cancel.is_cancelled() {
            for (socket, messages) in [
                (&everything, &mut all_messages),
                (&filtered, &mut filtered_messages),
            ] {
                match socket.recv_multipart(0) {
                    Ok(frames) if messages.len() < 10_000 => messages.push(frames),
                    Ok(_) | Err(zmq::Error::EAGAIN) => {}
                    Err(error) => return Err(error.into()),
                }
            }
            let topics_seen = first_frames(&all_messages);
            if filtered_messages.len() >= ENOUGH
                && topics
                    .iter()
                    .all(|topic| topics_seen.contains(topic.as_bytes()))
            {
                break;
            }
        }

        let mut checks = Vec::new();
        if all_messages.is_empty() {
            let got = match setup.program_exited() {
                Some(how) => format!("nothing; the program {how}"),
                None => format!("nothing in {} s", LISTEN.as_secs()),
            };
            checks.push(
                Check::fail("publishes messages", format!("messages on {endpoint}"), got).because(format!(
                    "bind a PUB socket to {endpoint} and keep sending in a loop: messages sent before a subscriber connects are lost (the slow joiner)"
                )),
            );
            return Ok(checks);
        }
        checks.push(Check::pass(
            "publishes messages",
            format!("{} received", all_messages.len()),
        ));
        checks.push(two_frames(&all_messages));
        checks.push(every_topic(&all_messages, &topics));
        checks.push(only_filtered(&filtered_messages, &filter));
        checks.push(keeps_publishing(setup, &everything));
        Ok(checks)
    }
}

/// Publishing "until stopped" is watched for seconds (how many is drawn), and messages must
/// still be coming at the end.
fn keeps_publishing(setup: &CheckSetup, socket: &zmq::Socket) -> Check {
    let name = "keeps publishing until it is stopped";
    let watch = Duration::from_millis(setup.probes("publisher/watch").random_range(5000..=7000));
    let started = Instant::now();
    let mut last_message = Instant::now();
    let mut received = 0u64;
    while started.elapsed() < watch && !setup.out_of_time() {
        match socket.recv_multipart(0) {
            Ok(_) => {
                received += 1;
                last_message = Instant::now();
            }
            Err(_) => {
                if setup.program_exited().is_some() {
                    break;
                }
            }
        }
    }
    let silent = last_message.elapsed();
    setup.note(format!(
        "watched {:.1} s more: {received} messages, the last {:.1} s ago",
        started.elapsed().as_secs_f64(),
        silent.as_secs_f64()
    ));
    match setup.program_exited() {
        Some(how) => Check::fail(name, "still running and publishing", format!("it {how}"))
            .because("a publisher sends in a loop, forever (with a short sleep between messages): it stops when it is stopped, not after some messages"),
        None if silent > Duration::from_secs(1) => Check::fail(
            name,
            "messages all the time",
            format!(
                "{received} messages in {:.1} s, then none for {:.1} s",
                started.elapsed().as_secs_f64(),
                silent.as_secs_f64()
            ),
        )
        .because("keep sending in a loop: subscribers that join later must still get messages"),
        None => Check::pass(
            name,
            format!("{received} more messages in {:.1} s", started.elapsed().as_secs_f64()),
        ),
    }
}

fn first_frames(messages: &[Vec<Vec<u8>>]) -> BTreeSet<&[u8]> {
    messages
        .iter()
        .filter_map(|frames| frames.first().map(Vec::as_slice))
        .collect()
}

fn show(frames: &[Vec<u8>]) -> String {
    format!(
        "{} frame(s): {}",
        frames.len(),
        frames
            .iter()
            .map(|frame| quote(frame))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn two_frames(messages: &[Vec<Vec<u8>>]) -> Check {
    let name = "sends each message as two frames: topic, then payload";
    match messages.iter().find(|frames| frames.len() != 2) {
        None => Check::pass(name, format!("{} message(s) checked", messages.len())),
        Some(frames) => Check::fail(name, "2 frames: \"B\", \"…payload…\"", show(frames)).because(
            "send the topic as a frame of its own: PHP $socket->sendmulti([$topic, $payload]), Python socket.send_multipart([topic, payload])",
        ),
    }
}

fn every_topic(messages: &[Vec<Vec<u8>>], topics: &[String]) -> Check {
    let name = format!("publishes on every topic: {}", topics.join(", "));
    let seen = first_frames(messages);
    let missing: Vec<&String> = topics
        .iter()
        .filter(|topic| !seen.contains(topic.as_bytes()))
        .collect();
    if missing.is_empty() {
        return Check::pass(name, format!("{} topic frame(s) seen", seen.len()));
    }
    let seen_text: Vec<String> = seen.iter().take(8).map(|topic| quote(topic)).collect();
    Check::fail(
        name,
        format!("topic frames {}", topics.join(", ")),
        format!("topic frames seen: {}", seen_text.join(", ")),
    )
    .because("the topic frame must be exactly the topic's name, and the program must send on each of them in turn")
}

fn only_filtered(messages: &[Vec<Vec<u8>>], filter: &str) -> Check {
    let name = format!("a subscriber to \"{filter}\" receives only topic {filter}");
    if messages.is_empty() {
        return Check::fail(name, format!("messages on topic {filter}"), "none")
            .because(format!("publish on topic \"{filter}\" too"));
    }
    match messages
        .iter()
        .find(|frames| frames.first().map(Vec::as_slice) != Some(filter.as_bytes()))
    {
        None => Check::pass(name, format!("{} message(s), all on {filter}", messages.len())),
        Some(frames) => Check::fail(name, format!("first frame exactly \"{filter}\""), show(frames)).because(
            "a subscription matches by prefix: the topic frame must be the topic alone, with no payload or suffix after it",
        ),
    }
}
