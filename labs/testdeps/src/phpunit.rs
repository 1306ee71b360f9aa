//! A student's real PHPUnit suite, its dependency graph read from the tests themselves.
//!
//! PHPUnit decides everything here: which tests exist (data sets included), their order, and
//! that a test whose `@depends` did not pass is skipped. The workbench only watches:
//!
//! 1. **the graph**: PHPUnit lists the tests (`--list-tests-xml`) with a small PHP helper as
//!    its bootstrap (`php/depends.php`), which loads the suite's own bootstrap first and, once
//!    the list is written, reads each test's `@depends` by Reflection (and `#[Depends]`
//!    attributes on PHPUnit 10 and later, where they count);
//! 2. **live**: PHPUnit runs with `--log-teamcity`, a file read as it grows, so each test is
//!    seen starting and ending;
//! 3. **the outcomes**: at the end, PHPUnit's `--log-junit` report, test by test: what the
//!    dashboard ends with is what PHPUnit logged.

use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::assert::Outcome;

/// The PHP helper PHPUnit runs as its bootstrap to list each test's dependencies.
const DEPENDS_HELPER: &str = include_str!("../php/depends.php");

/// Output kept of a PHPUnit run, at most.
const MOST_OUTPUT: usize = 1024 * 1024;

/// The longest a whole PHPUnit run may take before it is stopped.
pub const RUN_LIMIT: Duration = Duration::from_secs(300);

/// How to install PHPUnit, said wherever it is missing.
const INSTALL: &str = "install it (Debian: apt install phpunit; a project: composer require --dev phpunit/phpunit; or download phpunit.phar and pass --phpunit-bin phpunit.phar)";

/// What to run PHPUnit on: the folder it runs in, and its configuration or tests folder.
#[derive(Clone, Debug)]
pub struct Target {
    pub folder: PathBuf,
    /// A `phpunit.xml` or `phpunit.xml.dist`, when there is one.
    pub config: Option<PathBuf>,
}

impl Target {
    /// `path` is a `phpunit.xml(.dist)`, a folder holding one, or a folder of `*Test.php`.
    pub fn of(path: &Path) -> Result<Target, String> {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        if absolute.is_file() {
            let folder = absolute
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            return Ok(Target {
                folder,
                config: Some(absolute),
            });
        }
        if !absolute.is_dir() {
            return Err(format!(
                "no PHPUnit suite at {}: give a folder of *Test.php files, or a phpunit.xml or phpunit.xml.dist",
                path.display()
            ));
        }
        let config = ["phpunit.xml", "phpunit.xml.dist"]
            .iter()
            .map(|name| absolute.join(name))
            .find(|candidate| candidate.is_file());
        Ok(Target {
            folder: absolute,
            config,
        })
    }

    /// PHPUnit's arguments naming what to run.
    fn arguments(&self) -> Vec<OsString> {
        match &self.config {
            Some(config) => vec!["--configuration".into(), config.into()],
            None => vec!["--no-configuration".into(), self.folder.clone().into()],
        }
    }
}

/// The PHPUnit to run: a program, or `php` with a `phpunit.phar`.
#[derive(Clone, Debug)]
pub struct Phpunit {
    program: PathBuf,
    before: Vec<OsString>,
    /// Variables PHPUnit (and so the tests) gets on top of ours.
    environment: Vec<(OsString, OsString)>,
}

impl Phpunit {
    /// `--phpunit-bin` when given, else `vendor/bin/phpunit` in the suite's folder or above it,
    /// else `phpunit` on PATH.
    pub fn find(bin: Option<&Path>, target: &Target) -> Result<Phpunit, String> {
        if let Some(bin) = bin.filter(|bin| !bin.as_os_str().is_empty()) {
            if !bin.is_file() {
                return Err(format!(
                    "--phpunit-bin {}: no such file; {INSTALL}",
                    bin.display()
                ));
            }
            return Ok(if bin.extension().is_some_and(|ext| ext == "phar") {
                Phpunit {
                    program: "php".into(),
                    before: vec![bin.into()],
                    environment: Vec::new(),
                }
            } else {
                Phpunit {
                    program: bin.to_path_buf(),
                    before: Vec::new(),
                    environment: Vec::new(),
                }
            });
        }
        let vendored = target
            .folder
            .ancestors()
            .map(|folder| folder.join("vendor/bin/phpunit"))
            .find(|candidate| candidate.is_file());
        let on_path = || {
            std::env::var_os("PATH").and_then(|path| {
                std::env::split_paths(&path)
                    .map(|folder| folder.join("phpunit"))
                    .find(|candidate| candidate.is_file())
            })
        };
        match vendored.or_else(on_path) {
            Some(program) => Ok(Phpunit {
                program,
                before: Vec::new(),
                environment: Vec::new(),
            }),
            None => Err(format!(
                "PHPUnit not found: no vendor/bin/phpunit in {} or above it and no phpunit on PATH; {INSTALL}",
                target.folder.display()
            )),
        }
    }

