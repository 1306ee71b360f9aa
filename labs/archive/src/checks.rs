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

use lab_core::exercise::{Check, CheckSetup, Checker, Prepared, Rng, quote};

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
                checks.push(
                    Check::fail(
                        format!("writes {}", archive.display()),
                        format!("a file {} in this folder", archive.display()),
                        error.to_string(),
                    )
                    .because(if setup.program.is_some() {
                        format!(
                            "your build ended without writing {} here: write it into the folder the check runs in",
                            archive.display()
                        )
                    } else {
                        "run your build first, or give its command after --".to_string()
                    }),
                );
                return Ok(checks);
            }
        };
        let found = match Phar::parse(&bytes) {
            Ok(found) => found,
            Err(error) => {
                checks.push(
                    Check::fail(
                        "is a phar PHP can read",
                        "a stub ending in __HALT_COMPILER(); then a manifest",
                        format!("{error:#}"),
                    )
                    .because("`workbench archive list` shows how far the file reads"),
                );
                return Ok(checks);
            }
        };
        let php_present = php_available();
        let mut layout = layout_text(&found, bytes.len());
        if !php_present {
            layout.push_str(" (php is not installed here, so the archive was not run)");
        }
        checks.push(Check::pass("is a phar PHP can read", layout));
        checks.push(signature_check(&found));
        checks.push(contents_check(&found, &bytes));
        let names: Vec<&str> = found
            .entries
            .iter()
            .map(|entry| entry.name.as_str())
            .collect();
        for wanted in list(setup.setting("contains", "index.php")) {
            checks.push(if names.contains(&wanted) {
                Check::pass(format!("holds {wanted}"), "found in the manifest")
            } else {
                Check::fail(
                    format!("holds {wanted}"),
                    format!("an entry named {wanted}"),
                    format!("entries: {}", names.join(", ")),
                )
                .because("names are relative to the packed folder: pack the app folder itself")
            });
        }
        for unwanted in list(setup.setting("leaves_out", "")) {
            checks.push(if names.contains(&unwanted) {
                Check::fail(
                    format!("leaves out {unwanted}"),
                    format!("no entry named {unwanted}"),
                    format!("{unwanted} is inside"),
                )
                .because("exclude it (--exclude, or remove it from the Phar before stopBuffering)")
            } else {
                Check::pass(format!("leaves out {unwanted}"), "not in the manifest")
            });
        }
        if let Some(original) = setup.settings.get("original") {
            checks.push(original_check(&found, &bytes, original, setup)?);
        }
        let direct = setup.setting("run", "php") == "direct";
        if direct {
            checks.push(shebang_check(&found.stub, &archive));
            checks.push(executable_check(&archive));
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
    let name = format!("keeps the files of {original} as they were");
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
        match now {
            None => differences.push(format!("{} is missing", entry.name)),
            Some(Err(_)) => differences.push(format!("{} does not read back", entry.name)),
            Some(Ok(now)) if now != was => differences.push(format!(
                "{} changed ({} bytes shipped, {} now)",
                entry.name,
                was.len(),
                now.len()
            )),
            Some(Ok(_)) => {}
        }
    }
    Ok(if differences.is_empty() {
        Check::pass(name, "every file the same, byte for byte")
    } else {
        Check::fail(
            name,
            format!("the files of {original}, unchanged"),
            differences.join("; "),
        )
        .because(format!(
            "repair the archive you were given: change its stub and remove what must not ship, but leave the files of {original} as they are (a new app that only prints the line is not the tool)"
        ))
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
    loop {
        if let Some(how) = setup.program_exited() {
            return match setup.program_succeeded() {
                Some(true) => Check::pass("the build finishes", how),
                _ => {
                    let output = setup.program.as_ref().map(|program| {
                        let count = program.line_count();
                        program.lines_from(count.saturating_sub(2))
                    });
                    let said = match output.unwrap_or_default().as_slice() {
                        [] => String::new(),
                        lines => {
                            format!("; its last output: {}", quote(lines.join(" / ").as_bytes()))
                        }
                    };
                    Check::fail("the build finishes", "exit code 0", format!("{how}{said}")).because(
                        "the build failed: read its error output below, fix it, and build again",
                    )
                }
            };
        }
        if setup.out_of_time() {
            return Check::fail(
                "the build finishes",
                "the build command to end by itself",
                "it was still running at the time limit",
            )
            .because("a build script should write the archive and exit");
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

fn signature_check(found: &Phar) -> Check {
    let name = "is signed, and the signature verifies";
    match &found.signature {
        None => Check::fail(name, "a signature (SHA-256 or SHA-512)", "no signature")
            .because("PHP refuses an unsigned phar unless phar.require_hash is off"),
        Some(signature) => match signature.verified {
            Some(true) => Check::pass(name, format!("{} matches", signature.kind.name())),
            Some(false) => Check::fail(
                name,
                format!(
                    "the {} of everything before the signature",
                    signature.kind.name()
                ),
                "a different hash: the file was changed after it was signed",
            )
            .because("rebuild the archive instead of editing it"),
            None => Check::fail(
                name,
                "a hash signature the checker can verify",
                "an OpenSSL signature",
            ),
        },
    }
}

fn contents_check(found: &Phar, bytes: &[u8]) -> Check {
    let name = "every file reads back intact (CRC32)";
    for entry in &found.entries {
        if let Err(error) = found.contents(bytes, entry, crate::DEFAULT_MAX_SIZE) {
            return Check::fail(name, "every entry's CRC32 right", format!("{error:#}"));
        }
    }
    Check::pass(name, format!("{} entries", found.entries.len()))
}

fn shebang_check(stub: &[u8], archive: &Path) -> Check {
    let name = "starts with a #! line the system can use";
    let first_line = stub.split(|&byte| byte == b'\n').next().unwrap_or_default();
    if !first_line.starts_with(b"#!") {
        return Check::fail(name, "#!/usr/bin/env php", quote(first_line)).because(format!(
            "./{} needs a shebang line first, before <?php",
            archive.display()
        ));
    }
    if first_line.ends_with(b"\r") {
        return Check::fail(
            name,
            "#!/usr/bin/env php followed by \\n",
            quote(stub.get(..first_line.len() + 1).unwrap_or(first_line)),
        )
        .because("a Windows line ending: the system looks for an interpreter called \"php\\r\" (bad interpreter)");
    }
    Check::pass(name, quote(first_line))
}

fn executable_check(archive: &Path) -> Check {
    use std::os::unix::fs::PermissionsExt;
    let name = "is executable";
    let mode = std::fs::metadata(archive).map_or(0, |metadata| metadata.permissions().mode());
    if mode & 0o111 == 0 {
        return Check::fail(
            name,
            "an executable bit (chmod +x)",
            format!("mode {:o}", mode & 0o777),
        )
        .because(format!("chmod +x {}", archive.display()));
    }
    Check::pass(name, format!("mode {:o}", mode & 0o777))
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
    let mut child = child.map_err(|error| format!("it did not start: {error}"))?;
    let started = Instant::now();
    let limit = setup.time_left(RUN_LIMIT);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() < limit => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "it was still running after {} s, and was stopped",
                    limit.as_secs()
                ));
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
    let name = format!("`{}` prints \"{expected}\"", shown_command(archive, direct));
    let output = match run_archive(archive, direct, Path::new("."), setup) {
        Ok(output) => output,
        Err(why) => return Check::fail(name, "it runs and ends", why),
    };
    let printed = String::from_utf8_lossy(&output.stdout);
    setup.note(format!(
        "`{}` printed {}",
        shown_command(archive, direct),
        quote(printed.as_bytes())
    ));
    let first = printed.lines().next().unwrap_or("").trim_end();
    if first == expected {
        return Check::pass(name, "the same line");
    }
    let errors = String::from_utf8_lossy(&output.stderr);
    let said = errors.lines().next().unwrap_or("").trim();
    let got = if said.is_empty() {
        quote(first.as_bytes())
    } else {
        format!("{}; it said: {}", quote(first.as_bytes()), said)
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
    let entry_name = setup.setting("entry", "index.php");
    let name = format!("the stub runs the packed {entry_name}, not a copy of its output");
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
                "entries that read back",
                format!("{} does not", entry.name),
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
            format!("an entry {entry_name} that the stub runs"),
            "no such entry",
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
        Ok(output) if String::from_utf8_lossy(&output.stdout).contains(&token) => Check::pass(
            name,
            format!("a line added to the packed {entry_name} ran, from a folder holding only the archive"),
        ),
        Ok(output) => Check::fail(
            name,
            format!("{token} printed by a line added to the packed {entry_name}"),
            format!(
                "it printed {} without it",
                quote(&output.stdout)
            ),
        )
        .because(format!(
            "the stub must open the archive and run its {entry_name} (Phar::mapPhar('{}'); require 'phar://{}/{entry_name}';): output the stub prints itself, or files it reads from outside the archive, are not the packed app",
            found.alias, found.alias
        )),
        Err(why) => Check::fail(
            name,
            "the archive to run from a folder holding only itself",
            why,
        ),
    }
}
