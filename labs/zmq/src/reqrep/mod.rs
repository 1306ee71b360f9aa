//! `zmq-reqrep`: REQ clients and a REP server, strict request and reply.
//!
//! Every role runs on its own, so a program in any language can take the other:
//!
//! ```text
//!   workbench lab zmq-reqrep --role server --bind tcp://127.0.0.1:5559 --bind ipc:///tmp/req.ipc
//!   workbench lab zmq-reqrep --role client --connect tcp://127.0.0.1:5559 --requests 1000
//!   workbench lab zmq-reqrep                  (both: a server and 4 clients in this process)
//!
//!   client-1 (REQ) ──┐
//!   client-2 (REQ) ──┼──▶ server (REP, bind): "hello" → "From Server1:hello", one at a time
//!   client-3 (REQ) ──┘
//! ```
//!
//! What the dashboard shows: requests and replies per second, the round trip, each client's
//! share, and with `--drop-every N` what a lost request does: strict clients (`--timeout 0`)
//! get stuck for good, clients with a timeout retry on a fresh socket and carry on.

mod client;
pub mod server;

pub use client::{ClientCounters, ClientPlan};
pub use server::{ServerCounters, ServerPlan};

use std::time::Duration;

use lab_core::{
    CancelToken, Cell, Lab, LabContext, LabInfo, ParamKind, ParamSpec, Params, Verdict,
};

use crate::endpoint;

/// The lab registered as `zmq-reqrep`.
pub struct ReqRepLab;