    /// The same PHPUnit, its tests seeing `name=value` in their environment (`getenv`).
    pub fn with_variable(mut self, name: &str, value: &str) -> Phpunit {
        self.environment.push((name.into(), value.into()));
        self
    }

    fn command(&self, target: &Target) -> Command {
        let mut command = Command::new(&self.program);
        command
            .args(&self.before)
            .envs(self.environment.iter().map(|(name, value)| (name, value)))
            .current_dir(&target.folder)
            .stdin(Stdio::null())
            .process_group(0);
        command
    }

    /// What this is, for messages: `phpunit` or `php phpunit.phar`.
    pub fn describe(&self) -> String {
        std::iter::once(self.program.as_os_str())
            .chain(self.before.iter().map(OsString::as_os_str))
            .map(|part| part.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One test as PHPUnit lists it: a data set of a test method is a test of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhpTest {
    pub class: String,
    /// The name PHPUnit reports: `testAdd`, `testAdd with data set #0`.
    pub name: String,
    pub method: String,
    /// The tests this one depends on, by index.
    pub depends: Vec<usize>,
}

impl PhpTest {
    /// `Class::name`, as PHPUnit writes it in its messages.
    pub fn id(&self) -> String {
        format!("{}::{}", self.class, self.name)
    }
}

/// The suite as PHPUnit listed it.
#[derive(Clone, Debug)]
pub struct Listed {
    pub version: String,
    pub tests: Vec<PhpTest>,
}

#[derive(serde::Deserialize)]
struct HelperOutput {
    phpunit: String,
    tests: Vec<HelperTest>,
}

#[derive(serde::Deserialize)]
struct HelperTest {
    class: String,
    method: String,
    data_set: Option<String>,
    depends: Vec<String>,
}

/// Asks PHPUnit for the suite's tests and reads their dependencies.
pub fn list(phpunit: &Phpunit, target: &Target) -> Result<Listed, String> {
    let scratch = scratch()?;
    let helper = scratch.path().join("depends.php");
    let (list, out) = (
        scratch.path().join("tests.xml"),
        scratch.path().join("depends.json"),
    );
    std::fs::write(&helper, DEPENDS_HELPER)
        .map_err(|problem| format!("cannot write {}: {problem}", helper.display()))?;
    let mut command = phpunit.command(target);
    command
        .args(target.arguments())
        .arg("--bootstrap")
        .arg(&helper)
        .arg("--list-tests-xml")
        .arg(&list)
        .env(
            "WORKBENCH_PHPUNIT_CONFIG",
            target.config.as_deref().unwrap_or(Path::new("")),
        )
        .env("WORKBENCH_TEST_LIST", &list)
        .env("WORKBENCH_DEPENDS_OUT", &out);
    let ran = run_quietly(command, phpunit)?;
    let text = std::fs::read_to_string(&out).map_err(|_| {
        format!(
            "{} could not list the tests of {}: {}",
            phpunit.describe(),
            target.folder.display(),
            last_line(&ran)
        )
    })?;
    let output: HelperOutput = serde_json::from_str(&text)
        .map_err(|problem| format!("the test list PHPUnit gave is not readable: {problem}"))?;
    let mut tests: Vec<PhpTest> = output
        .tests
        .iter()
        .map(|test| PhpTest {
            class: test.class.clone(),
            name: match &test.data_set {
                Some(set) => format!("{} with data set {set}", test.method),
                None => test.method.clone(),
            },
            method: test.method.clone(),
            depends: Vec::new(),
        })
        .collect();
    for (index, test) in output.tests.iter().enumerate() {
        let mut depends: Vec<usize> = test
            .depends
            .iter()
            .flat_map(|named| {
                let (class, method) = named.rsplit_once("::").unwrap_or(("", named));
                tests
                    .iter()
                    .enumerate()
                    .filter(move |(_, other)| {
                        other.class == class && (method == "class" || other.method == method)
                    })
                    .map(|(other, _)| other)
            })
            .filter(|other| *other != index)
            .collect();
        depends.dedup();
        tests[index].depends = depends;
    }
    if tests.is_empty() {
        return Err(format!(
            "PHPUnit found no tests in {}: test classes end in Test.php and extend PHPUnit\\Framework\\TestCase",
            target.folder.display()
        ));
    }
    Ok(Listed {
        version: output.phpunit,
        tests,
    })
}

/// What PHPUnit says while it runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Live {
    Started(usize),
    /// A test ended: passed, failed (a failure or an error, the JUnit report tells which) or
    /// skipped, with PHPUnit's message.
    Ended {
        index: usize,
        state: &'static str,
        message: String,
    },
    /// PHPUnit's own output so far: its progress line (`.ES.F`) as it grows, then its summary.
    Progress(String),
}

/// What PHPUnit's JUnit report says of one test.
#[derive(Clone, Debug)]
pub struct Logged {
    pub outcome: Outcome,
    pub seconds: f64,
    /// The assertions it made (PHPUnit counts each `assert*` call).
    pub assertions: u64,
}

/// How a PHPUnit run ended.
#[derive(Clone, Debug)]
pub struct Finished {
    /// Each listed test as PHPUnit's JUnit report gives it (None: not in it).
    pub outcomes: Vec<Option<Logged>>,
    pub assertions: u64,
    /// PHPUnit's exit code (None: it was stopped).
    pub exit: Option<i32>,
    /// Everything PHPUnit printed.
    pub output: String,
    /// Its progress line (`.ES.F.S    7 / 7 (100%)`) and its summary (`OK (3 tests, 5
    /// assertions)`, `ERRORS!` and the counts).
    pub progress: String,
    pub summary: String,
}

/// Runs the suite with PHPUnit, telling `on` what happens as it happens, until it ends,
/// `stop()` says so or `RUN_LIMIT` passes.
pub fn run(
    phpunit: &Phpunit,
    target: &Target,
    listed: &Listed,
    stop: &dyn Fn() -> bool,
    on: &mut dyn FnMut(Live),
) -> Result<Finished, String> {
    let scratch = scratch()?;
    let (teamcity, junit) = (
        scratch.path().join("teamcity.log"),
        scratch.path().join("junit.xml"),
    );
    let marker = lab_core::processes::Marker::new();
    let mut command = phpunit.command(target);
    command
        .args(target.arguments())
        .arg("--colors=never")
        .arg("--log-teamcity")
        .arg(&teamcity)
        .arg("--log-junit")
        .arg(&junit)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    marker.apply(&mut command);
    let mut child = command
        .spawn()
        .map_err(|problem| format!("cannot start {}: {problem}; {INSTALL}", phpunit.describe()))?;
    let group = child.id() as i32;
    let (chunks, printed) = std::sync::mpsc::channel::<Vec<u8>>();
    let mut readers = Vec::new();
    for pipe in [
        child
            .stdout
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let chunks = chunks.clone();
        readers.push(std::thread::spawn(move || pump(pipe, &chunks)));
    }
    drop(chunks);
    let mut log = TeamcityReader::default();
    let mut output = Vec::new();
    let mut shown = String::new();
    let deadline = Instant::now() + RUN_LIMIT;
    let status = loop {
        while let Ok(chunk) = printed.try_recv() {
            if output.len() < MOST_OUTPUT {
                output.extend_from_slice(&chunk);
            }
        }
        let now = progress_of(&String::from_utf8_lossy(&output));
        if now != shown {
            shown = now;
            on(Live::Progress(shown.clone()));
        }
        for live in log.read_new(&teamcity, &listed.tests) {
            on(live);
        }
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if stop() || Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break None,
        }
    };
    marker.end_group(group);
    let _ = child.wait();
    for reader in readers {
        let _ = reader.join();
    }
    while let Ok(chunk) = printed.try_recv() {
        if output.len() < MOST_OUTPUT {
            output.extend_from_slice(&chunk);
        }
    }
    for live in log.read_new(&teamcity, &listed.tests) {
        on(live);
    }
    let output = String::from_utf8_lossy(&output).into_owned();
    let progress = progress_of(&output);
    on(Live::Progress(format!(
        "{progress}\n{}",
        summary_of(&output)
    )));
    let mut outcomes = vec![None; listed.tests.len()];
    let mut assertions = 0;
    if let Ok(text) = std::fs::read_to_string(&junit) {
        let cases = crate::junit::read_cases(&text)
            .map_err(|problem| format!("PHPUnit's JUnit report: {problem}"))?;
        for case in cases {
            assertions += case.assertions;
            let found = listed
                .tests
                .iter()
                .position(|test| test.class == case.class && test.name == case.test);
            if let Some(index) = found {
                let outcome = match case.outcome {
                    "passed" => Outcome::Passed,
                    "failed" => Outcome::Failed {
                        message: case.message,
                        expected: String::new(),
                        actual: String::new(),
                    },
                    "error" => Outcome::Error {
                        message: case.message,
                    },
                    _ => Outcome::Skipped {
                        reason: log.reasons.get(&index).cloned().unwrap_or(case.message),
                    },
                };
                outcomes[index] = Some(Logged {
                    outcome,
                    seconds: case.seconds,
                    assertions: case.assertions,
                });
            }
        }
    }
    Ok(Finished {
        outcomes,
        assertions,
        exit: status.and_then(|status| status.code()),
        summary: summary_of(&output),
        progress,
        output,
    })
}

fn scratch() -> Result<tempfile::TempDir, String> {
    tempfile::Builder::new()
        .prefix("workbench-phpunit-")
        .tempdir()
        .map_err(|problem| format!("cannot make a temporary folder: {problem}"))
}

/// Runs a short PHPUnit command to its end (within a minute), returning what it printed.
fn run_quietly(mut command: Command, phpunit: &Phpunit) -> Result<String, String> {
    let marker = lab_core::processes::Marker::new();
    marker.apply(&mut command);
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|problem| format!("cannot start {}: {problem}; {INSTALL}", phpunit.describe()))?;
    let group = child.id() as i32;
    let [stdout, stderr] = lab_core::processes::Drain::outputs(&mut child, MOST_OUTPUT);
    let deadline = Instant::now() + Duration::from_secs(60);
    while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    marker.end_group(group);
    let _ = child.wait();
    let mut printed = String::new();
    for drained in [stdout, stderr].into_iter().flatten() {
        printed.push_str(&String::from_utf8_lossy(
            &drained.finish(Duration::from_secs(1)),
        ));
    }
    Ok(printed)
}

