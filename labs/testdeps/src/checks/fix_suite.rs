//! `testdeps-fix-suite`: the student repairs a shop's suite that has a cycle (login and logout
//! each waiting for the other) and a wrong dependency (checkout after view_profile instead of
//! after add_to_cart, so it runs even when the cart is empty).
//!
//! The checker wants the suite to load, the same five tests, the dependencies the story asks
//! for, and, run, the outcomes those give: add_to_cart fails on purpose, checkout is skipped.

use lab_core::exercise::{Check, CheckSetup, Checker};

use super::{load_suite, outcomes, said};

pub struct FixSuiteChecker;

impl Checker for FixSuiteChecker {
    fn id(&self) -> &'static str {
        "testdeps-fix-suite"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &[]
    }

    fn task_file(&self) -> Option<lab_core::exercise::TaskFile> {
        Some(super::SUITE_FILE)
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let suite = match load_suite(setup) {
            Ok(suite) => suite,
            Err(failed) => return Ok(vec![*failed]),
        };
        let mut checks = vec![Check::pass(
            format!(
                "{} loads, with no unknown dependency and no cycle",
                setup.setting("suite", "suite.toml")
            ),
            format!("{} tests", suite.tests.len()),
        )];
        let mut names: Vec<&str> = suite.tests.iter().map(|test| test.name.as_str()).collect();
        names.sort_unstable();
        let wanted_names = ["add_to_cart", "checkout", "login", "logout", "view_profile"];
        if names != wanted_names {
            checks.push(
                Check::fail(
                    "keeps the five tests",
                    wanted_names.join(", "),
                    names.join(", "),
                )
                .because("repair the dependencies; do not remove or rename tests"),
            );
            return Ok(checks);
        }
        let depends = |test: &str, on: &str| {
            suite.tests[suite.index_of(test).unwrap()]
                .depends
                .iter()
                .any(|name| name == on)
        };
        // What the story needs, each with why; a dependency more than needed is harmless (it
        // only narrows when a test runs), so it is accepted and said.
        let rules = [
            (
                "login depends on nothing",
                suite.tests[suite.index_of("login").unwrap()]
                    .depends
                    .is_empty(),
                "login is where a session starts: a test it waits for is the cycle the suite had",
            ),
            (
                "logout depends on login",
                depends("logout", "login"),
                "logout needs the session login opens: depends = [\"login\"]",
            ),
            (
                "checkout depends on add_to_cart",
                depends("checkout", "add_to_cart"),
                "checking out an empty cart is the bug: checkout must wait for add_to_cart, and be skipped when it fails",
            ),
        ];
        for (rule, held, why) in rules {
            checks.push(if held {
                let extra = if rule.starts_with("checkout") && depends("checkout", "view_profile") {
                    "yes (also on view_profile: harmless, it is skipped all the same when the cart is empty)"
                } else {
                    "yes"
                };
                Check::pass(rule, extra)
            } else {
                Check::fail(rule, "yes", "no").because(why)
            });
        }
        let results = outcomes(&suite, &setup.cancel);
        for (name, wanted) in [
            ("login", "passed"),
            ("add_to_cart", "failed"),
            ("view_profile", "passed"),
            ("checkout", "skipped"),
            ("logout", "passed"),
        ] {
            let (word, outcome) = &results[name];
            let sentence = format!("run, {name} is {wanted}");
            checks.push(if word == wanted {
                Check::pass(sentence, said(outcome))
            } else {
                Check::fail(sentence, wanted, said(outcome))
                    .because("keep each test's command as it was: only the dependencies were wrong")
            });
        }
        Ok(checks)
    }
}
