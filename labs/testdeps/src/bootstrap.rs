//! The bootstrap: a command started before a suite's tests and stopped after them, the way a
//! PHPUnit bootstrap file prepares the run. Typically the server the tests talk to.
//!
//! It runs in a process group of its own, so that stopping it (SIGTERM, then SIGKILL a couple
//! of seconds later) stops whatever it started too: no server is left behind.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::suite::{Bootstrap, Suite};

/// A started bootstrap; stopped when dropped.
pub struct Running {
    child: Child,
    /// The mark its processes carry, so that a server it started and disowned stops too.
    marker: lab_core::processes::Marker,
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
    let marker = lab_core::processes::Marker::new();
    let mut shell = crate::actions::exec::shell(command, folder);
    marker.apply(&mut shell);
    let mut child = shell
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("{file}: cannot start the bootstrap `{command}`: {error}"))?;
    // What it says on stderr, for the message if it dies (a child of it may keep the pipe
    // open: the message waits for it a moment, no more).
    let stderr = child
        .stderr
        .take()
        .map(|pipe| lab_core::processes::Drain::start(pipe, 64 * 1024));
    let mut running = Running { child, marker };
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
                .map(|drain| {
                    String::from_utf8_lossy(&drain.finish(Duration::from_secs(1))).into_owned()
                })
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
        self.stop();
        self.marker.kill_marked();
    }
}

impl Running {
    fn stop(&mut self) {
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
