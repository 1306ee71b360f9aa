//! `archive-phar`: grades a phar the student built, by reading it as PHP would and running it.
//!
//! The exercise's settings say what the archive must be:
//!
//! ```toml
//! settings = { archive = "app.phar", expected = "Hello from a phar", contains = "index.php,src/Greeting.php", leaves_out = "build.php", run = "php" }
//! ```
//!
//! `run = "php"` runs it as `php app.phar`; `run = "direct"` as `./app.phar`, which also needs
//! a shebang line without a carriage return and the executable bit. When the student gives a
//! command (their build script), the checker moves an archive left from an earlier build out
//! of the way first (and puts it back if the build makes none), so only what this build wrote
//! is graded, and waits for the build to finish with exit code 0. The layout,
//! signature and contents are always checked; running needs `php` on the machine, and the
//! checker says so when it is not there.
//!
//! `original = "tool.phar"` names a starter the archive repairs: every file of the shipped
//! copy (except those to leave out) must still be inside, byte for byte, so a new archive
//! written from scratch is not taken for the repair.
//!
//! Printing the right line is not enough: a stub that echoes the greeting itself would do that.
//! So the checker also makes a copy of the archive whose entry file (`entry`, default
//! `index.php`) ends with a line printing a token drawn from the run's seed, puts it alone in a
//! scratch folder, and runs it there: the token must come out, which only happens when the
//! stub really runs the packed entry file.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lab_core::exercise::{Check, CheckName, CheckSetup, Checker, Prepared, Rng, ended_in, quote};
use lab_i18n::{Lang, tr};

use crate::phar::Phar;

pub struct PharChecker;

/// How long the archive may run.
const RUN_LIMIT: Duration = Duration::from_secs(10);

impl Checker for PharChecker {
    fn id(&self) -> &'static str {
        "archive-phar"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &[]
    }

    /// Before a build the workbench starts: the archive an earlier build left is moved aside.
    fn prepare(&self, setup: &CheckSetup) -> anyhow::Result<Prepared> {
        let archive = PathBuf::from(setup.setting("archive", "app.phar"));
        if !setup.starts_program || !archive.exists() {
            return Ok(Prepared::default());
        }
        Ok(Prepared::new(MovedAside::new(archive)?))
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let earlier_build = setup.prepared.take::<MovedAside>();
        let checks = self.grade(setup);
        if let Some(earlier_build) = earlier_build {
            earlier_build.settle();
        }
        checks
    }
}

/// An archive from an earlier build, renamed out of the way while a new build runs: removed
/// when the build wrote a new one, put back when it did not.
struct MovedAside {
    archive: PathBuf,
    aside: PathBuf,
}

impl MovedAside {
    fn new(archive: PathBuf) -> anyhow::Result<MovedAside> {
        let mut name = archive.file_name().unwrap_or_default().to_os_string();
        name.push(".before-this-check");
        let aside = archive.with_file_name(name);
        std::fs::rename(&archive, &aside).map_err(|error| {
            anyhow::anyhow!(
                "cannot move the earlier {} aside before the build: {error}",
                archive.display()
            )
        })?;
        Ok(MovedAside { archive, aside })
    }

    fn settle(self) {
        if self.archive.exists() {
            let _ = std::fs::remove_file(&self.aside);
        } else {
            let _ = std::fs::rename(&self.aside, &self.archive);
        }
    }
}

