//! The ventilator: hands out a batch of tasks through a PUSH socket.
//!
//! PUSH deals messages out round robin: task 1 to the first worker, task 2 to the next, and so
//! on, each to exactly one worker (PUB would give every worker every task). Before the tasks,
//! the ventilator tells the sink that a batch starts, so the sink can time it.
//!
//! ```text
//!   sink   = PUSH, connect to the sink;   send "batch tasks=100"
//!   tasks  = PUSH, bind;                  wait until the workers are connected
//!   for each task: tasks.send("task=17 work=10 n=48213")
//! ```
//!
//! Why wait for the workers? PUSH hands tasks only to the workers connected at that moment.
//! The first worker to connect gets everything that is sent before the second one arrives, and
//! with a fast ventilator that can be the whole batch: the ZeroMQ guide's ventilator asks you to
//! press Enter once the workers are up. This one watches its socket instead, through a monitor:
//! a worker counts once its ZeroMQ handshake is done (a TCP connection alone is not enough:
//! until the handshake, PUSH does not count that worker among those it deals to).

use std::time::{Duration, Instant};

use lab_core::{CancelToken, Counter, LabContext};

use super::message::{Task, batch_start};
use crate::endpoint;

/// The ventilator's bound PUSH socket and a monitor of the workers connected to it.
pub struct Ventilator {
    tasks: zmq::Socket,
    monitor: zmq::Socket,
    /// Where workers connect, as bound.
    pub endpoints: Vec<String>,
    connected: usize,
}

/// The names of in-process monitor sockets, unique in this process.
fn monitor_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "inproc://workbench-ventilator-monitor-{}",
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

impl Ventilator {
    pub fn bind(zmq_context: &zmq::Context, endpoints: &[String]) -> anyhow::Result<Ventilator> {
        let tasks = zmq_context.socket(zmq::PUSH)?;
        endpoint::prepare(&tasks)?;
        tasks.set_sndhwm(1000)?;
        // A send that finds every worker's queue full waits at most this long, then looks
        // whether the lab was stopped.
        tasks.set_sndtimeo(endpoint::POLL_INTERVAL.as_millis() as i32)?;
        // Watched from before the bind, so no worker's connection is missed.
        let monitor_endpoint = monitor_name();
        tasks.monitor(
            &monitor_endpoint,
            (zmq::SocketEvent::HANDSHAKE_SUCCEEDED as i32)
                | (zmq::SocketEvent::DISCONNECTED as i32),
        )?;
        let monitor = zmq_context.socket(zmq::PAIR)?;
        monitor.set_linger(0)?;
        monitor.set_rcvtimeo(endpoint::POLL_INTERVAL.as_millis() as i32)?;
        monitor.connect(&monitor_endpoint)?;
        let endpoints = endpoint::bind_all(&tasks, endpoints)?;
        Ok(Ventilator {
            tasks,
            monitor,
            endpoints,
            connected: 0,
        })
    }

    /// Waits until `wanted` workers are connected, or `give_up` says to stop waiting. Returns
    /// how many are connected.
    pub fn wait_for_workers(&mut self, wanted: usize, give_up: &dyn Fn() -> bool) -> usize {
        while self.connected < wanted && !give_up() {
            self.read_monitor();
        }
        self.connected
    }

    /// Reads one connection event (or times out after the poll interval).
    fn read_monitor(&mut self) {
        let Ok(event) = self.monitor.recv_multipart(0) else {
            return;
        };
        // The first frame is the event number (2 bytes, little endian) and a value.
        let Some(number) = event.first().and_then(|frame| frame.get(..2)) else {
            return;
        };
        match zmq::SocketEvent::from_raw(u16::from_le_bytes([number[0], number[1]])) {
            zmq::SocketEvent::HANDSHAKE_SUCCEEDED => self.connected += 1,
            zmq::SocketEvent::DISCONNECTED => self.connected = self.connected.saturating_sub(1),
            _ => {}
        }
    }

    /// Sends the batch of `plan.tasks` tasks; returns how many went out before a stop.
    pub fn send_tasks(
        &self,
        plan: &BatchPlan,
        sent: &Counter,
        stop: &dyn Fn() -> bool,
    ) -> anyhow::Result<u64> {
        for id in 1..=plan.tasks {
            let task = Task::new(plan.seed, id, plan.work_ms).encode();
            loop {
                match self.tasks.send(task.as_bytes(), 0) {
                    Ok(()) => break,
                    // Every worker's queue is full: wait and try again, unless stopped.
                    Err(zmq::Error::EAGAIN) if !stop() => continue,
                    Err(zmq::Error::EAGAIN) | Err(zmq::Error::ETERM) => return Ok(id - 1),
                    Err(error) => return Err(error.into()),
                }
            }
            sent.increment();
        }
        Ok(plan.tasks)
    }
}

/// One batch of tasks.
pub struct BatchPlan {
    pub tasks: u64,
    pub work_ms: u64,
    /// Varies the tasks' inputs between batches.
    pub seed: u64,
}

/// Tells the sink at `sink_endpoints` that a batch of `tasks` starts. Waits (up to two
/// seconds) for the connection first, so the announcement reaches the sink before any result.
pub fn announce(
    zmq_context: &zmq::Context,
    sink_endpoints: &[String],
    tasks: u64,
    context: &LabContext,
    cancel: &CancelToken,
) -> anyhow::Result<()> {
    let sink = zmq_context.socket(zmq::PUSH)?;
    endpoint::prepare(&sink)?;
    let monitor_endpoint = monitor_name();
    sink.monitor(&monitor_endpoint, zmq::SocketEvent::CONNECTED as i32)?;
    let monitor = zmq_context.socket(zmq::PAIR)?;
    monitor.set_linger(0)?;
    monitor.set_rcvtimeo(endpoint::POLL_INTERVAL.as_millis() as i32)?;
    monitor.connect(&monitor_endpoint)?;
    for sink_endpoint in sink_endpoints {
        endpoint::connect(&sink, sink_endpoint)?;
    }
    let waiting_since = Instant::now();
    let connected = loop {
        if monitor.recv_multipart(0).is_ok() {
            break true;
        }
        if cancel.is_cancelled() || waiting_since.elapsed() > Duration::from_secs(2) {
            break false;
        }
    };
    if !connected {
        context.warn(format!(
            "no sink is listening at {}: the batch start is lost, and a sink started later will not time this batch",
            sink_endpoints.join(", ")
        ));
    }
    sink.send(batch_start(tasks).as_bytes(), 0)?;
    // Closing with a bounded linger still delivers the message on a live connection.
    Ok(())
}
