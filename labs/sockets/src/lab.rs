//! `socket-echo`'s schema, typed parameters, roles and verdicts: the server models of this
//! crate under the crowd of `client.rs`, or on their own for `nc`, PHP or a student's client.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use lab_core::{
    Cell, FromParams, Lab, LabContext, LabInfo, Level, ParamKind, ParamReader, ParamSpec, Verdict,
};
use strum::VariantNames;

use crate::client::{self, Load, Outcome};
use crate::server::{self, Rules, Service};
use crate::tally::{Publisher, SharedTally};
use crate::{MODELS, Model, raise_file_limit, serve, timewait};

/// Which side this process plays.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Role {
    /// A server and the crowd of clients.
    Both,
    Server,
    Client,
}

/// `socket-echo`'s parameters, typed; the addresses are checked by `validate`.
pub struct EchoParams {
    pub role: Role,
    pub model: Model,
    pub compare: bool,
    pub bind: String,
    pub connect: String,
    pub rules: Rules,
    pub load: Load,
    pub reuse_address: bool,
}

impl FromParams for EchoParams {
    fn from_params(reader: &mut ParamReader<'_>) -> EchoParams {
        let unless_zero = |value: Duration| (!value.is_zero()).then_some(value);
        let read_timeout = unless_zero(reader.get("read-timeout"));
        let write_timeout = unless_zero(reader.get("write-timeout"));
        EchoParams {
            role: reader.choice("role"),
            model: reader.choice("model"),
            compare: reader.get("compare"),
            bind: reader.get("bind"),
            connect: reader.get("connect"),
            rules: Rules {
                max_line: reader.get("max-line"),
                read_timeout,
                write_timeout,
            },
            load: Load {
                clients: reader.get("clients"),
                messages: reader.get("messages"),
                size: reader.get("size"),
                read_timeout,
                write_timeout,
                slow_clients: reader.get("slow-clients"),
            },
            reuse_address: !reader.get::<bool>("no-reuseaddr"),
        }
    }
}

/// The lab registered as `socket-echo`.
pub struct EchoLab;

impl Lab for EchoLab {
    type Params = EchoParams;

