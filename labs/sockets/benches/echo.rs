//! How fast are the six models against the plainest possible server? `just bench` (or
//! `cargo bench -p lab-sockets --bench echo`).
//!
//! The reference is a minimal epoll echo loop written here on raw libc calls: it writes back
//! whatever it reads, with no line parsing, no counting, no timeouts. Every model and the
//! reference get the same crowd (100 clients, 64-byte lines, each waiting for its echo) from the
//! lab's own load generator, alternately, several rounds; the median is reported. Target: the
//! best model reaches at least 0.8x the reference's requests/s. Then the event-loop models take
//! 5,000 connections at once (the open-file limit is raised first).

use std::net::{SocketAddr, TcpListener};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use lab_core::{CancelToken, LabContext, Level};
use lab_sockets::client::{self, Load};
use lab_sockets::server::{self, Rules, Service};
use lab_sockets::tally::SharedTally;

const ROUNDS: usize = 3;
const CROWD: Load = Load {
    clients: 100,
    messages: 500,
    size: 64,
    read_timeout: None,
    write_timeout: None,
    slow_clients: 0,
};

/// The reference: level-triggered epoll, read and write straight back.
fn reference_server(listener: TcpListener, stop: &AtomicBool) {
    listener.set_nonblocking(true).unwrap();
    let listening = listener.as_raw_fd();
    // SAFETY: plain epoll calls on descriptors this function owns; the buffers outlive them.
    unsafe {
        let poll = libc::epoll_create1(0);
        let mut event = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: listening as u64,
        };
        libc::epoll_ctl(poll, libc::EPOLL_CTL_ADD, listening, &mut event);
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
        let mut buffer = [0u8; 16384];
        while !stop.load(Ordering::Relaxed) {
            let ready = libc::epoll_wait(poll, events.as_mut_ptr(), events.len() as i32, 100);
            for event in events.iter().take(ready.max(0) as usize) {
                let descriptor = event.u64 as i32;
                if descriptor == listening {
                    loop {
                        let client = libc::accept4(
                            listening,
                            std::ptr::null_mut(),
                            std::ptr::null_mut(),
                            libc::SOCK_NONBLOCK,
                        );
                        if client < 0 {
                            break;
                        }
                        let mut interest = libc::epoll_event {
                            events: libc::EPOLLIN as u32,
                            u64: client as u64,
                        };
                        libc::epoll_ctl(poll, libc::EPOLL_CTL_ADD, client, &mut interest);
                    }
                    continue;
                }
                let read = libc::read(descriptor, buffer.as_mut_ptr().cast(), buffer.len());
                if read <= 0 {
                    libc::close(descriptor);
                    continue;
                }
                // 64-byte echoes always fit the socket buffer: one write does.
                libc::write(descriptor, buffer.as_ptr().cast(), read as usize);
            }
        }
        libc::close(poll);
    }
}

/// Requests per second of the crowd against the reference.
fn reference() -> client::Outcome {
    let listener = server::listen("127.0.0.1:0", true).unwrap();
    let address = listener.local_addr().unwrap();
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| reference_server(listener, &stop));
        let outcome = crowd(address, &CROWD);
        stop.store(true, Ordering::Relaxed);
        outcome
    })
}

/// The crowd against `model`, as the lab runs it.
fn model(model: &'static str, load: &Load) -> client::Outcome {
    let listener = server::listen("127.0.0.1:0", true).unwrap();
    let address = listener.local_addr().unwrap();
    let rules = Rules {
        max_line: 65536,
        read_timeout: None,
        write_timeout: None,
    };
    let tally = Arc::new(SharedTally::new().unwrap());
    let stop = CancelToken::default();
    let log = |_: Level, _: String| {};
    let service = Service::new(listener, rules, tally, &stop, &log);
    std::thread::scope(|scope| {
        let serving =
            scope.spawn(|| lab_sockets::serve(model.parse().expect("a model name"), &service));
        let outcome = crowd(address, load);
        stop.cancel();
        serving.join().unwrap().unwrap();
        outcome
    })
}

fn crowd(address: SocketAddr, load: &Load) -> client::Outcome {
    let outcome = client::run(address, load, &LabContext::new()).unwrap();
    assert!(outcome.all_well(load), "{outcome:?}");
    outcome
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    // The crowd of 5,000 needs about 10,000 descriptors (both ends are in this process).
    let limit = lab_sockets::raise_file_limit().unwrap_or_else(|why| panic!("{why}"));
    assert!(
        limit >= 11_000,
        "the open-file limit is {limit}: 5,000 connections need about 10,000; raise it with ulimit -n"
    );
    println!(
        "socket-echo: {} clients × {} lines of {} bytes, {ROUNDS} rounds, medians",
        CROWD.clients, CROWD.messages, CROWD.size
    );
    let mut reference_rates = Vec::new();
    // Per model, per round: requests/s, p50 and p99 in µs.
    let mut rounds: Vec<(&str, Vec<[f64; 3]>)> = lab_sockets::MODELS
        .iter()
        .map(|model| (*model, Vec::new()))
        .collect();
    for _ in 0..ROUNDS {
        reference_rates.push(reference().per_second());
        for (name, figures) in &mut rounds {
            let outcome = model(name, &CROWD);
            figures.push([
                outcome.per_second(),
                outcome.percentile_us(0.5),
                outcome.percentile_us(0.99),
            ]);
        }
    }
    let reference = median(reference_rates);
    println!(
        "  {:<22} {:>10.0} requests/s",
        "reference epoll loop", reference
    );
    println!(
        "  {:<10} {:>12} {:>10} {:>10} {:>8}",
        "model", "requests/s", "p50 µs", "p99 µs", "ratio"
    );
    let mut best: f64 = 0.0;
    for (name, figures) in rounds {
        let column = |index: usize| median(figures.iter().map(|round| round[index]).collect());
        let (rate, p50, p99) = (column(0), column(1), column(2));
        best = best.max(rate / reference);
        println!(
            "  {name:<10} {rate:>12.0} {p50:>10.0} {p99:>10.0} {:>8.3}",
            rate / reference
        );
    }
    println!(
        "best model / reference: {best:.3} (target >= 0.8: {})",
        if best >= 0.8 { "met" } else { "NOT met" }
    );
    let thousands = Load {
        clients: 5000,
        messages: 5,
        ..CROWD
    };
    for name in ["select", "epoll", "tokio"] {
        let outcome = model(name, &thousands);
        println!(
            "  5,000 connections at once, {name}: {} echoes, all correct, {:.0} requests/s",
            outcome.echoes,
            outcome.per_second()
        );
    }
}
