//! `zmq-broker`: REQ clients and REP workers meet at a broker, so nobody waits for a busy
//! worker.
//!
//! With a plain REP server, clients queue behind whatever request it is working on. A broker
//! puts a ROUTER socket in front of the clients and a DEALER socket in front of the workers, and
//! `zmq_proxy` passes messages between them:
//!
//! ```text
//!   REQ client ──┐                                   ┌──▶ REP worker-1
//!   REQ client ──┼──▶ ROUTER │ zmq_proxy │ DEALER ───┼──▶ REP worker-2
//!   REQ client ──┘   frontend (bind)   backend (bind) └──▶ REP worker-3 (connect)
//! ```
//!
//! The ROUTER puts the client's identity in front of each request; the DEALER hands requests to
//! the workers in turn (round robin); a worker's REP socket keeps that identity and sends it
//! back with the reply; the ROUTER strips it and delivers the reply to that client. Workers
//! connect to the broker instead of binding, so they can come and go.
//!
//! The proxy also copies every message to a capture socket; the dashboard reads it to count the
//! traffic through the broker and the clients it has seen.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lab_core::{
    CancelToken, Cell, Counter, FromParams, Gauge, Lab, LabContext, LabInfo, ParamKind,
    ParamReader, ParamSpec, Verdict,
};
use strum::VariantNames;

use crate::endpoint;
use crate::reqrep::{Clients, ServerCounters, ServerPlan, client_params, run_clients, server};

/// The lab registered as `zmq-broker`.
pub struct BrokerLab;

/// Which part this process plays.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Role {
    /// Broker, workers and clients in this process.
    Both,
    Broker,
    Worker,
    Client,
}

/// `zmq-broker`'s parameters, typed.
pub struct BrokerParams {
    pub role: Role,
    pub frontend: Vec<String>,
    pub backend: Vec<String>,
    pub connect: Vec<String>,
    pub workers: usize,
    /// Time a worker spends on each request (`--work`, in microseconds).
    pub work: Duration,
    pub clients: Clients,
}

impl FromParams for BrokerParams {
    fn from_params(reader: &mut ParamReader<'_>) -> BrokerParams {
        BrokerParams {
            role: reader.choice("role"),
            frontend: reader.get("frontend"),
            backend: reader.get("backend"),
            connect: reader.get("connect"),
            workers: reader.get("workers"),
            work: Duration::from_micros(reader.get("work")),
            clients: Clients::read(reader),
        }
    }
}

impl Lab for BrokerLab {
    type Params = BrokerParams;

