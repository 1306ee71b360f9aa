//! `workbench zmq probe`: what is listening on a TCP port, asked in ZeroMQ's own wire protocol.
//!
//! ZeroMQ peers speak ZMTP (the ZeroMQ Message Transport Protocol, rfc.zeromq.org/spec/23) over
//! TCP. Before any message, both sides send a 64-byte **greeting** at the same time:
//!
//! ```text
//!  byte 0      1..8       9     10     11     12..31          32          33..63
//!  ┌────┬──────────────┬────┬──────┬──────┬───────────────┬───────────┬──────────┐
//!  │ FF │   padding    │ 7F │major │minor │ mechanism     │ as-server │ filler   │
//!  │    │              │    │  3   │  1   │ "NULL" + 0s   │  0 or 1   │  zeros   │
//!  └────┴──────────────┴────┴──────┴──────┴───────────────┴───────────┴──────────┘
//!   signature (10 bytes)   version       security          role
//! ```
//!
//! Then comes the **handshake** of the security mechanism. With `NULL` (no security, the
//! default) it is one `READY` command from each side, carrying metadata as name/value pairs;
//! `Socket-Type` says what kind of socket the peer is (REP, PUB, ROUTER, ...). A command is a
//! frame whose flags byte has bit 2 set:
//!
//! ```text
//!  flags  size   name-length "READY"  name-length "Socket-Type" value-length(4, big endian) "REP"
//!  0x04   0x19   0x05        R E A D Y 0x0B      Socket-Type   00 00 00 03                    REP
//! ```
//!
//! The probe sends its own greeting, reads the peer's greeting and READY, and hangs up. The
//! greeting goes in two steps (see [`probe`]), and the probe never sends a READY of its own, so the peer never treats it as a real client: no message is
//! taken from a queue and no slot in a round robin is used.
//!
//! Anything that does not start with the signature is not ZeroMQ; the probe shows the first
//! bytes it got (an HTTP server answers the odd bytes with `HTTP/1.1 400`, for example).

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Our greeting: ZMTP 3.0, NULL security, as a client.
fn greeting() -> [u8; 64] {
    let mut greeting = [0u8; 64];
    greeting[0] = 0xFF;
    greeting[9] = 0x7F;
    greeting[10] = 3;
    greeting[11] = 0;
    greeting[12..16].copy_from_slice(b"NULL");
    greeting
}

/// What answered on the port.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Finding {
    /// A ZeroMQ peer.
    Zeromq {
        /// "3.1", or "2.0" for an old libzmq (3.x).
        version: String,
        /// NULL, PLAIN or CURVE.
        mechanism: String,
        /// The greeting's as-server byte, as sent (libzmq sends 0 even for a CURVE server).
        as_server: bool,
        /// From the READY metadata (or the old greeting); `None` when the mechanism needs keys
        /// or a password before it tells.
        socket_type: Option<String>,
        /// Every metadata property of the READY command.
        metadata: Vec<(String, String)>,
    },
    /// Something that does not speak ZMTP.
    NotZeromq {
        /// What it did instead, in words.
        why: String,
        /// The first bytes it sent, quoted.
        first_bytes: String,
    },
    /// Nothing accepted the connection.
    Nothing { why: String },
}

/// The socket types a peer of `socket_type` can talk to, for the report.
pub fn partners(socket_type: &str) -> &'static str {
    match socket_type {
        "PUB" | "XPUB" => "SUB, XSUB",
        "SUB" | "XSUB" => "PUB, XPUB",
        "REQ" => "REP, ROUTER",
        "REP" => "REQ, DEALER",
        "DEALER" => "REP, DEALER, ROUTER",
        "ROUTER" => "REQ, DEALER, ROUTER",
        "PUSH" => "PULL",
        "PULL" => "PUSH",
        "PAIR" => "PAIR",
        "STREAM" => "plain TCP clients",
        _ => "?",
    }
}

/// Turns `tcp://host:port` (or `host:port`) into an address, with a one-line error.
pub fn address(endpoint: &str) -> Result<SocketAddr, String> {
    if endpoint.starts_with("ipc://") || endpoint.starts_with("inproc://") {
        return Err(format!(
            "cannot probe {endpoint}: the probe speaks over TCP only; give a tcp:// endpoint such as tcp://127.0.0.1:5559"
        ));
    }
    let host_port = endpoint.strip_prefix("tcp://").unwrap_or(endpoint);
    host_port
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .ok_or_else(|| {
            format!(
                "invalid endpoint '{endpoint}': expected tcp://host:port such as tcp://127.0.0.1:5559"
            )
        })
}

