//! Running a lab: one thread does the lab's work, another samples it and hands the stream of
//! snapshots to whoever listens.
//!
//! ```text
//!   lab thread ──(atomics)──> LabContext <──(10 Hz)── sampler thread ──> history + broadcast
//!                                                                          │
//!                                 TUI, web page, JSON Lines printer, recording <─┘
//! ```
//!
//! A listener that arrives late (a browser tab opened after the start) first gets the recent
//! history, then the live stream, with nothing missed or repeated in between: both are handed
//! out under the same lock that the sampler publishes under.

use std::collections::{BTreeMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::broadcast;

use crate::context::{CancelToken, LabContext, lock};
use crate::params::Params;
use crate::sampler::Sampler;
use crate::snapshot::{LabEvent, Report, Snapshot, Verdict};
use crate::{AnyLab, LabInfo};

/// How a run is started.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Stop the lab by itself after this long.
    pub duration: Option<Duration>,
    /// Time between two snapshots.
    pub interval: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            duration: None,
            interval: Duration::from_millis(100),
        }
    }
}

/// Snapshots kept for late listeners: one minute at 10 Hz.
const HISTORY: usize = 600;

/// A lab that is running or has finished.
pub struct LabRun {
    shared: Arc<RunShared>,
    sampler_thread: Mutex<Option<JoinHandle<()>>>,
}

struct RunShared {
    info: LabInfo,
    params: Params,
    context: LabContext,
    sender: broadcast::Sender<LabEvent>,
    history: Mutex<VecDeque<LabEvent>>,
    report: Mutex<Option<Report>>,
}

impl RunShared {
    fn publish(&self, event: LabEvent) {
        let mut history = lock(&self.history);
        if history.len() == HISTORY {
            history.pop_front();
        }
        history.push_back(event.clone());
        // No listener is fine: the history keeps the event for the next one.
        let _ = self.sender.send(event);
    }
}

impl LabRun {
    /// Starts `lab` on its own thread with a sampler beside it.
    pub fn start(lab: Arc<dyn AnyLab>, params: Params, options: RunOptions) -> LabRun {
        let context = LabContext::new();
        let (sender, _) = broadcast::channel(1024);
        let shared = Arc::new(RunShared {
            info: lab.info(),
            params,
            context,
            sender,
            history: Mutex::new(VecDeque::new()),
            report: Mutex::new(None),
        });

        let (finished_sender, finished) = mpsc::channel();
        let lab_thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("lab {}", shared.info.id))
                .spawn(move || {
                    let outcome = catch_unwind(AssertUnwindSafe(|| {
                        lab.run(&shared.params, &shared.context)
                    }));
                    let verdict = match outcome {
                        Ok(Ok(verdict)) => verdict,
                        Ok(Err(error)) => Verdict::fail(format!("{error:#}")),
                        Err(panic) => Verdict::fail(format!(
                            "the lab crashed: {}; please report this as a bug",
                            panic_message(&*panic)
                        )),
                    };
                    // The lab may have ended by itself: stop any helper threads it left running.
                    shared.context.cancel_token().cancel();
                    let _ = finished_sender.send(verdict);
                })
                .expect("the system can start a thread")
        };

        let sampler_thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("sampler".to_string())
                .spawn(move || sample_until_done(&shared, options, finished, lab_thread))
                .expect("the system can start a thread")
        };

        LabRun {
            shared,
            sampler_thread: Mutex::new(Some(sampler_thread)),
        }
    }

    pub fn info(&self) -> &LabInfo {
        &self.shared.info
    }

    pub fn params(&self) -> &Params {
        &self.shared.params
    }

    /// Asks the lab to stop; it finishes its current step and reports.
    pub fn stop(&self) {
        self.shared.context.cancel_token().cancel();
    }

    /// A token that stops the lab, for a Ctrl-C handler or a stop button.
    pub fn cancel_token(&self) -> CancelToken {
        self.shared.context.cancel_token().clone()
    }

    /// The report, once the lab has finished.
    pub fn report(&self) -> Option<Report> {
        lock(&self.shared.report).clone()
    }

    pub fn is_finished(&self) -> bool {
        self.report().is_some()
    }

    /// Waits for the lab to finish and returns its report.
    pub fn wait(&self) -> Report {
        if let Some(thread) = lock(&self.sampler_thread).take() {
            let _ = thread.join();
        }
        self.report()
            .expect("the sampler always leaves a report when it ends")
    }

    /// Runs `lab` with flags as typed on the command line (`("rounds", "2")`) for at most
    /// `limit`, to its end; returns the report and the last snapshot (its tables and graphs as
    /// the run left them). For tests and benchmarks; a bad flag is the parser's one-line error.
    pub fn to_end(
        lab: impl AnyLab,
        flags: &[(&str, &str)],
        limit: Duration,
    ) -> Result<(Report, Snapshot), String> {
        let lab: Arc<dyn AnyLab> = Arc::new(lab);
        let pairs: Vec<(String, String)> = flags
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let params = lab.parse_params(&pairs)?;
        let options = RunOptions {
            duration: Some(limit),
            ..RunOptions::default()
        };
        Ok(LabRun::start(lab, params, options).watch_to_end())
    }

    /// Follows the run to its end: its report, and the last snapshot (its tables and graphs as
    /// the run left them).
    pub fn watch_to_end(&self) -> (Report, Snapshot) {
        let mut subscription = self.subscribe();
        let mut last = Snapshot::default();
        while let Some(event) = subscription.next_blocking() {
            match event {
                LabEvent::Snapshot(snapshot) => last = snapshot,
                LabEvent::Report(report) => return (report, last),
            }
        }
        (self.wait(), last)
    }

    /// The events kept so far: the last minute or so of snapshots (and the report, once the
    /// run ended), oldest first.
    pub fn history(&self) -> Vec<LabEvent> {
        lock(&self.shared.history).iter().cloned().collect()
    }

    /// The recent history followed by the live stream; ends after the report.
    pub fn subscribe(&self) -> Subscription {
        let history = lock(&self.shared.history);
        Subscription {
            backlog: history.clone(),
            receiver: self.shared.sender.subscribe(),
            ended: false,
        }
    }
}

