//! The sink: collects every result of a batch through a PULL socket, times the batch, and tells
//! the workers through a PUB socket that it is done.
//!
//! ```text
//!   results = PULL, bind          the ventilator's "batch" and every worker's results
//!   control = PUB,  bind          workers subscribe
//!   start = results.recv()        "batch tasks=100": start the clock
//!   repeat 100 times: results.recv()
//!   print the time; control.send("KILL")
//! ```
//!
//! PULL takes messages from all its peers in turn (fair queuing), so the sink is one socket no
//! matter how many workers there are. The batch time shows the speed-up: with 4 workers, 100
//! tasks of 10 ms take about 250 ms instead of a second. The sink also works out that figure
//! itself: the milliseconds of work the results report, divided by the batch time.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use lab_core::{Cell, LabContext};

use super::message::{Arrival, KILL, arrival};
use crate::endpoint;

/// The sink's two bound sockets.
pub struct Sink {
    results: zmq::Socket,
    control: zmq::Socket,
    /// Where the ventilator and the workers send, as bound.
    pub results_endpoints: Vec<String>,
    /// Where the workers subscribe, as bound.
    pub control_endpoints: Vec<String>,
}

/// What the sink saw of one batch.
#[derive(Clone, Debug, Default)]
pub struct BatchReport {
    pub expected: u64,
    /// Results received, including wrong ones and repeats.
    pub results: u64,
    pub wrong: u64,
    pub repeated: u64,
    /// Results with no answer to check (the guide's workers send empty ones).
    pub unchecked: u64,
    /// The first wrong or unchecked results, as received.
    pub wrong_examples: Vec<String>,
    pub seconds: f64,
    /// Milliseconds of work the results report having done.
    pub work_ms: u64,
    /// Results per worker name ("(no name)" for results without one).
    pub per_worker: BTreeMap<String, u64>,
    /// False when the batch was cut short.
    pub complete: bool,
}

impl BatchReport {
    /// The work done divided by the time taken: 1.0 is one worker's pace.
    pub fn speed_up(&self) -> f64 {
        if self.seconds > 0.0 {
            self.work_ms as f64 / 1000.0 / self.seconds
        } else {
            0.0
        }
    }
}

/// Worker names the dashboard shows, at most (a flood of names must not grow the table).
const MOST_WORKERS_SHOWN: usize = 64;

impl Sink {
    pub fn bind(
        zmq_context: &zmq::Context,
        results_endpoints: &[String],
        control_endpoints: &[String],
    ) -> anyhow::Result<Sink> {
        let results = zmq_context.socket(zmq::PULL)?;
        let control = zmq_context.socket(zmq::PUB)?;
        for socket in [&results, &control] {
            endpoint::prepare(socket)?;
        }
        results.set_rcvhwm(10_000)?;
        let results_endpoints = endpoint::bind_all(&results, results_endpoints)?;
        let control_endpoints = endpoint::bind_all(&control, control_endpoints)?;
        Ok(Sink {
            results,
            control,
            results_endpoints,
            control_endpoints,
        })
    }

    /// Collects batches until `batches` are done (0: until stopped), calling `on_batch` after
    /// each. A batch that does not say its size is expected to have `default_tasks` results.
    /// After each batch the sink publishes KILL. `stop` ends the wait at any time.
    pub fn collect(
        &self,
        batches: u64,
        default_tasks: u64,
        context: &LabContext,
        stop: &dyn Fn() -> bool,
        on_batch: &mut dyn FnMut(&BatchReport),
    ) -> anyhow::Result<u64> {
        let received = context.counter("results");
        let wrong = context.counter("wrong results");
        let progress = context.gauge("batch progress %");
        let odd = context.counter("odd messages");
        let mut workers_shown: HashSet<String> = HashSet::new();
        let mut finished = 0;
        let mut batch: Option<(BatchReport, Instant, HashSet<u64>)> = None;
        while (batches == 0 || finished < batches) && !stop() {
            let message = match self.results.recv_multipart(0) {
                Ok(mut frames) if frames.len() == 1 => frames.remove(0),
                Ok(frames) => {
                    odd.increment();
                    if odd.get() <= 5 {
                        context.warn(format!(
                            "a message of {} frames at the sink, ignored: a result is one frame",
                            frames.len()
                        ));
                    }
                    continue;
                }
                Err(zmq::Error::EAGAIN) => continue,
                Err(zmq::Error::ETERM) => break,
                Err(error) => return Err(error.into()),
            };
            let outcome = match arrival(&message, batch.is_some()) {
                Arrival::BatchStart { tasks } => {
                    if let Some((report, _, _)) = &batch {
                        context.warn(format!(
                            "a new batch started with {} of {} results of the last one in",
                            report.results, report.expected
                        ));
                    }
                    let expected = tasks.unwrap_or(default_tasks);
                    context.info(format!("a batch of {expected} tasks starts"));
                    progress.set(0);
                    for worker in &workers_shown {
                        context.gauge(&format!("{worker}/this batch")).set(0);
                    }
                    let report = BatchReport {
                        expected,
                        ..BatchReport::default()
                    };
                    batch = Some((report, Instant::now(), HashSet::new()));
                    continue;
                }
                Arrival::Result(outcome) => outcome,
            };
            received.increment();
            let Some((report, started, seen)) = &mut batch else {
                continue;
            };
            report.results += 1;
            report.work_ms += outcome.work_ms.unwrap_or(0);
            if let Some(task) = outcome.task
                && !seen.insert(task)
            {
                report.repeated += 1;
            }
            match outcome.correct {
                Some(true) => {}
                Some(false) => {
                    report.wrong += 1;
                    wrong.increment();
                }
                None => report.unchecked += 1,
            }
            if outcome.correct != Some(true) && report.wrong_examples.len() < 3 {
                report.wrong_examples.push(outcome.text.to_string());
            }
            let worker = outcome.worker.unwrap_or("(no name)").to_string();
            if workers_shown.len() < MOST_WORKERS_SHOWN && workers_shown.insert(worker.clone()) {
                context.add_table_row(
                    "workers",
                    vec![
                        Cell::from(worker.as_str()),
                        Cell::Gauge(format!("{worker}/this batch")),
                        Cell::Count(format!("{worker}/results")),
                    ],
                );
            }
            if workers_shown.contains(&worker) {
                context.gauge(&format!("{worker}/this batch")).add(1);
                context.counter(&format!("{worker}/results")).increment();
            }
            *report.per_worker.entry(worker).or_default() += 1;
            progress.set((report.results * 100 / report.expected.max(1)) as i64);
            if report.results >= report.expected {
                report.seconds = started.elapsed().as_secs_f64();
                report.complete = true;
                self.kill();
                on_batch(report);
                finished += 1;
                batch = None;
            }
        }
        if let Some((mut report, started, _)) = batch {
            report.seconds = started.elapsed().as_secs_f64();
            on_batch(&report);
        }
        Ok(finished)
    }

    /// Tells every worker to stop.
    pub fn kill(&self) {
        let _ = self.control.send(KILL, zmq::DONTWAIT);
    }

    /// Says KILL again every 100 ms for `duration` (or until `stop`), for workers whose
    /// subscription was still on its way the first time: a SUB that subscribes after a message
    /// was published never gets it (the slow joiner), and a worker that misses KILL runs on.
    pub fn keep_killing(&self, duration: Duration, stop: &dyn Fn() -> bool) {
        let until = Instant::now() + duration;
        while Instant::now() < until && !stop() {
            self.kill();
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