/// Connects to `address` and finds out what listens there, within `timeout` in all.
pub fn probe(address: SocketAddr, timeout: Duration) -> Finding {
    let deadline = Instant::now() + timeout;
    let mut stream = match TcpStream::connect_timeout(&address, timeout) {
        Ok(stream) => stream,
        Err(error) => {
            let why = match error.kind() {
                ErrorKind::ConnectionRefused => format!(
                    "nothing listens on {address} (connection refused): is the program running, and did it bind this port?"
                ),
                ErrorKind::TimedOut | ErrorKind::WouldBlock => {
                    format!("no answer from {address} within {timeout:?}")
                }
                _ => format!("cannot connect to {address}: {error}"),
            };
            return Finding::Nothing { why };
        }
    };
    // The greeting goes out in two parts, as libzmq sends its own: the signature and the major
    // version first, which is all a peer needs to send its whole greeting back. The rest (our
    // mechanism) follows only if the peer's mechanism is NULL as well; a CURVE or PLAIN peer
    // would hang up on a NULL greeting before we had read its own.
    let greeting = greeting();
    let _ = stream.write_all(&greeting[..11]);
    let mut received = Vec::new();
    // The signature and the version byte decide which greeting follows.
    if let Err(why) = read_at_least(&mut stream, &mut received, 11, deadline) {
        return not_zeromq(why, &received);
    }
    if received[0] != 0xFF || received[9] & 0x01 != 0x01 {
        return not_zeromq(
            "its first bytes are not a ZMTP greeting".to_string(),
            &received,
        );
    }
    let major = received[10];
    if major < 3 {
        return old_greeting(&mut stream, received, deadline);
    }
    if let Err(why) = read_at_least(&mut stream, &mut received, 64, deadline) {
        return not_zeromq(format!("the greeting was cut short: {why}"), &received);
    }
    let mechanism = String::from_utf8_lossy(&received[12..32])
        .trim_end_matches('\0')
        .to_string();
    let version = format!("{}.{}", major, received[11]);
    let as_server = received[32] == 1;
    if mechanism != "NULL" {
        // PLAIN and CURVE tell the socket type only after the client has proven itself.
        return Finding::Zeromq {
            version,
            mechanism,
            as_server,
            socket_type: None,
            metadata: Vec::new(),
        };
    }
    let _ = stream.write_all(&greeting[11..]);
    received.drain(..64);
    let metadata = match read_command(&mut stream, &mut received, deadline) {
        Ok((name, body)) if name == "READY" => properties(&body),
        Ok((name, _)) => vec![("(command)".to_string(), name)],
        Err(_) => Vec::new(),
    };
    let socket_type = metadata
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("Socket-Type"))
        .map(|(_, value)| value.clone());
    Finding::Zeromq {
        version,
        mechanism,
        as_server,
        socket_type,
        metadata,
    }
}

fn not_zeromq(why: String, received: &[u8]) -> Finding {
    let shown: String = String::from_utf8_lossy(&received[..received.len().min(40)])
        .escape_debug()
        .to_string();
    Finding::NotZeromq {
        why,
        first_bytes: format!("\"{shown}\""),
    }
}

/// Reads until `buffer` holds `wanted` bytes, or says why it could not.
fn read_at_least(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    wanted: usize,
    deadline: Instant,
) -> Result<(), String> {
    let mut chunk = [0u8; 512];
    while buffer.len() < wanted {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(if buffer.is_empty() {
                "it sent nothing (a server that waits for the client to speak first, such as HTTP, or a busy one)".to_string()
            } else {
                "it stopped sending".to_string()
            });
        }
        let _ = stream.set_read_timeout(Some(left));
        match stream.read(&mut chunk) {
            Ok(0) => {
                return Err(if buffer.is_empty() {
                    "it closed the connection without a word".to_string()
                } else {
                    "it closed the connection".to_string()
                });
            }
            Ok(count) => buffer.extend_from_slice(&chunk[..count]),
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(error) => return Err(error.to_string()),
        }
    }
    Ok(())
}

