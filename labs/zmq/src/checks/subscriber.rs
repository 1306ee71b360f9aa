//! `zmq-subscriber`: the student writes a subscriber that prints only one topic.
//!
//! The checker binds a PUB socket where the student's SUB connects, publishes on the wanted
//! topic and on others, and reads what the program prints: one line per message, the topic, a
//! space, then the payload. Payloads carry the pub/sub lab's header (`pub=… seq=… ts=…`), and
//! the checker remembers the topic of every timestamp it sent, so it knows exactly which
//! message each printed line is, even when the program prints the wrong topic in front of it.
//!
//! It starts by publishing until the program prints something: a new subscriber always misses
//! the first messages (the slow joiner), so nothing counts until the subscription has arrived.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use lab_core::exercise::{
    Check, CheckName, CheckSetup, Checker, ProgramOutput, Rng, ended_in, quote,
};
use lab_i18n::{Lang, tr};

use super::some_of;
use crate::endpoint;
use crate::message::{self, Header};

/// The publisher id in warm-up messages: printing one shows the subscription works.
const WARMUP_ID: u32 = 0x0000_0a11;
/// The publisher id in the graded batch.
const BATCH_ID: u32 = 0x0000_b0b0;
/// The publisher id of the messages sent after a pause.
const LATER_ID: u32 = 0x0000_1a7e;
/// How long the program may take to print its first message.
const FIRST_MESSAGE: Duration = Duration::from_secs(10);
/// How long after the batch the checker waits for the last lines.
const SETTLE: Duration = Duration::from_secs(3);

pub struct SubscriberChecker;

impl Checker for SubscriberChecker {
    fn id(&self) -> &'static str {
        "zmq-subscriber"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &["publisher"]
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let Some(output) = &setup.program else {
            anyhow::bail!(tr!(setup.lang, "zmq-sub-needs-command"));
        };
        let wanted = setup.setting("topic", "B").to_string();
        let mut topics = vec![wanted.clone()];
        topics.extend(
            setup
                .setting("other-topics", "A,C")
                .split(',')
                .map(str::to_string),
        );
        let endpoint = setup.endpoint("publisher")?;
        let zmq_context = zmq::Context::new();
        let socket = super::socket(&zmq_context, zmq::PUB, Duration::from_millis(100))?;
        socket.set_sndhwm(100_000)?;
        endpoint::bind(&socket, endpoint)?;
        let mut publisher = Publisher {
            socket: &socket,
            topics: &topics,
            sent: BTreeMap::new(),
            payload: Vec::new(),
        };

        let mut checks = Vec::new();
        match warm_up(setup, output, &mut publisher, endpoint, &wanted)? {
            Ok(pass) => checks.push(pass),
            Err(fail) => {
                checks.push(fail);
                return Ok(checks);
            }
        }

        let mut rng = setup.probes("subscriber");
        let per_topic: u64 = rng.random_range(15..=30);
        let batch_start = output.line_count();
        for round in 0..per_topic {
            for topic in 0..topics.len() {
                publisher.send(BATCH_ID, topic, round)?;
            }
            // Spread out a little, as a real publisher would: a burst all at once tests the
            // student's queue, not their subscription.
            setup.cancel.sleep(Duration::from_millis(2));
        }
        let settle_until = Instant::now() + setup.time_left(SETTLE);
        let seen = loop {
            let seen = Seen::read(
                &output.lines_from(batch_start),
                batch_start,
                &topics,
                &publisher.sent,
            );
            let complete = seen.wanted_sequences(&wanted).len() as u64 >= per_topic;
            if complete || Instant::now() >= settle_until || setup.out_of_time() {
                break seen;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        checks.push(all_wanted_arrived(setup.lang, &seen, &wanted, per_topic));
        checks.push(nothing_else(setup.lang, &seen, &wanted));
        checks.push(topic_then_payload(setup.lang, &seen));
        checks.push(later_messages(
            setup,
            output,
            &mut publisher,
            &wanted,
            &mut rng,
        )?);
        Ok(checks)
    }
}

/// Sends numbered messages and remembers which topic each timestamp went out on.
struct Publisher<'a> {
    socket: &'a zmq::Socket,
    topics: &'a [String],
    /// Timestamp in the header → (topic index, sequence).
    sent: BTreeMap<u64, (usize, u64)>,
    payload: Vec<u8>,
}

impl Publisher<'_> {
    fn send(&mut self, publisher: u32, topic: usize, sequence: u64) -> anyhow::Result<()> {
        let mut sent_at_nanos = message::now_nanos();
        // Two messages in the same nanosecond would share a key.
        while self.sent.contains_key(&sent_at_nanos) {
            sent_at_nanos += 1;
        }
        let header = Header {
            publisher,
            sequence,
            sent_at_nanos,
        };
        message::encode(&mut self.payload, header, 64);
        self.socket
            .send(self.topics[topic].as_bytes(), zmq::SNDMORE)?;
        self.socket.send(&self.payload[..], 0)?;
        self.sent.insert(sent_at_nanos, (topic, sequence));
        Ok(())
    }
}

