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

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::line::{Lines, Next, too_long_message};
use crate::server::{Ending, POLL_INTERVAL, Rules, Service, is_disconnect};
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
        while !service.stopped() {
            // Count the endings of the tasks that finished, without waiting for the others.
            while let Some(Ok((peer, ending))) = tasks.try_join_next() {
                service.ended(Some(peer), ending);
            }
            // Wait for a client, but look at the stop flag every POLL_INTERVAL.
            let accepted = match tokio::time::timeout(POLL_INTERVAL, listener.accept()).await {
                Err(_elapsed) => continue,
                Ok(accepted) => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    service.accept_failed(&error);
                    continue;
                }
            };
            service.tally.opened();
            let rules = service.rules;
            // A task may outlive this loop's borrow of the service; it gets owned copies, and
            // reports its ending back here.
            let stop = service.stop.clone();
            let tally = service.tally.clone();
            tasks.spawn(async move { (peer, serve_connection(stream, rules, &tally, stop).await) });
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
    let mut silent = Duration::ZERO;
    loop {
        if stop.is_cancelled() {
            return Ending::Stopped;
        }
        let read = match tokio::time::timeout(POLL_INTERVAL, stream.read(&mut buffer)).await {
            Err(_elapsed) => {
                silent += POLL_INTERVAL;
                if rules.read_timeout.is_some_and(|timeout| silent >= timeout) {
                    return Ending::TimedOut("sent nothing for the read timeout: disconnected");
                }
                continue;
            }
            Ok(Ok(0)) => return Ending::closed(lines.unfinished()),
            Ok(Ok(read)) => read,
            Ok(Err(error)) if is_disconnect(&error) => return Ending::closed(lines.unfinished()),
            Ok(Err(error)) => return Ending::Failed(error),
        };
        silent = Duration::ZERO;
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
            let written = match rules.write_timeout {
                Some(timeout) => match tokio::time::timeout(timeout, stream.write_all(&line)).await
                {
                    Ok(written) => written,
                    Err(_elapsed) => {
                        return Ending::TimedOut(
                            "took none of its echo for the write timeout: disconnected",
                        );
                    }
                },
                None => stream.write_all(&line).await,
            };
            match written {
                Ok(()) => {
                    tally.wrote(line.len());
                    tally.echoed();
                }
                Err(error) if is_disconnect(&error) => return Ending::closed(lines.unfinished()),
                Err(error) => return Ending::Failed(error),
            }
        }
    }
}
