//! Every strategy under the same crowd, on a real SQLite file: the naive one really oversells,
//! the other three sell exactly the stock and keep every invariant.

use std::time::Duration;

mod common;

use common::run;
use lab_core::LabContext;
use lab_flashsale::sale::{self, Arrival, Connections, Sale};
use lab_flashsale::store::{Session, Synchronous};
use lab_flashsale::strategy::Strategy;

fn sale_in(folder: &std::path::Path, strategy: Strategy) -> Sale {
    Sale {
        rtt: Duration::from_millis(2),
        ..Sale::on_file(folder.join(format!("{}.db", strategy.name())), strategy)
    }
}

#[test]
fn the_naive_purchase_oversells_under_concurrency() {
    let folder = tempfile::tempdir().unwrap();
    let outcome = run(&sale_in(folder.path(), Strategy::Naive));
    assert!(outcome.audit.oversold > 0, "{outcome:?}");
    assert!(!outcome.audit.holds(false));
    assert!(
        outcome.orders > 300,
        "more orders than the 3 × 100 items: {outcome:?}"
    );
    // The ledger still has a row per order: the books balance, the shelves do not.
    assert_eq!(outcome.audit.ledger_rows, outcome.audit.orders);
    assert!(outcome.audit.negative_stock_products > 0);
}

#[test]
fn the_other_strategies_sell_exactly_the_stock_and_keep_the_invariants() {
    let folder = tempfile::tempdir().unwrap();
    for strategy in [Strategy::Transaction, Strategy::Guarded, Strategy::Queue] {
        let outcome = run(&sale_in(folder.path(), strategy));
        assert!(outcome.audit.holds(false), "{strategy:?}: {outcome:?}");
        assert_eq!(outcome.audit.oversold, 0, "{strategy:?}");
        // More buyers than items: every item sold, none twice.
        assert_eq!(outcome.orders, 300, "{strategy:?}: {outcome:?}");
        assert_eq!(outcome.audit.stock_left, 0, "{strategy:?}");
        assert_eq!(outcome.errors, 0, "{strategy:?}");
        if strategy == Strategy::Queue {
            assert_eq!(outcome.busy_retries, 0, "one writer never meets another");
        }
    }
}

#[test]
fn a_connection_per_request_still_keeps_the_invariants() {
    let folder = tempfile::tempdir().unwrap();
    let sale = Sale {
        connections: Connections::PerRequest,
        pool_check: false,
        users: 600,
        products: 1,
        ..sale_in(folder.path(), Strategy::Guarded)
    };
    let outcome = run(&sale);
    assert!(outcome.audit.holds(false), "{outcome:?}");
    assert_eq!(outcome.orders, 100);
}

#[test]
fn the_funnel_adds_up_and_the_filters_keep_the_invariants() {
    let folder = tempfile::tempdir().unwrap();
    let sale = Sale {
        filters: vec![
            "random:0.3".into(),
            "reservation".into(),
            "one-per-user".into(),
            "sold-out".into(),
        ],
        users: 4000,
        ..sale_in(folder.path(), Strategy::Guarded)
    };
    sale::prepare(&sale).unwrap();
    let context = LabContext::new();
    let outcome = sale::run(&sale, &context).unwrap();
    assert!(outcome.audit.holds(true), "{outcome:?}");
    let count = |name: &str| context.counter(name).get();
    let offered = count("offered");
    let stages = [
        count("through random:0.3"),
        count("through reservation"),
        count("through one-per-user"),
        count("through sold-out"),
    ];
    // Each stage lets through no more than the one before it.
    assert!(
        offered >= stages[0] && stages.windows(2).all(|pair| pair[0] >= pair[1]),
        "{offered} {stages:?}"
    );
    // The lottery lets about three in ten through (bots try again, so count buyers loosely).
    assert!(stages[0] * 10 < offered * 4, "{offered} {stages:?}");
    // Every offer ends somewhere: refused by a filter, or it reached the database.
    let refused = count("refused: filtered (429)")
        + count("refused: not reserved (403)")
        + count("refused: sold out (409)");
    let reached = outcome.orders
        + outcome.sold_out
        + count("duplicates refused by the database")
        + outcome.errors;
    assert_eq!(refused + reached, offered);
    assert_eq!(reached, stages[3]);
    // Only registered buyers (the first 3 × 300) ordered.
    assert!(count("refused: not reserved (403)") > 0);
}

#[test]
fn the_unique_index_refuses_a_second_order_whatever_the_application_does() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("once.db");
    let connection = lab_flashsale::store::open(&path, Synchronous::Normal).unwrap();
    lab_flashsale::store::create(&connection, 1, 10, true).unwrap();
    let mut session =
        lab_flashsale::store::sqlite::SqliteSession::open(&path, Synchronous::Normal).unwrap();
    let mut sell = || {
        session.begin_write().unwrap();
        let sold = lab_flashsale::strategy::sell_one(&mut session, 7, 1);
        match sold {
            Ok(_) => session.commit().unwrap(),
            Err(_) => session.rollback(),
        }
        sold
    };
    assert!(sell().is_ok());
    let second = sell().unwrap_err();
    assert_eq!(second.trouble, lab_flashsale::store::Trouble::Duplicate);
    let audit = lab_flashsale::store::audit(&connection).unwrap();
    assert_eq!(audit.orders, 1);
    assert!(
        audit.holds(true),
        "the refused order took no stock: {audit:?}"
    );
}

#[test]
fn buyers_spread_over_time_all_arrive_and_the_last_no_sooner_than_their_arrival() {
    let folder = tempfile::tempdir().unwrap();
    for arrival in [Arrival::Steady, Arrival::Ramp] {
        let sale = Sale {
            users: 200,
            bots: 0,
            arrival,
            spread: Duration::from_millis(400),
            rtt: Duration::ZERO,
            ..sale_in(folder.path(), Strategy::Guarded)
        };
        let outcome = run(&sale);
        // A worker that waited for its next buyer used to stop there: 2 of 200 came.
        assert_eq!(outcome.offered, 200, "{arrival:?}: {outcome:?}");
        assert_eq!(
            outcome.orders + outcome.sold_out,
            200,
            "{arrival:?}: {outcome:?}"
        );
        // The last buyer arrives at 199/200 of the spread (a ramp: its square root).
        assert!(outcome.seconds >= 0.39, "{arrival:?}: {outcome:?}");
    }
}

#[test]
fn each_products_orders_are_told_apart_and_add_up_to_the_sale() {
    let folder = tempfile::tempdir().unwrap();
    let outcome = run(&sale_in(folder.path(), Strategy::Guarded));
    let products: Vec<u32> = outcome
        .per_product
        .iter()
        .map(|each| each.product)
        .collect();
    assert_eq!(products, [1, 2, 3]);
    let total: u64 = outcome.per_product.iter().map(|each| each.orders).sum();
    assert_eq!(total, outcome.orders);
    // Four buyers in five want the hot item: it sells out, all 100.
    assert_eq!(outcome.per_product[0].orders, 100, "{outcome:?}");
    assert!(outcome.per_product.iter().all(|each| each.p99_ms > 0.0));
}
