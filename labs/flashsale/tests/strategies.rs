//! Every strategy under the same crowd, on a real SQLite file: the naive one really oversells,
//! the other three sell exactly the stock and keep every invariant.

use std::time::Duration;

use lab_core::LabContext;
use lab_flashsale::sale::{self, Arrival, Connections, Outcome, Sale};
use lab_flashsale::store::Synchronous;
use lab_flashsale::strategy::Strategy;

fn sale_in(folder: &std::path::Path, strategy: Strategy) -> Sale {
    Sale {
        database: folder.join(format!("{}.db", strategy.name())),
        strategy,
        users: 3000,
        workers: 16,
        stock: 100,
        products: 3,
        rtt: Duration::from_millis(2),
        arrival: Arrival::Burst,
        spread: Duration::ZERO,
        bots: 10,
        connections: Connections::Pool,
        synchronous: Synchronous::Normal,
    }
}

fn run(sale: &Sale) -> Outcome {
    sale::prepare(sale).unwrap();
    sale::run(sale, &LabContext::new()).unwrap()
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
        users: 600,
        products: 1,
        ..sale_in(folder.path(), Strategy::Guarded)
    };
    let outcome = run(&sale);
    assert!(outcome.audit.holds(false), "{outcome:?}");
    assert_eq!(outcome.orders, 100);
}
