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

mod publisher;
mod subscriber;

pub use publisher::{OnSend, Plan, Uncounted, publish};
pub use subscriber::{JustCount, OnReceive, Stop, receive};

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use lab_core::{
    Cell, Counter, Gauge, Lab, LabContext, LabInfo, ParamKind, ParamSpec, Params, Recorder, Verdict,
};

use crate::endpoint;
use crate::message;

/// The lab registered as `zmq-pubsub`.
pub struct PubSubLab;

/// How long subscribers keep listening after the publisher finished, for messages in flight.
const DRAIN: Duration = Duration::from_millis(500);

impl Lab for PubSubLab {
    fn info(&self) -> LabInfo {
        LabInfo {
            id: "zmq-pubsub",
            topic: "messaging",
            title: "ZeroMQ publish/subscribe",
            summary: "A publisher fans topics out to subscribers: prefix filtering, the slow joiner, drops at the high-water mark.",
            lesson: "messaging",
            params: vec![
                ParamSpec {
                    name: "role",
                    kind: ParamKind::Choice {
                        choices: &["both", "publisher", "subscriber"],
                    },
                    default: "both",
                    help: "both: publisher and subscribers in this process; publisher or subscriber: one side only, for another program to take the other",
                },
                ParamSpec {
                    name: "transport",
                    kind: ParamKind::Choice {
                        choices: &["tcp", "ipc", "inproc"],
                    },
                    default: "tcp",
                    help: "with --role both: how publisher and subscribers talk (tcp on a free loopback port, a unix socket file, or in-process)",
                },
                ParamSpec {
                    name: "bind",
                    kind: ParamKind::List,
                    default: "tcp://127.0.0.1:5563",
                    help: "with --role publisher: endpoints the PUB socket binds (repeat or comma-separate for several)",
                },
                ParamSpec {
                    name: "connect",
                    kind: ParamKind::List,
                    default: "tcp://127.0.0.1:5563",
                    help: "with --role subscriber: publishers to connect to (one subscriber may connect to several)",
                },
                ParamSpec {
                    name: "topics",
                    kind: ParamKind::List,
                    default: "A,B",
                    help: "topics the publisher sends on, round robin",
                },
                ParamSpec {
                    name: "subscribe",
                    kind: ParamKind::List,
                    default: "A,B",
                    help: "topic prefixes to subscribe to, * for everything; with --role both, subscriber N takes prefix N (round robin)",
                },
                ParamSpec {
                    name: "subscribers",
                    kind: ParamKind::Integer { min: 1, max: 16 },
                    default: "2",
                    help: "with --role both: how many subscribers start with the publisher",
                },
                ParamSpec {
                    name: "late-joiner",
                    kind: ParamKind::Float {
                        min: 0.0,
                        max: 3600.0,
                    },
                    default: "2",
                    help: "with --role both: one more subscriber (to everything) connects after this many seconds, to show the messages it missed; 0 for none",
                },
                ParamSpec {
                    name: "rate",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 100_000_000,
                    },
                    default: "2000",
                    help: "messages per second over all topics; 0 for as fast as possible",
                },
                ParamSpec {
                    name: "size",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 1_000_000,
                    },
                    default: "64",
                    help: "payload bytes per message (at least the ~45-byte header)",
                },
                ParamSpec {
                    name: "hwm",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 10_000_000,
                    },
                    default: "1000",
                    help: "high-water mark: messages queued per subscriber before the publisher drops (0: no limit)",
                },
                ParamSpec {
                    name: "slow-subscriber",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 1_000_000,
                    },
                    default: "0",
                    help: "with --role both: microseconds subscriber 1 spends on each message, to fill its queue and show drops",
                },
                ParamSpec {
                    name: "messages",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: i64::MAX,
                    },
                    default: "0",
                    help: "stop after this many messages (sent by a publisher, received by a subscriber); 0: until stopped",
                },
            ],
        }
    }

    fn validate(&self, params: &Params) -> Result<(), String> {
        if params.list("topics").is_empty() {
            return Err("--topics is empty: give at least one topic, e.g. --topics A,B".into());
        }
        if params.list("topics").iter().any(|topic| topic.is_empty()) {
            return Err(
                "--topics has an empty topic: every topic needs at least one character".into(),
            );
        }
        match params.text("role") {
            "publisher" => check_endpoints(params, "bind"),
            "subscriber" => check_endpoints(params, "connect"),
            _ => Ok(()),
        }
    }

    fn run(&self, params: &Params, context: &LabContext) -> anyhow::Result<Verdict> {
        let zmq_context = zmq::Context::new();
        match params.text("role") {
            "publisher" => run_publisher(params, context, &zmq_context),
            "subscriber" => run_subscriber(params, context, &zmq_context),
            _ => run_both(params, context, &zmq_context),
        }
    }
}

