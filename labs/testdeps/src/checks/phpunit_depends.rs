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

use lab_core::exercise::{Check, CheckName, CheckSetup, Checker, Rng, Source, TaskFile};
use lab_i18n::{Lang, tr};

use super::kv_server::{Fault, KvServer};
use super::{said, state_word};
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
        let lang = setup.lang;
        let path = setup.task_file_path(SUITE);
        if let Err(error) = std::fs::metadata(&path) {
            return Ok(vec![lab_core::exercise::missing_task_file(
                lang,
                &path,
                &tr!(lang, "tdeps-php-task-file"),
                &error,
            )]);
        }
        let listed_name = CheckName::new(lang, |lang| tr!(lang, "tdeps-php-lists"));
        let ready = Target::of(&path).and_then(|target| {
            let runner = Phpunit::find(None, &target)?.with_variable(ADDRESS_VARIABLE, address);
            setup.note(tr!(
                lang,
                "tdeps-php-trace-listing",
                runner = runner.describe()
            ));
            let listed = phpunit::list(&runner, &target)?;
            Ok((target, runner, listed))
        });
        let (target, runner, listed) = match ready {
            Ok(ready) => ready,
            Err(problem) => {
                return Ok(vec![
                    Check::fail(listed_name, tr!(lang, "tdeps-php-list-expected"), problem)
                        .because(tr!(lang, "tdeps-php-run-yourself-try")),
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
        let has_tests = CheckName::new(lang, |lang| tr!(lang, "tdeps-php-has-tests"));
        let chain = match find_chain(lang, &listed) {
            Ok(chain) => chain,
            Err(missing) => {
                checks.push(
                    Check::fail(&has_tests, tr!(lang, "tdeps-php-three-expected"), missing)
                        .because(tr!(lang, "tdeps-php-name-exactly-try")),
                );
                return Ok(checks);
            }
        };
        checks.push(Check::pass(
            &has_tests,
            listed.tests[chain.connect].class.clone(),
        ));
        let unchained: Vec<String> = [
            (SEND, chain.send, CONNECT, chain.connect),
            (RECEIVE, chain.receive, SEND, chain.send),
        ]
        .into_iter()
        .filter(|(_, test, _, on)| !listed.tests[*test].depends.contains(on))
        .map(|(name, _, on, _)| tr!(lang, "tdeps-php-no-depends", name = name, on = on))
        .collect();
        let chained = CheckName::new(lang, |lang| tr!(lang, "tdeps-php-chained"));
        checks.push(if unchained.is_empty() {
            Check::pass(chained, tr!(lang, "tdeps-php-docblocks"))
        } else {
            Check::fail(
                chained,
                tr!(lang, "tdeps-php-chained-expected"),
                unchained.join("; "),
            )
            .because(tr!(lang, "tdeps-php-chained-try"))
        });

        // 1. The right server.
        let right = KvServer::start(address, Fault::None)?;
        let ran = run(
            setup,
            &runner,
            &target,
            &listed,
            &tr!(lang, "tdeps-php-the-right-server"),
        )?;
        let connections = right.connections.load(std::sync::atomic::Ordering::Relaxed);
        drop(right);
        for (name, index) in chain.each() {
            checks.push(expect(
                lang,
                &ran,
                index,
                &["passed"],
                CheckName::new(lang, |lang| tr!(lang, "tdeps-session-passes", name = name)),
                tr!(lang, "tdeps-php-see-message-try"),
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
        let asserts = CheckName::new(lang, |lang| tr!(lang, "tdeps-php-asserts"));
        checks.push(if idle.is_empty() {
            Check::pass(
                asserts,
                tr!(lang, "tdeps-php-assertions", count = ran.assertions),
            )
        } else {
            Check::fail(
                asserts,
                tr!(lang, "tdeps-php-asserts-expected"),
                tr!(lang, "tdeps-php-no-assertion", names = idle.join(", ")),
            )
            .because(tr!(lang, "tdeps-php-asserts-try"))
        });
        let one_connection = CheckName::new(lang, |lang| tr!(lang, "tdeps-session-one-connection"));
        checks.push(if connections == 1 {
            Check::pass(one_connection, tr!(lang, "tdeps-session-saw-one"))
        } else {
            Check::fail(
                one_connection,
                tr!(lang, "tdeps-php-one-expected"),
                tr!(lang, "tdeps-session-connections", count = connections),
            )
            .because(tr!(lang, "tdeps-php-only-connect-try"))
        });

        // 2. No server at all.
        let nobody = std::net::TcpListener::bind(address).map_err(|error| {
            anyhow::anyhow!(tr!(
                lang,
                "tdeps-php-cannot-free",
                address = address,
                error = error.to_string()
            ))
        })?;
        drop(nobody);
        let ran = run(
            setup,
            &runner,
            &target,
            &listed,
            &tr!(lang, "tdeps-php-no-server"),
        )?;
        checks.push(expect(
            lang,
            &ran,
            chain.connect,
            &["failed", "error"],
            CheckName::new(lang, |lang| tr!(lang, "tdeps-php-connect-fails")),
            tr!(lang, "tdeps-php-connect-fails-try"),
        ));
        for (name, index) in [(SEND, chain.send), (RECEIVE, chain.receive)] {
            checks.push(expect(
                lang,
                &ran,
                index,
                &["skipped"],
                CheckName::new(lang, |lang| {
                    tr!(lang, "tdeps-php-skipped-no-server", name = name)
                }),
                tr!(lang, "tdeps-php-skipped-no-server-try"),
            ));
        }

        // 3. A GET that answers a value nobody SET.
        let wrong_value = format!(
            "w{:06x}",
            setup.probes("phpunit/wrong-value").random::<u32>() & 0xff_ffff
        );
        let server = |lang: Lang| tr!(lang, "tdeps-session-garbles", value = wrong_value.as_str());
        let garbling = KvServer::start(address, Fault::Garbles(wrong_value.clone()))?;
        let ran = run(setup, &runner, &target, &listed, &server(lang))?;
        drop(garbling);
        for (name, index) in [(CONNECT, chain.connect), (SEND, chain.send)] {
            checks.push(expect(
                lang,
                &ran,
                index,
                &["passed"],
                CheckName::new(lang, |lang| {
                    tr!(
                        lang,
                        "tdeps-php-still-passes",
                        name = name,
                        server = server(lang)
                    )
                }),
                tr!(lang, "tdeps-php-only-get-try"),
            ));
        }
        checks.push(expect(
            lang,
            &ran,
            chain.receive,
            &["failed"],
            CheckName::new(lang, |lang| {
                tr!(
                    lang,
                    "tdeps-php-fails-against",
                    name = RECEIVE,
                    server = server(lang)
                )
            }),
            tr!(lang, "tdeps-php-whole-line-try"),
        ));

        // 4. A server that refuses every SET.
        let reason = format!(
            "read-only-{:04x}",
            setup.probes("phpunit/refusal").random::<u16>()
        );
        let server = |lang: Lang| tr!(lang, "tdeps-php-refuses", reason = reason.as_str());
        let refusing = KvServer::start(address, Fault::RefusesSet(reason.clone()))?;
        let ran = run(setup, &runner, &target, &listed, &server(lang))?;
        drop(refusing);
        checks.push(expect(
            lang,
            &ran,
            chain.send,
            &["failed"],
            CheckName::new(lang, |lang| {
                tr!(
                    lang,
                    "tdeps-php-fails-against",
                    name = SEND,
                    server = server(lang)
                )
            }),
            tr!(lang, "tdeps-php-check-set-try"),
        ));
        let send_failed = ran.outcomes[chain.send]
            .as_ref()
            .is_some_and(|logged| state_of(&logged.outcome) == "failed");
        checks.push(expect(
            lang,
            &ran,
            chain.receive,
            &["skipped"],
            CheckName::new(lang, |lang| {
                tr!(lang, "tdeps-php-receive-skipped", server = server(lang))
            }),
            if send_failed {
                tr!(lang, "tdeps-php-receive-depends-try")
            } else {
                tr!(lang, "tdeps-php-see-above-try")
            },
        ));
        Ok(checks)
    }
}

/// The three tests in PHPUnit's list, or which are missing.
fn find_chain(lang: Lang, listed: &Listed) -> Result<Chain, String> {
    let Some(connect) = listed.tests.iter().position(|test| test.method == CONNECT) else {
        return Err(tr!(lang, "tdeps-php-no-method", method = CONNECT));
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
            [] => Err(tr!(
                lang,
                "tdeps-php-no-method-in",
                method = method,
                class = class.as_str()
            )),
            _ => Err(tr!(
                lang,
                "tdeps-php-data-provider",
                method = method,
                class = class.as_str(),
                count = found.len()
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
    setup.note(tr!(
        setup.lang,
        "tdeps-php-trace-running",
        against = against
    ));
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
        finished.summary = tr!(setup.lang, "tdeps-php-time-limit");
    }
    setup.note(format!(
        "PHPUnit: {} {}",
        finished.progress, finished.summary
    ));
    Ok(finished)
}

/// A check that PHPUnit ended the test at `index` in one of `wanted`, with `hint` when not.
fn expect(
    lang: Lang,
    ran: &Finished,
    index: usize,
    wanted: &[&str],
    name: CheckName,
    hint: String,
) -> Check {
    let wanted_words = wanted
        .iter()
        .map(|state| state_word(lang, state))
        .collect::<Vec<_>>()
        .join(&tr!(lang, "tdeps-or"));
    let Some(logged) = &ran.outcomes[index] else {
        return Check::fail(name, wanted_words, tr!(lang, "tdeps-php-did-not-run")).because(
            if ran.summary.is_empty() {
                tr!(lang, "tdeps-php-stopped-before-try")
            } else {
                ran.summary.clone()
            },
        );
    };
    let word = state_of(&logged.outcome);
    if wanted.contains(&word) {
        return Check::pass(name, said(lang, &logged.outcome));
    }
    let failed = Check::fail(name, wanted_words, said(lang, &logged.outcome));
    let for_a_dependency = matches!(&logged.outcome, crate::assert::Outcome::Skipped { reason } if reason.starts_with("This test depends on"));
    if for_a_dependency {
        // Skipped for a test it depends on: that test's own check says what went wrong.
        failed.because(tr!(lang, "tdeps-php-skipped-for-dependency-try"))
    } else {
        failed.because(hint)
    }
}
