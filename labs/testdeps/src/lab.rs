//! The `test-deps` lab: a suite's dependency graph drawn live while it runs.
//!
//! Every test is a node and every `depends` an edge; a node's colour is its state (pending,
//! running, passed, failed, error, skipped). When the run ends, the **critical path** is
//! marked: the chain of dependent tests whose times add up to the most, which no number of
//! `--jobs` can make faster. The chart shows tests finished per second and how many run at once.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use lab_core::{
    Cell, FromParams, GraphView, Lab, LabContext, LabInfo, ParamKind, ParamReader, ParamSpec,
    Verdict,
};
use strum::VariantNames;

use crate::schedule::{self, Earlier, Outcome, TestResult};
use crate::suite::{self, Suite};
use crate::{bootstrap, graph, phpunit};

/// The example suites shipped in `content/suites/`.
pub const EXAMPLES: [(&str, &str); 2] = [
    (
        "cascade",
        include_str!("../../../content/suites/cascade.toml"),
    ),
    ("echo", include_str!("../../../content/suites/echo.toml")),
];

pub struct TestDepsLab;

/// The example suites, by the name `--example` takes.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Example {
    Cascade,
    Echo,
}

impl Example {
    fn text(self) -> &'static str {
        let name: &str = self.into();
        EXAMPLES
            .iter()
            .find(|(example, _)| *example == name)
            .map_or(EXAMPLES[0].1, |(_, text)| text)
    }
}

/// `test-deps`' parameters, typed. An empty `suite` means the example.
pub struct TestDepsParams {
    pub suite: PathBuf,
    pub example: Example,
    pub jobs: usize,
    /// A real PHPUnit suite to run instead (a folder or its phpunit.xml), with which PHPUnit.
    pub phpunit: PathBuf,
    pub phpunit_bin: PathBuf,
}

impl FromParams for TestDepsParams {
    fn from_params(reader: &mut ParamReader<'_>) -> TestDepsParams {
        TestDepsParams {
            suite: reader.get("suite"),
            example: reader.choice("example"),
            jobs: reader.get("jobs"),
            phpunit: reader.get("phpunit"),
            phpunit_bin: reader.get("phpunit-bin"),
        }
    }
}

impl Lab for TestDepsLab {
    type Params = TestDepsParams;

    fn info(&self) -> LabInfo {
        LabInfo {
            id: "test-deps",
            topic: "dependent-tests",
            title: "Dependent tests, their graph live",
            summary: "A suite whose tests depend on each other runs in dependency order, independent tests side by side; watch the graph fill in, a failure's skips cascade, and the critical path appear.",
            params: vec![
                ParamSpec {
                    name: "suite",
                    kind: ParamKind::Path,
                    default: "",
                    help: "a suite file (TOML) to run; without it, one of the examples",
                    roles: &[],
                },
                ParamSpec {
                    name: "example",
                    kind: ParamKind::Choice {
                        choices: Example::VARIANTS,
                    },
                    default: "cascade",
                    help: "without --suite: cascade (a shop's tests with a deliberate failure) or echo (against the workbench's own echo server)",
                    roles: &[],
                },
                ParamSpec {
                    name: "jobs",
                    kind: ParamKind::Integer { min: 1, max: 64 },
                    default: "2",
                    help: "tests run at once",
                    roles: &[],
                },
                ParamSpec {
                    name: "phpunit",
                    kind: ParamKind::Path,
                    default: "",
                    help: "a real PHPUnit suite instead: a folder of *Test.php files or its phpunit.xml(.dist); PHPUnit runs it, the graph comes from its @depends",
                    roles: &[],
                },
                ParamSpec {
                    name: "phpunit-bin",
                    kind: ParamKind::Path,
                    default: "",
                    help: "with --phpunit: the PHPUnit to run, a program or a phpunit.phar (default: vendor/bin/phpunit, else phpunit on PATH)",
                    roles: &[],
                },
            ],
        }
    }

