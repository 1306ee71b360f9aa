//! `zmq-publisher`: the student writes a publisher whose messages a subscriber can filter.
//!
//! For filtering to work the topic must travel as the first frame of a two-frame message,
//! `[topic, payload]`, and each topic must be exactly its name. The checker connects two SUB
//! sockets, one subscribed to everything and one to the wanted topic only, and looks at what
//! reaches each.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use lab_core::exercise::{Check, CheckName, CheckSetup, Checker, Rng, ended_in, quote};
use lab_i18n::{Lang, tr};

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

        let lang = setup.lang;
        let publishes = CheckName::new(lang, |lang| tr!(lang, "zmq-pub-publishes"));
        let mut checks = Vec::new();
        if all_messages.is_empty() {
            let got = match setup.program_exited() {
                Some(how) => tr!(lang, "zmq-pub-nothing-ended", how = ended_in(lang, &how)),
                None => tr!(lang, "zmq-pub-nothing-in", seconds = LISTEN.as_secs()),
            };
            checks.push(
                Check::fail(
                    &publishes,
                    tr!(lang, "zmq-pub-messages-on", endpoint = endpoint),
                    got,
                )
                .because(tr!(lang, "zmq-pub-bind-try", endpoint = endpoint)),
            );
            return Ok(checks);
        }
        checks.push(Check::pass(
            &publishes,
            tr!(lang, "zmq-pub-received", count = all_messages.len()),
        ));
        checks.push(two_frames(lang, &all_messages));
        checks.push(every_topic(lang, &all_messages, &topics));
        checks.push(only_filtered(lang, &filtered_messages, &filter));
        checks.push(keeps_publishing(setup, &everything));
        Ok(checks)
    }
}

/// Publishing "until stopped" is watched for seconds (how many is drawn), and messages must
/// still be coming at the end.
fn keeps_publishing(setup: &CheckSetup, socket: &zmq::Socket) -> Check {
    let lang = setup.lang;
    let name = &CheckName::new(lang, |lang| tr!(lang, "zmq-pub-keeps-publishing"));
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
    let watched = format!("{:.1}", started.elapsed().as_secs_f64());
    let silent_for = format!("{:.1}", silent.as_secs_f64());
    setup.note(tr!(
        lang,
        "zmq-pub-trace-watched",
        seconds = watched.as_str(),
        count = received,
        ago = silent_for.as_str()
    ));
    match setup.program_exited() {
        Some(how) => Check::fail(
            name,
            tr!(lang, "zmq-pub-still-publishing"),
            tr!(lang, "zmq-it-ended", how = ended_in(lang, &how)),
        )
        .because(tr!(lang, "zmq-pub-forever-try")),
        None if silent > Duration::from_secs(1) => Check::fail(
            name,
            tr!(lang, "zmq-pub-all-the-time"),
            tr!(
                lang,
                "zmq-pub-then-none",
                count = received,
                seconds = watched.as_str(),
                silent = silent_for.as_str()
            ),
        )
        .because(tr!(lang, "zmq-pub-keep-sending-try")),
        None => Check::pass(
            name,
            tr!(
                lang,
                "zmq-pub-more",
                count = received,
                seconds = watched.as_str()
            ),
        ),
    }
}

fn first_frames(messages: &[Vec<Vec<u8>>]) -> BTreeSet<&[u8]> {
    messages
        .iter()
        .filter_map(|frames| frames.first().map(Vec::as_slice))
        .collect()
}

fn show(lang: Lang, frames: &[Vec<u8>]) -> String {
    tr!(
        lang,
        "zmq-pub-frames",
        count = frames.len(),
        frames = frames
            .iter()
            .map(|frame| quote(frame))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn two_frames(lang: Lang, messages: &[Vec<Vec<u8>>]) -> Check {
    let name = &CheckName::new(lang, |lang| tr!(lang, "zmq-pub-two-frames"));
    match messages.iter().find(|frames| frames.len() != 2) {
        None => Check::pass(name, tr!(lang, "zmq-pub-checked", count = messages.len())),
        Some(frames) => Check::fail(
            name,
            tr!(lang, "zmq-pub-two-frames-expected"),
            show(lang, frames),
        )
        .because(tr!(lang, "zmq-pub-sendmulti-try")),
    }
}

fn every_topic(lang: Lang, messages: &[Vec<Vec<u8>>], topics: &[String]) -> Check {
    let joined = topics.join(", ");
    let name = &CheckName::new(lang, |lang| {
        tr!(lang, "zmq-pub-every-topic", topics = joined.as_str())
    });
    let seen = first_frames(messages);
    let missing: Vec<&String> = topics
        .iter()
        .filter(|topic| !seen.contains(topic.as_bytes()))
        .collect();
    if missing.is_empty() {
        return Check::pass(name, tr!(lang, "zmq-pub-topics-seen", count = seen.len()));
    }
    let seen_text: Vec<String> = seen.iter().take(8).map(|topic| quote(topic)).collect();
    Check::fail(
        name,
        tr!(lang, "zmq-pub-topic-frames", topics = joined.as_str()),
        tr!(
            lang,
            "zmq-pub-topic-frames-seen",
            topics = seen_text.join(", ")
        ),
    )
    .because(tr!(lang, "zmq-pub-each-topic-try"))
}

fn only_filtered(lang: Lang, messages: &[Vec<Vec<u8>>], filter: &str) -> Check {
    let name = &CheckName::new(lang, |lang| {
        tr!(lang, "zmq-pub-only-filtered", topic = filter)
    });
    if messages.is_empty() {
        return Check::fail(
            name,
            tr!(lang, "zmq-pub-messages-on-topic", topic = filter),
            tr!(lang, "zmq-pub-none"),
        )
        .because(tr!(lang, "zmq-pub-publish-too-try", topic = filter));
    }
    match messages
        .iter()
        .find(|frames| frames.first().map(Vec::as_slice) != Some(filter.as_bytes()))
    {
        None => Check::pass(
            name,
            tr!(
                lang,
                "zmq-pub-all-on",
                count = messages.len(),
                topic = filter
            ),
        ),
        Some(frames) => Check::fail(
            name,
            tr!(lang, "zmq-pub-first-frame-exactly", topic = filter),
            show(lang, frames),
        )
        .because(tr!(lang, "zmq-pub-prefix-match-try")),
    }
}
