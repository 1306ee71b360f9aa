//! The server's tallies: counted by every model, in memory that forked processes share.
//!
//! Threads can share ordinary memory, but a forked child gets a copy of its parent's memory:
//! what it counts there, the parent never sees. So the tallies live in one page mapped
//! `MAP_SHARED`: parent and children all write to the same atomics. A publishing thread copies
//! them into the lab's counters, which the dashboard reads.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use lab_core::{Counter, Gauge, LabContext};

/// What the server counts.
#[derive(Default)]
#[repr(C)]
pub struct Tally {
    pub accepted: AtomicU64,
    pub open: AtomicI64,
    pub most_open: AtomicI64,
    pub requests: AtomicU64,
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
    pub timeouts: AtomicU64,
    pub too_long: AtomicU64,
    pub vanished_mid_line: AtomicU64,
    pub errors: AtomicU64,
}

impl Tally {
    /// A connection was accepted.
    pub fn opened(&self) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
        let open = self.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.most_open.fetch_max(open, Ordering::Relaxed);
    }

    /// A connection was closed, for whatever reason.
    pub fn closed(&self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn read(&self, bytes: usize) {
        self.bytes_in.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub fn wrote(&self, bytes: usize) {
        self.bytes_out.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// One line echoed.
    pub fn echoed(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// A [`Tally`] in a shared anonymous mapping, so forked children count into it too.
pub struct SharedTally {
    tally: NonNull<Tally>,
}

// The tally is nothing but atomics.
unsafe impl Send for SharedTally {}
unsafe impl Sync for SharedTally {}

impl SharedTally {
    pub fn new() -> anyhow::Result<SharedTally> {
        let size = std::mem::size_of::<Tally>();
        // SAFETY: a fresh anonymous mapping, checked below; zeroed pages are a valid Tally
        // (every field is an atomic integer, and zero is its default).
        let address = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if address == libc::MAP_FAILED {
            anyhow::bail!(
                "cannot map shared memory for the server's counters: {}",
                std::io::Error::last_os_error()
            );
        }
        let tally = NonNull::new(address.cast::<Tally>())
            .ok_or_else(|| anyhow::anyhow!("mmap returned a null address"))?;
        Ok(SharedTally { tally })
    }
}

impl std::ops::Deref for SharedTally {
    type Target = Tally;

    fn deref(&self) -> &Tally {
        // SAFETY: mapped in `new` and unmapped only on drop.
        unsafe { self.tally.as_ref() }
    }
}

impl Drop for SharedTally {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, of this size; nothing refers to it any more.
        unsafe {
            libc::munmap(self.tally.as_ptr().cast(), std::mem::size_of::<Tally>());
        }
    }
}

/// Copies a tally into the lab's counters and gauges; call [`Publisher::publish`] now and then.
pub struct Publisher {
    counters: Vec<(Counter, u64)>,
    open: Gauge,
    most_open: Gauge,
}

/// The tally's counters as the dashboard names them; `accepts` and `requests` stay first
/// ([`Publisher::accepts`] and [`Publisher::requests`] take them by place).
const COUNTER_NAMES: [&str; 8] = [
    "accepts",
    "requests",
    "bytes in",
    "bytes out",
    "timeouts",
    "lines too long",
    "vanished mid-line",
    "server errors",
];

impl Publisher {
    pub fn new(context: &LabContext) -> Publisher {
        Publisher {
            counters: COUNTER_NAMES
                .iter()
                .map(|name| (context.counter(name), 0))
                .collect(),
            open: context.gauge("open connections"),
            most_open: context.gauge("most open at once"),
        }
    }

    /// Connections accepted.
    pub fn accepts(&self) -> &Counter {
        &self.counters[0].0
    }

    /// Lines answered.
    pub fn requests(&self) -> &Counter {
        &self.counters[1].0
    }

    pub fn publish(&mut self, tally: &Tally) {
        let now = [
            &tally.accepted,
            &tally.requests,
            &tally.bytes_in,
            &tally.bytes_out,
            &tally.timeouts,
            &tally.too_long,
            &tally.vanished_mid_line,
            &tally.errors,
        ]
        .map(|counter| counter.load(Ordering::Relaxed));
        for ((counter, published), value) in self.counters.iter_mut().zip(now) {
            counter.add(value.saturating_sub(*published));
            *published = value;
        }
        self.open.set(tally.open.load(Ordering::Relaxed));
        self.most_open.set(tally.most_open.load(Ordering::Relaxed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forked_child_counts_into_the_parents_tally() {
        let tally = SharedTally::new().unwrap();
        tally.opened();
        // SAFETY: the child only touches atomics and exits at once.
        match unsafe { nix::unistd::fork() }.unwrap() {
            nix::unistd::ForkResult::Child => {
                tally.echoed();
                tally.closed();
                unsafe { libc::_exit(0) };
            }
            nix::unistd::ForkResult::Parent { child } => {
                nix::sys::wait::waitpid(child, None).unwrap();
            }
        }
        assert_eq!(tally.requests.load(Ordering::Relaxed), 1);
        assert_eq!(tally.open.load(Ordering::Relaxed), 0);
        assert_eq!(tally.most_open.load(Ordering::Relaxed), 1);
        let context = LabContext::new();
        let mut publisher = Publisher::new(&context);
        publisher.publish(&tally);
        publisher.publish(&tally);
        assert_eq!(
            context.counter("requests").get(),
            1,
            "published once, not twice"
        );
        assert_eq!(context.gauge("most open at once").get(), 1);
    }
}
