//! The sale on a real Redis (a private `redis-server` for each test): one Lua script per
//! purchase never oversells, the consumer brings every order into the database, and the stream
//! lets a consumer that died halfway start again without losing or doubling an order.

use std::time::Duration;

use lab_core::LabContext;
use lab_flashsale::sale::{self, Arrival, Connections, Sale};
use lab_flashsale::store::redis::{self, RedisTarget, Scripted};
use lab_flashsale::store::{self, Synchronous};
use lab_flashsale::strategy::Strategy;
use lab_servers::PrivateServer;

fn server() -> Option<(PrivateServer, RedisTarget)> {
    if !lab_servers::redis_installed() {
        assert!(
            std::env::var_os("CI").is_none(),
            "Redis is missing but CI must have it (.ci/run installs redis-server)"
        );
        eprintln!(
            "\n*** SKIPPED: Redis is not installed, so the Redis engine was NOT tested. ***\n"
        );
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
        lottery_seed: 0,
        database: folder.join("orders.db"),
        mysql: None,
        redis: Some(target.clone()),
        strategy: Strategy::Guarded,
        users: 3000,
        workers: 16,
        stock: 100,
        products: 3,
        rtt: Duration::from_millis(1),
        arrival: Arrival::Burst,
        spread: Duration::ZERO,
        bots: 10,
        connections: Connections::Pool,
        pool_check: false,
        synchronous: Synchronous::Normal,
        filters: vec!["one-per-user".to_string()],
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
    let database = store::open(&sale.database, Synchronous::Normal).unwrap();
    let counted = LabContext::new().counter("written");
    let written = redis::consume(&target, &database, &|| true, &counted).unwrap();
    assert_eq!(written, 60);
    let across = redis::audit(&target, &database).unwrap();
    assert!(across.holds(), "{across:?}");
    // A consumer that wrote everything but died before its acknowledgements: the stream hands
    // every entry over again, and writing them again adds nothing.
    let _: () = ::redis::cmd("XGROUP")
        .arg("SETID")
        .arg(format!("{}orders", redis::PREFIX))
        .arg(&["database", "0"][..])
        .query(&mut conn)
        .unwrap();
    let again = redis::consume(&target, &database, &|| true, &counted).unwrap();
    assert_eq!(again, 0);
    let audit = store::audit(&database).unwrap();
    assert!(audit.holds(true), "{audit:?}");
    assert_eq!(audit.orders, 60);
    assert!(redis::audit(&target, &database).unwrap().holds());
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
