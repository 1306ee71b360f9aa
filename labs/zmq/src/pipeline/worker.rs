//! A worker: pulls tasks, does them, pushes the results on to the sink, and stops when the
//! sink says KILL.
//!
//! Three sockets, all connecting (workers come and go; the ventilator and the sink stay):
//!
//! ```text
//!   tasks   = PULL, connect to the ventilator
//!   results = PUSH, connect to the sink
//!   control = SUB,  connect to the sink's PUB, subscribe to everything
//!   loop {
//!       poll(tasks, control)                     wait for whichever speaks first
//!       if control has a message: stop            "KILL": the batch is done
//!       task = tasks.recv(); work on it; results.send(task + " result=... worker=...")
//!   }
//! ```
//!
//! `poll` is how one thread waits on several sockets at once. Without the control socket a
//! worker would never know the batch is over: PULL cannot tell "no more tasks" from "not yet".

use lab_core::{CancelToken, Counter, LabContext};

use super::message::Task;
use crate::endpoint;

/// Where a worker connects.
pub struct WorkerEndpoints<'a> {
    pub ventilator: &'a [String],
    pub sink: &'a [String],
    pub control: &'a [String],
}

/// How a worker's run ended.
pub struct WorkerEnd {
    pub done: u64,
    /// True when the sink's KILL stopped it (false: the lab or the caller did).
    pub killed: bool,
}

/// Runs one worker called `name` until KILL, a stop of the lab, or `stop`.
pub fn work(
    zmq_context: &zmq::Context,
    name: &str,
    endpoints: &WorkerEndpoints,
    context: &LabContext,
    stop: &CancelToken,
) -> anyhow::Result<WorkerEnd> {
    let tasks = zmq_context.socket(zmq::PULL)?;
    let results = zmq_context.socket(zmq::PUSH)?;
    let control = zmq_context.socket(zmq::SUB)?;
    for socket in [&tasks, &results, &control] {
        endpoint::prepare(socket)?;
    }
    // A small queue: tasks wait at the ventilator, where another worker may still take them.
    tasks.set_rcvhwm(10)?;
    // A sink that stopped reading must not block the worker past a stop.
    results.set_sndtimeo(endpoint::POLL_INTERVAL.as_millis() as i32)?;
    control.set_subscribe(b"")?;
    let connect_all = |socket: &zmq::Socket, endpoints: &[String]| {
        endpoints
            .iter()
            .try_for_each(|address| endpoint::connect(socket, address))
    };
    connect_all(&tasks, endpoints.ventilator)?;
    connect_all(&results, endpoints.sink)?;
    connect_all(&control, endpoints.control)?;

    let done_here: Counter = super::worker_tasks(context, name);
    let done_all = super::Totals::new(context).tasks_done;
    let odd = context.counter("odd tasks");
    let mut done = 0;
    while !context.is_cancelled() && !stop.is_cancelled() {
        let mut items = [
            tasks.as_poll_item(zmq::POLLIN),
            control.as_poll_item(zmq::POLLIN),
        ];
        match zmq::poll(&mut items, endpoint::POLL_INTERVAL.as_millis() as i64) {
            Ok(_) => {}
            Err(zmq::Error::EINTR) => continue,
            Err(zmq::Error::ETERM) => break,
            Err(error) => return Err(error.into()),
        }
        let (task_ready, control_ready) = (items[0].is_readable(), items[1].is_readable());
        if control_ready {
            let said = control.recv_bytes(0).unwrap_or_default();
            context.info(format!(
                "{name} stopped: the sink said \"{}\"",
                String::from_utf8_lossy(&said)
            ));
            return Ok(WorkerEnd { done, killed: true });
        }
        if !task_ready {
            continue;
        }
        let frames = match tasks.recv_multipart(0) {
            Ok(frames) => frames,
            Err(zmq::Error::EAGAIN) => continue,
            Err(zmq::Error::ETERM) => break,
            Err(error) => return Err(error.into()),
        };
        let task = match frames.as_slice() {
            [message] => Task::decode(message),
            _ => None,
        };
        let Some(task) = task else {
            odd.increment();
            if odd.get() <= 5 {
                let what = match frames.as_slice() {
                    [message] => lab_core::exercise::quote(message),
                    many => format!("{} frames (a task is one)", many.len()),
                };
                context.warn(format!(
                    "{name} got a task it cannot read: {what}; expected \"task=17 work=10 n=48213\" or a number of milliseconds"
                ));
            }
            continue;
        };
        if task.work_ms > 0 {
            context.sleep(std::time::Duration::from_millis(task.work_ms));
        }
        // The guide's ventilator sends bare costs, and its sink wants an empty message.
        let result = if task.id == 0 {
            String::new()
        } else {
            task.result(name)
        };
        loop {
            match results.send(result.as_bytes(), 0) {
                Ok(()) => break,
                Err(zmq::Error::EAGAIN) if !context.is_cancelled() && !stop.is_cancelled() => {}
                Err(zmq::Error::EAGAIN) | Err(zmq::Error::ETERM) => {
                    return Ok(WorkerEnd {
                        done,
                        killed: false,
                    });
                }
                Err(error) => return Err(error.into()),
            }
        }
        done += 1;
        done_here.increment();
        done_all.increment();
    }
    Ok(WorkerEnd {
        done,
        killed: false,
    })
}