impl Lab for ReqRepLab {
    fn info(&self) -> LabInfo {
        LabInfo {
            id: "zmq-reqrep",
            topic: "messaging",
            title: "ZeroMQ request/reply",
            summary: "REQ clients ask, a REP server answers one at a time: round trips, fair turns, the stuck REQ and the lazy pirate.",
            lesson: "messaging",
            params: [vec![
                ParamSpec {
                    name: "role",
                    kind: ParamKind::Choice {
                        choices: &["both", "server", "client"],
                    },
                    default: "both",
                    help: "both: a server and clients in this process; server or client: one side only, for another program to take the other",
                    roles: &[],
                },
                ParamSpec {
                    name: "transport",
                    kind: ParamKind::Choice {
                        choices: &["tcp", "ipc", "inproc"],
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

    fn validate(&self, params: &Params) -> Result<(), String> {
        match params.text("role") {
            "server" => endpoint::check_list(params, "bind"),
            "client" => endpoint::check_list(params, "connect"),
            _ => Ok(()),
        }
    }

    fn run(&self, params: &Params, context: &LabContext) -> anyhow::Result<Verdict> {
        let zmq_context = zmq::Context::new();
        match params.text("role") {
            "server" => run_server(params, context, &zmq_context),
            "client" => {
                let endpoints = params.list("connect").to_vec();
                context.chart(&["sent", "replies", "retries"]);
                context.info(format!("clients connecting to {}", endpoints.join(", ")));
                run_clients(params, context, &zmq_context, &endpoints)
            }
            _ => run_both(params, context, &zmq_context),
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
            kind: ParamKind::Integer {
                min: 0,
                max: 3_600_000,
            },
            default: timeout,
            help: "milliseconds a client waits for a reply before it reconnects and asks again (lazy pirate); 0: wait forever (strict)",
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

fn server_plan(params: &Params) -> ServerPlan {
    ServerPlan {
        prefix: params.text("reply-prefix").as_bytes().to_vec(),
        work: Duration::from_micros(params.integer("work") as u64),
        drop_every: params.integer("drop-every") as u64,
    }
}

fn client_plan(params: &Params) -> ClientPlan {
    let timeout = params.integer("timeout") as u64;
    ClientPlan {
        requests: params.integer("requests") as u64,
        size: params.integer("size") as usize,
        timeout: (timeout > 0).then(|| Duration::from_millis(timeout)),
        retries: params.integer("retries") as u32,
        prefix: params.text("reply-prefix").as_bytes().to_vec(),
    }
}

fn run_server(
    params: &Params,
    context: &LabContext,
    zmq_context: &zmq::Context,
) -> anyhow::Result<Verdict> {
    let counters = ServerCounters::new(context);
    context.chart(&["served"]);
    let (socket, bound) = server::bind(zmq_context, params.list("bind"))?;
    context.info(format!(
        "server bound {}; answering with \"{}\" + the request",
        bound.join(" and "),
        params.text("reply-prefix")
    ));
    let answered = server::serve(
        zmq_context,
        socket,
        &bound,
        &server_plan(params),
        &counters,
        context,
        context.cancel_token(),
    )?;
    Ok(Verdict::pass(format!("answered {answered} requests")))
}

/// Starts the clients on their own threads and waits for them; the verdict counts their work.
pub(crate) fn run_clients(
    params: &Params,
    context: &LabContext,
    zmq_context: &zmq::Context,
    endpoints: &[String],
) -> anyhow::Result<Verdict> {
    let plan = client_plan(params);
    let counters = ClientCounters::new(context);
    let names: Vec<String> = (1..=params.integer("concurrency"))
        .map(|number| format!("client-{number}"))
        .collect();
    context.set_table(
        "clients",
        &["client", "replies", "replies/s", "retries"],
        names
            .iter()
            .map(|name| {
                vec![
                    Cell::from(name.as_str()),
                    Cell::Count(format!("{name}/replies")),
                    Cell::Rate(format!("{name}/replies")),
                    Cell::Count(format!("{name}/retries")),
                ]
            })
            .collect(),
    );
    context.bars("clients", "replies");
    let outcomes: Vec<anyhow::Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = names
            .iter()
            .map(|name| {
                let (plan, counters) = (&plan, &counters);
                scope.spawn(move || {
                    client::run(zmq_context, endpoints, name, plan, counters, context)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| crate::joined(handle.join(), "client"))
            .collect()
    });
    for outcome in outcomes {
        outcome?;
    }
    verdict(&plan, &counters, names.len() as u64)
}

fn verdict(plan: &ClientPlan, counters: &ClientCounters, clients: u64) -> anyhow::Result<Verdict> {
    let (sent, replies) = (counters.sent.get(), counters.replies.get());
    let summary = format!(
        "{replies} replies to {sent} requests; {} retries, {} given up, {} wrong",
        counters.retries.get(),
        counters.gave_up.get(),
        counters.wrong.get()
    );
    if counters.stuck.get() > 0 {
        return Ok(Verdict::fail(format!(
            "{summary}; {} client(s) stuck waiting for a reply that never came",
            counters.stuck.get()
        ))
        .note("A strict REQ socket must receive before it may send again. Give the clients a timeout (--timeout 1000) and they reconnect and ask again: the lazy pirate."));
    }
    if counters.wrong.get() > 0 || counters.gave_up.get() > 0 {
        return Ok(Verdict::fail(summary));
    }
    if plan.requests > 0 && replies < plan.requests * clients {
        return Ok(Verdict::fail(format!(
            "{summary}; stopped before all {} were answered",
            plan.requests * clients
        )));
    }
    if replies == 0 {
        return Ok(Verdict::fail(format!("{summary}: no server answered"))
            .note("Is a REP server bound there (`workbench lab zmq-reqrep --role server`)? Same transport and port?"));
    }
    Ok(Verdict::pass(summary))
}

fn both_endpoint(transport: &str) -> String {
    match transport {
        "inproc" => "inproc://workbench-reqrep".to_string(),
        "ipc" => format!(
            "ipc://{}/workbench-reqrep-{}.ipc",
            std::env::temp_dir().display(),
            std::process::id()
        ),
        _ => "tcp://127.0.0.1:*".to_string(),
    }
}

fn run_both(
    params: &Params,
    context: &LabContext,
    zmq_context: &zmq::Context,
) -> anyhow::Result<Verdict> {
    let server_counters = ServerCounters::new(context);
    context.chart(&["sent", "replies", "served", "retries"]);
    let (socket, bound) = server::bind(zmq_context, &[both_endpoint(params.text("transport"))])?;
    context.info(format!("server bound {}", bound.join(", ")));
    // The clients finish on their own; then the server is told to stop.
    let clients_done = CancelToken::default();
    std::thread::scope(|scope| {
        let server = scope.spawn(|| {
            server::serve(
                zmq_context,
                socket,
                &bound,
                &server_plan(params),
                &server_counters,
                context,
                &clients_done,
            )
        });
        let verdict = run_clients(params, context, zmq_context, &bound);
        clients_done.cancel();
        crate::joined(server.join(), "server")?;
        verdict
    })
}
