//! What does the runner's scheduling cost? `just bench` (or
//! `cargo bench -p lab-testdeps --bench scheduling`).
//!
//! 1. 1,000 `exec` tests of `true` in a wide graph (ten layers of a hundred, each test
//!    depending on one of the layer before) with two jobs, against `xargs -P 2` running the
//!    same 1,000 commands. Target: at most 1.5x its time.
//! 2. 10,000 built-in tests (a `sql` query on a SQLite file) in one deep chain, each depending
//!    on the one before, against the same 10,000 tests run one after another in a plain loop.
//!    Target: at most 1.2x the loop.
//!
//! Each is measured several times, alternately with its reference, and the medians compared.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use lab_testdeps::schedule::{self, Earlier, Outcome};
use lab_testdeps::suite::{self, Suite};

const ROUNDS: usize = 5;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn load(folder: &Path, name: &str, text: &str) -> Suite {
    let file = folder.join(name);
    std::fs::write(&file, text).unwrap();
    let suite = suite::load(&file).unwrap();
    lab_testdeps::graph::check(&suite).unwrap();
    suite
}

fn wide_suite(folder: &Path) -> Suite {
    let mut text = String::from("name = \"wide\"\n");
    for layer in 0..10 {
        for column in 0..100 {
            text.push_str(&format!(
                "[[test]]\nname = \"t{layer}_{column}\"\nexec = \"true\"\n"
            ));
            if layer > 0 {
                text.push_str(&format!("depends = [\"t{}_{column}\"]\n", layer - 1));
            }
        }
    }
    load(folder, "wide.toml", &text)
}

fn chain_suite(folder: &Path) -> Suite {
    rusqlite::Connection::open(folder.join("chain.db"))
        .unwrap()
        .execute_batch("CREATE TABLE IF NOT EXISTS step (n INTEGER); DELETE FROM step; INSERT INTO step VALUES (1);")
        .unwrap();
    let mut text = String::from("name = \"chain\"\n");
    for index in 0..10_000 {
        text.push_str(&format!(
            "[[test]]\nname = \"t{index}\"\nsql = {{ database = \"chain.db\", query = \"SELECT n FROM step\", rows = [[1]] }}\n"
        ));
        if index > 0 {
            text.push_str(&format!("depends = [\"t{}\"]\n", index - 1));
        }
    }
    load(folder, "chain.toml", &text)
}

fn all_passed(results: &[schedule::TestResult], count: usize) {
    assert_eq!(results.len(), count);
    assert!(
        results
            .iter()
            .all(|result| result.outcome == Outcome::Passed)
    );
}

fn main() {
    // As `workbench test run` does: what a test leaves behind is adopted, and found cheaply.
    lab_core::processes::become_subreaper();
    let folder = tempfile::tempdir().unwrap();
    let wide = wide_suite(folder.path());
    let chain = chain_suite(folder.path());
    let mut runner_wide = Vec::new();
    let mut xargs = Vec::new();
    let mut runner_chain = Vec::new();
    let mut plain_loop = Vec::new();
    for round in 0..ROUNDS {
        eprint!("\rround {}/{ROUNDS}", round + 1);
        let started = Instant::now();
        let results = schedule::run_until(&wide, None, 2, &Earlier::new(), &|| false, &|_| {});
        runner_wide.push(started.elapsed());
        all_passed(&results, 1000);

        let started = Instant::now();
        let status = Command::new("sh")
            .arg("-c")
            .arg("seq 1000 | xargs -P 2 -I{} sh -c true")
            .status()
            .unwrap();
        xargs.push(started.elapsed());
        assert!(status.success());

        let started = Instant::now();
        let results = schedule::run_until(&chain, None, 2, &Earlier::new(), &|| false, &|_| {});
        runner_chain.push(started.elapsed());
        all_passed(&results, 10_000);

        let started = Instant::now();
        let results: Vec<_> = (0..chain.tests.len())
            .map(|index| schedule::run_alone(&chain, index))
            .collect();
        plain_loop.push(started.elapsed());
        all_passed(&results, 10_000);
    }
    eprintln!();
    let ms = |times: &Vec<Duration>| median(times.clone()).as_secs_f64() * 1000.0;
    println!("median of {ROUNDS} rounds (ms):");
    println!(
        "1,000 exec tests, wide graph, --jobs 2: runner {:.0}, xargs -P 2 {:.0}: {:.2}x (target <= 1.5x)",
        ms(&runner_wide),
        ms(&xargs),
        ms(&runner_wide) / ms(&xargs)
    );
    println!(
        "10,000 sql tests in a chain:            runner {:.0}, plain loop {:.0}: {:.2}x (target <= 1.2x)",
        ms(&runner_chain),
        ms(&plain_loop),
        ms(&runner_chain) / ms(&plain_loop)
    );
}
