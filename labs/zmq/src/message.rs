//! What the workbench's publisher puts in each message, and how a subscriber reads it back.
//!
//! A message is two frames: the topic, then the payload. The payload starts with a short text
//! header that any language can read with a split on spaces:
//!
//! ```text
//! pub=3f2a91c0 seq=41 ts=1732468800123456789 ..........
//!     │            │       └ when it was sent, nanoseconds since 1970 (for latency)
//!     │            └ the publisher's count of messages on this topic, from 0
//!     └ a random id per publisher, so one subscriber can tell several publishers apart
//! ```
//!
//! padded with dots up to the chosen size. The sequence number is what lets a subscriber see the
//! messages it never got: if the first message it receives on a topic is `seq=41`, it joined too
//! late for 41 of them (the slow joiner); if `seq=50` follows `seq=47`, two were dropped on the
//! way (a full queue at the high-water mark). ZeroMQ itself never tells you either.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// Nanoseconds since 1970 by the system clock, which every process on the machine shares.
#[inline]
pub fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos() as u64)
        .unwrap_or(0)
}

/// The header fields of one workbench message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub publisher: u32,
    pub sequence: u64,
    pub sent_at_nanos: u64,
}

/// Writes the payload for `header` into `buffer`, padded with dots to at least `size` bytes.
pub fn encode(buffer: &mut Vec<u8>, header: Header, size: usize) {
    buffer.clear();
    // Writing into a Vec cannot fail.
    let _ = write!(
        buffer,
        "pub={:08x} seq={} ts={}",
        header.publisher, header.sequence, header.sent_at_nanos
    );
    if buffer.len() < size {
        buffer.push(b' ');
        buffer.resize(size, b'.');
    }
}

/// Reads the header back; `None` if the payload was not written by a workbench publisher
/// (a message from someone else's program is still counted, just not checked for gaps).
///
/// This runs for every message a subscriber receives, so it reads the bytes directly rather
/// than splitting strings.
pub fn decode(payload: &[u8]) -> Option<Header> {
    let (publisher, rest) = number(payload.strip_prefix(b"pub=")?, 16)?;
    let (sequence, rest) = number(rest.strip_prefix(b"seq=")?, 10)?;
    let (sent_at_nanos, _) = number(rest.strip_prefix(b"ts=")?, 10)?;
    Some(Header {
        publisher: u32::try_from(publisher).ok()?,
        sequence,
        sent_at_nanos,
    })
}

/// Reads digits up to a space or the end; returns the number and what follows the space.
fn number(bytes: &[u8], radix: u32) -> Option<(u64, &[u8])> {
    let end = bytes
        .iter()
        .position(|byte| *byte == b' ')
        .unwrap_or(bytes.len());
    if end == 0 {
        return None;
    }
    let mut value: u64 = 0;
    for byte in &bytes[..end] {
        let digit = (*byte as char).to_digit(radix)?;
        value = value.checked_mul(radix as u64)?.checked_add(digit as u64)?;
    }
    Some((value, bytes.get(end + 1..).unwrap_or(&[])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_survives_the_round_trip_at_any_size() {
        let header = Header {
            publisher: 0x3f2a91c0,
            sequence: 41,
            sent_at_nanos: 1_732_468_800_123_456_789,
        };
        let mut buffer = Vec::new();
        for size in [0, 16, 64, 1000] {
            encode(&mut buffer, header, size);
            assert!(buffer.len() >= size);
            assert_eq!(decode(&buffer), Some(header), "size {size}");
        }
        encode(&mut buffer, header, 64);
        assert_eq!(
            &buffer[..48],
            b"pub=3f2a91c0 seq=41 ts=1732468800123456789 ....."
        );
    }

    #[test]
    fn other_programs_payloads_are_not_mistaken_for_ours() {
        assert_eq!(decode(b"hello world"), None);
        assert_eq!(decode(b"pub=zz seq=1 ts=2"), None);
        assert_eq!(decode(b"pub=1 seq= ts=2"), None);
        assert_eq!(decode(b"pub=1 seq=99999999999999999999999 ts=2"), None);
        assert_eq!(
            decode(b"pub=123456789 seq=1 ts=2"),
            None,
            "a publisher id is 32 bits"
        );
        assert_eq!(decode(b""), None);
    }
}