impl PharChecker {
    fn grade(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let lang = setup.lang;
        let mut checks = Vec::new();
        if setup.program.is_some() {
            let check = wait_for_build(setup);
            let finished = check.passed;
            checks.push(check);
            if !finished {
                return Ok(checks);
            }
        }
        let archive = PathBuf::from(setup.setting("archive", "app.phar"));
        let bytes = match std::fs::read(&archive) {
            Ok(bytes) => bytes,
            Err(error) => {
                let file = archive.display().to_string();
                checks.push(
                    Check::fail(
                        CheckName::new(lang, |lang| tr!(lang, "arc-writes", file = file.as_str())),
                        tr!(lang, "arc-a-file-here", file = file.as_str()),
                        error.to_string(),
                    )
                    .because(if setup.program.is_some() {
                        tr!(lang, "arc-not-written-try", file = file.as_str())
                    } else {
                        tr!(lang, "arc-build-first-try")
                    }),
                );
                return Ok(checks);
            }
        };
        let readable = CheckName::new(lang, |lang| tr!(lang, "arc-readable"));
        let found = match Phar::parse(&bytes) {
            Ok(found) => found,
            Err(error) => {
                checks.push(
                    Check::fail(
                        &readable,
                        tr!(lang, "arc-readable-expected"),
                        format!("{error:#}"),
                    )
                    .because(tr!(lang, "arc-list-shows-try")),
                );
                return Ok(checks);
            }
        };
        let php_present = php_available();
        let mut layout = layout_text(&found, bytes.len());
        if !php_present {
            layout.push_str(&tr!(lang, "arc-no-php"));
        }
        checks.push(Check::pass(&readable, layout));
        checks.push(signature_check(lang, &found));
        checks.push(contents_check(lang, &found, &bytes));
        let names: Vec<&str> = found
            .entries
            .iter()
            .map(|entry| entry.name.as_str())
            .collect();
        for wanted in list(setup.setting("contains", "index.php")) {
            let holds = CheckName::new(lang, |lang| tr!(lang, "arc-holds", name = wanted));
            checks.push(if names.contains(&wanted) {
                Check::pass(holds, tr!(lang, "arc-in-manifest"))
            } else {
                Check::fail(
                    holds,
                    tr!(lang, "arc-an-entry-named", name = wanted),
                    tr!(lang, "arc-entries", names = names.join(", ")),
                )
                .because(tr!(lang, "arc-relative-try"))
            });
        }
        for unwanted in list(setup.setting("leaves_out", "")) {
            let leaves_out =
                CheckName::new(lang, |lang| tr!(lang, "arc-leaves-out", name = unwanted));
            checks.push(if names.contains(&unwanted) {
                Check::fail(
                    leaves_out,
                    tr!(lang, "arc-no-entry-named", name = unwanted),
                    tr!(lang, "arc-is-inside", name = unwanted),
                )
                .because(tr!(lang, "arc-exclude-try"))
            } else {
                Check::pass(leaves_out, tr!(lang, "arc-not-in-manifest"))
            });
        }
        if let Some(original) = setup.settings.get("original") {
            checks.push(original_check(&found, &bytes, original, setup)?);
        }
        let direct = setup.setting("run", "php") == "direct";
        if direct {
            checks.push(shebang_check(lang, &found.stub, &archive));
            checks.push(executable_check(lang, &archive));
        }
        if php_present {
            checks.push(run_check(
                &archive,
                direct,
                setup.setting("expected", ""),
                setup,
            ));
            checks.push(entry_runs_check(&found, &bytes, &archive, direct, setup));
        }
        Ok(checks)
    }
}

