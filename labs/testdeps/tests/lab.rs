//! The `test-deps` lab on its cascade example: the graph's nodes end in the states PHPUnit's
//! rules give, the skips follow the failure, and the critical path is the slowest chain.

use std::time::Duration;

use lab_core::{LabRun, Report, Snapshot};
use lab_testdeps::lab::{TestDepsLab, critical_path, graph_of};
use lab_testdeps::schedule::{Outcome, TestResult};

/// Runs the lab to its end; returns its report and last snapshot.
fn run(flags: &[(&str, &str)]) -> (Report, Snapshot) {
    LabRun::to_end(TestDepsLab, flags, Duration::from_secs(60)).unwrap()
}

#[test]
fn the_cascade_example_ends_with_its_failure_and_the_skips_it_causes() {
    let (report, last) = run(&[("jobs", "2")]);
    assert!(
        !report.ok,
        "the example fails on purpose: {}",
        report.verdict
    );
    assert!(
        report
            .verdict
            .starts_with("7 passed, 1 failed, 0 errors, 2 skipped; at most 2 at once"),
        "{}",
        report.verdict
    );
    let graph = &last.graphs["tests"];
    let state = |label: &str| {
        graph
            .nodes
            .iter()
            .find(|node| node.label == label)
            .map(|node| node.state.as_str())
            .unwrap()
    };
    assert_eq!(state("add_to_cart"), "failed");
    assert_eq!(state("checkout"), "skipped");
    assert_eq!(state("receipt_email"), "skipped");
    assert_eq!(state("view_profile"), "passed");
    assert_eq!(state("lint"), "passed");
    // Layers from the edges: login needs create_user, which needs build and database_up.
    let layer = |label: &str| {
        graph
            .nodes
            .iter()
            .find(|node| node.label == label)
            .unwrap()
            .layer
    };
    assert_eq!(
        (layer("build"), layer("create_user"), layer("login")),
        (0, 1, 2)
    );
    // The marked nodes form a chain from a test with no dependencies.
    let marked: Vec<&str> = graph
        .nodes
        .iter()
        .filter(|node| node.marked)
        .map(|node| node.label.as_str())
        .collect();
    assert!(
        marked.starts_with(&["build", "create_user", "login"]),
        "{marked:?}"
    );
    assert!(last.tables.contains_key("critical path"));
}

#[test]
fn the_critical_path_is_the_chain_whose_times_add_up_to_the_most() {
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("s.toml");
    std::fs::write(
        &file,
        "name = \"s\"\n\
         [[test]]\nname = \"a\"\nexec = \"true\"\n\
         [[test]]\nname = \"b\"\nexec = \"true\"\n\
         [[test]]\nname = \"c\"\ndepends = [\"a\", \"b\"]\nexec = \"true\"\n\
         [[test]]\nname = \"d\"\ndepends = [\"a\"]\nexec = \"true\"\n",
    )
    .unwrap();
    let suite = lab_testdeps::suite::load(&file).unwrap();
    let result = |index, seconds| TestResult {
        index,
        outcome: Outcome::Passed,
        assertions: 1,
        seconds,
        captured: None,
        cases: Vec::new(),
    };
    // a 1 s, b 3 s, c 1 s, d 2.5 s: b → c (4 s) beats a → d (3.5 s) and a → c (2 s).
    let results = [
        result(0, 1.0),
        result(1, 3.0),
        result(2, 1.0),
        result(3, 2.5),
    ];
    assert_eq!(critical_path(&suite, &results), [1, 2]);
    let graph = graph_of(&suite);
    let layers: Vec<usize> = graph.nodes.iter().map(|node| node.layer).collect();
    assert_eq!(layers, [0, 0, 1, 1]);
    assert_eq!(graph.edges.len(), 3);
}
