//! Does a broker help? `just bench` (or `cargo bench -p lab-zmq --bench broker`).
//!
//! The same load twice, alternately, several rounds: 8 REQ clients sending 100 requests each,
//! every request taking 1 ms of work.
//! - **one REP server** (`zmq-reqrep`): the clients take turns at one server;
//! - **broker + 4 workers** (`zmq-broker`): a ROUTER/DEALER proxy deals the requests out to four
//!   REP workers.
//!
//! Both run through the lab runner with their instruments on, as a student runs them. Each prints
//! requests per second; the ratio broker / one server is the figure that matters (the target is
//! at least 3; four workers can at best give 4). The median of the rounds is reported.

mod common;

use std::sync::Arc;
use std::time::Duration;

use lab_core::{AnyLab, LabRun, RunOptions};
use lab_zmq::broker::BrokerLab;
use lab_zmq::reqrep::ReqRepLab;

const ROUNDS: usize = 5;
const FLAGS: [(&str, &str); 3] = [("concurrency", "8"), ("requests", "100"), ("work", "1000")];

/// Runs `lab` with the common load (and `extra` flags); returns requests answered per second.
fn requests_per_second(lab: Arc<dyn AnyLab>, extra: &[(&str, &str)]) -> f64 {
    let pairs: Vec<(String, String)> = FLAGS
        .iter()
        .chain(extra)
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let params = lab.parse_params(&pairs).expect("valid flags");
    let options = RunOptions {
        duration: Some(Duration::from_secs(60)),
        ..RunOptions::default()
    };
    let report = LabRun::start(lab, params, options).wait();
    assert!(report.ok, "{}", report.verdict);
    report.counters["replies"] as f64 / report.t
}

fn main() {
    let mut server = Vec::new();
    let mut broker = Vec::new();
    for round in 1..=ROUNDS {
        server.push(requests_per_second(Arc::new(ReqRepLab), &[]));
        broker.push(requests_per_second(
            Arc::new(BrokerLab),
            &[("workers", "4")],
        ));
        println!(
            "round {round}: one REP server {:>7.0} req/s   broker + 4 workers {:>7.0} req/s",
            server[round - 1],
            broker[round - 1]
        );
    }
    let (server, broker) = (common::median(server), common::median(broker));
    println!("\nmedian of {ROUNDS} rounds, 8 clients, 1 ms tasks:");
    println!("  one REP server       {server:>8.0} requests/s");
    println!("  broker + 4 workers   {broker:>8.0} requests/s");
    println!(
        "  ratio                {:>8.2}   (target at least 3)",
        broker / server
    );
}
