//! `zmq-transports`: the same sockets over `inproc://`, `ipc://` and `tcp://`, side by side.
//!
//! ZeroMQ code does not change with the transport: only the endpoint string does. What changes
//! is what carries the bytes:
//!
//! ```text
//!   inproc://name        threads of one process: a queue in memory, no system call per message
//!   ipc:///tmp/x.ipc     processes of one machine: a Unix domain socket through the kernel
//!   tcp://127.0.0.1:5555 machines: TCP through the kernel's network stack, here over loopback
//! ```
//!
//! For each transport and message size the lab measures two things, one after the other:
//!
//! - **throughput**: a PUSH streams messages to a PULL as fast as it can, for a fixed time;
//!   messages per second and megabytes per second (ZeroMQ batches small messages, so this is
//!   far more than one round trip allows);
//! - **round trip**: a REQ sends one message to a REP that sends it back, again and again; the
//!   time of each round trip, as percentiles.
//!
//! The table fills in as the measurements finish; every transport gets the same time.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use lab_core::{
    Cell, Counter, FromParams, Lab, LabContext, LabInfo, ParamKind, ParamReader, ParamSpec, Verdict,
};

use crate::endpoint;

/// The lab registered as `zmq-transports`.
pub struct TransportsLab;

const TRANSPORTS: &[&str] = &["inproc", "ipc", "tcp"];
/// The largest message the lab will send (bigger ones say nothing new and fill memory).
const LARGEST_SIZE: usize = 16 * 1024 * 1024;

/// `zmq-transports`' parameters, typed; the lists are checked by `validate`.
pub struct TransportsParams {
    pub transports: Vec<String>,
    pub sizes: Vec<String>,
    pub hwm: usize,
    /// How long each measurement runs (`--time-ms`).
    pub budget: Duration,
}

impl FromParams for TransportsParams {
    fn from_params(reader: &mut ParamReader<'_>) -> TransportsParams {
        TransportsParams {
            transports: reader.get("transports"),
            sizes: reader.get("sizes"),
            hwm: reader.get("hwm"),
            budget: Duration::from_millis(reader.get("time-ms")),
        }
    }
}

impl Lab for TransportsLab {
    type Params = TransportsParams;

    fn info(&self) -> LabInfo {
        LabInfo {
            id: "zmq-transports",
            topic: "messaging",
            title: "ZeroMQ transports compared",
            summary: "The same PUSH/PULL stream and REQ/REP round trip over inproc, ipc and tcp, per message size: messages/s and round-trip percentiles side by side.",
            params: vec![
                ParamSpec {
                    name: "transports",
                    kind: ParamKind::List,
                    default: "inproc,ipc,tcp",
                    help: "transports to compare, in order: inproc, ipc, tcp",
                    roles: &[],
                },
                ParamSpec {
                    name: "sizes",
                    kind: ParamKind::List,
                    default: "16,1024,65536",
                    help: "message sizes in bytes",
                    roles: &[],
                },
                ParamSpec {
                    name: "hwm",
                    kind: ParamKind::Integer {
                        min: 1,
                        max: 1_000_000,
                    },
                    default: "100000",
                    help: "high-water mark of the streaming sockets, in messages (lower for big messages, 64 MiB at most); a small one makes the sender wait for the receiver more often",
                    roles: &[],
                },
                ParamSpec {
                    name: "time-ms",
                    kind: ParamKind::Integer {
                        min: 50,
                        max: 60_000,
                    },
                    default: "400",
                    help: "milliseconds each measurement runs (throughput and round trip each, per transport and size)",
                    roles: &[],
                },
            ],
        }
    }

    fn validate(&self, params: &TransportsParams) -> Result<(), String> {
        if params.transports.is_empty() {
            return Err("--transports is empty: give some of inproc, ipc, tcp".to_string());
        }
        for transport in &params.transports {
            if !TRANSPORTS.contains(&transport.as_str()) {
                return Err(format!(
                    "unknown transport '{transport}' in --transports: use inproc, ipc or tcp"
                ));
            }
        }
        sizes(&params.sizes).map(|_| ())
    }

