//! Checkers for the sockets exercises: the workbench is the other end of a plain TCP
//! connection to the student's program, in any language.
//!
//! | checker                  | the student writes             | the checker                          |
//! |--------------------------|--------------------------------|--------------------------------------|
//! | `socket-echo-server`     | a line echo server             | 50 clients connected at once         |
//! | `socket-timeout-client`  | a client with a read timeout   | a server that accepts and never answers |
//! | `socket-mid-line-server` | a server that survives vanishing clients | clients that close or reset mid-line |
//!
//! Every read here has a timeout, so a program that never answers costs the checker its own
//! time limit and no more.

mod echo_server;
mod mid_line;
mod timeout_client;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use lab_i18n::{Lang, tr};

pub use echo_server::EchoServerChecker;
pub use mid_line::MidLineChecker;
pub use timeout_client::TimeoutClientChecker;

/// A connection to the student's server, with reads that give up after `timeout`.
struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(address: &str, timeout: Duration) -> std::io::Result<Client> {
        Client::from_stream(TcpStream::connect(address)?, timeout)
    }

    fn from_stream(stream: TcpStream, timeout: Duration) -> std::io::Result<Client> {
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        Ok(Client {
            reader: BufReader::new(stream),
        })
    }

    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.reader.get_mut().write_all(bytes)
    }

    /// The next line, with its newline; `Ok(None)` when the server closed the connection.
    fn line(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line)? {
            0 => Ok(None),
            _ => Ok(Some(line)),
        }
    }
}

/// Describes what a read brought, for a message in `lang`.
fn described(lang: Lang, read: &std::io::Result<Option<Vec<u8>>>) -> String {
    match read {
        Ok(Some(line)) => lab_core::exercise::quote(line),
        Ok(None) => tr!(lang, "sock-read-closed"),
        Err(error) if crate::server::is_would_block(error) => tr!(lang, "sock-read-nothing"),
        Err(error) => tr!(lang, "sock-read-error", error = error.to_string()),
    }
}

/// Lines the checkers send, drawn from the run's seed.
mod probes {
    use lab_core::exercise::{Probes, Rng, probe_text};

    /// A line ending in `\n`, with spaces or tabs at its edges now and then.
    pub fn line(rng: &mut Probes) -> Vec<u8> {
        let mut line = probe_text(rng).into_bytes();
        line.push(b'\n');
        line
    }

    /// A line that names its client, so that a line sent back to the wrong client is seen.
    pub fn tagged_line(rng: &mut Probes, client: usize) -> Vec<u8> {
        let mut line = format!("client {} {}", client + 1, probe_text(rng)).into_bytes();
        line.push(b'\n');
        line
    }

    /// A line cut into 2 or 3 pieces at drawn bytes (a cut may fall inside a UTF-8 character:
    /// the network does that too).
    pub fn cut(rng: &mut Probes, line: &[u8]) -> Vec<Vec<u8>> {
        let mut cuts: Vec<usize> = (0..rng.random_range(1..=2))
            .map(|_| rng.random_range(1..line.len()))
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut pieces = Vec::new();
        let mut from = 0;
        for cut in cuts.into_iter().chain([line.len()]) {
            pieces.push(line[from..cut].to_vec());
            from = cut;
        }
        pieces
    }

    /// A line as a head without its `\n` (at least one byte) and the rest.
    pub fn split(rng: &mut Probes, line: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let at = rng.random_range(1..line.len());
        (line[..at].to_vec(), line[at..].to_vec())
    }
}
