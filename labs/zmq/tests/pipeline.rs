//! zmq-pipeline run for real: tasks dealt out round robin, every result back at the sink, the
//! speed-up as workers are added, and the roles apart over TCP with KILL stopping the workers.

mod common;

use lab_zmq::pipeline::PipelineLab;

use common::count;

/// Where a pipeline's parts meet, on free ports.
struct Endpoints {
    tasks: String,
    results: String,
    control: String,
}

impl Endpoints {
    fn free() -> Endpoints {
        Endpoints {
            tasks: common::free_endpoint(),
            results: common::free_endpoint(),
            control: common::free_endpoint(),
        }
    }

    /// `--role worker` with `count` workers connected to these endpoints.
    fn start_workers(&self, count: usize) -> lab_core::LabRun {
        common::start(
            PipelineLab,
            &[
                ("role", "worker"),
                ("connect", &self.tasks),
                ("sink", &self.results),
                ("control", &self.control),
                ("workers", &count.to_string()),
            ],
        )
    }
}

#[test]
fn more_workers_share_the_batch_and_finish_it_sooner() {
    let watched = common::watch(common::start(
        PipelineLab,
        &[("tasks", "40"), ("work-ms", "10"), ("workers", "4")],
    ));
    let report = &watched.report;
    assert!(report.ok, "{}", report.verdict);
    // Batches with 1, 2 and 4 workers, every result back and right.
    assert_eq!(count(report, "tasks sent"), 120);
    assert_eq!(count(report, "results"), 120);
    assert_eq!(count(report, "wrong results"), 0);
    // Round robin: workers 3 and 4 only ran in the last batch, and each took about its quarter
    // of the 40 tasks (exactly 10 when all four were ready at the first task).
    for worker in ["worker-3/tasks", "worker-4/tasks"] {
        let done = count(report, worker);
        assert!((5..=15).contains(&done), "{worker}: {:?}", report.counters);
    }
    let batches = &watched.last.tables["batches"];
    let speed_ups: Vec<f64> = batches
        .rows
        .iter()
        .map(|row| {
            row[5]
                .as_str()
                .unwrap()
                .trim_end_matches('x')
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(speed_ups.len(), 3, "{batches:?}");
    // The work is sleeping, so it overlaps even on a busy machine: 4 workers beat 1 clearly.
    assert!(
        speed_ups[2] > speed_ups[0] * 2.0,
        "speed-ups with 1, 2, 4 workers: {speed_ups:?}"
    );
}

#[test]
fn ventilator_workers_and_sink_run_as_separate_roles() {
    let endpoints = Endpoints::free();
    let Endpoints {
        tasks,
        results,
        control,
    } = &endpoints;
    let sink = common::start(
        PipelineLab,
        &[("role", "sink"), ("bind", results), ("control", control)],
    );
    let workers = endpoints.start_workers(3);
    let ventilator = common::start(
        PipelineLab,
        &[
            ("role", "ventilator"),
            ("bind", tasks),
            ("sink", results),
            ("tasks", "30"),
            ("work-ms", "2"),
            ("wait-workers", "3"),
        ],
    );
    let ventilated = ventilator.wait();
    assert!(ventilated.ok, "{}", ventilated.verdict);
    assert_eq!(count(&ventilated, "tasks sent"), 30);
    let collected = sink.wait();
    assert!(collected.ok, "{}", collected.verdict);
    assert_eq!(count(&collected, "results"), 30);
    // The sink's KILL ends the workers on its own: nobody stopped them.
    let worked = workers.wait();
    assert!(
        worked.verdict.contains("3 of 3 stopped on the sink's KILL"),
        "{}",
        worked.verdict
    );
    // Each took about its third of the 30 tasks.
    for worker in 1..=3 {
        let done = count(&worked, &format!("worker-{worker}/tasks"));
        assert!((5..=15).contains(&done), "{:?}", worked.counters);
    }
}

#[test]
fn tasks_nobody_can_read_are_reported_and_skipped() {
    let endpoints = Endpoints::free();
    let workers = endpoints.start_workers(1);
    let zmq_context = zmq::Context::new();
    let push = zmq_context.socket(zmq::PUSH).unwrap();
    push.set_linger(1000).unwrap();
    push.bind(&endpoints.tasks).unwrap();
    let pull = zmq_context.socket(zmq::PULL).unwrap();
    pull.set_rcvtimeo(5000).unwrap();
    pull.bind(&endpoints.results).unwrap();
    push.send("make me a sandwich", 0).unwrap();
    push.send_multipart(["task=2", "work=0", "n=3"], 0).unwrap();
    push.send("task=1 work=0 n=12", 0).unwrap();
    // The odd tasks are skipped; the good one after them is answered.
    let result = pull.recv_string(0).unwrap().unwrap();
    assert_eq!(result, "task=1 work=0 n=12 result=144 worker=worker-1");
    workers.stop();
    let watched = common::watch(workers);
    assert_eq!(count(&watched.report, "odd tasks"), 2);
    for odd in [
        "cannot read: \"make me a sandwich\"",
        "cannot read: 3 frames (a task is one)",
    ] {
        assert!(
            watched
                .events
                .iter()
                .any(|event| event.message.contains(odd)),
            "{odd}: {:?}",
            watched.events
        );
    }
}

#[test]
fn results_that_overtake_the_batch_start_still_count() {
    let endpoints = Endpoints::free();
    let sink = common::start(
        PipelineLab,
        &[
            ("role", "sink"),
            ("bind", &endpoints.results),
            ("control", &endpoints.control),
            ("batches", "1"),
        ],
    );
    let zmq_context = zmq::Context::new();
    let push = zmq_context.socket(zmq::PUSH).unwrap();
    push.set_linger(1000).unwrap();
    push.connect(&endpoints.results).unwrap();
    // One socket keeps its order: the sink sees both results before the start of their batch,
    // as it can when the start comes from the ventilator and the results from quick workers.
    push.send("task=1 work=0 n=3 result=9 worker=quick", 0)
        .unwrap();
    push.send("task=2 work=0 n=4 result=16 worker=quick", 0)
        .unwrap();
    push.send("batch tasks=3", 0).unwrap();
    push.send("task=3 work=0 n=5 result=25 worker=slow", 0)
        .unwrap();
    let collected = sink.wait();
    assert!(collected.ok, "{}", collected.verdict);
    assert_eq!(count(&collected, "results"), 3);
    assert_eq!(count(&collected, "quick/results"), 2);
}
