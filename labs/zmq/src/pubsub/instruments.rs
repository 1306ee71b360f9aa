//! How the pub/sub lab measures itself, kept apart from the sockets so `publisher.rs` and
//! `subscriber.rs` read as plain ZeroMQ code.
//!
//! The publisher and subscriber loops call an observer once per message. Here are the lab's
//! observers: counts kept in plain variables and added to the dashboard's shared counters every
//! few milliseconds, a latency sample, and the sequence-number bookkeeping that reveals messages
//! a subscriber never got. The benchmark runs the same loops with do-nothing observers to show
//! what all this costs.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use lab_core::{Cell, Counter, Gauge, LabContext, Recorder};

use super::{OnReceive, OnSend, describe_prefixes, matches};
use crate::message;

/// The lab's dashboard instruments: the topic and subscriber tables, and the makers of the
/// per-socket observers below. One per run, shared by every role's threads.
pub struct Instruments<'a> {
    context: &'a LabContext,
    show_sent: bool,
    show_received: bool,
    /// Every topic seen so far, with the counters of its row.
    topics_seen: Mutex<Vec<TopicCounters>>,
    joined: Gauge,
    /// The lab-wide totals over every subscriber in this process, made with the first.
    totals: OnceLock<Totals>,
    /// Everything the publisher sent, over all topics, made with the publisher's observer.
    sent: OnceLock<Counter>,
    /// The most publishers any one subscriber has heard from (a SUB socket may connect to
    /// several); told apart by the id in each message's header.
    publishers_heard: Gauge,
}

impl<'a> Instruments<'a> {
    /// `show_sent` / `show_received`: which sides of the topic table this role can fill in.
    pub fn new(context: &'a LabContext, show_sent: bool, show_received: bool) -> Instruments<'a> {
        let mut columns = vec!["topic"];
        if show_sent {
            columns.extend(["sent", "sent/s"]);
        }
        if show_received {
            columns.extend(["received", "recv/s"]);
        }
        context.set_table("topics", &columns, Vec::new());
        context.set_table(
            "subscribers",
            &[
                "subscriber",
                "wants",
                "received",
                "recv/s",
                "missed",
                "dropped",
                "filtered",
            ],
            Vec::new(),
        );
        context.bars("subscribers", "received");
        Instruments {
            context,
            show_sent,
            show_received,
            topics_seen: Mutex::new(Vec::new()),
            joined: context.gauge("subscribers joined"),
            totals: OnceLock::new(),
            sent: OnceLock::new(),
            publishers_heard: context.gauge("publishers heard"),
        }
    }

    /// Everything sent, over all topics.
    pub fn sent(&self) -> &Counter {
        self.sent.get_or_init(|| self.context.counter("sent"))
    }

    /// What the subscribers in this process received, missed, had dropped and filtered out.
    pub fn totals(&self) -> &Totals {
        self.totals.get_or_init(|| Totals {
            received: self.context.counter("received"),
            missed: self.context.counter("missed"),
            dropped: self.context.counter("dropped"),
            filtered: self.context.counter("filtered"),
            unexpected: self.context.counter("unexpected"),
        })
    }

    /// The counters of a topic's row, made (and the row added) the first time anyone sees it.
    pub fn topic(&self, topic: &[u8]) -> TopicCounters {
        let topic = topic_key(topic);
        let mut seen = lab_core::lock(&self.topics_seen);
        if let Some(known) = seen.iter().find(|known| known.key == topic) {
            return known.clone();
        }
        let name = display_topic(topic);
        let counters = TopicCounters {
            key: topic.to_vec(),
            sent: self
                .show_sent
                .then(|| self.context.counter(&format!("sent/{name}"))),
            received: self
                .show_received
                .then(|| self.context.counter(&format!("received/{name}"))),
        };
        let mut row = vec![Cell::Text(name)];
        for counter in [&counters.sent, &counters.received].into_iter().flatten() {
            row.push(Cell::count(counter));
            row.push(Cell::rate(counter));
        }
        self.context.add_table_row("topics", row);
        seen.push(counters.clone());
        counters
    }

    /// Adds a subscriber's row; `filtered` when its filtered-out count is known here.
    pub fn subscriber(&self, name: &str, prefixes: &[Vec<u8>], filtered: Option<&Counter>) {
        let mine = SubscriberCounters::new(self.context, name);
        self.context.add_table_row(
            "subscribers",
            vec![
                Cell::Text(name.to_string()),
                Cell::Text(describe_prefixes(prefixes)),
                Cell::count(&mine.received),
                Cell::rate(&mine.received),
                Cell::count(&mine.missed),
                Cell::count(&mine.dropped),
                filtered.map_or_else(|| Cell::Text("n/a".into()), Cell::count),
            ],
        );
    }

    /// The publisher's observer; `filtering` when the subscribers live in this process.
    pub fn sender(
        &self,
        topics: &[String],
        filtering: Option<FilterAccounting<'a>>,
    ) -> CountedSend<'a> {
        CountedSend {
            total: self.sent().clone(),
            per_topic: topics
                .iter()
                .filter_map(|topic| self.topic(topic.as_bytes()).sent)
                .collect(),
            pending: vec![0; topics.len()],
            pending_total: 0,
            filtering,
        }
    }

