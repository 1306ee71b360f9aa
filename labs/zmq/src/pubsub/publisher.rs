//! The publisher: a PUB socket that sends every message to every subscriber whose subscription
//! matches, and to nobody else.
//!
//! Each message is two frames, `[topic, payload]`. ZeroMQ matches a subscription against the
//! start of the first frame, so the topic frame is the "envelope" and the payload can be
//! anything. The publisher never waits for subscribers: if nobody is connected, or a subscriber's
//! queue is full (it has reached the high-water mark), the message is simply dropped for that
//! subscriber. That is the deal PUB/SUB offers: speed and fan-out, no delivery guarantee.

use std::time::{Duration, Instant};

use lab_core::CancelToken;

use crate::message::{self, Header};

/// What to publish and how fast.
#[derive(Clone, Debug)]
pub struct Plan {
    pub topics: Vec<String>,
    /// Messages per second over all topics; 0 means as fast as possible.
    pub rate: u64,
    /// Payload size in bytes (at least the header).
    pub size: usize,
    /// Stop after this many messages; 0 means until cancelled.
    pub messages: u64,
    /// This publisher's id in the payload header.
    pub publisher_id: u32,
}

/// Told about every message sent. The lab counts; the benchmark's baseline does nothing.
pub trait OnSend {
    fn sent(&mut self, topic_index: usize);

    /// Called when the publisher pauses (to keep its rate) and when it ends: a chance to
    /// publish counts kept locally.
    fn flush(&mut self) {}
}

/// The baseline: no instrumentation at all.
pub struct Uncounted;

impl OnSend for Uncounted {
    #[inline]
    fn sent(&mut self, _topic_index: usize) {}
}

/// Sends messages round robin over the topics until the plan is done or `cancel` fires.
/// Returns how many were sent.
pub fn publish(
    socket: &zmq::Socket,
    plan: &Plan,
    on_send: &mut impl OnSend,
    cancel: &CancelToken,
) -> anyhow::Result<u64> {
    let topics: Vec<&[u8]> = plan.topics.iter().map(|topic| topic.as_bytes()).collect();
    let mut sequences = vec![0u64; topics.len()];
    let mut payload = Vec::with_capacity(plan.size.max(64));
    let started = Instant::now();
    let mut sent: u64 = 0;
    let mut due: u64 = 0;
    let mut topic_index = 0;

    while !cancel.is_cancelled() && (plan.messages == 0 || sent < plan.messages) {
        if plan.rate > 0 && sent >= due {
            // Pacing: how many messages should be out by now? Send those, then nap briefly.
            // Counting from the start (not from the last send) keeps the long-run rate exact,
            // and the clock is only read once the messages already due are out.
            due = (started.elapsed().as_secs_f64() * plan.rate as f64) as u64 + 1;
            if sent >= due {
                on_send.flush();
                std::thread::sleep(Duration::from_micros(200));
                continue;
            }
        }
        let header = Header {
            publisher: plan.publisher_id,
            sequence: sequences[topic_index],
            sent_at_nanos: message::now_nanos(),
        };
        message::encode(&mut payload, header, plan.size);
        // SNDMORE marks the topic frame as "more to come": the two frames travel as one message.
        socket.send(topics[topic_index], zmq::SNDMORE)?;
        socket.send(&payload[..], 0)?;
        on_send.sent(topic_index);
        sequences[topic_index] += 1;
        sent += 1;
        topic_index = (topic_index + 1) % topics.len();
    }
    on_send.flush();
    Ok(sent)
}
