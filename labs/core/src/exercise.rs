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
//!
//! Three things keep a grade honest:
//! - **Seeded probes.** A checker draws what it sends (counts, payloads, delays, ids) from
//!   [`CheckSetup::probes`], a generator seeded per run: a program cannot be written against
//!   fixed probes, and `--seed N` replays a run exactly.
//! - **Evidence from the checker's side.** A checker confirms that a behaviour happened where it
//!   can see it (requests it received, an exit after the moment it said stop), not only from
//!   what the program prints.
//! - **A trace.** The checker notes its steps in [`CheckSetup::trace`], and the program's output
//!   lands there too, in time order: a failure report shows both, each line marked by who said it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::SeedableRng as _;
use serde::Serialize;

use crate::CancelToken;

pub use rand::Rng;
pub use rand::seq::{IndexedRandom, SliceRandom};

/// A checker's generator of probe values: the same seed and purpose give the same values.
pub type Probes = rand_chacha::ChaCha8Rng;

/// Lines kept in a trace; the oldest go first.
const TRACE_LINES: usize = 4000;

/// Lines kept from a student's program; a program printing in a tight loop must not fill memory.
const MAX_LINES: usize = 20_000;
/// Characters kept per line; a line with no end is cut here.
pub const MAX_LINE_CHARS: usize = 4096;

/// What a checker gets: where to find the student's program, its settings, and how long it has.
pub struct CheckSetup {
    /// Named endpoints from the exercise file, e.g. `publisher = "tcp://127.0.0.1:5563"`.
    pub endpoints: BTreeMap<String, String>,
    /// The exercise's starter files as shipped, by name (`tool.phar`): the originals, which the
    /// student's own copies may no longer be.
    pub starters: std::sync::Arc<BTreeMap<String, Vec<u8>>>,
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
    /// This run's seed: every probe value is drawn from it (see [`CheckSetup::probes`]).
    pub seed: u64,
    /// Which of the checker's [`Checker::rounds`] this is, from 0: the program is started
    /// afresh for each.
    pub round: usize,
    /// The checker's steps and the program's output, in time order.
    pub trace: Trace,
    /// The language of the person reading the report: checks are named and explained in it.
    pub lang: lab_i18n::Lang,
}

impl CheckSetup {
    pub fn new(time_limit: Duration) -> CheckSetup {
        CheckSetup {
            endpoints: BTreeMap::new(),
            starters: Default::default(),
            settings: BTreeMap::new(),
            deadline: Instant::now() + time_limit,
            program: None,
            cancel: CancelToken::default(),
            prepared: Prepared::default(),
            starts_program: false,
            seed: 0,
            round: 0,
            trace: Trace::default(),
            lang: lab_i18n::Lang::En,
        }
    }

    /// A generator for one part of a check, seeded from the run's seed and the part's name:
    /// parts draw independently, so adding a draw to one never changes another's values.
    pub fn probes(&self, purpose: &str) -> Probes {
        // FNV-1a: a fixed, documented hash, so a seed means the same probes on every machine.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in purpose.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        Probes::seed_from_u64(self.seed ^ hash)
    }

