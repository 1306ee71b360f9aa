//! Shared by the end-to-end tests: the real `workbench` binary, free ports, and waiting for
//! things with a deadline instead of sleeping a fixed time.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The `workbench` binary of this build, built first if needed (cargo does not build another
/// package's binary for a test crate by itself).
pub fn workbench() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            // target/<profile>/deps/<test> → target/<profile>
            let profile_dir = std::env::current_exe()
                .expect("the test knows its own path")
                .parent()
                .and_then(|deps| deps.parent())
                .expect("tests run from target/<profile>/deps")
                .to_path_buf();
            let release = profile_dir
                .file_name()
                .is_some_and(|name| name == "release");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
            let mut build = Command::new(cargo);
            build.args(["build", "--quiet", "-p", "workbench", "--bin", "workbench"]);
            if release {
                build.arg("--release");
            }
            let status = build.status().expect("cargo runs");
            assert!(status.success(), "building the workbench binary failed");
            let binary = profile_dir.join("workbench");
            assert!(binary.exists(), "no binary at {}", binary.display());
            binary
        })
        .clone()
}

pub fn command() -> Command {
    let mut command = Command::new(workbench());
    command.env_remove("CARGO_TARGET_DIR");
    command
}

/// Runs `workbench <args>` to the end.
pub fn run(args: &[&str]) -> Output {
    command()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the workbench binary runs")
}

/// A TCP port nobody is listening on right now.
pub fn free_port() -> u16 {
    lab_core::free_port().expect("the system hands out a free port")
}

/// Polls `check` until it returns `Some`, or fails the test after `limit` with `what`.
pub fn wait_for<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Parses JSON Lines output.
pub fn json_lines(output: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(output)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"))
        })
        .collect()
}

/// Whether a required outside tool may be missing: never under CI, where `.ci/run` installs it.
pub fn missing_tool(tool: &str, why: &str) -> bool {
    if std::env::var_os("CI").is_some() {
        panic!("{tool} is missing but CI must have it ({why}); .ci/run installs it");
    }
    eprintln!(
        "\n*** SKIPPED: {tool} is not installed, so {why} was NOT tested. Install it (see .ci/run). ***\n"
    );
    true
}

/// Whether PHPUnit runs here; when not, a loud skip (a failure under CI) saying `why`.
pub fn phpunit_present(why: &str) -> bool {
    Command::new("phpunit")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
        || !missing_tool("phpunit", why)
}