    fn info(&self) -> LabInfo {
        LabInfo {
            id: "socket-echo",
            topic: "sockets",
            title: "Socket echo server, six models",
            summary: "One line-echo service written six ways (blocking, select, epoll, tokio, threads, fork) under the same crowd of clients: who stalls, who scales.",
            params: vec![
                ParamSpec {
                    name: "role",
                    kind: ParamKind::Choice {
                        choices: Role::VARIANTS,
                    },
                    default: "both",
                    help: "both: a server and the crowd of clients; server: serve until stopped (for nc, PHP or your client); client: the crowd against another server",
                    roles: &[],
                },
                ParamSpec {
                    name: "model",
                    kind: ParamKind::Choice { choices: MODELS },
                    default: "epoll",
                    help: "how the server waits for many clients",
                    roles: &[],
                },
                ParamSpec {
                    name: "compare",
                    kind: ParamKind::Bool,
                    default: "false",
                    help: "run every model under the same load, one after the other, and tabulate them",
                    roles: &[],
                },
                ParamSpec {
                    name: "bind",
                    kind: ParamKind::Address,
                    default: "127.0.0.1:25003",
                    help: "with --role server or both: where the server listens",
                    roles: &["server", "both"],
                },
                ParamSpec {
                    name: "connect",
                    kind: ParamKind::Address,
                    default: "127.0.0.1:25003",
                    help: "with --role client: the server",
                    roles: &["client"],
                },
                ParamSpec {
                    name: "clients",
                    kind: ParamKind::Integer {
                        min: 1,
                        max: 20_000,
                    },
                    default: "100",
                    help: "clients connected at once, each with its own connection",
                    roles: &[],
                },
                ParamSpec {
                    name: "messages",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 10_000_000,
                    },
                    default: "100",
                    help: "lines each client sends, waiting for each echo",
                    roles: &[],
                },
                ParamSpec {
                    name: "size",
                    kind: ParamKind::Integer {
                        min: 2,
                        max: 1_048_576,
                    },
                    default: "64",
                    help: "bytes per line, newline included",
                    roles: &[],
                },
                ParamSpec {
                    name: "max-line",
                    kind: ParamKind::Integer {
                        min: 1,
                        max: 64 * 1_048_576,
                    },
                    default: "65536",
                    help: "the server's longest line; longer gets an error line and the connection closed",
                    roles: &[],
                },
                ParamSpec {
                    name: "read-timeout",
                    kind: ParamKind::Duration {
                        unit: "ms",
                        max_seconds: 3600.0,
                    },
                    default: "0",
                    help: "the server closes a client silent this long, a client gives up on an echo this late (500ms, 2s; a bare number is milliseconds); 0: wait forever",
                    roles: &[],
                },
                ParamSpec {
                    name: "write-timeout",
                    kind: ParamKind::Duration {
                        unit: "ms",
                        max_seconds: 3600.0,
                    },
                    default: "0",
                    help: "give up on a peer that takes none of what is written for this long (500ms, 2s; a bare number is milliseconds); 0: wait forever",
                    roles: &[],
                },
                ParamSpec {
                    name: "slow-clients",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 10_000,
                    },
                    default: "0",
                    help: "extra connections that send nothing: which models does a silent client block?",
                    roles: &[],
                },
                ParamSpec {
                    name: "no-reuseaddr",
                    kind: ParamKind::Bool,
                    default: "false",
                    help: "listen without SO_REUSEADDR: a restart fails while old connections sit in TIME_WAIT",
                    roles: &[],
                },
            ],
        }
    }

    fn validate(&self, params: &EchoParams) -> Result<(), String> {
        for (address, flag) in [(&params.bind, "bind"), (&params.connect, "connect")] {
            if address.parse::<SocketAddr>().is_err() {
                return Err(format!(
                    "invalid address '{address}' for --{flag}: expected host:port with an IP, e.g. 127.0.0.1:25003"
                ));
            }
        }
        Ok(())
    }

    fn run(&self, params: &EchoParams, context: &LabContext) -> anyhow::Result<Verdict> {
        if let Err(why) = raise_file_limit() {
            context.warn(why);
        }
        if params.compare {
            return compare(params, context);
        }
        match params.role {
            Role::Server => run_server(params, context),
            Role::Client => {
                let address: SocketAddr = params.connect.parse()?;
                let crowd = client::Charted::new(context);
                context.chart(&[&crowd.echoes, &crowd.sent]);
                context.info(format!(
                    "{} clients connecting to {address}",
                    params.load.clients
                ));
                let outcome = client::run(address, &params.load, context)?;
                Ok(load_verdict(&params.load, &outcome, None))
            }
            Role::Both => run_both(params, context),
        }
    }
}

/// A running server's ending: its tally, for the verdict.
struct Served {
    tally: Arc<SharedTally>,
}

/// Listens on `address`, runs `model` there while `body` runs, then stops it (every
/// connection closed, every thread joined, every child reaped) and returns `body`'s result.
fn with_server<T>(
    model: Model,
    address: &str,
    rules: Rules,
    reuse_address: bool,
    context: &LabContext,
    body: impl FnOnce(SocketAddr) -> T,
) -> anyhow::Result<(T, Served)> {
    let listener = listen_counted(address, reuse_address, context)?;
    let bound = listener.local_addr()?;
    let tally = Arc::new(SharedTally::new()?);
    let stop = lab_core::CancelToken::default();
    let log = |level: Level, message: String| context.event(level, message);
    let service = Service::new(listener, rules, tally.clone(), &stop, &log);
    let outcome = std::thread::scope(|scope| {
        let serving = scope.spawn(|| serve(model, &service));
        let publishing = scope.spawn(|| {
            let mut publisher = Publisher::new(context);
            while !stop.is_cancelled() {
                publisher.publish(&tally);
                stop.sleep(Duration::from_millis(100));
            }
            publisher
        });
        let outcome = body(bound);
        stop.cancel();
        let served = serving
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the {model} server panicked")));
        if let Ok(mut publisher) = publishing.join() {
            publisher.publish(&tally);
        }
        served.map(|()| outcome)
    })?;
    Ok((outcome, Served { tally }))
}

/// [`with_server`] with the model, address, rules and SO_REUSEADDR the flags give.
fn with_server_from<T>(
    params: &EchoParams,
    context: &LabContext,
    body: impl FnOnce(SocketAddr) -> T,
) -> anyhow::Result<(T, Served)> {
    with_server(
        params.model,
        &params.bind,
        params.rules,
        params.reuse_address,
        context,
        body,
    )
}

