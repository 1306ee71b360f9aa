//! The load: a crowd of clients, each sending lines and waiting for each echo.
//!
//! Every client is a tokio task with its own connection, so thousands fit in two threads. A
//! client sends `client-7 #42 ....\n` (padded to `--size` bytes), waits for the same bytes to
//! come back, and times the round trip; anything else is a wrong echo. With `--read-timeout`,
//! a client that waits longer than that for an echo gives up on the server, the way a real
//! client must rather than hang forever.
//!
//! `--slow-clients N` adds connections that never send anything: harmless to a server that
//! waits on every socket at once, fatal to one that waits on one socket at a time.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lab_core::{Counter, LabContext, Level};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// What the crowd does.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    pub clients: usize,
    pub messages: u64,
    pub size: usize,
    /// Give up on an echo that takes longer than this.
    pub read_timeout: Option<Duration>,
    /// Give up on a write the server does not take for this long.
    pub write_timeout: Option<Duration>,
    pub slow_clients: usize,
}

/// What the crowd saw.
#[derive(Debug, Default)]
pub struct Outcome {
    pub echoes: u64,
    pub wrong: u64,
    /// Clients that could not connect, or lost their connection.
    pub failed: u64,
    /// Clients that gave up waiting for an echo.
    pub timed_out: u64,
    pub seconds: f64,
    /// Every round trip, in nanoseconds, sorted.
    pub round_trips: Vec<u64>,
}

impl Outcome {
    pub fn per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.echoes as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// The round trip at `fraction` (0.5 for the median), in microseconds.
    pub fn percentile_us(&self, fraction: f64) -> f64 {
        if self.round_trips.is_empty() {
            return 0.0;
        }
        let index = ((self.round_trips.len() - 1) as f64 * fraction).round() as usize;
        self.round_trips[index] as f64 / 1000.0
    }

    pub fn all_well(&self, load: &Load) -> bool {
        self.wrong == 0
            && self.failed == 0
            && self.timed_out == 0
            && self.echoes == load.clients as u64 * load.messages
    }
}

/// The line client `client` sends as its message number `message`, `size` bytes with `\n`.
pub fn line_for(client: usize, message: u64, size: usize) -> Vec<u8> {
    let mut line = format!("client-{client} #{message} ").into_bytes();
    line.resize(size.max(line.len() + 1) - 1, b'.');
    line.push(b'\n');
    line
}

struct Counters {
    sent: Counter,
    echoes: Counter,
    wrong: Counter,
    failed: Counter,
    timed_out: Counter,
    connected: lab_core::Gauge,
    round_trip: Mutex<lab_core::Recorder>,
}

/// The crowd's counters a dashboard charts: lines sent, echoes back.
pub struct Charted {
    pub sent: Counter,
    pub echoes: Counter,
}

impl Charted {
    pub fn new(context: &LabContext) -> Charted {
        Charted {
            sent: context.counter("sent"),
            echoes: context.counter("echoes"),
        }
    }
}

/// Runs the crowd against `address` to the end (or until the lab is stopped).
pub fn run(address: SocketAddr, load: &Load, context: &LabContext) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let Charted { sent, echoes } = Charted::new(context);
    let counters = Arc::new(Counters {
        sent,
        echoes,
        wrong: context.counter("wrong echoes"),
        failed: context.counter("client failures"),
        timed_out: context.counter("client timeouts"),
        connected: context.gauge("clients connected"),
        round_trip: Mutex::new(context.histogram("round trip", "µs").recorder()),
    });
    let load = *load;
    runtime.block_on(async {
        // The slow clients connect first and stay silent until the crowd is done.
        let mut slow = Vec::new();
        for _ in 0..load.slow_clients {
            match connect(address, context).await {
                Some(Ok(stream)) => slow.push(stream),
                Some(Err(error)) => {
                    context.warn(format!("a slow client could not connect: {error}"))
                }
                None => break,
            }
        }
        if !slow.is_empty() {
            context.info(format!(
                "{} slow clients connected and sending nothing",
                slow.len()
            ));
        }
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for client in 1..=load.clients {
            let (counters, context) = (counters.clone(), context.clone());
            tasks
                .spawn(async move { one_client(client, address, load, &counters, &context).await });
        }
        let mut outcome = Outcome::default();
        while let Some(finished) = tasks.join_next().await {
            let Ok(mut round_trips) = finished else {
                outcome.failed += 1;
                continue;
            };
            outcome.round_trips.append(&mut round_trips);
        }
        outcome.seconds = started.elapsed().as_secs_f64();
        drop(slow);
        outcome.round_trips.sort_unstable();
        outcome.echoes = counters.echoes.get();
        outcome.wrong = counters.wrong.get();
        outcome.failed += counters.failed.get();
        outcome.timed_out = counters.timed_out.get();
        Ok(outcome)
    })
}

