//! The sale on a real Redis (a private `redis-server` for each test): one Lua script per
//! purchase never oversells, the consumer brings every order into the database, and the stream
//! lets a consumer that died halfway start again without losing or doubling an order.

mod common;

use lab_core::LabContext;
use lab_flashsale::sale::{self, Sale};
use lab_flashsale::store::redis::{self, RedisTarget, Scripted};
use lab_flashsale::strategy::Strategy;
use lab_servers::PrivateServer;

fn server() -> Option<(PrivateServer, RedisTarget)> {
    if !common::installed(lab_servers::Kind::Redis) {
        return None;
    }
    let server = lab_servers::start_redis(&mut |_| {}).unwrap_or_else(|error| panic!("{error}"));
    let target = RedisTarget {
        url: format!("redis://127.0.0.1:{}/0", server.port()),
    };
    Some((server, target))
}

fn sale_on(target: &RedisTarget, folder: &std::path::Path) -> Sale {
    Sale {
        redis: Some(target.clone()),
        filters: vec!["one-per-user".to_string()],
        ..Sale::on_file(folder.join("orders.db"), Strategy::Guarded)
    }
}

#[test]
fn the_script_sells_exactly_the_stock_and_every_order_reaches_the_database() {
    let Some((_server, target)) = server() else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let sale = sale_on(&target, folder.path());
    sale::prepare(&sale).unwrap();
    let outcome = sale::run(&sale, &LabContext::new()).unwrap();
    assert_eq!(outcome.orders, 300, "{outcome:?}");
    assert!(outcome.audit.holds(true), "{outcome:?}");
    let across = outcome.redis_audit.expect("a Redis audit");
    assert!(across.holds(), "{across:?}");
    assert_eq!(across.in_database, 300);
    assert_eq!(across.unacknowledged, 0);
}

/// The same sale with the orders written into MySQL: the consumer's idempotent INSERT IGNORE
/// and the audit across both sides hold there too.
#[test]
fn on_redis_with_the_orders_in_mysql_every_order_reaches_the_server() {
    let Some((_server, target)) = server() else {
        return;
    };
    if !common::installed(lab_servers::Kind::MariaDb) {
        return;
    }
    let (_mariadb, mysql) = lab_flashsale::store::mysql::start_private(
        &lab_flashsale::store::mysql::PrivateSettings {
            max_connections: 151,
            lock_wait_timeout_seconds: 50,
            sync_each_commit: false,
            wait_timeout_seconds: 28800,
        },
        &mut |_| {},
    )
    .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let sale = Sale {
        mysql: Some(mysql.clone()),
        ..sale_on(&target, folder.path())
    };
    sale::prepare(&sale).unwrap();
    let outcome = sale::run(&sale, &LabContext::new()).unwrap();
    assert_eq!(outcome.orders, 300, "{outcome:?}");
    let across = outcome.redis_audit.expect("a Redis audit");
    assert!(across.holds(), "{across:?}");
    assert_eq!(across.in_database, 300);
    // The orders are in MySQL, not in a SQLite file.
    let audit = lab_flashsale::store::mysql::audit(&mysql).unwrap();
    assert_eq!(audit.orders, 300);
    assert!(audit.holds(true), "{audit:?}");
    assert!(!folder.path().join("orders.db").exists());
}

#[test]
fn a_consumer_that_died_halfway_loses_nothing_and_doubles_nothing_when_it_starts_again() {
    let Some((_server, target)) = server() else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let sale = sale_on(&target, folder.path());
    sale::prepare(&sale).unwrap();
    let mut conn = target.connect().unwrap();
    for user in 1..=60 {
        assert!(matches!(
            redis::buy(&mut conn, user, 1, true).unwrap(),
            Scripted::Order(_)
        ));
    }
    // A consumer read 25 orders and died before writing them: they are pending, not lost.
    let _: ::redis::Value = ::redis::cmd("XREADGROUP")
        .arg(&["GROUP", "database", "writer", "COUNT", "25", "STREAMS"][..])
        .arg(format!("{}orders", redis::PREFIX))
        .arg(">")
        .query(&mut conn)
        .unwrap();
    let mut database = sale.store().connect().unwrap();
    let database = database.as_mut();
    let counted = LabContext::new().counter("written");
    let written = redis::consume(&target, database, &|| true, &counted).unwrap();
    assert_eq!(written, 60);
    let across = redis::audit(&target, database).unwrap();
    assert!(across.holds(), "{across:?}");
    // A consumer that wrote everything but died before its acknowledgements: the stream hands
    // every entry over again, and writing them again adds nothing.
    let _: () = ::redis::cmd("XGROUP")
        .arg("SETID")
        .arg(format!("{}orders", redis::PREFIX))
        .arg(&["database", "0"][..])
        .query(&mut conn)
        .unwrap();
    let again = redis::consume(&target, database, &|| true, &counted).unwrap();
    assert_eq!(again, 0);
    let audit = sale.store().audit().unwrap();
    assert!(audit.holds(true), "{audit:?}");
    assert_eq!(audit.orders, 60);
    assert!(redis::audit(&target, database).unwrap().holds());
}

#[test]
fn keys_under_the_labs_prefix_without_its_mark_are_refused_and_other_keys_left_alone() {
    let Some((_server, target)) = server() else {
        return;
    };
    let mut conn = target.connect().unwrap();
    let _: () = ::redis::cmd("SET")
        .arg(&["session:42", "ada"][..])
        .query(&mut conn)
        .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let sale = sale_on(&target, folder.path());
    sale::prepare(&sale).unwrap();
    let kept: String = ::redis::cmd("GET")
        .arg("session:42")
        .query(&mut conn)
        .unwrap();
    assert_eq!(kept, "ada", "another program's key was touched");
    // A stranger's key under the prefix, on a fresh database: refused.
    let _: () = ::redis::cmd("FLUSHDB").query(&mut conn).unwrap();
    let _: () = ::redis::cmd("SET")
        .arg(format!("{}stock:1", redis::PREFIX))
        .arg("7")
        .query(&mut conn)
        .unwrap();
    let refused = sale::prepare(&sale).unwrap_err().to_string();
    assert!(refused.contains("without the lab's mark"), "{refused}");
}