    /// One subscriber's observer, named `name` in counters and tables.
    pub fn receiver(&'a self, name: &str, prefixes: Vec<Vec<u8>>) -> CountedReceive<'a> {
        CountedReceive::new(self, name, prefixes)
    }
}

/// One topic's row: its counters on the sides this role sees.
#[derive(Clone)]
pub struct TopicCounters {
    key: Vec<u8>,
    pub sent: Option<Counter>,
    pub received: Option<Counter>,
}

/// What every subscriber in this process received, missed, had dropped and had filtered out,
/// and the messages that reached one on a topic it did not ask for.
pub struct Totals {
    pub received: Counter,
    pub missed: Counter,
    pub dropped: Counter,
    pub filtered: Counter,
    pub unexpected: Counter,
}

/// One subscriber's own counters (`sub-1/received`, ...), beside the lab-wide totals.
pub(super) struct SubscriberCounters {
    pub(super) received: Counter,
    missed: Counter,
    dropped: Counter,
}

impl SubscriberCounters {
    pub(super) fn new(context: &LabContext, name: &str) -> SubscriberCounters {
        SubscriberCounters {
            received: context.counter(&format!("{name}/received")),
            missed: context.counter(&format!("{name}/missed")),
            dropped: context.counter(&format!("{name}/dropped")),
        }
    }
}

/// The part of a topic frame that names it in counters and tables: up to the first space, at
/// most 24 bytes. A one-frame message from another program ("B hello 42") carries its content
/// in the frame the subscription matches; keying by the whole frame would make every message a
/// topic of its own.
fn topic_key(topic: &[u8]) -> &[u8] {
    let end = topic
        .iter()
        .position(|byte| *byte == b' ')
        .unwrap_or(topic.len())
        .min(24);
    &topic[..end]
}

/// A topic's name in counters and tables.
pub(super) fn display_topic(topic: &[u8]) -> String {
    String::from_utf8_lossy(topic_key(topic)).into_owned()
}

/// The publisher's instrumentation: counts per topic, published every few hundred messages
/// (and whenever the publisher pauses), plus the filter
/// accounting when the subscribers live in this process.
pub struct CountedSend<'a> {
    total: Counter,
    per_topic: Vec<Counter>,
    /// Sends per topic not yet added to the shared counters: adding them up here and publishing
    /// every few hundred keeps the shared atomics off the per-message path.
    pending: Vec<u64>,
    pending_total: u64,
    filtering: Option<FilterAccounting<'a>>,
}

/// How many sends the publisher counts locally before publishing them to the dashboard.
const SENDS_PER_FLUSH: u64 = 256;