/// One client's session; returns its round trips in nanoseconds.
async fn one_client(
    client: usize,
    address: SocketAddr,
    load: Load,
    counters: &Counters,
    context: &LabContext,
) -> Vec<u64> {
    let mut round_trips = Vec::with_capacity(load.messages as usize);
    let stream = match connect(address, context).await {
        None => return round_trips,
        Some(Ok(stream)) => stream,
        Some(Err(error)) => {
            failed(
                counters,
                context,
                client,
                format!("cannot connect to {address}: {error}"),
            );
            return round_trips;
        }
    };
    counters.connected.add(1);
    let _ = stream.set_nodelay(true);
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let mut echo = Vec::with_capacity(load.size);
    for message in 0..load.messages {
        if context.is_cancelled() {
            break;
        }
        let line = line_for(client, message, load.size);
        let sent_at = Instant::now();
        // A write waits when the server reads nothing (its buffers full): never past a stop.
        let limit = load.write_timeout.unwrap_or(Duration::MAX);
        let written = tokio::select! {
            written = tokio::time::timeout(limit, writer.write_all(&line)) => {
                written.unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
            }
            () = until_cancelled(context) => break,
        };
        if let Err(error) = written {
            failed(
                counters,
                context,
                client,
                format!("sending failed: {error}"),
            );
            break;
        }
        counters.sent.increment();
        echo.clear();
        // Wait for the echo, for the read timeout at most, and never past a stop of the lab.
        let limit = load.read_timeout.unwrap_or(Duration::MAX);
        let waited = tokio::select! {
            waited = tokio::time::timeout(limit, reader.read_until(b'\n', &mut echo)) => waited,
            () = until_cancelled(context) => break,
        };
        let read = match load.read_timeout {
            Some(limit) => match waited {
                Ok(read) => read,
                Err(_elapsed) => {
                    counters.timed_out.increment();
                    if counters.timed_out.get() <= 5 {
                        context.event(
                            Level::Warn,
                            format!(
                                "client-{client}: no echo within the read timeout ({} ms): gave up on the server",
                                limit.as_millis()
                            ),
                        );
                    }
                    break;
                }
            },
            None => waited.unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into())),
        };
        match read {
            Ok(0) => {
                failed(
                    counters,
                    context,
                    client,
                    "the server closed the connection".into(),
                );
                break;
            }
            Ok(_) if echo == line => {
                let elapsed = sent_at.elapsed().as_nanos() as u64;
                round_trips.push(elapsed);
                counters.echoes.increment();
                if let Ok(mut recorder) = counters.round_trip.lock() {
                    recorder.record(elapsed / 1000);
                }
            }
            Ok(_) => {
                counters.wrong.increment();
                if counters.wrong.get() <= 5 {
                    context.warn(format!(
                        "client-{client}: sent {} got back {}",
                        lab_core::exercise::quote(&line),
                        lab_core::exercise::quote(&echo)
                    ));
                }
            }
            Err(error) => {
                failed(
                    counters,
                    context,
                    client,
                    format!("receiving failed: {error}"),
                );
                break;
            }
        }
    }
    counters.connected.add(-1);
    round_trips
}

/// Connects, unless the lab is stopped first (`None`): past the server's listen backlog a
/// connect waits for the kernel's SYN retries, minutes with a server that accepts nobody.
async fn connect(address: SocketAddr, context: &LabContext) -> Option<std::io::Result<TcpStream>> {
    tokio::select! {
        connected = TcpStream::connect(address) => Some(connected),
        () = until_cancelled(context) => None,
    }
}

/// Returns once the lab is stopped.
async fn until_cancelled(context: &LabContext) {
    while !context.is_cancelled() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn failed(counters: &Counters, context: &LabContext, client: usize, what: String) {
    counters.failed.increment();
    if counters.failed.get() <= 5 {
        context.warn(format!("client-{client}: {what}"));
    }
}

#[cfg(test)]
mod tests {
    use super::line_for;

    #[test]
    fn a_line_has_the_size_asked_for_and_ends_the_line() {
        let line = line_for(7, 42, 64);
        assert_eq!(line.len(), 64);
        assert!(line.starts_with(b"client-7 #42 ..."));
        assert!(line.ends_with(b".\n"));
        // Too small a size still gives a whole line.
        assert_eq!(line_for(7, 42, 2), b"client-7 #42 \n".to_vec());
    }
}
