//! `zmq-broker-worker`: the student writes a REP worker that connects to a broker.
//!
//! The checker is everything else: the zmq-broker lab's broker (a ROUTER for clients, a DEALER
//! bound where workers connect), one worker of its own, and REQ clients. The DEALER deals the
//! requests out in turn, so with two workers the student's gets about half of them. Whatever
//! the checker's own worker did not answer, the student's did. How many clients send how many
//! requests is drawn from the run's seed, so a worker that stops after a count is seen.

use std::time::Duration;

use lab_core::exercise::{Check, CheckName, CheckSetup, Checker, Rng, ended_in};
use lab_core::{LabContext, Sampler};
use lab_i18n::tr;

use crate::broker::BrokerLab;

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
        let lang = setup.lang;
        setup.note(tr!(
            lang,
            "zmq-worker-trace-clients",
            clients = clients,
            requests = requests_per_client
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
                        CheckName::new(lang, |lang| tr!(lang, "zmq-worker-does-not-bind")),
                        tr!(lang, "zmq-worker-binding-expected", endpoint = backend),
                        tr!(lang, "zmq-worker-port-taken", error = error.to_string()),
                    )
                    .because(tr!(lang, "zmq-worker-connects-try")),
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
                tr!(lang, "zmq-worker-bound-try")
            } else {
                tr!(lang, "zmq-worker-stopped-try", count = theirs)
            };
            checks.push(
                Check::fail(
                    CheckName::new(lang, |lang| tr!(lang, "zmq-rep-still-serving")),
                    tr!(lang, "zmq-worker-runs-until-stopped"),
                    tr!(lang, "zmq-it-ended", how = ended_in(lang, &how)),
                )
                .because(why),
            );
        }
        let answers = CheckName::new(lang, |lang| tr!(lang, "zmq-worker-answers"));
        checks.push(if theirs > 0 {
            Check::pass(
                &answers,
                tr!(
                    lang,
                    "zmq-worker-answered-by-yours",
                    count = theirs,
                    total = total
                ),
            )
        } else {
            Check::fail(
                &answers,
                tr!(lang, "zmq-worker-some-expected", total = total),
                tr!(lang, "zmq-worker-all-by-checker", count = ours),
            )
            .because(tr!(lang, "zmq-worker-connected-try", endpoint = backend))
        });
        let prefixed = CheckName::new(lang, |lang| tr!(lang, "zmq-rep-prefixed"));
        checks.push(if wrong == 0 {
            Check::pass(&prefixed, tr!(lang, "zmq-worker-correct", count = replies))
        } else {
            Check::fail(
                &prefixed,
                tr!(lang, "zmq-worker-prefix-expected", prefix = prefix),
                tr!(
                    lang,
                    "zmq-worker-wrong",
                    count = wrong,
                    first = first_wrong_reply(lang, &context)
                ),
            )
        });
        checks.push(super::fair_share(
            lang,
            &CheckName::new(lang, |lang| tr!(lang, "zmq-worker-share")),
            theirs,
            total,
            |percent| tr!(lang, "zmq-worker-percent", percent = percent),
            tr!(lang, "zmq-worker-share-try"),
        ));
        if replies + wrong < total {
            checks.push(
                Check::fail(
                    CheckName::new(lang, |lang| tr!(lang, "zmq-worker-every-answered")),
                    tr!(lang, "zmq-worker-replies", count = total),
                    tr!(
                        lang,
                        "zmq-worker-given-up",
                        count = replies + wrong,
                        gave_up = count("gave up")
                    ),
                )
                .because(tr!(lang, "zmq-worker-one-reply-try")),
            );
        }
        Ok(checks)
    }
}

/// The clients' own words about the first wrong reply, from the lab's event log.
fn first_wrong_reply(lang: lab_i18n::Lang, context: &LabContext) -> String {
    Sampler::new("zmq-broker", context.clone())
        .sample(0.0)
        .events
        .into_iter()
        .find(|event| event.message.contains(": reply to #"))
        .map(|event| event.message)
        .unwrap_or_else(|| tr!(lang, "zmq-worker-not-recorded"))
}
