//! zmq-reqrep run for real through the lab runner: every request answered over each transport,
//! the lazy pirate recovering from lost requests, strict clients stuck, and odd requests from
//! other programs answered without upsetting the server.

mod common;

use std::time::Duration;

use lab_core::Report;
use lab_zmq::reqrep::ReqRepLab;

use common::count;

fn run(flags: &[(&str, &str)]) -> Report {
    common::run(ReqRepLab, flags)
}

#[test]
fn every_request_is_answered_over_each_transport() {
    for transport in ["tcp", "ipc", "inproc"] {
        let report = run(&[
            ("transport", transport),
            ("requests", "200"),
            ("concurrency", "3"),
        ]);
        assert!(report.ok, "{transport}: {}", report.verdict);
        assert_eq!(count(&report, "replies"), 600, "{transport}");
        assert_eq!(count(&report, "served"), 600, "{transport}");
        for client in 1..=3 {
            assert_eq!(count(&report, &format!("client-{client}/replies")), 200);
        }
        assert_eq!(report.latency["round trip"].count, 600);
    }
}

#[test]
fn the_lazy_pirate_recovers_from_lost_requests() {
    let report = run(&[
        ("requests", "40"),
        ("concurrency", "2"),
        ("drop-every", "25"),
        ("timeout", "300"),
    ]);
    assert!(report.ok, "{}", report.verdict);
    assert!(count(&report, "dropped") >= 1);
    assert!(count(&report, "retries") >= count(&report, "dropped"));
    assert_eq!(
        count(&report, "replies"),
        80,
        "every request answered in the end"
    );
    assert_eq!(count(&report, "gave up"), 0);
}

#[test]
fn strict_clients_are_stuck_after_a_lost_request() {
    // Stuck clients never finish: the run ends when its time is up.
    let report = common::run_for(
        ReqRepLab,
        &[
            ("requests", "40"),
            ("concurrency", "2"),
            ("drop-every", "10"),
            ("timeout", "0"),
        ],
        Duration::from_secs(4),
    );
    assert!(!report.ok, "{}", report.verdict);
    assert!(count(&report, "stuck") >= 1, "{:?}", report.counters);
    assert!(
        report
            .verdict
            .contains("stuck waiting for a reply that never came")
    );
    assert!(report.notes.iter().any(|note| note.contains("lazy pirate")));
    assert_eq!(
        count(&report, "retries"),
        0,
        "a strict client never retries"
    );
}

#[test]
fn odd_requests_from_other_programs_are_answered_and_logged() {
    let endpoint = common::free_endpoint();
    let server = common::start(
        ReqRepLab,
        &[
            ("role", "server"),
            ("bind", &endpoint),
            ("reply-prefix", "R:"),
        ],
    );
    let mut events = server.subscribe();
    let context = zmq::Context::new();
    let client = context.socket(zmq::REQ).unwrap();
    client.set_linger(0).unwrap();
    client.set_rcvtimeo(5000).unwrap();
    client.connect(&endpoint).unwrap();
    client.send_multipart(["a", "b", "c"], 0).unwrap();
    assert_eq!(client.recv_bytes(0).unwrap(), b"R:abc");
    client.send("", 0).unwrap();
    assert_eq!(client.recv_bytes(0).unwrap(), b"R:");
    // A DEALER that forgets the empty delimiter frame REP expects: libzmq's REP drops it, and
    // the server goes on answering.
    let dealer = context.socket(zmq::DEALER).unwrap();
    dealer.set_linger(0).unwrap();
    dealer.connect(&endpoint).unwrap();
    dealer.send("no delimiter", 0).unwrap();
    client.send("still there?", 0).unwrap();
    assert_eq!(client.recv_bytes(0).unwrap(), b"R:still there?");

    server.stop();
    let report = server.wait();
    assert!(report.ok, "{}", report.verdict);
    assert_eq!(count(&report, "odd requests"), 2);
    let mut warnings = Vec::new();
    while let Some(event) = events.next_blocking() {
        if let lab_core::LabEvent::Snapshot(snapshot) = event {
            warnings.extend(snapshot.events.into_iter().map(|event| event.message));
        }
    }
    assert!(
        warnings
            .iter()
            .any(|message| message.contains("3 frames (a REQ client sends one)")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|message| message.contains("an empty message"))
    );
}
