//! The flash-sale lab as a student runs it: a store killed with SIGKILL in the middle of a sale
//! still keeps every invariant when it is opened again (committed orders survive, nothing is
//! half-done), for every correct strategy.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Reaped, command};

/// Reads a headless lab's snapshots until `counter` passes `above` (or fails the test after
/// `patience`): the moment to kill it mid-sale.
fn wait_for_counter(child: &mut Reaped, counter: &str, above: u64, patience: Duration) {
    let lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let started = Instant::now();
    for line in lines {
        let snapshot: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        if snapshot["counters"][counter].as_u64().unwrap_or(0) > above {
            return;
        }
        assert!(
            started.elapsed() < patience,
            "{counter} not above {above} after {patience:?}"
        );
    }
    panic!("the lab ended before {counter} passed {above}");
}

#[test]
fn a_store_killed_mid_sale_still_keeps_its_invariants() {
    for strategy in ["guarded", "transaction", "queue"] {
        let folder = tempfile::tempdir().unwrap();
        let database = folder.path().join("sale.db");
        let child = command()
            .args([
                "lab",
                "flash-sale",
                "--strategy",
                strategy,
                "--db",
                database.to_str().unwrap(),
                "--users",
                "1000000",
                "--stock",
                "1000000",
                "--workers",
                "8",
                "--rtt",
                "0",
                "--headless",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut child = Reaped(child);
        // Wait until orders are being committed, then kill it where it stands.
        wait_for_counter(&mut child, "orders", 200, Duration::from_secs(60));
        child.0.kill().unwrap();
        child.0.wait().unwrap();
        let output = command()
            .args([
                "lab",
                "flash-sale",
                "--check-db",
                database.to_str().unwrap(),
                "--headless",
            ])
            .output()
            .unwrap();
        let report = common::json_lines(&output.stdout).pop().expect("a report");
        assert_eq!(report["ok"], true, "{strategy}: {report}");
        assert!(
            report["verdict"]
                .as_str()
                .unwrap()
                .starts_with("invariants hold: "),
            "{strategy}: {report}"
        );
        // Something was sold before the kill, and it is all still there.
        let orders: u64 = report["verdict"]
            .as_str()
            .unwrap()
            .trim_start_matches("invariants hold: ")
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(orders > 200, "{strategy}: {report}");
    }
}

#[test]
fn check_db_names_a_missing_file() {
    let output = command()
        .args([
            "lab",
            "flash-sale",
            "--check-db",
            "/nowhere/sale.db",
            "--headless",
        ])
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(0));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("--check-db /nowhere/sale.db: no such file"),
        "{said}"
    );
}

