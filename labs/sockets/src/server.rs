//! What every server model shares: the listening socket, the rules, the tally, and how a
//! connection ended.
//!
//! A server's first steps are the same whatever its model:
//!
//! ```text
//!   socket(AF_INET, SOCK_STREAM)    a TCP socket
//!   setsockopt(SO_REUSEADDR)        may bind a port whose old connections sit in TIME_WAIT
//!   bind(127.0.0.1:25003)           claim the address
//!   listen(backlog)                 the kernel now completes handshakes and queues connections
//! ```
//!
//! The models differ in what comes next: how they `accept` those connections and wait for
//! their bytes.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lab_core::{CancelToken, Level};
use socket2::{Domain, Socket, Type};

use crate::tally::{SharedTally, Tally};

/// How long a blocking call waits before it looks whether the server was stopped.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The service's rules, the same for every model.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// The longest line, without its newline.
    pub max_line: usize,
    /// Close a connection that sends nothing for this long.
    pub read_timeout: Option<Duration>,
    /// Close a connection that takes no bytes for this long while an echo waits to be written.
    pub write_timeout: Option<Duration>,
}

/// Opens the listening socket. Without `reuse_address`, a port whose previous connections are
/// in TIME_WAIT cannot be bound again until they expire (a minute on Linux).
pub fn listen(address: &str, reuse_address: bool) -> anyhow::Result<TcpListener> {
    let socket_address: SocketAddr = address.parse().map_err(|_| {
        anyhow::anyhow!("invalid address '{address}': expected host:port, e.g. 127.0.0.1:25003")
    })?;
    let socket = Socket::new(Domain::for_address(socket_address), Type::STREAM, None)?;
    socket.set_reuse_address(reuse_address)?;
    socket
        .bind(&socket_address.into())
        .map_err(|error| bind_error(address, reuse_address, error))?;
    socket.listen(1024)?;
    // Blocking models wait in accept: this makes accept return every POLL_INTERVAL, to notice
    // a stop. Event-loop models make the listener non-blocking instead.
    socket.set_read_timeout(Some(POLL_INTERVAL))?;
    Ok(socket.into())
}

/// Whether [`listen`] failed because the port was taken (by a server or by TIME_WAIT).
pub fn address_in_use(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<ListenError>()
        .is_some_and(|error| error.code == Some(libc::EADDRINUSE))
}

/// A refused listen: the one line a student reads, and the system's error number.
#[derive(Debug)]
struct ListenError {
    message: String,
    code: Option<i32>,
}

impl std::fmt::Display for ListenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ListenError {}

fn bind_error(address: &str, reuse_address: bool, error: std::io::Error) -> anyhow::Error {
    let port = address
        .rsplit_once(':')
        .map(|(_, port)| port)
        .unwrap_or(address);
    let message = match error.raw_os_error() {
        Some(libc::EADDRINUSE) if !reuse_address => format!(
            "cannot listen on {address}: port {port} is in use (EADDRINUSE); without SO_REUSEADDR even connections of an earlier server waiting in TIME_WAIT hold it: wait a minute, or drop --no-reuseaddr"
        ),
        Some(libc::EADDRINUSE) => format!(
            "cannot listen on {address}: port {port} is already in use, probably by another server or an earlier workbench run still going; stop it or choose another port with --bind"
        ),
        Some(libc::EADDRNOTAVAIL) => format!(
            "cannot listen on {address}: that address is not on this machine; use 127.0.0.1"
        ),
        Some(libc::EACCES) => format!(
            "cannot listen on {address}: port {port} needs privileges; use a port above 1023"
        ),
        _ => format!("cannot listen on {address}: {error}"),
    };
    anyhow::Error::new(ListenError {
        message,
        code: error.raw_os_error(),
    })
}

/// Everything a server model gets: the listener and what to count, log and obey.
pub struct Service<'a> {
    pub listener: TcpListener,
    pub rules: Rules,
    /// Shared with tasks and forked children, which may outlive a borrow.
    pub tally: Arc<SharedTally>,
    pub stop: &'a CancelToken,
    log: &'a (dyn Fn(Level, String) + Sync),
    logged: AtomicU64,
}