impl OnSend for CountedSend<'_> {
    #[inline]
    fn sent(&mut self, topic_index: usize) {
        // A subscriber joined: what was sent before counts against the old membership.
        if self
            .filtering
            .as_ref()
            .is_some_and(FilterAccounting::changed)
        {
            self.flush();
            if let Some(filtering) = &mut self.filtering {
                filtering.recompute();
            }
        }
        self.pending[topic_index] += 1;
        self.pending_total += 1;
        if self.pending_total >= SENDS_PER_FLUSH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        for (topic_index, count) in self.pending.iter_mut().enumerate() {
            if *count > 0 {
                if let Some(counter) = self.per_topic.get(topic_index) {
                    counter.add(*count);
                }
                if let Some(filtering) = &self.filtering {
                    filtering.add(topic_index, *count);
                }
                *count = 0;
            }
        }
        self.total.add(self.pending_total);
        self.pending_total = 0;
    }
}

/// The subscribers of a `--role both` run, as the publisher's filter accounting sees them.
pub(super) struct Membership {
    pub(super) seats: Vec<Seat>,
    /// Bumped whenever a subscriber joins, so the publisher knows to recompute.
    pub(super) generation: AtomicU64,
}

pub(super) struct Seat {
    pub(super) name: String,
    pub(super) prefixes: Vec<Vec<u8>>,
    pub(super) joined: AtomicBool,
    pub(super) filtered: Counter,
}

pub struct FilterAccounting<'a> {
    pub(super) membership: &'a Membership,
    pub(super) topics: Vec<Vec<u8>>,
    pub(super) seen_generation: u64,
    /// Per topic: the filtered-out counters of joined subscribers that do not want it.
    pub(super) not_wanted_by: Vec<Vec<Counter>>,
    pub(super) total: Counter,
}

impl FilterAccounting<'_> {
    /// Has a subscriber joined since the last [`FilterAccounting::recompute`]?
    #[inline]
    fn changed(&self) -> bool {
        self.membership.generation.load(Ordering::Acquire) != self.seen_generation
    }

    /// Counts `count` messages on a topic as filtered out by everyone who does not want it.
    fn add(&self, topic_index: usize, count: u64) {
        let counters = &self.not_wanted_by[topic_index];
        for counter in counters {
            counter.add(count);
        }
        self.total.add(count * counters.len() as u64);
    }

    fn recompute(&mut self) {
        self.seen_generation = self.membership.generation.load(Ordering::Acquire);
        self.not_wanted_by = self
            .topics
            .iter()
            .map(|topic| {
                self.membership
                    .seats
                    .iter()
                    .filter(|seat| seat.joined.load(Ordering::Acquire))
                    .filter(|seat| !matches(&seat.prefixes, topic))
                    .map(|seat| seat.filtered.clone())
                    .collect()
            })
            .collect();
    }
}

/// Lab-wide and per-subscriber totals of one kind.
pub(super) struct Pair {
    all: Counter,
    pub(super) mine: Counter,
}

impl Pair {
    fn new(all: Counter, mine: Counter) -> Pair {
        Pair { all, mine }
    }

    #[inline]
    fn add(&self, amount: u64) {
        self.all.add(amount);
        self.mine.add(amount);
    }
}

/// One publisher's messages on one topic, as a subscriber follows them.
struct Stream {
    publisher: u32,
    topic: Vec<u8>,
    next_sequence: u64,
}

/// The subscriber's instrumentation: counts, latency, and the sequence-number bookkeeping that
/// reveals missed and dropped messages.
pub struct CountedReceive<'a> {
    context: &'a LabContext,
    instruments: &'a Instruments<'a>,
    name: String,
    prefixes: Vec<Vec<u8>>,
    received: Pair,
    pub(super) missed: Pair,
    pub(super) dropped: Pair,
    pub(super) unexpected: Counter,
    /// In `--role both`: the membership the publisher's filter accounting reads, and our seat.
    pub(super) seat: Option<(&'a Membership, usize)>,
    /// Per topic: its name, its shared counter, and receipts not yet added to that counter.
    per_topic: Vec<(Vec<u8>, Counter, u64)>,
    /// Receipts not yet added to the shared counters (see [`CountedReceive::flush`]).
    pending_received: u64,
    last_flush_nanos: u64,
    /// Reading the clock costs about as much as the rest of the bookkeeping together, so at
    /// high rates only every `clock_every`-th message is timed (see `received`).
    clock_every: u32,
    until_clock: u32,
    last_clock_nanos: u64,
    streams: Vec<Stream>,
    /// The publisher ids heard from so far.
    publishers: Vec<u32>,
    latency: Recorder,
    started: Instant,
    first_message: bool,
    /// Drops not yet reported in the event log; reported at most once a second.
    unreported_drops: u64,
    last_drop_report: Instant,
    pub(super) work_per_message: Duration,
}