/// ZMTP 2.0 (libzmq 3.x): after the signature come the revision (1) and the socket type.
fn old_greeting(stream: &mut TcpStream, mut received: Vec<u8>, deadline: Instant) -> Finding {
    let _ = read_at_least(stream, &mut received, 12, deadline);
    const OLD_TYPES: [&str; 9] = [
        "PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH",
    ];
    let socket_type = received
        .get(11)
        .and_then(|code| OLD_TYPES.get(*code as usize))
        .map(|name| name.to_string());
    Finding::Zeromq {
        version: format!("{}.0", received[10] + 1),
        mechanism: "NULL".to_string(),
        as_server: false,
        socket_type,
        metadata: Vec::new(),
    }
}

/// Reads one command frame; returns its name and body.
fn read_command(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    deadline: Instant,
) -> Result<(String, Vec<u8>), String> {
    read_at_least(stream, buffer, 2, deadline)?;
    let flags = buffer[0];
    if flags & 0x04 == 0 {
        return Err("a message came before the handshake".to_string());
    }
    let (header, size) = if flags & 0x02 != 0 {
        read_at_least(stream, buffer, 9, deadline)?;
        let mut size = [0u8; 8];
        size.copy_from_slice(&buffer[1..9]);
        (9, u64::from_be_bytes(size) as usize)
    } else {
        (2, buffer[1] as usize)
    };
    // A READY is small; anything claiming to be huge is not worth waiting for.
    if size > 64 * 1024 {
        return Err(format!("a command of {size} bytes"));
    }
    read_at_least(stream, buffer, header + size, deadline)?;
    let body = &buffer[header..header + size];
    let name_length = *body.first().ok_or("an empty command")? as usize;
    let name = body
        .get(1..1 + name_length)
        .ok_or("a cut-short command name")?;
    Ok((
        String::from_utf8_lossy(name).into_owned(),
        body[1 + name_length..].to_vec(),
    ))
}

/// The name/value pairs of a READY command's metadata; stops at the first malformed one.
fn properties(mut body: &[u8]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    while let Some((&name_length, rest)) = body.split_first() {
        let name_length = name_length as usize;
        let Some(name) = rest.get(..name_length) else {
            break;
        };
        let Some(length_bytes) = rest.get(name_length..name_length + 4) else {
            break;
        };
        let value_length = u32::from_be_bytes([
            length_bytes[0],
            length_bytes[1],
            length_bytes[2],
            length_bytes[3],
        ]) as usize;
        let value_start = name_length + 4;
        let Some(value) = rest.get(value_start..value_start + value_length) else {
            break;
        };
        found.push((
            String::from_utf8_lossy(name).into_owned(),
            String::from_utf8_lossy(value).into_owned(),
        ));
        body = &rest[value_start + value_length..];
    }
    found
}

