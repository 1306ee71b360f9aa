//! `zmq-pipeline`'s schema, typed parameters, roles and verdicts: the ventilator, workers and
//! sink of this folder, here or in other programs.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use lab_core::{
    CancelToken, Cell, Counter, FromParams, Lab, LabContext, LabInfo, ParamKind, ParamReader,
    ParamSpec, Verdict,
};
use strum::VariantNames;

use super::{BatchPlan, BatchReport, Sink, Ventilator, WorkerEnd, WorkerEndpoints, announce, work};
use crate::endpoint;

/// The lab registered as `zmq-pipeline`.
pub struct PipelineLab;

/// Which part this process plays.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Role {
    /// Every part here: one batch with 1, 2, 4 … workers.
    Both,
    Ventilator,
    Worker,
    Sink,
}

/// `zmq-pipeline`'s parameters, typed.
pub struct PipelineParams {
    pub role: Role,
    pub bind: Vec<String>,
    pub connect: Vec<String>,
    pub sink: Vec<String>,
    pub control: Vec<String>,
    pub tasks: u64,
    pub work_ms: u64,
    pub workers: usize,
    pub wait_workers: usize,
    pub batches: u64,
}

impl FromParams for PipelineParams {
    fn from_params(reader: &mut ParamReader<'_>) -> PipelineParams {
        PipelineParams {
            role: reader.choice("role"),
            bind: reader.get("bind"),
            connect: reader.get("connect"),
            sink: reader.get("sink"),
            control: reader.get("control"),
            tasks: reader.get("tasks"),
            work_ms: reader.get("work-ms"),
            workers: reader.get("workers"),
            wait_workers: reader.get("wait-workers"),
            batches: reader.get("batches"),
        }
    }
}

/// The pipeline's totals, counted by its parts and charted by the dashboard.
pub(crate) struct Totals {
    pub tasks_sent: Counter,
    pub tasks_done: Counter,
    pub results: Counter,
}

impl Totals {
    pub(crate) fn new(context: &LabContext) -> Totals {
        Totals {
            tasks_sent: context.counter("tasks sent"),
            tasks_done: context.counter("tasks done"),
            results: context.counter("results"),
        }
    }
}

/// One worker's own count of tasks done: `worker-1/tasks`.
pub(crate) fn worker_tasks(context: &LabContext, name: &str) -> Counter {
    context.counter(&format!("{name}/tasks"))
}

/// Where each role binds when `--bind` is not given.
const VENTILATOR_BIND: &str = "tcp://127.0.0.1:5557";
const SINK_BIND: &str = "tcp://127.0.0.1:5558";

impl Lab for PipelineLab {
    type Params = PipelineParams;

