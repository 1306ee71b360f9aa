//! `zmq-reqrep`'s schema, typed parameters and role dispatch; the roles' wiring is in
//! `mod.rs`, the idea itself in `server.rs` and `client.rs`.

use std::time::Duration;

use lab_core::{FromParams, Lab, LabContext, LabInfo, ParamKind, ParamReader, ParamSpec, Verdict};
use strum::VariantNames;

use super::{ClientPlan, ServerPlan};
use crate::endpoint::{self, Transport};

/// The lab registered as `zmq-reqrep`.
pub struct ReqRepLab;

/// Which side this process plays.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Role {
    /// A server and clients in this process.
    Both,
    Server,
    Client,
}

/// `zmq-reqrep`'s parameters, typed.
pub struct ReqRepParams {
    pub role: Role,
    pub transport: Transport,
    pub bind: Vec<String>,
    pub connect: Vec<String>,
    /// Time the server spends on each request (`--work`, in microseconds).
    pub work: Duration,
    pub drop_every: u64,
    pub clients: Clients,
}

impl ReqRepParams {
    pub(crate) fn server_plan(&self) -> ServerPlan {
        ServerPlan {
            prefix: self.clients.plan.prefix.clone(),
            work: self.work,
            drop_every: self.drop_every,
        }
    }
}

impl FromParams for ReqRepParams {
    fn from_params(reader: &mut ParamReader<'_>) -> ReqRepParams {
        ReqRepParams {
            role: reader.choice("role"),
            transport: reader.choice("transport"),
            bind: reader.get("bind"),
            connect: reader.get("connect"),
            work: Duration::from_micros(reader.get("work")),
            drop_every: reader.get("drop-every"),
            clients: Clients::read(reader),
        }
    }
}

/// The REQ clients and their requests, as zmq-reqrep and zmq-broker both take them.
pub struct Clients {
    /// How many clients, each with its own socket.
    pub concurrency: usize,
    pub plan: ClientPlan,
}

impl Clients {
    /// Reads the parameters [`client_params`] declares.
    pub(crate) fn read(reader: &mut ParamReader<'_>) -> Clients {
        let concurrency = reader.get("concurrency");
        let timeout: Duration = reader.get("timeout");
        let plan = ClientPlan {
            requests: reader.get("requests"),
            size: reader.get("size"),
            timeout: (!timeout.is_zero()).then_some(timeout),
            retries: reader.get("retries"),
            prefix: reader.get::<String>("reply-prefix").into_bytes(),
        };
        Clients { concurrency, plan }
    }
}

impl Lab for ReqRepLab {
    type Params = ReqRepParams;

    fn info(&self) -> LabInfo {
        LabInfo {
            id: "zmq-reqrep",
            topic: "messaging",
            title: "ZeroMQ request/reply",
            summary: "REQ clients ask, a REP server answers one at a time: round trips, fair turns, the stuck REQ and the lazy pirate.",
            params: [vec![
                ParamSpec {
                    name: "role",
                    kind: ParamKind::Choice {
                        choices: Role::VARIANTS,
                    },
                    default: "both",
                    help: "both: a server and clients in this process; server or client: one side only, for another program to take the other",
                    roles: &[],
                },
                ParamSpec {
                    name: "transport",
                    kind: ParamKind::Choice {
                        choices: Transport::VARIANTS,
                    },
                    default: "tcp",
                    help: "with --role both: how clients and server talk",
                    roles: &["both"],
                },
                ParamSpec {
                    name: "bind",
                    kind: ParamKind::Endpoints,
                    default: "tcp://127.0.0.1:5559",
                    help: "with --role server: endpoints the REP socket binds (repeat for several, e.g. tcp and ipc at once)",
                    roles: &["server"],
                },
                ParamSpec {
                    name: "connect",
                    kind: ParamKind::Endpoints,
                    default: "tcp://127.0.0.1:5559",
                    help: "with --role client: servers to connect to (requests go round robin)",
                    roles: &["client"],
                },
                ParamSpec {
                    name: "work",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 10_000_000,
                    },
                    default: "0",
                    help: "microseconds the server spends on each request (everyone else waits meanwhile)",
                    roles: &[],
                },
                ParamSpec {
                    name: "drop-every",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: i64::MAX,
                    },
                    default: "0",
                    help: "with --role server or both: lose every Nth request, as a crash would (0: never)",
                    roles: &["server", "both"],
                },
            ], client_params("4", "1000")]
            .concat(),
        }
    }

    fn validate(&self, params: &ReqRepParams) -> Result<(), String> {
        match params.role {
            Role::Server => endpoint::check_list(&params.bind, "bind"),
            Role::Client => endpoint::check_list(&params.connect, "connect"),
            Role::Both => Ok(()),
        }
    }

    fn run(&self, params: &ReqRepParams, context: &LabContext) -> anyhow::Result<Verdict> {
        let zmq_context = zmq::Context::new();
        match params.role {
            Role::Server => super::run_server(params, context, &zmq_context),
            Role::Client => {
                super::chart_clients(context);
                context.info(format!(
                    "clients connecting to {}",
                    params.connect.join(", ")
                ));
                super::run_clients(&params.clients, context, &zmq_context, &params.connect)
            }
            Role::Both => super::run_both(params, context, &zmq_context),
        }
    }
}

/// The parameters of the REQ clients and their requests, shared with the broker lab (with its
/// own defaults for the number of clients and the timeout).
pub(crate) fn client_params(concurrency: &'static str, timeout: &'static str) -> Vec<ParamSpec> {
    vec![
        ParamSpec {
            name: "concurrency",
            kind: ParamKind::Integer { min: 1, max: 64 },
            default: concurrency,
            help: "REQ clients, each with its own socket",
            roles: &[],
        },
        ParamSpec {
            name: "requests",
            kind: ParamKind::Integer {
                min: 0,
                max: i64::MAX,
            },
            default: "0",
            help: "requests per client; 0: until stopped",
            roles: &[],
        },
        ParamSpec {
            name: "reply-prefix",
            kind: ParamKind::Text,
            default: "From Server1:",
            help: "what the server (or each worker) puts in front of each request to make the reply",
            roles: &[],
        },
        ParamSpec {
            name: "size",
            kind: ParamKind::Integer {
                min: 0,
                max: 1_000_000,
            },
            default: "16",
            help: "bytes per request",
            roles: &[],
        },
        ParamSpec {
            name: "timeout",
            kind: ParamKind::Duration {
                unit: "ms",
                max_seconds: 3600.0,
            },
            default: timeout,
            help: "how long a client waits for a reply before it reconnects and asks again (lazy pirate; 500ms, 2s, a bare number is milliseconds); 0: wait forever (strict)",
            roles: &[],
        },
        ParamSpec {
            name: "retries",
            kind: ParamKind::Integer { min: 0, max: 100 },
            default: "3",
            help: "tries after the first before a client gives up on a request",
            roles: &[],
        },
    ]
}