fn pump(mut pipe: Box<dyn Read + Send>, chunks: &std::sync::mpsc::Sender<Vec<u8>>) {
    let mut buffer = [0u8; 4096];
    while let Ok(read) = pipe.read(&mut buffer) {
        if read == 0 || chunks.send(buffer[..read].to_vec()).is_err() {
            return;
        }
    }
}

fn last_line(printed: &str) -> String {
    printed
        .lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty())
        .unwrap_or("it printed nothing")
        .to_string()
}

/// PHPUnit's progress line: the one of `.FESIRW` characters, with its `n / m (p%)` when
/// printed (the last such line: PHPUnit wraps long runs).
pub fn progress_of(output: &str) -> String {
    output
        .lines()
        .map(str::trim_end)
        .rfind(|line| {
            let marks = line.split_whitespace().next().unwrap_or("");
            !marks.is_empty() && marks.chars().all(|mark| ".FESIRWDN".contains(mark))
        })
        .map(|line| {
            // PHPUnit pads the marks to its count: one space is enough to read.
            let (marks, count) = line.split_once(' ').unwrap_or((line, ""));
            let count = count.split_whitespace().collect::<Vec<_>>().join(" ");
            if count.is_empty() {
                marks.to_string()
            } else {
                format!("{marks}  {count}")
            }
        })
        .unwrap_or_default()
}

