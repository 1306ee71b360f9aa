//! `exec`: a shell command in the suite's folder, with its exit code, output and time limit.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::fill_shell;
use crate::assert::{Assertion, Outcome, first_failure, shown};
use crate::suite::{Exec, TestSpec};

/// Output kept of a command, at most (a command printing forever must not fill memory).
const MOST_OUTPUT: usize = 1024 * 1024;

/// How long a finished command's pipes may stay open (held by something it left behind).
const PIPE_GRACE: Duration = Duration::from_secs(1);

/// Runs the command; returns how it went, the assertions made, and its stdout.
pub(crate) fn run(
    test: &TestSpec,
    exec: &Exec,
    folder: &std::path::Path,
    values: &HashMap<String, String>,
    stop: &(dyn Fn() -> bool + Sync),
) -> (Outcome, u32, String) {
    let command = fill_shell(&exec.command, values);
    let error = |message: String| (Outcome::Error { message }, 0, String::new());
    let marker = lab_core::processes::Marker::new();
    let mut shell = shell(&command, folder);
    marker.apply(&mut shell);
    let spawned = shell.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(problem) => return error(format!("cannot start sh for `{command}`: {problem}")),
    };
    let [stdout, stderr] = lab_core::processes::Drain::outputs(&mut child, MOST_OUTPUT);
    // A thread waits for the command, so that its end is heard at once; this one wakes every
    // 50 ms to look at the deadline and at Ctrl-C.
    let group = child.id() as i32;
    let (ended, waited) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = ended.send(child.wait());
    });
    let deadline = Instant::now() + test.timeout;
    let status = loop {
        let slice = deadline
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(50));
        match waited.recv_timeout(slice) {
            Ok(Ok(status)) => break Some(status),
            Ok(Err(_)) => break None,
            Err(_) if Instant::now() < deadline && !stop() => {}
            Err(_) => break None,
        }
    };
    // The test is over: whatever it started goes with it, in its group (`sleep 40 &`) or out
    // of it (`setsid ...`, found by the mark in its environment).
    // (The group is its own, so a Ctrl-C at the terminal does not reach it: stopping it is
    // this function's job.)
    if status.is_none() {
        // SAFETY: signals the process group this function started.
        unsafe { libc::kill(-group, libc::SIGKILL) };
        let _ = waited.recv();
    }
    marker.end_group(group);
    let Some(status) = status else {
        if stop() {
            return error(format!("`{command}` was stopped: the run was interrupted"));
        }
        return error(format!(
            "`{command}` ran past its timeout of {} s and was stopped",
            test.timeout.as_secs_f64()
        ));
    };
    // Pipes close once everything holding them is gone; a process that escaped even the mark
    // gets a moment, and what was read by then is the output.
    let read = |drain: Option<lab_core::processes::Drain>| {
        drain
            .map(|drain| String::from_utf8_lossy(&drain.finish(PIPE_GRACE)).into_owned())
            .unwrap_or_default()
    };
    let stdout = read(stdout);
    let stderr = read(stderr);
    let code = status.code().unwrap_or(-1);
    // sh says 127 for a command it cannot find and 126 for one it cannot run: the test could
    // not do its work at all.
    if (code == 127 || code == 126) && exec.exit != code {
        let said = stderr.lines().last().unwrap_or("").trim().to_string();
        return error(format!("`{command}` could not run: {said}"));
    }
    let assertions = 1;
    if code != exec.exit {
        let outcome = Outcome::Failed {
            message: format!("`{command}` exited with code {code}"),
            expected: format!("exit code {}", exec.exit),
            actual: format!("exit code {code}{}", last_lines(&stderr, &stdout)),
        };
        return (outcome, assertions, stdout);
    }
    let checks = exec
        .stdout_contains
        .iter()
        .map(|wanted| {
            (
                "stdout",
                format!("containing \"{wanted}\""),
                stdout.contains(wanted.as_str()),
            )
        })
        .chain(exec.stdout_matches.iter().map(|pattern| {
            (
                "stdout",
                format!("matching /{pattern}/"),
                pattern.is_match(&stdout),
            )
        }))
        .chain(exec.stderr_contains.iter().map(|wanted| {
            (
                "stderr",
                format!("containing \"{wanted}\""),
                stderr.contains(wanted.as_str()),
            )
        }))
        .map(|(stream, expected, held)| Assertion {
            message: format!("the {stream} of `{command}`"),
            expected: format!("{stream} {expected}"),
            actual: format!(
                "{stream} {}",
                shown(if stream == "stdout" { &stdout } else { &stderr })
            ),
            held,
        });
    let (outcome, counted) = first_failure(checks);
    (outcome, assertions + counted, stdout)
}

/// `sh -c command` in `folder`, in a process group of its own (so that a timeout stops the
/// command and everything it started), with `$WORKBENCH` naming the workbench binary, so that
/// a suite can start the workbench's own labs as servers.
pub(crate) fn shell(command: &str, folder: &std::path::Path) -> Command {
    use std::os::unix::process::CommandExt;
    let workbench = std::env::var_os("WORKBENCH")
        .or_else(|| {
            let running = std::env::current_exe().ok()?;
            (running.file_name()? == "workbench").then(|| running.into_os_string())
        })
        .unwrap_or_else(|| "workbench".into());
    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg(command)
        .current_dir(folder)
        .env("WORKBENCH", workbench)
        .stdin(Stdio::null())
        .process_group(0);
    shell
}

/// The last lines the command printed, to show beside a wrong exit code.
fn last_lines(stderr: &str, stdout: &str) -> String {
    let source = if stderr.trim().is_empty() {
        stdout
    } else {
        stderr
    };
    let lines: Vec<&str> = source
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    match lines.len() {
        0 => String::new(),
        // The command's own words, shown and not obeyed: control characters escaped, and
        // no line longer than the report can hold.
        count => format!(
            "; it said: {}",
            lines[count.saturating_sub(3)..]
                .iter()
                .map(|line| {
                    let cut: String = line.chars().take(300).collect();
                    lab_core::text::escape_controls(&cut).into_owned()
                })
                .collect::<Vec<_>>()
                .join(" | ")
        ),
    }
}