    /// The suite file is read here: a lesson's link to a suite is judged by its settings.
    fn preflight(&self, params: &TestDepsParams) -> Result<(), String> {
        if !params.phpunit.as_os_str().is_empty() {
            if !params.suite.as_os_str().is_empty() {
                return Err("--suite and --phpunit name two suites: give one of them".to_string());
            }
            let target = phpunit::Target::of(&params.phpunit)?;
            return phpunit::Phpunit::find(Some(&params.phpunit_bin), &target).map(|_| ());
        }
        if params.suite.as_os_str().is_empty() {
            return Ok(());
        }
        let suite = suite::load(&params.suite)?;
        graph::check(&suite)?;
        graph::check_suites(std::slice::from_ref(&suite)).map(|_| ())
    }

    fn run(&self, params: &TestDepsParams, context: &LabContext) -> anyhow::Result<Verdict> {
        if !params.phpunit.as_os_str().is_empty() {
            return run_phpunit(params, context).map_err(anyhow::Error::msg);
        }
        let scratch = tempfile::Builder::new()
            .prefix("workbench-test-deps-")
            .tempdir()?;
        let file = if params.suite.as_os_str().is_empty() {
            let name: &str = params.example.into();
            let file = scratch.path().join(format!("{name}.toml"));
            std::fs::write(&file, params.example.text())?;
            file
        } else {
            params.suite.clone()
        };
        let suite = suite::load(&file).map_err(anyhow::Error::msg)?;
        graph::check(&suite).map_err(anyhow::Error::msg)?;
        context.info(format!(
            "suite '{}': {} tests from {}",
            suite.name,
            suite.tests.len(),
            file.display()
        ));
        Ok(run_drawn(&suite, params.jobs, context))
    }
}

/// The graph of a suite: a node per test, an edge from each dependency to its dependent.
pub fn graph_of(suite: &Suite) -> GraphView {
    let labels = suite.tests.iter().map(|test| test.name.clone()).collect();
    let edges = suite
        .tests
        .iter()
        .enumerate()
        .flat_map(|(index, test)| {
            test.depends
                .iter()
                .filter_map(|name| suite.index_of(name))
                .map(move |dependency| (dependency, index))
        })
        .collect();
    GraphView::layered(labels, edges)
}

/// The state word dashboards colour: passed, failed, error, skipped.
pub fn state_of(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "passed",
        Outcome::Failed { .. } => "failed",
        Outcome::Error { .. } => "error",
        Outcome::Skipped { .. } => "skipped",
    }
}

