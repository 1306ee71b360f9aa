//! Does watching the lab slow it down? `just bench` (or `cargo bench -p lab-zmq`).
//!
//! The same publish and receive loops run twice over inproc, alternately, several times:
//! - **bare**: with do-nothing observers (`Uncounted`, `JustCount`): the loop alone;
//! - **instrumented**: with the lab's own observers (atomic counters, a latency histogram,
//!   sequence tracking), a sampler taking snapshots at 10 Hz, and every snapshot serialized to
//!   JSON as the headless printer would.
//!
//! Each prints messages per second received; the ratio instrumented / bare is the figure that
//! matters (the target is at least 0.9). The machine is shared and noisy, so the median of the
//! rounds is reported, and absolute numbers mean little.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use lab_core::CancelToken;
use lab_zmq::endpoint;
use lab_zmq::pubsub::{self, Instruments, JustCount, OnReceive, OnSend, Plan, Stop, Uncounted};

const MESSAGES: u64 = 2_000_000;
const ROUNDS: usize = 7;

/// Sends MESSAGES over inproc with `on_send` while another thread receives them with
/// `on_receive`; returns messages received per second.
fn pump(on_send: &mut impl OnSend, mut on_receive: impl OnReceive + Send) -> f64 {
    let zmq_context = zmq::Context::new();
    let publisher = zmq_context.socket(zmq::PUB).unwrap();
    endpoint::prepare(&publisher).unwrap();
    publisher.set_sndhwm(0).unwrap(); // no limit: nothing is dropped, so both runs carry the same load
    endpoint::bind(&publisher, "inproc://bench").unwrap();
    let subscriber = zmq_context.socket(zmq::SUB).unwrap();
    endpoint::prepare(&subscriber).unwrap();
    subscriber.set_rcvhwm(0).unwrap();
    subscriber.set_subscribe(b"").unwrap();
    endpoint::connect(&subscriber, "inproc://bench").unwrap();
    // Let the subscription reach the publisher (the slow joiner) before timing.
    std::thread::sleep(Duration::from_millis(100));

    let plan = Plan {
        topics: vec!["A".into(), "B".into()],
        rate: 0,
        size: 64,
        messages: MESSAGES,
        publisher_id: 1,
    };
    let cancel = CancelToken::default();
    let publisher_done = AtomicBool::new(false);
    let started = Instant::now();
    let (received, finished) = std::thread::scope(|scope| {
        let (cancel, publisher_done) = (&cancel, &publisher_done);
        // A socket belongs to one thread: the subscriber moves into its own.
        let receiver = scope.spawn(move || {
            let done = || publisher_done.load(Ordering::Acquire);
            let stop = Stop {
                cancel,
                after_messages: MESSAGES,
                source_done: &done,
                idle: Duration::from_secs(1),
            };
            let received = pubsub::receive(&subscriber, &stop, &mut on_receive).unwrap();
            (received, Instant::now())
        });
        pubsub::publish(&publisher, &plan, on_send, cancel).unwrap();
        publisher_done.store(true, Ordering::Release);
        receiver.join().unwrap()
    });
    assert_eq!(
        received, MESSAGES,
        "every message must arrive for a fair comparison"
    );
    received as f64 / (finished - started).as_secs_f64()
}

fn bare() -> f64 {
    pump(&mut Uncounted, JustCount(0))
}

/// The lab's observers with a 10 Hz sampler whose snapshots are serialized, as the dashboard's.
fn instrumented() -> f64 {
    common::with_sampler("zmq-pubsub", |context| {
        let instruments = Instruments::new(context, true, true);
        let topics = vec!["A".to_string(), "B".to_string()];
        let mut on_send = instruments.sender(&topics, None);
        let on_receive = instruments.receiver("sub-1", vec![Vec::new()]);
        let rate = pump(&mut on_send, on_receive);
        assert_eq!(
            context.counter("received").get(),
            MESSAGES,
            "the counters saw every message"
        );
        rate
    })
}

fn main() {
    println!(
        "zmq-pubsub over inproc: {MESSAGES} messages of 64 bytes, {ROUNDS} rounds each, alternating"
    );
    let mut bare_rates = Vec::new();
    let mut instrumented_rates = Vec::new();
    for round in 1..=ROUNDS {
        bare_rates.push(bare());
        instrumented_rates.push(instrumented());
        println!(
            "  round {round}: bare {:>10.0} msg/s   instrumented {:>10.0} msg/s",
            bare_rates[round - 1],
            instrumented_rates[round - 1]
        );
    }
    let bare = common::median(bare_rates);
    let instrumented = common::median(instrumented_rates);
    let ratio = instrumented / bare;
    println!("median: bare {bare:.0} msg/s, instrumented {instrumented:.0} msg/s");
    println!(
        "ratio instrumented/bare: {ratio:.3} (target >= 0.9: {})",
        if ratio >= 0.9 { "met" } else { "NOT met" }
    );
}
