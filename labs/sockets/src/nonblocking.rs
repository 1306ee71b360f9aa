//! One connection of an event-loop server (the select and epoll models): non-blocking reads and
//! writes, and the bytes left over between them.
//!
//! In an event loop nothing may block, because one thread serves every client. So sockets are
//! non-blocking: a `read` with nothing to read, or a `write` the kernel has no room for, fails
//! at once with EWOULDBLOCK instead of waiting. The connection keeps what it could not finish:
//!
//! - the bytes of a line not yet complete (in [`Lines`]);
//! - the echoes not yet written (the output queue), written when the socket is writable again.
//!
//! A client that sends but never reads would grow the output queue without end, so past
//! [`MOST_QUEUED`] the loop stops reading from it until it has taken some of its echoes
//! (backpressure).

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Instant;

use crate::line::{Lines, Next, too_long_message};
use crate::server::{Ending, Rules, is_disconnect, is_would_block};
use crate::tally::Tally;

/// Echo bytes a connection may have waiting before the loop stops reading from it.
pub const MOST_QUEUED: usize = 1024 * 1024;

/// What the loop should do with a connection after an event.
pub enum Progress {
    Open,
    Done(Ending),
}

pub struct Connection<S> {
    pub stream: S,
    pub peer: SocketAddr,
    lines: Lines,
    output: Vec<u8>,
    last_heard: Instant,
    last_written: Instant,
}

impl<S: Read + Write> Connection<S> {
    pub fn new(stream: S, peer: SocketAddr, rules: &Rules) -> Connection<S> {
        Connection {
            stream,
            peer,
            lines: Lines::new(rules.max_line),
            output: Vec::new(),
            last_heard: Instant::now(),
            last_written: Instant::now(),
        }
    }

    /// Should the loop wait for this connection to be readable? Not while its echoes pile up.
    pub fn wants_to_read(&self) -> bool {
        self.output.len() < MOST_QUEUED
    }

    /// Should the loop wait for this connection to be writable? Only with echoes queued:
    /// a socket is almost always writable, and asking anyway makes the loop spin.
    pub fn wants_to_write(&self) -> bool {
        !self.output.is_empty()
    }

    /// The socket has bytes (or the client closed): read all there is, queue the echoes, and
    /// write what the socket takes now. Reading stops early while too many echoes wait; it goes
    /// on once writing has made room, because an edge-triggered loop (epoll) is not told again
    /// about bytes it left unread.
    pub fn on_readable(&mut self, rules: &Rules, tally: &Tally) -> Progress {
        loop {
            let read_everything = match self.read_available(rules, tally) {
                Ok(read_everything) => read_everything,
                Err(ending) => return Progress::Done(ending),
            };
            if let Progress::Done(ending) = self.on_writable(rules, tally) {
                return Progress::Done(ending);
            }
            if read_everything || !self.wants_to_read() {
                return Progress::Open;
            }
        }
    }

    /// Reads until the socket has nothing more (true) or the output queue is full (false).
    fn read_available(&mut self, rules: &Rules, tally: &Tally) -> Result<bool, Ending> {
        let mut buffer = [0u8; 16 * 1024];
        while self.wants_to_read() {
            match self.stream.read(&mut buffer) {
                Ok(0) => {
                    // The client closed: echo what is complete, then finish.
                    let _ = self.on_writable(rules, tally);
                    return Err(Ending::closed(self.lines.unfinished()));
                }
                Ok(read) => {
                    self.last_heard = Instant::now();
                    tally.read(read);
                    self.lines.push(&buffer[..read]);
                    loop {
                        match self.lines.next_line() {
                            Next::Line(line) => {
                                self.queue(&line);
                                tally.echoed();
                            }
                            Next::Incomplete => break,
                            Next::TooLong => {
                                self.queue(&too_long_message(rules.max_line));
                                let _ = self.on_writable(rules, tally);
                                return Err(Ending::TooLong);
                            }
                        }
                    }
                }
                Err(error) if is_would_block(&error) => return Ok(true),
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) if is_disconnect(&error) => {
                    return Err(Ending::closed(self.lines.unfinished()));
                }
                Err(error) => return Err(Ending::Failed(error)),
            }
        }
        Ok(false)
    }

    /// Queues bytes to write; the write timeout counts from when the queue stops being empty.
    fn queue(&mut self, bytes: &[u8]) {
        if self.output.is_empty() {
            self.last_written = Instant::now();
        }
        self.output.extend_from_slice(bytes);
    }

    /// The socket has room: write queued echoes until it has no more.
    pub fn on_writable(&mut self, _rules: &Rules, tally: &Tally) -> Progress {
        let mut written = 0;
        while written < self.output.len() {
            match self.stream.write(&self.output[written..]) {
                Ok(0) => break,
                Ok(count) => {
                    written += count;
                    self.last_written = Instant::now();
                }
                Err(error) if is_would_block(&error) => break,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) if is_disconnect(&error) => {
                    return Progress::Done(Ending::closed(self.lines.unfinished()));
                }
                Err(error) => return Progress::Done(Ending::Failed(error)),
            }
        }
        tally.wrote(written);
        self.output.drain(..written);
        Progress::Open
    }

    /// A connection silent past the read timeout, or not taking its echoes past the write
    /// timeout, is closed. The loop asks every connection now and then.
    pub fn timed_out(&self, rules: &Rules) -> Option<Ending> {
        if rules
            .read_timeout
            .is_some_and(|timeout| self.output.is_empty() && self.last_heard.elapsed() >= timeout)
        {
            return Some(Ending::TimedOut(
                "sent nothing for the read timeout: disconnected",
            ));
        }
        if rules.write_timeout.is_some_and(|timeout| {
            !self.output.is_empty() && self.last_written.elapsed() >= timeout
        }) {
            return Some(Ending::TimedOut(
                "took none of its echo for the write timeout: disconnected",
            ));
        }
        None
    }
}