/// Kills a child process when dropped, so a failing test never leaves one running.
pub struct Reaped(pub Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Reaped {
    /// Waits up to `limit` for the child to end by itself; returns how it ended and what it
    /// printed (read meanwhile, so a full pipe never holds it up). Panics if it does not end.
    pub fn finish_within(
        mut self,
        limit: Duration,
        what: &str,
    ) -> (std::process::ExitStatus, String) {
        let mut stdout = self.0.stdout.take().expect("stdout was piped");
        let reader = std::thread::spawn(move || {
            let mut printed = String::new();
            let _ = std::io::Read::read_to_string(&mut stdout, &mut printed);
            printed
        });
        let status = wait_for(limit, &format!("{what} to end by itself"), || {
            self.0.try_wait().ok().flatten()
        });
        (status, reader.join().unwrap_or_default())
    }
}

/// `workbench exercise check <exercise> [-- <command>]` run in `folder`, as a student runs it
/// from the folder of their work (the workbench's own folder first on the PATH, so that a
/// program may call `workbench`); returns the exit code and what it printed.
pub fn check_exercise_in(
    folder: &std::path::Path,
    exercise: &str,
    command: &[&str],
) -> (i32, String) {
    let mut args = vec!["exercise", "check", exercise];
    if !command.is_empty() {
        args.push("--");
        args.extend(command);
    }
    let binaries = workbench().parent().unwrap().to_path_buf();
    let path = std::env::join_paths(std::iter::once(binaries).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let output = self::command()
        .args(&args)
        .current_dir(folder)
        .env("WORKBENCH_DATA_DIR", folder.join(".data"))
        .env_remove("WORKBENCH_CONTENT")
        .env("PATH", path)
        .stdin(Stdio::null())
        .output()
        .expect("the workbench runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    // A passing run has every check: a hint or points naming none is the exercise's typo.
    assert!(
        output.status.code() != Some(0) || !stderr.contains("warning:"),
        "{stderr}"
    );
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// The same in a fresh folder holding `file` under the name `as_name`.
pub fn check_exercise_with_file(
    exercise: &str,
    file: &std::path::Path,
    as_name: &str,
) -> (i32, String) {
    let folder = tempfile::tempdir().unwrap();
    std::fs::copy(file, folder.path().join(as_name))
        .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
    check_exercise_in(folder.path(), exercise, &[])
}

/// Sends SIGINT (what Ctrl-C sends) to a child.
pub fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// `workbench lab zmq-pubsub --role publisher --bind <endpoint> --headless` and `extra` flags.
pub fn publisher_args<'a>(endpoint: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "lab",
        "zmq-pubsub",
        "--role",
        "publisher",
        "--bind",
        endpoint,
        "--headless",
    ];
    args.extend_from_slice(extra);
    args
}

/// What a command printed and the most memory it held at once (its peak resident set, from
/// getrusage, taken by Python, which starts it): (exit code, stdout, stderr, peak KiB).
/// Environment variables set on the returned command's caller pass through.
pub fn run_measuring_peak(
    args: &[&std::ffi::OsStr],
    envs: &[(&str, &std::ffi::OsStr)],
) -> (i32, String, String, u64) {
    let script = r#"
import resource, subprocess, sys
result = subprocess.run(sys.argv[1:], capture_output=True, stdin=subprocess.DEVNULL)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write("%d %d\n" % (peak, result.returncode))
sys.stdout.flush()
sys.stdout.buffer.write(result.stdout)
sys.stderr.buffer.write(result.stderr)
"#;
    let mut python = Command::new("python3");
    python.args(["-c", script]).args(args);
    for (name, value) in envs {
        python.env(name, value);
    }
    let output = python.output().expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let (first, rest) = stdout.split_once('\n').unwrap_or((&stdout, ""));
    let mut numbers = first
        .split_whitespace()
        .map(|number| number.parse::<i64>().unwrap());
    let peak = numbers.next().unwrap() as u64;
    let code = numbers.next().unwrap() as i32;
    (
        code,
        rest.to_string(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        peak,
    )
}

/// Whether a process whose command line holds `needle` is alive (zombies aside).
pub fn running_with(needle: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        let path = entry.path();
        let Ok(command_line) = std::fs::read(path.join("cmdline")) else {
            return false;
        };
        let zombie = std::fs::read_to_string(path.join("stat")).is_ok_and(|stat| {
            stat.rsplit(')')
                .next()
                .and_then(|rest| rest.split_whitespace().next())
                == Some("Z")
        });
        !zombie
            && String::from_utf8_lossy(&command_line)
                .replace('\0', " ")
                .contains(needle)
    })
}

/// Whether MariaDB is here; loudly not, and never under CI.
pub fn mariadb_present() -> bool {
    let present = [
        "/usr/sbin/mariadbd",
        "/usr/bin/mariadbd",
        "/usr/local/bin/mariadbd",
    ]
    .iter()
    .any(|path| std::path::Path::new(path).exists())
        || std::process::Command::new("mariadbd")
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success());
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "MariaDB is missing but CI must have it (.ci/run installs mariadb-server)"
        );
        eprintln!(
            "\n*** SKIPPED: MariaDB is not installed, so the MySQL engine was NOT tested. ***\n"
        );
    }
    present
}

/// Whether the MySQL exercise can be checked here with a PHP (pdo_mysql) or a Python
/// (PyMySQL) program; loudly not, and never under CI.
pub fn mysql_exercise_runs(php: bool) -> bool {
    if !mariadb_present() {
        return false;
    }
    let (interpreter, probe, tool) = if php {
        (
            "php",
            vec!["-r", "exit(extension_loaded('pdo_mysql') ? 0 : 1);"],
            "php with pdo_mysql",
        )
    } else {
        (
            "python3",
            vec!["-c", "import pymysql"],
            "python3 with PyMySQL",
        )
    };
    let loaded = std::process::Command::new(interpreter)
        .args(probe)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    loaded || !missing_tool(tool, "the MySQL exercise's programs in that language")
}