/// PHPUnit's summary: `OK (3 tests, 5 assertions)`, or `FAILURES!`/`ERRORS!` and the counts
/// line after it.
pub fn summary_of(output: &str) -> String {
    let lines: Vec<&str> = output.lines().map(str::trim).collect();
    let found = lines.iter().rposition(|line| {
        line.starts_with("OK (")
            || line.starts_with("OK, but")
            || line.starts_with("FAILURES!")
            || line.starts_with("ERRORS!")
            || line.starts_with("No tests executed!")
    });
    match found {
        Some(at) if lines[at].ends_with('!') && at + 1 < lines.len() => {
            format!("{} {}", lines[at], lines[at + 1])
        }
        Some(at) => lines[at].to_string(),
        None => String::new(),
    }
}

/// One `##teamcity[...]` message: its kind and attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub kind: String,
    pub attributes: Vec<(String, String)>,
}

impl Message {
    /// `##teamcity[testStarted name='a|'b' flowId='1']`, or None for any other line.
    pub fn parse(line: &str) -> Option<Message> {
        let body = line.trim().strip_prefix("##teamcity[")?.strip_suffix(']')?;
        let (kind, mut rest) = body.split_once(' ').unwrap_or((body, ""));
        let mut attributes = Vec::new();
        loop {
            rest = rest.trim_start();
            let Some((key, after)) = rest.split_once("='") else {
                break;
            };
            let mut value = String::new();
            let mut chars = after.char_indices();
            let mut end = None;
            while let Some((at, char)) = chars.next() {
                match char {
                    '|' => match chars.next() {
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, 'r')) => value.push('\r'),
                        Some((_, other)) => value.push(other),
                        None => {}
                    },
                    '\'' => {
                        end = Some(at + 1);
                        break;
                    }
                    other => value.push(other),
                }
            }
            attributes.push((key.trim().to_string(), value));
            match end {
                Some(end) => rest = &after[end..],
                None => break,
            }
        }
        Some(Message {
            kind: kind.to_string(),
            attributes,
        })
    }

    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    /// The listed test this message is about: its class from the location hint
    /// (`php_qn://file::\Class::name`), its name from `name`.
    fn test(&self, tests: &[PhpTest]) -> Option<usize> {
        let name = self.attribute("name")?;
        let class = self
            .attribute("locationHint")
            .and_then(|hint| hint.split_once("::\\"))
            .and_then(|(_, qualified)| qualified.split_once("::"))
            .map(|(class, _)| class);
        tests
            .iter()
            .position(|test| test.name == name && class.is_none_or(|class| class == test.class))
    }
}

