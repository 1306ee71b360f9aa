//! The subscriber: a SUB socket that connects to one or more publishers and says which topics it
//! wants.
//!
//! A subscription is a byte prefix: subscribing to `A` receives `A`, `AB` and `Apple`. A SUB
//! socket with no subscription receives nothing at all (the most common "it doesn't work"); the
//! empty prefix receives everything. The subscription travels to the publisher, which filters
//! before sending, so unwanted messages never cross the wire.
//!
//! A subscriber only gets what is published after its subscription reached the publisher. The
//! connection takes a moment to set up, so the first messages are always lost: the "slow joiner".

use std::time::Duration;

use lab_core::CancelToken;

use crate::endpoint::POLL_INTERVAL;

/// Told about every message received.
pub trait OnReceive {
    fn received(&mut self, topic: &[u8], payload: &[u8]);

    /// Called when no message is waiting and when receiving ends: a chance to publish counts
    /// kept locally.
    fn flush(&mut self) {}
}

/// The baseline: counts, nothing else.
pub struct JustCount(pub u64);

impl OnReceive for JustCount {
    #[inline]
    fn received(&mut self, _topic: &[u8], _payload: &[u8]) {
        self.0 += 1;
    }
}

/// When a subscriber stops on its own.
pub struct Stop<'a> {
    pub cancel: &'a CancelToken,
    /// Stop once this many messages arrived (0: never).
    pub after_messages: u64,
    /// Stop once nothing arrived for `idle` (rounded up to whole receive timeouts) after this
    /// returns true (the publisher is done).
    pub source_done: &'a dyn Fn() -> bool,
    pub idle: Duration,
}

/// Receives until a [`Stop`] condition holds. Returns how many messages arrived.
pub fn receive(
    socket: &zmq::Socket,
    stop: &Stop,
    on_receive: &mut impl OnReceive,
) -> anyhow::Result<u64> {
    // Two reusable buffers: receiving into them allocates nothing per message. A frame larger
    // than its buffer is cut short; we only need the start of the payload.
    let mut topic = vec![0u8; 256];
    let mut payload = vec![0u8; 4096];
    let mut count = 0u64;
    // Quiet receive timeouts in a row; counting them avoids reading the clock per message.
    let mut quiet_polls = 0u32;
    let quiet_polls_to_stop = stop
        .idle
        .as_millis()
        .div_ceil(POLL_INTERVAL.as_millis())
        .max(1) as u32;
    loop {
        if stop.cancel.is_cancelled() || (stop.after_messages > 0 && count >= stop.after_messages) {
            on_receive.flush();
            return Ok(count);
        }
        let topic_length = match socket.recv_into(&mut topic, 0) {
            Ok(length) => length.min(topic.len()),
            // The receive timeout passed with nothing to read: a chance to check the stop rules.
            Err(zmq::Error::EAGAIN) => {
                on_receive.flush();
                quiet_polls += 1;
                if (stop.source_done)() && quiet_polls >= quiet_polls_to_stop {
                    return Ok(count);
                }
                continue;
            }
            Err(zmq::Error::ETERM) => {
                on_receive.flush();
                return Ok(count);
            }
            Err(error) => return Err(error.into()),
        };
        quiet_polls = 0;
        count += 1;
        if socket.get_rcvmore()? {
            let payload_length = socket.recv_into(&mut payload, 0)?.min(payload.len());
            // Anything beyond two frames is not ours; read it off so the next message starts clean.
            while socket.get_rcvmore()? {
                socket.recv_bytes(0)?;
            }
            on_receive.received(&topic[..topic_length], &payload[..payload_length]);
        } else {
            // A one-frame message, as many programs send ("B hello"): the frame is both the
            // envelope matched by the subscription and the content.
            on_receive.received(&topic[..topic_length], &topic[..topic_length]);
        }
    }
}
