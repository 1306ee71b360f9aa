//! Does the lab's measuring cost the thing it measures? `just bench` (or
//! `cargo bench -p lab-zmq --bench transports`).
//!
//! For each transport, two patterns, each measured two ways, alternately, several rounds:
//! - **bare**: a PUSH/PULL stream and a REQ/REP ping-pong written here, counting nothing;
//! - **lab**: the zmq-transports lab's own `throughput` and `round_trip`, which count every
//!   message in the lab's counters, with a sampler taking snapshots at 10 Hz and serializing
//!   them to JSON as the headless printer would.
//!
//! The ratio lab / bare is the figure that matters (target at least 0.9 for each transport and
//! pattern). The machine is shared and noisy: medians are reported, absolute numbers mean little.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use lab_zmq::endpoint;
use lab_zmq::transports::{Endpoints, round_trip, throughput};

const SIZE: usize = 64;
const HWM: usize = 100_000;
const BUDGET: Duration = Duration::from_millis(700);
const ROUNDS: usize = 7;

/// A PUSH streams to a PULL for BUDGET from the first message; messages per second.
fn bare_stream(transport: &str) -> f64 {
    let zmq_context = zmq::Context::new();
    let endpoints = Endpoints::new(transport);
    let pull = zmq_context.socket(zmq::PULL).unwrap();
    pull.set_linger(0).unwrap();
    pull.set_rcvhwm(HWM as i32).unwrap();
    pull.set_rcvtimeo(100).unwrap();
    let bound = endpoint::bind(&pull, &endpoints.address).unwrap();
    let push = zmq_context.socket(zmq::PUSH).unwrap();
    push.set_linger(0).unwrap();
    push.set_sndhwm(HWM as i32).unwrap();
    push.set_sndtimeo(100).unwrap();
    push.connect(&bound).unwrap();
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let sender = scope.spawn(|| {
            let push = push;
            let message = [b'x'; SIZE];
            while !done.load(Ordering::Relaxed) {
                let _ = push.send(&message[..], 0);
            }
        });
        let mut buffer = zmq::Message::new();
        pull.recv(&mut buffer, 0).unwrap();
        let started = Instant::now();
        let mut messages: u64 = 1;
        while messages % 256 != 0 || started.elapsed() < BUDGET {
            pull.recv(&mut buffer, 0).unwrap();
            messages += 1;
        }
        let rate = messages as f64 / started.elapsed().as_secs_f64();
        done.store(true, Ordering::Relaxed);
        sender.join().unwrap();
        rate
    })
}

/// A REQ pings a REP for BUDGET; round trips per second.
fn bare_ping(transport: &str) -> f64 {
    let zmq_context = zmq::Context::new();
    let endpoints = Endpoints::new(transport);
    let rep = zmq_context.socket(zmq::REP).unwrap();
    rep.set_linger(0).unwrap();
    rep.set_rcvtimeo(100).unwrap();
    let bound = endpoint::bind(&rep, &endpoints.address).unwrap();
    let req = zmq_context.socket(zmq::REQ).unwrap();
    req.set_linger(0).unwrap();
    req.connect(&bound).unwrap();
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let echo = scope.spawn(|| {
            let rep = rep;
            let mut message = zmq::Message::new();
            while !done.load(Ordering::Relaxed) {
                if rep.recv(&mut message, 0).is_ok() {
                    rep.send(&message[..], 0).unwrap();
                }
            }
        });
        let message = [b'x'; SIZE];
        let mut reply = zmq::Message::new();
        let started = Instant::now();
        let mut round_trips: u64 = 0;
        while started.elapsed() < BUDGET {
            req.send(&message[..], 0).unwrap();
            req.recv(&mut reply, 0).unwrap();
            round_trips += 1;
        }
        let rate = round_trips as f64 / started.elapsed().as_secs_f64();
        done.store(true, Ordering::Relaxed);
        echo.join().unwrap();
        rate
    })
}

fn lab_stream(transport: &str) -> f64 {
    common::with_sampler("zmq-transports", |context| {
        let zmq_context = zmq::Context::new();
        let counter = context.counter("messages");
        let stream = throughput(
            &zmq_context,
            &Endpoints::new(transport),
            SIZE,
            HWM,
            BUDGET,
            &counter,
            context,
        )
        .unwrap();
        assert_eq!(
            counter.get(),
            stream.messages,
            "the counter saw every message"
        );
        stream.per_second()
    })
}

fn lab_ping(transport: &str) -> f64 {
    common::with_sampler("zmq-transports", |context| {
        let zmq_context = zmq::Context::new();
        let counter = context.counter("round trips");
        let times = round_trip(
            &zmq_context,
            &Endpoints::new(transport),
            SIZE,
            BUDGET,
            &counter,
            context,
        )
        .unwrap();
        times.len() as f64 / BUDGET.as_secs_f64()
    })
}

fn main() {
    println!(
        "zmq-transports: {SIZE}-byte messages, {} ms per measurement, {ROUNDS} rounds, bare and lab alternating",
        BUDGET.as_millis()
    );
    let mut all_met = true;
    type Measure = fn(&str) -> f64;
    let patterns: [(&str, &str, Measure, Measure); 2] = [
        ("PUSH/PULL stream", "msg/s", bare_stream, lab_stream),
        ("REQ/REP round trip", "round trips/s", bare_ping, lab_ping),
    ];
    for transport in ["inproc", "ipc", "tcp"] {
        for (pattern, unit, bare, lab) in patterns {
            let (mut bare_rates, mut lab_rates) = (Vec::new(), Vec::new());
            for _ in 0..ROUNDS {
                bare_rates.push(bare(transport));
                lab_rates.push(lab(transport));
            }
            let (bare, lab) = (common::median(bare_rates), common::median(lab_rates));
            let ratio = lab / bare;
            all_met &= ratio >= 0.9;
            println!(
                "  {transport:<7} {pattern:<19} bare {bare:>11.0} {unit:<14} lab {lab:>11.0}   ratio {ratio:.3} ({})",
                if ratio >= 0.9 { "met" } else { "NOT met" }
            );
        }
    }
    println!(
        "target lab/bare >= 0.9 for every transport and pattern: {}",
        if all_met { "met" } else { "NOT met" }
    );
}