impl<'a> CountedReceive<'a> {
    fn new(
        instruments: &'a Instruments<'a>,
        name: &str,
        prefixes: Vec<Vec<u8>>,
    ) -> CountedReceive<'a> {
        let context = instruments.context;
        let mine = SubscriberCounters::new(context, name);
        CountedReceive {
            context,
            instruments,
            name: name.to_string(),
            prefixes,
            received: Pair::new(instruments.totals().received.clone(), mine.received),
            missed: Pair::new(instruments.totals().missed.clone(), mine.missed),
            dropped: Pair::new(instruments.totals().dropped.clone(), mine.dropped),
            unexpected: instruments.totals().unexpected.clone(),
            seat: None,
            per_topic: Vec::new(),
            pending_received: 0,
            last_flush_nanos: 0,
            clock_every: 1,
            until_clock: 1,
            last_clock_nanos: 0,
            streams: Vec::new(),
            publishers: Vec::new(),
            latency: context.histogram("latency", "µs").recorder(),
            started: Instant::now(),
            first_message: true,
            unreported_drops: 0,
            last_drop_report: Instant::now(),
            work_per_message: Duration::ZERO,
        }
    }

    /// Counts one receipt on `topic`, locally until the next flush.
    fn count_topic(&mut self, topic: &[u8]) {
        let index = match self
            .per_topic
            .iter()
            .position(|(known, _, _)| known == topic)
        {
            Some(index) => index,
            None => {
                let Some(counter) = self.instruments.topic(topic).received else {
                    return;
                };
                self.per_topic.push((topic.to_vec(), counter, 0));
                self.per_topic.len() - 1
            }
        };
        self.per_topic[index].2 += 1;
    }

    fn on_first_message(&mut self) {
        self.first_message = false;
        self.instruments.joined.add(1);
        if let Some((membership, index)) = self.seat {
            membership.seats[index]
                .joined
                .store(true, Ordering::Release);
            membership.generation.fetch_add(1, Ordering::AcqRel);
        }
        self.context.info(format!(
            "{} received its first message {} ms after connecting",
            self.name,
            self.started.elapsed().as_millis()
        ));
    }

    /// Closes the books after a batch, when the publisher (in this process, id `publisher`)
    /// has finished and this subscriber has read everything that reached it. Messages after
    /// the last one received leave no gap to notice, so they are counted here: the publisher's
    /// totals say how many there were.
    pub fn settle(&mut self, publisher: u32, topics: &[String]) {
        self.flush();
        for topic in topics.iter().map(|topic| topic.as_bytes()) {
            if !matches(&self.prefixes, topic) {
                continue;
            }
            let Some(sent) = self.instruments.topic(topic).sent.map(|sent| sent.get()) else {
                continue;
            };
            let stream = self
                .streams
                .iter()
                .find(|stream| stream.publisher == publisher && stream.topic == topic);
            match stream {
                Some(stream) => {
                    let lost_at_the_end = sent.saturating_sub(stream.next_sequence);
                    self.dropped.add(lost_at_the_end);
                    self.unreported_drops += lost_at_the_end;
                }
                None if sent > 0 => {
                    self.missed.add(sent);
                    self.context.warn(format!(
                        "{} received nothing on topic {} of the {sent} published",
                        self.name,
                        display_topic(topic)
                    ));
                }
                None => {}
            }
        }
        self.report_drops();
    }

    fn report_drops(&mut self) {
        if self.unreported_drops > 0 {
            self.context.warn(format!(
                "{} lost {} messages: its queue was full (high-water mark) and the publisher dropped them",
                self.name, self.unreported_drops
            ));
            self.unreported_drops = 0;
            self.last_drop_report = Instant::now();
        }
    }

    fn follow_sequence(&mut self, topic: &[u8], header: message::Header) {
        let position = self
            .streams
            .iter()
            .position(|stream| stream.publisher == header.publisher && stream.topic == topic);
        match position {
            None => {
                if !self.publishers.contains(&header.publisher) {
                    self.publishers.push(header.publisher);
                    self.instruments
                        .publishers_heard
                        .raise_to(self.publishers.len() as i64);
                    self.context.info(format!(
                        "{} hears publisher {:08x}",
                        self.name, header.publisher
                    ));
                }
                // The first message from this publisher on this topic: everything before it
                // was published before our subscription reached the publisher.
                if header.sequence > 0 {
                    self.missed.add(header.sequence);
                    self.context.warn(format!(
                        "{} joined topic {} at message #{}: missed {} sent before its subscription arrived (slow joiner)",
                        self.name,
                        display_topic(topic),
                        header.sequence,
                        header.sequence
                    ));
                }
                self.streams.push(Stream {
                    publisher: header.publisher,
                    topic: topic.to_vec(),
                    next_sequence: header.sequence + 1,
                });
            }
            Some(index) => {
                let stream = &mut self.streams[index];
                if header.sequence > stream.next_sequence {
                    let gap = header.sequence - stream.next_sequence;
                    self.dropped.add(gap);
                    self.unreported_drops += gap;
                }
                stream.next_sequence = header.sequence + 1;
                if self.last_drop_report.elapsed() >= Duration::from_secs(1) {
                    self.report_drops();
                }
            }
        }
    }
}