/// Reads a TeamCity log as PHPUnit writes it: only whole lines, each once. A `testFinished`
/// after neither a `testFailed` nor a `testIgnored` means the test passed.
#[derive(Default)]
struct TeamcityReader {
    offset: u64,
    partial: String,
    /// Tests that ended failed or skipped, and why a skipped one was.
    not_passed: std::collections::HashSet<usize>,
    reasons: std::collections::HashMap<usize, String>,
}

impl TeamcityReader {
    /// What the log says about `tests` since the last read.
    fn read_new(&mut self, file: &Path, tests: &[PhpTest]) -> Vec<Live> {
        use std::io::{Seek, SeekFrom};
        let Ok(mut opened) = std::fs::File::open(file) else {
            return Vec::new();
        };
        let mut added = Vec::new();
        if opened.seek(SeekFrom::Start(self.offset)).is_err()
            || opened.read_to_end(&mut added).is_err()
        {
            return Vec::new();
        }
        self.offset += added.len() as u64;
        self.partial.push_str(&String::from_utf8_lossy(&added));
        let Some(last_newline) = self.partial.rfind('\n') else {
            return Vec::new();
        };
        let whole: String = self.partial.drain(..=last_newline).collect();
        whole
            .lines()
            .filter_map(Message::parse)
            .filter_map(|message| self.live(&message, tests))
            .collect()
    }

