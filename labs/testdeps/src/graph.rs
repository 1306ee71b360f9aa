//! The dependency graph: checked before anything runs, and narrowed by `--filter`.
//!
//! Tests and their `depends` form a directed graph. It must name only tests that exist, and
//! have no cycle: a test that (through others) depends on itself could never run. Both are
//! found before the first test starts, and the error names the test and the line, or the cycle.

use std::collections::BTreeSet;

use crate::suite::Suite;

/// Every dependency names a test of the suite, and there is no cycle.
pub fn check(suite: &Suite) -> Result<(), String> {
    let file = suite.file.display();
    for test in &suite.tests {
        for dependency in &test.depends {
            if dependency == &test.name {
                return Err(format!(
                    "{file}:{}: test '{}' depends on itself",
                    test.line, test.name
                ));
            }
            if dependency.contains("::") {
                continue; // another suite's test: see check_suites
            }
            if index_of(suite, dependency).is_none() {
                let names: Vec<&str> = suite.tests.iter().map(|test| test.name.as_str()).collect();
                return Err(format!(
                    "{file}:{}: test '{}' depends on '{dependency}', which is not in suite '{}' (its tests: {})",
                    test.line,
                    test.name,
                    suite.name,
                    names.join(", ")
                ));
            }
        }
    }
    for test in &suite.tests {
        for used in uses(test) {
            if !test.depends.contains(&used) {
                return Err(format!(
                    "{file}:{}: test '{}' uses ${{{used}}}, but does not depend on '{used}': add it to depends",
                    test.line, test.name
                ));
            }
            if used.contains("::") {
                continue; // another suite's test: see check_suites
            }
            let captures = index_of(suite, &used).is_some_and(|index| {
                suite.tests[index].capture.is_some() || suite.tests[index].capture_json.is_some()
            });
            if !captures {
                return Err(format!(
                    "{file}:{}: test '{}' uses ${{{used}}}, but '{used}' captures nothing: give it capture = \"a regex\" (or capture_json = \"$.path\")",
                    test.line, test.name
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(suite) {
        let names: Vec<&str> = cycle
            .iter()
            .map(|index| suite.tests[*index].name.as_str())
            .collect();
        return Err(format!(
            "{file}:{}: a cycle of dependencies, so none of them can run: {}",
            suite.tests[cycle[0]].line,
            names.join(" → ")
        ));
    }
    Ok(())
}

/// The `${name}` a test's texts use.
fn uses(test: &crate::suite::TestSpec) -> Vec<String> {
    let mut names = Vec::new();
    for text in test.action.texts() {
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let Some(length) = rest[start + 2..].find('}') else {
                break;
            };
            names.push(rest[start + 2..start + 2 + length].to_string());
            rest = &rest[start + 2 + length..];
        }
    }
    names
}

/// Checks what suites say of each other (`depends = ["unit"]`, and tests depending on
/// `"unit::parse"`): every suite and test named is in the run, a `${unit::parse}` captures, and
/// no suites depend on each other in a circle. Returns the order to run them in.
pub fn check_suites(suites: &[Suite]) -> Result<Vec<usize>, String> {
    let position = |name: &str| suites.iter().position(|suite| suite.name == name);
    let known = || {
        suites
            .iter()
            .map(|suite| suite.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // needs[a] holds the suites that must run before suite a.
    let mut needs: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); suites.len()];
    for (index, suite) in suites.iter().enumerate() {
        let file = suite.file.display();
        if suites[..index].iter().any(|other| other.name == suite.name) {
            return Err(format!(
                "{file}: a second suite named '{}' in this run",
                suite.name
            ));
        }
        for dependency in &suite.depends {
            match position(dependency) {
                Some(other) if other != index => {
                    needs[index].insert(other);
                }
                Some(_) => {
                    return Err(format!(
                        "{file}:{}: suite '{}' depends on itself",
                        suite.depends_line, suite.name
                    ));
                }
                None => {
                    return Err(format!(
                        "{file}:{}: suite '{}' depends on suite '{dependency}', which is not in this run (suites: {}); give its file too",
                        suite.depends_line,
                        suite.name,
                        known()
                    ));
                }
            }
        }
        for test in &suite.tests {
            for dependency in test.depends.iter().filter(|name| name.contains("::")) {
                let (suite_name, test_name) = dependency.split_once("::").unwrap_or_default();
                let Some(other) = position(suite_name) else {
                    return Err(format!(
                        "{file}:{}: test '{}' depends on '{dependency}', but no suite '{suite_name}' is in this run (suites: {}); give its file too",
                        test.line,
                        test.name,
                        known()
                    ));
                };
                let Some(found) = index_of(&suites[other], test_name) else {
                    return Err(format!(
                        "{file}:{}: test '{}' depends on '{dependency}', but suite '{suite_name}' has no test '{test_name}'",
                        test.line, test.name
                    ));
                };
                if other == index {
                    return Err(format!(
                        "{file}:{}: test '{}' names its own suite in '{dependency}': write '{test_name}'",
                        test.line, test.name
                    ));
                }
                let used = uses(test).contains(dependency);
                let captured = &suites[other].tests[found];
                if used && captured.capture.is_none() && captured.capture_json.is_none() {
                    return Err(format!(
                        "{file}:{}: test '{}' uses ${{{dependency}}}, but '{dependency}' captures nothing",
                        test.line, test.name
                    ));
                }
                needs[index].insert(other);
            }
        }
    }
    // Kahn's algorithm, taking the first ready suite in the order the files were given.
    let mut order = Vec::with_capacity(suites.len());
    let mut done = vec![false; suites.len()];
    while order.len() < suites.len() {
        let ready = (0..suites.len())
            .find(|index| !done[*index] && needs[*index].iter().all(|other| done[*other]));
        let Some(ready) = ready else {
            let waiting: Vec<&str> = (0..suites.len())
                .filter(|index| !done[*index])
                .map(|index| suites[index].name.as_str())
                .collect();
            return Err(format!(
                "suites that depend on each other in a circle, so none of them can run: {}",
                waiting.join(", ")
            ));
        };
        done[ready] = true;
        order.push(ready);
    }
    Ok(order)
}

pub fn index_of(suite: &Suite, name: &str) -> Option<usize> {
    suite.index_of(name)
}

/// A cycle as test indexes, first repeated at the end (a → b → a), if there is one.
fn find_cycle(suite: &Suite) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    fn visit(
        suite: &Suite,
        test: usize,
        marks: &mut [Mark],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        marks[test] = Mark::OnPath;
        path.push(test);
        for dependency in &suite.tests[test].depends {
            let Some(next) = index_of(suite, dependency) else {
                continue;
            };
            match marks[next] {
                Mark::OnPath => {
                    let start = path.iter().position(|step| *step == next).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    cycle.push(next);
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(cycle) = visit(suite, next, marks, path) {
                        return Some(cycle);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks[test] = Mark::Done;
        None
    }
    let mut marks = vec![Mark::New; suite.tests.len()];
    for test in 0..suite.tests.len() {
        if marks[test] == Mark::New
            && let Some(cycle) = visit(suite, test, &mut marks, &mut Vec::new())
        {
            return Some(cycle);
        }
    }
    None
}

/// The tests whose name contains `pattern`, and everything they depend on, directly or not.
/// Returns the selection (as indexes) and the names pulled in only as dependencies.
pub fn filter(suite: &Suite, pattern: &str) -> (BTreeSet<usize>, Vec<String>) {
    let matching: Vec<usize> = (0..suite.tests.len())
        .filter(|index| {
            let test = &suite.tests[*index];
            test.name.contains(pattern)
                || format!("{}::{}", suite.name, test.name).contains(pattern)
        })
        .collect();
    let mut selected: BTreeSet<usize> = matching.iter().copied().collect();
    let mut waiting = matching.clone();
    while let Some(test) = waiting.pop() {
        for dependency in &suite.tests[test].depends {
            if let Some(index) = index_of(suite, dependency)
                && selected.insert(index)
            {
                waiting.push(index);
            }
        }
    }
    let pulled_in = selected
        .iter()
        .filter(|index| !matching.contains(index))
        .map(|index| suite.tests[*index].name.clone())
        .collect();
    (selected, pulled_in)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::suite::parse;

    fn suite(tests: &[(&str, &[&str])]) -> Suite {
        let mut text = String::from("name = \"s\"\n");
        for (name, depends) in tests {
            let depends: Vec<String> = depends.iter().map(|name| format!("\"{name}\"")).collect();
            text.push_str(&format!(
                "[[test]]\nname = \"{name}\"\ndepends = [{}]\nexec = \"true\"\n",
                depends.join(", ")
            ));
        }
        parse(&text, Path::new("s.toml")).unwrap()
    }

    #[test]
    fn a_cycle_is_named_in_order() {
        let error = check(&suite(&[
            ("a", &["c"]),
            ("b", &["a"]),
            ("c", &["b"]),
            ("d", &[]),
        ]))
        .unwrap_err();
        assert_eq!(
            error,
            "s.toml:2: a cycle of dependencies, so none of them can run: a → c → b → a"
        );
        assert!(check(&suite(&[("a", &[]), ("b", &["a"]), ("c", &["a", "b"])])).is_ok());
    }

    #[test]
    fn an_unknown_dependency_is_named_with_the_tests_there_are() {
        let error = check(&suite(&[("send", &[]), ("receive", &["sned"])])).unwrap_err();
        assert_eq!(
            error,
            "s.toml:6: test 'receive' depends on 'sned', which is not in suite 's' (its tests: send, receive)"
        );
        assert!(
            check(&suite(&[("a", &["a"])]))
                .unwrap_err()
                .contains("depends on itself")
        );
    }

    #[test]
    fn a_filter_pulls_in_what_the_matches_depend_on() {
        let suite = suite(&[
            ("build", &[]),
            ("send", &["build"]),
            ("receive", &["send"]),
            ("other", &[]),
        ]);
        let (selected, pulled_in) = filter(&suite, "receive");
        assert_eq!(selected.into_iter().collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(pulled_in, ["build", "send"]);
    }
}
