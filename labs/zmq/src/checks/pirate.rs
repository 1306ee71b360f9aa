//! `zmq-lazy-pirate`: the student writes a REQ client that survives lost requests.
//!
//! The checker is the server: the zmq-reqrep lab's own REP server, bound where the student's
//! client connects, losing every third request it receives the way a crash would. A strict REQ
//! client then waits forever; a lazy pirate waits with a timeout, opens a new socket and asks
//! again. The client must print the reply to `request 1` … `request 10`, in order, and exit.
//!
//! Which requests are lost is drawn from the run's seed (every 2nd, 3rd or 4th received), and
//! the checker counts what its server received and answered: printed replies count only when
//! the server really answered that many requests, and a retry only when it really came.

use std::time::{Duration, Instant};

use lab_core::exercise::{Check, CheckName, CheckSetup, Checker, Rng, ended_in, quote};
use lab_core::{CancelToken, LabContext};
use lab_i18n::tr;

use super::some_of;
use crate::reqrep::{ServerCounters, ServerPlan, server};

/// Requests the client must get answered.
const REQUESTS: u64 = 10;
/// Output silence after which the client is taken to be stuck.
const STALL: Duration = Duration::from_secs(6);

pub struct LazyPirateChecker;

impl Checker for LazyPirateChecker {
    fn id(&self) -> &'static str {
        "zmq-lazy-pirate"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &["server"]
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let Some(output) = &setup.program else {
            anyhow::bail!(tr!(setup.lang, "zmq-sub-needs-command"));
        };
        let lang = setup.lang;
        let prefix = setup.setting("prefix", "From Server1:").to_string();
        // The exercise may fix the pattern; otherwise the seed picks it.
        let drop_every: u64 = match setup.settings.get("drop-every") {
            Some(fixed) => fixed.parse().unwrap_or(3),
            None => setup.probes("pirate/drops").random_range(2..=4),
        };
        setup.note(tr!(lang, "zmq-pirate-trace-loses", every = drop_every));
        let endpoints = vec![setup.endpoint("server")?.to_string()];
        let zmq_context = zmq::Context::new();
        let (socket, bound) = server::bind(&zmq_context, &endpoints)?;
        // The lab's instruments, kept here: the checker reads its counters afterwards.
        let context = LabContext::new();
        let counters = ServerCounters::new(&context);
        let plan = ServerPlan {
            prefix: prefix.as_bytes().to_vec(),
            work: Duration::ZERO,
            drop_every,
        };
        let stop = CancelToken::default();
        let (exited, stalled) = std::thread::scope(|scope| {
            let serving = scope.spawn(|| {
                server::serve(
                    &zmq_context,
                    socket,
                    &bound,
                    &plan,
                    &counters,
                    &context,
                    &stop,
                )
            });
            let outcome = wait_for_the_client(setup);
            stop.cancel();
            let _ = serving.join();
            outcome
        });

        let lines = output.lines_from(0);
        let expected: Vec<String> = (1..=REQUESTS)
            .map(|number| format!("{prefix}request {number}"))
            .collect();
        let answered: Vec<u64> = (1..=REQUESTS)
            .filter(|number| lines.contains(&expected[*number as usize - 1]))
            .collect();
        let missing: Vec<u64> = (1..=REQUESTS)
            .filter(|number| !answered.contains(number))
            .collect();
        let lost = counters.dropped.get();
        let served = counters.served.get();
        setup.note(tr!(
            lang,
            "zmq-pirate-trace-received",
            count = served + lost,
            served = served,
            lost = lost
        ));

