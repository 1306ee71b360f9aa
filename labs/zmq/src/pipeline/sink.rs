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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use lab_core::{Cell, Counter, Gauge, LabContext};

use super::message::{Arrival, KILL, Outcome, arrival};
use crate::endpoint;

/// The sink's two bound sockets.
pub struct Sink {
    results: zmq::Socket,
    control: zmq::Socket,
    /// Where the ventilator and the workers send, as bound.
    pub results_endpoints: Vec<String>,
    /// Where the workers subscribe, as bound.
    pub control_endpoints: Vec<String>,
    /// Whether KILL goes out as soon as a batch is in (a grader that picks its own moment
    /// turns this off and calls [`Sink::kill`] itself).
    pub kill_when_done: bool,
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

/// Results kept while no batch has started, at most (a stray sender must not fill memory).
const MOST_EARLY_RESULTS: usize = 100_000;

/// The batch being collected.
struct OpenBatch {
    report: BatchReport,
    started: Instant,
    /// Task numbers seen, to count repeats.
    seen: HashSet<u64>,
}

impl OpenBatch {
    fn new(expected: u64, started: Instant) -> OpenBatch {
        OpenBatch {
            report: BatchReport {
                expected,
                ..BatchReport::default()
            },
            started,
            seen: HashSet::new(),
        }
    }
}

/// The sink's live figures on the dashboard.
struct Tally<'a> {
    context: &'a LabContext,
    received: Counter,
    wrong: Counter,
    progress: Gauge,
    /// The workers shown in the table, with their counts this batch and in all.
    workers_shown: HashMap<String, (Gauge, Counter)>,
}

impl<'a> Tally<'a> {
    fn new(context: &'a LabContext) -> Tally<'a> {
        Tally {
            context,
            received: super::Totals::new(context).results,
            wrong: context.counter("wrong results"),
            progress: context.gauge("batch progress %"),
            workers_shown: HashMap::new(),
        }
    }

    fn new_batch(&self) {
        self.progress.set(0);
        for (this_batch, _) in self.workers_shown.values() {
            this_batch.set(0);
        }
    }

    /// Counts one result into the open batch and onto the dashboard.
    fn record(&mut self, open: &mut OpenBatch, outcome: Outcome) {
        let report = &mut open.report;
        report.results += 1;
        report.work_ms += outcome.work_ms.unwrap_or(0);
        if let Some(task) = outcome.task
            && !open.seen.insert(task)
        {
            report.repeated += 1;
        }
        match outcome.correct {
            Some(true) => {}
            Some(false) => {
                report.wrong += 1;
                self.wrong.increment();
            }
            None => report.unchecked += 1,
        }
        if outcome.correct != Some(true) && report.wrong_examples.len() < 3 {
            report.wrong_examples.push(outcome.text.to_string());
        }
        let worker = outcome.worker.unwrap_or("(no name)").to_string();
        if self.workers_shown.len() < MOST_WORKERS_SHOWN
            && !self.workers_shown.contains_key(&worker)
        {
            let this_batch = self.context.gauge(&format!("{worker}/this batch"));
            let results = self.context.counter(&format!("{worker}/results"));
            self.context.add_table_row(
                "workers",
                vec![
                    Cell::from(worker.as_str()),
                    Cell::gauge(&this_batch),
                    Cell::count(&results),
                ],
            );
            self.workers_shown
                .insert(worker.clone(), (this_batch, results));
        }
        if let Some((this_batch, results)) = self.workers_shown.get(&worker) {
            this_batch.add(1);
            results.increment();
        }
        *report.per_worker.entry(worker).or_default() += 1;
        self.progress
            .set((report.results * 100 / report.expected.max(1)) as i64);
    }
}

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
            kill_when_done: true,
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
        let mut tally = Tally::new(context);
        let odd = context.counter("odd messages");
        let mut finished = 0;
        let mut batch: Option<OpenBatch> = None;
        // Results that came in before their batch's start: the start travels on its own
        // connection, and under load the first results can overtake it.
        let mut early: Vec<(Instant, Vec<u8>)> = Vec::new();
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
            match arrival(&message, batch.is_some()) {
                Arrival::BatchStart { tasks } => {
                    if let Some(open) = &batch {
                        context.warn(format!(
                            "a new batch started with {} of {} results of the last one in",
                            open.report.results, open.report.expected
                        ));
                    }
                    let expected = tasks.unwrap_or(default_tasks);
                    context.info(format!("a batch of {expected} tasks starts"));
                    tally.new_batch();
                    let started = early.first().map_or_else(Instant::now, |(when, _)| *when);
                    let mut open = OpenBatch::new(expected, started);
                    for (_, message) in early.drain(..) {
                        if let Arrival::Result(outcome) = arrival(&message, true) {
                            tally.record(&mut open, outcome);
                        }
                    }
                    batch = Some(open);
                }
                Arrival::Result(outcome) => {
                    tally.received.increment();
                    match &mut batch {
                        Some(open) => tally.record(open, outcome),
                        None if early.len() < MOST_EARLY_RESULTS => {
                            early.push((Instant::now(), message.clone()));
                        }
                        None => {}
                    }
                }
            }
            if let Some(open) = batch.take_if(|open| open.report.results >= open.report.expected) {
                let mut report = open.report;
                report.seconds = open.started.elapsed().as_secs_f64();
                report.complete = true;
                if self.kill_when_done {
                    self.kill();
                }
                on_batch(&report);
                finished += 1;
            }
        }
        if let Some(open) = batch {
            let mut report = open.report;
            report.seconds = open.started.elapsed().as_secs_f64();
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
