//! The flash-sale lab as a student runs it: a store killed with SIGKILL in the middle of a sale
//! still keeps every invariant when it is opened again (committed orders survive, nothing is
//! half-done), for every correct strategy.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Reaped, command};

#[test]
fn a_store_killed_mid_sale_still_keeps_its_invariants() {
    for strategy in ["guarded", "transaction", "queue"] {
        let folder = tempfile::tempdir().unwrap();
        let database = folder.path().join("sale.db");
        let child = command()
            .args([
                "lab",
                "flash-sale",
                "--strategy",
                strategy,
                "--db",
                database.to_str().unwrap(),
                "--users",
                "1000000",
                "--stock",
                "1000000",
                "--workers",
                "8",
                "--rtt",
                "0",
                "--headless",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut child = Reaped(child);
        // Wait until orders are being committed, then kill it where it stands.
        let lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
        let started = Instant::now();
        for line in lines {
            let line = line.unwrap();
            let snapshot: serde_json::Value = serde_json::from_str(&line).unwrap();
            if snapshot["counters"]["orders"].as_u64().unwrap_or(0) > 200 {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{strategy}: no orders after a minute"
            );
        }
        child.0.kill().unwrap();
        child.0.wait().unwrap();
        let output = command()
            .args([
                "lab",
                "flash-sale",
                "--check-db",
                database.to_str().unwrap(),
                "--headless",
            ])
            .output()
            .unwrap();
        let report = common::json_lines(&output.stdout).pop().expect("a report");
        assert_eq!(report["ok"], true, "{strategy}: {report}");
        assert!(
            report["verdict"]
                .as_str()
                .unwrap()
                .starts_with("invariants hold: "),
            "{strategy}: {report}"
        );
        // Something was sold before the kill, and it is all still there.
        let orders: u64 = report["verdict"]
            .as_str()
            .unwrap()
            .trim_start_matches("invariants hold: ")
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(orders > 200, "{strategy}: {report}");
    }
}

#[test]
fn check_db_names_a_missing_file() {
    let output = command()
        .args([
            "lab",
            "flash-sale",
            "--check-db",
            "/nowhere/sale.db",
            "--headless",
        ])
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(0));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("--check-db /nowhere/sale.db: no such file"),
        "{said}"
    );
}
