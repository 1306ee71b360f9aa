//! `testdeps-session-suite`: the student writes a suite for the key-value line protocol
//! (`kv_server.rs`) whose tests share one connection: connect, hello, set, get, quit.
//!
//! The checker runs the suite three times on the exercise's port: against the right server,
//! where every test must pass; against one that forgets what was SET, and against one that
//! answers a value nobody SET (drawn per run), where `get` must fail, `quit` must be skipped
//! because of it, and the tests before `get` must still pass.

use lab_core::exercise::{Check, CheckName, CheckSetup, Checker, Rng};
use lab_i18n::{Lang, tr};

use super::kv_server::{Fault, KvServer};
use super::{load_suite, outcomes, said, state_word};

/// How a broken server is named in a language (given the wrong value it answers).
type ServerName = fn(Lang, &str) -> String;

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
        let lang = setup.lang;
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
        let has_tests = CheckName::new(lang, |lang| tr!(lang, "tdeps-session-has-tests"));
        if !missing.is_empty() {
            checks.push(Check::fail(
                has_tests,
                tr!(lang, "tdeps-session-five-expected"),
                tr!(
                    lang,
                    "tdeps-session-missing",
                    names = missing.join(&tr!(lang, "tdeps-session-missing-between"))
                ),
            ));
            return Ok(checks);
        }
        checks.push(Check::pass(
            has_tests,
            tr!(lang, "tdeps-tests-count", count = suite.tests.len()),
        ));

        let right = KvServer::start(address, Fault::None)?;
        let results = outcomes(&suite, &setup.cancel);
        let connections = right.connections.load(std::sync::atomic::Ordering::Relaxed);
        drop(right);
        for name in TESTS {
            let (word, outcome) = &results[name];
            let passes =
                CheckName::new(lang, |lang| tr!(lang, "tdeps-session-passes", name = name));
            checks.push(if word == "passed" {
                Check::pass(passes, tr!(lang, "tdeps-state-passed"))
            } else {
                Check::fail(passes, tr!(lang, "tdeps-state-passed"), said(lang, outcome))
            });
        }
        let one_connection = CheckName::new(lang, |lang| tr!(lang, "tdeps-session-one-connection"));
        checks.push(if connections == 1 {
            Check::pass(one_connection, tr!(lang, "tdeps-session-saw-one"))
        } else {
            Check::fail(
                one_connection,
                tr!(lang, "tdeps-session-one-expected"),
                tr!(lang, "tdeps-session-connections", count = connections),
            )
            .because(tr!(lang, "tdeps-session-connect-once-try"))
        });

        let wrong_value = format!(
            "w{:06x}",
            setup.probes("session/wrong-value").random::<u32>() & 0xff_ffff
        );
        let broken_servers: [(Fault, ServerName); 2] = [
            (Fault::Forgets, |lang, _| tr!(lang, "tdeps-session-forgets")),
            (Fault::Garbles(wrong_value.clone()), |lang, value| {
                tr!(lang, "tdeps-session-garbles", value = value)
            }),
        ];
        for (fault, server) in broken_servers {
            let broken = KvServer::start(address, fault)?;
            let results = outcomes(&suite, &setup.cancel);
            drop(broken);
            let against = |key: &'static str| {
                CheckName::new(lang, |lang| {
                    let server = server(lang, &wrong_value);
                    match key {
                        "hello" => tr!(lang, "tdeps-session-hello-still", server = server),
                        "set" => tr!(lang, "tdeps-session-set-still", server = server),
                        "get" => tr!(lang, "tdeps-session-get-fails", server = server),
                        _ => tr!(lang, "tdeps-session-quit-skipped", server = server),
                    }
                })
            };
            let expectations = [
                ("hello", "passed", against("hello")),
                ("set", "passed", against("set")),
                ("get", "failed", against("get")),
                ("quit", "skipped", against("quit")),
            ];
            let get_failed = results["get"].0 == "failed";
            // Decided from the suite, not from this run: an independent quit may race the
            // other tests on the shared connection and end them in any order.
            let quit_waits_for_get = depends_on(&suite, "quit", "get");
            for (name, wanted, sentence) in expectations {
                let (word, outcome) = &results[name];
                checks.push(if word == wanted {
                    Check::pass(sentence, said(lang, outcome))
                } else {
                    let hint = match (name, word.as_str()) {
                        ("get", "passed") => tr!(lang, "tdeps-session-exact-value-try"),
                        ("quit", _) if !quit_waits_for_get => {
                            tr!(lang, "tdeps-session-quit-on-get-try")
                        }
                        ("quit", _) if !get_failed => tr!(lang, "tdeps-session-see-above-try"),
                        ("quit", _) => tr!(lang, "tdeps-session-quit-on-get-try"),
                        _ => tr!(lang, "tdeps-session-chain-try"),
                    };
                    Check::fail(sentence, state_word(lang, wanted), said(lang, outcome))
                        .because(hint)
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