/// Runs the suite with the graph, counters and tables on the dashboard.
fn run_drawn(suite: &Suite, jobs: usize, context: &LabContext) -> Verdict {
    context.set_graph("tests", graph_of(suite));
    let running = context.gauge("tests running");
    let finished = context.counter("tests finished");
    context.chart(&[&finished, &running]);
    let most_at_once = AtomicU64::new(0);
    let _bootstrap = match &suite.bootstrap {
        None => None,
        Some(bootstrap) => {
            context.info(format!("bootstrap: {}", bootstrap.command));
            match bootstrap::start(suite, bootstrap) {
                Ok(started) => Some(started),
                Err(message) => return Verdict::fail(message),
            }
        }
    };
    let results = schedule::run_watched(
        suite,
        None,
        jobs,
        &Earlier::new(),
        &|| context.is_cancelled(),
        &|index| {
            context.set_node_state("tests", index, "running");
            running.add(1);
            most_at_once.fetch_max(running.get() as u64, Ordering::Relaxed);
        },
        &|result: &TestResult| {
            let test = &suite.tests[result.index];
            if !matches!(result.outcome, Outcome::Skipped { .. }) {
                running.add(-1);
            }
            context.set_node_state("tests", result.index, state_of(&result.outcome));
            context
                .counter(&format!("tests {}", state_of(&result.outcome)))
                .increment();
            finished.increment();
            match &result.outcome {
                Outcome::Passed => {}
                Outcome::Failed {
                    message,
                    expected,
                    actual,
                } => context.warn(format!(
                    "{} failed: {message}: expected {expected}, got {actual}",
                    test.name
                )),
                Outcome::Error { message } => {
                    context.warn(format!("{} errored: {message}", test.name))
                }
                Outcome::Skipped { reason } => {
                    context.info(format!("{} skipped: {reason}", test.name))
                }
            }
        },
    );
    let path = critical_path(suite, &results);
    context.mark_nodes("tests", &path);
    let total: f64 = path
        .iter()
        .filter_map(|index| results.iter().find(|result| result.index == *index))
        .map(|result| result.seconds)
        .sum();
    let rows = path
        .iter()
        .filter_map(|index| results.iter().find(|result| result.index == *index))
        .map(|result| {
            vec![
                Cell::from(suite.tests[result.index].name.as_str()),
                Cell::Number((result.seconds * 1000.0).round()),
            ]
        })
        .collect();
    context.set_table("critical path", &["test", "ms"], rows);
    context.bars("critical path", "ms");
    let count = |state: &str| {
        results
            .iter()
            .filter(|result| state_of(&result.outcome) == state)
            .count()
    };
    let summary = format!(
        "{} passed, {} failed, {} errors, {} skipped; at most {} at once; critical path {:.0} ms through {}",
        count("passed"),
        count("failed"),
        count("error"),
        count("skipped"),
        most_at_once.load(Ordering::Relaxed),
        total * 1000.0,
        path.iter()
            .map(|index| suite.tests[*index].name.as_str())
            .collect::<Vec<_>>()
            .join(" → ")
    );
    if context.is_cancelled() {
        return Verdict::fail(format!("stopped: {summary}"));
    }
    if count("failed") + count("error") > 0 {
        Verdict::fail(summary)
    } else {
        Verdict::pass(summary)
    }
}

/// A real PHPUnit suite, drawn: the graph from its `@depends`, the states as PHPUnit logs
/// them, PHPUnit's own progress line and summary beside it, its JUnit outcomes at the end.
fn run_phpunit(params: &TestDepsParams, context: &LabContext) -> Result<Verdict, String> {
    let target = phpunit::Target::of(&params.phpunit)?;
    let runner = phpunit::Phpunit::find(Some(&params.phpunit_bin), &target)?;
    let listed = phpunit::list(&runner, &target)?;
    let graph = phpunit_graph(&listed);
    context.info(format!(
        "PHPUnit {}: {} tests, {} dependencies read from @depends, in {}",
        listed.version,
        listed.tests.len(),
        graph.edges.len(),
        target.folder.display()
    ));
    context.set_graph("tests", graph.clone());
    let running = context.gauge("tests running");
    let finished = context.counter("tests finished");
    context.chart(&[&finished, &running]);
    context.set_table("PHPUnit", &["output"], Vec::new());
    let ended = phpunit::run(
        &runner,
        &target,
        &listed,
        &|| context.is_cancelled(),
        &mut |live| match live {
            phpunit::Live::Started(index) => {
                context.set_node_state("tests", index, "running");
                running.add(1);
            }
            phpunit::Live::Ended { index, state, .. } => {
                context.set_node_state("tests", index, state);
                if state != "skipped" {
                    running.add(-1);
                }
                finished.increment();
            }
            phpunit::Live::Progress(lines) => context.set_table(
                "PHPUnit",
                &["output"],
                lines
                    .lines()
                    .filter(|line| !line.is_empty())
                    .map(|line| vec![Cell::from(line)])
                    .collect(),
            ),
        },
    )?;
    running.set(0);
    let mut seconds = vec![0.0; listed.tests.len()];
    for (index, outcome) in ended.outcomes.iter().enumerate() {
        let test = listed.tests[index].id();
        let Some(phpunit::Logged {
            outcome,
            seconds: took,
            ..
        }) = outcome
        else {
            context.set_node_state("tests", index, "skipped");
            context.info(format!("{test}: not in PHPUnit's report (it did not run)"));
            continue;
        };
        seconds[index] = *took;
        // PHPUnit's JUnit report has the last word: an error is told from a failure here.
        context.set_node_state("tests", index, state_of(outcome));
        context
            .counter(&format!("tests {}", state_of(outcome)))
            .increment();
        match outcome {
            Outcome::Passed => {}
            Outcome::Failed { message, .. } => context.warn(format!("{test} failed: {message}")),
            Outcome::Error { message } => context.warn(format!("{test} errored: {message}")),
            Outcome::Skipped { reason } => context.info(format!("{test} skipped: {reason}")),
        }
    }
    let path = longest_chain(&graph, &seconds);
    context.mark_nodes("tests", &path);
    context.set_table(
        "critical path",
        &["test", "ms"],
        path.iter()
            .map(|index| {
                vec![
                    Cell::from(listed.tests[*index].id().as_str()),
                    Cell::Number((seconds[*index] * 1000.0 * 10.0).round() / 10.0),
                ]
            })
            .collect(),
    );
    let said = if ended.summary.is_empty() {
        format!(
            "PHPUnit printed no summary (exit code {}): {}",
            ended
                .exit
                .map_or("none".to_string(), |code| code.to_string()),
            ended
                .output
                .lines()
                .rfind(|line| !line.trim().is_empty())
                .unwrap_or("")
        )
    } else {
        format!("PHPUnit: {}", ended.summary)
    };
    if context.is_cancelled() || ended.exit.is_none() {
        return Ok(Verdict::fail(format!("stopped: {said}")));
    }
    Ok(if ended.exit == Some(0) {
        Verdict::pass(said)
    } else {
        Verdict::fail(said)
    })
}

