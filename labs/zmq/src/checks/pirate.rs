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

use lab_core::exercise::{Check, CheckSetup, Checker, Rng, quote};
use lab_core::{CancelToken, LabContext};

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
            anyhow::bail!(
                "this exercise reads what your program prints, so the workbench must start it: give its command after --"
            );
        };
        let prefix = setup.setting("prefix", "From Server1:").to_string();
        // The exercise may fix the pattern; otherwise the seed picks it.
        let drop_every: u64 = match setup.settings.get("drop-every") {
            Some(fixed) => fixed.parse().unwrap_or(3),
            None => setup.probes("pirate/drops").random_range(2..=4),
        };
        setup.note(format!(
            "the server loses every {drop_every}th request it receives"
        ));
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
        setup.note(format!(
            "the server received {} requests: answered {served}, lost {lost}",
            served + lost
        ));

        let mut checks = Vec::new();
        let name = "talks to the server: every reply it printed was sent by the server";
        if (served as usize) < answered.len() {
            checks.push(
                Check::fail(
                    name,
                    format!("the server answering at least the {} replies printed", answered.len()),
                    format!("the server received {} request(s) and answered {served}", served + lost),
                )
                .because(format!(
                    "print the replies your REQ socket receives from {}: lines printed without asking are not replies",
                    endpoints[0]
                )),
            );
            return Ok(checks);
        }
        checks.push(Check::pass(
            name,
            format!("the server answered {served} request(s) and lost {lost}"),
        ));
        let name = format!("prints the reply to every request, 1 to {REQUESTS}");
        checks.push(if missing.is_empty() {
            Check::pass(name, format!("{REQUESTS} of {REQUESTS}"))
        } else {
            let last_line = lines.last().map(|line| quote(line.as_bytes())).unwrap_or("nothing".into());
            Check::fail(
                name,
                format!("lines \"{}\" to \"{}\"", expected[0], expected[REQUESTS as usize - 1]),
                format!(
                    "{} of {REQUESTS}; missing request {}; its last line: {last_line}",
                    answered.len(),
                    some_of(&missing)
                ),
            )
            .because("send \"request 1\" … \"request 10\" in turn and print each reply as it comes, on its own line")
        });
        let name = "asks again when a reply does not come (lazy pirate)";
        checks.push(match (&stalled, missing.is_empty()) {
            (_, true) if lost > 0 => Check::pass(name, format!("{lost} request(s) lost by the server and asked again")),
            (_, true) => Check::fail(name, "requests lost by the server and asked again", "the server lost none: it received fewer requests than it loses one in")
                .because("send request 1 to request 10, one after another, each on the REQ socket"),
            (Some(silence), false) => Check::fail(
                name,
                "a new socket and the same request again after a timeout",
                format!("no output for {} s after the server lost a request: the client is still waiting", silence.as_secs()),
            )
            .because("a strict REQ socket waits forever for a lost reply: poll with a timeout, and when it passes close the socket, open a new one, connect and send the request again"),
            (None, false) => Check::fail(
                name,
                "every lost request asked again",
                format!("{lost} request(s) lost; the client stopped before all were answered"),
            )
            .because("try a lost request again (up to 3 times, say) instead of giving up at the first timeout"),
        });
        let name = "exits by itself when every request is answered";
        checks.push(match exited {
            Some(how) if how == "exited with code 0" => Check::pass(name, how),
            Some(how) => Check::fail(name, "exit code 0", how),
            None => Check::fail(name, "the program to finish", "it was still running").because(
                "after the reply to request 10 the client's work is done: end the program",
            ),
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
