//! `--model blocking`: one client at a time.
//!
//! The simplest server there is: accept a connection, serve it until the client is done, then
//! accept the next.
//!
//! ```text
//!   listener = socket(); bind(); listen()
//!   loop {
//!       client = accept(listener)     blocks until a client connects
//!       serve(client)                 blocks until that client is done
//!       close(client)
//!   }
//! ```
//!
//! While it serves one client, every other client waits: the kernel completes their
//! connections (up to the listen backlog) and holds what they send, but nobody reads it. With
//! a crowd of clients, the last ones wait for all the others; one client that connects and
//! sends nothing stops the server for everyone, until the read timeout cuts it off.

use crate::connection;
use crate::server::Service;

pub fn serve(service: &Service) -> anyhow::Result<()> {
    while !service.stopped() {
        let Some((stream, peer)) = service.accept_blocking() else {
            continue;
        };
        let ending = connection::serve(stream, &service.rules, &service.tally, &|| {
            service.stopped()
        });
        service.ended(Some(peer), ending);
    }
    Ok(())
}
