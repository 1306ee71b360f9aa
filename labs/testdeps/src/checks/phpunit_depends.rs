//! `testdeps-phpunit-depends`: the student writes a real PHPUnit test class for the key-value
//! line protocol (`kv_server.rs`) whose tests hand one connection on with `@depends`:
//! `testConnect` opens it and returns it, `testSend` takes it, SETs a key and returns it,
//! `testReceive` takes it and GETs the key back.
//!
//! The checker reads the graph PHPUnit runs with (the `@depends` of each test), then runs the
//! class with the student's PHPUnit four times on the exercise's port, and reads PHPUnit's own
//! JUnit report each time:
//!
//! 1. against the right server: every test passes, each with an assertion, on one connection;
//! 2. with no server: `testConnect` fails or errors, and PHPUnit **skips** the two that depend on
//!    it (`E S S`): a dependent that errors ran without the connection it needs;
//! 3. against a server whose GET answers a value nobody SET (drawn per run): `testReceive`
//!    fails, so it compares the very value it SET;
//! 4. against a server that refuses every SET (its reason drawn per run): `testSend` fails and
//!    `testReceive` is skipped, so the send test checks the answer too.

use lab_core::exercise::{Check, CheckSetup, Checker, Rng, Source, TaskFile};

use super::kv_server::{Fault, KvServer};
use super::said;
use crate::lab::state_of;
use crate::phpunit::{self, Finished, Listed, Phpunit, Target};

pub struct PhpunitDependsChecker;

/// The student's suite: their `phpunit.xml.dist`, or a folder of `*Test.php`.
const SUITE: TaskFile = TaskFile {
    setting: "suite",
    default: "phpunit.xml.dist",
};

/// The variable the tests read the server's address from (the starter's `getenv`).
const ADDRESS_VARIABLE: &str = "KV_SERVER";

const CONNECT: &str = "testConnect";
const SEND: &str = "testSend";
const RECEIVE: &str = "testReceive";

/// The three tests, by their index in PHPUnit's list.
struct Chain {
    connect: usize,
    send: usize,
    receive: usize,
}

impl Chain {
    fn each(&self) -> [(&'static str, usize); 3] {
        [
            (CONNECT, self.connect),
            (SEND, self.send),
            (RECEIVE, self.receive),
        ]
    }
}

impl Checker for PhpunitDependsChecker {
    fn id(&self) -> &'static str {
        "testdeps-phpunit-depends"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &["server"]
    }

