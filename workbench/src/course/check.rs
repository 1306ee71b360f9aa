//! One check of a student's program: start it (when a command is given), wait for it to be
//! ready, let the exercise's checker talk to it, stop it, and report each finding.

use std::time::{Duration, Instant};

use lab_core::CancelToken;
use lab_core::Registry;
use lab_core::exercise::{Check, CheckSetup};
use serde::Serialize;

use super::exercise::Exercise;
use super::student::{self, StudentProgram};

/// Extra time the checker gets past the exercise's limit to wind down before it is abandoned.
const WIND_DOWN: Duration = Duration::from_secs(3);

/// What one check found.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub exercise: String,
    /// The student's command, when the workbench ran it.
    pub command: Option<String>,
    pub checks: Vec<Check>,
    /// The last lines the program wrote to standard error, shown when something failed.
    pub stderr: Vec<String>,
    /// The last lines it printed, likewise.
    pub stdout: Vec<String>,
}

impl Outcome {
    pub fn passed(&self) -> usize {
        self.checks.iter().filter(|check| check.passed).count()
    }

    pub fn all_passed(&self) -> bool {
        !self.checks.is_empty() && self.passed() == self.checks.len()
    }
}

/// What can be refused before anything starts.
pub fn preflight(exercise: &Exercise, command: Option<&[String]>) -> Result<(), String> {
    if exercise.needs_command && command.is_none() {
        return Err(format!(
            "exercise {} reads what your program prints, so the workbench must start it: give its command after --, e.g. `workbench exercise check {} -- php subscriber.php`",
            exercise.id, exercise.id
        ));
    }
    Ok(())
}

/// Runs the exercise's checker against the student's program. `command` starts the program
/// (and it is stopped at the end); without one, the program must already be running. An `Err`
/// is a problem before any check could run, as one line.
pub fn run(
    exercise: &Exercise,
    registry: &Registry,
    command: Option<&[String]>,
    cancel: &CancelToken,
) -> Result<Outcome, String> {
    preflight(exercise, command)?;
    let checker = registry
        .find_checker(&exercise.checker)
        .ok_or_else(|| format!("this workbench has no checker '{}'", exercise.checker))?;
    let mut setup = CheckSetup::new(exercise.time_limit);
    setup.endpoints = exercise.endpoints.clone();
    setup.settings = exercise.settings.clone();
    setup.cancel = cancel.clone();
    setup.starts_program = command.is_some();
    // A checker that plays the server listens before a client program starts.
    setup.prepared = checker
        .prepare(&setup)
        .map_err(|error| format!("{error:#}"))?;
    // A port already taken would be graded instead of the student's program (a server left
    // running from an earlier try, or someone else's): refuse to grade it.
    if command.is_some()
        && let Some(address) = exercise.ready_address()
        && student::accepts(&address)
    {
        return Err(format!(
            "port {} is already in use by another program (one left running from before?): stop it, then check again",
            student::port_of(&address)
        ));
    }
    let program = command.map(StudentProgram::start).transpose()?;
    setup.program = program.as_ref().map(|program| program.output.clone());

    let mut outcome = Outcome {
        exercise: exercise.id.clone(),
        command: program.as_ref().map(|program| program.command.clone()),
        checks: Vec::new(),
        stderr: Vec::new(),
        stdout: Vec::new(),
    };
    // When the student's program binds, nothing can be checked until its port accepts.
    let mut ready = true;
    if let Some(address) = exercise.ready_address() {
        let port = student::port_of(&address).to_string();
        let waited = match &program {
            Some(program) => program
                .wait_for_port(&address, exercise.time_limit, cancel)
                .and_then(|took| {
                    // Only the student's own program is graded, never whoever holds the port.
                    let port = student::port_of(&address).parse().unwrap_or(0);
                    program.owns_listener(port)?;
                    Ok(format!("after {:.1} s", took.as_secs_f64()))
                }),
            None if student::accepts(&address) => Ok("already running".to_string()),
            None => Err(format!(
                "nothing accepts connections on {address}: start your program first, or give its command after --"
            )),
        };
        let name = format!("opens port {port}");
        outcome.checks.push(match waited {
            Ok(evidence) => Check::pass(name, evidence),
            Err(got) => {
                ready = false;
                Check::fail(name, format!("a program listening on port {port}"), got)
            }
        });
    }
    if ready {
        outcome
            .checks
            .extend(run_checker(checker, setup, exercise)?);
    }
    if let Some(program) = program {
        outcome.stderr = program.stderr_tail();
        let printed = program.output.line_count();
        outcome.stdout = program.output.lines_from(printed.saturating_sub(10));
        program.stop();
    }
    Ok(outcome)
}

/// Runs the checker on its own thread, so that a checker that overstays its deadline is
/// abandoned (and the student told) instead of hanging the command.
fn run_checker(
    checker: std::sync::Arc<dyn lab_core::Checker>,
    setup: CheckSetup,
    exercise: &Exercise,
) -> Result<Vec<Check>, String> {
    let cancel = setup.cancel.clone();
    let limit = exercise.time_limit;
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(checker.check(&setup));
    });
    let started = Instant::now();
    let result = receiver.recv_timeout(limit + WIND_DOWN).or_else(|_| {
        cancel.cancel();
        receiver.recv_timeout(WIND_DOWN)
    });
    match result {
        Ok(Ok(checks)) => Ok(checks),
        Ok(Err(error)) => Err(format!("{error:#}")),
        Err(_) => Ok(vec![Check::fail(
            "finishes within the time limit",
            format!("the check done within {} s", limit.as_secs()),
            format!(
                "still waiting on your program after {:.0} s",
                started.elapsed().as_secs_f64()
            ),
        )]),
    }
}

/// The outcome as a test runner prints it: each check, and for failures what was expected,
/// what came, and why it may be.
pub fn render(outcome: &Outcome, colour: bool) -> String {
    let paint = |code: &str, text: &str| {
        if colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    // Names, values and lines may hold what the student's program sent: shown, not obeyed.
    let safe = |text: &str| lab_core::text::escape_controls(text).into_owned();
    let mut out = String::new();
    for check in &outcome.checks {
        if check.passed {
            out.push_str(&format!("  {} {}", paint("32", "PASS"), safe(&check.name)));
            if let Some(note) = &check.note {
                out.push_str(&paint("2", &format!("  ({})", safe(note))));
            }
            out.push('\n');
        } else {
            out.push_str(&format!(
                "  {} {}\n",
                paint("31;1", "FAIL"),
                safe(&check.name)
            ));
            if let Some(expected) = &check.expected {
                out.push_str(&format!("       expected: {}\n", safe(expected)));
            }
            if let Some(got) = &check.got {
                out.push_str(&format!("       got:      {}\n", safe(got)));
            }
            if let Some(note) = &check.note {
                out.push_str(&format!("       {} {}\n", paint("33", "try:"), safe(note)));
            }
        }
    }
    if !outcome.all_passed() {
        for (title, lines) in [
            ("what your program printed last", &outcome.stdout),
            ("its last error output", &outcome.stderr),
        ] {
            if !lines.is_empty() {
                out.push_str(&format!("\n  {title}:\n"));
                for line in lines {
                    out.push_str(&format!("  | {}\n", safe(line)));
                }
            }
        }
    }
    let failed = outcome.checks.len() - outcome.passed();
    out.push_str(&format!("\n{} passed, {failed} failed\n", outcome.passed()));
    out
}
