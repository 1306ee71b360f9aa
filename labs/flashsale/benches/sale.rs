//! How close do the strategies come to what SQLite can do? `just bench` (or
//! `cargo bench -p lab-flashsale --bench sale`).
//!
//! The physical limit first: guarded purchases of one row, one connection, back to back, each
//! its own transaction. Then the lab's `guarded` (sixteen workers, no round trip), target at least
//! 0.7x that limit, and the `queue`, whose group commits should reach at least 3x `guarded` when
//! every commit must reach the disk (`synchronous = full`). Each figure is the median of a few
//! rounds, measured in this run. Last, the sold-out fast path over HTTP (`--serve` with the
//! `sold-out` filter) against a minimal axum handler answering the same 409, both loaded by wrk:
//! target at least 0.5x.
//!
//! On a private MariaDB (when it is installed): the hot-row limit (one connection, guarded
//! purchases back to back), the lab's `guarded` with no round trip and sixteen workers against
//! it (target at least 0.7x), and `for-update` against `guarded` with a round trip of 0.5 ms:
//! the price of holding the row lock across round trips, the lesson's number.

use std::time::{Duration, Instant};

use lab_core::LabContext;
use lab_flashsale::sale::{self, Sale};
use lab_flashsale::store::Synchronous;
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
        mysql: None,
        redis: None,
        stock: purchases as u32 * 2,
        ..base(folder, Strategy::Guarded, synchronous, purchases)
    };
    sale::prepare(&sale).unwrap();
    let mut session = sale.store().connect().unwrap();
    let started = Instant::now();
    for user in 1..=purchases {
        session.begin_write().unwrap();
        strategy::sell_one(session.as_mut(), user, 1).unwrap();
        session.commit().unwrap();
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
        users,
        stock: users as u32 * 2,
        products: 1,
        rtt: Duration::ZERO,
        bots: 0,
        synchronous,
        ..Sale::on_file(folder.join(format!("{}.db", strategy.name())), strategy)
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
    mariadb();
    http_fast_path(folder.path());
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

/// Requests per second that `wrk` gets from `url` with a POST body, or `None` without wrk.
fn wrk(url: &str, script: &std::path::Path) -> Option<f64> {
    let output = std::process::Command::new("wrk")
        .args(["-t2", "-c64", "-d3s", "-s"])
        .arg(script)
        .arg(url)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|rate| rate.trim().parse().ok())
}

fn free_port() -> u16 {
    lab_core::free_port().expect("the system hands out a free port")
}

