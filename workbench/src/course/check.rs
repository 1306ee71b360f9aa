//! One check of a student's program: start it (when a command is given), wait for it to be
//! ready, let the exercise's checker talk to it, stop it, and report each finding.
//!
//! Every run has a seed from which the checker draws its probes; the seed is in the report, and
//! `--seed N` gives the same probes again. The report carries the trace (the checker's steps
//! and the program's lines, in time order), shown when something failed.

use std::time::{Duration, Instant};

use lab_core::CancelToken;
use lab_core::Registry;
use lab_core::exercise::{Check, CheckName, CheckSetup, Source, TraceLine};
use lab_i18n::tr;
use serde::Serialize;
use unicode_width::UnicodeWidthStr as _;

use super::Lang;
use super::content::Content;
use super::exercise::Exercise;
use super::student::{self, StudentProgram};

/// Extra time the checker gets past the exercise's limit to wind down before it is abandoned.
const WIND_DOWN: Duration = Duration::from_secs(3);

/// What one check found.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub exercise: String,
    /// The seed every probe was drawn from: `--seed` with it replays this run.
    pub seed: u64,
    pub workbench_version: &'static str,
    /// The student's command, when the workbench ran it.
    pub command: Option<String>,
    /// A SHA-256 over the files of the folder the check ran in (see [`folder_hash`]).
    pub files_sha256: Option<String>,
    pub checks: Vec<Timed>,
    #[serde(serialize_with = "milliseconds", rename = "duration_ms")]
    pub duration: Duration,
    /// The checker's steps and the program's output, in time order.
    pub trace: Vec<TraceLine>,
    /// Older trace lines let go to keep it bounded.
    pub trace_dropped: usize,
}

/// A finding with the time it took and what it is worth.
#[derive(Debug, Serialize)]
pub struct Timed {
    #[serde(flatten)]
    pub check: Check,
    /// The points it gives when it passes (the exercise's `points`, 1 by default).
    pub points: u32,
    #[serde(serialize_with = "milliseconds", rename = "duration_ms")]
    pub duration: Duration,
}

fn milliseconds<S: serde::Serializer>(at: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(at.as_millis() as u64)
}

impl Outcome {
    pub fn passed(&self) -> usize {
        self.checks
            .iter()
            .filter(|timed| timed.check.passed)
            .count()
    }

    /// The points of the checks that passed.
    pub fn score(&self) -> u32 {
        self.checks.iter().map(Timed::score).sum()
    }

    /// The points of all the checks.
    pub fn max_score(&self) -> u32 {
        self.checks.iter().map(|timed| timed.points).sum()
    }

    /// Names in the exercise's `points` that no check of this run has: a teacher's typo.
    pub fn unmatched_points<'a>(&self, exercise: &'a Exercise) -> Vec<&'a str> {
        exercise
            .points
            .keys()
            .filter(|start| {
                !self
                    .checks
                    .iter()
                    .any(|timed| timed.check.name.starts_with(start.as_str()))
            })
            .map(String::as_str)
            .collect()
    }

    /// The `check = "..."` of the exercise's hints that no check of this run has, when every
    /// check ran and passed (a run that stops early has fewer checks): a teacher's typo, which
    /// would keep that hint from ever coming first.
    pub fn unmatched_hints<'a>(&self, exercise: &'a Exercise) -> Vec<&'a str> {
        if !self.all_passed() {
            return Vec::new();
        }
        exercise
            .hints
            .iter()
            .filter_map(|hint| hint.check.as_deref())
            .filter(|start| {
                !self
                    .checks
                    .iter()
                    .any(|timed| timed.check.name.starts_with(start))
            })
            .collect()
    }

    pub fn all_passed(&self) -> bool {
        !self.checks.is_empty() && self.passed() == self.checks.len()
    }
}

/// A fresh seed for a run nobody asked to replay.
pub fn fresh_seed() -> u64 {
    let mut bytes = [0u8; 8];
    // The clock is a fine fallback: a seed must differ between runs, not be secret.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos() as u64)
            .unwrap_or(0);
        bytes = nanos.to_le_bytes();
    }
    // Seeds short enough to type: 0 to 999,999,999.
    u64::from_le_bytes(bytes) % 1_000_000_000
}

