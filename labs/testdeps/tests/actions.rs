//! The `http`, `sql` and `zmq` actions against real servers: PHP's built-in web server (started
//! by the suite's own bootstrap), a SQLite file, and ZeroMQ REP and PUB sockets.

use std::path::Path;

use lab_testdeps::schedule::{self, Outcome, TestResult};
use lab_testdeps::suite::{self, Suite};

fn suite_in(folder: &Path, text: &str) -> Suite {
    let file = folder.join("suite.toml");
    std::fs::write(&file, text).unwrap();
    let suite = suite::load(&file).unwrap();
    lab_testdeps::graph::check(&suite).unwrap();
    suite
}

fn results(suite: &Suite) -> Vec<(String, Outcome, u32)> {
    schedule::run(suite, None, 2, &|_: &TestResult| {})
        .into_iter()
        .map(|result| {
            (
                suite.tests[result.index].name.clone(),
                result.outcome,
                result.assertions,
            )
        })
        .collect()
}

fn free_port() -> u16 {
    lab_core::free_port().expect("the system hands out a free port")
}

fn have_php() -> bool {
    let present = std::process::Command::new("php")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "php is missing but CI must have it (.ci/run installs php-cli)"
        );
        eprintln!("\n*** SKIPPED: php is not installed, so the http action was NOT tested. ***\n");
    }
    present
}

/// A tiny shop: POST /buy answers 201 with an order, GET /orders/{id} finds it.
const ROUTER: &str = r#"<?php
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
header('Content-Type: application/json');
if ($_SERVER['REQUEST_METHOD'] === 'POST' && $path === '/buy') {
    $body = json_decode(file_get_contents('php://input'), true);
    if (!is_array($body) || !isset($body['user'])) {
        http_response_code(400);
        echo json_encode(['error' => 'bad body']);
        return;
    }
    http_response_code(201);
    echo json_encode(['order' => ['id' => 42, 'user' => $body['user']]]);
} elseif (preg_match('#^/orders/(\d+)$#', $path, $found)) {
    echo json_encode(['id' => (int) $found[1], 'state' => 'paid']);
} else {
    http_response_code(404);
    echo json_encode(['error' => 'no such page']);
}
"#;

#[test]
fn http_tests_check_status_headers_body_and_json_and_pass_values_on() {
    if !have_php() {
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("router.php"), ROUTER).unwrap();
    let port = free_port();
    let text = format!(
        r#"name = "shop"
[bootstrap]
command = "php -S 127.0.0.1:{port} router.php"
ready_port = {port}

[[test]]
name = "buy"
http = {{ method = "POST", url = "http://127.0.0.1:{port}/buy", body = '{{"user": 7}}', headers = {{ "Content-Type" = "application/json" }}, status = 201, header_contains = {{ "content-type" = "json" }}, json = {{ "$.order.user" = 7 }} }}
capture_json = "$.order.id"

[[test]]
name = "fetch"
depends = ["buy"]
http = {{ url = "http://127.0.0.1:{port}/orders/${{buy}}", body_contains = "paid", json = {{ "/id" = 42 }} }}

[[test]]
name = "bad_body"
http = {{ method = "POST", url = "http://127.0.0.1:{port}/buy", body = "nonsense", status = 201 }}

[[test]]
name = "wrong_json"
http = {{ url = "http://127.0.0.1:{port}/orders/5", json = {{ "$.state" = "refunded" }} }}

[[test]]
name = "nobody_there"
timeout = 2
http = {{ url = "http://127.0.0.1:{closed}/" }}
"#,
        closed = free_port()
    );
    let file = folder.path().join("shop.toml");
    std::fs::write(&file, text).unwrap();
    let mut out = Vec::new();
    let mut error = Vec::new();
    let options = lab_testdeps::Options {
        files: vec![file],
        jobs: 2,
        filter: None,
        junit: None,
        style: lab_testdeps::report::Style { colour: false },
        format: lab_testdeps::Format::Json,
        interrupted: || false,
    };
    let code = lab_testdeps::run_suites(&options, &mut out, &mut error);
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap_or_else(|_| {
        panic!(
            "{}{}",
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&error)
        )
    });
    assert_eq!(code, lab_testdeps::FAILED);
    let tests = report["suites"][0]["tests"].as_array().unwrap();
    let test = |name: &str| {
        tests
            .iter()
            .find(|test| test["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {report}"))
    };
    assert_eq!(test("buy")["outcome"], "passed", "{report}");
    // Status, one header, one JSON value, and the capture.
    assert_eq!(test("buy")["assertions"], 4, "{report}");
    assert_eq!(test("fetch")["outcome"], "passed", "{report}");
    let bad = test("bad_body");
    assert_eq!(bad["outcome"], "failed", "{report}");
    assert_eq!(bad["expected"], "status 201");
    assert!(
        bad["actual"].as_str().unwrap().starts_with("status 400"),
        "{bad}"
    );
    let wrong = test("wrong_json");
    assert_eq!(wrong["expected"], "\"refunded\"", "{wrong}");
    assert_eq!(wrong["actual"], "\"paid\"", "{wrong}");
    assert_eq!(test("nobody_there")["outcome"], "error", "{report}");
}

