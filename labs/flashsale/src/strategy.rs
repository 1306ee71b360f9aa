//! Four ways to sell one item, from wrong to right to fast. Each pays the client's round trip
//! to the database (`rtt`) where a real client would wait on the network; where that wait
//! falls is the whole difference.
//!
//! ```text
//! naive        ── rtt ── SELECT stock ── rtt ── INSERT order; UPDATE stock; INSERT ledger
//!              (each statement alone) Two buyers both read "1 left", both buy: an oversell.
//! transaction  ── rtt ── BEGIN; SELECT; INSERT; UPDATE; INSERT ── rtt ── COMMIT
//!              Correct, but the one write lock is held across the network wait: everyone queues.
//! guarded      ── rtt ── BEGIN IMMEDIATE; UPDATE … SET stock = stock - 1
//!                        WHERE id = ? AND stock > 0 RETURNING stock; INSERT; INSERT; COMMIT
//!              The database decides, in one statement, under the lock, for as short as it can.
//! queue        ── rtt ── a bounded queue → one writer thread that commits in small groups
//!              No two writers ever meet: no SQLITE_BUSY at all, one fsync per group.
//! ```
//!
//! When two writers meet, SQLite answers SQLITE_BUSY at once (the store sets no busy timeout);
//! every strategy retries with growing, jittered waits and counts each retry.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

use lab_core::{CancelToken, Counter, Gauge};
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Strategy {
    Naive,
    Transaction,
    Guarded,
    Queue,
}

impl Strategy {
    pub const ALL: [Strategy; 4] = [
        Strategy::Naive,
        Strategy::Transaction,
        Strategy::Guarded,
        Strategy::Queue,
    ];

    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// How one attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bought {
    Order(i64),
    SoldOut,
}

/// What a buyer needs to buy: the round trip and the counter of busy retries.
#[derive(Clone)]
pub struct Trip {
    pub rtt: Duration,
    pub busy_retries: Counter,
}

impl Trip {
    fn wait(&self) {
        if !self.rtt.is_zero() {
            std::thread::sleep(self.rtt);
        }
    }

    /// Runs `attempt` until it is not SQLITE_BUSY (or `give_up` passes), waiting longer each
    /// time: 50 µs, 100 µs … up to 5 ms, each with some jitter so that the losers do not all
    /// come back at the same moment.
    fn retry<T>(&self, mut attempt: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
        let give_up = Instant::now() + Duration::from_secs(30);
        let mut wait = Duration::from_micros(50);
        loop {
            match attempt() {
                Err(error) if is_busy(&error) && Instant::now() < give_up => {
                    self.busy_retries.increment();
                    std::thread::sleep(wait + jitter(wait));
                    wait = (wait * 2).min(Duration::from_millis(5));
                }
                other => return other,
            }
        }
    }
}

pub fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Up to `wait` more, from a cheap per-thread random number.
fn jitter(wait: Duration) -> Duration {
    use std::cell::Cell;
    thread_local!(static STATE: Cell<u64> = Cell::new(std::process::id() as u64 ^ 0x9E37_79B9_7F4A_7C15));
    let random = STATE.with(|state| {
        let mut value = state.get() ^ (Instant::now().elapsed().as_nanos() as u64);
        value ^= value << 13;
        value ^= value >> 7;
        value ^= value << 17;
        state.set(value);
        value
    });
    Duration::from_nanos(random % (wait.as_nanos() as u64 + 1))
}

fn now_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |age| age.as_secs_f64())
}

/// Buys one of `product` for `user` with a strategy that talks to the database itself.
pub fn buy(
    strategy: Strategy,
    connection: &Connection,
    user: u64,
    product: u32,
    trip: &Trip,
) -> rusqlite::Result<Bought> {
    match strategy {
        Strategy::Naive => naive(connection, user, product, trip),
        Strategy::Transaction => transaction(connection, user, product, trip),
        Strategy::Guarded => {
            trip.wait();
            trip.retry(|| guarded(connection, user, product))
        }
        Strategy::Queue => unreachable!("queue purchases go through the writer"),
    }
}

/// Read, wait, write: each statement on its own, as a first attempt usually is.
fn naive(
    connection: &Connection,
    user: u64,
    product: u32,
    trip: &Trip,
) -> rusqlite::Result<Bought> {
    trip.wait();
    let stock = trip.retry(|| read_stock(connection, product))?;
    if stock <= 0 {
        return Ok(Bought::SoldOut);
    }
    // Meanwhile, others read the same stock.
    trip.wait();
    let order = trip.retry(|| insert_order(connection, user, product))?;
    let after = trip.retry(|| take_one(connection, product))?;
    trip.retry(|| record_ledger(connection, product, order, after))?;
    Ok(Bought::Order(order))
}

/// All in one transaction, with the client's round trip before COMMIT.
fn transaction(
    connection: &Connection,
    user: u64,
    product: u32,
    trip: &Trip,
) -> rusqlite::Result<Bought> {
    trip.wait();
    trip.retry(|| {
        connection.execute_batch("BEGIN")?;
        let result = (|| {
            if read_stock(connection, product)? <= 0 {
                return Ok(Bought::SoldOut);
            }
            let order = insert_order(connection, user, product)?;
            let after = take_one(connection, product)?;
            record_ledger(connection, product, order, after)?;
            // The client is told, and answers "commit": the lock is held all that while.
            trip.wait();
            Ok(Bought::Order(order))
        })();
        finish(connection, result)
    })
}

/// One short immediate transaction: the guarded UPDATE decides, under the write lock.
fn guarded(connection: &Connection, user: u64, product: u32) -> rusqlite::Result<Bought> {
    connection.execute_batch("BEGIN IMMEDIATE")?;
    let result = sell_one(connection, user, product);
    finish(connection, result)
}

