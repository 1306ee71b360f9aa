//! `--model threads`: a thread per connection.
//!
//! The blocking server, with each connection handed to a new thread so the accepting thread
//! can go straight back to `accept`:
//!
//! ```text
//!   loop {
//!       client = accept(listener)
//!       spawn(|| serve(client))        the new thread blocks on this client only
//!   }
//! ```
//!
//! Simple, and every client is served at once. The cost is a thread (a stack, a kernel task)
//! per connection: thousands of clients mean thousands of threads, mostly asleep.

use crate::connection;
use crate::server::Service;

pub fn serve(service: &Service) -> anyhow::Result<()> {
    // A scope: when the server stops, it waits here for every connection's thread to end.
    std::thread::scope(|scope| {
        while !service.stopped() {
            let Some((stream, peer)) = service.accept_blocking() else {
                continue;
            };
            let spawned = std::thread::Builder::new()
                .name(format!("client {peer}"))
                .spawn_scoped(scope, move || {
                    let ending = connection::serve(stream, &service.rules, &service.tally, &|| {
                        service.stopped()
                    });
                    service.ended(Some(peer), ending);
                });
            if let Err(error) = spawned {
                // The stream went with the closure that never ran: the client is dropped.
                service.ended(Some(peer), crate::server::Ending::Failed(error));
            }
        }
    });
    Ok(())
}
