//! Private servers a lab starts for itself, when the student gave no server of their own:
//! a MariaDB (`mariadbd`) or a Redis (`redis-server`), each in a fresh temporary folder, on a
//! free 127.0.0.1 port and a private socket, with the settings the lab asks for.
//!
//! A [`PrivateServer`] stops its server when it is dropped — at the end of a run, on Ctrl-C,
//! on a panic (the drop runs while unwinding) — and removes its folder. Two more nets catch
//! what a drop cannot:
//!
//! - the server is told to stop when the thread that started it dies (`PR_SET_PDEATHSIG`),
//!   so a `kill -9` of the workbench does not leave a server running;
//! - each folder names the workbench process that owns it, and the next start removes the
//!   folders of owners that are gone (and stops a server still running in one).
//!
//! Nothing here touches a server the student or the teacher runs: those are named by URL and
//! the lab talks to them as a client.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which server, for messages and folder names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    MariaDb,
    Redis,
}

impl Kind {
    /// The server's name as a student knows it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::MariaDb => "MariaDB",
            Kind::Redis => "Redis",
        }
    }

    fn folder_prefix(self) -> &'static str {
        match self {
            Kind::MariaDb => "workbench-mariadb-",
            Kind::Redis => "workbench-redis-",
        }
    }

    /// What to install when the server is missing.
    pub fn install_hint(self) -> &'static str {
        match self {
            Kind::MariaDb => {
                "install it with `apt install mariadb-server` (Debian, Ubuntu) or `brew install mariadb` (macOS)"
            }
            Kind::Redis => {
                "install it with `apt install redis-server` (Debian, Ubuntu) or `brew install redis` (macOS)"
            }
        }
    }
}

/// Why a private server could not be started: one line each.
#[derive(Debug)]
pub enum ServerError {
    /// The server's program is not installed.
    Missing { kind: Kind, program: &'static str },
    /// It is installed but did not start; `reason` ends with what its log said.
    Failed { kind: Kind, reason: String },
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerError::Missing { kind, program } => write!(
                formatter,
                "{} is not installed: no {program} on PATH or in /usr/sbin; {}",
                kind.name(),
                kind.install_hint()
            ),
            ServerError::Failed { kind, reason } => {
                write!(
                    formatter,
                    "the private {} did not start: {reason}",
                    kind.name()
                )
            }
        }
    }
}

impl std::error::Error for ServerError {}

impl ServerError {
    /// Whether the server is simply not installed (a usage matter: exit 2, install it).
    pub fn is_missing(&self) -> bool {
        matches!(self, ServerError::Missing { .. })
    }
}

/// Where to look for a server's program besides PATH: Debian keeps `mariadbd` in /usr/sbin,
/// Homebrew in its own prefix.
const SYSTEM_FOLDERS: [&str; 4] = [
    "/usr/sbin",
    "/usr/local/sbin",
    "/opt/homebrew/bin",
    "/usr/local/bin",
];