/// The guarded sale itself, inside a transaction someone else began.
pub fn sell_one(connection: &Connection, user: u64, product: u32) -> rusqlite::Result<Bought> {
    let after: Option<i64> = connection
        .query_row(
            "UPDATE products SET stock = stock - 1 WHERE id = ?1 AND stock > 0 RETURNING stock",
            [product],
            |row| row.get(0),
        )
        .optional()?;
    let Some(after) = after else {
        return Ok(Bought::SoldOut);
    };
    let order = insert_order(connection, user, product)?;
    record_ledger(connection, product, order, after)?;
    Ok(Bought::Order(order))
}

fn read_stock(connection: &Connection, product: u32) -> rusqlite::Result<i64> {
    connection.query_row(
        "SELECT stock FROM products WHERE id = ?1",
        [product],
        |row| row.get(0),
    )
}

/// One less in stock, whatever the stock is (the guard was a read before): the stock after.
fn take_one(connection: &Connection, product: u32) -> rusqlite::Result<i64> {
    connection.query_row(
        "UPDATE products SET stock = stock - 1 WHERE id = ?1 RETURNING stock",
        [product],
        |row| row.get(0),
    )
}

fn insert_order(connection: &Connection, user: u64, product: u32) -> rusqlite::Result<i64> {
    connection.execute(
        "INSERT INTO orders (user, product, created_at) VALUES (?1, ?2, ?3)",
        params![user as i64, product, now_seconds()],
    )?;
    Ok(connection.last_insert_rowid())
}

fn record_ledger(
    connection: &Connection,
    product: u32,
    order: i64,
    after: i64,
) -> rusqlite::Result<usize> {
    connection.execute(
        "INSERT INTO stock_ledger (product, order_id, change, stock_after) VALUES (?1, ?2, -1, ?3)",
        params![product, order, after],
    )
}

/// Commits on success (a sold-out answer too: nothing was written), rolls back on error.
fn finish(connection: &Connection, result: rusqlite::Result<Bought>) -> rusqlite::Result<Bought> {
    match result {
        Ok(bought) => match connection.execute_batch("COMMIT") {
            Ok(()) => Ok(bought),
            Err(error) => {
                let _ = connection.execute_batch("ROLLBACK");
                Err(error)
            }
        },
        Err(error) => {
            let _ = connection.execute_batch("ROLLBACK");
            Err(error)
        }
    }
}

/// A purchase waiting in the queue, with where to send its answer.
pub struct Request {
    pub user: u64,
    pub product: u32,
    pub answer: std::sync::mpsc::Sender<rusqlite::Result<Bought>>,
}

/// Purchases committed together, at most.
pub const GROUP: usize = 32;

/// The queue's single writer: takes what is waiting (up to [`GROUP`]), sells it all in one
/// transaction, answers every buyer. Runs until every sender is gone or `stop`.
pub fn write_queue(
    connection: Connection,
    requests: Receiver<Request>,
    depth: Gauge,
    groups: Counter,
    stop: CancelToken,
) {
    loop {
        let first = match requests.recv_timeout(Duration::from_millis(50)) {
            Ok(request) => request,
            Err(RecvTimeoutError::Timeout) if !stop.is_cancelled() => continue,
            Err(_) => return,
        };
        let mut group = vec![first];
        while group.len() < GROUP {
            match requests.try_recv() {
                Ok(request) => group.push(request),
                Err(_) => break,
            }
        }
        depth.add(-(group.len() as i64));
        groups.increment();
        // The only writer, so BEGIN IMMEDIATE finds nobody in the way.
        let answers: Vec<rusqlite::Result<Bought>> = match connection
            .execute_batch("BEGIN IMMEDIATE")
        {
            Ok(()) => {
                // Each sale in a savepoint of its own: one that fails halfway is undone alone.
                let sold: Vec<_> = group
                    .iter()
                    .map(|request| {
                        connection.execute_batch("SAVEPOINT sale")?;
                        match sell_one(&connection, request.user, request.product) {
                            Ok(bought) => connection.execute_batch("RELEASE sale").map(|()| bought),
                            Err(error) => {
                                let _ = connection.execute_batch("ROLLBACK TO sale; RELEASE sale");
                                Err(error)
                            }
                        }
                    })
                    .collect();
                match connection.execute_batch("COMMIT") {
                    Ok(()) => sold,
                    Err(error) => {
                        let _ = connection.execute_batch("ROLLBACK");
                        group.iter().map(|_| Err(clone_error(&error))).collect()
                    }
                }
            }
            Err(error) => group.iter().map(|_| Err(clone_error(&error))).collect(),
        };
        for (request, answer) in group.into_iter().zip(answers) {
            let _ = request.answer.send(answer);
        }
    }
}

fn clone_error(error: &rusqlite::Error) -> rusqlite::Error {
    failure(error.to_string())
}

/// An error of our own, in rusqlite's type, so that every purchase has one kind of error.
pub fn failure(message: impl Into<String>) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
        Some(message.into()),
    )
}

/// A buyer's side of the queue: the round trip, then wait for the writer's answer.
pub fn buy_through_queue(
    queue: &SyncSender<Request>,
    depth: &Gauge,
    user: u64,
    product: u32,
    trip: &Trip,
) -> rusqlite::Result<Bought> {
    trip.wait();
    let (answer, answered) = std::sync::mpsc::channel();
    depth.add(1);
    queue
        .send(Request {
            user,
            product,
            answer,
        })
        .map_err(|_| failure("the queue's writer has stopped"))?;
    answered
        .recv()
        .map_err(|_| failure("the queue's writer has stopped"))?
}
