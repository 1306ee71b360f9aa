//! `testdeps-session-suite`: the student writes a suite for the key-value line protocol
//! (`kv_server.rs`) whose tests share one connection: connect, hello, set, get, quit.
//!
//! The checker runs the suite three times on the exercise's port: against the right server,
//! where every test must pass; against one that forgets what was SET, and against one that
//! answers a value nobody SET (drawn per run), where `get` must fail, `quit` must be skipped
//! because of it, and the tests before `get` must still pass.

use lab_core::exercise::{Check, CheckSetup, Checker, Rng};

use super::kv_server::{Fault, KvServer};
use super::{load_suite, outcomes, said};

pub struct SessionSuiteChecker;

const TESTS: [&str; 5] = ["connect", "hello", "set", "get", "quit"];

impl Checker for SessionSuiteChecker {
    fn id(&self) -> &'static str {
        "testdeps-session-suite"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &["server"]
    }

    fn task_file(&self) -> Option<lab_core::exercise::TaskFile> {
        Some(super::SUITE_FILE)
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let address = setup.address("server")?;
        let mut checks = Vec::new();
        let suite = match load_suite(setup) {
            Ok(suite) => suite,
            Err(failed) => return Ok(vec![*failed]),
        };
        let missing: Vec<&str> = TESTS
            .iter()
            .copied()
            .filter(|name| suite.index_of(name).is_none())
            .collect();
        if !missing.is_empty() {
            checks.push(Check::fail(
                "has the tests connect, hello, set, get and quit",
                "five tests with those names",
                format!("no {}", missing.join(", no ")),
            ));
            return Ok(checks);
        }
        checks.push(Check::pass(
            "has the tests connect, hello, set, get and quit",
            format!("{} tests", suite.tests.len()),
        ));

        let right = KvServer::start(address, Fault::None)?;
        let results = outcomes(&suite, &setup.cancel);
        let connections = right.connections.load(std::sync::atomic::Ordering::Relaxed);
        drop(right);
        for name in TESTS {
            let (word, outcome) = &results[name];
            checks.push(if word == "passed" {
                Check::pass(format!("{name} passes against the right server"), "passed")
            } else {
                Check::fail(
                    format!("{name} passes against the right server"),
                    "passed",
                    said(outcome),
                )
            });
        }
        checks.push(if connections == 1 {
            Check::pass("talks on one connection", "the server saw 1 connection")
        } else {
            Check::fail(
                "talks on one connection",
                "1 connection, carried from test to test by a session",
                format!("{connections} connections"),
            )
            .because("connect once with session = \"main\"; the other tests continue it with session = \"main\" and no connect")
        });

        let wrong_value = format!(
            "w{:06x}",
            setup.probes("session/wrong-value").random::<u32>() & 0xff_ffff
        );
        for (fault, server) in [
            (
                Fault::Forgets,
                "a server that forgets what was SET".to_string(),
            ),
            (
                Fault::Garbles(wrong_value.clone()),
                format!("a server that answers GET with VALUE {wrong_value}"),
            ),
        ] {
            let broken = KvServer::start(address, fault)?;
            let results = outcomes(&suite, &setup.cancel);
            drop(broken);
            let expectations = [
                (
                    "hello",
                    "passed",
                    format!("hello still passes against {server}"),
                ),
                (
                    "set",
                    "passed",
                    format!("set still passes against {server}"),
                ),
                ("get", "failed", format!("get fails against {server}")),
                (
                    "quit",
                    "skipped",
                    format!("quit is skipped because get failed against {server}"),
                ),
            ];
            let get_failed = results["get"].0 == "failed";
            // Decided from the suite, not from this run: an independent quit may race the
            // other tests on the shared connection and end them in any order.
            let quit_waits_for_get = depends_on(&suite, "quit", "get");
            for (name, wanted, sentence) in expectations {
                let (word, outcome) = &results[name];
                checks.push(if word == wanted {
                    Check::pass(sentence, said(outcome))
                } else {
                    let hint = match (name, word.as_str()) {
                        ("get", "passed") => {
                            "get must expect exactly the value set before: expect_line = \"VALUE …\" with the value, not a pattern any value matches"
                        }
                        ("quit", _) if !quit_waits_for_get => "quit must depend on get",
                        ("quit", _) if !get_failed => {
                            "quit is skipped once get fails here: see the check above"
                        }
                        ("quit", _) => "quit must depend on get",
                        _ => "each test should depend on the one before it",
                    };
                    Check::fail(sentence, wanted, said(outcome)).because(hint)
                });
            }
        }
        Ok(checks)
    }
}

/// Whether the test `name` depends on `on`, directly or through others.
fn depends_on(suite: &crate::suite::Suite, name: &str, on: &str) -> bool {
    let mut waiting = vec![name];
    let mut seen = std::collections::HashSet::new();
    while let Some(current) = waiting.pop() {
        let Some(index) = suite.index_of(current) else {
            continue;
        };
        for dependency in &suite.tests[index].depends {
            if dependency == on {
                return true;
            }
            if seen.insert(dependency.as_str()) {
                waiting.push(dependency);
            }
        }
    }
    false
}