/// What can be refused before anything starts.
pub fn preflight(exercise: &Exercise, command: Option<&[String]>) -> Result<(), String> {
    if let (Some(file), Some(command)) = (&exercise.task_file, command) {
        return Err(format!(
            "exercise {} grades the file {file} in this folder and starts no program, so `{}` would run for nothing: check it with `workbench exercise check {}` and no command",
            exercise.id,
            command.join(" "),
            exercise.id
        ));
    }
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
    content: &Content,
    exercise: &Exercise,
    registry: &Registry,
    command: Option<&[String]>,
    seed: u64,
    cancel: &CancelToken,
    lang: Lang,
) -> Result<Outcome, String> {
    preflight(exercise, command)?;
    let checker = registry
        .find_checker(&exercise.checker)
        .ok_or_else(|| format!("this workbench has no checker '{}'", exercise.checker))?;
    let started = Instant::now();
    let trace = lab_core::exercise::Trace::default();
    let mut outcome = Outcome {
        exercise: exercise.id.clone(),
        seed,
        workbench_version: env!("CARGO_PKG_VERSION"),
        command: command.map(|command| command.join(" ")),
        files_sha256: None,
        checks: Vec::new(),
        duration: Duration::ZERO,
        trace: Vec::new(),
        trace_dropped: 0,
    };
    let starters = std::sync::Arc::new(exercise.starter_files(content));
    let mut checks = Vec::new();
    let rounds = checker.rounds();
    for round in 0..rounds {
        if cancel.is_cancelled() {
            break;
        }
        let mut setup = CheckSetup::new(exercise.time_limit);
        setup.endpoints = exercise.endpoints.clone();
        setup.settings = exercise.settings.clone();
        setup.starters = starters.clone();
        setup.cancel = cancel.clone();
        setup.starts_program = command.is_some();
        setup.seed = seed;
        setup.round = round;
        setup.trace = trace.clone();
        setup.lang = lang;
        if rounds > 1 {
            setup.note(tr!(
                lang,
                "check-trace-round",
                round = round + 1,
                rounds = rounds
            ));
        }
        checks.extend(run_round(
            exercise,
            checker.clone(),
            command,
            setup,
            cancel,
        )?);
    }
    outcome.checks = timed(exercise, checks, started);
    outcome.duration = started.elapsed();
    (outcome.trace, outcome.trace_dropped) = trace.lines();
    Ok(outcome)
}

/// One round: the checker prepares, the program starts (when the workbench starts it), the
/// checker talks to it, the program stops.
fn run_round(
    exercise: &Exercise,
    checker: std::sync::Arc<dyn lab_core::Checker>,
    command: Option<&[String]>,
    mut setup: CheckSetup,
    cancel: &CancelToken,
) -> Result<Vec<Check>, String> {
    let trace = setup.trace.clone();
    let lang = setup.lang;
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
        return Err(tr!(
            lang,
            "check-port-in-use",
            port = student::port_of(&address)
        ));
    }
    let program = command
        .map(|command| StudentProgram::start(command, &exercise.environment, &trace, lang))
        .transpose()?;
    setup.program = program.as_ref().map(|program| program.output.clone());
    if let Some(program) = &program {
        setup.note(tr!(
            setup.lang,
            "check-trace-started",
            command = program.command.as_str()
        ));
    }
    let mut checks = Vec::new();
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
                    program.owns_listener(port).map_err(|stranger| {
                        // A program that cannot bind a port someone else holds usually ends
                        // soon: its exit is the news, the stranger only the reason not to grade
                        // what answers.
                        let until = Instant::now() + Duration::from_secs(1);
                        while program.output.exited().is_none() && Instant::now() < until {
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        match program.output.exited() {
                            Some(how) => tr!(
                                lang,
                                "check-your-program-and",
                                how = lab_core::exercise::ended_in(lang, &how),
                                rest = stranger
                            ),
                            None => stranger,
                        }
                    })?;
                    Ok(tr!(
                        setup.lang,
                        "check-port-after",
                        seconds = format!("{:.1}", took.as_secs_f64())
                    ))
                }),
            None if student::accepts(&address) => Ok(tr!(setup.lang, "check-port-already")),
            None => Err(tr!(
                lang,
                "check-nothing-accepts",
                address = address.as_str()
            )),
        };
        let name = CheckName::new(setup.lang, |lang| {
            tr!(lang, "check-opens-port", port = port.as_str())
        });
        checks.push(match waited {
            Ok(evidence) => Check::pass(name, evidence),
            Err(got) => {
                ready = false;
                Check::fail(
                    name,
                    tr!(setup.lang, "check-port-expected", port = port.as_str()),
                    got,
                )
            }
        });
    }
    if ready {
        checks.extend(run_checker(checker, setup, exercise)?);
    }
    if let Some(program) = program {
        let how = program.stop();
        trace.push(
            Source::Checker,
            tr!(
                lang,
                "check-trace-your-program",
                how = lab_core::exercise::ended_in(lang, &how)
            ),
        );
    }
    Ok(checks)
}

/// Each finding's time: from the one before it (or the start) to when it was found.
impl Timed {
    /// The points it gave: all of them when it passed, none otherwise.
    pub fn score(&self) -> u32 {
        if self.check.passed { self.points } else { 0 }
    }
}

fn timed(exercise: &Exercise, checks: Vec<Check>, started: Instant) -> Vec<Timed> {
    let mut previous = started;
    checks
        .into_iter()
        .map(|check| {
            let found = check.found_at.max(previous);
            let duration = found - previous;
            previous = found;
            Timed {
                points: exercise.points_of(&check.name),
                check,
                duration,
            }
        })
        .collect()
}

