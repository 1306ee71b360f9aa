//! zmq-pubsub run for real through the lab runner, over each transport, checking that every
//! message is accounted for: a subscriber's received + missed + dropped messages on a topic
//! equal what the publisher sent on it, because the sequence numbers leave no other place to go.

mod common;

use lab_core::Report;
use lab_zmq::pubsub::PubSubLab;

use common::count;

fn run(flags: &[(&str, &str)]) -> Report {
    common::run(PubSubLab, flags)
}

fn assert_every_message_accounted_for(report: &Report, subscriber: &str, topic: &str) {
    let accounted = count(report, &format!("{subscriber}/received"))
        + count(report, &format!("{subscriber}/missed"))
        + count(report, &format!("{subscriber}/dropped"));
    assert_eq!(
        accounted,
        count(report, &format!("sent/{topic}")),
        "{subscriber} on {topic}: {:?}",
        report.counters
    );
}

#[test]
fn every_transport_delivers_each_subscriber_only_its_topic() {
    for transport in ["tcp", "ipc", "inproc"] {
        let report = run(&[
            ("transport", transport),
            ("messages", "4000"),
            ("rate", "20000"),
            ("late-joiner", "0"),
        ]);
        assert!(report.ok, "{transport}: {}", report.verdict);
        assert_eq!(count(&report, "sent"), 4000, "{transport}");
        assert_eq!(count(&report, "unexpected"), 0, "{transport}");
        assert!(count(&report, "sub-1/received") > 0, "{transport}");
        // sub-1 wants A, sub-2 wants B: each topic's messages all went somewhere known.
        assert_every_message_accounted_for(&report, "sub-1", "A");
        assert_every_message_accounted_for(&report, "sub-2", "B");
        // Nothing on B can reach sub-1; every B sent after it joined is counted as filtered.
        assert_eq!(
            count(&report, "received/B"),
            count(&report, "sub-2/received"),
            "{transport}"
        );
        assert!(
            count(&report, "sub-1/filtered") <= count(&report, "sent/B"),
            "{transport}"
        );
        assert!(count(&report, "sub-1/filtered") > 0, "{transport}");
    }
}

#[test]
fn a_late_joiner_misses_what_was_published_before_it() {
    let report = run(&[
        ("transport", "inproc"),
        ("rate", "4000"),
        ("messages", "6000"),
        ("late-joiner", "0.5"),
    ]);
    assert!(report.ok, "{}", report.verdict);
    // At 4000/s, half a second late is about 2000 messages gone, split over A and B.
    let missed = count(&report, "late/missed");
    assert!(
        missed >= 1000,
        "late missed only {missed}: {:?}",
        report.counters
    );
    assert_eq!(
        count(&report, "late/received") + missed + count(&report, "late/dropped"),
        6000,
        "{:?}",
        report.counters
    );
}

#[test]
fn a_slow_subscriber_past_the_high_water_mark_loses_messages() {
    let report = run(&[
        ("transport", "tcp"),
        ("rate", "0"),
        ("messages", "50000"),
        ("hwm", "20"),
        ("slow-subscriber", "100"),
        ("late-joiner", "0"),
        ("subscribe", "*"),
        ("subscribers", "1"),
    ]);
    let dropped = count(&report, "sub-1/dropped");
    assert!(
        dropped > 0,
        "the publisher outran a subscriber spending 100 us a message: {:?}",
        report.counters
    );
    assert_eq!(
        count(&report, "sub-1/received") + count(&report, "sub-1/missed") + dropped,
        50000,
        "{:?}",
        report.counters
    );
}