/// Publishes on every topic until the program prints one of the messages.
fn warm_up(
    setup: &CheckSetup,
    output: &ProgramOutput,
    publisher: &mut Publisher,
    endpoint: &str,
    wanted: &str,
) -> anyhow::Result<Result<Check, Check>> {
    let lang = setup.lang;
    let name = &CheckName::new(lang, |lang| tr!(lang, "zmq-sub-connects"));
    let started = Instant::now();
    let mut round = 0;
    loop {
        for topic in 0..publisher.topics.len() {
            publisher.send(WARMUP_ID, topic, round)?;
        }
        round += 1;
        // All of it, from the program's first line: a banner it printed before the checker
        // started publishing is still what it printed.
        let lines = output.lines_from(0);
        if lines.iter().any(|line| header_in(line).is_some()) {
            return Ok(Ok(Check::pass(
                name,
                tr!(
                    lang,
                    "zmq-sub-first-printed",
                    seconds = format!("{:.1}", started.elapsed().as_secs_f64())
                ),
            )));
        }
        if let Some(how) = setup.program_exited() {
            return Ok(Err(Check::fail(
                name,
                tr!(lang, "zmq-sub-keeps-running-expected"),
                tr!(
                    lang,
                    "zmq-sub-ended-after-lines",
                    how = ended_in(lang, &how),
                    count = lines.len()
                ),
            )
            .because(tr!(lang, "zmq-sub-loops-try"))));
        }
        if started.elapsed() >= FIRST_MESSAGE || setup.out_of_time() {
            let got = match lines.first() {
                None => tr!(
                    lang,
                    "zmq-sub-nothing-printed",
                    seconds = FIRST_MESSAGE.as_secs()
                ),
                Some(first) => tr!(
                    lang,
                    "zmq-sub-no-payload",
                    count = lines.len(),
                    first = quote(first.as_bytes())
                ),
            };
            return Ok(Err(Check::fail(
                name,
                tr!(
                    lang,
                    "zmq-sub-lines-like",
                    topic = wanted,
                    seconds = FIRST_MESSAGE.as_secs()
                ),
                got,
            )
            .because(tr!(
                lang,
                "zmq-sub-subscribed-try",
                endpoint = endpoint,
                topic = wanted
            ))));
        }
        setup.cancel.sleep(Duration::from_millis(50));
    }
}

/// Finds the workbench header in a printed line.
fn header_in(line: &str) -> Option<(usize, Header)> {
    let start = line.find("pub=")?;
    message::decode(&line.as_bytes()[start..]).map(|header| (start, header))
}

/// The graded messages the program printed, by the topic they were really sent on.
struct Seen {
    printed: Vec<Printed>,
}

/// One graded message as the program printed it.
struct Printed {
    /// The topic it was really sent on.
    topic: String,
    sequence: u64,
    /// Its line in the program's output, counting from 1.
    line_number: usize,
    line: String,
    /// Where the payload starts in the line: what stands before it should be the topic.
    payload_start: usize,
}

impl Seen {
    fn read(
        lines: &[String],
        first_line: usize,
        topics: &[String],
        sent: &BTreeMap<u64, (usize, u64)>,
    ) -> Seen {
        let mut printed = Vec::new();
        for (offset, line) in lines.iter().enumerate() {
            let Some((payload_start, header)) = header_in(line) else {
                continue;
            };
            if header.publisher != BATCH_ID {
                continue;
            }
            if let Some(&(topic, sequence)) = sent.get(&header.sent_at_nanos) {
                printed.push(Printed {
                    topic: topics[topic].clone(),
                    sequence,
                    line_number: first_line + offset + 1,
                    line: line.clone(),
                    payload_start,
                });
            }
        }
        Seen { printed }
    }

    fn wanted_sequences(&self, wanted: &str) -> BTreeSet<u64> {
        self.printed
            .iter()
            .filter(|printed| printed.topic == wanted)
            .map(|printed| printed.sequence)
            .collect()
    }
}

