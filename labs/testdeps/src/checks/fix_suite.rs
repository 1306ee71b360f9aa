//! `testdeps-fix-suite`: the student repairs a shop's suite that has a cycle (login and logout
//! each waiting for the other) and a wrong dependency (checkout after view_profile instead of
//! after add_to_cart, so it runs even when the cart is empty).
//!
//! The checker wants the suite to load, the same five tests, the dependencies the story asks
//! for, and, run, the outcomes those give: add_to_cart fails on purpose, checkout is skipped.

use lab_core::exercise::{Check, CheckName, CheckSetup, Checker};
use lab_i18n::tr;

use super::{load_suite, outcomes, said, state_word};

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
        let lang = setup.lang;
        let file = setup.setting("suite", "suite.toml");
        let mut checks = vec![Check::pass(
            CheckName::new(lang, |lang| tr!(lang, "tdeps-loads", file = file)),
            tr!(lang, "tdeps-tests-count", count = suite.tests.len()),
        )];
        let mut names: Vec<&str> = suite.tests.iter().map(|test| test.name.as_str()).collect();
        names.sort_unstable();
        let wanted_names = ["add_to_cart", "checkout", "login", "logout", "view_profile"];
        if names != wanted_names {
            checks.push(
                Check::fail(
                    CheckName::new(lang, |lang| tr!(lang, "tdeps-fix-keeps-five")),
                    wanted_names.join(", "),
                    names.join(", "),
                )
                .because(tr!(lang, "tdeps-fix-keeps-five-try")),
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
                CheckName::new(lang, |lang| tr!(lang, "tdeps-fix-login-nothing")),
                suite.tests[suite.index_of("login").unwrap()]
                    .depends
                    .is_empty(),
                tr!(lang, "tdeps-fix-login-nothing-try"),
            ),
            (
                CheckName::new(lang, |lang| tr!(lang, "tdeps-fix-logout-login")),
                depends("logout", "login"),
                tr!(lang, "tdeps-fix-logout-login-try"),
            ),
            (
                CheckName::new(lang, |lang| tr!(lang, "tdeps-fix-checkout-cart")),
                depends("checkout", "add_to_cart"),
                tr!(lang, "tdeps-fix-checkout-cart-try"),
            ),
        ];
        for (rule, held, why) in rules {
            checks.push(if held {
                let extra = if rule.english.starts_with("checkout")
                    && depends("checkout", "view_profile")
                {
                    tr!(lang, "tdeps-fix-yes-also")
                } else {
                    tr!(lang, "tdeps-yes")
                };
                Check::pass(rule, extra)
            } else {
                Check::fail(rule, tr!(lang, "tdeps-yes"), tr!(lang, "tdeps-no")).because(why)
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
            let sentence = CheckName::new(lang, |lang| {
                tr!(
                    lang,
                    "tdeps-fix-run-is",
                    name = name,
                    state = state_word(lang, wanted)
                )
            });
            checks.push(if word == wanted {
                Check::pass(sentence, said(lang, outcome))
            } else {
                Check::fail(sentence, state_word(lang, wanted), said(lang, outcome))
                    .because(tr!(lang, "tdeps-fix-keep-commands-try"))
            });
        }
        Ok(checks)
    }
}