/// The first of `names` found on PATH or in the system folders.
pub fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let folders: Vec<PathBuf> = std::env::split_paths(&path)
        .chain(SYSTEM_FOLDERS.iter().map(PathBuf::from))
        .collect();
    names.iter().find_map(|name| {
        folders
            .iter()
            .map(|folder| folder.join(name))
            .find(|candidate| is_executable(candidate))
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// Whether MariaDB (or MySQL) could be started here.
pub fn mariadb_installed() -> bool {
    find_program(&["mariadbd", "mysqld"]).is_some()
        && find_program(&["mariadb-install-db", "mysql_install_db"]).is_some()
}

/// The first of `names` found, or the error naming the first (and what to install).
fn required(kind: Kind, names: &[&'static str]) -> Result<PathBuf, ServerError> {
    find_program(names).ok_or(ServerError::Missing {
        kind,
        program: names[0],
    })
}

/// Removes what killed runs left (see [`clean_up_after_killed_runs`]), and says so.
fn clean_up_before_start(kind: Kind, progress: &mut dyn FnMut(&str)) {
    let cleaned = clean_up_after_killed_runs(kind);
    if cleaned > 0 {
        progress(&format!(
            "removed {cleaned} private {} folder(s) left in {} by runs that were killed",
            kind.name(),
            std::env::temp_dir().display()
        ));
    }
}

/// Whether Redis could be started here.
pub fn redis_installed() -> bool {
    find_program(&["redis-server"]).is_some()
}

/// The settings a lab asks of its private MariaDB.
#[derive(Clone, Debug)]
pub struct MariaDbSettings {
    /// `max_connections`: the (N+1)-th ordinary client is refused with error 1040.
    pub max_connections: u32,
    /// `innodb_lock_wait_timeout`: a row lock waited on this long fails with error 1205.
    pub lock_wait_timeout_seconds: u32,
    /// `innodb_flush_log_at_trx_commit`: 1 writes and syncs the log at each commit, 2 only
    /// writes it (a crash of the server keeps the commit, a power cut may not).
    pub sync_each_commit: bool,
    /// `wait_timeout`: an idle connection is closed by the server after this long.
    pub wait_timeout_seconds: u32,
    /// SQL run once as the server starts (`--init-file`), e.g. the lab's database and user.
    pub init_sql: String,
}

impl Default for MariaDbSettings {
    fn default() -> Self {
        MariaDbSettings {
            max_connections: 151,
            lock_wait_timeout_seconds: 50,
            sync_each_commit: true,
            wait_timeout_seconds: 28800,
            init_sql: String::new(),
        }
    }
}

/// A server this process started, running until dropped.
pub struct PrivateServer {
    kind: Kind,
    child: Child,
    folder: PathBuf,
    port: u16,
    socket: PathBuf,
    took: Duration,
}

impl PrivateServer {
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The TCP port it listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its Unix socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Its temporary folder (data, log, socket).
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// How long it took to be ready.
    pub fn startup_time(&self) -> Duration {
        self.took
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines of its log, for an error message.
    pub fn log_tail(&self) -> String {
        log_tail(&self.folder)
    }

    /// Stops the server (SIGTERM, then SIGKILL after 10 s), reaps it and removes its folder.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(10);
            while self.child.try_wait().ok().flatten().is_none() {
                if Instant::now() > deadline {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Starts a private MariaDB: initialises a data folder (`mariadb-install-db`, root without a
/// password, reachable from 127.0.0.1 only), then `mariadbd` on a free port. `progress` hears
/// each step, for the student watching a start of a few seconds.
pub fn start_mariadb(
    settings: &MariaDbSettings,
    progress: &mut dyn FnMut(&str),
) -> Result<PrivateServer, ServerError> {
    let kind = Kind::MariaDb;
    let server = required(kind, &["mariadbd", "mysqld"])?;
    let install = required(kind, &["mariadb-install-db", "mysql_install_db"])?;
    clean_up_before_start(kind, progress);
    let started = Instant::now();
    let folder = make_folder(kind)?;
    let data = folder.join("data");
    let failed = |reason: String| ServerError::Failed { kind, reason };
    progress(&format!("starting a private {}...", kind.name()));
    let user = running_as_root().then_some("--user=root");
    // Initialising can fail for a passing reason on a busy machine: once more, from nothing.
    let mut output = None;
    for _ in 0..2 {
        let _ = std::fs::remove_dir_all(&data);
        let ran = Command::new(&install)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .args(user)
            .stdin(Stdio::null())
            .output()
            .map_err(|error| failed(format!("{}: {error}", install.display())))?;
        let succeeded = ran.status.success();
        output = Some(ran);
        if succeeded {
            break;
        }
    }
    let output = output.expect("initialised at least once");
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        let _ = std::fs::remove_dir_all(&folder);
        return Err(failed(format!(
            "{} ended with {}: {}",
            install.display(),
            output.status,
            first_error(&said)
        )));
    }
    let init = folder.join("init.sql");
    if let Err(error) = std::fs::write(&init, &settings.init_sql) {
        let _ = std::fs::remove_dir_all(&folder);
        return Err(failed(format!("{}: {error}", init.display())));
    }
    let socket = folder.join("mysql.sock");
    let launch = Launch {
        kind,
        folder: &folder,
        socket: &socket,
        started,
        limit: Duration::from_secs(60),
    };
    launch.on_a_free_port(
        progress,
        |port| {
            let mut command = Command::new(&server);
            command
                .arg("--no-defaults")
                .arg(format!("--datadir={}", data.display()))
                .arg(format!("--socket={}", socket.display()))
                .arg(format!("--port={port}"))
                .arg(format!(
                    "--pid-file={}",
                    folder.join("server.pid").display()
                ))
                .arg(format!(
                    "--log-error={}",
                    folder.join("server.log").display()
                ))
                .arg(format!("--init-file={}", init.display()))
                .args(["--bind-address=127.0.0.1", "--skip-name-resolve"])
                .args(["--skip-log-bin", "--performance-schema=OFF"])
                .args([
                    "--innodb-buffer-pool-size=64M",
                    "--innodb-log-file-size=16M",
                ])
                .arg(format!("--max-connections={}", settings.max_connections))
                .arg(format!(
                    "--innodb-lock-wait-timeout={}",
                    settings.lock_wait_timeout_seconds
                ))
                .arg(format!(
                    "--innodb-flush-log-at-trx-commit={}",
                    if settings.sync_each_commit { 1 } else { 2 }
                ))
                .arg(format!("--wait-timeout={}", settings.wait_timeout_seconds))
                .args(user);
            command
        },
        |stream| {
            // The server greets every client first: a handshake packet means it is serving.
            let mut greeting = [0u8; 5];
            stream.read_exact(&mut greeting).is_ok()
        },
    )
}

/// Starts a private Redis with nothing saved to disk, on a free port.
pub fn start_redis(progress: &mut dyn FnMut(&str)) -> Result<PrivateServer, ServerError> {
    let kind = Kind::Redis;
    let server = required(kind, &["redis-server"])?;
    clean_up_before_start(kind, progress);
    let started = Instant::now();
    let folder = make_folder(kind)?;
    progress(&format!("starting a private {}...", kind.name()));
    let socket = folder.join("redis.sock");
    let launch = Launch {
        kind,
        folder: &folder,
        socket: &socket,
        started,
        limit: Duration::from_secs(30),
    };
    launch.on_a_free_port(
        progress,
        |port| {
            let mut command = Command::new(&server);
            command
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .arg("--dir")
                .arg(&folder)
                .arg("--unixsocket")
                .arg(&socket)
                .arg("--logfile")
                .arg(folder.join("server.log"))
                .arg("--pidfile")
                .arg(folder.join("server.pid"));
            command
        },
        |stream| {
            let mut pong = [0u8; 7];
            stream.write_all(b"PING\r\n").is_ok()
                && stream.read_exact(&mut pong).is_ok()
                && &pong == b"+PONG\r\n"
        },
    )
}

/// What starting a server in its folder needs, whichever server it is.
struct Launch<'a> {
    kind: Kind,
    folder: &'a Path,
    socket: &'a Path,
    started: Instant,
    /// How long the server may take to answer.
    limit: Duration,
}

impl Launch<'_> {
    /// Starts the server `command` makes for a port, on a free one, until it `answers`. A port
    /// found free may be taken by someone else before the server binds it: then another, up
    /// to three. The folder is removed if it never answers.
    fn on_a_free_port(
        &self,
        progress: &mut dyn FnMut(&str),
        command: impl Fn(u16) -> Command,
        answers: impl Fn(&mut TcpStream) -> bool,
    ) -> Result<PrivateServer, ServerError> {
        let failed = |reason: String| ServerError::Failed {
            kind: self.kind,
            reason,
        };
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port().map_err(|error| failed(format!("no free port: {error}")))?;
            let mut child = spawn_tied(&mut command(port), self.folder).map_err(failed)?;
            match wait_until_ready(&mut child, self.folder, port, self.limit, &answers) {
                Ok(()) => return Ok(self.ready(child, port, progress)),
                Err(reason) => {
                    last_error = reason;
                    // The folder stays for the next try: stop the server only.
                    let _ = child.kill();
                    let _ = child.wait();
                    if !last_error.contains("in use") {
                        break;
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(self.folder);
        Err(failed(last_error))
    }

    /// A server that answered: told to the student, handed to the lab.
    fn ready(&self, child: Child, port: u16, progress: &mut dyn FnMut(&str)) -> PrivateServer {
        let took = self.started.elapsed();
        progress(&format!(
            "the private {} is ready on 127.0.0.1:{port} in {:.1} s",
            self.kind.name(),
            took.as_secs_f64()
        ));
        PrivateServer {
            kind: self.kind,
            child,
            folder: self.folder.to_path_buf(),
            port,
            socket: self.socket.to_path_buf(),
            took,
        }
    }
}

fn running_as_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// A fresh folder in the temporary directory, named for this process, owned by it.
fn make_folder(kind: Kind) -> Result<PathBuf, ServerError> {
    let folder = tempfile::Builder::new()
        .prefix(&format!("{}{}-", kind.folder_prefix(), std::process::id()))
        .tempdir()
        .map_err(|error| ServerError::Failed {
            kind,
            reason: format!(
                "cannot make a folder in {}: {error}",
                std::env::temp_dir().display()
            ),
        })?
        .keep();
    Ok(folder)
}

/// Starts `command` with its output in the folder's log, told to stop (SIGTERM) when the
/// thread that started it dies.
fn spawn_tied(command: &mut Command, folder: &Path) -> Result<Child, String> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(folder.join("output.log"))
        .map_err(|error| format!("{}: {error}", folder.display()))?;
    let log_too = log
        .try_clone()
        .map_err(|error| format!("{}: {error}", folder.display()))?;
    command
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_too)
        .current_dir(folder);
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    command
        .spawn()
        .map_err(|error| format!("{}: {error}", command.get_program().to_string_lossy()))
}

/// Waits until the server answers on its port as `answers` expects, or exits, or `limit`
/// passes.
fn wait_until_ready(
    child: &mut Child,
    folder: &Path,
    port: u16,
    limit: Duration,
    answers: &impl Fn(&mut TcpStream) -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "it ended with {status}: {}",
                last_line(&log_tail(folder))
            ));
        }
        if let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(200)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            if answers(&mut stream) {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            return Err(format!(
                "not ready after {} s: {}",
                limit.as_secs(),
                last_line(&log_tail(folder))
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// The end of the server's logs.
fn log_tail(folder: &Path) -> String {
    let mut text = String::new();
    for name in ["output.log", "server.log"] {
        if let Ok(content) = std::fs::read_to_string(folder.join(name)) {
            let lines: Vec<&str> = content.lines().collect();
            let start = lines.len().saturating_sub(10);
            text.push_str(&lines[start..].join("\n"));
            text.push('\n');
        }
    }
    text
}

/// The first error a log gives (the cause; later ones are its consequences, "Aborting"), or
/// else its last line.
fn first_error(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|line| line.contains("[ERROR]") && !line.ends_with("Aborting"))
        .map_or_else(|| last_line(text), str::to_string)
}

/// The line of a log that says what went wrong: the last error, or else the last line.
fn last_line(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    lines
        .iter()
        .rev()
        .find(|line| line.contains("ERROR") || line.contains("Error"))
        .or(lines.last())
        .map_or("(the log is empty)".to_string(), |line| line.to_string())
}

/// Removes the folders of private servers whose workbench is gone (killed before it could
/// stop them), stopping a server still running there. Folders of live runs are left alone.
pub fn clean_up_after_killed_runs(kind: Kind) -> usize {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return 0;
    };
    let mut cleaned = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(kind.folder_prefix()) else {
            continue;
        };
        let Some(owner) = rest
            .split('-')
            .next()
            .and_then(|pid| pid.parse::<i32>().ok())
        else {
            continue;
        };
        if is_alive(owner) {
            continue;
        }
        let folder = entry.path();
        if let Some(server) = std::fs::read_to_string(folder.join("server.pid"))
            .ok()
            .and_then(|text| text.trim().parse::<i32>().ok())
        {
            // Only a process that runs from this very folder is ours to stop.
            let command_line = std::fs::read(format!("/proc/{server}/cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&command_line).contains(&*folder.to_string_lossy()) {
                unsafe { libc::kill(server, libc::SIGKILL) };
                let deadline = Instant::now() + Duration::from_secs(5);
                while is_alive(server) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
        if std::fs::remove_dir_all(&folder).is_ok() {
            cleaned += 1;
        }
    }
    cleaned
}

fn is_alive(pid: i32) -> bool {
    let alive = unsafe { libc::kill(pid, 0) } == 0
        || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    // A zombie has ended: only its parent's wait is missing.
    alive
        && !std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            stat.rsplit(')')
                .next()
                .is_some_and(|rest| rest.trim_start().starts_with('Z'))
        })
}