    fn info(&self) -> LabInfo {
        LabInfo {
            id: "zmq-pipeline",
            topic: "messaging",
            title: "ZeroMQ pipeline",
            summary: "A ventilator PUSHes tasks to workers, the workers PUSH results to a sink that PUBlishes KILL when the batch is done: round robin, speed-up, batch time.",
            params: vec![
                ParamSpec {
                    name: "role",
                    kind: ParamKind::Choice {
                        choices: Role::VARIANTS,
                    },
                    default: "both",
                    help: "both: every part here, one batch with 1, 2, 4 … workers; ventilator, worker or sink: one part only, for other programs to be the rest",
                    roles: &[],
                },
                ParamSpec {
                    name: "bind",
                    kind: ParamKind::Endpoints,
                    default: "",
                    help: "with --role ventilator: where its PUSH for workers binds (tcp://127.0.0.1:5557); with --role sink: where its PULL for results binds (tcp://127.0.0.1:5558)",
                    roles: &["ventilator", "sink"],
                },
                ParamSpec {
                    name: "connect",
                    kind: ParamKind::Endpoints,
                    default: VENTILATOR_BIND,
                    help: "with --role worker: the ventilator",
                    roles: &["worker"],
                },
                ParamSpec {
                    name: "sink",
                    kind: ParamKind::Endpoints,
                    default: SINK_BIND,
                    help: "with --role ventilator or worker: the sink's PULL",
                    roles: &["ventilator", "worker"],
                },
                ParamSpec {
                    name: "control",
                    kind: ParamKind::Endpoints,
                    default: "tcp://127.0.0.1:5559",
                    help: "the sink's PUB that says KILL: the sink binds it, workers connect",
                    roles: &[],
                },
                ParamSpec {
                    name: "tasks",
                    kind: ParamKind::Integer {
                        min: 1,
                        max: 1_000_000,
                    },
                    default: "100",
                    help: "tasks in a batch (a sink told no number expects this many)",
                    roles: &[],
                },
                ParamSpec {
                    name: "work-ms",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 10_000,
                    },
                    default: "10",
                    help: "milliseconds each task costs a worker",
                    roles: &[],
                },
                ParamSpec {
                    name: "workers",
                    kind: ParamKind::Integer { min: 1, max: 64 },
                    default: "4",
                    help: "with --role worker: worker threads; with --role both: the most workers (batches with 1, 2, 4 … up to this)",
                    roles: &["worker", "both"],
                },
                ParamSpec {
                    name: "wait-workers",
                    kind: ParamKind::Integer { min: 0, max: 64 },
                    default: "1",
                    help: "with --role ventilator: workers to wait for before sending (the first to connect gets everything sent before the others arrive)",
                    roles: &["ventilator"],
                },
                ParamSpec {
                    name: "batches",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: i64::MAX,
                    },
                    default: "1",
                    help: "with --role sink: batches to collect, each followed by KILL; 0: until stopped",
                    roles: &["sink"],
                },
            ],
        }
    }

    fn validate(&self, params: &PipelineParams) -> Result<(), String> {
        let lists: &[(&[String], &str)] = match params.role {
            Role::Ventilator => &[(&params.sink, "sink")],
            Role::Worker => &[
                (&params.connect, "connect"),
                (&params.sink, "sink"),
                (&params.control, "control"),
            ],
            Role::Sink => &[(&params.control, "control")],
            Role::Both => &[],
        };
        lists
            .iter()
            .try_for_each(|(endpoints, flag)| endpoint::check_list(endpoints, flag))?;
        params
            .bind
            .iter()
            .try_for_each(|endpoint| endpoint::check(endpoint, "bind"))
    }

    fn run(&self, params: &PipelineParams, context: &LabContext) -> anyhow::Result<Verdict> {
        let zmq_context = zmq::Context::new();
        match params.role {
            Role::Ventilator => run_ventilator(params, context, &zmq_context),
            Role::Worker => run_workers_alone(params, context, &zmq_context),
            Role::Sink => run_sink(params, context, &zmq_context),
            Role::Both => run_both(params, context, &zmq_context),
        }
    }
}

/// `--bind`, or the role's usual endpoint when it is not given.
fn bind_or(params: &PipelineParams, default: &str) -> Vec<String> {
    match params.bind.as_slice() {
        [] => vec![default.to_string()],
        given => given.to_vec(),
    }
}

fn batch_plan(params: &PipelineParams, seed: u64) -> BatchPlan {
    BatchPlan {
        tasks: params.tasks,
        work_ms: params.work_ms,
        seed,
    }
}

/// A seed that differs from run to run, so no two batches have the same inputs.
fn fresh_seed() -> u64 {
    crate::message::now_nanos()
}

fn run_ventilator(
    params: &PipelineParams,
    context: &LabContext,
    zmq_context: &zmq::Context,
) -> anyhow::Result<Verdict> {
    let totals = Totals::new(context);
    context.chart(&[&totals.tasks_sent]);
    let mut ventilator = Ventilator::bind(zmq_context, &bind_or(params, VENTILATOR_BIND))?;
    let wanted = params.wait_workers;
    context.info(format!(
        "ventilator bound {}; waiting for {wanted} worker(s) to connect",
        ventilator.endpoints.join(", ")
    ));
    let connected = ventilator.wait_for_workers(wanted, &|| context.is_cancelled());
    if context.is_cancelled() {
        return Ok(Verdict::fail(format!(
            "stopped while waiting for workers: {connected} of {wanted} had connected"
        )));
    }
    let plan = batch_plan(params, fresh_seed());
    announce(
        zmq_context,
        &params.sink,
        plan.tasks,
        context,
        context.cancel_token(),
    )?;
    context.info(format!(
        "{connected} worker(s) connected; sending {} tasks of {} ms",
        plan.tasks, plan.work_ms
    ));
    let sent = ventilator.send_tasks(&plan, &totals.tasks_sent, &|| context.is_cancelled())?;
    if sent < plan.tasks {
        return Ok(Verdict::fail(format!(
            "stopped after sending {sent} of {} tasks",
            plan.tasks
        )));
    }
    Ok(Verdict::pass(format!(
        "sent {sent} tasks to {connected} worker(s); the sink has the results"
    )))
}

