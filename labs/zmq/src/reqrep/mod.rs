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
mod lab;
pub mod server;

pub use client::{ClientCounters, ClientPlan, OneClient};
pub(crate) use lab::client_params;
pub use lab::{Clients, ReqRepLab, ReqRepParams, Role};
pub use server::{ServerCounters, ServerPlan};

use lab_core::{CancelToken, Cell, LabContext, Verdict};

use crate::endpoint::Transport;

pub(super) fn run_server(
    params: &ReqRepParams,
    context: &LabContext,
    zmq_context: &zmq::Context,
) -> anyhow::Result<Verdict> {
    let counters = ServerCounters::new(context);
    context.chart(&[&counters.served]);
    let plan = params.server_plan();
    let (socket, bound) = server::bind(zmq_context, &params.bind)?;
    context.info(format!(
        "server bound {}; answering with \"{}\" + the request",
        bound.join(" and "),
        String::from_utf8_lossy(&plan.prefix)
    ));
    let answered = server::serve(
        zmq_context,
        socket,
        &bound,
        &plan,
        &counters,
        context,
        context.cancel_token(),
    )?;
    Ok(Verdict::pass(format!("answered {answered} requests")))
}

/// Charts what the clients send, get back and retry.
pub(crate) fn chart_clients(context: &LabContext) {
    let counters = ClientCounters::new(context);
    context.chart(&[&counters.sent, &counters.replies, &counters.retries]);
}

/// Starts the clients on their own threads and waits for them; the verdict counts their work.
pub(crate) fn run_clients(
    clients: &Clients,
    context: &LabContext,
    zmq_context: &zmq::Context,
    endpoints: &[String],
) -> anyhow::Result<Verdict> {
    let plan = &clients.plan;
    let counters = ClientCounters::new(context);
    let names: Vec<String> = (1..=clients.concurrency)
        .map(|number| format!("client-{number}"))
        .collect();
    context.set_table(
        "clients",
        &["client", "replies", "replies/s", "retries"],
        names
            .iter()
            .map(|name| {
                let one = ClientCounters::of(context, name);
                vec![
                    Cell::from(name.as_str()),
                    Cell::count(&one.replies),
                    Cell::rate(&one.replies),
                    Cell::count(&one.retries),
                ]
            })
            .collect(),
    );
    context.bars("clients", "replies");
    let outcomes: Vec<anyhow::Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = names
            .iter()
            .map(|name| {
                let counters = &counters;
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
    verdict(plan, &counters, names.len() as u64)
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

fn both_endpoint(transport: Transport) -> String {
    match transport {
        Transport::Inproc => "inproc://workbench-reqrep".to_string(),
        Transport::Ipc => format!(
            "ipc://{}/workbench-reqrep-{}.ipc",
            std::env::temp_dir().display(),
            std::process::id()
        ),
        Transport::Tcp => "tcp://127.0.0.1:*".to_string(),
    }
}

pub(super) fn run_both(
    params: &ReqRepParams,
    context: &LabContext,
    zmq_context: &zmq::Context,
) -> anyhow::Result<Verdict> {
    let server_counters = ServerCounters::new(context);
    let client_counters = ClientCounters::new(context);
    context.chart(&[
        &client_counters.sent,
        &client_counters.replies,
        &server_counters.served,
        &client_counters.retries,
    ]);
    let (socket, bound) = server::bind(zmq_context, &[both_endpoint(params.transport)])?;
    context.info(format!("server bound {}", bound.join(", ")));
    // The clients finish on their own; then the server is told to stop.
    let clients_done = CancelToken::default();
    let plan = params.server_plan();
    std::thread::scope(|scope| {
        let server = scope.spawn(|| {
            server::serve(
                zmq_context,
                socket,
                &bound,
                &plan,
                &server_counters,
                context,
                &clients_done,
            )
        });
        let verdict = run_clients(&params.clients, context, zmq_context, &bound);
        clients_done.cancel();
        crate::joined(server.join(), "server")?;
        verdict
    })
}