#[test]
fn sql_tests_compare_rows_as_text_and_count_them() {
    let folder = tempfile::tempdir().unwrap();
    let database = rusqlite::Connection::open(folder.path().join("shop.db")).unwrap();
    database
        .execute_batch(
            "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, stock INTEGER, price REAL);
             INSERT INTO products VALUES (1, 'hot item', 0, 9.5), (2, 'plain', 99, NULL);",
        )
        .unwrap();
    drop(database);
    let suite = suite_in(
        folder.path(),
        r#"name = "store"
[[test]]
name = "rows"
sql = { database = "shop.db", query = "SELECT id, name, stock, price FROM products ORDER BY id", rows = [[1, "hot item", 0, 9.5], [2, "plain", 99, "NULL"]] }

[[test]]
name = "sold_out"
sql = { database = "shop.db", query = "SELECT id FROM products WHERE stock = 0", row_count = 1 }
capture = "^(\\d+)"

[[test]]
name = "uses_capture"
depends = ["sold_out"]
sql = { database = "shop.db", query = "SELECT name FROM products WHERE id = ${sold_out}", rows = [["hot item"]] }

[[test]]
name = "oversold"
sql = { database = "shop.db", query = "SELECT count(*) FROM products WHERE stock < 0", rows = [[1]] }

[[test]]
name = "no_such_table"
sql = { database = "shop.db", query = "SELECT * FROM orders", row_count = 0 }

[[test]]
name = "no_such_file"
sql = { database = "missing.db", query = "SELECT 1", row_count = 1 }
"#,
    );
    let results = results(&suite);
    let find = |name: &str| results.iter().find(|(test, _, _)| test == name).unwrap();
    assert_eq!(find("rows").1, Outcome::Passed);
    assert_eq!(find("sold_out").1, Outcome::Passed);
    assert_eq!(find("uses_capture").1, Outcome::Passed);
    match &find("oversold").1 {
        Outcome::Failed {
            expected, actual, ..
        } => {
            assert_eq!(expected, "[[\"1\"]]");
            assert_eq!(actual, "[[\"0\"]]");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(&find("no_such_table").1, Outcome::Error { message } if message.contains("no such table: orders")),
        "{:?}",
        find("no_such_table")
    );
    assert!(
        matches!(&find("no_such_file").1, Outcome::Error { message } if message.contains("missing.db")),
        "{:?}",
        find("no_such_file")
    );
    // A missing database is not created.
    assert!(!folder.path().join("missing.db").exists());
}

#[test]
fn zmq_tests_send_requests_and_read_subscriptions() {
    let context = zmq::Context::new();
    let server = context.socket(zmq::REP).unwrap();
    let port = free_port();
    server.bind(&format!("tcp://127.0.0.1:{port}")).unwrap();
    let publisher = context.socket(zmq::PUB).unwrap();
    let pub_port = free_port();
    publisher
        .bind(&format!("tcp://127.0.0.1:{pub_port}"))
        .unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let replying = {
        let done = done.clone();
        std::thread::spawn(move || {
            server.set_rcvtimeo(100).unwrap();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(request) = server.recv_string(0) {
                    let request = request.unwrap();
                    server
                        .send(format!("From Server1: {request}").as_bytes(), 0)
                        .unwrap();
                }
            }
        })
    };
    let publishing = {
        let done = done.clone();
        std::thread::spawn(move || {
            // Again and again: a subscriber misses what was sent before it joined.
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                publisher.send_multipart(["A", "not for you"], 0).unwrap();
                publisher
                    .send_multipart(["B", "We would like to see this"], 0)
                    .unwrap();
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        })
    };
    let folder = tempfile::tempdir().unwrap();
    let suite = suite_in(
        folder.path(),
        &format!(
            r#"name = "messaging"
[[test]]
name = "hello"
zmq = {{ request = "tcp://127.0.0.1:{port}", send = "Hello", expect = "From Server1: Hello" }}

[[test]]
name = "wrong_prefix"
zmq = {{ request = "tcp://127.0.0.1:{port}", send = "Hello", expect = "From Server2: Hello" }}

[[test]]
name = "topic_b"
timeout = 10
zmq = {{ subscribe = "tcp://127.0.0.1:{pub_port}", topic = "B", expect_matches = "^B We would" }}

[[test]]
name = "silent"
timeout = 1
zmq = {{ request = "tcp://127.0.0.1:{silent}", send = "anyone?" }}
"#,
            silent = free_port()
        ),
    );
    let results = results(&suite);
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    replying.join().unwrap();
    publishing.join().unwrap();
    let find = |name: &str| results.iter().find(|(test, _, _)| test == name).unwrap();
    assert_eq!(find("hello").1, Outcome::Passed);
    assert_eq!(find("hello").2, 2, "a reply came, and it was right");
    match &find("wrong_prefix").1 {
        Outcome::Failed {
            expected, actual, ..
        } => {
            assert_eq!(expected, "\"From Server2: Hello\"");
            assert_eq!(actual, "\"From Server1: Hello\"");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(find("topic_b").1, Outcome::Passed, "{results:?}");
    match &find("silent").1 {
        Outcome::Failed { actual, .. } => assert_eq!(actual, "nothing within 1 s"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_exec_test_imports_the_cases_of_phpunits_junit_report() {
    if std::process::Command::new("phpunit")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("CI").is_none(),
            "phpunit is missing but CI must have it (.ci/run installs it)"
        );
        eprintln!("\n*** SKIPPED: phpunit is not installed, so junit import was NOT tested. ***\n");
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("CartTest.php"),
        r#"<?php
use PHPUnit\Framework\TestCase;

final class CartTest extends TestCase
{
    public function testAdd(): void { $this->assertSame(2, 1 + 1); }
    public function testTotal(): void { $this->assertSame(10, 3 + 4, 'the total is wrong'); }
    public function testShip(): void { $this->markTestSkipped('no courier today'); }
}
"#,
    )
    .unwrap();
    std::fs::write(
        folder.path().join("GoodTest.php"),
        "<?php\nuse PHPUnit\\Framework\\TestCase;\nfinal class GoodTest extends TestCase\n{\n    public function testOne(): void { $this->assertTrue(true); }\n}\n",
    )
    .unwrap();
    // A stale report must not count: the runner removes it before the command runs.
    std::fs::write(folder.path().join("good.xml"), "<testsuites/>").unwrap();
    let suite = suite_in(
        folder.path(),
        r#"name = "php"
[[test]]
name = "cart"
exec = { command = "phpunit --log-junit cart.xml CartTest.php", exit = 1, junit = "cart.xml" }

[[test]]
name = "good"
exec = { command = "phpunit --log-junit good.xml GoodTest.php", junit = "good.xml" }

[[test]]
name = "no_report"
exec = { command = "true", junit = "never.xml" }
"#,
    );
    let results = schedule::run(&suite, None, 2, &|_: &TestResult| {});
    let result = |name: &str| {
        results
            .iter()
            .find(|result| suite.tests[result.index].name == name)
            .unwrap()
    };
    let cart = result("cart");
    let outcomes: Vec<(&str, &str)> = cart
        .cases
        .iter()
        .map(|case| (case.name.as_str(), case.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("CartTest::testAdd", "passed"),
            ("CartTest::testTotal", "failed"),
            ("CartTest::testShip", "skipped"),
        ]
    );
    match &cart.outcome {
        Outcome::Failed {
            message, actual, ..
        } => {
            let report = folder.path().join("cart.xml");
            assert_eq!(
                *message,
                format!("1 of the 3 cases in {} did not pass", report.display())
            );
            assert!(
                actual.contains("CartTest::testTotal failed: the total is wrong"),
                "{actual}"
            );
        }
        other => panic!("{other:?}"),
    }
    // The exit code, and the two cases that ran.
    assert_eq!(cart.assertions, 3);
    assert_eq!(result("good").outcome, Outcome::Passed);
    assert_eq!(result("good").cases.len(), 1);
    assert!(
        matches!(&result("no_report").outcome, Outcome::Error { message } if message.contains("wrote no JUnit report")),
        "{:?}",
        result("no_report").outcome
    );
}