    fn run(&self, params: &TransportsParams, context: &LabContext) -> anyhow::Result<Verdict> {
        let sizes = sizes(&params.sizes).map_err(|error| anyhow::anyhow!(error))?;
        let budget = params.budget;
        context.set_table(
            "transports",
            &[
                "transport",
                "size B",
                "messages/s",
                "MB/s",
                "round trip p50 µs",
                "round trip p99 µs",
            ],
            Vec::new(),
        );
        let zmq_context = zmq::Context::new();
        let messages = context.counter("messages");
        let round_trips = context.counter("round trips");
        context.chart(&[&messages, &round_trips]);
        let mut summary = Vec::new();
        for transport in &params.transports {
            for &size in &sizes {
                if context.is_cancelled() {
                    return Ok(Verdict::fail(format!(
                        "stopped after {} of {} measurements",
                        summary.len(),
                        params.transports.len() * sizes.len()
                    )));
                }
                context.info(format!("{transport}, {size} B: streaming"));
                let stream = throughput(
                    &zmq_context,
                    &Endpoints::new(transport),
                    size,
                    params.hwm,
                    budget,
                    &messages,
                    context,
                )?;
                context.info(format!("{transport}, {size} B: round trips"));
                let mut round_trip_nanos = round_trip(
                    &zmq_context,
                    &Endpoints::new(transport),
                    size,
                    budget,
                    &round_trips,
                    context,
                )?;
                round_trip_nanos.sort_unstable();
                let percentile = |fraction: f64| -> f64 {
                    if round_trip_nanos.is_empty() {
                        return 0.0;
                    }
                    let index = ((round_trip_nanos.len() - 1) as f64 * fraction).round() as usize;
                    round_trip_nanos[index] as f64 / 1000.0
                };
                let (p50, p99) = (percentile(0.50), percentile(0.99));
                context.add_table_row(
                    "transports",
                    vec![
                        Cell::from(transport.as_str()),
                        Cell::Number(size as f64),
                        Cell::Number(stream.per_second().round()),
                        Cell::Number(
                            (stream.per_second() * size as f64 / 1e6 * 10.0).round() / 10.0,
                        ),
                        Cell::Number((p50 * 10.0).round() / 10.0),
                        Cell::Number((p99 * 10.0).round() / 10.0),
                    ],
                );
                summary.push(format!(
                    "{transport} {size} B: {:.0} msg/s, round trip {p50:.0} µs",
                    stream.per_second()
                ));
            }
        }
        Ok(Verdict::pass(summary.join("; ")))
    }
}

/// `--sizes` as numbers.
fn sizes(list: &[String]) -> Result<Vec<usize>, String> {
    let sizes: Vec<usize> = list
        .iter()
        .map(|size| match size.parse::<usize>() {
            Ok(size) if (1..=LARGEST_SIZE).contains(&size) => Ok(size),
            _ => Err(format!(
                "invalid size '{size}' in --sizes: a number of bytes from 1 to {LARGEST_SIZE}"
            )),
        })
        .collect::<Result<_, _>>()?;
    if sizes.is_empty() {
        return Err("--sizes is empty: give message sizes in bytes, e.g. 16,1024".to_string());
    }
    Ok(sizes)
}

/// A fresh endpoint on one transport for one measurement; an ipc socket file is removed when
/// this is dropped.
pub struct Endpoints {
    pub address: String,
    ipc_file: Option<std::path::PathBuf>,
}

impl Endpoints {
    pub fn new(transport: &str) -> Endpoints {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let unique = format!(
            "workbench-transports-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        match transport {
            "inproc" => Endpoints {
                address: format!("inproc://{unique}"),
                ipc_file: None,
            },
            "ipc" => {
                let file = std::env::temp_dir().join(format!("{unique}.ipc"));
                Endpoints {
                    address: format!("ipc://{}", file.display()),
                    ipc_file: Some(file),
                }
            }
            // The system picks a free port when the socket binds.
            _ => Endpoints {
                address: "tcp://127.0.0.1:*".to_string(),
                ipc_file: None,
            },
        }
    }
}

impl Drop for Endpoints {
    fn drop(&mut self) {
        if let Some(file) = &self.ipc_file {
            let _ = std::fs::remove_file(file);
        }
    }
}

/// How a stream went: messages received over how long.
pub struct Stream {
    pub messages: u64,
    pub seconds: f64,
}

impl Stream {
    pub fn per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.messages as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// Two sockets joined over `endpoints`: the first binds, the second connects, after `configure`
/// set their options. Neither lingers: a measurement's leftovers are not worth waiting for.
fn pair(
    zmq_context: &zmq::Context,
    endpoints: &Endpoints,
    binding: zmq::SocketType,
    connecting: zmq::SocketType,
    configure: impl FnOnce(&zmq::Socket, &zmq::Socket) -> zmq::Result<()>,
) -> anyhow::Result<(zmq::Socket, zmq::Socket)> {
    let (bound, connected) = (
        zmq_context.socket(binding)?,
        zmq_context.socket(connecting)?,
    );
    for socket in [&bound, &connected] {
        endpoint::prepare(socket)?;
        socket.set_linger(0)?;
    }
    configure(&bound, &connected)?;
    let address = endpoint::bind(&bound, &endpoints.address)?;
    endpoint::connect(&connected, &address)?;
    Ok((bound, connected))
}

/// Bytes the stream's queues may hold, each side: the high-water mark is in messages, so big
/// messages get a lower one.
const QUEUE_BYTES: usize = 64 * 1024 * 1024;

/// The high-water mark for `size`-byte messages: `hwm`, or less to stay within QUEUE_BYTES.
fn queue_limit(hwm: usize, size: usize) -> i32 {
    hwm.min(QUEUE_BYTES / size.max(1)).max(1) as i32
}

/// A PUSH streams `size`-byte messages to a PULL for `budget`, with queues of `hwm` messages
/// at most; `received` counts each message as it arrives.
pub fn throughput(
    zmq_context: &zmq::Context,
    endpoints: &Endpoints,
    size: usize,
    hwm: usize,
    budget: Duration,
    received: &Counter,
    context: &LabContext,
) -> anyhow::Result<Stream> {
    let (pull, push) = pair(
        zmq_context,
        endpoints,
        zmq::PULL,
        zmq::PUSH,
        |pull, push| {
            let queue = queue_limit(hwm, size);
            pull.set_rcvhwm(queue)?;
            push.set_sndhwm(queue)?;
            // The sender checks now and then whether the receiver is done.
            push.set_sndtimeo(endpoint::POLL_INTERVAL.as_millis() as i32)
        },
    )?;
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // A socket belongs to one thread: the PUSH moves into the sending thread.
        let sender = scope.spawn(|| {
            let push = push;
            let message = vec![b'x'; size];
            while !done.load(Ordering::Relaxed) {
                match push.send(&message[..], 0) {
                    Ok(()) | Err(zmq::Error::EAGAIN) => {}
                    Err(_) => break,
                }
            }
        });
        let outcome = receive_for(&pull, budget, received, context);
        done.store(true, Ordering::Relaxed);
        let _ = sender.join();
        outcome
    })
}

