//! `zmq-broker-worker`: the student writes a REP worker that connects to a broker.
//!
//! The checker is everything else: the zmq-broker lab's broker (a ROUTER for clients, a DEALER
//! bound where workers connect), one worker of its own, and REQ clients. The DEALER deals the
//! requests out in turn, so with two workers the student's gets about half of them. Whatever
//! the checker's own worker did not answer, the student's did. How many clients send how many
//! requests is drawn from the run's seed, so a worker that stops after a count is seen.

use std::time::Duration;

use lab_core::exercise::{Check, CheckSetup, Checker, Rng};
use lab_core::{LabContext, Sampler};

use crate::broker::BrokerLab;

/// The smallest share of the requests the student's worker must answer.
const FAIR_SHARE: f64 = 0.25;

pub struct BrokerWorkerChecker;

impl Checker for BrokerWorkerChecker {
    fn id(&self) -> &'static str {
        "zmq-broker-worker"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &["backend"]
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let backend = setup.endpoint("backend")?;
        let mut rng = setup.probes("broker-worker");
        let clients: i64 = rng.random_range(3..=5);
        let requests_per_client: i64 = rng.random_range(20..=40);
        setup.note(format!(
            "{clients} clients send {requests_per_client} requests each through the broker"
        ));
        let prefix = setup.setting("prefix", "From Server1:");
        let mut params = lab_core::default_params(&BrokerLab);
        params.workers = 1;
        params.work = Duration::from_millis(1);
        params.clients.concurrency = clients as usize;
        params.clients.plan.requests = requests_per_client as u64;
        params.clients.plan.prefix = prefix.as_bytes().to_vec();
        params.clients.plan.timeout = Some(Duration::from_secs(3));
        params.clients.plan.retries = 0;
        let context = LabContext::new();
        // The lab's run ends when its clients are done; a stop from the student ends it early.
        let cancel = setup.cancel.clone();
        let stopper_context = context.clone();
        let watcher = std::thread::spawn(move || {
            while !stopper_context.is_cancelled() && !cancel.is_cancelled() {
                cancel.sleep(Duration::from_millis(100));
            }
            stopper_context.cancel_token().cancel();
        });
        // The clients wait for the student's worker, for 10 s at most.
        let waiting_since = std::time::Instant::now();
        let give_up = || {
            setup.program_exited().is_some()
                || setup.out_of_time()
                || waiting_since.elapsed() > Duration::from_secs(10)
        };
        // Broker, workers and clients as in `--role both`, the backend where the student's
        // worker connects, the clients held back until it has.
        let outcome = crate::broker::run_with_backend(
            &params,
            &context,
            &zmq::Context::new(),
            backend,
            Some(crate::broker::OutsideWorker { give_up: &give_up }),
        );
        context.cancel_token().cancel();
        let _ = watcher.join();

        let mut checks = Vec::new();
        let bound = match outcome {
            Err(error) if error.to_string().contains("already in use") => {
                checks.push(
                    Check::fail(
                        "connects to the broker's backend (and does not bind it)",
                        format!("the broker binding {backend}, your worker connecting to it"),
                        format!("the port is taken: {error}"),
                    )
                    .because("a worker behind a broker connects: the broker is the stable part and binds; is your program binding it?"),
                );
                return Ok(checks);
            }
            other => other,
        };
        bound?;
        let count = |name: &str| context.counter(name).get();
        let total = (clients * requests_per_client) as u64;
        let ours = count("worker-1/served");
        let replies = count("replies");
        let wrong = count("wrong replies");
        let theirs = (replies + wrong).saturating_sub(ours);
        if let Some(how) = setup.program_exited() {
            // The advice follows what happened: a worker that never answered and failed most
            // likely could not bind; one that answered some stopped after a count.
            let why = if theirs == 0 && setup.program_succeeded() == Some(false) {
                "see its output below: a worker that binds the broker's port finds it taken (the broker binds, workers connect)".to_string()
            } else {
                format!(
                    "it answered {theirs} and stopped: a worker receives and replies in a loop, forever, however many requests come"
                )
            };
            checks.push(
                Check::fail(
                    "keeps serving until it is stopped",
                    "a worker that runs until stopped",
                    format!("it {how}"),
                )
                .because(why),
            );
        }
        checks.push(if theirs > 0 {
            Check::pass(
                "connects to the broker's backend and answers requests",
                format!("{theirs} of {total} requests answered by your worker"),
            )
        } else {
            Check::fail(
                "connects to the broker's backend and answers requests",
                format!("some of the {total} requests answered by your worker"),
                format!("all {ours} answered by the checker's own worker"),
            )
            .because(format!(
                "is a REP socket connected to {backend}? Does it recv, then send, in a loop?"
            ))
        });
        checks.push(if wrong == 0 {
            Check::pass(
                "replies with the prefix followed by the request",
                format!("{replies} correct replies"),
            )
        } else {
            Check::fail(
                "replies with the prefix followed by the request",
                format!("\"{prefix}\" + the request, e.g. \"{prefix}client-1 #1\""),
                format!(
                    "{wrong} wrong replies; the first: {}",
                    first_wrong_reply(&context)
                ),
            )
        });
        let share = theirs as f64 / total as f64;
        checks.push(if share >= FAIR_SHARE {
            Check::pass("takes its share of the requests", format!("{:.0}% of them", share * 100.0))
        } else {
            Check::fail(
                "takes its share of the requests",
                format!("at least {:.0}% of {total} (two workers share them)", FAIR_SHARE * 100.0),
                format!("{theirs} ({:.0}%)", share * 100.0),
            )
            .because("answer each request as soon as it arrives: a worker that is slow or stops early gets fewer")
        });
        if replies + wrong < total {
            checks.push(
                Check::fail(
                    "every request is answered",
                    format!("{total} replies"),
                    format!(
                        "{}; {} given up after 3 s without a reply",
                        replies + wrong,
                        count("gave up")
                    ),
                )
                .because("a worker must send exactly one reply for each request it receives"),
            );
        }
        Ok(checks)
    }
}

/// The clients' own words about the first wrong reply, from the lab's event log.
fn first_wrong_reply(context: &LabContext) -> String {
    Sampler::new("zmq-broker", context.clone())
        .sample(0.0)
        .events
        .into_iter()
        .find(|event| event.message.contains(": reply to #"))
        .map(|event| event.message)
        .unwrap_or_else(|| "(not recorded)".to_string())
}