    fn task_file(&self) -> Option<TaskFile> {
        Some(SUITE)
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let address = setup.address("server")?;
        let path = setup.task_file_path(SUITE);
        if let Err(error) = std::fs::metadata(&path) {
            return Ok(vec![lab_core::exercise::missing_task_file(
                &path,
                "the suite's phpunit.xml.dist (or the folder of your *Test.php)",
                &error,
            )]);
        }
        let listed_name = "PHPUnit lists your tests and their @depends";
        let ready = Target::of(&path).and_then(|target| {
            let runner = Phpunit::find(None, &target)?.with_variable(ADDRESS_VARIABLE, address);
            setup.note(format!("listing the tests with {}", runner.describe()));
            let listed = phpunit::list(&runner, &target)?;
            Ok((target, runner, listed))
        });
        let (target, runner, listed) = match ready {
            Ok(ready) => ready,
            Err(problem) => {
                return Ok(vec![
                    Check::fail(listed_name, "PHPUnit's list of your tests", problem).because(
                        "run phpunit yourself in the exercise's folder: it shows the same problem",
                    ),
                ]);
            }
        };
        let mut checks = vec![Check::pass(
            listed_name,
            format!(
                "PHPUnit {}: {}",
                listed.version,
                listed
                    .tests
                    .iter()
                    .map(|test| test.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )];
        let chain = match find_chain(&listed) {
            Ok(chain) => chain,
            Err(missing) => {
                checks.push(
                    Check::fail(
                        "has the tests testConnect, testSend and testReceive",
                        "three test methods of one class with those names",
                        missing,
                    )
                    .because("name the methods exactly so; a data provider would make each several tests"),
                );
                return Ok(checks);
            }
        };
        checks.push(Check::pass(
            "has the tests testConnect, testSend and testReceive",
            listed.tests[chain.connect].class.clone(),
        ));
        let unchained: Vec<String> = [
            (SEND, chain.send, CONNECT, chain.connect),
            (RECEIVE, chain.receive, SEND, chain.send),
        ]
        .into_iter()
        .filter(|(_, test, _, on)| !listed.tests[*test].depends.contains(on))
        .map(|(name, _, on, _)| format!("{name} has no @depends {on}"))
        .collect();
        let chained = "testSend @depends on testConnect and testReceive on testSend";
        checks.push(if unchained.is_empty() {
            Check::pass(chained, "read from the tests' docblocks")
        } else {
            Check::fail(chained, "@depends testConnect on testSend, @depends testSend on testReceive", unchained.join("; "))
                .because("write /** @depends testConnect */ above testSend and take the connection it returns as testSend's parameter; the same for testReceive on testSend")
        });

        // 1. The right server.
        let right = KvServer::start(address, Fault::None)?;
        let ran = run(setup, &runner, &target, &listed, "the right server")?;
        let connections = right.connections.load(std::sync::atomic::Ordering::Relaxed);
        drop(right);
        for (name, index) in chain.each() {
            checks.push(expect(
                &ran,
                index,
                &["passed"],
                format!("{name} passes against the right server"),
                "see PHPUnit's message: run phpunit yourself against a server of your own",
            ));
        }
        let idle: Vec<&str> = chain
            .each()
            .into_iter()
            .filter(|(_, index)| {
                // A skipped test never ran, so it had no chance to assert.
                ran.outcomes[*index].as_ref().is_some_and(|logged| {
                    logged.assertions == 0
                        && !matches!(logged.outcome, crate::assert::Outcome::Skipped { .. })
                })
            })
            .map(|(name, _)| name)
            .collect();
        checks.push(if idle.is_empty() {
            Check::pass(
                "each test makes an assertion",
                format!("{} assertions in all", ran.assertions),
            )
        } else {
            Check::fail(
                "each test makes an assertion",
                "at least one assert* call in every test",
                format!("no assertion in {}", idle.join(", ")),
            )
            .because("a test that asserts nothing cannot fail: check what the server answered (assertSame('OK', Line::read($socket)))")
        });
        checks.push(if connections == 1 {
            Check::pass("talks on one connection", "the server saw 1 connection")
        } else {
            Check::fail(
                "talks on one connection",
                "1 connection, opened by testConnect and handed on by @depends",
                format!("{connections} connections"),
            )
            .because("only testConnect connects: it returns the connection, and each dependent takes it as its parameter and returns it again")
        });

        // 2. No server at all.
        let nobody = std::net::TcpListener::bind(address).map_err(|error| {
            anyhow::anyhow!(
                "the checker cannot make sure nothing listens on {address}: {error}; stop the program using the port and check again"
            )
        })?;
        drop(nobody);
        let ran = run(setup, &runner, &target, &listed, "no server")?;
        checks.push(expect(
            &ran,
            chain.connect,
            &["failed", "error"],
            "testConnect fails when no server listens".to_string(),
            "assert that the connection opened ($this->assertTrue(socket_connect(...))), so that it fails when it did not; markTestSkipped would hide that the server is down",
        ));
        for (name, index) in [(SEND, chain.send), (RECEIVE, chain.receive)] {
            checks.push(expect(
                &ran,
                index,
                &["skipped"],
                format!("{name} is skipped when no server listens"),
                "PHPUnit skips a test whose @depends did not pass; one that errors here ran without the connection it needs",
            ));
        }

        // 3. A GET that answers a value nobody SET.
        let wrong_value = format!(
            "w{:06x}",
            setup.probes("phpunit/wrong-value").random::<u32>() & 0xff_ffff
        );
        let server = format!("a server that answers GET with VALUE {wrong_value}");
        let garbling = KvServer::start(address, Fault::Garbles(wrong_value.clone()))?;
        let ran = run(setup, &runner, &target, &listed, &server)?;
        drop(garbling);
        for (name, index) in [(CONNECT, chain.connect), (SEND, chain.send)] {
            checks.push(expect(
                &ran,
                index,
                &["passed"],
                format!("{name} still passes against {server}"),
                "only GET is wrong on this server",
            ));
        }
        checks.push(expect(
            &ran,
            chain.receive,
            &["failed"],
            format!("testReceive fails against {server}"),
            "compare the whole line with the value you SET: assertSame('VALUE blue', Line::read($socket)), not a prefix any value matches",
        ));

        // 4. A server that refuses every SET.
        let reason = format!(
            "read-only-{:04x}",
            setup.probes("phpunit/refusal").random::<u16>()
        );
        let server = format!("a server that answers SET with ERROR {reason}");
        let refusing = KvServer::start(address, Fault::RefusesSet(reason))?;
        let ran = run(setup, &runner, &target, &listed, &server)?;
        drop(refusing);
        checks.push(expect(
            &ran,
            chain.send,
            &["failed"],
            format!("testSend fails against {server}"),
            "check SET's answer: assertSame('OK', Line::read($socket))",
        ));
        let send_failed = ran.outcomes[chain.send]
            .as_ref()
            .is_some_and(|logged| state_of(&logged.outcome) == "failed");
        checks.push(expect(
            &ran,
            chain.receive,
            &["skipped"],
            format!("testReceive is skipped because testSend failed against {server}"),
            if send_failed {
                "testReceive must @depends testSend, so that PHPUnit skips it when the send failed"
            } else {
                "PHPUnit skips testReceive once testSend fails here: see the check above"
            },
        ));
        Ok(checks)
    }
}

/// The three tests in PHPUnit's list, or which are missing.
fn find_chain(listed: &Listed) -> Result<Chain, String> {
    let Some(connect) = listed.tests.iter().position(|test| test.method == CONNECT) else {
        return Err(format!("no {CONNECT}"));
    };
    let class = &listed.tests[connect].class;
    let find = |method: &str| -> Result<usize, String> {
        let found: Vec<usize> = listed
            .tests
            .iter()
            .enumerate()
            .filter(|(_, test)| &test.class == class && test.method == method)
            .map(|(index, _)| index)
            .collect();
        match found.as_slice() {
            [index] => Ok(*index),
            [] => Err(format!("no {method} in {class}")),
            _ => Err(format!(
                "{method} in {class} runs {} times (a data provider)",
                found.len()
            )),
        }
    };
    let [connect, send, receive] = [CONNECT, SEND, RECEIVE].map(find);
    match (connect, send, receive) {
        (Ok(connect), Ok(send), Ok(receive)) => Ok(Chain {
            connect,
            send,
            receive,
        }),
        (connect, send, receive) => Err([connect, send, receive]
            .into_iter()
            .filter_map(Result::err)
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

/// Runs the suite once with PHPUnit, PHPUnit's output going to the trace.
fn run(
    setup: &CheckSetup,
    runner: &Phpunit,
    target: &Target,
    listed: &Listed,
    against: &str,
) -> anyhow::Result<Finished> {
    setup.note(format!("running PHPUnit against {against}"));
    let stop = || setup.cancel.is_cancelled() || setup.out_of_time();
    let mut finished = phpunit::run(runner, target, listed, &stop, &mut |_| {})
        .map_err(|problem| anyhow::anyhow!(problem))?;
    for line in finished
        .output
        .lines()
        .filter(|line| !line.trim().is_empty())
    {
        setup.trace.push(Source::Stdout, line.to_string());
    }
    if finished.exit.is_none() {
        // Its tests' outcomes are missing, and each check says why.
        finished.summary = "PHPUnit was stopped at the check's time limit: does a test wait for an answer that never comes? Give each read a timeout (stream_set_timeout)".to_string();
    }
    setup.note(format!(
        "PHPUnit: {} {}",
        finished.progress, finished.summary
    ));
    Ok(finished)
}

/// A check that PHPUnit ended the test at `index` in one of `wanted`, with `hint` when not.
fn expect(ran: &Finished, index: usize, wanted: &[&str], name: String, hint: &str) -> Check {
    let Some(logged) = &ran.outcomes[index] else {
        return Check::fail(
            name,
            wanted.join(" or "),
            "not in PHPUnit's report: it did not run",
        )
        .because(if ran.summary.is_empty() {
            "PHPUnit stopped before it: run phpunit yourself to see why".to_string()
        } else {
            ran.summary.clone()
        });
    };
    let word = state_of(&logged.outcome);
    if wanted.contains(&word) {
        return Check::pass(name, said(&logged.outcome));
    }
    let failed = Check::fail(name, wanted.join(" or "), said(&logged.outcome));
    let for_a_dependency = matches!(&logged.outcome, crate::assert::Outcome::Skipped { reason } if reason.starts_with("This test depends on"));
    if for_a_dependency {
        // Skipped for a test it depends on: that test's own check says what went wrong.
        failed.because(
            "PHPUnit skipped it because a test it depends on did not pass: see that test's check",
        )
    } else {
        failed.because(hint)
    }
}