/// A PHPUnit suite's graph: a node per listed test (named without its class when there is
/// one class), an edge from each dependency to its dependent. PHPUnit runs a dependency that
/// comes later in its list after its dependent, so that dependent is skipped: such an edge
/// (and any cycle) is not drawn.
pub fn phpunit_graph(listed: &phpunit::Listed) -> GraphView {
    let one_class = listed
        .tests
        .iter()
        .all(|test| test.class == listed.tests[0].class);
    let labels = listed
        .tests
        .iter()
        .map(|test| {
            if one_class {
                test.name.clone()
            } else {
                test.id()
            }
        })
        .collect();
    let edges = listed
        .tests
        .iter()
        .enumerate()
        .flat_map(|(index, test)| {
            test.depends
                .iter()
                .filter(move |dependency| **dependency < index)
                .map(move |dependency| (*dependency, index))
        })
        .collect();
    GraphView::layered(labels, edges)
}

/// The chain of dependent tests whose times add up to the most: the least time the suite
/// takes however many tests run at once. Skipped tests take no time.
pub fn critical_path(suite: &Suite, results: &[TestResult]) -> Vec<usize> {
    let mut seconds = vec![0.0; suite.tests.len()];
    for result in results {
        seconds[result.index] = result.seconds;
    }
    longest_chain(&graph_of(suite), &seconds)
}

/// The chain of `graph`'s nodes, each an edge's end after its start, whose `seconds` add up
/// to the most.
pub fn longest_chain(graph: &GraphView, seconds: &[f64]) -> Vec<usize> {
    let count = graph.nodes.len().min(seconds.len());
    let mut needs: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (from, to) in &graph.edges {
        if *from < count && *to < count {
            needs[*to].push(*from);
        }
    }
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by_key(|index| graph.nodes[*index].layer);
    // longest[i]: the most time a chain ending at test i takes; before[i]: its previous test.
    let mut longest = vec![0.0_f64; count];
    let mut before: Vec<Option<usize>> = vec![None; count];
    for &test in &order {
        let best = needs[test]
            .iter()
            .copied()
            .max_by(|a, b| longest[*a].total_cmp(&longest[*b]));
        longest[test] = seconds[test] + best.map_or(0.0, |from| longest[from]);
        before[test] = best;
    }
    let Some(mut last) = (0..count).max_by(|a, b| longest[*a].total_cmp(&longest[*b])) else {
        return Vec::new();
    };
    let mut path = vec![last];
    while let Some(previous) = before[last] {
        path.push(previous);
        last = previous;
    }
    path.reverse();
    path
}
