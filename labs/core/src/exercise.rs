//! Exercise checkers: how the workbench grades a student's program by talking to it.
//!
//! A classroom exercise says "write a program that does X". The student may write it in any
//! language, so the checker cannot read their code; it can only do what a real peer would do:
//! publish to it, send it requests, subscribe to it, and read what it prints. Each thing it
//! finds out is one [`Check`]: a pass, or what was expected next to what actually came, like a
//! good test runner.
//!
//! A checker lives in the lab crate of its topic and uses that lab's own machinery (the ZeroMQ
//! checkers publish with the pub/sub lab's publisher, for example). The workbench starts and
//! stops the student's program and hands the checker a [`CheckSetup`]; the checker never waits
//! past [`CheckSetup::deadline`], so a hung student program never hangs the grader.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::CancelToken;

/// Lines kept from a student's program; a program printing in a tight loop must not fill memory.
const MAX_LINES: usize = 20_000;
/// Characters kept per line; a line with no end is cut here.
pub const MAX_LINE_CHARS: usize = 4096;

/// What a checker gets: where to find the student's program, its settings, and how long it has.
pub struct CheckSetup {
    /// Named endpoints from the exercise file, e.g. `publisher = "tcp://127.0.0.1:5563"`.
    pub endpoints: BTreeMap<String, String>,
    /// The exercise's own settings, e.g. `prefix = "From Server1:"`.
    pub settings: BTreeMap<String, String>,
    /// When the checker must have finished.
    pub deadline: Instant,
    /// What the student's program prints, when the workbench started it (`None` when checking a
    /// program that was already running).
    pub program: Option<ProgramOutput>,
    /// Fired when the student presses Ctrl-C or the time limit passes.
    pub cancel: CancelToken,
    /// What the checker's [`Checker::prepare`] set up before the program started.
    pub prepared: Prepared,
    /// Whether the workbench starts the student's program for this check (known before
    /// [`Checker::prepare`], so that a checker can move an old build out of the way first).
    pub starts_program: bool,
}

impl CheckSetup {
    pub fn new(time_limit: Duration) -> CheckSetup {
        CheckSetup {
            endpoints: BTreeMap::new(),
            settings: BTreeMap::new(),
            deadline: Instant::now() + time_limit,
            program: None,
            cancel: CancelToken::default(),
            prepared: Prepared::default(),
            starts_program: false,
        }
    }

    /// A named endpoint; the exercise file is checked when it loads, so a missing one is a bug
    /// in the exercise, reported as such.
    pub fn endpoint(&self, name: &str) -> anyhow::Result<&str> {
        self.endpoints.get(name).map(String::as_str).ok_or_else(|| {
            anyhow::anyhow!("the exercise file names no endpoint '{name}' (a bug in the exercise)")
        })
    }

    /// A named `tcp://` endpoint as the `host:port` a socket connects or binds to.
    pub fn address(&self, name: &str) -> anyhow::Result<&str> {
        let endpoint = self.endpoint(name)?;
        Ok(endpoint.strip_prefix("tcp://").unwrap_or(endpoint))
    }

    pub fn setting<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.settings
            .get(name)
            .map(String::as_str)
            .unwrap_or(default)
    }

    /// Time left before the deadline, never more than `at_most`.
    pub fn time_left(&self, at_most: Duration) -> Duration {
        self.deadline
            .saturating_duration_since(Instant::now())
            .min(at_most)
    }

    /// True when the checker should give up: the deadline passed or the check was cancelled.
    pub fn out_of_time(&self) -> bool {
        self.cancel.is_cancelled() || Instant::now() >= self.deadline
    }

    /// Why the student's program cannot be talked to any more, if it has exited.
    pub fn program_exited(&self) -> Option<String> {
        self.program.as_ref().and_then(ProgramOutput::exited)
    }

    /// Whether the student's program ended with exit code 0 (`None` while it runs).
    pub fn program_succeeded(&self) -> Option<bool> {
        self.program
            .as_ref()
            .and_then(|program| program.state().succeeded)
    }
}

/// The lines a student's program printed on its standard output, filled by the workbench as
/// they arrive and read by the checker.
#[derive(Clone, Default)]
pub struct ProgramOutput {
    inner: Arc<Mutex<OutputState>>,
}

#[derive(Default)]
struct OutputState {
    lines: Vec<String>,
    dropped: u64,
    exited: Option<String>,
    succeeded: Option<bool>,
}

impl ProgramOutput {
    fn state(&self) -> std::sync::MutexGuard<'_, OutputState> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn push_line(&self, line: &str) {
        let mut state = self.state();
        if state.lines.len() >= MAX_LINES {
            state.dropped += 1;
            return;
        }
        let kept = match line.char_indices().nth(MAX_LINE_CHARS) {
            Some((cut, _)) => &line[..cut],
            None => line,
        };
        state.lines.push(kept.to_string());
    }

    /// Records that the program ended, e.g. "exited with code 1", and whether with code 0.
    pub fn set_exited(&self, how: String, succeeded: bool) {
        let mut state = self.state();
        state.exited = Some(how);
        state.succeeded = Some(succeeded);
    }

    pub fn exited(&self) -> Option<String> {
        self.state().exited.clone()
    }

    /// The lines printed so far, from line `from` on.
    pub fn lines_from(&self, from: usize) -> Vec<String> {
        self.state().lines.get(from..).unwrap_or_default().to_vec()
    }

    pub fn line_count(&self) -> usize {
        self.state().lines.len()
    }
}