    fn info(&self) -> LabInfo {
        LabInfo {
            id: "zmq-broker",
            topic: "messaging",
            title: "ZeroMQ request/reply broker",
            summary: "A ROUTER/DEALER broker between REQ clients and REP workers: requests spread over the workers and nobody waits for a busy one.",
            lesson: "messaging",
            params: [vec![
                ParamSpec {
                    name: "role",
                    kind: ParamKind::Choice {
                        choices: Role::VARIANTS,
                    },
                    default: "both",
                    help: "both: broker, workers and clients here; broker, worker or client: one part only, for other programs to be the rest",
                    roles: &[],
                },
                ParamSpec {
                    name: "frontend",
                    kind: ParamKind::Endpoints,
                    default: "tcp://127.0.0.1:5559",
                    help: "with --role broker: where the ROUTER for clients binds",
                    roles: &["broker"],
                },
                ParamSpec {
                    name: "backend",
                    kind: ParamKind::Endpoints,
                    default: "tcp://127.0.0.1:5560",
                    help: "with --role broker: where the DEALER for workers binds",
                    roles: &["broker"],
                },
                ParamSpec {
                    name: "connect",
                    kind: ParamKind::Endpoints,
                    default: "tcp://127.0.0.1:5560",
                    help: "with --role worker: the broker's backend; with --role client: its frontend (tcp://127.0.0.1:5559)",
                    roles: &["worker", "client"],
                },
                ParamSpec {
                    name: "workers",
                    kind: ParamKind::Integer { min: 1, max: 64 },
                    default: "4",
                    help: "with --role both or worker: REP workers",
                    roles: &["both", "worker"],
                },
                ParamSpec {
                    name: "work",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 10_000_000,
                    },
                    default: "1000",
                    help: "microseconds a worker spends on each request",
                    roles: &[],
                },
            ], client_params("8", "5000")]
            .concat(),
        }
    }

    fn validate(&self, params: &BrokerParams) -> Result<(), String> {
        match params.role {
            Role::Broker => endpoint::check_list(&params.frontend, "frontend")
                .and_then(|()| endpoint::check_list(&params.backend, "backend")),
            Role::Worker | Role::Client => endpoint::check_list(&params.connect, "connect"),
            Role::Both => Ok(()),
        }
    }

    fn run(&self, params: &BrokerParams, context: &LabContext) -> anyhow::Result<Verdict> {
        let zmq_context = zmq::Context::new();
        match params.role {
            Role::Broker => {
                let through = BrokerCounters::new(context).through;
                context.chart(&[&through]);
                let broker = Broker::bind(
                    &zmq_context,
                    &params.frontend,
                    &params.backend,
                    context,
                    None,
                )?;
                broker.run(&zmq_context, context, context.cancel_token())?;
                Ok(Verdict::pass(format!(
                    "passed {} messages between clients and workers",
                    through.get()
                )))
            }
            Role::Worker => {
                context.chart(&[&ServerCounters::new(context).served]);
                let endpoints = &params.connect;
                context.info(format!("workers connecting to {}", endpoints.join(", ")));
                let served = run_workers(
                    params,
                    context,
                    &zmq_context,
                    endpoints,
                    context.cancel_token(),
                )?;
                Ok(Verdict::pass(format!(
                    "the workers answered {served} requests"
                )))
            }
            Role::Client => {
                crate::reqrep::chart_clients(context);
                let endpoints = &params.connect;
                context.info(format!("clients connecting to {}", endpoints.join(", ")));
                run_clients(&params.clients, context, &zmq_context, endpoints)
            }
            Role::Both => run_both(params, context, &zmq_context),
        }
    }
}

