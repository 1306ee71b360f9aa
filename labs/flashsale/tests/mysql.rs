//! The strategies on a real MariaDB server (a private one, started for each test): InnoDB's
//! row locks and consistent reads make `transaction` oversell where SQLite's one writer lock
//! does not, `for-update` hold and wait, and a connection limit refuse buyers.

use std::time::Duration;

mod common;

use common::run;
use lab_core::LabContext;
use lab_flashsale::sale::{self, Arrival, Connections, Sale};
use lab_flashsale::store::mysql::{self, MysqlTarget, PrivateSettings};
use lab_flashsale::strategy::Strategy;
use lab_servers::PrivateServer;

/// A private server, or `None` (loudly, and never under CI) when MariaDB is not installed.
fn server(max_connections: u32) -> Option<(PrivateServer, MysqlTarget)> {
    server_with(max_connections, 28800)
}

fn server_with(max_connections: u32, wait_timeout: u32) -> Option<(PrivateServer, MysqlTarget)> {
    server_full(max_connections, wait_timeout, 50)
}

fn server_full(
    max_connections: u32,
    wait_timeout: u32,
    lock_wait_timeout: u32,
) -> Option<(PrivateServer, MysqlTarget)> {
    if !common::installed(lab_servers::Kind::MariaDb) {
        return None;
    }
    let settings = PrivateSettings {
        max_connections,
        lock_wait_timeout_seconds: lock_wait_timeout,
        sync_each_commit: false,
        wait_timeout_seconds: wait_timeout,
    };
    Some(mysql::start_private(&settings, &mut |_| {}).unwrap_or_else(|error| panic!("{error}")))
}

fn sale_on(target: &MysqlTarget, strategy: Strategy) -> Sale {
    Sale {
        mysql: Some(target.clone()),
        users: 2000,
        stock: 50,
        ..Sale::on_file(Default::default(), strategy)
    }
}

#[test]
fn on_innodb_naive_and_transaction_oversell_and_the_others_sell_exactly_the_stock() {
    let Some((_server, target)) = server(151) else {
        return;
    };
    for strategy in [Strategy::Naive, Strategy::Transaction] {
        let outcome = run(&sale_on(&target, strategy));
        assert!(outcome.audit.oversold > 0, "{strategy:?}: {outcome:?}");
        assert!(outcome.audit.negative_stock_products > 0, "{strategy:?}");
        assert!(!strategy.is_correct_on(lab_flashsale::store::Engine::Mysql));
    }
    for strategy in [Strategy::ForUpdate, Strategy::Guarded, Strategy::Queue] {
        let outcome = run(&sale_on(&target, strategy));
        assert!(outcome.audit.holds(false), "{strategy:?}: {outcome:?}");
        assert_eq!(outcome.orders, 150, "{strategy:?}: {outcome:?}");
        assert_eq!(outcome.audit.stock_left, 0, "{strategy:?}");
        assert_eq!(outcome.audit.ledger_rows, 150, "{strategy:?}");
        assert_eq!(outcome.errors, 0, "{strategy:?}: {outcome:?}");
    }
}

#[test]
fn for_update_holds_the_row_across_its_round_trips_so_its_buyers_take_turns() {
    let Some((_server, target)) = server(151) else {
        return;
    };
    let rtt = Duration::from_millis(2);
    let sale = Sale {
        rtt,
        products: 1,
        users: 400,
        ..sale_on(&target, Strategy::ForUpdate)
    };
    let outcome = run(&sale);
    assert!(outcome.audit.holds(false), "{outcome:?}");
    assert!(outcome.lock_waits > 100, "{outcome:?}");
    // Sixteen workers, yet one at a time: each order held the row across two round trips and
    // each sold-out answer across one, so the sale lasted at least their sum. Without the row
    // lock it would take a sixteenth of that. (A lower bound: a busy machine only adds to it.)
    let held = rtt * (2 * outcome.orders as u32 + outcome.sold_out as u32);
    assert!(
        outcome.seconds >= held.as_secs_f64(),
        "{:.3} s for {:.3} s of held round trips: {outcome:?}",
        outcome.seconds,
        held.as_secs_f64()
    );
}