/// Receipts are published to the dashboard at least this often (10 ms)...
const FLUSH_INTERVAL_NANOS: u64 = 10_000_000;
/// ...or after this many, for messages without a timestamp to go by.
const RECEIPTS_PER_FLUSH: u64 = 1024;
/// Timing: at most one clock read per 100 µs, at least one per millisecond when messages flow,
/// and never fewer than one message in 64. Below ~10,000 messages a second every message is
/// timed; above, the latency percentiles come from a sample of tens of thousands a second.
const CLOCK_READS_AT_MOST_EVERY_NANOS: u64 = 100_000;
const CLOCK_READS_AT_LEAST_EVERY_NANOS: u64 = 1_000_000;
const MOST_MESSAGES_PER_CLOCK_READ: u32 = 64;

impl OnReceive for CountedReceive<'_> {
    fn received(&mut self, topic: &[u8], payload: &[u8]) {
        if self.first_message {
            self.on_first_message();
        }
        self.pending_received += 1;
        self.count_topic(topic);
        if !matches(&self.prefixes, topic) {
            self.unexpected.increment();
        }
        let mut flush_due = self.pending_received >= RECEIPTS_PER_FLUSH;
        if let Some(header) = message::decode(payload) {
            self.follow_sequence(topic, header);
            self.until_clock -= 1;
            if self.until_clock == 0 {
                let now = message::now_nanos();
                self.latency
                    .record(now.saturating_sub(header.sent_at_nanos) / 1000);
                let since_last_read = now.saturating_sub(self.last_clock_nanos);
                if since_last_read < CLOCK_READS_AT_MOST_EVERY_NANOS {
                    self.clock_every = (self.clock_every * 2).min(MOST_MESSAGES_PER_CLOCK_READ);
                } else if since_last_read > CLOCK_READS_AT_LEAST_EVERY_NANOS {
                    self.clock_every = (self.clock_every / 2).max(1);
                }
                self.until_clock = self.clock_every;
                self.last_clock_nanos = now;
                if now.saturating_sub(self.last_flush_nanos) >= FLUSH_INTERVAL_NANOS {
                    flush_due = true;
                    self.last_flush_nanos = now;
                }
            }
        }
        if flush_due {
            self.flush();
        }
        if !self.work_per_message.is_zero() {
            std::thread::sleep(self.work_per_message);
        }
    }

    /// Adds the locally counted receipts to the shared counters the dashboard reads.
    fn flush(&mut self) {
        self.received.add(self.pending_received);
        self.pending_received = 0;
        for (_, counter, pending) in &mut self.per_topic {
            counter.add(*pending);
            *pending = 0;
        }
    }
}