fn run_workers_alone(
    params: &PipelineParams,
    context: &LabContext,
    zmq_context: &zmq::Context,
) -> anyhow::Result<Verdict> {
    context.chart(&[&Totals::new(context).tasks_done]);
    let endpoints = WorkerEndpoints {
        ventilator: &params.connect,
        sink: &params.sink,
        control: &params.control,
    };
    context.info(format!(
        "workers pulling from {}, pushing to {}, listening for KILL on {}",
        endpoints.ventilator.join(", "),
        endpoints.sink.join(", "),
        endpoints.control.join(", ")
    ));
    let count = params.workers;
    declare_worker_table(context, count);
    let ends = run_workers(
        zmq_context,
        count,
        &endpoints,
        context,
        &CancelToken::default(),
    )?;
    let done: u64 = ends.iter().map(|end| end.done).sum();
    let killed = ends.iter().filter(|end| end.killed).count();
    Ok(Verdict::pass(format!(
        "the workers did {done} tasks; {killed} of {count} stopped on the sink's KILL"
    )))
}

/// A table of the workers run here and the tasks each did, shown as bars.
fn declare_worker_table(context: &LabContext, count: usize) {
    context.set_table(
        "workers",
        &["worker", "tasks", "tasks/s"],
        (1..=count)
            .map(|number| {
                let name = format!("worker-{number}");
                let tasks = worker_tasks(context, &name);
                vec![Cell::from(name), Cell::count(&tasks), Cell::rate(&tasks)]
            })
            .collect(),
    );
    context.bars("workers", "tasks");
}

