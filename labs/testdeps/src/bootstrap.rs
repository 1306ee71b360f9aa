//! The bootstrap: a command started before a suite's tests and stopped after them, the way a
//! PHPUnit bootstrap file prepares the run. Typically the server the tests talk to.
//!
//! It runs in a process group of its own, so that stopping it (SIGTERM, then SIGKILL a couple
//! of seconds later) stops whatever it started too: no server is left behind.

use std::io::Read;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::suite::{Bootstrap, Suite};

/// A started bootstrap; stopped when dropped.
pub struct Running {
    child: Child,
}

/// Starts the suite's bootstrap and waits until it is ready. The error is one line.
pub fn start(suite: &Suite, bootstrap: &Bootstrap) -> Result<Running, String> {
    let folder = suite
        .file
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let command = &bootstrap.command;
    let file = suite.file.display();
    let mut child = crate::run::shell(command, folder)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("{file}: cannot start the bootstrap `{command}`: {error}"))?;
    // What it says on stderr, for the message if it dies.
    let stderr = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    });
    let mut running = Running { child };
    let Some(port) = bootstrap.ready_port else {
        return Ok(running);
    };
    let deadline = Instant::now() + bootstrap.timeout;
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(running);
        }
        if let Ok(Some(status)) = running.child.try_wait() {
            let said = stderr
                .and_then(|reader| reader.join().ok())
                .and_then(|text| {
                    text.lines()
                        .rev()
                        .find(|line| !line.trim().is_empty())
                        .map(str::to_string)
                })
                .map(|line| format!(": {line}"))
                .unwrap_or_default();
            return Err(format!(
                "{file}: the bootstrap `{command}` ended ({status}) before port {port} opened{said}"
            ));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "{file}: the bootstrap `{command}` did not open port {port} within {} s",
                bootstrap.timeout.as_secs_f64()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let group = -(self.child.id() as i32);
        // SAFETY: signals the process group this module started.
        unsafe {
            libc::kill(group, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                // Its children may still be in the group: they get the same end.
                unsafe {
                    libc::kill(group, libc::SIGKILL);
                }
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        unsafe {
            libc::kill(group, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}
