//! The messaging checkers against peers that misbehave: wrong frames, bytes that are not text,
//! silence, a subscriber that prints the wrong things. Each must end in a failed check that
//! says what came, within the time limit, and never in a panic or a hang.

mod common;

use std::time::{Duration, Instant};

use lab_core::Checker;
use lab_core::exercise::{Check, CheckSetup, ProgramOutput};
use lab_zmq::checks::{PublisherChecker, RepServerChecker, SubscriberChecker};

fn setup(seconds: u64, endpoint_name: &str, endpoint: &str) -> CheckSetup {
    let mut setup = CheckSetup::new(Duration::from_secs(seconds));
    setup
        .endpoints
        .insert(endpoint_name.to_string(), endpoint.to_string());
    setup
}

/// A socket of `kind` bound to a free loopback port, and that endpoint.
fn bound(context: &zmq::Context, kind: zmq::SocketType) -> (zmq::Socket, String) {
    let socket = context.socket(kind).unwrap();
    socket.set_linger(0).unwrap();
    socket.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = socket.get_last_endpoint().unwrap().unwrap();
    (socket, endpoint)
}

fn find<'a>(checks: &'a [Check], name: &str) -> &'a Check {
    checks
        .iter()
        .find(|check| check.name.starts_with(name))
        .unwrap_or_else(|| panic!("no check '{name}' in {checks:#?}"))
}

#[test]
fn a_rep_server_answering_in_three_frames_of_raw_bytes_fails_with_what_it_sent() {
    let context = zmq::Context::new();
    let (server, endpoint) = bound(&context, zmq::REP);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let serving = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            server.set_rcvtimeo(50).unwrap();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if server.recv_bytes(0).is_ok() {
                    let frames: [&[u8]; 3] = [b"From Server1:", &[0xff, 0xfe], b""];
                    server.send_multipart(frames, 0).unwrap();
                }
            }
        })
    };
    let checks = RepServerChecker
        .check(&setup(20, "server", &endpoint))
        .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    serving.join().unwrap();
    assert!(find(&checks, "answers a request").passed);
    let prefix = find(&checks, "replies with the prefix");
    assert!(!prefix.passed);
    assert_eq!(
        prefix.got.as_deref(),
        Some("3 frames: \"From Server1:\", \"\u{fffd}\u{fffd}\", \"\"")
    );
    assert!(prefix.note.as_deref().unwrap().contains("one frame"));
}

#[test]
fn a_silent_server_costs_the_time_limit_and_no_more() {
    let context = zmq::Context::new();
    // A REP socket that never reads: requests queue up and no reply ever comes.
    let (_server, endpoint) = bound(&context, zmq::REP);
    let started = Instant::now();
    let checks = RepServerChecker
        .check(&setup(2, "server", &endpoint))
        .unwrap();
    // A guard against hanging, not a speed test: the bound is far above the 2 s limit.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(checks.len(), 1, "{checks:#?}");
    assert!(!checks[0].passed);
    assert_eq!(checks[0].got.as_deref(), Some("no reply"));
}

#[test]
fn a_publisher_of_empty_one_frame_messages_is_told_to_send_two_frames() {
    let context = zmq::Context::new();
    let (publisher, endpoint) = bound(&context, zmq::PUB);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let publishing = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                publisher.send(&b""[..], 0).unwrap();
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let checks = PublisherChecker
        .check(&setup(20, "publisher", &endpoint))
        .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    publishing.join().unwrap();
    assert!(find(&checks, "publishes messages").passed);
    let frames = find(&checks, "sends each message as two frames");
    assert!(!frames.passed);
    assert_eq!(frames.got.as_deref(), Some("1 frame(s): \"\""));
    let filtered = find(&checks, "a subscriber to \"B\"");
    assert_eq!(filtered.got.as_deref(), Some("none"));
}

#[test]
fn a_subscriber_printing_every_topic_under_the_wrong_name_fails_both_checks() {
    let endpoint = common::free_endpoint();
    let output = ProgramOutput::default();
    let mut setup = setup(20, "publisher", &endpoint);
    setup.program = Some(output.clone());
    // The "student": subscribed to everything, printing "X <payload>" and some noise.
    let student = {
        let endpoint = endpoint.clone();
        let cancel = setup.cancel.clone();
        std::thread::spawn(move || {
            let context = zmq::Context::new();
            let socket = context.socket(zmq::SUB).unwrap();
            socket.set_linger(0).unwrap();
            socket.set_rcvtimeo(50).unwrap();
            socket.set_subscribe(b"").unwrap();
            socket.connect(&endpoint).unwrap();
            output.push_line("\u{0}\u{1b}[31m noise");
            while !cancel.is_cancelled() {
                if let Ok(frames) = socket.recv_multipart(0) {
                    output.push_line(&format!("X {}", String::from_utf8_lossy(&frames[1])));
                }
            }
        })
    };
    let checks = SubscriberChecker.check(&setup).unwrap();
    setup.cancel.cancel();
    student.join().unwrap();
    assert!(find(&checks, "connects and prints").passed, "{checks:#?}");
    assert!(find(&checks, "prints every message on topic B").passed);
    let others = find(&checks, "prints nothing from other topics");
    assert!(!others.passed);
    // The checker stops once every B message is in, so the last A and C may not be counted.
    assert!(
        others
            .got
            .as_deref()
            .unwrap()
            .contains(" message(s) on A, C; e.g. output line "),
        "{others:?}"
    );
    let format = find(&checks, "prints each message as its topic");
    assert!(!format.passed);
    assert!(
        format.got.as_deref().unwrap().contains("\"X pub="),
        "{format:?}"
    );
}

#[test]
fn the_subscriber_checker_refuses_to_run_without_the_programs_output() {
    let error = SubscriberChecker
        .check(&setup(5, "publisher", "tcp://127.0.0.1:1"))
        .unwrap_err();
    assert!(
        error.to_string().contains("give its command after --"),
        "{error}"
    );
}
