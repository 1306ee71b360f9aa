//! `--model fork`: a process per connection, as classic Unix servers (and PHP's FPM workers, in
//! their way) do.
//!
//! ```text
//!   loop {
//!       reap finished children           waitpid(child, WNOHANG) for each child
//!       client = accept(listener)
//!       if fork() == 0 {                 the child: a copy of this process
//!           close(listener); serve(client); exit
//!       }
//!       close(client)                    the parent: the child has its own copy
//!   }
//! ```
//!
//! Each connection gets its own process: a crash or a leak in one cannot touch the others.
//! A child that exits stays a **zombie** (an entry in the process table holding its exit
//! status) until its parent collects it with `waitpid`, so the accept loop reaps the finished
//! children every time round. The counters live in shared memory (see `tally.rs`), because a
//! child's ordinary memory is its own copy.

use std::collections::HashSet;
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

use lab_core::Level;
use nix::sys::signal::{self, SigHandler, Signal};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};

use crate::connection;
use crate::server::Service;

pub fn serve(service: &Service) -> anyhow::Result<()> {
    let mut children: HashSet<Pid> = HashSet::new();
    while !service.stopped() {
        reap(&mut children, &service.tally);
        let Some((stream, peer)) = service.accept_blocking() else {
            continue;
        };
        // SAFETY: the child only serves its connection with plain reads and writes, counts in
        // shared memory, and leaves with _exit: it runs none of the parent's other threads'
        // code and takes none of their locks.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                // The parent stops its children with SIGTERM: that must end the child, whatever
                // handler the parent installed for itself.
                let _ = unsafe { signal::signal(Signal::SIGTERM, SigHandler::SigDfl) };
                // The child got a copy of every descriptor the parent had open: the listener,
                // and every other connection. Keeping them would hold those connections open
                // after the parent closes them, so it closes all but its own client's.
                close_other_descriptors(stream.as_raw_fd());
                let parent = nix::unistd::getppid();
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    // A child's copy of the stop flag never changes: it stops when its
                    // parent is gone, or by SIGTERM.
                    connection::serve(stream, &service.rules, &service.tally, &|| {
                        nix::unistd::getppid() != parent
                    })
                }));
                if let Ok(ending) = outcome {
                    count_ending(service, ending);
                }
                service.tally.closed();
                // SAFETY: leaves at once, without running the parent's exit handlers.
                unsafe { libc::_exit(0) }
            }
            Ok(ForkResult::Parent { child }) => {
                children.insert(child);
                // The child has its own copy of the connection; this one closes.
                drop(stream);
            }
            Err(error) => {
                service.ended(Some(peer), crate::server::Ending::Failed(error.into()));
            }
        }
    }
    stop_children(service, &mut children);
    Ok(())
}

/// Closes every descriptor from 3 up, except `keep` (0, 1, 2 are stdin, stdout, stderr).
fn close_other_descriptors(keep: RawFd) {
    let keep = keep as libc::c_uint;
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: closing descriptors this process owns; nothing in the child uses the others.
    unsafe {
        if keep > 3 {
            libc::close_range(3, keep - 1, 0);
        }
        libc::close_range(keep + 1, libc::c_uint::MAX, 0);
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    for descriptor in (3..4096).filter(|descriptor| *descriptor != keep) {
        // SAFETY: as above.
        unsafe {
            libc::close(descriptor as libc::c_int);
        }
    }
}

/// In a child: counts the ending in the shared tally (the log belongs to the parent).
fn count_ending(service: &Service, ending: crate::server::Ending) {
    use crate::server::Ending;
    use crate::tally::Tally;
    let tally = &service.tally;
    match ending {
        Ending::VanishedMidLine(_) => Tally::count(&tally.vanished_mid_line),
        Ending::TimedOut(_) => Tally::count(&tally.timeouts),
        Ending::TooLong => Tally::count(&tally.too_long),
        Ending::Failed(_) => Tally::count(&tally.errors),
        Ending::ClosedByClient | Ending::Stopped => {}
    }
}

/// Collects every child that has finished, without waiting for the others. Each is asked for
/// by its pid: `waitpid(-1)` would also collect processes other parts of the program started.
fn reap(children: &mut HashSet<Pid>, tally: &crate::tally::Tally) {
    children.retain(|child| match waitpid(*child, Some(WaitPidFlag::WNOHANG)) {
        Ok(WaitStatus::StillAlive) => true,
        Ok(WaitStatus::Signaled(..)) => {
            // Killed before it could count its connection closed.
            tally.closed();
            false
        }
        _ => false,
    });
}

/// Asks every child to stop, waits for them a second, then kills what is left and reaps all.
fn stop_children(service: &Service, children: &mut HashSet<Pid>) {
    for child in children.iter() {
        let _ = signal::kill(*child, Signal::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(1);
    while !children.is_empty() && Instant::now() < deadline {
        reap(children, &service.tally);
        std::thread::sleep(Duration::from_millis(10));
    }
    if !children.is_empty() {
        service.log(
            Level::Warn,
            format!("{} children ignored SIGTERM: killed", children.len()),
        );
        for child in children.drain() {
            let _ = signal::kill(child, Signal::SIGKILL);
            let _ = waitpid(child, None);
            service.tally.closed();
        }
    }
}
