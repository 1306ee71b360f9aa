//! `--model select`: one thread serves every client, by asking the kernel which sockets are
//! ready (here with `poll(2)`, select's modern form: no limit of 1024 descriptors).
//!
//! ```text
//!   make the listener non-blocking
//!   loop {
//!       fds = [listener: readable?] + [each client: readable? writable if echoes wait?]
//!       poll(fds, 100 ms)                 sleeps until one of them is ready
//!       if the listener is ready: accept every waiting client (non-blocking)
//!       for each ready client: read what it sent, write what it can take
//!   }
//! ```
//!
//! No thread per client, no blocking call except `poll` itself. The cost is that every turn
//! of the loop hands the kernel the whole list of sockets and looks through all of them for
//! the ready ones: fine for hundreds, slow for many thousands (which is what epoll fixes).
//! Asking for "writable" on a socket with nothing to write would wake the loop at once, every
//! time: the classic careless select loop that spins at 100% CPU.

use std::net::TcpStream;
use std::os::fd::AsFd;

use nix::poll::{PollFd, PollFlags, poll};

use crate::nonblocking::{Connection, Progress};
use crate::server::{POLL_INTERVAL, Service, is_would_block};

pub fn serve(service: &Service) -> anyhow::Result<()> {
    service.listener.set_nonblocking(true)?;
    let mut connections: Vec<Connection<TcpStream>> = Vec::new();
    let timeout = u16::try_from(POLL_INTERVAL.as_millis()).unwrap_or(u16::MAX);
    while !service.stopped() {
        // What to wait for: the listener, then every connection in order.
        let ready: Vec<PollFlags> = {
            let mut fds = Vec::with_capacity(connections.len() + 1);
            fds.push(PollFd::new(service.listener.as_fd(), PollFlags::POLLIN));
            for connection in &connections {
                let mut interest = PollFlags::empty();
                if connection.wants_to_read() {
                    interest |= PollFlags::POLLIN;
                }
                if connection.wants_to_write() {
                    interest |= PollFlags::POLLOUT;
                }
                fds.push(PollFd::new(connection.stream.as_fd(), interest));
            }
            match poll(&mut fds, timeout) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(error) => return Err(error.into()),
            }
            fds.iter()
                .map(|fd| fd.revents().unwrap_or(PollFlags::empty()))
                .collect()
        };
        // Ready connections first (the indexes above refer to the list as it was), then new ones.
        let mut index = 0;
        connections.retain_mut(|connection| {
            let events = ready[index + 1];
            index += 1;
            let mut progress = Progress::Open;
            if events.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR) {
                progress = connection.on_readable(&service.rules, &service.tally);
            } else if events.contains(PollFlags::POLLOUT) {
                progress = connection.on_writable(&service.rules, &service.tally);
            }
            if let Progress::Open = progress
                && let Some(ending) = connection.timed_out(&service.rules)
            {
                progress = Progress::Done(ending);
            }
            match progress {
                Progress::Open => true,
                Progress::Done(ending) => {
                    service.ended(Some(connection.peer), ending);
                    false
                }
            }
        });
        if ready[0].contains(PollFlags::POLLIN) {
            accept_waiting(service, &mut connections);
        }
    }
    for connection in connections {
        service.ended(Some(connection.peer), crate::server::Ending::Stopped);
    }
    Ok(())
}

/// Accepts every client waiting in the listen queue.
fn accept_waiting(service: &Service, connections: &mut Vec<Connection<TcpStream>>) {
    loop {
        match service.listener.accept() {
            Ok((stream, peer)) => {
                service.tally.opened();
                if let Err(error) = stream.set_nonblocking(true) {
                    service.ended(Some(peer), crate::server::Ending::Failed(error));
                    continue;
                }
                connections.push(Connection::new(stream, peer, &service.rules));
            }
            Err(error) if is_would_block(&error) => return,
            Err(error) => {
                service.accept_failed(&error);
                return;
            }
        }
    }
}
