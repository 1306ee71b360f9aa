//! `--model epoll`: one thread, and the kernel keeps the list of sockets (epoll, through the
//! `mio` crate, which is what tokio itself is built on).
//!
//! ```text
//!   poll = epoll_create()
//!   register(poll, listener, READABLE)              once
//!   loop {
//!       events = epoll_wait(poll, 100 ms)           only the sockets that became ready
//!       for each event:
//!           listener: accept every waiting client; register(poll, client, READABLE | WRITABLE)
//!           client:   read what it sent, write what it can take
//!   }
//! ```
//!
//! Unlike `poll(2)`, the interest list lives in the kernel: each turn of the loop costs in
//! proportion to the sockets that are ready, not to all the sockets there are. That is why
//! event loops serve tens of thousands of idle connections. mio registers sockets
//! edge-triggered: an event says "something changed", so each time the loop reads and writes
//! until the socket says EWOULDBLOCK, or it would not hear about the rest again.

use std::collections::HashMap;
use std::time::Instant;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

use crate::nonblocking::{Connection, Progress};
use crate::server::{Ending, POLL_INTERVAL, Service, is_would_block};

const LISTENER: Token = Token(0);

pub fn serve(service: &Service) -> anyhow::Result<()> {
    let mut poll = Poll::new()?;
    // mio takes the listener over; a clone shares the same socket.
    service.listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(service.listener.try_clone()?);
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut connections: HashMap<Token, Connection<TcpStream>> = HashMap::new();
    let mut next_token = 1;
    let mut events = Events::with_capacity(1024);
    let mut last_timeout_check = Instant::now();
    while !service.stopped() {
        match poll.poll(&mut events, Some(POLL_INTERVAL)) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error.into()),
        }
        for event in events.iter() {
            if event.token() == LISTENER {
                accept_waiting(service, &listener, &poll, &mut connections, &mut next_token);
                continue;
            }
            let Some(connection) = connections.get_mut(&event.token()) else {
                continue;
            };
            // Readable or writable, read and write as far as the socket lets us.
            if let Progress::Done(ending) = connection.on_readable(&service.rules, &service.tally) {
                finish(service, &poll, &mut connections, event.token(), ending);
            }
        }
        // Timeouts: every connection is looked at once per POLL_INTERVAL, not on every event.
        if last_timeout_check.elapsed() < POLL_INTERVAL {
            continue;
        }
        last_timeout_check = Instant::now();
        let timed_out: Vec<(Token, Ending)> = connections
            .iter()
            .filter_map(|(token, connection)| {
                connection
                    .timed_out(&service.rules)
                    .map(|ending| (*token, ending))
            })
            .collect();
        for (token, ending) in timed_out {
            finish(service, &poll, &mut connections, token, ending);
        }
    }
    for (_, connection) in connections.drain() {
        service.ended(Some(connection.peer), Ending::Stopped);
    }
    Ok(())
}

/// Accepts every client waiting in the listen queue, each registered under a token of its own.
fn accept_waiting(
    service: &Service,
    listener: &TcpListener,
    poll: &Poll,
    connections: &mut HashMap<Token, Connection<TcpStream>>,
    next_token: &mut usize,
) {
    loop {
        match listener.accept() {
            Ok((mut stream, peer)) => {
                service.tally.opened();
                let token = Token(*next_token);
                *next_token += 1;
                let interest = Interest::READABLE | Interest::WRITABLE;
                if let Err(error) = poll.registry().register(&mut stream, token, interest) {
                    service.ended(Some(peer), Ending::Failed(error));
                    continue;
                }
                connections.insert(token, Connection::new(stream, peer, &service.rules));
            }
            // Edge-triggered: accept until the queue is empty, or its rest goes unheard.
            Err(error) if is_would_block(&error) => return,
            Err(error) => {
                service.accept_failed(&error);
                return;
            }
        }
    }
}

fn finish(
    service: &Service,
    poll: &Poll,
    connections: &mut HashMap<Token, Connection<TcpStream>>,
    token: Token,
    ending: Ending,
) {
    if let Some(mut connection) = connections.remove(&token) {
        let _ = poll.registry().deregister(&mut connection.stream);
        service.ended(Some(connection.peer), ending);
    }
}
