//! `zmq-pipeline-worker`: the student writes a pipeline worker; the checker is the rest of the
//! pipeline.
//!
//! The checker binds the zmq-pipeline lab's ventilator (PUSH, tasks), sink (PULL, results) and
//! the sink's control PUB, runs one worker of its own beside the student's, and sends a batch.
//! PUSH deals the tasks out in turn, so the student's worker should do about half. Every
//! result is checked against its task, and once the batch is in, the sink waits a moment and
//! says KILL: the student's program must still be running until then, and stop by itself
//! soon after. The batch's size, the moment of KILL and the name of the checker's own worker
//! are drawn from the run's seed, so a worker that stops after a fixed count or time, or names
//! itself like the checker's worker, is seen for what it is.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use lab_core::exercise::{Check, CheckName, CheckSetup, Checker, Rng, ended_in};
use lab_core::{CancelToken, LabContext};
use lab_i18n::tr;

use crate::pipeline::{BatchPlan, BatchReport, Sink, Ventilator, WorkerEndpoints, announce, work};

const WORK_MS: u64 = 5;
/// How long after KILL the program may take to stop.
const STOP_WITHIN: Duration = Duration::from_secs(3);

pub struct PipelineWorkerChecker;

impl Checker for PipelineWorkerChecker {
    fn id(&self) -> &'static str {
        "zmq-pipeline-worker"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &["tasks", "results", "control"]
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let lang = setup.lang;
        let mut rng = setup.probes("pipeline");
        // The batch: enough tasks that a fair share is clear, short enough to check quickly.
        let task_count: u64 = rng.random_range(30..=50);
        let before_kill = Duration::from_millis(rng.random_range(500..=2000));
        // The checker's own worker's name in the results: a student cannot pick it.
        let ours = format!("checker-{:08x}", rng.random::<u32>());
        let ours = ours.as_str();
        let tasks = vec![setup.endpoint("tasks")?.to_string()];
        let results = vec![setup.endpoint("results")?.to_string()];
        let control = vec![setup.endpoint("control")?.to_string()];
        let zmq_context = zmq::Context::new();
        let context = LabContext::new();
        let bound = Sink::bind(&zmq_context, &results, &control)
            .and_then(|sink| Ok((sink, Ventilator::bind(&zmq_context, &tasks)?)));
        let (mut sink, mut ventilator) = match bound {
            Ok(bound) => bound,
            Err(error) if error.to_string().contains("already in use") => {
                return Ok(vec![
                    Check::fail(
                        CheckName::new(lang, |lang| tr!(lang, "zmq-pipe-binds-none")),
                        tr!(lang, "zmq-pipe-binds-none-expected"),
                        tr!(lang, "zmq-pipe-port-taken", error = error.to_string()),
                    )
                    .because(tr!(lang, "zmq-pipe-binds-none-try")),
                ]);
            }
            Err(error) => return Err(error),
        };
        // KILL comes at a moment of the checker's choosing, after the batch.
        sink.kill_when_done = false;
        let endpoints = WorkerEndpoints {
            ventilator: &tasks,
            sink: &results,
            control: &control,
        };
        let sent_at: OnceLock<Instant> = OnceLock::new();
        // The sink gives up 10 s after the tasks went out: a worker may die holding some.
        let sink_gives_up = || {
            setup.cancel.is_cancelled()
                || setup.out_of_time()
                || sent_at
                    .get()
                    .is_some_and(|sent| sent.elapsed() > Duration::from_secs(10))
        };
        let our_worker_stop = CancelToken::default();
        let mut batch: Option<BatchReport> = None;
        let mut connected = 0;
        let mut killed_at: Option<Instant> = None;
        let mut exited_before_kill: Option<(String, Duration)> = None;
        std::thread::scope(|scope| -> anyhow::Result<()> {
            let (context, sink_gives_up) = (&context, &sink_gives_up);
            // A socket belongs to one thread: the sink moves into its own.
            let collecting = scope.spawn(move || {
                let mut report = None;
                let outcome = sink.collect(1, task_count, context, sink_gives_up, &mut |batch| {
                    report = Some(batch.clone());
                });
                outcome.map(|_| (report, sink))
            });
            let ours =
                scope.spawn(|| work(&zmq_context, ours, &endpoints, context, &our_worker_stop));
            let waiting_since = Instant::now();
            connected = ventilator.wait_for_workers(2, &|| {
                setup.cancel.is_cancelled()
                    || setup.out_of_time()
                    || setup.program_exited().is_some()
                    || waiting_since.elapsed() > Duration::from_secs(10)
            });
            if connected >= 2 {
                let plan = BatchPlan {
                    tasks: task_count,
                    work_ms: WORK_MS,
                    seed: crate::message::now_nanos(),
                };
                announce(&zmq_context, &results, task_count, context, &setup.cancel)?;
                ventilator.send_tasks(
                    &plan,
                    &crate::pipeline::Totals::new(context).tasks_sent,
                    &|| setup.cancel.is_cancelled() || setup.out_of_time(),
                )?;
                let _ = sent_at.set(Instant::now());
            } else {
                let _ = sent_at.set(Instant::now() - Duration::from_secs(60));
            }
            let (report, sink) = crate::joined(collecting.join(), "checker's sink")?;
            batch = report;
            if batch.as_ref().is_some_and(|report| report.complete) {
                // A worker runs until it is told to stop: it must still be running now.
                let done_at = Instant::now();
                setup.note(tr!(
                    lang,
                    "zmq-pipe-trace-batch-in",
                    count = task_count,
                    ms = before_kill.as_millis() as u64
                ));
                while done_at.elapsed() < before_kill && !setup.out_of_time() {
                    if let Some(how) = setup.program_exited() {
                        exited_before_kill = Some((how, done_at.elapsed()));
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                killed_at = Some(Instant::now());
                setup.note(tr!(lang, "zmq-pipe-trace-kill"));
                // Again and again while the program has time to stop, in case its subscription
                // was late (the slow joiner): missing the first KILL is not the mistake here.
                if setup.program.is_some() {
                    sink.keep_killing(STOP_WITHIN, &|| {
                        setup.program_exited().is_some() || setup.out_of_time()
                    });
                }
            }
            our_worker_stop.cancel();
            let _ = ours.join();
            Ok(())
        })?;

        let mut checks = Vec::new();
        let connects = &CheckName::new(lang, |lang| tr!(lang, "zmq-pipe-connects"));
        if connected < 2 {
            let got = match setup.program_exited() {
                Some(how) => tr!(
                    lang,
                    "zmq-pipe-ended-unconnected",
                    how = ended_in(lang, &how)
                ),
                None => tr!(lang, "zmq-pipe-no-connection"),
            };
            checks.push(
                Check::fail(
                    connects,
                    tr!(
                        lang,
                        "zmq-pipe-pull-connected-expected",
                        endpoint = tasks[0].as_str()
                    ),
                    got,
                )
                .because(tr!(lang, "zmq-pipe-connects-try")),
            );
            return Ok(checks);
        }
        checks.push(Check::pass(
            connects,
            tr!(
                lang,
                "zmq-pipe-pull-connected",
                endpoint = tasks[0].as_str()
            ),
        ));
        let report = batch.unwrap_or_default();
        let ours = report.per_worker.get(ours).copied().unwrap_or(0);
        let theirs = report.results.saturating_sub(ours);
        let every_task = &CheckName::new(lang, |lang| tr!(lang, "zmq-pipe-every-task"));
        checks.push(if theirs == 0 {
            Check::fail(
                every_task,
                tr!(lang, "zmq-pipe-some-expected", count = task_count),
                tr!(lang, "zmq-pipe-all-by-checker", count = ours),
            )
            .because(tr!(
                lang,
                "zmq-pipe-push-try",
                endpoint = results[0].as_str()
            ))
        } else if !report.complete {
            Check::fail(
                every_task,
                tr!(lang, "zmq-pipe-results", count = task_count),
                tr!(
                    lang,
                    "zmq-pipe-in-10-s",
                    count = report.results,
                    theirs = theirs
                ),
            )
            .because(tr!(lang, "zmq-pipe-one-per-task-try"))
        } else {
            Check::pass(every_task, tr!(lang, "zmq-pipe-from-yours", count = theirs))
        });
        if theirs > 0 {
            let not_right = report.wrong + report.unchecked;
            let right = &CheckName::new(lang, |lang| tr!(lang, "zmq-pipe-right"));
            checks.push(if not_right == 0 && report.repeated == 0 {
                Check::pass(right, tr!(lang, "zmq-pipe-right-results", count = theirs))
            } else if not_right > 0 {
                Check::fail(
                    right,
                    tr!(lang, "zmq-pipe-right-expected"),
                    tr!(
                        lang,
                        "zmq-pipe-wrong",
                        count = not_right,
                        example = report
                            .wrong_examples
                            .first()
                            .map(String::as_str)
                            .unwrap_or("")
                    ),
                )
                .because(tr!(lang, "zmq-pipe-format-try"))
            } else {
                Check::fail(
                    right,
                    tr!(lang, "zmq-pipe-one-result-per-task"),
                    tr!(lang, "zmq-pipe-repeated", count = report.repeated),
                )
                .because(tr!(lang, "zmq-pipe-once-try"))
            });
            checks.push(super::fair_share(
                lang,
                &CheckName::new(lang, |lang| tr!(lang, "zmq-pipe-share")),
                theirs,
                task_count,
                |percent| {
                    tr!(
                        lang,
                        "zmq-pipe-share-got",
                        count = theirs,
                        total = task_count,
                        percent = percent
                    )
                },
                tr!(lang, "zmq-pipe-share-try"),
            ));
        }
        let stopped = &CheckName::new(lang, |lang| tr!(lang, "zmq-pipe-stops"));
        if let Some((how, after)) = exited_before_kill {
            checks.push(
                Check::fail(
                    stopped,
                    tr!(lang, "zmq-pipe-until-kill-expected"),
                    tr!(
                        lang,
                        "zmq-pipe-ended-before-kill",
                        how = ended_in(lang, &how),
                        seconds = format!("{:.1}", after.as_secs_f64())
                    ),
                )
                .because(tr!(
                    lang,
                    "zmq-pipe-keep-pulling-try",
                    endpoint = control[0].as_str()
                )),
            );
        } else if let (Some(killed_at), true) = (killed_at, setup.program.is_some()) {
            while setup.program_exited().is_none()
                && killed_at.elapsed() < STOP_WITHIN
                && !setup.out_of_time()
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            checks.push(match setup.program_exited() {
                Some(how) => Check::pass(
                    stopped,
                    tr!(
                        lang,
                        "zmq-pipe-stops-pass",
                        before = format!("{:.1}", before_kill.as_secs_f64()),
                        after = format!("{:.1}", killed_at.elapsed().as_secs_f64()),
                        how = ended_in(lang, &how)
                    ),
                ),
                None => Check::fail(
                    stopped,
                    tr!(
                        lang,
                        "zmq-pipe-ends-within",
                        seconds = STOP_WITHIN.as_secs()
                    ),
                    tr!(lang, "zmq-pipe-still-running"),
                )
                .because(tr!(
                    lang,
                    "zmq-pipe-subscribe-try",
                    endpoint = control[0].as_str()
                )),
            });
        }
        Ok(checks)
    }
}
