//! Serving one connection with blocking calls: the heart of the blocking, threads and fork
//! models, which differ only in who runs it (the one server thread, a thread per connection,
//! a process per connection).
//!
//! ```text
//!   loop {
//!       n = read(socket, buffer)       blocks until the client sends something
//!       if n == 0: the client closed; stop
//!       for each whole line in what was read: write(socket, line)
//!   }
//! ```
//!
//! `read` would block forever on a client that sends nothing, so the socket gets a receive
//! timeout (SO_RCVTIMEO): the read returns every 100 ms, which is when the server notices it
//! was stopped, or that the client has been silent longer than `--read-timeout`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use crate::line::{Lines, Next, too_long_message};
use crate::server::{Ending, POLL_INTERVAL, Rules, is_disconnect, is_would_block};
use crate::tally::Tally;

/// Echoes lines on `stream` until the client closes, breaks a rule, or `stopped` says so.
pub fn serve(
    mut stream: TcpStream,
    rules: &Rules,
    tally: &Tally,
    stopped: &dyn Fn() -> bool,
) -> Ending {
    // Accepted sockets may inherit non-blocking mode from the listener on some systems.
    if let Err(error) = stream
        .set_nonblocking(false)
        .and_then(|()| stream.set_read_timeout(Some(POLL_INTERVAL)))
        .and_then(|()| stream.set_write_timeout(rules.write_timeout))
    {
        return Ending::Failed(error);
    }
    let mut lines = Lines::new(rules.max_line);
    let mut buffer = [0u8; 16 * 1024];
    let mut last_heard = Instant::now();
    loop {
        if stopped() {
            return Ending::Stopped;
        }
        let read = match stream.read(&mut buffer) {
            Ok(0) => return Ending::closed(lines.unfinished()),
            Ok(read) => read,
            Err(error) if is_would_block(&error) => {
                if rules
                    .read_timeout
                    .is_some_and(|timeout| last_heard.elapsed() >= timeout)
                {
                    return Ending::TimedOut("sent nothing for the read timeout: disconnected");
                }
                continue;
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) if is_disconnect(&error) => return Ending::closed(lines.unfinished()),
            Err(error) => return Ending::Failed(error),
        };
        last_heard = Instant::now();
        tally.read(read);
        lines.push(&buffer[..read]);
        loop {
            let line = match lines.next_line() {
                Next::Line(line) => line,
                Next::Incomplete => break,
                Next::TooLong => {
                    let _ = stream.write_all(&too_long_message(rules.max_line));
                    return Ending::TooLong;
                }
            };
            match stream.write_all(&line) {
                Ok(()) => {
                    tally.wrote(line.len());
                    tally.echoed();
                }
                Err(error) if is_would_block(&error) => {
                    return Ending::TimedOut(
                        "took none of its echo for the write timeout: disconnected",
                    );
                }
                Err(error) if is_disconnect(&error) => return Ending::closed(lines.unfinished()),
                Err(error) => return Ending::Failed(error),
            }
        }
    }
}