    /// Notes one of the checker's steps in the trace ("sent \"ping\\n\" as client-3").
    pub fn note(&self, step: impl Into<String>) {
        self.trace.push(Source::Checker, step.into());
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

    /// Where the task file is: as the exercise names it, in the folder the check runs in.
    pub fn task_file_path(&self, file: TaskFile) -> std::path::PathBuf {
        std::path::PathBuf::from(self.setting(file.setting, file.default))
    }

    /// Reads the task file, or fails the check "<file> is there" saying where it looked.
    /// `what` says what the file holds ("the SQL of one purchase").
    pub fn read_task_file(&self, file: TaskFile, what: &str) -> Result<String, Box<Check>> {
        let path = self.task_file_path(file);
        std::fs::read_to_string(&path)
            .map_err(|error| Box::new(missing_task_file(self.lang, &path, what, &error)))
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

    /// The sockets the student's program (and what it started) holds open, where the system
    /// can tell (Linux's `/proc`).
    pub fn program_sockets(&self) -> Option<usize> {
        let processes = self.program.as_ref()?.processes();
        crate::processes::open_sockets(&processes)
    }

    /// Whether the student's program ended with exit code 0 (`None` while it runs).
    pub fn program_succeeded(&self) -> Option<bool> {
        self.program
            .as_ref()
            .and_then(|program| program.state().succeeded)
    }
}

/// The lines a student's program printed, on its standard output or its standard error (a
/// task says what to print, not where), filled by the workbench as they arrive and read by the
/// checker.
#[derive(Clone, Default)]
pub struct ProgramOutput {
    inner: Arc<Mutex<OutputState>>,
    trace: Trace,
}

#[derive(Default)]
struct OutputState {
    lines: Vec<String>,
    dropped: u64,
    exited: Option<String>,
    succeeded: Option<bool>,
    pid: Option<i32>,
}

impl ProgramOutput {
    fn state(&self) -> std::sync::MutexGuard<'_, OutputState> {
        crate::lock(&self.inner)
    }

    /// Output whose lines also go into `trace`, marked as the program's.
    pub fn with_trace(trace: Trace) -> ProgramOutput {
        ProgramOutput {
            inner: Arc::default(),
            trace,
        }
    }

    /// A line the program printed on its standard output.
    pub fn push_line(&self, line: &str) {
        self.push(Source::Stdout, line);
    }

    /// A line the program wrote to its standard error.
    pub fn push_error_line(&self, line: &str) {
        self.push(Source::Stderr, line);
    }

    fn push(&self, source: Source, line: &str) {
        let kept = match line.char_indices().nth(MAX_LINE_CHARS) {
            Some((cut, _)) => &line[..cut],
            None => line,
        };
        {
            let mut state = self.state();
            if state.lines.len() >= MAX_LINES {
                state.dropped += 1;
                return;
            }
            state.lines.push(kept.to_string());
        }
        self.trace.push(source, kept.to_string());
    }

    /// Records the program's process id, once it started.
    pub fn set_pid(&self, pid: i32) {
        self.state().pid = Some(pid);
    }

    /// The program's process and everything it started that is still its descendant.
    pub fn processes(&self) -> Vec<i32> {
        let Some(pid) = self.state().pid else {
            return Vec::new();
        };
        let mut all = vec![pid];
        all.extend(crate::processes::descendants(pid));
        all
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

/// A check's name: in English, which is its id (in JSON, and where an exercise's hints and
/// points refer to it), and in the language of the person reading the report.
#[derive(Clone, Debug)]
pub struct CheckName {
    pub english: String,
    pub shown: String,
}

impl CheckName {
    /// One message in English and in `lang`: `CheckName::new(lang, |lang| tr!(lang, "…"))`.
    pub fn new(lang: lab_i18n::Lang, message: impl Fn(lab_i18n::Lang) -> String) -> CheckName {
        CheckName {
            english: message(lab_i18n::Lang::En),
            shown: message(lang),
        }
    }
}

/// A name written in English only, shown as it is in every language.
impl From<String> for CheckName {
    fn from(english: String) -> CheckName {
        CheckName {
            shown: english.clone(),
            english,
        }
    }
}

impl From<&String> for CheckName {
    fn from(english: &String) -> CheckName {
        CheckName::from(english.clone())
    }
}

impl From<&str> for CheckName {
    fn from(english: &str) -> CheckName {
        CheckName::from(english.to_string())
    }
}

impl From<&CheckName> for CheckName {
    fn from(name: &CheckName) -> CheckName {
        name.clone()
    }
}

/// One finding of a checker.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// What was checked, as a sentence about the student's program in English: "answers every
    /// request". It is the check's id: hints and points name it, and it never changes with the
    /// language.
    pub name: String,
    /// The same in the reader's language, as the report shows it.
    pub label: String,
    pub passed: bool,
    /// On failure: what a correct program would have done.
    pub expected: Option<String>,
    /// On failure: what this program did.
    pub got: Option<String>,
    /// A pass's evidence ("100 of 100 replies") or a failure's likely cause and what to try.
    pub note: Option<String>,
    /// Where `got` first differs from `expected`, in characters, when both are quoted bytes:
    /// the report puts a caret under it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_difference: Option<usize>,
    /// When it was found, for the time each check took.
    #[serde(skip)]
    pub found_at: Instant,
}

impl Check {
    pub fn pass(name: impl Into<CheckName>, evidence: impl Into<String>) -> Check {
        let name = name.into();
        Check {
            name: name.english,
            label: name.shown,
            passed: true,
            expected: None,
            got: None,
            note: Some(evidence.into()),
            first_difference: None,
            found_at: Instant::now(),
        }
    }

    pub fn fail(
        name: impl Into<CheckName>,
        expected: impl Into<String>,
        got: impl Into<String>,
    ) -> Check {
        let name = name.into();
        Check {
            name: name.english,
            label: name.shown,
            passed: false,
            expected: Some(expected.into()),
            got: Some(got.into()),
            note: None,
            first_difference: None,
            found_at: Instant::now(),
        }
    }

    /// A failure where bytes came that differ from the bytes expected: both shown quoted, and
    /// the first byte that differs marked.
    pub fn differs(name: impl Into<CheckName>, expected: &[u8], got: &[u8]) -> Check {
        let (expected_text, got_text) = (quote(expected), quote(got));
        let at = expected_text
            .chars()
            .zip(got_text.chars())
            .position(|(one, other)| one != other)
            .unwrap_or_else(|| expected_text.chars().count().min(got_text.chars().count()));
        let mut check = Check::fail(name, expected_text, got_text);
        check.first_difference = Some(at);
        check
    }

    /// Shows `got` in place of the bytes that came (the caret stays where they differed):
    /// for when more than the bytes is worth saying ("…; it said: …").
    pub fn got_instead(mut self, got: impl Into<String>) -> Check {
        self.got = Some(got.into());
        self
    }

    /// Adds the likely cause and what to try, to a failure.
    pub fn because(mut self, note: impl Into<String>) -> Check {
        self.note = Some(note.into());
        self
    }
}

/// How a program ended, as [`ProgramOutput::exited`] says it ("exited with code 1", "was
/// killed by signal 9", "was stopped", "ended"; English, which checkers compare), in `lang`
/// for a message.
pub fn ended_in(lang: lab_i18n::Lang, how: &str) -> String {
    use lab_i18n::tr;
    if let Some(code) = how.strip_prefix("exited with code ") {
        return tr!(lang, "program-exited-with-code", code = code);
    }
    if let Some(signal) = how.strip_prefix("was killed by signal ") {
        return tr!(lang, "program-killed-by-signal", signal = signal);
    }
    match how {
        "was stopped" => tr!(lang, "program-was-stopped"),
        "ended" => tr!(lang, "program-ended"),
        other => other.to_string(),
    }
}

/// A file in the student's folder that a checker reads instead of talking to a program: the
/// exercise setting that names it, and its name when the setting is absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskFile {
    pub setting: &'static str,
    pub default: &'static str,
}

/// The failed check of a task file that cannot be read, naming the place it was looked for.
pub fn missing_task_file(
    lang: lab_i18n::Lang,
    path: &std::path::Path,
    what: &str,
    error: &std::io::Error,
) -> Check {
    use lab_i18n::tr;
    let looked = std::env::current_dir()
        .map(|folder| folder.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    let file = path.display().to_string();
    Check::fail(
        CheckName::new(lang, |lang| {
            tr!(lang, "task-file-is-there", file = file.as_str())
        }),
        tr!(lang, "task-file-expected", what = what),
        tr!(
            lang,
            "task-file-cannot-read",
            path = looked.display().to_string(),
            error = error.to_string()
        ),
    )
    .because(tr!(lang, "task-file-try"))
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

    /// How many times the program is run for one check, each run a round of its own with
    /// `setup.round` telling which (a client checked against an answering server, then a
    /// silent one, say). One by default.
    fn rounds(&self) -> usize {
        1
    }

    /// Runs before the student's program starts. A checker that plays the server listens here,
    /// so that a client program finds it already listening; what it returns reaches `check`
    /// as `setup.prepared`.
    fn prepare(&self, _setup: &CheckSetup) -> anyhow::Result<Prepared> {
        Ok(Prepared::default())
    }

    /// The file the checker reads from the student's folder, for a checker that grades a file
    /// and starts no program (the SQL of a purchase, a suite); `None` for one that talks to
    /// the student's program. The workbench refuses a command for such an exercise: it would
    /// start a program nobody talks to.
    fn task_file(&self) -> Option<TaskFile> {
        None
    }
}

/// Who wrote a line of the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Checker,
    Stdout,
    Stderr,
}

/// One line of a trace, with its time since the trace began.
#[derive(Clone, Debug, Serialize)]
pub struct TraceLine {
    #[serde(rename = "at_ms", serialize_with = "milliseconds")]
    pub at: Duration,
    pub from: Source,
    pub text: String,
}

fn milliseconds<S: serde::Serializer>(at: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(at.as_millis() as u64)
}

/// The checker's steps and the program's lines, in the order they happened (bounded: the
/// oldest lines go first, and how many went is kept).
#[derive(Clone)]
pub struct Trace {
    inner: Arc<Mutex<TraceState>>,
}

struct TraceState {
    started: Instant,
    lines: std::collections::VecDeque<TraceLine>,
    dropped: usize,
}

impl Default for Trace {
    fn default() -> Trace {
        Trace {
            inner: Arc::new(Mutex::new(TraceState {
                started: Instant::now(),
                lines: std::collections::VecDeque::new(),
                dropped: 0,
            })),
        }
    }
}

impl Trace {
    fn state(&self) -> std::sync::MutexGuard<'_, TraceState> {
        crate::lock(&self.inner)
    }