/// Runs `count` workers called worker-1 … until KILL, a stop of the lab, or `stop`.
fn run_workers(
    zmq_context: &zmq::Context,
    count: usize,
    endpoints: &WorkerEndpoints,
    context: &LabContext,
    stop: &CancelToken,
) -> anyhow::Result<Vec<WorkerEnd>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..=count)
            .map(|number| {
                scope.spawn(move || {
                    work(
                        zmq_context,
                        &format!("worker-{number}"),
                        endpoints,
                        context,
                        stop,
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| crate::joined(handle.join(), "worker"))
            .collect()
    })
}

fn run_sink(
    params: &PipelineParams,
    context: &LabContext,
    zmq_context: &zmq::Context,
) -> anyhow::Result<Verdict> {
    context.chart(&[&Totals::new(context).results]);
    let sink = Sink::bind(zmq_context, &bind_or(params, SINK_BIND), &params.control)?;
    context.info(format!(
        "sink collecting results on {}, saying KILL on {}",
        sink.results_endpoints.join(", "),
        sink.control_endpoints.join(", ")
    ));
    declare_sink_tables(context);
    let mut reports = Vec::new();
    sink.collect(
        params.batches,
        params.tasks,
        context,
        &|| context.is_cancelled(),
        &mut |report| {
            add_batch_row(context, report);
            reports.push(report.clone());
        },
    )?;
    if !context.is_cancelled() {
        context.info("done: saying KILL for another second, for workers that missed it");
        sink.keep_killing(Duration::from_secs(1), &|| context.is_cancelled());
    }
    Ok(verdict(&reports))
}

/// The sink's tables: batches as they finish, workers as their results arrive.
fn declare_sink_tables(context: &LabContext) {
    context.set_table(
        "batches",
        &[
            "tasks", "results", "wrong", "workers", "time ms", "speed-up",
        ],
        Vec::new(),
    );
    context.set_table(
        "workers",
        &["worker", "this batch", "all batches"],
        Vec::new(),
    );
    context.bars("workers", "this batch");
}

fn add_batch_row(context: &LabContext, report: &BatchReport) {
    context.add_table_row(
        "batches",
        vec![
            Cell::Number(report.expected as f64),
            Cell::Number(report.results as f64),
            Cell::Number(report.wrong as f64),
            Cell::Number(report.per_worker.len() as f64),
            Cell::Number((report.seconds * 1000.0).round()),
            Cell::Text(format!("{:.1}x", report.speed_up())),
        ],
    );
    let shares = report
        .per_worker
        .iter()
        .map(|(worker, results)| format!("{worker} {results}"))
        .collect::<Vec<_>>()
        .join(", ");
    context.info(format!(
        "batch done: {} results in {:.0} ms ({:.1}x one worker's pace); {shares}",
        report.results,
        report.seconds * 1000.0,
        report.speed_up()
    ));
}

/// Passes when every batch came in complete and right.
fn verdict(reports: &[BatchReport]) -> Verdict {
    let Some(last) = reports.last() else {
        return Verdict::fail("no batch was collected");
    };
    let summary = reports
        .iter()
        .map(|report| {
            format!(
                "{} worker(s) {:.0} ms ({:.1}x)",
                report.per_worker.len(),
                report.seconds * 1000.0,
                report.speed_up()
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(bad) = reports.iter().find(|report| !report.complete) {
        return Verdict::fail(format!(
            "a batch was cut short at {} of {} results; {summary}",
            bad.results, bad.expected
        ));
    }
    if let Some(bad) = reports.iter().find(|report| report.wrong > 0) {
        return Verdict::fail(format!(
            "{} wrong results, e.g. {}",
            bad.wrong,
            bad.wrong_examples.join(" | ")
        ));
    }
    Verdict::pass(format!("batches of {} tasks: {summary}", last.expected))
}

/// 1, 2, 4 … up to `most`, and `most` itself.
fn worker_steps(most: usize) -> Vec<usize> {
    let mut steps: Vec<usize> = std::iter::successors(Some(1), |count| Some(count * 2))
        .take_while(|count| *count < most)
        .collect();
    steps.push(most);
    steps
}

fn run_both(
    params: &PipelineParams,
    context: &LabContext,
    zmq_context: &zmq::Context,
) -> anyhow::Result<Verdict> {
    let totals = Totals::new(context);
    context.chart(&[&totals.tasks_sent, &totals.tasks_done, &totals.results]);
    declare_sink_tables(context);
    let any_port = ["tcp://127.0.0.1:*".to_string()];
    let sink = Sink::bind(zmq_context, &any_port, &any_port)?;
    let (sink_endpoints, control_endpoints) = (
        sink.results_endpoints.clone(),
        sink.control_endpoints.clone(),
    );
    let steps = worker_steps(params.workers);
    let default_tasks = params.tasks;
    let (reports_out, reports) = mpsc::channel::<BatchReport>();
    let mut collected = Vec::new();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let batches = steps.len() as u64;
        let sink_thread = scope.spawn(move || {
            sink.collect(
                batches,
                default_tasks,
                context,
                &|| context.is_cancelled(),
                &mut |report| {
                    let _ = reports_out.send(report.clone());
                },
            )
        });
        for &count in &steps {
            let mut ventilator = Ventilator::bind(zmq_context, &any_port)?;
            let endpoints = WorkerEndpoints {
                ventilator: &ventilator.endpoints.clone(),
                sink: &sink_endpoints,
                control: &control_endpoints,
            };
            let workers_stop = CancelToken::default();
            let report = std::thread::scope(
                |batch_scope| -> anyhow::Result<Option<BatchReport>> {
                    let workers = batch_scope.spawn(|| {
                        run_workers(zmq_context, count, &endpoints, context, &workers_stop)
                    });
                    ventilator.wait_for_workers(count, &|| context.is_cancelled());
                    context.info(format!("a batch with {count} worker(s)"));
                    let plan = batch_plan(params, fresh_seed());
                    announce(
                        zmq_context,
                        &sink_endpoints,
                        plan.tasks,
                        context,
                        context.cancel_token(),
                    )?;
                    ventilator.send_tasks(&plan, &totals.tasks_sent, &|| context.is_cancelled())?;
                    let report = wait_for_report(&reports, context);
                    // The KILL went out with the report; a worker that missed it (its subscription
                    // still on the way: the slow joiner) is stopped after a second.
                    let deadline = Instant::now() + Duration::from_secs(1);
                    while !workers.is_finished() && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    if !workers.is_finished() {
                        context.warn("a worker missed the KILL (its subscription had not reached the sink yet) and was stopped");
                    }
                    workers_stop.cancel();
                    crate::joined(workers.join(), "workers")?;
                    Ok(report)
                },
            )?;
            match report {
                Some(report) => {
                    add_batch_row(context, &report);
                    collected.push(report);
                }
                None => break,
            }
        }
        crate::joined(sink_thread.join(), "sink")?;
        Ok(())
    })?;
    if context.is_cancelled() && collected.len() < steps.len() {
        return Ok(Verdict::fail(format!(
            "stopped after {} of {} batches",
            collected.len(),
            steps.len()
        )));
    }
    Ok(verdict(&collected))
}

/// The sink's report of the batch under way, or `None` if the lab was stopped first.
fn wait_for_report(
    reports: &mpsc::Receiver<BatchReport>,
    context: &LabContext,
) -> Option<BatchReport> {
    loop {
        match reports.recv_timeout(endpoint::POLL_INTERVAL) {
            Ok(report) => return Some(report),
            Err(mpsc::RecvTimeoutError::Timeout) if !context.is_cancelled() => continue,
            Err(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::worker_steps;

    #[test]
    fn workers_double_up_to_the_most() {
        assert_eq!(worker_steps(1), vec![1]);
        assert_eq!(worker_steps(4), vec![1, 2, 4]);
        assert_eq!(worker_steps(6), vec![1, 2, 4, 6]);
    }
}