/// The workbench's flash sale with `args`; returns the exit code and standard error.
fn flash_sale(args: &[&str]) -> (Option<i32>, String) {
    let output = command()
        .args(["lab", "flash-sale", "--headless"])
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// With several products the board of each one's orders, rate and p99 is on the dashboard
/// while the buyers buy, not only at the end; its orders only grow, and end at the stock.
#[test]
fn the_products_board_is_live_while_the_sale_runs() {
    let folder = tempfile::tempdir().unwrap();
    let database = folder.path().join("sale.db");
    let output = command()
        .args(["lab", "flash-sale", "--headless", "--products", "3"])
        .args(["--users", "6000", "--stock", "500", "--rtt", "10", "--db"])
        .arg(&database)
        .output()
        .unwrap();
    let lines = common::json_lines(&output.stdout);
    let boards: Vec<Vec<f64>> = lines
        .iter()
        .filter(|line| line["type"] == "snapshot")
        .filter_map(|line| line["tables"]["products"]["rows"].as_array().cloned())
        .map(|rows| {
            rows.iter()
                .map(|row| row[1].as_f64().unwrap())
                .collect::<Vec<f64>>()
        })
        .collect();
    let report = lines.last().expect("a report");
    assert_eq!(report["ok"], true, "{report}");
    assert!(
        boards.len() >= 2,
        "the board is drawn while the sale runs: {boards:?}"
    );
    let first: f64 = boards[0].iter().sum();
    let last = boards.last().unwrap();
    assert!(
        first < 1500.0,
        "the first board is from the middle of the sale: {boards:?}"
    );
    assert_eq!(last, &vec![500.0, 500.0, 500.0], "{boards:?}");
    for pair in boards.windows(2) {
        let (before, after): (f64, f64) = (pair[0].iter().sum(), pair[1].iter().sum());
        assert!(before <= after, "orders never fall: {boards:?}");
    }
}

#[test]
fn files_that_are_not_flash_sale_stores_are_never_changed() {
    let folder = tempfile::tempdir().unwrap();
    let precious = folder.path().join("precious.db");
    {
        let connection = rusqlite::Connection::open(&precious).unwrap();
        connection
            .execute_batch("CREATE TABLE products (id INTEGER, name TEXT); INSERT INTO products VALUES (1, 'mine');")
            .unwrap();
    }
    let notes = folder.path().join("notes.txt");
    std::fs::write(&notes, "my notes\n").unwrap();
    for file in [&precious, &notes] {
        let before = std::fs::read(file).unwrap();
        for flag in ["--db", "--check-db"] {
            let (code, stderr) = flash_sale(&[flag, file.to_str().unwrap(), "--users", "100"]);
            assert_eq!(code, Some(2), "{flag} {}: {stderr}", file.display());
            assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
            assert!(
                stderr.contains("not a flash-sale store")
                    && stderr.contains(&*file.to_string_lossy()),
                "{stderr}"
            );
            assert_eq!(
                std::fs::read(file).unwrap(),
                before,
                "{} was changed",
                file.display()
            );
        }
    }
    let mut leftovers: Vec<String> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    leftovers.sort();
    assert_eq!(
        leftovers,
        ["notes.txt", "precious.db"],
        "no -wal or -shm beside them"
    );
}

#[test]
fn check_db_reads_a_read_only_store_and_leaves_it_byte_identical() {
    use std::os::unix::fs::PermissionsExt;
    let folder = tempfile::tempdir().unwrap();
    let store = folder.path().join("sale.db");
    let (code, stderr) = flash_sale(&["--db", store.to_str().unwrap(), "--users", "300"]);
    assert_eq!(code, Some(0), "{stderr}");
    // A second sale may reuse a store this lab made.
    let (code, stderr) = flash_sale(&["--db", store.to_str().unwrap(), "--users", "300"]);
    assert_eq!(code, Some(0), "{stderr}");
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::read(&store).unwrap();
    let output = command()
        .args([
            "lab",
            "flash-sale",
            "--headless",
            "--check-db",
            store.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let report = common::json_lines(&output.stdout).pop().expect("a report");
    assert_eq!(
        report["ok"],
        true,
        "{report} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read(&store).unwrap(),
        before,
        "the audit changed the store"
    );
}

/// `POST /buy` with a JSON body; returns the status and the JSON answer.
fn post_buy(address: &str, body: &str, origin: Option<&str>) -> (u16, String) {
    post_buy_as(address, body, origin, "application/json")
}

/// The same, with this Content-Type.
fn post_buy_as(address: &str, body: &str, origin: Option<&str>, kind: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let origin = origin.map_or(String::new(), |origin| format!("Origin: {origin}\r\n"));
    write!(
        stream,
        "POST /buy HTTP/1.1\r\nHost: {address}\r\n{origin}Content-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

#[test]
fn the_http_front_answers_each_case_with_its_status_under_concurrent_buyers() {
    let port = common::free_port();
    let address = format!("127.0.0.1:{port}");
    let child = command()
        .args([
            "lab",
            "flash-sale",
            "--serve",
            &address,
            "--stock",
            "50",
            "--filters",
            "reservation,one-per-user",
            "--headless",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Reaped(child);
    common::wait_for(Duration::from_secs(20), "the shop to listen", || {
        std::net::TcpStream::connect(&address).ok().map(|_| ())
    });
    // 40 threads, 200 buyers for 50 items, each trying twice; the first 3 × 50 registered.
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..40)
            .map(|thread| {
                let address = &address;
                scope.spawn(move || {
                    let mut seen = Vec::new();
                    for user in (1..=200).filter(|user| user % 40 == thread) {
                        for _ in 0..2 {
                            let body = format!("{{\"user\": {user}, \"product\": 1}}");
                            seen.push(post_buy(address, &body, None).0);
                        }
                    }
                    seen
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap())
            .collect()
    });
    let count = |status| statuses.iter().filter(|seen| **seen == status).count();
    assert_eq!(count(201), 50, "every item sold once: {statuses:?}");
    // What a form on another site can send without asking buys nothing.
    for kind in ["text/plain", "application/x-www-form-urlencoded"] {
        let (status, body) = post_buy_as(&address, r#"{"user": 1, "product": 1}"#, None, kind);
        assert_eq!(status, 415, "{kind}: {body}");
    }
    assert_eq!(
        count(201) + count(409),
        300,
        "registered buyers: {statuses:?}"
    );
    assert_eq!(count(403), 100, "buyers 151 to 200 are not registered");
    // Not registered (the first 3 × 50 buyers are), a bad body, another site's page.
    assert_eq!(
        post_buy(&address, "{\"user\": 151, \"product\": 1}", None).0,
        403
    );
    let (status, body) = post_buy(&address, "{\"user\": \"seven\"}", None);
    assert_eq!(status, 400);
    assert!(
        body.contains("\\\"user\\\" must be a whole number"),
        "{body}"
    );
    assert_eq!(
        post_buy(
            &address,
            "{\"user\": 1, \"product\": 1}",
            Some("http://evil.example")
        )
        .0,
        403
    );
    // Stopped as with Ctrl-C, it reports the invariants.
    common::interrupt(&server.0);
    let (_, printed) = server.finish_within(Duration::from_secs(20), "the shop");
    let report = common::json_lines(printed.as_bytes())
        .pop()
        .expect("a report");
    assert_eq!(report["ok"], true, "{report}");
    assert!(
        report["verdict"]
            .as_str()
            .unwrap()
            .starts_with("invariants hold: served 50 orders"),
        "{report}"
    );
}

#[test]
fn compare_tabulates_every_strategy_and_draws_them() {
    let folder = tempfile::tempdir().unwrap();
    let plot = folder.path().join("sale.svg");
    let output = command()
        .args([
            "lab",
            "flash-sale",
            "--compare",
            "--users",
            "2000",
            "--stock",
            "100",
            "--rtt",
            "2",
            "--plot",
            plot.to_str().unwrap(),
            "--headless",
        ])
        .output()
        .unwrap();
    let lines = common::json_lines(&output.stdout);
    let report = lines.last().expect("a report");
    assert_eq!(report["ok"], true, "{report}");
    let table = &lines[lines.len() - 2]["tables"]["strategies"];
    let strategies: Vec<&str> = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row[0].as_str().unwrap())
        .collect();
    assert_eq!(strategies, ["naive", "transaction", "guarded", "queue"]);
    let oversold = table["rows"][0][4].as_f64().unwrap();
    assert!(oversold > 0.0, "naive oversells: {table}");
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..100.min(svg.len())]);
    for word in ["orders per second", "p99 latency (ms)", "guarded", "queue"] {
        assert!(svg.contains(word), "{word}");
    }
    assert!(
        svg.contains(&format!("{oversold} oversold")),
        "the naive bar says what it oversold"
    );
    // --plot without --compare is a one-line mistake.
    let refused = command()
        .args(["lab", "flash-sale", "--plot", "x.svg", "--headless"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("--plot draws the comparison: add --compare")
    );
}

fn exercise_file(folder: &str, exercise: &str, file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(folder)
        .join(exercise)
        .join(file)
}

/// The purchase exercise `exercise`: its reference passes; each of `failing` (a file, and the
/// words of its verdict) fails; SQL the engine refuses is one clear failure with `refusal`'s
/// words.
fn prove_purchase_sql(exercise: &str, failing: &[(&str, &str)], refusal: &[&str]) {
    let (code, out) = common::check_exercise_with_file(
        exercise,
        &exercise_file("exercises", exercise, "purchase.sql"),
        "purchase.sql",
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS every item sold"), "{out}");
    for (file, words) in failing {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let (code, out) = common::check_exercise_with_file(exercise, &path, "purchase.sql");
        assert_eq!(code, 1, "{file}: {out}");
        assert!(out.contains(words), "{file}: {out}");
    }
    let folder = tempfile::tempdir().unwrap();
    let broken = folder.path().join("broken.sql");
    std::fs::write(
        &broken,
        "UPDATE products SET stock = stock - 1 WHERE id = :product AND;",
    )
    .unwrap();
    let (code, out) = common::check_exercise_with_file(exercise, &broken, "purchase.sql");
    assert_eq!(code, 1);
    assert!(out.contains("FAIL the SQL runs"), "{out}");
    for words in refusal {
        assert!(out.contains(words), "{out}");
    }
}

#[test]
fn the_purchase_sql_exercise_passes_a_guarded_purchase_and_fails_the_races() {
    prove_purchase_sql(
        "flashsale-sql",
        &[
            (
                "../content/exercises/flashsale-sql/starter/purchase.sql",
                "FAIL nothing oversold",
            ),
            (
                "exercises/flashsale-sql/read-then-write.sql",
                "FAIL every item sold",
            ),
        ],
        &["statements SQLite accepts"],
    );
}

/// The MySQL form of the purchase exercise, on a private MariaDB: the starter oversells, and
/// so does a consistent read inside a transaction (InnoDB's lesson).
#[test]
fn the_purchase_sql_exercise_on_mysql_passes_the_reference_and_fails_the_races() {
    if !common::mariadb_present() {
        return;
    }
    prove_purchase_sql(
        "flashsale-sql-mysql",
        &[
            (
                "../content/exercises/flashsale-sql-mysql/starter/purchase.sql",
                "FAIL nothing oversold",
            ),
            (
                "exercises/flashsale-sql-mysql/broken-consistent-read.sql",
                "FAIL nothing oversold",
            ),
        ],
        &["statements MariaDB accepts", "error 1064 from the server"],
    );
}

#[test]
fn the_filters_exercise_wants_no_oversell_a_fast_p99_and_a_sale_that_still_sells() {
    let exercise = "flashsale-filters";
    let (code, out) = common::check_exercise_with_file(
        exercise,
        &exercise_file("exercises", exercise, "filters.txt"),
        "filters.txt",
    );
    assert_eq!(code, 0, "{out}");
    // A lottery still lets too many race for the last items.
    let (code, out) = common::check_exercise_with_file(
        exercise,
        &exercise_file("exercises", exercise, "broken-lottery.txt"),
        "filters.txt",
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL nothing oversold"), "{out}");
    // Turning everyone away is safe and useless.
    let folder = tempfile::tempdir().unwrap();
    let nobody = folder.path().join("nobody.txt");
    std::fs::write(&nobody, "threshold:0\n").unwrap();
    let (code, out) = common::check_exercise_with_file(exercise, &nobody, "filters.txt");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL the sale still sells"), "{out}");
}

#[test]
fn the_polite_client_exercise_passes_the_references_and_catches_an_impatient_client() {
    let exercise = "flashsale-polite-client";
    let solutions = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("exercises")
        .join(exercise);
    let php_present = std::process::Command::new("php")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    let mut cases = vec![
        ("python3", "solution.py", true),
        ("python3", "broken.py", false),
    ];
    if php_present || !common::missing_tool("php", "the PHP polite client") {
        cases.push(("php", "solution.php", true));
    }
    for (interpreter, file, passes) in cases {
        let program = solutions.join(file);
        let folder = tempfile::tempdir().unwrap();
        let (code, out) = common::check_exercise_in(
            folder.path(),
            exercise,
            &[interpreter, program.to_str().unwrap()],
        );
        if passes {
            assert_eq!(code, 0, "{file}: {out}");
        } else {
            assert_eq!(code, 1, "{file}: {out}");
            assert!(
                out.contains("FAIL waits as Retry-After says before asking again"),
                "{out}"
            );
        }
    }
}

/// The PDO exercise on a private MariaDB: the references in PHP and Python pass, and the
/// starters, which read the stock and take it in another statement, oversell under the rush.
/// The broken variants are proved in `tests/exercises.rs`.
#[test]
fn the_pdo_exercise_passes_the_references_and_catches_the_starters() {
    let exercise = "flashsale-php-pdo";
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let solutions = root.join("exercises").join(exercise);
    let starters = root
        .join("../content/exercises")
        .join(exercise)
        .join("starter");
    let mut cases = Vec::new();
    if common::mysql_exercise_runs(true) {
        cases.push(("php", solutions.join("solution.php"), true));
        cases.push(("php", starters.join("buy.php"), false));
    }
    if common::mysql_exercise_runs(false) {
        cases.push(("python3", solutions.join("solution.py"), true));
        cases.push(("python3", starters.join("buy.py"), false));
    }
    for (interpreter, program, passes) in cases {
        let folder = tempfile::tempdir().unwrap();
        let program = program.to_str().unwrap();
        let command: Vec<&str> = if interpreter == "php" {
            vec!["php", "-S", "127.0.0.1:25011", program]
        } else {
            vec!["python3", program]
        };
        let (code, out) = common::check_exercise_in(folder.path(), exercise, &command);
        if passes {
            assert_eq!(code, 0, "{program}: {out}");
            // Every step ran and was graded: the lone buyer, the rushes, the lock watch.
            for check in [
                "PASS a buyer alone gets product",
                "PASS nothing oversold",
                "PASS every item sold",
                "PASS each order paid once",
                "PASS no row lock held",
                "PASS the shop serves buyers at the same time",
            ] {
                assert!(out.contains(check), "{program}: {check}: {out}");
            }
        } else {
            assert_eq!(code, 1, "{program}: {out}");
            assert!(out.contains("FAIL nothing oversold"), "{program}: {out}");
        }
    }
}

/// The private servers' processes started by the workbench process `pid` (their folders
/// carry its pid), and those folders.
fn private_servers_of(pid: u32) -> (Vec<u32>, Vec<std::path::PathBuf>) {
    let marker = format!("workbench-mariadb-{pid}-");
    let mut processes = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(process) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let command_line = std::fs::read(format!("/proc/{process}/cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&command_line).contains(&marker) {
            processes.push(process);
        }
    }
    let folders = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.to_string_lossy().contains(&marker))
        .collect();
    (processes, folders)
}

#[test]
fn on_mysql_compare_shows_transaction_oversell_and_leaves_no_server_behind() {
    if !common::mariadb_present() {
        return;
    }
    let child = command()
        .args([
            "lab",
            "flash-sale",
            "--engine",
            "mysql",
            "--compare",
            "--users",
            "1500",
            "--stock",
            "50",
            "--rtt",
            "1",
            // Naive oversells by the buyers caught between their read and their write when
            // the last item goes: about a sixth of the workers on a busy two-core machine, so
            // 16 workers sometimes caught none (CI saw a naive sale that held); 48 catch ~8-18.
            "--workers",
            "48",
            "--headless",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (status, stdout) =
        Reaped(child).finish_within(Duration::from_secs(300), "flash-sale on mysql");
    assert_eq!(
        status.code(),
        Some(0),
        "{}",
        stdout.lines().last().unwrap_or("")
    );
    let lines = common::json_lines(stdout.as_bytes());
    let events = lines
        .iter()
        .filter_map(|line| line["events"].as_array())
        .flatten()
        .filter_map(|event| event["text"].as_str().or(event["message"].as_str()))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        events.contains("the private MariaDB is ready on 127.0.0.1:"),
        "{events}"
    );
    let table = &lines[lines.len() - 2]["tables"]["strategies"];
    let rows = table["rows"].as_array().unwrap();
    let strategies: Vec<&str> = rows.iter().map(|row| row[0].as_str().unwrap()).collect();
    assert_eq!(
        strategies,
        ["naive", "transaction", "for-update", "guarded", "queue"]
    );
    for row in rows {
        let oversold = row[4].as_f64().unwrap();
        match row[0].as_str().unwrap() {
            "naive" | "transaction" => assert!(oversold > 0.0, "{row}"),
            _ => assert_eq!(oversold, 0.0, "{row}"),
        }
    }
    let report = lines.last().unwrap();
    let verdict = report["verdict"].as_str().unwrap();
    assert!(
        verdict.contains("naive and transaction broke them"),
        "{verdict}"
    );
    let (processes, folders) = private_servers_of(pid);
    assert!(processes.is_empty(), "mariadbd left running: {processes:?}");
    assert!(folders.is_empty(), "folders left: {folders:?}");
}

#[test]
fn a_sale_on_mysql_stopped_by_sigterm_stops_its_server_and_removes_its_folder() {
    if !common::mariadb_present() {
        return;
    }
    let child = command()
        .args([
            "lab",
            "flash-sale",
            "--engine",
            "mysql",
            "--strategy",
            "for-update",
            "--users",
            "1000000",
            "--stock",
            "1000000",
            "--rtt",
            "1",
            "--headless",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut child = Reaped(child);
    wait_for_counter(&mut child, "orders", 50, Duration::from_secs(120));
    assert_eq!(
        private_servers_of(pid).0.len(),
        1,
        "one private server runs"
    );
    unsafe { libc::kill(pid as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.0.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "the workbench did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (processes, folders) = private_servers_of(pid);
    assert!(processes.is_empty(), "mariadbd left running: {processes:?}");
    assert!(folders.is_empty(), "folders left: {folders:?}");
}

#[test]
fn engine_mistakes_are_one_line_usage_errors() {
    let (code, said) = flash_sale(&["--strategy", "for-update"]);
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("SQLite has no row locks"), "{said}");
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    let (code, said) = flash_sale(&["--engine", "mysql", "--db", "sale.db"]);
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("--db takes a server's URL"), "{said}");
    let (code, said) = flash_sale(&["--db", "mysql://shop:secret@127.0.0.1:3306/shop"]);
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("needs --engine mysql"), "{said}");
    assert!(!said.contains("secret"), "{said}");
    let (code, said) = flash_sale(&["--orders-engine", "mysql"]);
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("--orders-engine is for --engine redis"),
        "{said}"
    );
    let (code, said) = flash_sale(&[
        "--engine",
        "redis",
        "--orders-db",
        "mysql://shop@127.0.0.1:3306/shop",
    ]);
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("add --orders-engine mysql"), "{said}");
}

/// `--engine redis --orders-engine mysql`: two private servers, the orders drained into
/// MariaDB, the invariants across both, and neither server left behind.
#[test]
fn a_redis_sale_can_write_its_orders_into_a_private_mariadb() {
    if !common::mariadb_present() || !lab_servers_present("redis-server") {
        return;
    }
    let child = command()
        .args([
            "lab",
            "flash-sale",
            "--engine",
            "redis",
            "--orders-engine",
            "mysql",
        ])
        .args(["--users", "2000", "--stock", "200", "--headless"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let output = child.wait_with_output().unwrap();
    let report = common::json_lines(&output.stdout).pop().expect("a report");
    assert_eq!(report["ok"], true, "{report}");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("writes the orders into mysql"), "{said}");
    assert_eq!(report["counters"]["orders"], 200, "{report}");
    assert_eq!(
        report["counters"]["orders written to the database"], 200,
        "{report}"
    );
    let (servers, folders) = private_servers_of(pid);
    assert!(
        servers.is_empty() && folders.is_empty(),
        "{servers:?} {folders:?}"
    );
}

/// Whether a server program is here; loudly not, and never under CI.
fn lab_servers_present(program: &str) -> bool {
    let present = std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    present || !common::missing_tool(program, "the Redis engine")
}

#[test]
fn a_redis_sale_killed_mid_sale_loses_no_order_the_stream_holds() {
    if !lab_servers_present("redis-server") {
        return;
    }
    // A Redis of the student's own, which outlives the killed workbench.
    let folder = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redis = std::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .arg("--dir")
        .arg(folder.path())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let _redis = Reaped(redis);
    let url = format!("redis://127.0.0.1:{port}/0");
    let orders = folder.path().join("orders.db");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let child = command()
        .args([
            "lab",
            "flash-sale",
            "--engine",
            "redis",
            "--db",
            &url,
            "--orders-db",
        ])
        .arg(&orders)
        .args([
            "--users",
            "1000000",
            "--stock",
            "1000000",
            "--rtt",
            "0",
            "--headless",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Reaped(child);
    wait_for_counter(
        &mut child,
        "orders written to the database",
        500,
        Duration::from_secs(60),
    );
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let output = command()
        .args(["lab", "flash-sale", "--check-db", &url, "--orders-db"])
        .arg(&orders)
        .arg("--headless")
        .output()
        .unwrap();
    let lines = common::json_lines(&output.stdout);
    let report = lines.last().expect("a report");
    assert_eq!(report["ok"], true, "{report}");
    let verdict = report["verdict"].as_str().unwrap();
    assert!(verdict.contains("drained from the stream"), "{verdict}");
    let rows = lines[lines.len() - 2]["tables"]["invariants"]["rows"]
        .as_array()
        .unwrap()
        .clone();
    let every = rows
        .iter()
        .find(|row| row[0] == "every Redis order is in the database")
        .expect("the invariant across both");
    assert_eq!(every[1], "holds", "{every}");
}

#[test]
fn a_workers_sweep_tabulates_each_concurrency_and_draws_the_curve() {
    let folder = tempfile::tempdir().unwrap();
    let plot = folder.path().join("sweep.svg");
    let output = command()
        .args([
            "lab",
            "flash-sale",
            "--sweep-workers",
            "1,4,16",
            "--users",
            "1500",
            "--rtt",
            "1",
            "--plot",
        ])
        .arg(&plot)
        .arg("--headless")
        .output()
        .unwrap();
    let lines = common::json_lines(&output.stdout);
    let report = lines.last().expect("a report");
    assert_eq!(report["ok"], true, "{report}");
    let rows = lines[lines.len() - 2]["tables"]["sweep"]["rows"]
        .as_array()
        .unwrap()
        .clone();
    let workers: Vec<f64> = rows.iter().map(|row| row[0].as_f64().unwrap()).collect();
    assert_eq!(workers, [1.0, 4.0, 16.0]);
    // Nothing oversold, nobody refused a connection, the invariants held: at every count.
    assert!(
        rows.iter()
            .all(|row| row[3] == 0.0 && row[4] == 0.0 && row[5] == "hold"),
        "{rows:?}"
    );
    let svg = std::fs::read_to_string(&plot).unwrap();
    for word in [
        "workers",
        "orders per second",
        "p99 latency (ms)",
        "guarded on sqlite",
    ] {
        assert!(svg.contains(word), "{word}");
    }
    let (code, said) = flash_sale(&["--sweep-workers", "16,lots"]);
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("\"lots\" is not a number of workers"),
        "{said}"
    );
}

#[test]
fn compare_engines_runs_one_strategy_on_each_and_transaction_oversells_on_innodb_only() {
    if !common::mariadb_present() {
        return;
    }
    let output = command()
        .args([
            "lab",
            "flash-sale",
            "--compare-engines",
            "--strategy",
            "transaction",
            "--users",
            "1500",
            "--stock",
            "50",
            "--rtt",
            "1",
            "--headless",
        ])
        .output()
        .unwrap();
    let lines = common::json_lines(&output.stdout);
    let report = lines.last().expect("a report");
    assert_eq!(report["ok"], true, "{report}");
    let rows = lines[lines.len() - 2]["tables"]["engines"]["rows"]
        .as_array()
        .unwrap()
        .clone();
    let engines: Vec<&str> = rows.iter().map(|row| row[0].as_str().unwrap()).collect();
    assert_eq!(engines, ["sqlite", "mysql", "redis"]);
    let oversold = |engine: &str| {
        rows.iter()
            .find(|row| row[0] == engine)
            .and_then(|row| row[4].as_f64())
            .unwrap()
    };
    assert_eq!(oversold("sqlite"), 0.0, "{rows:?}");
    assert!(oversold("mysql") > 0.0, "{rows:?}");
    assert_eq!(oversold("redis"), 0.0, "{rows:?}");
}

/// A buyer in PHP around the flash-sale lesson's `buy()`: connects, says `ready`, waits for
/// the start line so every buyer rushes at once, buys, and says what it got.
const PHP_BUYER: &str = r#"
require $argv[1];
$pdo = new PDO($argv[2], 'shop', '', [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
echo "ready\n";
fgets(STDIN);
$order = buy($pdo, (int) $argv[3], 1);
echo $order === null ? "sold out\n" : "ordered $order\n";
"#;

/// The flash-sale lesson's PDO purchase (`content/php/flash-sale/purchase.php`), run by
/// sixteen PHP buyers at once on a private MariaDB for five items: five orders, eleven told
/// "sold out", the stock at zero, and an order row for each buyer told "ordered", no other.
#[test]
fn the_lessons_pdo_purchase_sells_each_item_once_when_buyers_rush() {
    if !common::mysql_exercise_runs(true) {
        return;
    }
    let server = lab_servers::start_mariadb(
        &lab_servers::MariaDbSettings {
            init_sql: "CREATE DATABASE shop;
                       CREATE TABLE shop.products (id INT PRIMARY KEY, stock INT NOT NULL);
                       CREATE TABLE shop.orders (id INT AUTO_INCREMENT PRIMARY KEY,
                                                 user INT NOT NULL, product INT NOT NULL);
                       INSERT INTO shop.products VALUES (1, 5);
                       CREATE USER 'shop'@'127.0.0.1';
                       GRANT ALL ON shop.* TO 'shop'@'127.0.0.1';"
                .to_string(),
            ..Default::default()
        },
        &mut |_| {},
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let dsn = format!("mysql:host=127.0.0.1;port={};dbname=shop", server.port());
    let purchase = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../content/php/flash-sale/purchase.php");
    let mut buyers: Vec<Reaped> = (1..=16)
        .map(|user| {
            Reaped(
                std::process::Command::new("php")
                    .args(["-r", PHP_BUYER, "--"])
                    .arg(&purchase)
                    .arg(&dsn)
                    .arg(user.to_string())
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();
    let mut answers: Vec<BufReader<std::process::ChildStdout>> = buyers
        .iter_mut()
        .map(|buyer| BufReader::new(buyer.0.stdout.take().unwrap()))
        .collect();
    let line_of = |reader: &mut BufReader<std::process::ChildStdout>| {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        line.trim_end().to_string()
    };
    for answer in &mut answers {
        assert_eq!(line_of(answer), "ready");
    }
    for buyer in &mut buyers {
        std::io::Write::write_all(buyer.0.stdin.as_mut().unwrap(), b"go\n").unwrap();
    }
    let mut ordered = Vec::new();
    for (user, answer) in (1..=16).zip(&mut answers) {
        match line_of(answer).as_str() {
            "sold out" => {}
            said => ordered.push((
                said.strip_prefix("ordered ")
                    .unwrap_or_else(|| panic!("buyer {user} said {said:?}"))
                    .to_string(),
                user.to_string(),
            )),
        }
    }
    assert_eq!(ordered.len(), 5, "{ordered:?}");
    let state = std::process::Command::new("php")
        .args([
            "-r",
            "$pdo = new PDO($argv[1], 'shop', '');
             echo $pdo->query('SELECT stock FROM products')->fetchColumn(), \"\\n\";
             foreach ($pdo->query('SELECT id, user FROM orders ORDER BY id') as $row) {
                 echo $row['id'], ' ', $row['user'], \"\\n\";
             }",
            "--",
            &dsn,
        ])
        .output()
        .unwrap();
    let state = String::from_utf8_lossy(&state.stdout).into_owned();
    let mut lines = state.lines();
    assert_eq!(lines.next(), Some("0"), "the stock: {state}");
    let mut rows: Vec<(String, String)> = lines
        .map(|line| {
            let (id, user) = line.split_once(' ').unwrap();
            (id.to_string(), user.to_string())
        })
        .collect();
    rows.sort();
    ordered.sort();
    assert_eq!(
        rows, ordered,
        "the order rows are the buyers told 'ordered'"
    );
}
