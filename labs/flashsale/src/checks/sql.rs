//! `flashsale-sql`: the student writes the SQL of one purchase (`purchase.sql`), with the
//! parameters `:user` and `:product`. The checker runs it for a crowd of buyers on 16
//! connections at once, each statement one network round trip (a sleep of `rtt_ms` before
//! it), and then audits the store: nothing oversold, stock never negative, a ledger row per
//! order, and every item sold (a purchase that never sells passes nothing).
//!
//! Reading the stock in one statement and taking it in the next leaves a round trip between
//! them in which everyone else reads the same stock. A guarded `UPDATE … WHERE stock > 0`
//! decides in one statement; the order and ledger rows follow only when it changed a row.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lab_core::exercise::{Check, CheckSetup, Checker};
use rusqlite::Connection;
use rusqlite::fallible_iterator::FallibleIterator;

use super::{invariant_checks, number};
use crate::store::{self, Synchronous};
use crate::strategy::is_busy;

pub struct SqlChecker;

impl Checker for SqlChecker {
    fn id(&self) -> &'static str {
        "flashsale-sql"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &[]
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let file = PathBuf::from(setup.setting("sql", "purchase.sql"));
        let users = number(setup, "users", "2000")?;
        let stock = number(setup, "stock", "100")? as u32;
        let workers = number(setup, "workers", "16")? as usize;
        let rtt = Duration::from_millis(number(setup, "rtt_ms", "1")?);
        let sql = match std::fs::read_to_string(&file) {
            Ok(sql) => sql,
            Err(error) => {
                return Ok(vec![Check::fail(
                    format!("{} is there", file.display()),
                    "a file with the SQL of one purchase",
                    error.to_string(),
                )]);
            }
        };
        let scratch = tempfile::tempdir()?;
        let database = scratch.path().join("sale.db");
        let connection = store::open(&database, Synchronous::Normal)?;
        store::create(&connection, 1, stock, false)?;
        // Once, alone, first: a mistake in the SQL is one clear line.
        let mut checks = Vec::new();
        match purchase(&connection, &sql, 1, 1, Duration::ZERO) {
            Ok(()) => checks.push(Check::pass(
                "the SQL runs",
                "one purchase alone went through",
            )),
            Err(error) => {
                checks.push(
                    Check::fail(
                        "the SQL runs",
                        "statements SQLite accepts, using :user and :product",
                        error.to_string(),
                    )
                    .because("try it with sqlite3 on a copy of the tables in the README"),
                );
                return Ok(checks);
            }
        }
        let alone = store::audit(&connection)?;
        if alone.orders != 1 || alone.stock_left != stock as i64 - 1 {
            checks.push(Check::fail(
                "one purchase alone sells one item",
                format!("1 order and {} left", stock - 1),
                format!("{} orders and {} left", alone.orders, alone.stock_left),
            ));
            return Ok(checks);
        }
        store::create(&connection, 1, stock, false)?;
        let next = AtomicU64::new(1);
        let failures = AtomicU64::new(0);
        let first_failure = std::sync::Mutex::new(None);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    let Ok(connection) = store::open(&database, Synchronous::Normal) else {
                        return;
                    };
                    loop {
                        let user = next.fetch_add(1, Ordering::Relaxed);
                        if user > users || setup.out_of_time() {
                            return;
                        }
                        if let Err(error) = purchase(&connection, &sql, user, 1, rtt) {
                            failures.fetch_add(1, Ordering::Relaxed);
                            first_failure
                                .lock()
                                .unwrap_or_else(|poisoned| poisoned.into_inner())
                                .get_or_insert(error.to_string());
                        }
                    }
                });
            }
        });
        let audit = store::audit(&connection)?;
        let failed = failures.load(Ordering::Relaxed);
        checks.push(if failed == 0 {
            Check::pass(
                format!("{users} buyers on {workers} connections, no purchase failed"),
                "every statement ran",
            )
        } else {
            Check::fail(
                format!("{users} buyers on {workers} connections, no purchase failed"),
                "no errors",
                format!(
                    "{failed} purchases failed, the first with: {}",
                    first_failure
                        .into_inner()
                        .unwrap_or_default()
                        .unwrap_or_default()
                ),
            )
        });
        checks.extend(invariant_checks(&audit));
        checks.push(if audit.orders == stock as u64 {
            Check::pass(
                "every item sold",
                format!("{} orders for {stock} items", audit.orders),
            )
        } else {
            Check::fail(
                "every item sold",
                format!("{stock} orders: more buyers than items"),
                format!("{} orders", audit.orders),
            )
            .because(if audit.orders > stock as u64 {
                "more orders than items: the stock is read in one statement and taken in another"
            } else {
                "some buyers found stock but bought nothing"
            })
        });
        Ok(checks)
    }
}

/// Runs the purchase's statements one by one, each after a round trip; SQLITE_BUSY makes the
/// whole purchase start again (after rolling back what it began), as a client would.
fn purchase(
    connection: &Connection,
    sql: &str,
    user: u64,
    product: u64,
    rtt: Duration,
) -> rusqlite::Result<()> {
    let mut wait = Duration::from_micros(100);
    loop {
        match run_statements(connection, sql, user, product, rtt) {
            Err(error) if is_busy(&error) => {
                if !connection.is_autocommit() {
                    let _ = connection.execute_batch("ROLLBACK");
                }
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_millis(10));
            }
            Err(error) => {
                if !connection.is_autocommit() {
                    let _ = connection.execute_batch("ROLLBACK");
                }
                return Err(error);
            }
            Ok(()) => return Ok(()),
        }
    }
}

fn run_statements(
    connection: &Connection,
    sql: &str,
    user: u64,
    product: u64,
    rtt: Duration,
) -> rusqlite::Result<()> {
    let mut batch = rusqlite::Batch::new(connection, sql);
    while let Some(mut statement) = batch.next()? {
        if !rtt.is_zero() {
            std::thread::sleep(rtt);
        }
        for (name, value) in [(":user", user), (":product", product)] {
            if let Some(index) = statement.parameter_index(name)? {
                statement.raw_bind_parameter(index, value as i64)?;
            }
        }
        let mut rows = statement.raw_query();
        while rows.next()?.is_some() {}
    }
    Ok(())
}