/// A repair keeps what it repairs: every file of the archive the exercise shipped (except
/// those to leave out) is still inside, byte for byte. A new archive written from scratch,
/// whose `index.php` only prints the expected line, is not a repair of the tool.
fn original_check(
    found: &Phar,
    bytes: &[u8],
    original: &str,
    setup: &CheckSetup,
) -> anyhow::Result<Check> {
    let lang = setup.lang;
    let name = CheckName::new(lang, |lang| {
        tr!(lang, "arc-keeps-files", original = original)
    });
    let shipped = setup.starters.get(original).ok_or_else(|| {
        anyhow::anyhow!("this workbench lacks the exercise's own {original} to compare with")
    })?;
    let before = Phar::parse(shipped).map_err(|error| {
        anyhow::anyhow!("the exercise's own {original} does not read: {error:#}")
    })?;
    let leaves_out = list(setup.setting("leaves_out", ""));
    let mut differences = Vec::new();
    for entry in &before.entries {
        if entry.is_directory() || leaves_out.contains(&entry.name.as_str()) {
            continue;
        }
        let was = before.contents(shipped, entry, crate::DEFAULT_MAX_SIZE)?;
        let now = found
            .entries
            .iter()
            .find(|candidate| candidate.name == entry.name)
            .map(|candidate| found.contents(bytes, candidate, crate::DEFAULT_MAX_SIZE));
        let file = entry.name.as_str();
        match now {
            None => differences.push(tr!(lang, "arc-is-missing", name = file)),
            Some(Err(_)) => differences.push(tr!(lang, "arc-does-not-read", name = file)),
            Some(Ok(now)) if now != was => differences.push(tr!(
                lang,
                "arc-changed",
                name = file,
                shipped = was.len(),
                now = now.len()
            )),
            Some(Ok(_)) => {}
        }
    }
    Ok(if differences.is_empty() {
        Check::pass(name, tr!(lang, "arc-same-bytes"))
    } else {
        Check::fail(
            name,
            tr!(lang, "arc-unchanged-expected", original = original),
            differences.join("; "),
        )
        .because(tr!(lang, "arc-repair-try", original = original))
    })
}

fn list(text: &str) -> Vec<&str> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .collect()
}