fn check_endpoints(params: &Params, flag: &str) -> Result<(), String> {
    let endpoints = params.list(flag);
    if endpoints.is_empty() {
        return Err(format!(
            "--{flag} is empty: give an endpoint such as tcp://127.0.0.1:5563"
        ));
    }
    endpoints
        .iter()
        .try_for_each(|endpoint| endpoint::check(endpoint, flag))
}

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

fn describe_prefixes(prefixes: &[Vec<u8>]) -> String {
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

fn matches(prefixes: &[Vec<u8>], topic: &[u8]) -> bool {
    prefixes.iter().any(|prefix| topic.starts_with(prefix))
}

fn plan(params: &Params) -> Plan {
    Plan {
        topics: params.list("topics").to_vec(),
        rate: params.integer("rate") as u64,
        size: params.integer("size") as usize,
        messages: params.integer("messages") as u64,
        publisher_id: random_id(),
    }
}

/// A publisher id that differs between runs and processes, without a random-number crate.
fn random_id() -> u32 {
    let nanos = message::now_nanos();
    (nanos as u32) ^ ((nanos >> 32) as u32) ^ std::process::id().rotate_left(16)
}

/// The subscriber table and the topic table, shared by all roles.
struct Tables<'a> {
    context: &'a LabContext,
    show_sent: bool,
    show_received: bool,
    topics_seen: Mutex<Vec<Vec<u8>>>,
}

impl<'a> Tables<'a> {
    fn new(context: &'a LabContext, show_sent: bool, show_received: bool) -> Tables<'a> {
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
        Tables {
            context,
            show_sent,
            show_received,
            topics_seen: Mutex::new(Vec::new()),
        }
    }

    /// Adds the topic's row the first time anyone sees it.
    fn topic(&self, topic: &[u8]) {
        let mut seen = self.topics_seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.iter().any(|known| known == topic) {
            return;
        }
        seen.push(topic.to_vec());
        let name = display_topic(topic);
        let mut row = vec![Cell::Text(name.clone())];
        if self.show_sent {
            row.push(Cell::Count(format!("sent/{name}")));
            row.push(Cell::Rate(format!("sent/{name}")));
        }
        if self.show_received {
            row.push(Cell::Count(format!("received/{name}")));
            row.push(Cell::Rate(format!("received/{name}")));
        }
        self.context.add_table_row("topics", row);
    }

    fn subscriber(&self, name: &str, prefixes: &[Vec<u8>], filtering_known: bool) {
        let filtered = if filtering_known {
            Cell::Count(format!("{name}/filtered"))
        } else {
            Cell::Text("n/a".into())
        };
        self.context.add_table_row(
            "subscribers",
            vec![
                Cell::Text(name.to_string()),
                Cell::Text(describe_prefixes(prefixes)),
                Cell::Count(format!("{name}/received")),
                Cell::Rate(format!("{name}/received")),
                Cell::Count(format!("{name}/missed")),
                Cell::Count(format!("{name}/dropped")),
                filtered,
            ],
        );
    }
}

/// How a topic is named in counters and tables: its text up to the first space, at most 24
/// characters (a one-frame message from another program carries its content in the topic).
fn display_topic(topic: &[u8]) -> String {
    let end = topic
        .iter()
        .position(|byte| *byte == b' ')
        .unwrap_or(topic.len())
        .min(24);
    String::from_utf8_lossy(&topic[..end]).into_owned()
}

/// The publisher's instrumentation: two atomic increments per message, plus the filter
/// accounting when the subscribers live in this process.
struct CountedSend<'a> {
    total: Counter,
    per_topic: Vec<Counter>,
    filtering: Option<FilterAccounting<'a>>,
}