/// The sold-out fast path over HTTP against the plainest axum handler that answers the same
/// 409, both loaded by wrk in this run.
fn http_fast_path(folder: &std::path::Path) {
    let script = folder.join("buy.lua");
    std::fs::write(
        &script,
        "wrk.method = \"POST\"\nwrk.body = '{\"user\": 7, \"product\": 1}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n",
    )
    .unwrap();
    if wrk("http://127.0.0.1:1/", &script).is_none()
        && std::process::Command::new("wrk")
            .arg("--version")
            .output()
            .is_err()
    {
        println!("sold-out fast path over HTTP: wrk is not installed, not measured");
        return;
    }
    // The reference: a handler that answers 409 at once.
    let reference_port = free_port();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.spawn(async move {
        let app = axum::Router::new().route(
            "/buy",
            axum::routing::post(|| async {
                (
                    axum::http::StatusCode::CONFLICT,
                    axum::Json(serde_json::json!({"error": "sold out"})),
                )
            }),
        );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", reference_port))
            .await
            .unwrap();
        axum::serve(listener, app).await.unwrap();
    });
    // The shop: nothing in stock, the sold-out filter in front.
    let sale = Sale {
        stock: 0,
        filters: vec!["sold-out".to_string()],
        ..base(folder, Strategy::Guarded, Synchronous::Normal, 1)
    };
    sale::prepare(&sale).unwrap();
    let context = LabContext::new();
    let shop = std::sync::Arc::new(sale::Shop::open(&sale, &context).unwrap());
    let shop_port = free_port();
    let serving = {
        let (shop, context) = (shop.clone(), context.clone());
        std::thread::spawn(move || {
            lab_flashsale::serve::serve(&format!("127.0.0.1:{shop_port}"), shop, 1, &context)
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    let mut reference = Vec::new();
    let mut ours = Vec::new();
    for _ in 0..ROUNDS {
        reference.extend(wrk(
            &format!("http://127.0.0.1:{reference_port}/buy"),
            &script,
        ));
        ours.extend(wrk(&format!("http://127.0.0.1:{shop_port}/buy"), &script));
    }
    context.cancel_token().cancel();
    serving.join().unwrap().unwrap();
    let (reference, ours) = (median(reference), median(ours));
    println!(
        "sold-out fast path over HTTP: {ours:.0} requests/s, a minimal axum handler {reference:.0}/s: {:.2}x (target >= 0.5x)",
        ours / reference
    );
}

/// The strategies on a private MariaDB, against its hot-row limit measured in this run.
fn mariadb() {
    if !lab_servers::mariadb_installed() {
        println!("MariaDB: not installed, not measured");
        return;
    }
    let settings = lab_flashsale::store::mysql::PrivateSettings {
        max_connections: 151,
        lock_wait_timeout_seconds: 50,
        sync_each_commit: false,
        wait_timeout_seconds: 28800,
    };
    let (_server, target) =
        lab_flashsale::store::mysql::start_private(&settings, &mut |_| {}).unwrap();
    let on_mysql = |strategy, users: u64, rtt| Sale {
        mysql: Some(target.clone()),
        redis: None,
        rtt,
        ..base(
            std::path::Path::new(""),
            strategy,
            Synchronous::Normal,
            users,
        )
    };
    let run = |sale: &Sale| {
        sale::prepare(sale).unwrap();
        let outcome = sale::run(sale, &LabContext::new()).unwrap();
        assert!(outcome.audit.holds(false), "{outcome:?}");
        outcome.orders as f64 / outcome.seconds
    };
    let (mut limits, mut guarded, mut locking, mut guarded_rtt) = (vec![], vec![], vec![], vec![]);
    for _ in 0..ROUNDS {
        let purchases = 5_000;
        let sale = on_mysql(Strategy::Guarded, purchases, Duration::ZERO);
        sale::prepare(&sale).unwrap();
        let mut session = sale.store().connect().unwrap();
        let started = Instant::now();
        for user in 1..=purchases {
            session.begin_write().unwrap();
            strategy::sell_one(session.as_mut(), user, 1).unwrap();
            session.commit().unwrap();
        }
        limits.push(purchases as f64 / started.elapsed().as_secs_f64());
        guarded.push(run(&on_mysql(Strategy::Guarded, purchases, Duration::ZERO)));
        let half = Duration::from_micros(500);
        locking.push(run(&on_mysql(Strategy::ForUpdate, 1_000, half)));
        guarded_rtt.push(run(&on_mysql(Strategy::Guarded, 1_000, half)));
    }
    let (limit, guarded) = (median(limits), median(guarded));
    let (locking, guarded_rtt) = (median(locking), median(guarded_rtt));
    redis_against(guarded);
    println!(
        "MariaDB: hot-row limit {limit:.0}/s, guarded {guarded:.0}/s ({:.2}x the limit, target >= 0.7x); with --rtt 0.5: for-update {locking:.0}/s, guarded {guarded_rtt:.0}/s (for-update {:.2}x guarded)",
        guarded / limit,
        locking / guarded_rtt
    );
}

/// The Redis path (one Lua script per purchase, the consumer writing SQLite behind it) on the
/// sale MariaDB's `guarded` sold at `mysql_guarded` orders a second: target at least 10x.
fn redis_against(mysql_guarded: f64) {
    if !lab_servers::redis_installed() {
        println!("Redis: not installed, not measured");
        return;
    }
    let server = lab_servers::start_redis(&mut |_| {}).unwrap();
    let target = lab_flashsale::store::redis::RedisTarget {
        url: format!("redis://127.0.0.1:{}/0", server.port()),
    };
    let folder = tempfile::tempdir().unwrap();
    let (mut rates, mut answered) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let sale = Sale {
            redis: Some(target.clone()),
            ..base(folder.path(), Strategy::Guarded, Synchronous::Normal, 5_000)
        };
        sale::prepare(&sale).unwrap();
        let outcome = sale::run(&sale, &LabContext::new()).unwrap();
        assert!(
            outcome
                .redis_audit
                .as_ref()
                .is_some_and(|audit| audit.holds())
        );
        rates.push(outcome.orders as f64 / outcome.seconds);
        answered.push(outcome.orders as f64 / outcome.answered_seconds);
    }
    let (rate, answered) = (median(rates), median(answered));
    println!(
        "Redis: the Lua purchase answers {answered:.0} buyers/s, {:.1}x MariaDB's guarded (target >= 10x); {rate:.0}/s until its consumer has written every order into SQLite ({:.1}x)",
        answered / mysql_guarded,
        rate / mysql_guarded
    );
}