fn run_server(params: &EchoParams, context: &LabContext) -> anyhow::Result<Verdict> {
    let model = params.model;
    let server = Publisher::new(context);
    context.chart(&[server.requests(), server.accepts()]);
    let ((), served) = with_server_from(params, context, |bound| {
        context.info(format!(
            "{model} server listening on {bound}; try: nc {} {}",
            bound.ip(),
            bound.port()
        ));
        while !context.is_cancelled() {
            context.sleep(Duration::from_millis(100));
        }
    })?;
    let tally = &served.tally;
    Ok(Verdict::pass(format!(
        "the {model} server echoed {} lines for {} connections (at most {} at once)",
        tally.requests.load(std::sync::atomic::Ordering::Relaxed),
        tally.accepted.load(std::sync::atomic::Ordering::Relaxed),
        tally.most_open.load(std::sync::atomic::Ordering::Relaxed)
    )))
}

fn run_both(params: &EchoParams, context: &LabContext) -> anyhow::Result<Verdict> {
    let model = params.model;
    context.chart(&[
        &client::Charted::new(context).echoes,
        Publisher::new(context).accepts(),
    ]);
    let load = params.load;
    let ((outcome, staying), served) = with_server_from(params, context, |bound| {
        context.info(format!(
            "{model} server on {bound}; {} clients sending {} lines of {} bytes",
            load.clients, load.messages, load.size
        ));
        let outcome = client::run(bound, &load, context);
        let staying = stay_connected(bound, load.clients.min(STAYING));
        if !staying.is_empty() {
            context.info(format!(
                "{} clients still connected as the server stops: the server closes first",
                staying.len()
            ));
        }
        // Returned, so they stay connected until the server has stopped.
        (outcome, staying)
    })?;
    let outcome = outcome?;
    let most_at_once = served
        .tally
        .most_open
        .load(std::sync::atomic::Ordering::Relaxed);
    // The clients close their side too: the server's side, closed first, enters TIME_WAIT.
    drop(staying);
    std::thread::sleep(Duration::from_millis(50));
    after_the_run(params, context);
    Ok(load_verdict(&load, &outcome, Some((model, most_at_once))))
}

/// Clients still connected when the server stops, at most: it closes their connections first,
/// which leaves them in TIME_WAIT on the server's port.
const STAYING: usize = 50;

/// Connects up to `count` clients, each echoed once (so the server has taken it on); stops at
/// the first the server does not answer (a blocking server answers one).
fn stay_connected(address: SocketAddr, count: usize) -> Vec<std::net::TcpStream> {
    use std::io::{BufRead, Write};
    (0..count)
        .map_while(|number| {
            let mut stream = std::net::TcpStream::connect(address).ok()?;
            stream
                .set_read_timeout(Some(Duration::from_millis(500)))
                .ok()?;
            stream
                .write_all(format!("staying {number}\n").as_bytes())
                .ok()?;
            let mut echo = String::new();
            std::io::BufReader::new(&stream).read_line(&mut echo).ok()?;
            Some(stream)
        })
        .collect()
}

/// After a run: the sockets the port left in TIME_WAIT, and whether the server could listen
/// there again right now.
fn after_the_run(params: &EchoParams, context: &LabContext) {
    let address = &params.bind;
    let Ok(socket_address) = address.parse::<SocketAddr>() else {
        return;
    };
    if socket_address.port() == 0 {
        return;
    }
    if let Some(waiting) = timewait::count(socket_address.port()) {
        context.gauge("time-wait sockets").set(waiting as i64);
        context.info(format!(
            "{waiting} sockets on port {} in TIME_WAIT",
            socket_address.port()
        ));
    }
    let reuse = params.reuse_address;
    match listen_counted(address, reuse, context) {
        Ok(_) => context.info(format!(
            "restart: listening on {address} again works{}",
            if reuse { " (SO_REUSEADDR)" } else { "" }
        )),
        Err(error) => context.warn(format!("restart: {error}")),
    }
}

/// [`server::listen`], counting a listen refused because the port is taken: without
/// SO_REUSEADDR, a restart while the last run's connections sit in TIME_WAIT.
fn listen_counted(
    address: &str,
    reuse: bool,
    context: &LabContext,
) -> anyhow::Result<std::net::TcpListener> {
    let refused = context.counter(LISTENS_REFUSED);
    server::listen(address, reuse).inspect_err(|error| {
        if server::address_in_use(error) {
            refused.increment();
        }
    })
}