/// Names for the in-process sockets of one broker, unique in this process.
fn inproc_name(what: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "inproc://workbench-broker-{what}-{}",
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The broker's sockets, bound and ready.
struct Broker {
    frontend: zmq::Socket,
    backend: zmq::Socket,
    /// Where clients and workers reach it, as bound.
    frontend_endpoints: Vec<String>,
    backend_endpoints: Vec<String>,
}

impl Broker {
    /// Binds both sides. With `monitor`, every worker connection the backend accepts is
    /// reported there (set before binding, so none is missed).
    fn bind(
        zmq_context: &zmq::Context,
        frontends: &[String],
        backends: &[String],
        context: &LabContext,
        monitor: Option<&str>,
    ) -> anyhow::Result<Broker> {
        let frontend = zmq_context.socket(zmq::ROUTER)?;
        let backend = zmq_context.socket(zmq::DEALER)?;
        if let Some(monitor) = monitor {
            backend.monitor(monitor, zmq::SocketEvent::ACCEPTED as i32)?;
        }
        for socket in [&frontend, &backend] {
            endpoint::prepare(socket)?;
            socket.set_rcvhwm(10_000)?;
            socket.set_sndhwm(10_000)?;
        }
        let frontend_endpoints = endpoint::bind_all(&frontend, frontends)?;
        let backend_endpoints = endpoint::bind_all(&backend, backends)?;
        context.info(format!(
            "broker: clients connect to {} (ROUTER), workers to {} (DEALER)",
            frontend_endpoints.join(", "),
            backend_endpoints.join(", ")
        ));
        Ok(Broker {
            frontend,
            backend,
            frontend_endpoints,
            backend_endpoints,
        })
    }

    /// Runs the proxy until the lab is stopped or `stop` fires.
    fn run(
        self,
        zmq_context: &zmq::Context,
        context: &LabContext,
        stop: &CancelToken,
    ) -> anyhow::Result<()> {
        let Broker {
            mut frontend,
            mut backend,
            ..
        } = self;
        let capture_endpoint = inproc_name("capture");
        let control_endpoint = inproc_name("control");
        // A PUB for the copies: if the dashboard falls behind, PUB drops copies at its
        // high-water mark and never blocks (a blocked or failing capture stops zmq_proxy).
        let mut capture = zmq_context.socket(zmq::PUB)?;
        capture.set_linger(0)?;
        capture.set_sndhwm(100_000)?;
        capture.bind(&capture_endpoint)?;
        // Subscribed before the proxy starts, so not even the first copies are missed.
        let copies = zmq_context.socket(zmq::SUB)?;
        copies.set_linger(0)?;
        copies.set_rcvtimeo(100)?;
        copies.set_subscribe(b"")?;
        copies.connect(&capture_endpoint)?;
        let mut control = zmq_context.socket(zmq::PAIR)?;
        control.set_linger(0)?;
        control.bind(&control_endpoint)?;
        let proxy_done = CancelToken::default();
        std::thread::scope(|scope| {
            scope.spawn(|| watch_capture(copies, context, &proxy_done));
            scope.spawn(|| {
                // zmq_proxy blocks until told TERMINATE on its control socket.
                let steer = zmq_context.socket(zmq::PAIR).and_then(|steer| {
                    steer.set_linger(0)?;
                    steer.connect(&control_endpoint)?;
                    Ok(steer)
                });
                while !context.is_cancelled() && !stop.is_cancelled() && !proxy_done.is_cancelled()
                {
                    stop.sleep(Duration::from_millis(50));
                }
                if let Ok(steer) = steer {
                    let _ = steer.send("TERMINATE", 0);
                }
            });
            let outcome = zmq::proxy_steerable_with_capture(
                &mut frontend,
                &mut backend,
                &mut capture,
                &mut control,
            );
            proxy_done.cancel();
            outcome.map_err(|error| anyhow::anyhow!("the broker's proxy stopped: {error}"))
        })
    }
}

/// What the broker's observer counts.
struct BrokerCounters {
    /// Messages through the proxy, both ways.
    through: Counter,
    /// Clients told apart by their identities.
    clients_seen: Gauge,
}

impl BrokerCounters {
    fn new(context: &LabContext) -> BrokerCounters {
        BrokerCounters {
            through: context.counter("through broker"),
            clients_seen: context.gauge("clients seen"),
        }
    }
}

/// Reads the proxy's copies of every message: counts them, and the clients by identity (a
/// ROUTER puts the client's identity in the first frame, the same going out and coming back).
fn watch_capture(socket: zmq::Socket, context: &LabContext, done: &CancelToken) {
    let BrokerCounters {
        through,
        clients_seen,
    } = BrokerCounters::new(context);
    // The identities seen, up to a bound: a flood of one-off clients must not fill memory.
    let mut clients: BTreeSet<Vec<u8>> = BTreeSet::new();
    while !done.is_cancelled() {
        let Ok(frames) = socket.recv_multipart(0) else {
            continue;
        };
        through.increment();
        // Requests and replies both carry the client's identity first.
        if let Some(identity) = frames.first()
            && clients.len() < 10_000
            && clients.insert(identity.clone())
        {
            clients_seen.set(clients.len() as i64);
        }
    }
}

fn run_workers(
    params: &BrokerParams,
    context: &LabContext,
    zmq_context: &zmq::Context,
    endpoints: &[String],
    stop: &CancelToken,
) -> anyhow::Result<u64> {
    let plan = ServerPlan {
        prefix: params.clients.plan.prefix.clone(),
        work: params.work,
        drop_every: 0,
    };
    let names: Vec<String> = (1..=params.workers)
        .map(|number| format!("worker-{number}"))
        .collect();
    context.set_table(
        "workers",
        &["worker", "served", "served/s"],
        names
            .iter()
            .map(|name| {
                let mine = ServerCounters::of_worker(context, name);
                vec![
                    Cell::from(name.as_str()),
                    Cell::count(&mine),
                    Cell::rate(&mine),
                ]
            })
            .collect(),
    );
    context.bars("workers", "served");
    std::thread::scope(|scope| {
        let handles: Vec<_> = names
            .iter()
            .map(|name| {
                let plan = &plan;
                scope.spawn(move || -> anyhow::Result<u64> {
                    let counters = ServerCounters::named(context, name);
                    // A worker connects to the broker: workers come and go, the broker stays.
                    let socket = zmq_context.socket(zmq::REP)?;
                    endpoint::prepare(&socket)?;
                    for endpoint in endpoints {
                        endpoint::connect(&socket, endpoint)?;
                    }
                    server::serve(
                        zmq_context,
                        socket,
                        endpoints,
                        plan,
                        &counters,
                        context,
                        stop,
                    )
                })
            })
            .collect();
        let mut served = 0;
        for handle in handles {
            served += crate::joined(handle.join(), "worker")?;
        }
        Ok(served)
    })
}

fn run_both(
    params: &BrokerParams,
    context: &LabContext,
    zmq_context: &zmq::Context,
) -> anyhow::Result<Verdict> {
    run_with_backend(params, context, zmq_context, "tcp://127.0.0.1:*", None)
}

/// Another program's worker that the clients must wait for.
pub(crate) struct OutsideWorker<'a> {
    /// True when it is no use waiting any longer (the program exited, time is up).
    pub give_up: &'a dyn Fn() -> bool,
}