        let mut checks = Vec::new();
        let name = &CheckName::new(lang, |lang| tr!(lang, "zmq-pirate-talks"));
        if (served as usize) < answered.len() {
            checks.push(
                Check::fail(
                    name,
                    tr!(lang, "zmq-pirate-talks-expected", count = answered.len()),
                    tr!(
                        lang,
                        "zmq-pirate-received-answered",
                        count = served + lost,
                        served = served
                    ),
                )
                .because(tr!(
                    lang,
                    "zmq-pirate-not-replies-try",
                    endpoint = endpoints[0].as_str()
                )),
            );
            return Ok(checks);
        }
        checks.push(Check::pass(
            name,
            tr!(lang, "zmq-pirate-talks-pass", served = served, lost = lost),
        ));
        let name = &CheckName::new(lang, |lang| {
            tr!(lang, "zmq-pirate-every-reply", count = REQUESTS)
        });
        checks.push(if missing.is_empty() {
            Check::pass(
                name,
                tr!(lang, "zmq-sub-of", count = REQUESTS, total = REQUESTS),
            )
        } else {
            let last_line = lines
                .last()
                .map(|line| quote(line.as_bytes()))
                .unwrap_or_else(|| tr!(lang, "zmq-pirate-nothing"));
            Check::fail(
                name,
                tr!(
                    lang,
                    "zmq-pirate-lines",
                    first = expected[0].as_str(),
                    last = expected[REQUESTS as usize - 1].as_str()
                ),
                tr!(
                    lang,
                    "zmq-pirate-missing",
                    count = answered.len(),
                    total = REQUESTS,
                    missing = some_of(&missing),
                    line = last_line
                ),
            )
            .because(tr!(lang, "zmq-pirate-in-turn-try"))
        });
        let name = &CheckName::new(lang, |lang| tr!(lang, "zmq-pirate-asks-again"));
        checks.push(match (&stalled, missing.is_empty()) {
            (_, true) if lost > 0 => {
                Check::pass(name, tr!(lang, "zmq-pirate-asked-again", count = lost))
            }
            (_, true) => Check::fail(
                name,
                tr!(lang, "zmq-pirate-lost-expected"),
                tr!(lang, "zmq-pirate-lost-none"),
            )
            .because(tr!(lang, "zmq-pirate-one-after-another-try")),
            (Some(silence), false) => Check::fail(
                name,
                tr!(lang, "zmq-pirate-new-socket-expected"),
                tr!(
                    lang,
                    "zmq-pirate-still-waiting",
                    seconds = silence.as_secs()
                ),
            )
            .because(tr!(lang, "zmq-pirate-strict-try")),
            (None, false) => Check::fail(
                name,
                tr!(lang, "zmq-pirate-every-lost-expected"),
                tr!(lang, "zmq-pirate-stopped-early", count = lost),
            )
            .because(tr!(lang, "zmq-pirate-retry-try")),
        });
        let name = &CheckName::new(lang, |lang| tr!(lang, "zmq-pirate-exits"));
        checks.push(match exited {
            Some(how) if how == "exited with code 0" => Check::pass(name, ended_in(lang, &how)),
            Some(how) => Check::fail(
                name,
                tr!(lang, "zmq-pirate-exit-code-0"),
                ended_in(lang, &how),
            ),
            None => Check::fail(
                name,
                tr!(lang, "zmq-pirate-to-finish"),
                tr!(lang, "zmq-pirate-still-running"),
            )
            .because(tr!(lang, "zmq-pirate-done-try")),
        });
        Ok(checks)
    }
}

/// Waits until the client exits, goes quiet for too long, or the time is up. Returns how it
/// exited, and how long it was silent if that is why the wait ended.
fn wait_for_the_client(setup: &CheckSetup) -> (Option<String>, Option<Duration>) {
    let mut lines_seen = 0;
    let mut last_change = Instant::now();
    loop {
        if let Some(how) = setup.program_exited() {
            return (Some(how), None);
        }
        let lines = setup
            .program
            .as_ref()
            .map_or(0, |output| output.line_count());
        if lines != lines_seen {
            lines_seen = lines;
            last_change = Instant::now();
        }
        if last_change.elapsed() >= STALL {
            return (None, Some(last_change.elapsed()));
        }
        if setup.out_of_time() {
            return (None, None);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