/// Listens refused with EADDRINUSE; the no-reuseaddr lesson link expects it to move.
const LISTENS_REFUSED: &str = "listens refused: address in use";

fn load_verdict(load: &Load, outcome: &Outcome, server: Option<(Model, i64)>) -> Verdict {
    let figures = format!(
        "{} echoes in {:.2} s ({:.0}/s), round trip p50 {:.0} µs, p99 {:.0} µs",
        outcome.echoes,
        outcome.seconds,
        outcome.per_second(),
        outcome.percentile_us(0.5),
        outcome.percentile_us(0.99)
    );
    let served = server
        .map(|(model, most)| format!("{model}: {most} clients served at once; "))
        .unwrap_or_default();
    if outcome.all_well(load) {
        return Verdict::pass(format!("{served}{figures}"));
    }
    let mut verdict = Verdict::fail(format!(
        "{}{served}{figures}; {} wrong echoes, {} clients failed, {} gave up waiting",
        held_by_silent_clients(load, outcome, server),
        outcome.wrong,
        outcome.failed,
        outcome.timed_out
    ));
    if outcome.timed_out > 0 {
        verdict = verdict.note(
            "clients gave up waiting for an echo: a server that serves one client at a time keeps the others waiting",
        );
    }
    verdict
}

/// The cause, when silent clients took every place a server has: "the 1 silent client held
/// the blocking server (one client at a time) for 60.1 s; 100 clients waited: ". Empty
/// otherwise.
fn held_by_silent_clients(load: &Load, outcome: &Outcome, server: Option<(Model, i64)>) -> String {
    let Some((model, most_at_once)) = server else {
        return String::new();
    };
    let expected = load.clients as u64 * load.messages;
    if load.slow_clients == 0
        || most_at_once > load.slow_clients as i64
        || outcome.echoes >= expected
    {
        return String::new();
    }
    let waited =
        load.clients as u64 - (outcome.echoes / load.messages.max(1)).min(load.clients as u64);
    format!(
        "the {} silent client{} held the {model} server ({most_at_once} client{} at a time) for {:.1} s; {waited} clients waited: ",
        load.slow_clients,
        if load.slow_clients == 1 { "" } else { "s" },
        if most_at_once == 1 { "" } else { "s" },
        outcome.seconds
    )
}

/// Every model under the same load, one after the other, into one table.
fn compare(params: &EchoParams, context: &LabContext) -> anyhow::Result<Verdict> {
    context.chart(&[&client::Charted::new(context).echoes]);
    context.set_table(
        "models",
        &[
            "model",
            "requests/s",
            "p50 µs",
            "p99 µs",
            "max µs",
            "at once",
            "errors",
        ],
        Vec::new(),
    );
    let load = params.load;
    let mut summary = Vec::new();
    for model in Model::ALL {
        if context.is_cancelled() {
            break;
        }
        context.info(format!(
            "{model}: {} clients × {} lines",
            load.clients, load.messages
        ));
        let (outcome, served) =
            with_server(model, "127.0.0.1:0", params.rules, true, context, |bound| {
                client::run(bound, &load, context)
            })?;
        let outcome = outcome?;
        let most = served
            .tally
            .most_open
            .load(std::sync::atomic::Ordering::Relaxed);
        let errors = outcome.wrong + outcome.failed + outcome.timed_out;
        context.add_table_row(
            "models",
            vec![
                Cell::from(model.to_string()),
                Cell::Number(outcome.per_second().round()),
                Cell::Number(outcome.percentile_us(0.5).round()),
                Cell::Number(outcome.percentile_us(0.99).round()),
                // The longest wait: a client queued behind all the others, on a blocking server.
                Cell::Number(outcome.percentile_us(1.0).round()),
                Cell::Number(most as f64),
                Cell::Number(errors as f64),
            ],
        );
        summary.push(format!("{model} {:.0}/s", outcome.per_second()));
    }
    if summary.len() < MODELS.len() {
        return Ok(Verdict::fail(format!(
            "stopped after {} of {} models",
            summary.len(),
            MODELS.len()
        )));
    }
    Ok(Verdict::pass(summary.join(", ")))
}