    pub fn push(&self, from: Source, text: String) {
        let mut state = self.state();
        let at = state.started.elapsed();
        if state.lines.len() == TRACE_LINES {
            state.lines.pop_front();
            state.dropped += 1;
        }
        state.lines.push_back(TraceLine { at, from, text });
    }

    /// Every line kept, and how many older ones were let go.
    pub fn lines(&self) -> (Vec<TraceLine>, usize) {
        let state = self.state();
        (state.lines.iter().cloned().collect(), state.dropped)
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
        let mut slot = crate::lock(&self.0);
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

/// A short text drawn from `probes`, the kind a checker sends: a few words (now and then a
/// Chinese one, or digits), with spaces or a tab at its edges about half the time, so that a
/// program that trims or expects fixed words gives itself away. Never holds a newline.
pub fn probe_text(probes: &mut Probes) -> String {
    const WORDS: [&str; 16] = [
        "ping", "hello", "socket", "buffer", "select", "epoll", "queue", "stock", "order", "line",
        "你好", "队列", "half", "echo", "retry", "tcp",
    ];
    const EDGES: [&str; 4] = [" ", "  ", "\t", " \t "];
    let mut text = String::new();
    if probes.random_bool(0.5) {
        text.push_str(EDGES.choose(probes).copied().unwrap_or(" "));
    }
    for word in 0..probes.random_range(1..=4) {
        if word > 0 {
            text.push(' ');
        }
        if probes.random_bool(0.2) {
            text.push_str(&probes.random_range(0..100_000u32).to_string());
        } else {
            text.push_str(WORDS.choose(probes).copied().unwrap_or("ping"));
        }
    }
    if probes.random_bool(0.5) {
        text.push_str(EDGES.choose(probes).copied().unwrap_or(" "));
    }
    text
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
    fn probes_replay_from_the_seed_and_differ_by_purpose() {
        use rand::Rng as _;
        let mut setup = CheckSetup::new(Duration::from_secs(1));
        setup.seed = 42;
        let draw = |setup: &CheckSetup, purpose: &str| -> Vec<u32> {
            let mut probes = setup.probes(purpose);
            (0..8).map(|_| probes.random()).collect()
        };
        assert_eq!(draw(&setup, "crowd"), draw(&setup, "crowd"));
        assert_ne!(draw(&setup, "crowd"), draw(&setup, "payloads"));
        let first = draw(&setup, "crowd");
        setup.seed = 43;
        assert_ne!(draw(&setup, "crowd"), first);
    }

    #[test]
    fn probe_texts_vary_have_no_newline_and_sometimes_edges() {
        let mut setup = CheckSetup::new(Duration::from_secs(1));
        setup.seed = 9;
        let mut probes = setup.probes("texts");
        let texts: Vec<String> = (0..200).map(|_| probe_text(&mut probes)).collect();
        assert!(
            texts
                .iter()
                .all(|text| !text.contains('\n') && !text.trim().is_empty())
        );
        assert!(texts.iter().any(|text| text.starts_with([' ', '\t'])));
        assert!(texts.iter().any(|text| text.ends_with([' ', '\t'])));
        assert!(texts.iter().any(|text| !text.is_ascii()));
        let distinct: std::collections::BTreeSet<&String> = texts.iter().collect();
        assert!(distinct.len() > 100, "{}", distinct.len());
    }

    #[test]
    fn the_trace_interleaves_checker_and_program_in_order_and_is_bounded() {
        let setup = CheckSetup::new(Duration::from_secs(1));
        let output = ProgramOutput::with_trace(setup.trace.clone());
        setup.note("sent ping");
        output.push_line("pong");
        output.push_error_line("warning");
        let (lines, dropped) = setup.trace.lines();
        let order: Vec<(Source, &str)> = lines
            .iter()
            .map(|line| (line.from, line.text.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                (Source::Checker, "sent ping"),
                (Source::Stdout, "pong"),
                (Source::Stderr, "warning")
            ]
        );
        assert_eq!(dropped, 0);
        assert_eq!(output.lines_from(0), ["pong", "warning"]);
        for _ in 0..TRACE_LINES {
            setup.note("again");
        }
        let (lines, dropped) = setup.trace.lines();
        assert_eq!((lines.len(), dropped), (TRACE_LINES, 3));
    }

    #[test]
    fn a_difference_is_marked_at_its_first_character() {
        let check = Check::differs("echoes", b"hello\n", b"hellO\n");
        assert_eq!(check.expected.as_deref(), Some("\"hello\\n\""));
        assert_eq!(check.first_difference, Some(5));
        let shorter = Check::differs("echoes", b"ab\n", b"ab");
        // "ab\n" against "ab": they part where the \n starts.
        assert_eq!(shorter.first_difference, Some(3));
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