/// Notable endings logged, at most: a crowd of timeouts must not flood the event log.
const MOST_LOGGED: u64 = 50;

impl<'a> Service<'a> {
    pub fn new(
        listener: TcpListener,
        rules: Rules,
        tally: Arc<SharedTally>,
        stop: &'a CancelToken,
        log: &'a (dyn Fn(Level, String) + Sync),
    ) -> Service<'a> {
        Service {
            listener,
            rules,
            tally,
            stop,
            log,
            logged: AtomicU64::new(0),
        }
    }

    pub fn stopped(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// Counts how a connection ended, and logs the notable endings.
    pub fn ended(&self, peer: Option<SocketAddr>, ending: Ending) {
        self.tally.closed();
        let (counter, level, what) = match &ending {
            Ending::ClosedByClient | Ending::Stopped => return,
            Ending::VanishedMidLine(bytes) => (
                &self.tally.vanished_mid_line,
                Level::Info,
                format!("closed the connection in the middle of a line ({bytes} bytes unfinished)"),
            ),
            Ending::TimedOut(what) => (&self.tally.timeouts, Level::Warn, what.to_string()),
            Ending::TooLong => (
                &self.tally.too_long,
                Level::Warn,
                format!(
                    "sent a line longer than {} bytes: told so and disconnected",
                    self.rules.max_line
                ),
            ),
            Ending::Failed(error) => (&self.tally.errors, Level::Error, error.to_string()),
        };
        Tally::count(counter);
        if self.logged.fetch_add(1, Ordering::Relaxed) < MOST_LOGGED {
            let who = peer.map_or("a client".to_string(), |peer| format!("client {peer}"));
            (self.log)(level, format!("{who}: {what}"));
        }
    }

    pub fn log(&self, level: Level, message: String) {
        (self.log)(level, message);
    }

    /// Waits for the next connection for up to [`POLL_INTERVAL`] (the listener's receive
    /// timeout, which `accept` obeys on Linux) and counts it; `None` if none came.
    pub fn accept_blocking(&self) -> Option<(TcpStream, SocketAddr)> {
        match self.listener.accept() {
            Ok((stream, peer)) => {
                self.tally.opened();
                Some((stream, peer))
            }
            Err(error) if is_would_block(&error) => None,
            Err(error) => {
                self.accept_failed(&error);
                None
            }
        }
    }

    /// An `accept` that failed for another reason than "none yet": most often the process is
    /// out of file descriptors (EMFILE), which clears as connections close.
    pub fn accept_failed(&self, error: &std::io::Error) {
        Tally::count(&self.tally.errors);
        if self.logged.fetch_add(1, Ordering::Relaxed) < MOST_LOGGED {
            let hint = if error.raw_os_error() == Some(libc::EMFILE) {
                ": out of file descriptors (see ulimit -n); new clients wait until some close"
            } else {
                ""
            };
            (self.log)(Level::Error, format!("accept failed: {error}{hint}"));
        }
        // Do not spin on an error that repeats at once.
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// How a connection ended.
#[derive(Debug)]
pub enum Ending {
    /// The client closed after whole lines: the normal end.
    ClosedByClient,
    /// The client closed with this many bytes of a line unfinished.
    VanishedMidLine(usize),
    /// Silent past the read timeout, or not reading past the write timeout.
    TimedOut(&'static str),
    /// A line past `--max-line`.
    TooLong,
    /// The server was stopped.
    Stopped,
    Failed(std::io::Error),
}

impl Ending {
    /// The client went away with `unfinished` bytes of a line still unanswered.
    pub fn closed(unfinished: usize) -> Ending {
        if unfinished > 0 {
            Ending::VanishedMidLine(unfinished)
        } else {
            Ending::ClosedByClient
        }
    }
}

/// Is this error only "nothing yet, try again later"? (A timeout on a blocking socket says
/// WouldBlock on Linux, TimedOut elsewhere.)
pub fn is_would_block(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// Is this how a client that vanished shows up?
pub fn is_disconnect(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::BrokenPipe
            | std::io::ErrorKind::ConnectionAborted
    )
}