/// Runs the checker on its own thread, so that a checker that overstays its deadline is
/// abandoned (and the student told) instead of hanging the command.
fn run_checker(
    checker: std::sync::Arc<dyn lab_core::Checker>,
    setup: CheckSetup,
    exercise: &Exercise,
) -> Result<Vec<Check>, String> {
    let cancel = setup.cancel.clone();
    let lang = setup.lang;
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
            CheckName::new(lang, |lang| tr!(lang, "check-within-limit")),
            tr!(
                lang,
                "check-within-limit-expected",
                seconds = limit.as_secs()
            ),
            tr!(
                lang,
                "check-still-waiting",
                seconds = format!("{:.0}", started.elapsed().as_secs_f64())
            ),
        )]),
    }
}

/// Trace lines shown in a failure report without `--verbose`: the last ones, where it failed.
const TRACE_SHOWN: usize = 40;

/// The outcome as a test runner prints it: each check, and for failures what was expected,
/// what came (with a caret under the first byte that differs) and why it may be; then the
/// trace of the run when something failed (or always, when `verbose`).
pub fn render(outcome: &Outcome, lang: Lang, colour: bool, verbose: bool) -> String {
    let paint = |code: &str, text: &str| {
        if colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    // Names, values and lines may hold what the student's program sent: shown, not obeyed.
    let safe = |text: &str| lab_core::text::escape_controls(text).into_owned();
    // Labels padded to one width in either language, so the values line up.
    let padded = |labels: &[String]| -> Vec<String> {
        let widest = labels.iter().map(|label| label.width()).max().unwrap_or(0);
        labels
            .iter()
            .map(|label| format!("{label}{}", " ".repeat(widest - label.width())))
            .collect()
    };
    let [pass, fail]: [String; 2] = padded(&[tr!(lang, "check-pass"), tr!(lang, "check-fail")])
        .try_into()
        .unwrap_or_default();
    let [expected_label, got_label, try_label]: [String; 3] = padded(&[
        tr!(lang, "check-expected"),
        tr!(lang, "check-got"),
        tr!(lang, "check-try"),
    ])
    .try_into()
    .unwrap_or_default();
    let indent = " ".repeat(pass.width() + 3);
    let mut out = String::new();
    for Timed { check, .. } in &outcome.checks {
        if check.passed {
            out.push_str(&format!("  {} {}", paint("32", &pass), safe(&check.label)));
            if let Some(note) = &check.note {
                out.push_str(&paint("2", &format!("  ({})", safe(note))));
            }
            out.push('\n');
            continue;
        }
        out.push_str(&format!(
            "  {} {}\n",
            paint("31;1", &fail),
            safe(&check.label)
        ));
        if let Some(expected) = &check.expected {
            out.push_str(&format!("{indent}{expected_label} {}\n", safe(expected)));
        }
        if let Some(got) = &check.got {
            let got = safe(got);
            out.push_str(&format!("{indent}{got_label} {got}\n"));
            if let Some(at) = check.first_difference {
                let before: String = got.chars().take(at).collect();
                let column = indent.width() + got_label.width() + 1 + before.width();
                out.push_str(&format!(
                    "{}{}\n",
                    " ".repeat(column),
                    paint("31", &tr!(lang, "check-first-difference"))
                ));
            }
        }
        if let Some(note) = &check.note {
            out.push_str(&format!(
                "{indent}{} {}\n",
                paint("33", &try_label),
                safe(note)
            ));
        }
    }
    if verbose || !outcome.all_passed() {
        let lines = &outcome.trace;
        let from = if verbose {
            0
        } else {
            lines.len().saturating_sub(TRACE_SHOWN)
        };
        if !lines.is_empty() {
            let older = from + outcome.trace_dropped;
            out.push_str(&format!("\n  {}", tr!(lang, "check-trace-heading")));
            if older > 0 {
                out.push_str(&format!(
                    " ({})",
                    tr!(lang, "check-earlier-lines", count = older)
                ));
            }
            out.push('\n');
            let [checker, stdout, stderr]: [String; 3] = padded(&[
                tr!(lang, "check-from-checker"),
                tr!(lang, "check-from-program"),
                tr!(lang, "check-from-program-err"),
            ])
            .try_into()
            .unwrap_or_default();
            for line in &lines[from..] {
                let who = match line.from {
                    Source::Checker => paint("36", &checker),
                    Source::Stdout => paint("35", &stdout),
                    Source::Stderr => paint("35", &stderr),
                };
                out.push_str(&format!(
                    "  {:>8.3} s  {who} {}\n",
                    line.at.as_secs_f64(),
                    safe(&line.text)
                ));
            }
        }
    }
    let failed = outcome.checks.len() - outcome.passed();
    out.push('\n');
    out.push_str(&tr!(
        lang,
        "check-summary",
        passed = outcome.passed(),
        failed = failed,
        score = outcome.score(),
        max_score = outcome.max_score(),
        seed = outcome.seed.to_string()
    ));
    out.push('\n');
    out
}
