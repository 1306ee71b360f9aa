//! Private servers start, answer, and leave nothing behind on any way out.

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use lab_servers::{Kind, MariaDbSettings};

fn present(kind: Kind, installed: bool) -> bool {
    if !installed {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing but CI must have it (.ci/run installs it)",
            kind.name()
        );
        eprintln!(
            "\n*** SKIPPED: {} is not installed, so its private server was NOT tested. ***\n",
            kind.name()
        );
    }
    installed
}

fn is_gone(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.is_empty()
        || stat
            .rsplit(')')
            .next()
            .unwrap()
            .trim_start()
            .starts_with('Z')
}

fn wait_gone(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if is_gone(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn a_private_mariadb_greets_on_its_port_and_is_gone_with_its_folder_when_dropped() {
    if !present(Kind::MariaDb, lab_servers::mariadb_installed()) {
        return;
    }
    let mut heard = Vec::new();
    let settings = MariaDbSettings {
        max_connections: 7,
        ..MariaDbSettings::default()
    };
    let server = lab_servers::start_mariadb(&settings, &mut |line| heard.push(line.to_string()))
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(
        heard[0].starts_with("starting a private MariaDB"),
        "{heard:?}"
    );
    assert!(
        heard.last().unwrap().contains("ready on 127.0.0.1:"),
        "{heard:?}"
    );
    let mut greeting = [0u8; 64];
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let read = stream.read(&mut greeting).unwrap();
    // A MySQL handshake: protocol version 10, then the server's version text.
    assert_eq!(greeting[4], 10, "{:?}", &greeting[..read]);
    assert!(String::from_utf8_lossy(&greeting[..read]).contains("MariaDB"));
    assert!(server.socket().exists());
    let (pid, folder) = (server.pid(), server.folder().to_path_buf());
    drop(server);
    assert!(is_gone(pid), "mariadbd {pid} still runs");
    assert!(!folder.exists(), "{} is left", folder.display());
}

#[test]
fn a_server_whose_starter_thread_dies_without_stopping_it_is_told_to_stop() {
    if !present(Kind::Redis, lab_servers::redis_installed()) {
        return;
    }
    // As if the workbench were killed: nothing drops the server, its thread just ends.
    let (pid, folder) = std::thread::spawn(|| {
        let server =
            lab_servers::start_redis(&mut |_| {}).unwrap_or_else(|error| panic!("{error}"));
        let known = (server.pid(), server.folder().to_path_buf());
        std::mem::forget(server);
        known
    })
    .join()
    .unwrap();
    assert!(wait_gone(pid), "redis-server {pid} outlived its starter");
    // Its folder is left, with our own (live) pid in its name: the next run of another
    // process would clean it; here it is removed by hand.
    assert!(folder.exists());
    std::fs::remove_dir_all(folder).unwrap();
}

#[test]
fn folders_of_killed_runs_are_removed_and_their_servers_stopped() {
    if !present(Kind::Redis, lab_servers::redis_installed()) {
        return;
    }
    // A run killed by SIGKILL: its own process is gone, its server may still be running.
    let script = r#"
        import os, subprocess, sys, tempfile, time
        folder = tempfile.mkdtemp(prefix="workbench-redis-%d-" % os.getpid())
        server = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", folder + "/r.sock",
                                   "--save", "", "--dir", folder],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        open(folder + "/server.pid", "w").write(str(server.pid))
        print(folder, server.pid, flush=True)
        os._exit(0)
    "#;
    let script: String = script
        .lines()
        .map(|line| line.strip_prefix("        ").unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n");
    let output = std::process::Command::new("python3")
        .args(["-c", &script])
        .output()
        .expect("python3 runs");
    let said = String::from_utf8_lossy(&output.stdout);
    let mut words = said.split_whitespace();
    let folder = std::path::PathBuf::from(words.next().expect("a folder"));
    let server: u32 = words.next().expect("a pid").parse().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !is_gone(server),
        "the orphan server should still run before the clean-up"
    );
    // A folder of a live owner (this test) is not touched.
    let live = tempfile::Builder::new()
        .prefix(&format!("workbench-redis-{}-", std::process::id()))
        .tempdir()
        .unwrap();
    // The next start cleans up, and says what it removed.
    let mut said = Vec::new();
    let next = lab_servers::start_redis(&mut |line| said.push(line.to_string())).unwrap();
    assert!(
        said.iter()
            .any(|line| line.starts_with("removed ") && line.contains("killed")),
        "{said:?}"
    );
    drop(next);
    assert!(!folder.exists(), "{} is left", folder.display());
    assert!(
        wait_gone(server),
        "the orphan redis-server {server} still runs"
    );
    assert!(live.path().exists());
}

#[test]
fn a_missing_server_is_one_line_naming_the_package() {
    let error = lab_servers::ServerError::Missing {
        kind: Kind::MariaDb,
        program: "mariadbd",
    };
    let line = error.to_string();
    assert!(!line.contains('\n'));
    assert!(line.contains("apt install mariadb-server"), "{line}");
    assert!(error.is_missing());
}