impl Drop for LabRun {
    fn drop(&mut self) {
        self.stop();
        if let Some(thread) = lock(&self.sampler_thread).take() {
            let _ = thread.join();
        }
    }
}

fn sample_until_done(
    shared: &RunShared,
    options: RunOptions,
    finished: mpsc::Receiver<Verdict>,
    lab_thread: JoinHandle<()>,
) {
    let started = Instant::now();
    let mut sampler = Sampler::new(shared.info.id, shared.context.clone());
    let mut next_tick = started + options.interval;
    let verdict = loop {
        let wait = next_tick.saturating_duration_since(Instant::now());
        match finished.recv_timeout(wait) {
            Ok(verdict) => break verdict,
            Err(RecvTimeoutError::Disconnected) => {
                break Verdict::fail("the lab thread ended without a verdict");
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        let now = started.elapsed();
        let snapshot = sampler.sample(now.as_secs_f64());
        shared.publish(LabEvent::Snapshot(snapshot));
        next_tick += options.interval;
        if options.duration.is_some_and(|limit| now >= limit) {
            shared.context.cancel_token().cancel();
        }
    };
    let _ = lab_thread.join();
    let last = sampler.sample(started.elapsed().as_secs_f64());
    let mut report = report_from(&last, verdict);
    if let Ok(serde_json::Value::Object(params)) = serde_json::to_value(&shared.params) {
        report.params = params.into_iter().collect();
    }
    shared.publish(LabEvent::Snapshot(last));
    *lock(&shared.report) = Some(report.clone());
    shared.publish(LabEvent::Report(report));
}

fn report_from(last: &Snapshot, verdict: Verdict) -> Report {
    Report {
        lab: last.lab.clone(),
        ok: verdict.ok,
        t: last.t,
        counters: last.counters.clone(),
        gauges: last.gauges.clone(),
        latency: last.latency.clone(),
        verdict: verdict.summary,
        notes: verdict.notes,
        params: BTreeMap::new(),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "an unknown panic".to_string()
    }
}

/// A listener's view of a run: what happened so far, then what happens next.
pub struct Subscription {
    backlog: VecDeque<LabEvent>,
    receiver: broadcast::Receiver<LabEvent>,
    ended: bool,
}

impl Subscription {
    fn deliver(&mut self, event: LabEvent) -> Option<LabEvent> {
        if matches!(event, LabEvent::Report(_)) {
            self.ended = true;
        }
        Some(event)
    }

    /// What needs no channel: the end after the report, or the next event of the backlog.
    fn without_waiting(&mut self) -> Option<Option<LabEvent>> {
        if self.ended {
            return Some(None);
        }
        let event = self.backlog.pop_front()?;
        Some(self.deliver(event))
    }

    /// The next event, waiting for it; `None` after the report. Not for async code.
    pub fn next_blocking(&mut self) -> Option<LabEvent> {
        if let Some(answer) = self.without_waiting() {
            return answer;
        }
        loop {
            match self.receiver.blocking_recv() {
                Ok(event) => return self.deliver(event),
                // A listener too slow for the stream skips ahead rather than stalling the lab.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The next event if one is ready; never waits.
    pub fn try_next(&mut self) -> Option<LabEvent> {
        if let Some(answer) = self.without_waiting() {
            return answer;
        }
        loop {
            match self.receiver.try_recv() {
                Ok(event) => return self.deliver(event),
                Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                Err(_) => return None,
            }
        }
    }

    /// The next event, for async code; `None` after the report.
    pub async fn next(&mut self) -> Option<LabEvent> {
        if let Some(answer) = self.without_waiting() {
            return answer;
        }
        loop {
            match self.receiver.recv().await {
                Ok(event) => return self.deliver(event),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lab;
    use crate::params::{FromParams, ParamKind, ParamReader, ParamSpec};

    /// Counts to `--count`, one step per millisecond, then passes.
    struct Counting;

    struct Count(u64);

    impl FromParams for Count {
        fn from_params(reader: &mut ParamReader<'_>) -> Count {
            Count(reader.get("count"))
        }
    }

    impl Lab for Counting {
        type Params = Count;

        fn info(&self) -> LabInfo {
            LabInfo {
                id: "counting",
                topic: "test",
                title: "Counting",
                summary: "counts",
                params: vec![ParamSpec {
                    name: "count",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 1_000_000,
                    },
                    default: "50",
                    help: "how far to count",
                    roles: &[],
                }],
            }
        }

        fn run(&self, &Count(count): &Count, context: &LabContext) -> anyhow::Result<Verdict> {
            let steps = context.counter("steps");
            for _ in 0..count {
                if !context.sleep(Duration::from_millis(1)) {
                    return Ok(Verdict::pass("stopped early"));
                }
                steps.increment();
            }
            if count == 13 {
                panic!("unlucky");
            }
            Ok(Verdict::pass("counted"))
        }
    }

    fn start(count: &str, options: RunOptions) -> LabRun {
        let lab: Arc<dyn AnyLab> = Arc::new(Counting);
        let params = Params::from_pairs(
            "counting",
            &lab.info().params,
            &[("count".to_string(), count.to_string())],
        )
        .unwrap();
        LabRun::start(lab, params, options)
    }

    #[test]
    fn a_finished_run_reports_its_totals_last() {
        let run = start("50", RunOptions::default());
        let mut subscription = run.subscribe();
        let mut events = Vec::new();
        while let Some(event) = subscription.next_blocking() {
            events.push(event);
        }
        let Some(LabEvent::Report(report)) = events.last() else {
            panic!("the stream must end with a report: {events:?}");
        };
        assert!(report.ok);
        assert_eq!(report.counters["steps"], 50);
        assert_eq!(report.verdict, "counted");
        assert!(matches!(events[events.len() - 2], LabEvent::Snapshot(_)));
    }

    #[test]
    fn duration_stops_a_long_lab() {
        let options = RunOptions {
            duration: Some(Duration::from_millis(300)),
            ..RunOptions::default()
        };
        let report = start("1000000", options).wait();
        assert_eq!(report.verdict, "stopped early");
        assert!(report.counters["steps"] < 1_000_000);
    }

    #[test]
    fn a_late_listener_gets_the_history_then_the_report() {
        let run = start("20", RunOptions::default());
        let report = run.wait();
        let mut late = run.subscribe();
        let mut last = None;
        while let Some(event) = late.next_blocking() {
            last = Some(event);
        }
        assert_eq!(last, Some(LabEvent::Report(report)));
    }

    #[test]
    fn a_panicking_lab_is_reported_not_propagated() {
        let report = start("13", RunOptions::default()).wait();
        assert!(!report.ok);
        assert!(report.verdict.contains("unlucky"), "{}", report.verdict);
    }
}