/// Receives for `budget` from the first message on; counts each in `received`.
fn receive_for(
    pull: &zmq::Socket,
    budget: Duration,
    received: &Counter,
    context: &LabContext,
) -> anyhow::Result<Stream> {
    let mut buffer = zmq::Message::new();
    // The clock starts at the first message: connecting is not part of the measurement.
    let started = loop {
        match pull.recv(&mut buffer, 0) {
            Ok(()) => break Instant::now(),
            Err(zmq::Error::EAGAIN) if !context.is_cancelled() => continue,
            Err(zmq::Error::EAGAIN) => {
                return Ok(Stream {
                    messages: 0,
                    seconds: 0.0,
                });
            }
            Err(error) => return Err(error.into()),
        }
    };
    let mut messages = 1;
    received.increment();
    // Reading the clock costs time too: look at it once every 256 messages.
    while messages % 256 != 0 || (started.elapsed() < budget && !context.is_cancelled()) {
        match pull.recv(&mut buffer, 0) {
            Ok(()) => {
                messages += 1;
                received.increment();
            }
            Err(zmq::Error::EAGAIN) => {
                if started.elapsed() >= budget || context.is_cancelled() {
                    break;
                }
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(Stream {
        messages,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A REQ sends a `size`-byte message to a REP that returns it, for `budget`; returns the time
/// of each round trip in nanoseconds.
pub fn round_trip(
    zmq_context: &zmq::Context,
    endpoints: &Endpoints,
    size: usize,
    budget: Duration,
    round_trips: &Counter,
    context: &LabContext,
) -> anyhow::Result<Vec<u64>> {
    let (rep, req) = pair(zmq_context, endpoints, zmq::REP, zmq::REQ, |_, _| Ok(()))?;
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let echo = scope.spawn(|| {
            let rep = rep;
            let mut message = zmq::Message::new();
            while !done.load(Ordering::Relaxed) {
                match rep.recv(&mut message, 0) {
                    Ok(()) => {
                        if rep.send(&message[..], 0).is_err() {
                            break;
                        }
                    }
                    Err(zmq::Error::EAGAIN) => {}
                    Err(_) => break,
                }
            }
        });
        let outcome = ping_for(&req, size, budget, round_trips, context);
        done.store(true, Ordering::Relaxed);
        let _ = echo.join();
        outcome
    })
}

fn ping_for(
    req: &zmq::Socket,
    size: usize,
    budget: Duration,
    round_trips: &Counter,
    context: &LabContext,
) -> anyhow::Result<Vec<u64>> {
    let message = vec![b'x'; size];
    let mut reply = zmq::Message::new();
    let mut times = Vec::new();
    let started = Instant::now();
    while started.elapsed() < budget && !context.is_cancelled() {
        let sent_at = Instant::now();
        req.send(&message[..], 0)?;
        loop {
            match req.recv(&mut reply, 0) {
                Ok(()) => break,
                Err(zmq::Error::EAGAIN) if !context.is_cancelled() => continue,
                Err(zmq::Error::EAGAIN) => return Ok(times),
                Err(error) => return Err(error.into()),
            }
        }
        times.push(sent_at.elapsed().as_nanos() as u64);
        round_trips.increment();
    }
    Ok(times)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_transports_and_sizes_are_refused_by_name() {
        let lab = TransportsLab;
        let parse = |transports: &str, sizes: &str| {
            lab_core::AnyLab::parse_params(
                &lab,
                &[
                    ("transports".to_string(), transports.to_string()),
                    ("sizes".to_string(), sizes.to_string()),
                ],
            )
        };
        assert!(parse("inproc,tcp", "1,64").is_ok());
        assert_eq!(
            parse("inproc,udp", "64").unwrap_err(),
            "unknown transport 'udp' in --transports: use inproc, ipc or tcp"
        );
        assert!(
            parse("tcp", "64,big")
                .unwrap_err()
                .contains("invalid size 'big'")
        );
        assert!(parse("tcp", "0").unwrap_err().contains("invalid size '0'"));
    }
}