/// One finding of a checker.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    /// What was checked, as a sentence about the student's program: "answers every request".
    pub name: String,
    pub passed: bool,
    /// On failure: what a correct program would have done.
    pub expected: Option<String>,
    /// On failure: what this program did.
    pub got: Option<String>,
    /// A pass's evidence ("100 of 100 replies") or a failure's likely cause and what to try.
    pub note: Option<String>,
}

impl Check {
    pub fn pass(name: impl Into<String>, evidence: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            passed: true,
            expected: None,
            got: None,
            note: Some(evidence.into()),
        }
    }

    pub fn fail(
        name: impl Into<String>,
        expected: impl Into<String>,
        got: impl Into<String>,
    ) -> Check {
        Check {
            name: name.into(),
            passed: false,
            expected: Some(expected.into()),
            got: Some(got.into()),
            note: None,
        }
    }

    /// Adds the likely cause and what to try, to a failure.
    pub fn because(mut self, note: impl Into<String>) -> Check {
        self.note = Some(note.into());
        self
    }
}

/// A grader for one kind of exercise, registered under an id that exercise files name.
pub trait Checker: Send + Sync + 'static {
    /// The id an `exercise.toml` names in `checker = "..."`.
    fn id(&self) -> &'static str;

    /// The endpoints (by name) the exercise file must give, checked when it loads.
    fn endpoints(&self) -> &'static [&'static str];

    /// Talks to the student's program and reports what it found. Never waits past
    /// `setup.deadline`; an error means the checker itself could not run (a port of its own in
    /// use, say) and is shown to the student as one line.
    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>>;

    /// Runs before the student's program starts. A checker that plays the server listens here,
    /// so that a client program finds it already listening; what it returns reaches `check`
    /// as `setup.prepared`.
    fn prepare(&self, _setup: &CheckSetup) -> anyhow::Result<Prepared> {
        Ok(Prepared::default())
    }
}

/// What a checker set up in [`Checker::prepare`], kept for its `check`.
#[derive(Default)]
pub struct Prepared(Mutex<Option<Box<dyn std::any::Any + Send>>>);

impl Prepared {
    pub fn new(value: impl std::any::Any + Send) -> Prepared {
        Prepared(Mutex::new(Some(Box::new(value))))
    }

    /// Takes the value out, if it is a `T` and still there.
    pub fn take<T: 'static>(&self) -> Option<T> {
        let mut slot = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let value = slot.take()?;
        match value.downcast::<T>() {
            Ok(value) => Some(*value),
            Err(other) => {
                *slot = Some(other);
                None
            }
        }
    }
}

/// Shows a student's text the way a test runner would: quoted, control characters escaped, long
/// text cut with its length.
pub fn quote(bytes: &[u8]) -> String {
    const SHOWN: usize = 120;
    let text = String::from_utf8_lossy(bytes);
    let mut shown: String = text
        .chars()
        .take(SHOWN)
        .collect::<String>()
        .escape_debug()
        .to_string();
    if text.chars().count() > SHOWN {
        shown.push_str(&format!("… ({} bytes)", bytes.len()));
    }
    format!("\"{shown}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_bounded_in_lines_and_line_length() {
        let output = ProgramOutput::default();
        output.push_line(&"x".repeat(MAX_LINE_CHARS * 2));
        assert_eq!(output.lines_from(0)[0].chars().count(), MAX_LINE_CHARS);
        for _ in 0..MAX_LINES + 10 {
            output.push_line("again");
        }
        assert_eq!(output.line_count(), MAX_LINES);
        assert_eq!(output.lines_from(MAX_LINES - 1), ["again"]);
        assert!(output.lines_from(MAX_LINES + 5).is_empty());
    }

    #[test]
    fn multibyte_lines_are_cut_on_a_character_boundary() {
        let output = ProgramOutput::default();
        output.push_line(&"你".repeat(MAX_LINE_CHARS + 1));
        assert_eq!(output.lines_from(0)[0].chars().count(), MAX_LINE_CHARS);
    }

    #[test]
    fn quoting_escapes_and_shortens() {
        assert_eq!(quote(b"a\nb"), "\"a\\nb\"");
        let long = quote(&[b'x'; 500]);
        assert!(long.ends_with("… (500 bytes)\""), "{long}");
        assert_eq!(quote(&[0xff, b'a']), "\"\u{fffd}a\"");
    }

    #[test]
    fn time_left_is_capped_and_reaches_zero() {
        let setup = CheckSetup::new(Duration::from_secs(60));
        assert_eq!(
            setup.time_left(Duration::from_secs(1)),
            Duration::from_secs(1)
        );
        let expired = CheckSetup::new(Duration::ZERO);
        assert_eq!(expired.time_left(Duration::from_secs(1)), Duration::ZERO);
        assert!(expired.out_of_time());
    }
}