/// For the broker-worker exercise: broker, workers and clients as in `--role both`, with the
/// backend bound at `backend`, and the clients held back until `outside` has connected.
pub(crate) fn run_checked(
    params: &BrokerParams,
    context: &LabContext,
    backend: &str,
    outside: OutsideWorker,
) -> anyhow::Result<Verdict> {
    run_with_backend(
        params,
        context,
        &zmq::Context::new(),
        backend,
        Some(outside),
    )
}

fn run_with_backend(
    params: &BrokerParams,
    context: &LabContext,
    zmq_context: &zmq::Context,
    backend: &str,
    outside: Option<OutsideWorker>,
) -> anyhow::Result<Verdict> {
    let clients = crate::reqrep::ClientCounters::new(context);
    context.chart(&[
        &clients.sent,
        &clients.replies,
        &BrokerCounters::new(context).through,
    ]);
    // Accepted worker connections, read here when an outside worker is awaited.
    let monitor_endpoint = inproc_name("monitor");
    let monitor = match &outside {
        Some(_) => {
            let monitor = zmq_context.socket(zmq::PAIR)?;
            monitor.set_linger(0)?;
            monitor.set_rcvtimeo(100)?;
            Some(monitor)
        }
        None => None,
    };
    let broker = Broker::bind(
        zmq_context,
        &["tcp://127.0.0.1:*".to_string()],
        &[backend.to_string()],
        context,
        monitor.as_ref().map(|_| monitor_endpoint.as_str()),
    )?;
    if let Some(monitor) = &monitor {
        monitor.connect(&monitor_endpoint)?;
    }
    let frontend = broker.frontend_endpoints.clone();
    let backend = broker.backend_endpoints.clone();
    // The clients finish on their own; then workers and broker are told to stop.
    let clients_done = CancelToken::default();
    std::thread::scope(|scope| {
        let broker = scope.spawn(|| broker.run(zmq_context, context, &clients_done));
        let workers =
            scope.spawn(|| run_workers(params, context, zmq_context, &backend, &clients_done));
        if let (Some(monitor), Some(outside)) = (&monitor, &outside) {
            // Our workers and theirs: the clients start once all are connected.
            let wanted = params.workers + 1;
            let mut accepted = 0;
            while accepted < wanted && !(outside.give_up)() && !context.is_cancelled() {
                if monitor.recv_multipart(0).is_ok() {
                    accepted += 1;
                }
            }
        }
        let verdict = run_clients(&params.clients, context, zmq_context, &frontend);
        clients_done.cancel();
        crate::joined(workers.join(), "workers")?;
        crate::joined(broker.join(), "broker")?;
        verdict
    })
}