/// The report for a person.
pub fn describe(endpoint: &str, finding: &Finding) -> String {
    match finding {
        Finding::Zeromq {
            version,
            mechanism,
            socket_type,
            metadata,
            ..
        } => {
            let mut text = format!(
                "{endpoint}: ZeroMQ\n  protocol:    ZMTP {version}\n  security:    {mechanism}"
            );
            if mechanism != "NULL" {
                text.push_str(&format!(
                    " (the socket type is told only after the {mechanism} handshake, which needs keys or a password)"
                ));
            }
            match socket_type {
                Some(socket_type) => text.push_str(&format!(
                    "\n  socket type: {socket_type}   (talks to {})",
                    partners(socket_type)
                )),
                None => text.push_str("\n  socket type: unknown"),
            }
            for (name, value) in metadata {
                if !name.eq_ignore_ascii_case("Socket-Type") && !value.is_empty() {
                    text.push_str(&format!("\n  {name}: {value}"));
                }
            }
            text.push('\n');
            text
        }
        Finding::NotZeromq { why, first_bytes } => {
            format!("{endpoint}: not ZeroMQ: {why}\n  first bytes: {first_bytes}\n")
        }
        Finding::Nothing { why } => format!("{endpoint}: {why}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(kind: zmq::SocketType) -> (zmq::Context, zmq::Socket, SocketAddr) {
        let context = zmq::Context::new();
        let socket = context.socket(kind).unwrap();
        socket.set_linger(0).unwrap();
        socket.bind("tcp://127.0.0.1:*").unwrap();
        let endpoint = socket.get_last_endpoint().unwrap().unwrap();
        let address = address(&endpoint).unwrap();
        (context, socket, address)
    }

    #[test]
    fn libzmq_sockets_are_named_by_their_type() {
        for (kind, name) in [
            (zmq::REP, "REP"),
            (zmq::PUB, "PUB"),
            (zmq::ROUTER, "ROUTER"),
            (zmq::PULL, "PULL"),
        ] {
            let (_context, _socket, address) = bound(kind);
            let finding = probe(address, Duration::from_secs(5));
            let Finding::Zeromq {
                version,
                mechanism,
                socket_type,
                ..
            } = &finding
            else {
                panic!("{name}: {finding:?}");
            };
            assert!(version.starts_with("3."), "{version}");
            assert_eq!(mechanism, "NULL");
            assert_eq!(socket_type.as_deref(), Some(name));
        }
    }

    #[test]
    fn a_probe_takes_nothing_from_a_real_client() {
        // A REP server probed, then used by a real REQ client: the probe must not have taken
        // its place in line or left a request behind.
        let (context, server, address) = bound(zmq::REP);
        probe(address, Duration::from_secs(5));
        let client = context.socket(zmq::REQ).unwrap();
        client.set_linger(0).unwrap();
        client.connect(&format!("tcp://{address}")).unwrap();
        client.send("ping", 0).unwrap();
        server.set_rcvtimeo(5000).unwrap();
        assert_eq!(server.recv_bytes(0).unwrap(), b"ping");
    }

    #[test]
    fn other_servers_are_not_zeromq() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let talker = std::thread::spawn(move || {
            let (mut connection, _) = listener.accept().unwrap();
            connection.write_all(b"SSH-2.0-OpenSSH_9.2\r\n").unwrap();
            std::thread::sleep(Duration::from_millis(200));
        });
        let finding = probe(address, Duration::from_secs(5));
        talker.join().unwrap();
        assert_eq!(
            finding,
            Finding::NotZeromq {
                why: "its first bytes are not a ZMTP greeting".into(),
                first_bytes: "\"SSH-2.0-OpenSSH_9.2\\r\\n\"".into(),
            }
        );

        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let finding = probe(silent.local_addr().unwrap(), Duration::from_millis(300));
        assert!(
            matches!(&finding, Finding::NotZeromq { why, .. } if why.starts_with("it sent nothing")),
            "{finding:?}"
        );
    }

    #[test]
    fn a_closed_port_says_nothing_listens() {
        let port = lab_core::free_port().unwrap();
        let finding = probe(
            address(&format!("tcp://127.0.0.1:{port}")).unwrap(),
            Duration::from_secs(2),
        );
        assert!(
            matches!(&finding, Finding::Nothing { why } if why.contains("connection refused")),
            "{finding:?}"
        );
    }

    #[test]
    fn ready_metadata_is_read_and_malformed_metadata_stops_cleanly() {
        let mut body = Vec::new();
        for (name, value) in [("Socket-Type", "DEALER"), ("Identity", "")] {
            body.push(name.len() as u8);
            body.extend_from_slice(name.as_bytes());
            body.extend_from_slice(&(value.len() as u32).to_be_bytes());
            body.extend_from_slice(value.as_bytes());
        }
        assert_eq!(
            properties(&body),
            [
                ("Socket-Type".to_string(), "DEALER".to_string()),
                ("Identity".to_string(), String::new())
            ]
        );
        body.extend_from_slice(&[3, b'a', b'b', b'c', 0, 0, 0xFF]);
        assert_eq!(
            properties(&body).len(),
            2,
            "a cut-short property is dropped"
        );
    }

    #[test]
    fn endpoints_that_cannot_be_probed_are_explained() {
        assert!(
            address("ipc:///tmp/x.ipc")
                .unwrap_err()
                .contains("over TCP only")
        );
        assert!(
            address("tcp://127.0.0.1")
                .unwrap_err()
                .starts_with("invalid endpoint")
        );
        assert_eq!(address("127.0.0.1:5559").unwrap().port(), 5559);
    }
}