fn php_available() -> bool {
    Command::new("php")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Waits for the student's build command to finish by itself.
fn wait_for_build(setup: &CheckSetup) -> Check {
    let lang = setup.lang;
    let name = CheckName::new(lang, |lang| tr!(lang, "arc-build-finishes"));
    loop {
        if let Some(how) = setup.program_exited() {
            let how = ended_in(lang, &how);
            return match setup.program_succeeded() {
                Some(true) => Check::pass(name, how),
                _ => {
                    let output = setup.program.as_ref().map(|program| {
                        let count = program.line_count();
                        program.lines_from(count.saturating_sub(2))
                    });
                    let said = match output.unwrap_or_default().as_slice() {
                        [] => String::new(),
                        lines => tr!(
                            lang,
                            "arc-last-output",
                            output = quote(lines.join(" / ").as_bytes())
                        ),
                    };
                    Check::fail(name, tr!(lang, "arc-exit-code-0"), format!("{how}{said}"))
                        .because(tr!(lang, "arc-build-failed-try"))
                }
            };
        }
        if setup.out_of_time() {
            return Check::fail(
                name,
                tr!(lang, "arc-build-ends-expected"),
                tr!(lang, "arc-still-running-limit"),
            )
            .because(tr!(lang, "arc-write-and-exit-try"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// "stub 0–235 | manifest 235–410 (3 files) | contents 410–900 | signature 900–944".
pub fn layout_text(found: &Phar, length: usize) -> String {
    let mut parts = vec![
        format!("stub 0–{}", found.manifest_offset),
        format!(
            "manifest {}–{} ({} files)",
            found.manifest_offset,
            found.contents_offset,
            found.entries.len()
        ),
        format!(
            "contents {}–{}",
            found.contents_offset,
            found.contents_end()
        ),
    ];
    if let Some(signature) = &found.signature {
        parts.push(format!(
            "{} signature {}–{length}",
            signature.kind.name(),
            signature.offset
        ));
    }
    parts.join(" | ")
}

fn signature_check(lang: Lang, found: &Phar) -> Check {
    let name = CheckName::new(lang, |lang| tr!(lang, "arc-signed"));
    match &found.signature {
        None => Check::fail(
            name,
            tr!(lang, "arc-signature-expected"),
            tr!(lang, "arc-no-signature"),
        )
        .because(tr!(lang, "arc-unsigned-try")),
        Some(signature) => match signature.verified {
            Some(true) => Check::pass(name, tr!(lang, "arc-matches", kind = signature.kind.name())),
            Some(false) => Check::fail(
                name,
                tr!(lang, "arc-hash-of-everything", kind = signature.kind.name()),
                tr!(lang, "arc-different-hash"),
            )
            .because(tr!(lang, "arc-rebuild-try")),
            None => Check::fail(
                name,
                tr!(lang, "arc-hash-expected"),
                tr!(lang, "arc-openssl"),
            ),
        },
    }
}

fn contents_check(lang: Lang, found: &Phar, bytes: &[u8]) -> Check {
    let name = CheckName::new(lang, |lang| tr!(lang, "arc-intact"));
    for entry in &found.entries {
        if let Err(error) = found.contents(bytes, entry, crate::DEFAULT_MAX_SIZE) {
            return Check::fail(name, tr!(lang, "arc-crc-expected"), format!("{error:#}"));
        }
    }
    Check::pass(
        name,
        tr!(lang, "arc-entries-count", count = found.entries.len()),
    )
}

fn shebang_check(lang: Lang, stub: &[u8], archive: &Path) -> Check {
    let name = CheckName::new(lang, |lang| tr!(lang, "arc-shebang"));
    let first_line = stub.split(|&byte| byte == b'\n').next().unwrap_or_default();
    if !first_line.starts_with(b"#!") {
        return Check::fail(name, "#!/usr/bin/env php", quote(first_line)).because(tr!(
            lang,
            "arc-shebang-first-try",
            file = archive.display().to_string()
        ));
    }
    if first_line.ends_with(b"\r") {
        return Check::fail(
            name,
            tr!(lang, "arc-shebang-newline-expected"),
            quote(stub.get(..first_line.len() + 1).unwrap_or(first_line)),
        )
        .because(tr!(lang, "arc-windows-try"));
    }
    Check::pass(name, quote(first_line))
}

fn executable_check(lang: Lang, archive: &Path) -> Check {
    use std::os::unix::fs::PermissionsExt;
    let name = CheckName::new(lang, |lang| tr!(lang, "arc-executable"));
    let mode = std::fs::metadata(archive).map_or(0, |metadata| metadata.permissions().mode());
    let shown = format!("{:o}", mode & 0o777);
    if mode & 0o111 == 0 {
        return Check::fail(
            name,
            tr!(lang, "arc-executable-expected"),
            tr!(lang, "arc-mode", mode = shown.as_str()),
        )
        .because(format!("chmod +x {}", archive.display()));
    }
    Check::pass(name, tr!(lang, "arc-mode", mode = shown.as_str()))
}

/// Runs `archive` in `folder` (under a time limit): its output, or why it did not run.
fn run_archive(
    archive: &Path,
    direct: bool,
    folder: &Path,
    setup: &CheckSetup,
) -> Result<std::process::Output, String> {
    let mut command = if direct {
        Command::new(folder.join(archive))
    } else {
        let mut command = Command::new("php");
        command.arg(archive);
        command
    };
    let child = command
        .current_dir(folder)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let lang = setup.lang;
    let mut child =
        child.map_err(|error| tr!(lang, "arc-did-not-start", error = error.to_string()))?;
    let started = Instant::now();
    let limit = setup.time_left(RUN_LIMIT);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() < limit => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(tr!(lang, "arc-stopped-after", seconds = limit.as_secs()));
            }
        }
    }
    child.wait_with_output().map_err(|error| error.to_string())
}

fn shown_command(archive: &Path, direct: bool) -> String {
    if direct {
        format!("./{}", archive.display())
    } else {
        format!("php {}", archive.display())
    }
}

/// Runs the archive and compares its first line with `expected`.
fn run_check(archive: &Path, direct: bool, expected: &str, setup: &CheckSetup) -> Check {
    let lang = setup.lang;
    let command = shown_command(archive, direct);
    let name = CheckName::new(lang, |lang| {
        tr!(
            lang,
            "arc-prints",
            command = command.as_str(),
            expected = expected
        )
    });
    let output = match run_archive(archive, direct, Path::new("."), setup) {
        Ok(output) => output,
        Err(why) => return Check::fail(name, tr!(lang, "arc-runs-and-ends"), why),
    };
    let printed = String::from_utf8_lossy(&output.stdout);
    setup.note(tr!(
        lang,
        "arc-trace-printed",
        command = command.as_str(),
        output = quote(printed.as_bytes())
    ));
    let first = printed.lines().next().unwrap_or("").trim_end();
    if first == expected {
        return Check::pass(name, tr!(lang, "arc-same-line"));
    }
    let errors = String::from_utf8_lossy(&output.stderr);
    let said = errors.lines().next().unwrap_or("").trim();
    let got = if said.is_empty() {
        quote(first.as_bytes())
    } else {
        tr!(
            lang,
            "arc-it-said",
            line = quote(first.as_bytes()),
            said = said
        )
    };
    Check::differs(name, expected.as_bytes(), first.as_bytes()).got_instead(got)
}

/// A copy of the archive whose entry file also prints a drawn token, run alone in a scratch
/// folder: the token comes out only if the stub runs the packed entry file.
fn entry_runs_check(
    found: &Phar,
    bytes: &[u8],
    archive: &Path,
    direct: bool,
    setup: &CheckSetup,
) -> Check {
    let lang = setup.lang;
    let entry_name = setup.setting("entry", "index.php");
    let name = &CheckName::new(lang, |lang| tr!(lang, "arc-stub-runs", entry = entry_name));
    let token = format!(
        "workbench-token-{:016x}",
        setup.probes("archive/token").random::<u64>()
    );
    let mut entries = Vec::new();
    for entry in &found.entries {
        if entry.is_directory() {
            continue;
        }
        let Ok(mut contents) = found.contents(bytes, entry, crate::DEFAULT_MAX_SIZE) else {
            return Check::fail(
                name,
                tr!(lang, "arc-entries-read-back"),
                tr!(lang, "arc-does-not-read", name = entry.name.as_str()),
            );
        };
        if entry.name == entry_name {
            // After a closing tag, PHP code needs an opening one again.
            let tail = String::from_utf8_lossy(&contents)
                .trim_end()
                .ends_with("?>");
            let line = format!("echo \"\\n{token}\\n\";\n");
            contents.extend_from_slice(if tail { b"<?php " } else { b"\n" });
            contents.extend_from_slice(line.as_bytes());
        }
        let mut copy = crate::Entry::file(&entry.name, contents);
        copy.mode = entry.permissions();
        entries.push(copy);
    }
    if !entries.iter().any(|entry| entry.path == entry_name) {
        return Check::fail(
            name,
            tr!(lang, "arc-entry-the-stub-runs", entry = entry_name),
            tr!(lang, "arc-no-such-entry"),
        );
    }
    let options = crate::phar::write::PharOptions {
        stub: found.stub.clone(),
        alias: found.alias.clone(),
        metadata: None,
        compression: crate::phar::Compression::None,
        signature: Some(crate::phar::SignatureKind::Sha256),
    };
    let result = tempfile::tempdir()
        .map_err(|error| error.to_string())
        .and_then(|scratch| {
            let written = crate::phar::write::write(&entries, &options)
                .map_err(|error| format!("{error:#}"))?;
            let file_name = archive.file_name().map(Path::new).unwrap_or(archive);
            let copy = scratch.path().join(file_name);
            std::fs::write(&copy, written).map_err(|error| error.to_string())?;
            if direct {
                use std::os::unix::fs::PermissionsExt as _;
                let _ = std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755));
            }
            run_archive(file_name, direct, scratch.path(), setup)
        });
    match result {
        Ok(output) if String::from_utf8_lossy(&output.stdout).contains(&token) => {
            Check::pass(name, tr!(lang, "arc-stub-runs-pass", entry = entry_name))
        }
        Ok(output) => Check::fail(
            name,
            tr!(
                lang,
                "arc-token-expected",
                token = token.as_str(),
                entry = entry_name
            ),
            tr!(lang, "arc-printed-without", output = quote(&output.stdout)),
        )
        .because(tr!(
            lang,
            "arc-stub-runs-try",
            entry = entry_name,
            alias = found.alias.as_str()
        )),
        Err(why) => Check::fail(name, tr!(lang, "arc-alone-expected"), why),
    }
}
