//! The server the session exercise's suite talks to: a tiny line protocol whose answers depend
//! on what was said before on the same connection.
//!
//! ```text
//! HELLO ada        → WELCOME ada
//! SET color blue   → OK            (kept for this connection only)
//! GET color        → VALUE blue    (or NONE)
//! QUIT             → BYE, and the connection closes
//! ```
//!
//! A broken server forgets what was SET (its GET always answers NONE), remembers it wrong (its
//! GET answers a value that was never SET, drawn per run), or refuses every SET with an error.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// How a server is broken, if it is.
#[derive(Clone, Debug)]
pub enum Fault {
    None,
    /// GET answers NONE.
    Forgets,
    /// GET answers `VALUE <this>`, whatever was SET.
    Garbles(String),
    /// SET answers `ERROR <this>` and keeps nothing.
    RefusesSet(String),
}

/// A running server; dropping it stops it.
pub struct KvServer {
    stop: Arc<AtomicBool>,
    /// Connections accepted so far.
    pub connections: Arc<AtomicUsize>,
    accepting: Option<std::thread::JoinHandle<()>>,
}

impl KvServer {
    pub fn start(address: &str, fault: Fault) -> anyhow::Result<KvServer> {
        let listener = TcpListener::bind(address).map_err(|error| {
            anyhow::anyhow!(
                "the checker cannot listen on {address}: {error}; is another program (a lab, an earlier check) using the port? Stop it and check again"
            )
        })?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let accepting = {
            let (stop, connections) = (stop.clone(), connections.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            connections.fetch_add(1, Ordering::Relaxed);
                            let stop = stop.clone();
                            let fault = fault.clone();
                            std::thread::spawn(move || serve(stream, &fault, &stop));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        Ok(KvServer {
            stop,
            connections,
            accepting: Some(accepting),
        })
    }
}

impl Drop for KvServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(accepting) = self.accepting.take() {
            let _ = accepting.join();
        }
    }
}

fn serve(stream: TcpStream, fault: &Fault, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut kept = std::collections::HashMap::new();
    let mut line = String::new();
    while !stop.load(Ordering::Relaxed) {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => return,
            Ok(_) => {}
            // A read timeout: look at `stop` again.
            Err(_) => continue,
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let answer = match words.as_slice() {
            ["HELLO", name] => format!("WELCOME {name}"),
            ["SET", key, value] => match fault {
                Fault::RefusesSet(why) => format!("ERROR {why}"),
                _ => {
                    kept.insert(key.to_string(), value.to_string());
                    "OK".to_string()
                }
            },
            ["GET", key] => match (kept.get(*key), fault) {
                (Some(value), Fault::None) => format!("VALUE {value}"),
                (Some(_), Fault::Garbles(wrong)) => format!("VALUE {wrong}"),
                _ => "NONE".to_string(),
            },
            ["QUIT"] => {
                let _ = writer.write_all(b"BYE\n");
                return;
            }
            _ => format!("ERROR unknown command: {}", line.trim()),
        };
        if writer.write_all(format!("{answer}\n").as_bytes()).is_err() {
            return;
        }
    }
}