impl OnSend for CountedSend<'_> {
    #[inline]
    fn sent(&mut self, topic_index: usize) {
        self.total.increment();
        self.per_topic[topic_index].increment();
        if let Some(filtering) = &mut self.filtering {
            filtering.sent(topic_index);
        }
    }
}

/// The subscribers of a `--role both` run, as the publisher's filter accounting sees them.
struct Membership {
    seats: Vec<Seat>,
    /// Bumped whenever a subscriber joins, so the publisher knows to recompute.
    generation: AtomicU64,
}

struct Seat {
    name: String,
    prefixes: Vec<Vec<u8>>,
    joined: AtomicBool,
    filtered: Counter,
}

struct FilterAccounting<'a> {
    membership: &'a Membership,
    topics: Vec<Vec<u8>>,
    seen_generation: u64,
    /// Per topic: the filtered-out counters of joined subscribers that do not want it.
    not_wanted_by: Vec<Vec<Counter>>,
    total: Counter,
}

impl FilterAccounting<'_> {
    #[inline]
    fn sent(&mut self, topic_index: usize) {
        let generation = self.membership.generation.load(Ordering::Acquire);
        if generation != self.seen_generation {
            self.seen_generation = generation;
            self.recompute();
        }
        let counters = &self.not_wanted_by[topic_index];
        for counter in counters {
            counter.increment();
        }
        self.total.add(counters.len() as u64);
    }

    fn recompute(&mut self) {
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
struct Pair {
    all: Counter,
    mine: Counter,
}

impl Pair {
    fn new(context: &LabContext, name: &str, subscriber: &str) -> Pair {
        Pair {
            all: context.counter(name),
            mine: context.counter(&format!("{subscriber}/{name}")),
        }
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
struct CountedReceive<'a> {
    context: &'a LabContext,
    tables: &'a Tables<'a>,
    name: String,
    prefixes: Vec<Vec<u8>>,
    received: Pair,
    missed: Pair,
    dropped: Pair,
    unexpected: Counter,
    joined: &'a Gauge,
    seat: Option<&'a Membership>,
    seat_index: usize,
    per_topic: Vec<(Vec<u8>, Counter)>,
    streams: Vec<Stream>,
    latency: Recorder,
    started: Instant,
    first_message: bool,
    /// Drops not yet reported in the event log; reported at most once a second.
    unreported_drops: u64,
    last_drop_report: Instant,
    work_per_message: Duration,
}

impl<'a> CountedReceive<'a> {
    fn new(
        context: &'a LabContext,
        tables: &'a Tables<'a>,
        name: &str,
        prefixes: Vec<Vec<u8>>,
        joined: &'a Gauge,
    ) -> CountedReceive<'a> {
        CountedReceive {
            context,
            tables,
            name: name.to_string(),
            prefixes,
            received: Pair::new(context, "received", name),
            missed: Pair::new(context, "missed", name),
            dropped: Pair::new(context, "dropped", name),
            unexpected: context.counter("unexpected"),
            joined,
            seat: None,
            seat_index: 0,
            per_topic: Vec::new(),
            streams: Vec::new(),
            latency: context.histogram("latency", "us").recorder(),
            started: Instant::now(),
            first_message: true,
            unreported_drops: 0,
            last_drop_report: Instant::now(),
            work_per_message: Duration::ZERO,
        }
    }

    fn topic_counter(&mut self, topic: &[u8]) -> &Counter {
        let index = match self.per_topic.iter().position(|(known, _)| known == topic) {
            Some(index) => index,
            None => {
                self.tables.topic(topic);
                let counter = self
                    .context
                    .counter(&format!("received/{}", display_topic(topic)));
                self.per_topic.push((topic.to_vec(), counter));
                self.per_topic.len() - 1
            }
        };
        &self.per_topic[index].1
    }

    fn on_first_message(&mut self) {
        self.first_message = false;
        self.joined.add(1);
        if let Some(membership) = self.seat {
            membership.seats[self.seat_index]
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

    fn follow_sequence(&mut self, topic: &[u8], header: message::Header) {
        let position = self
            .streams
            .iter()
            .position(|stream| stream.publisher == header.publisher && stream.topic == topic);
        match position {
            None => {
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
                if self.unreported_drops > 0
                    && self.last_drop_report.elapsed() >= Duration::from_secs(1)
                {
                    self.context.warn(format!(
                        "{} lost {} messages: its queue was full (high-water mark) and the publisher dropped them",
                        self.name, self.unreported_drops
                    ));
                    self.unreported_drops = 0;
                    self.last_drop_report = Instant::now();
                }
            }
        }
    }
}

impl OnReceive for CountedReceive<'_> {
    fn received(&mut self, topic: &[u8], payload: &[u8]) {
        if self.first_message {
            self.on_first_message();
        }
        self.received.add(1);
        self.topic_counter(topic).increment();
        if !matches(&self.prefixes, topic) {
            self.unexpected.increment();
        }
        if let Some(header) = message::decode(payload) {
            let now = message::now_nanos();
            self.latency
                .record(now.saturating_sub(header.sent_at_nanos) / 1000);
            self.follow_sequence(topic, header);
        }
        if !self.work_per_message.is_zero() {
            std::thread::sleep(self.work_per_message);
        }
    }
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

fn counted_send<'a>(
    context: &LabContext,
    topics: &[String],
    filtering: Option<FilterAccounting<'a>>,
) -> CountedSend<'a> {
    CountedSend {
        total: context.counter("sent"),
        per_topic: topics
            .iter()
            .map(|topic| context.counter(&format!("sent/{}", display_topic(topic.as_bytes()))))
            .collect(),
        filtering,
    }
}

fn run_publisher(
    params: &Params,
    context: &LabContext,
    zmq_context: &zmq::Context,
) -> anyhow::Result<Verdict> {
    let plan = plan(params);
    let tables = Tables::new(context, true, false);
    for topic in &plan.topics {
        tables.topic(topic.as_bytes());
    }
    context.chart(&["sent"]);
    let socket = publisher_socket(zmq_context, params.integer("hwm") as i32)?;
    for requested in params.list("bind") {
        let bound = endpoint::bind(&socket, requested)?;
        context.info(format!(
            "publisher {:08x} bound {bound}; topics {}",
            plan.publisher_id,
            plan.topics.join(", ")
        ));
    }
    let mut on_send = counted_send(context, &plan.topics, None);
    let sent = publish(&socket, &plan, &mut on_send, context.cancel_token())?;
    Ok(Verdict::pass(format!(
        "published {sent} messages on {}",
        plan.topics.join(", ")
    ))
    .note("A PUB socket cannot tell whether anyone listened: with no matching subscriber, messages are dropped."))
}

fn run_subscriber(
    params: &Params,
    context: &LabContext,
    zmq_context: &zmq::Context,
) -> anyhow::Result<Verdict> {
    let tables = Tables::new(context, false, true);
    let prefixes = prefixes(params.list("subscribe"));
    let joined = context.gauge("subscribers joined");
    context.chart(&["received", "missed", "dropped"]);
    tables.subscriber("sub-1", &prefixes, false);
    if prefixes.is_empty() {
        context.warn("this subscriber has no subscription, so ZeroMQ will deliver nothing: add --subscribe A (or * for everything)");
    }
    let endpoints = params.list("connect");
    let socket = subscriber_socket(
        zmq_context,
        params.integer("hwm") as i32,
        &prefixes,
        endpoints,
    )?;
    context.info(format!(
        "sub-1 connecting to {}, subscribed to {}",
        endpoints.join(", "),
        describe_prefixes(&prefixes)
    ));
    let mut on_receive = CountedReceive::new(context, &tables, "sub-1", prefixes.clone(), &joined);
    let never = || false;
    let stop = Stop {
        cancel: context.cancel_token(),
        after_messages: params.integer("messages") as u64,
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
        .note("Check: is a publisher bound there (`workbench zmq-pubsub --role publisher`)? Same transport and port? Does a topic start with your prefix? Was anything published after you connected?"));
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

fn both_endpoint(transport: &str) -> String {
    match transport {
        "inproc" => "inproc://workbench-pubsub".to_string(),
        "ipc" => format!(
            "ipc://{}/workbench-pubsub-{}-{}.ipc",
            std::env::temp_dir().display(),
            std::process::id(),
            random_id()
        ),
        _ => "tcp://127.0.0.1:*".to_string(),
    }
}

fn run_both(
    params: &Params,
    context: &LabContext,
    zmq_context: &zmq::Context,
) -> anyhow::Result<Verdict> {
    let plan = plan(params);
    let hwm = params.integer("hwm") as i32;
    let tables = Tables::new(context, true, true);
    for topic in &plan.topics {
        tables.topic(topic.as_bytes());
    }
    context.chart(&["sent", "received", "filtered", "missed", "dropped"]);
    let joined = context.gauge("subscribers joined");

    let socket = publisher_socket(zmq_context, hwm)?;
    let endpoint = endpoint::bind(&socket, &both_endpoint(params.text("transport")))?;
    context.info(format!("publisher bound {endpoint}"));

    // Subscriber N takes prefix N of --subscribe; the late joiner takes everything.
    let subscriptions = prefixes(params.list("subscribe"));
    let count = params.integer("subscribers") as usize;
    let late_after = Duration::from_secs_f64(params.float("late-joiner"));
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
        tables.subscriber(&seat.name, &seat.prefixes, true);
    }
    let membership = Membership {
        seats,
        generation: AtomicU64::new(0),
    };
    let publisher_done = AtomicBool::new(false);
    let slow = Duration::from_micros(params.integer("slow-subscriber") as u64);

    let sent = std::thread::scope(|scope| -> anyhow::Result<u64> {
        let mut subscribers = Vec::new();
        for (index, seat) in membership.seats.iter().enumerate() {
            let (tables, membership, joined, publisher_done, endpoint) =
                (&tables, &membership, &joined, &publisher_done, &endpoint);
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
                let mut on_receive =
                    CountedReceive::new(context, tables, &seat.name, seat.prefixes.clone(), joined);
                on_receive.seat = Some(membership);
                on_receive.seat_index = index;
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
            total: context.counter("filtered"),
        };
        let mut on_send = counted_send(context, &plan.topics, Some(filtering));
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
    Ok(both_verdict(context, &membership, sent))
}

fn both_verdict(context: &LabContext, membership: &Membership, sent: u64) -> Verdict {
    let total = |name: &str| context.counter(name).get();
    let unexpected = total("unexpected");
    let silent: Vec<&str> = membership
        .seats
        .iter()
        .filter(|seat| !seat.prefixes.is_empty() && total(&format!("{}/received", seat.name)) == 0)
        .filter(|seat| seat.name != "late" || seat.joined.load(Ordering::Acquire))
        .map(|seat| seat.name.as_str())
        .collect();
    let summary = format!(
        "sent {sent}; subscribers received {}, filtered out {}, missed before joining {}, dropped {}",
        total("received"),
        total("filtered"),
        total("missed"),
        total("dropped")
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

    #[test]
    fn the_schema_defaults_parse() {
        let params = Params::defaults(&PubSubLab.info().params);
        assert_eq!(params.text("role"), "both");
        assert_eq!(params.list("topics"), ["A", "B"]);
        assert!(PubSubLab.validate(&params).is_ok());
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
        let mut params = Params::defaults(&PubSubLab.info().params);
        params.set("role", lab_core::Value::Text("subscriber".into()));
        params.set(
            "connect",
            lab_core::Value::List(vec!["localhost:5563".into()]),
        );
        let error = PubSubLab.validate(&params).unwrap_err();
        assert!(error.contains("--connect"), "{error}");
    }
}