    fn live(&mut self, message: &Message, tests: &[PhpTest]) -> Option<Live> {
        let index = message.test(tests)?;
        let text = message.attribute("message").unwrap_or("").to_string();
        let state = match message.kind.as_str() {
            "testStarted" => return Some(Live::Started(index)),
            "testFailed" => "failed",
            "testIgnored" => {
                self.reasons.insert(index, text.clone());
                "skipped"
            }
            "testFinished" if !self.not_passed.contains(&index) => "passed",
            _ => return None,
        };
        if state != "passed" {
            self.not_passed.insert(index);
        }
        Some(Live::Ended {
            index,
            state,
            message: text,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test(class: &str, name: &str) -> PhpTest {
        PhpTest {
            class: class.to_string(),
            name: name.to_string(),
            method: name.split(' ').next().unwrap().to_string(),
            depends: Vec::new(),
        }
    }

    #[test]
    fn teamcity_messages_are_read_with_their_escapes() {
        let message = Message::parse(
            "##teamcity[testFailed name='testAdd with data set \"bad\"' message='it|'s |[1|] || 2|nnext' flowId='7']",
        )
        .unwrap();
        assert_eq!(message.kind, "testFailed");
        assert_eq!(
            message.attribute("name"),
            Some("testAdd with data set \"bad\"")
        );
        assert_eq!(message.attribute("message"), Some("it's [1] | 2\nnext"));
        assert_eq!(message.attribute("flowId"), Some("7"));
        assert_eq!(Message::parse("PHPUnit 9.6.7 by Sebastian Bergmann"), None);
        // Cut short: what was whole is kept, nothing panics.
        let cut = Message::parse("##teamcity[testStarted name='a' message='unterminated]").unwrap();
        assert_eq!(cut.attribute("name"), Some("a"));
    }

    #[test]
    fn the_log_is_read_in_whole_lines_and_a_finish_without_failure_is_a_pass() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("teamcity.log");
        let tests = [
            test("ChainTest", "testConnect"),
            test("OtherTest", "testConnect"),
            test("ChainTest", "testSend"),
        ];
        let hint = |class: &str, name: &str| {
            format!("locationHint='php_qn:///t/{class}.php::\\{class}::{name}'")
        };
        let mut reader = TeamcityReader::default();
        // Half a line: nothing yet.
        std::fs::write(
            &file,
            format!(
                "##teamcity[testStarted name='testConnect' {}",
                hint("OtherTest", "testConnect")
            ),
        )
        .unwrap();
        assert_eq!(reader.read_new(&file, &tests), []);
        let rest = format!(
            " flowId='1']\n##teamcity[testFinished name='testConnect' flowId='1']\n##teamcity[testStarted name='testSend' {}]\n##teamcity[testIgnored name='testSend' message='This test depends on \"ChainTest::testConnect\" to pass.' {}]\n##teamcity[testFinished name='testSend' {}]\n",
            hint("ChainTest", "testSend"),
            hint("ChainTest", "testSend"),
            hint("ChainTest", "testSend")
        );
        let mut whole = std::fs::read_to_string(&file).unwrap();
        whole.push_str(&rest);
        std::fs::write(&file, whole).unwrap();
        let live = reader.read_new(&file, &tests);
        assert_eq!(
            live,
            [
                // The class comes from the location hint: the OtherTest one, not ChainTest's.
                Live::Started(1),
                // testFinished carries no hint: the test of that name.
                Live::Ended {
                    index: 0,
                    state: "passed",
                    message: String::new()
                },
                Live::Started(2),
                Live::Ended {
                    index: 2,
                    state: "skipped",
                    message: "This test depends on \"ChainTest::testConnect\" to pass.".to_string()
                },
            ]
        );
        assert_eq!(reader.read_new(&file, &tests), [], "each line once");
    }

    #[test]
    fn phpunits_progress_line_and_summary_are_found_in_its_output() {
        let output = "PHPUnit 9.6.7 by Sebastian Bergmann and contributors.\n\n.ES.F.S                                                             7 / 7 (100%)\n\nTime: 00:00.013, Memory: 6.00 MB\n\nThere was 1 error:\n\n1) ChainTest::testSend\nRuntimeException: boom\n\nERRORS!\nTests: 7, Assertions: 5, Errors: 1, Failures: 1, Skipped: 2.\n";
        assert_eq!(progress_of(output), ".ES.F.S  7 / 7 (100%)");
        assert_eq!(
            summary_of(output),
            "ERRORS! Tests: 7, Assertions: 5, Errors: 1, Failures: 1, Skipped: 2."
        );
        let passing = "...                                                                 3 / 3 (100%)\n\nTime: 00:00.004, Memory: 6.00 MB\n\nOK (3 tests, 5 assertions)\n";
        assert_eq!(summary_of(passing), "OK (3 tests, 5 assertions)");
        assert_eq!(progress_of("PHP Fatal error:  Uncaught Error"), "");
        assert_eq!(summary_of("PHP Fatal error:  Uncaught Error"), "");
    }

    #[test]
    fn a_suite_is_a_configuration_a_folder_with_one_or_a_folder_of_tests() {
        let folder = tempfile::tempdir().unwrap();
        let tests = Target::of(folder.path()).unwrap();
        assert_eq!(tests.config, None);
        assert_eq!(
            tests.arguments(),
            [OsString::from("--no-configuration"), folder.path().into()]
        );
        std::fs::write(folder.path().join("phpunit.xml.dist"), "<phpunit/>").unwrap();
        let configured = Target::of(folder.path()).unwrap();
        assert_eq!(
            configured.config,
            Some(folder.path().join("phpunit.xml.dist"))
        );
        let missing = Target::of(&folder.path().join("nope")).unwrap_err();
        assert!(missing.starts_with("no PHPUnit suite at "), "{missing}");
        let phar = folder.path().join("phpunit.phar");
        std::fs::write(&phar, "").unwrap();
        let runner = Phpunit::find(Some(&phar), &configured).unwrap();
        assert_eq!(runner.describe(), format!("php {}", phar.display()));
    }
}
