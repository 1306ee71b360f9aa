//! The student's program, run by the checker: started in its own process group, its output
//! collected line by line, and always stopped at the end (SIGTERM to the whole group, then
//! SIGKILL), so a program that forks or hangs never outlives the check.

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use lab_core::CancelToken;
use lab_core::exercise::{ProgramOutput, Trace};
use lab_i18n::{Lang, tr};
/// How long a program may take to stop after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_millis(1000);

pub struct StudentProgram {
    /// The command as typed, for messages.
    pub command: String,
    /// The mark in its environment, inherited by all it starts: found and stopped at the end.
    marker: lab_core::processes::Marker,
    child: Arc<Mutex<Child>>,
    /// What it prints on either stream, as it comes (and into the check's trace).
    pub output: ProgramOutput,
    readers: Vec<JoinHandle<()>>,
    watcher: Option<JoinHandle<()>>,
    /// The language its messages are told in.
    lang: Lang,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    lab_core::lock(mutex)
}

/// Reads lines of any bytes (not only UTF-8) until the stream ends. A line longer than the
/// output keeps is cut while it is read, the rest of it skipped: a program printing a gigabyte
/// without a newline costs no more memory than one long line.
fn for_each_line(stream: impl Read, mut each: impl FnMut(&str)) {
    // Bytes enough for the characters kept of a line, whatever their UTF-8 length.
    let most = lab_core::exercise::MAX_LINE_CHARS * 4;
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    let mut skipping = false;
    loop {
        let buffer = match reader.fill_buf() {
            Ok([]) => break,
            Ok(buffer) => buffer,
            // A signal (Ctrl-C's handler) interrupted the read: read on, as read_until does.
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let (chunk, ends_line) = match buffer.iter().position(|byte| *byte == b'\n') {
            Some(end) => (&buffer[..end], true),
            None => (buffer, false),
        };
        if !skipping {
            let room = most - line.len();
            line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            skipping = line.len() == most;
        }
        let used = chunk.len() + usize::from(ends_line);
        reader.consume(used);
        if ends_line {
            let text = String::from_utf8_lossy(&line);
            each(text.trim_end_matches('\r'));
            line.clear();
            skipping = false;
        }
    }
    if !line.is_empty() {
        each(String::from_utf8_lossy(&line).trim_end_matches('\r'));
    }
}

impl StudentProgram {
    pub fn start(
        command: &[String],
        environment: &std::collections::BTreeMap<String, String>,
        trace: &Trace,
        lang: Lang,
    ) -> Result<StudentProgram, String> {
        let text = command.join(" ");
        let (program, arguments) = command
            .split_first()
            .ok_or_else(|| tr!(lang, "student-no-command"))?;
        let marker = lab_core::processes::Marker::new();
        let mut command_line = Command::new(program);
        marker.apply(&mut command_line);
        let mut child = command_line
            .args(arguments)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Python buffers its output when it goes to a pipe; the checker needs it line by line.
            .env("PYTHONUNBUFFERED", "1")
            .envs(environment)
            // Its own process group, so stopping it also stops anything it started.
            .process_group(0)
            .spawn()
            .map_err(|error| {
                let why = if error.kind() == std::io::ErrorKind::NotFound {
                    tr!(lang, "student-not-found", program = program.as_str())
                } else {
                    error.to_string()
                };
                tr!(
                    lang,
                    "student-cannot-start",
                    command = text.as_str(),
                    why = why
                )
            })?;
        let output = ProgramOutput::with_trace(trace.clone());
        output.set_pid(child.id() as i32);
        let mut readers = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            let output = output.clone();
            readers.push(std::thread::spawn(move || {
                for_each_line(stdout, |line| output.push_line(line))
            }));
        }
        if let Some(stderr) = child.stderr.take() {
            let output = output.clone();
            readers.push(std::thread::spawn(move || {
                for_each_line(stderr, |line| output.push_error_line(line))
            }));
        }
        let child = Arc::new(Mutex::new(child));
        let watcher = {
            let child = child.clone();
            let output = output.clone();
            std::thread::spawn(move || {
                loop {
                    match lock(&child).try_wait() {
                        Ok(Some(status)) => {
                            output.set_exited(describe_exit(status), status.success());
                            return;
                        }
                        Ok(None) => {}
                        Err(_) => return,
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        Ok(StudentProgram {
            command: text,
            marker,
            child,
            output,
            readers,
            watcher: Some(watcher),
            lang,
        })
    }

    /// Whether the socket listening on `port` is this program's: held by it, by something it
    /// started, or (as this process is their subreaper) by an orphan of it. The error is the
    /// one line saying whose it is instead: another program's (a server left running, someone
    /// else's) or the workbench's own lab roles, which are not the student's work.
    pub fn owns_listener(&self, port: u16) -> Result<(), String> {
        use lab_core::processes;
        let Some(owners) = processes::listener_owners(port) else {
            return Ok(());
        };
        let Some(&owner) = owners.first() else {
            return Err(tr!(self.lang, "student-port-other-user", port = port));
        };
        let pid = lock(&self.child).id() as i32;
        let me = std::process::id() as i32;
        let tree = processes::descendants(pid);
        let ours = |owner: i32| {
            owner == pid
                || tree.contains(&owner)
                || self.marker.is_on(owner)
                || (processes::is_subreaper() && processes::parent_of(owner) == Some(me))
        };
        let workbench = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.canonicalize().ok());
        for owner in &owners {
            let (exe, command_line) = processes::describe(*owner);
            let is_workbench = exe
                .and_then(|exe| exe.canonicalize().ok())
                .is_some_and(|exe| Some(exe) == workbench);
            if is_workbench {
                return Err(tr!(
                    self.lang,
                    "student-port-workbench",
                    port = port,
                    command = lab_core::text::escape_controls(&command_line).into_owned()
                ));
            }
        }
        if owners.iter().any(|owner| ours(*owner)) {
            return Ok(());
        }
        let (_, command_line) = processes::describe(owner);
        Err(tr!(
            self.lang,
            "student-port-stranger",
            port = port,
            pid = owner,
            command = lab_core::text::escape_controls(&command_line).into_owned()
        ))
    }

    /// Waits until something accepts connections at `address` (`host:port`). The error says
    /// exactly what happened instead: the program exited, the time ran out, or the student
    /// pressed Ctrl-C.
    pub fn wait_for_port(
        &self,
        address: &str,
        limit: Duration,
        cancel: &CancelToken,
    ) -> Result<Duration, String> {
        let started = Instant::now();
        loop {
            if cancel.is_cancelled() {
                return Err(tr!(self.lang, "student-interrupted"));
            }
            if accepts(address) {
                return Ok(started.elapsed());
            }
            if let Some(how) = self.output.exited() {
                let printed = self.output.line_count();
                let last = self.output.lines_from(printed.saturating_sub(1));
                let last = match last.first() {
                    Some(line) => tr!(
                        self.lang,
                        "student-last-output",
                        line = lab_core::exercise::quote(line.as_bytes())
                    ),
                    None => tr!(self.lang, "student-printed-nothing"),
                };
                return Err(tr!(
                    self.lang,
                    "student-ended-before-port",
                    how = lab_core::exercise::ended_in(self.lang, &how),
                    seconds = format!("{:.1}", started.elapsed().as_secs_f64()),
                    port = port_of(address),
                    last = last
                ));
            }
            if started.elapsed() >= limit {
                return Err(tr!(
                    self.lang,
                    "student-never-opened",
                    port = port_of(address),
                    seconds = limit.as_secs(),
                    address = address
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the program and everything it started; says how it ended.
    pub fn stop(mut self) -> String {
        self.stop_now()
    }

    fn stop_now(&mut self) -> String {
        let pid = lock(&self.child).id() as i32;
        // Everything it started, wherever its process group: noted before any of it can exit
        // and leave its own children orphaned.
        let tree = lab_core::processes::descendants(pid);
        let signal_group = |signal| {
            // SAFETY: kill(2) with a negative pid signals that process group, which the child
            // leads (process_group(0) above); it touches no memory of ours.
            unsafe { libc::kill(-pid, signal) };
        };
        if self.output.exited().is_none() {
            signal_group(libc::SIGTERM);
            let deadline = Instant::now() + STOP_GRACE;
            while self.output.exited().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        // Whatever is left of the group (a child it forked, or the program itself) goes now,
        // and so does every descendant that left the group (setsid, setpgid).
        signal_group(libc::SIGKILL);
        lab_core::processes::kill_all(&tree);
        lab_core::processes::kill_all(&lab_core::processes::descendants(pid));
        self.marker.kill_marked();
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
        // A daemon that double-forked away from the tree was adopted by this process (the
        // subreaper of `exercise check`): it goes too, and is reaped.
        lab_core::processes::kill_adopted_orphans(&[pid]);
        // The readers end when the last holder of the pipes is gone; one that escaped the
        // group (a daemon) could hold them forever, so they get a moment and no more.
        let deadline = Instant::now() + STOP_GRACE;
        while self.readers.iter().any(|reader| !reader.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.output
            .exited()
            .unwrap_or_else(|| "was stopped".to_string())
    }
}

impl Drop for StudentProgram {
    fn drop(&mut self) {
        if self.watcher.is_some() {
            self.stop_now();
        }
    }
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with code {code}"),
        (None, Some(signal)) if signal == libc::SIGTERM => "was stopped".to_string(),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        (None, None) => "ended".to_string(),
    }
}

/// True if a TCP connection to `address` is accepted right now.
pub fn accepts(address: &str) -> bool {
    address
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .is_some_and(|address| {
            TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok()
        })
}

pub fn port_of(address: &str) -> &str {
    address
        .rsplit_once(':')
        .map(|(_, port)| port)
        .unwrap_or(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> StudentProgram {
        StudentProgram::start(
            &["sh".to_string(), "-c".to_string(), script.to_string()],
            &Default::default(),
            &Trace::default(),
            Lang::En,
        )
        .unwrap()
    }

    fn wait_until(mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done() {
            assert!(Instant::now() < deadline, "timed out");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn an_exit_code_is_reported() {
        let program = shell("echo one; printf 'two\\r\\n'; echo oops >&2; exit 3");
        wait_until(|| program.output.exited().is_some());
        assert_eq!(program.stop(), "exited with code 3");
    }

    #[test]
    fn lines_arrive_as_printed_from_both_streams() {
        let program = shell("echo one; printf 'two\\r\\n'; sleep 0.2; echo oops >&2; sleep 30");
        wait_until(|| program.output.line_count() == 3);
        assert_eq!(program.output.lines_from(0), ["one", "two", "oops"]);
        assert_eq!(program.stop(), "was stopped");
    }

    #[test]
    fn stopping_takes_the_whole_process_group() {
        let folder = tempfile::tempdir().unwrap();
        let pid_file = folder.path().join("grandchild.pid");
        // The grandchild ignores SIGTERM, so only the group-wide SIGKILL can stop it.
        let program = shell(&format!(
            "sh -c 'trap \"\" TERM; echo $$ > {}; sleep 60' & wait",
            pid_file.display()
        ));
        wait_until(|| std::fs::read_to_string(&pid_file).is_ok_and(|pid| pid.ends_with('\n')));
        let grandchild: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        program.stop();
        // SAFETY: signal 0 only asks whether the process exists.
        wait_until(|| unsafe { libc::kill(grandchild, 0) } != 0);
    }

    #[test]
    fn a_missing_program_and_a_port_never_opened_are_explained() {
        let error = StudentProgram::start(
            &["no-such-interpreter-x".into(), "a.php".into()],
            &Default::default(),
            &Trace::default(),
            Lang::En,
        )
        .err()
        .unwrap();
        assert_eq!(
            error,
            "cannot start `no-such-interpreter-x a.php`: 'no-such-interpreter-x' was not found: is it installed and on your PATH?"
        );
        let port = lab_core::free_port().unwrap();
        let address = format!("127.0.0.1:{port}");
        let quitter = shell("exit 2");
        let error = quitter
            .wait_for_port(&address, Duration::from_secs(10), &CancelToken::default())
            .unwrap_err();
        assert!(
            error.starts_with("your program exited with code 2 after ")
                && error.ends_with(&format!(
                    " s, before opening port {port}; it printed nothing"
                )),
            "{error}"
        );
        let sleeper = shell("sleep 30");
        let error = sleeper
            .wait_for_port(
                &address,
                Duration::from_millis(300),
                &CancelToken::default(),
            )
            .unwrap_err();
        assert!(
            error.contains(&format!("never opened port {port}")),
            "{error}"
        );
    }
}
