//! `zmq-broker`'s schema, typed parameters and roles: the broker of `mod.rs` with REP workers
//! and REQ clients around it, here or in other programs.

use std::time::Duration;

use lab_core::{
    CancelToken, Cell, FromParams, Lab, LabContext, LabInfo, ParamKind, ParamReader, ParamSpec,
    Verdict,
};
use strum::VariantNames;

use super::capture::{self, BrokerCounters};
use super::{Broker, inproc_name};
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
                let broker = Broker::bind(&zmq_context, &params.frontend, &params.backend, None)?;
                announce(&broker, context);
                capture::run_counted(broker, &zmq_context, context, context.cancel_token())?;
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

/// Where clients and workers find the broker, in the event log.
fn announce(broker: &Broker, context: &LabContext) {
    context.info(format!(
        "broker: clients connect to {} (ROUTER), workers to {} (DEALER)",
        broker.frontend_endpoints.join(", "),
        broker.backend_endpoints.join(", ")
    ));
}

/// Broker, workers and clients as in `--role both`, with the backend bound at `backend`; with
/// `outside`, the clients are held back until that worker has connected too.
pub(crate) fn run_with_backend(
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
        monitor.as_ref().map(|_| monitor_endpoint.as_str()),
    )?;
    announce(&broker, context);
    if let Some(monitor) = &monitor {
        monitor.connect(&monitor_endpoint)?;
    }
    let frontend = broker.frontend_endpoints.clone();
    let backend = broker.backend_endpoints.clone();
    // The clients finish on their own; then workers and broker are told to stop.
    let clients_done = CancelToken::default();
    std::thread::scope(|scope| {
        let broker =
            scope.spawn(|| capture::run_counted(broker, zmq_context, context, &clients_done));
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
