//! How close do the strategies come to what SQLite can do? `just bench` (or
//! `cargo bench -p lab-flashsale --bench sale`).
//!
//! The physical limit first: guarded purchases of one row, one connection, back to back, each
//! its own transaction. Then the lab's `guarded` (sixteen workers, no round trip), target at least
//! 0.7x that limit, and the `queue`, whose group commits should reach at least 3x `guarded` when
//! every commit must reach the disk (`synchronous = full`). Each figure is the median of a few
//! rounds, measured in this run; the sold-out HTTP fast path is not measured yet (no `--serve`).

use std::time::{Duration, Instant};

use lab_core::LabContext;
use lab_flashsale::sale::{self, Arrival, Connections, Sale};
use lab_flashsale::store::{self, Synchronous};
use lab_flashsale::strategy::{self, Strategy};

const ROUNDS: usize = 3;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Purchases per second of one connection selling back to back.
fn limit(folder: &std::path::Path, synchronous: Synchronous, purchases: u64) -> f64 {
    let path = folder.join("limit.db");
    let sale = Sale {
        database: path.clone(),
        stock: purchases as u32 * 2,
        ..base(folder, Strategy::Guarded, synchronous, purchases)
    };
    sale::prepare(&sale).unwrap();
    let connection = store::open(&path, synchronous).unwrap();
    let started = Instant::now();
    for user in 1..=purchases {
        connection.execute_batch("BEGIN IMMEDIATE").unwrap();
        strategy::sell_one(&connection, user, 1).unwrap();
        connection.execute_batch("COMMIT").unwrap();
    }
    purchases as f64 / started.elapsed().as_secs_f64()
}

fn base(
    folder: &std::path::Path,
    strategy: Strategy,
    synchronous: Synchronous,
    users: u64,
) -> Sale {
    Sale {
        database: folder.join(format!("{}.db", strategy.name())),
        strategy,
        users,
        workers: 16,
        stock: users as u32 * 2,
        products: 1,
        rtt: Duration::ZERO,
        arrival: Arrival::Burst,
        spread: Duration::ZERO,
        bots: 0,
        connections: Connections::Pool,
        synchronous,
        filters: Vec::new(),
    }
}

fn orders_per_second(
    folder: &std::path::Path,
    strategy: Strategy,
    synchronous: Synchronous,
    users: u64,
) -> f64 {
    let sale = base(folder, strategy, synchronous, users);
    sale::prepare(&sale).unwrap();
    let outcome = sale::run(&sale, &LabContext::new()).unwrap();
    assert!(outcome.audit.holds(false));
    outcome.orders as f64 / outcome.seconds
}

fn main() {
    let folder = tempfile::tempdir().unwrap();
    for (synchronous, name, purchases) in [
        (Synchronous::Normal, "normal", 20_000),
        (Synchronous::Full, "full", 2_000),
    ] {
        let mut limits = Vec::new();
        let mut guarded = Vec::new();
        let mut queued = Vec::new();
        for _ in 0..ROUNDS {
            limits.push(limit(folder.path(), synchronous, purchases));
            guarded.push(orders_per_second(
                folder.path(),
                Strategy::Guarded,
                synchronous,
                purchases,
            ));
            queued.push(orders_per_second(
                folder.path(),
                Strategy::Queue,
                synchronous,
                purchases,
            ));
        }
        let (limit, guarded, queued) = (median(limits), median(guarded), median(queued));
        println!(
            "synchronous = {name}: limit {limit:.0}/s, guarded {guarded:.0}/s ({:.2}x the limit, target >= 0.7x), queue {queued:.0}/s ({:.2}x guarded, target >= 3x with full)",
            guarded / limit,
            queued / guarded
        );
    }
}
