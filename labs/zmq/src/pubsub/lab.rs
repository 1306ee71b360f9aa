//! `zmq-pubsub`'s schema, typed parameters and role dispatch; the roles' wiring is in
//! `mod.rs`, the idea itself in `publisher.rs` and `subscriber.rs`.

use std::time::Duration;

use lab_core::{FromParams, Lab, LabContext, LabInfo, ParamKind, ParamReader, ParamSpec, Verdict};
use strum::VariantNames;

use crate::endpoint::{self, Transport};

/// The lab registered as `zmq-pubsub`.
pub struct PubSubLab;

/// Which side of the pattern this process plays.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Role {
    /// Publisher and subscribers in this process.
    Both,
    Publisher,
    Subscriber,
}

/// `zmq-pubsub`'s parameters, typed.
pub struct PubSubParams {
    pub role: Role,
    pub transport: Transport,
    pub bind: Vec<String>,
    pub connect: Vec<String>,
    pub topics: Vec<String>,
    pub subscribe: Vec<String>,
    pub subscribers: usize,
    pub late_joiner: Duration,
    pub rate: u64,
    pub size: usize,
    pub hwm: i32,
    /// Time subscriber 1 spends on each message (`--slow-subscriber`, in microseconds).
    pub slow_subscriber: Duration,
    pub messages: u64,
}

impl FromParams for PubSubParams {
    fn from_params(reader: &mut ParamReader<'_>) -> PubSubParams {
        PubSubParams {
            role: reader.choice("role"),
            transport: reader.choice("transport"),
            bind: reader.get("bind"),
            connect: reader.get("connect"),
            topics: reader.get("topics"),
            subscribe: reader.get("subscribe"),
            subscribers: reader.get("subscribers"),
            late_joiner: reader.get("late-joiner"),
            rate: reader.get("rate"),
            size: reader.get("size"),
            hwm: reader.get("hwm"),
            slow_subscriber: reader.get("slow-subscriber"),
            messages: reader.get("messages"),
        }
    }
}

impl Lab for PubSubLab {
    type Params = PubSubParams;

    fn info(&self) -> LabInfo {
        LabInfo {
            id: "zmq-pubsub",
            topic: "messaging",
            title: "ZeroMQ publish/subscribe",
            summary: "A publisher fans topics out to subscribers: prefix filtering, the slow joiner, drops at the high-water mark.",
            params: vec![
                ParamSpec {
                    name: "role",
                    kind: ParamKind::Choice {
                        choices: Role::VARIANTS,
                    },
                    default: "both",
                    help: "both: publisher and subscribers in this process; publisher or subscriber: one side only, for another program to take the other",
                    roles: &[],
                },
                ParamSpec {
                    name: "transport",
                    kind: ParamKind::Choice {
                        choices: Transport::VARIANTS,
                    },
                    default: "tcp",
                    help: "with --role both: how publisher and subscribers talk (tcp on a free loopback port, a unix socket file, or in-process)",
                    roles: &["both"],
                },
                ParamSpec {
                    name: "bind",
                    kind: ParamKind::Endpoints,
                    default: "tcp://127.0.0.1:5563",
                    help: "with --role publisher: endpoints the PUB socket binds (repeat or comma-separate for several)",
                    roles: &["publisher"],
                },
                ParamSpec {
                    name: "connect",
                    kind: ParamKind::Endpoints,
                    default: "tcp://127.0.0.1:5563",
                    help: "with --role subscriber: publishers to connect to (one subscriber may connect to several)",
                    roles: &["subscriber"],
                },
                ParamSpec {
                    name: "topics",
                    kind: ParamKind::List,
                    default: "A,B",
                    help: "topics the publisher sends on, round robin",
                    roles: &[],
                },
                ParamSpec {
                    name: "subscribe",
                    kind: ParamKind::List,
                    default: "A,B",
                    help: "topic prefixes to subscribe to, * for everything; with --role both, subscriber N takes prefix N (round robin)",
                    roles: &["both"],
                },
                ParamSpec {
                    name: "subscribers",
                    kind: ParamKind::Integer { min: 1, max: 16 },
                    default: "2",
                    help: "with --role both: how many subscribers start with the publisher",
                    roles: &["both"],
                },
                ParamSpec {
                    name: "late-joiner",
                    kind: ParamKind::Duration {
                        unit: "s",
                        max_seconds: 3600.0,
                    },
                    default: "2",
                    help: "with --role both: one more subscriber (to everything) connects this late, to show the messages it missed (2s, 500ms; a bare number is seconds); 0 for none",
                    roles: &["both"],
                },
                ParamSpec {
                    name: "rate",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 100_000_000,
                    },
                    default: "2000",
                    help: "messages per second over all topics; 0 for as fast as possible",
                    roles: &[],
                },
                ParamSpec {
                    name: "size",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 1_000_000,
                    },
                    default: "64",
                    help: "payload bytes per message (at least the ~45-byte header)",
                    roles: &[],
                },
                ParamSpec {
                    name: "hwm",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 10_000_000,
                    },
                    default: "1000",
                    help: "high-water mark: messages queued per subscriber before the publisher drops (0: no limit)",
                    roles: &[],
                },
                ParamSpec {
                    name: "slow-subscriber",
                    kind: ParamKind::Duration {
                        unit: "µs",
                        max_seconds: 1.0,
                    },
                    default: "0",
                    help: "with --role both: how long subscriber 1 spends on each message, to fill its queue and show drops (2ms, 500µs; a bare number is microseconds)",
                    roles: &["both"],
                },
                ParamSpec {
                    name: "messages",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: i64::MAX,
                    },
                    default: "0",
                    help: "stop after this many messages (sent by a publisher, received by a subscriber); 0: until stopped",
                    roles: &[],
                },
            ],
        }
    }

    fn validate(&self, params: &PubSubParams) -> Result<(), String> {
        if params.topics.is_empty() {
            return Err("--topics is empty: give at least one topic, e.g. --topics A,B".into());
        }
        if params.topics.iter().any(|topic| topic.is_empty()) {
            return Err(
                "--topics has an empty topic: every topic needs at least one character".into(),
            );
        }
        match params.role {
            Role::Publisher => endpoint::check_list(&params.bind, "bind"),
            Role::Subscriber => endpoint::check_list(&params.connect, "connect"),
            Role::Both => Ok(()),
        }
    }

    fn run(&self, params: &PubSubParams, context: &LabContext) -> anyhow::Result<Verdict> {
        let zmq_context = zmq::Context::new();
        match params.role {
            Role::Publisher => super::run_publisher(params, context, &zmq_context),
            Role::Subscriber => super::run_subscriber(params, context, &zmq_context),
            Role::Both => super::run_both(params, context, &zmq_context),
        }
    }
}