#[test]
fn a_connection_per_purchase_past_max_connections_is_refused_with_1040_and_nothing_oversold() {
    let Some((_server, target)) = server(4) else {
        return;
    };
    let sale = Sale {
        connections: Connections::PerRequest,
        pool_check: false,
        workers: 32,
        rtt: Duration::from_millis(2),
        ..sale_on(&target, Strategy::Guarded)
    };
    let outcome = run(&sale);
    assert!(outcome.refused_connections > 0, "{outcome:?}");
    assert_eq!(outcome.refused_connections, outcome.errors, "{outcome:?}");
    assert!(outcome.audit.holds(false), "{outcome:?}");
}

#[test]
fn tables_of_the_same_names_that_are_not_the_labs_are_refused_and_left_alone() {
    let Some((_server, target)) = server(151) else {
        return;
    };
    use ::mysql::prelude::Queryable;
    let mut conn = mysql::connect(&target.admin_url).unwrap();
    conn.query_drop(
        "CREATE TABLE products (id INT PRIMARY KEY, price INT); INSERT INTO products VALUES (1, 42)",
    )
    .unwrap();
    let error = sale::prepare(&sale_on(&target, Strategy::Guarded)).unwrap_err();
    let line = error.to_string();
    assert!(
        line.contains("refused, the table products is another program's"),
        "{line}"
    );
    assert!(!line.contains('\n'));
    let price: Option<i64> = conn
        .query_first("SELECT price FROM products WHERE id = 1")
        .unwrap();
    assert_eq!(price, Some(42));
    assert!(!mysql::is_store(&target).unwrap());
}

#[test]
fn a_url_that_does_not_answer_is_one_line_with_host_and_port() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Nobody listens there any more.
    let target =
        MysqlTarget::from_url(&format!("mysql://shop:secret@127.0.0.1:{port}/shop")).unwrap();
    let error = sale::prepare(&sale_on(&target, Strategy::Guarded))
        .unwrap_err()
        .to_string();
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
    assert!(error.contains("cannot connect"), "{error}");
    assert!(!error.contains("secret"), "the password is shown: {error}");
    assert!(!error.contains('\n'), "{error}");
    let missing = MysqlTarget::from_url("mysql://shop@127.0.0.1:3306").unwrap_err();
    assert!(missing.contains("name the database"), "{missing}");
}

#[test]
fn pooled_connections_idle_past_wait_timeout_are_gone_with_2006_unless_the_pool_checks_them() {
    let Some((_server, target)) = server_with(151, 1) else {
        return;
    };
    // A buyer every 1.5 s: the pooled connection waits that long between two, and the server
    // closes it after one second idle.
    let idle = |pool_check| {
        let sale = Sale {
            users: 4,
            workers: 4,
            bots: 0,
            arrival: Arrival::Steady,
            spread: Duration::from_secs(6),
            pool_check,
            ..sale_on(&target, Strategy::Guarded)
        };
        sale::prepare(&sale).unwrap();
        let context = LabContext::new();
        let outcome = sale::run(&sale, &context).unwrap();
        let counter = |name: &str| context.counter(name).get();
        (
            outcome,
            counter("connections gone away (2006)"),
            counter("dead connections replaced"),
        )
    };
    let (unchecked, gone, _) = idle(false);
    assert!(gone > 0, "{unchecked:?}");
    assert_eq!(unchecked.errors, gone, "{unchecked:?}");
    assert!(unchecked.audit.holds(false));
    let (checked, gone, replaced) = idle(true);
    assert_eq!(gone, 0, "{checked:?}");
    assert_eq!(checked.errors, 0, "{checked:?}");
    assert!(replaced > 0, "{checked:?}");
    assert_eq!(checked.orders + checked.sold_out, 4, "{checked:?}");
}

#[test]
fn a_row_lock_held_across_long_round_trips_makes_the_buyers_behind_it_time_out_with_1205() {
    let Some((_server, target)) = server_full(151, 28800, 1) else {
        return;
    };
    // Sixteen buyers queue on one row, each holding it for two round trips of 100 ms: the
    // last in line waits about three seconds, past the one-second innodb_lock_wait_timeout.
    let sale = Sale {
        users: 48,
        products: 1,
        bots: 0,
        rtt: Duration::from_millis(100),
        ..sale_on(&target, Strategy::ForUpdate)
    };
    let outcome = run(&sale);
    assert!(outcome.lock_timeouts > 0, "{outcome:?}");
    assert_eq!(outcome.lock_timeouts, outcome.errors, "{outcome:?}");
    // A purchase that timed out was undone: nothing half-done, nothing oversold.
    assert!(outcome.audit.holds(false), "{outcome:?}");
    assert_eq!(outcome.orders + outcome.errors + outcome.sold_out, 48);
}