/// After a drawn pause, a few more messages on the wanted topic: the subscriber is still
/// running and still printing.
fn later_messages(
    setup: &CheckSetup,
    output: &ProgramOutput,
    publisher: &mut Publisher,
    wanted: &str,
    rng: &mut lab_core::exercise::Probes,
) -> anyhow::Result<Check> {
    let lang = setup.lang;
    let name = &CheckName::new(lang, |lang| tr!(lang, "zmq-sub-keeps-receiving"));
    let pause = Duration::from_millis(rng.random_range(1500..=3000));
    let later: u64 = rng.random_range(3..=6);
    setup.note(tr!(
        lang,
        "zmq-sub-trace-later",
        ms = pause.as_millis() as u64,
        count = later,
        topic = wanted
    ));
    setup.cancel.sleep(pause);
    let start = output.line_count();
    let wanted_index = publisher
        .topics
        .iter()
        .position(|topic| topic == wanted)
        .unwrap_or(0);
    for sequence in 0..later {
        publisher.send(LATER_ID, wanted_index, sequence)?;
        setup.cancel.sleep(Duration::from_millis(20));
    }
    let until = Instant::now() + setup.time_left(SETTLE);
    let printed = loop {
        let printed = output
            .lines_from(start)
            .iter()
            .filter(|line| header_in(line).is_some_and(|(_, header)| header.publisher == LATER_ID))
            .count() as u64;
        if printed >= later || Instant::now() >= until || setup.program_exited().is_some() {
            break printed;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Ok(match setup.program_exited() {
        Some(how) => Check::fail(
            name,
            tr!(lang, "zmq-sub-still-running-expected"),
            tr!(lang, "zmq-it-ended", how = ended_in(lang, &how)),
        )
        .because(tr!(lang, "zmq-sub-forever-try")),
        None if printed < later => Check::fail(
            name,
            tr!(
                lang,
                "zmq-sub-more-expected",
                count = later,
                seconds = format!("{:.1}", pause.as_secs_f64())
            ),
            tr!(lang, "zmq-sub-printed", count = printed),
        )
        .because(tr!(lang, "zmq-sub-keep-receiving-try")),
        None => Check::pass(
            name,
            tr!(
                lang,
                "zmq-sub-more-pass",
                count = later,
                seconds = format!("{:.1}", pause.as_secs_f64())
            ),
        ),
    })
}

fn all_wanted_arrived(lang: Lang, seen: &Seen, wanted: &str, per_topic: u64) -> Check {
    let name = &CheckName::new(lang, |lang| {
        tr!(lang, "zmq-sub-every-message", topic = wanted)
    });
    let arrived = seen.wanted_sequences(wanted);
    if arrived.len() as u64 >= per_topic {
        return Check::pass(
            name,
            tr!(lang, "zmq-sub-of", count = per_topic, total = per_topic),
        );
    }
    let missing: Vec<u64> = (0..per_topic)
        .filter(|seq| !arrived.contains(seq))
        .collect();
    Check::fail(
        name,
        tr!(
            lang,
            "zmq-sub-all-expected",
            count = per_topic,
            topic = wanted,
            last = per_topic - 1
        ),
        tr!(
            lang,
            "zmq-sub-missing",
            count = arrived.len(),
            total = per_topic,
            missing = some_of(&missing)
        ),
    )
    .because(tr!(lang, "zmq-sub-all-reach-try"))
}

fn nothing_else(lang: Lang, seen: &Seen, wanted: &str) -> Check {
    let name = &CheckName::new(lang, |lang| {
        tr!(lang, "zmq-sub-nothing-else", topic = wanted)
    });
    let others: Vec<&Printed> = seen
        .printed
        .iter()
        .filter(|printed| printed.topic != wanted)
        .collect();
    let Some(first) = others.first() else {
        return Check::pass(name, tr!(lang, "zmq-sub-none-printed"));
    };
    let topics: BTreeSet<&str> = others
        .iter()
        .map(|printed| printed.topic.as_str())
        .collect();
    Check::fail(
        name,
        tr!(lang, "zmq-sub-only-on", topic = wanted),
        tr!(
            lang,
            "zmq-sub-others",
            count = others.len(),
            topics = topics.into_iter().collect::<Vec<_>>().join(", "),
            line = first.line_number,
            topic = first.topic.as_str(),
            text = quote(first.line.as_bytes())
        ),
    )
    .because(tr!(lang, "zmq-sub-prefix-try", topic = wanted))
}

fn topic_then_payload(lang: Lang, seen: &Seen) -> Check {
    let name = &CheckName::new(lang, |lang| tr!(lang, "zmq-sub-topic-then-payload"));
    let wrong = seen
        .printed
        .iter()
        .find(|printed| printed.line[..printed.payload_start].trim_end() != printed.topic);
    match wrong {
        None if seen.printed.is_empty() => Check::pass(name, tr!(lang, "zmq-sub-nothing-to-judge")),
        None => Check::pass(
            name,
            tr!(lang, "zmq-sub-lines-checked", count = seen.printed.len()),
        ),
        Some(printed) => Check::fail(
            name,
            tr!(
                lang,
                "zmq-sub-line-starting",
                topic = printed.topic.as_str()
            ),
            tr!(
                lang,
                "zmq-sub-output-line",
                line = printed.line_number,
                text = quote(printed.line.as_bytes())
            ),
        )
        .because(tr!(lang, "zmq-sub-frames-try")),
    }
}
