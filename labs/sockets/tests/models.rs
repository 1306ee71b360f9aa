//! Every server model for real, on loopback: a crowd of clients, bad lines, silent clients,
//! clients that vanish, and what a stopped server leaves behind (no zombies, no port).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use lab_core::{CancelToken, LabContext, Level};
use lab_sockets::client::{self, Load};
use lab_sockets::server::{self, Rules, Service};
use lab_sockets::tally::SharedTally;
use lab_sockets::{EchoLab, MODELS};

const RULES: Rules = Rules {
    max_line: 1000,
    read_timeout: None,
    write_timeout: None,
};

/// Taken while the fork model runs: its children are children of this test process, and the
/// zombie check below would see another test's children (not yet collected) as its own.
static FORKING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn fork_turn() -> std::sync::MutexGuard<'static, ()> {
    lab_core::lock(&FORKING)
}

/// A model serving on a free loopback port in a thread, until dropped.
struct Running {
    address: SocketAddr,
    tally: Arc<SharedTally>,
    stop: CancelToken,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl Running {
    fn start(model: &'static str, rules: Rules) -> Running {
        let listener = server::listen("127.0.0.1:0", true).unwrap();
        let address = listener.local_addr().unwrap();
        let tally = Arc::new(SharedTally::new().unwrap());
        let stop = CancelToken::default();
        let (thread_tally, thread_stop) = (tally.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let log = |_: Level, _: String| {};
            let service = Service::new(listener, rules, thread_tally, &thread_stop, &log);
            lab_sockets::serve(model.parse().expect("a model name"), &service)
        });
        Running {
            address,
            tally,
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the server and waits for it; panics if it failed.
    fn finish(mut self) {
        self.stop.cancel();
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap().unwrap();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn connect(address: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Waits until `check` holds, for 10 s at most.
fn eventually(what: &str, check: impl Fn() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn every_model_echoes_a_crowd_of_200_clients_correctly() {
    for &model in MODELS {
        let _turn = (model == "fork").then(fork_turn);
        let running = Running::start(model, RULES);
        let load = Load {
            clients: 200,
            messages: 20,
            size: 64,
            read_timeout: None,
            write_timeout: None,
            slow_clients: 0,
        };
        let outcome = client::run(running.address, &load, &LabContext::new()).unwrap();
        assert!(outcome.all_well(&load), "{model}: {outcome:?}");
        assert_eq!(outcome.echoes, 4000, "{model}");
        // The server counts an echo once written, maybe just after the client read it.
        eventually(&format!("{model} to count 4000 echoes"), || {
            running.tally.requests.load(Ordering::Relaxed) == 4000
        });
        eventually(&format!("{model}: every connection closed"), || {
            running.tally.open.load(Ordering::Relaxed) == 0
        });
        let most = running.tally.most_open.load(Ordering::Relaxed);
        if model == "blocking" {
            assert_eq!(most, 1, "a blocking server holds one client at a time");
        } else {
            assert!(most > 1, "{model} served {most} at once");
        }
        running.finish();
    }
}

#[test]
fn every_model_refuses_a_line_past_the_limit_and_echoes_binary_bytes() {
    let rules = Rules {
        max_line: 10,
        ..RULES
    };
    for &model in MODELS {
        let _turn = (model == "fork").then(fork_turn);
        let running = Running::start(model, rules);
        let mut stream = connect(running.address);
        let binary = [0u8, 255, 13, 7, 128, b'\n'];
        stream.write_all(&binary).unwrap();
        let mut echo = [0u8; 6];
        stream.read_exact(&mut echo).unwrap();
        assert_eq!(echo, binary, "{model}");
        stream.write_all(&[b'x'; 50]).unwrap();
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&rest),
            "ERROR line longer than 10 bytes\n",
            "{model}: the error, then the connection closed"
        );
        eventually(&format!("{model}: the too-long count"), || {
            running.tally.too_long.load(Ordering::Relaxed) == 1
        });
        running.finish();
    }
}

#[test]
fn every_model_survives_a_client_that_vanishes_mid_line() {
    for &model in MODELS {
        let _turn = (model == "fork").then(fork_turn);
        let running = Running::start(model, RULES);
        let mut vanishing = connect(running.address);
        vanishing.write_all(b"half a li").unwrap();
        drop(vanishing);
        // The server still serves the next client.
        let mut stream = connect(running.address);
        stream.write_all(b"still here\n").unwrap();
        let mut line = String::new();
        BufReader::new(&stream).read_line(&mut line).unwrap();
        assert_eq!(line, "still here\n", "{model}");
        eventually(&format!("{model}: the vanished client counted"), || {
            running.tally.vanished_mid_line.load(Ordering::Relaxed) == 1
        });
        running.finish();
    }
}

#[test]
fn a_silent_client_stalls_the_blocking_server_until_the_read_timeout_cuts_it_off() {
    let load = Load {
        clients: 5,
        messages: 5,
        size: 32,
        read_timeout: None,
        write_timeout: None,
        slow_clients: 1,
    };
    // An event loop serves everyone beside a silent client, without any timeout.
    let running = Running::start("epoll", RULES);
    let outcome = client::run(running.address, &load, &LabContext::new()).unwrap();
    assert!(outcome.all_well(&load), "{outcome:?}");
    running.finish();
    // The blocking server is stuck on the silent client until the read timeout closes it.
    let rules = Rules {
        read_timeout: Some(Duration::from_millis(300)),
        ..RULES
    };
    let running = Running::start("blocking", rules);
    let outcome = client::run(running.address, &load, &LabContext::new()).unwrap();
    assert!(outcome.all_well(&load), "{outcome:?}");
    assert_eq!(running.tally.timeouts.load(Ordering::Relaxed), 1);
    // The clients' first lines waited for the silent one: no echo before its timeout.
    let slowest = outcome.round_trips.last().copied().unwrap_or(0);
    assert!(
        slowest >= 250_000_000,
        "the slowest round trip was {slowest} ns"
    );
    running.finish();
}

#[test]
fn every_model_drops_a_client_that_never_reads_its_echoes_after_the_write_timeout() {
    let rules = Rules {
        write_timeout: Some(Duration::from_millis(300)),
        ..RULES
    };
    for &model in MODELS {
        let _turn = (model == "fork").then(fork_turn);
        let running = Running::start(model, rules);
        let mut stream = connect(running.address);
        stream
            .set_write_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        // Lines and lines, never reading an echo: the server's writes fill up and stall.
        let line = [b'x'; 511]
            .iter()
            .copied()
            .chain([b'\n'])
            .collect::<Vec<u8>>();
        let mut sent = 0usize;
        while sent < 64 * 1024 * 1024 && stream.write_all(&line).is_ok() {
            sent += line.len();
        }
        // The server stopped taking lines long before this much.
        assert!(sent < 64 * 1024 * 1024, "{model}");
        eventually(&format!("{model}: the write timeout"), || {
            running.tally.timeouts.load(Ordering::Relaxed) == 1
        });
        eventually(&format!("{model}: the connection closed"), || {
            running.tally.open.load(Ordering::Relaxed) == 0
        });
        running.finish();
    }
}

#[test]
fn a_port_in_use_is_named() {
    let first = server::listen("127.0.0.1:0", true).unwrap();
    let address = first.local_addr().unwrap().to_string();
    let port = first.local_addr().unwrap().port();
    let error = server::listen(&address, true).unwrap_err().to_string();
    assert!(
        error.contains(&format!("port {port} is already in use")),
        "{error}"
    );
    assert!(!error.contains('\n'));
}

/// The fork model's children that are zombies (exited, not collected), from /proc.
fn zombie_children() -> Vec<String> {
    let mut zombies = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for child in children.split_whitespace() {
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
            // The state is the first field after the command name in parentheses.
            if let Some((_, after)) = stat.rsplit_once(") ")
                && after.starts_with('Z')
            {
                zombies.push(child.to_string());
            }
        }
    }
    zombies
}

#[test]
fn the_fork_model_reaps_its_children() {
    if !std::path::Path::new("/proc/self/task").exists() {
        eprintln!("SKIPPED: no /proc to look for zombies in");
        return;
    }
    let _turn = fork_turn();
    let running = Running::start("fork", RULES);
    // A child per connection: three connections, three processes.
    let streams: Vec<TcpStream> = (0..3).map(|_| connect(running.address)).collect();
    for (number, mut stream) in streams.iter().enumerate() {
        stream.write_all(format!("{number}\n").as_bytes()).unwrap();
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).unwrap();
        assert_eq!(line, format!("{number}\n"));
    }
    drop(streams);
    // The children exit as their clients leave; the accept loop collects them.
    eventually("the children to be reaped", || zombie_children().is_empty());
    assert_eq!(running.tally.accepted.load(Ordering::Relaxed), 3);
    eventually("the connections counted closed", || {
        running.tally.open.load(Ordering::Relaxed) == 0
    });
    // A connection still open when the server stops: its child is stopped and reaped too.
    let _open = connect(running.address);
    eventually("the child to start", || {
        running.tally.open.load(Ordering::Relaxed) == 1
    });
    running.finish();
    assert!(zombie_children().is_empty(), "{:?}", zombie_children());
}

#[test]
fn the_lab_compares_every_model_in_one_table() {
    let _turn = fork_turn();
    let run = lab_core::LabRun::start(
        Arc::new(EchoLab),
        lab_core::AnyLab::parse_params(
            &EchoLab,
            &[
                ("compare".to_string(), "true".to_string()),
                ("clients".to_string(), "20".to_string()),
                ("messages".to_string(), "10".to_string()),
            ],
        )
        .unwrap(),
        lab_core::RunOptions {
            duration: Some(Duration::from_secs(60)),
            ..lab_core::RunOptions::default()
        },
    );
    let mut subscription = run.subscribe();
    let mut last_table = None;
    while let Some(event) = subscription.next_blocking() {
        if let lab_core::LabEvent::Snapshot(snapshot) = &event
            && let Some(table) = snapshot.tables.get("models")
        {
            last_table = Some(table.clone());
        }
    }
    let report = run.wait();
    assert!(report.ok, "{}", report.verdict);
    let table = last_table.expect("a models table");
    let models: Vec<&str> = table
        .rows
        .iter()
        .map(|row| row[0].as_str().unwrap())
        .collect();
    assert_eq!(models, MODELS);
    let column = |name: &str| {
        table
            .columns
            .iter()
            .position(|column| column == name)
            .unwrap_or_else(|| panic!("no column {name}: {:?}", table.columns))
    };
    for row in &table.rows {
        assert!(row[column("requests/s")].as_f64().unwrap() > 0.0, "{row:?}");
        assert_eq!(row[column("errors")].as_f64().unwrap(), 0.0, "{row:?}");
        assert!(
            row[column("max µs")].as_f64().unwrap() >= row[column("p99 µs")].as_f64().unwrap(),
            "{row:?}"
        );
    }
    let at_once = |model: &str| {
        table.rows.iter().find(|row| row[0] == model).unwrap()[column("at once")]
            .as_f64()
            .unwrap()
    };
    assert_eq!(at_once("blocking"), 1.0);
    assert!(at_once("epoll") > 1.0);
}

/// Runs the lab with these flags to its end; returns the report, every event-log line and the
/// last snapshot's gauges.
fn run_lab(
    flags: &[(&str, &str)],
) -> (
    lab_core::Report,
    Vec<String>,
    std::collections::BTreeMap<String, i64>,
) {
    let pairs: Vec<(String, String)> = flags
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let run = lab_core::LabRun::start(
        Arc::new(EchoLab),
        lab_core::AnyLab::parse_params(&EchoLab, &pairs).unwrap(),
        lab_core::RunOptions {
            duration: Some(Duration::from_secs(60)),
            ..lab_core::RunOptions::default()
        },
    );
    let mut subscription = run.subscribe();
    let (mut events, mut gauges) = (Vec::new(), Default::default());
    while let Some(event) = subscription.next_blocking() {
        if let lab_core::LabEvent::Snapshot(snapshot) = event {
            events.extend(snapshot.events.into_iter().map(|event| event.message));
            gauges = snapshot.gauges;
        }
    }
    (run.wait(), events, gauges)
}

#[test]
fn a_server_that_closes_first_leaves_time_wait_and_a_restart_needs_reuseaddr() {
    for (reuse, restart) in [
        (true, "again works (SO_REUSEADDR)"),
        (false, "is in use (EADDRINUSE); without SO_REUSEADDR"),
    ] {
        let port = lab_core::free_port().unwrap();
        let address = format!("127.0.0.1:{port}");
        let reuse_flag = if reuse { "false" } else { "true" };
        let (report, events, gauges) = run_lab(&[
            ("bind", &address),
            ("clients", "10"),
            ("messages", "5"),
            ("no-reuseaddr", reuse_flag),
        ]);
        assert!(report.ok, "{}", report.verdict);
        assert!(
            events.iter().any(|event| event
                == "10 clients still connected as the server stops: the server closes first"),
            "{events:?}"
        );
        // The server closed those ten first: their ends on its port wait in TIME_WAIT.
        assert!(gauges["time-wait sockets"] >= 10, "{gauges:?}");
        assert!(
            events.iter().any(|event| event.starts_with("restart: ")
                && event.contains(restart)
                && event.contains(&port.to_string())),
            "reuse {reuse}: {events:?}"
        );
    }
}
