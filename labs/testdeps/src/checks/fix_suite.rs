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
        let rules = [
            (
                "login depends on nothing",
                suite.tests[suite.index_of("login").unwrap()]
                    .depends
                    .is_empty(),
            ),
            ("logout depends on login", depends("logout", "login")),
            (
                "checkout depends on add_to_cart",
                depends("checkout", "add_to_cart"),
            ),
            (
                "checkout does not depend on view_profile",
                !depends("checkout", "view_profile"),
            ),
        ];
        for (rule, held) in rules {
            checks.push(if held {
                Check::pass(rule, "yes")
            } else {
                Check::fail(rule, "yes", "no")
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
