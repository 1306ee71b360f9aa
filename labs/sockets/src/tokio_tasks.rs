//! `--model tokio`: a task per connection, on an async runtime.
//!
//! It reads like the thread-per-connection server, but a task is not a thread: it is a state
//! machine the compiler builds from the `async fn`, and a few runtime threads run thousands
//! of them. Where a thread would block, `.await` hands the thread back to the runtime, which
//! runs another task until epoll says this one's socket is ready.
//!
//! ```text
//!   loop {
//!       client = listener.accept().await
//!       spawn(async { loop { read(client).await; write(client).await } })
//!   }
//! ```
//!
//! Stopping needs no polling either: every wait is a `tokio::select!` between the work and
//! `stop.cancelled()`, whichever comes first (tokio's mini-redis handles its shutdown the same
//! way). A read or write timeout is `tokio::time::timeout` around the one call it limits.

use std::future::Future;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::line::{Lines, Next, too_long_message};
use crate::server::{Ending, Rules, Service, is_disconnect};
use crate::tally::Tally;

pub fn serve(service: &Service) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    service.listener.set_nonblocking(true)?;
    let std_listener = service.listener.try_clone()?;
    runtime.block_on(async {
        let listener = TcpListener::from_std(std_listener)?;
        let mut tasks = tokio::task::JoinSet::new();
        // One wait for the stop, made once and polled again each turn.
        let mut stopped = std::pin::pin!(service.stop.cancelled());
        loop {
            // Whichever comes first: the stop, a task that ended, or a new client.
            tokio::select! {
                () = &mut stopped => break,
                Some(finished) = tasks.join_next() => {
                    if let Ok((peer, ending)) = finished {
                        service.ended(Some(peer), ending);
                    }
                }
                accepted = listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(error) => {
                            service.accept_failed(&error);
                            continue;
                        }
                    };
                    service.tally.opened();
                    let rules = service.rules;
                    // A task may outlive this loop's borrow of the service; it gets owned
                    // copies, and reports its ending back here.
                    let stop = service.stop.clone();
                    let tally = service.tally.clone();
                    tasks.spawn(async move {
                        (peer, serve_connection(stream, rules, &tally, stop).await)
                    });
                }
            }
        }
        while let Some(finished) = tasks.join_next().await {
            if let Ok((peer, ending)) = finished {
                service.ended(Some(peer), ending);
            }
        }
        anyhow::Ok(())
    })
}

/// Echoes lines on one connection until the client closes, breaks a rule, or the server stops.
async fn serve_connection(
    mut stream: TcpStream,
    rules: Rules,
    tally: &Tally,
    stop: lab_core::CancelToken,
) -> Ending {
    let mut lines = Lines::new(rules.max_line);
    let mut buffer = vec![0u8; 16 * 1024];
    let mut stopped = std::pin::pin!(stop.cancelled());
    loop {
        let read = tokio::select! {
            () = &mut stopped => return Ending::Stopped,
            read = within(rules.read_timeout, stream.read(&mut buffer)) => read,
        };
        let read = match read {
            None => return Ending::TimedOut("sent nothing for the read timeout: disconnected"),
            Some(Ok(0)) => return Ending::closed(lines.unfinished()),
            Some(Ok(read)) => read,
            Some(Err(error)) if is_disconnect(&error) => {
                return Ending::closed(lines.unfinished());
            }
            Some(Err(error)) => return Ending::Failed(error),
        };
        tally.read(read);
        lines.push(&buffer[..read]);
        loop {
            let line = match lines.next_line() {
                Next::Line(line) => line,
                Next::Incomplete => break,
                Next::TooLong => {
                    let _ = stream.write_all(&too_long_message(rules.max_line)).await;
                    return Ending::TooLong;
                }
            };
            let written = tokio::select! {
                () = &mut stopped => return Ending::Stopped,
                written = within(rules.write_timeout, stream.write_all(&line)) => written,
            };
            match written {
                None => {
                    return Ending::TimedOut(
                        "took none of its echo for the write timeout: disconnected",
                    );
                }
                Some(Ok(())) => {
                    tally.wrote(line.len());
                    tally.echoed();
                }
                Some(Err(error)) if is_disconnect(&error) => {
                    return Ending::closed(lines.unfinished());
                }
                Some(Err(error)) => return Ending::Failed(error),
            }
        }
    }
}

/// `work`, given at most `limit` when there is one; `None` when the time ran out first.
async fn within<T>(limit: Option<Duration>, work: impl Future<Output = T>) -> Option<T> {
    match limit {
        Some(limit) => tokio::time::timeout(limit, work).await.ok(),
        None => Some(work.await),
    }
}
