//! Five ways to sell one item, from wrong to right to fast. Each pays the client's round trip
//! to the database (`rtt`) where a real client would wait on the network; where that wait
//! falls is the whole difference. The same code runs on SQLite and on MySQL (see `store`).
//!
//! ```text
//! naive        ── rtt ── SELECT stock ── rtt ── INSERT order; UPDATE stock; INSERT ledger
//!              (each statement alone) Two buyers both read "1 left", both buy: an oversell.
//! transaction  ── rtt ── BEGIN; SELECT; INSERT; UPDATE; INSERT ── rtt ── COMMIT
//!              SQLite: correct (one writer; a stale read cannot commit), but the write lock is
//!              held across the network wait, and everyone queues.
//!              InnoDB: OVERSELLS. The plain SELECT reads a snapshot and locks nothing; the
//!              UPDATE waits for the row, then takes one from whatever is left, below zero too.
//! for-update   ── rtt ── BEGIN; SELECT … FOR UPDATE ── rtt ── INSERT; UPDATE; INSERT ── rtt ── COMMIT
//!              (InnoDB only) Correct: the read locks the row. But the lock is held across two
//!              round trips, and every buyer of the item waits for it in turn (lock waits).
//! guarded      ── rtt ── BEGIN (IMMEDIATE); UPDATE … SET stock = stock - 1
//!                        WHERE id = ? AND stock > 0; INSERT; INSERT; COMMIT
//!              The database decides, in one statement, under the lock, for as short as it can.
//! queue        ── rtt ── a bounded queue → one writer thread that commits in small groups
//!              No two writers ever meet: no SQLITE_BUSY, no lock wait, one log flush per group.
//! ```
//!
//! When two writers meet, SQLite answers SQLITE_BUSY at once (the store sets no busy timeout)
//! and InnoDB may pick a deadlock's victim: every strategy retries those with growing, jittered
//! waits and counts each retry.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

use lab_core::{CancelToken, Counter, Gauge};

use crate::store::{Engine, Session, StoreError, StoreResult, Trouble};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Strategy {
    Naive,
    Transaction,
    ForUpdate,
    Guarded,
    Queue,
}

impl Strategy {
    pub const ALL: [Strategy; 5] = [
        Strategy::Naive,
        Strategy::Transaction,
        Strategy::ForUpdate,
        Strategy::Guarded,
        Strategy::Queue,
    ];

    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Whether an engine can run it: SQLite has no row locks, so no `FOR UPDATE`.
    pub fn runs_on(self, engine: Engine) -> bool {
        !(self == Strategy::ForUpdate && engine == Engine::Sqlite)
    }

    /// Whether the strategy keeps the invariants on `engine` under any load.
    pub fn is_correct_on(self, engine: Engine) -> bool {
        match self {
            Strategy::Naive => false,
            // A consistent read locks nothing on InnoDB: see the module's notes.
            Strategy::Transaction => engine == Engine::Sqlite,
            _ => true,
        }
    }
}

/// How one attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bought {
    Order(i64),
    SoldOut,
}

/// What a buyer needs to buy: the round trip, and the counters of attempts made again.
#[derive(Clone)]
pub struct Trip {
    pub rtt: Duration,
    /// SQLite found another writer in the way.
    pub busy_retries: Counter,
    /// InnoDB undid the transaction to break a deadlock.
    pub deadlock_retries: Counter,
}

impl Trip {
    pub fn wait(&self) {
        if !self.rtt.is_zero() {
            std::thread::sleep(self.rtt);
        }
    }

    /// Runs `attempt` until it is neither SQLITE_BUSY nor a deadlock's victim (or `give_up`
    /// passes), waiting longer each time: 50 µs, 100 µs … up to 5 ms, each with some jitter so
    /// that the losers do not all come back at the same moment.
    fn retry<T>(&self, mut attempt: impl FnMut() -> StoreResult<T>) -> StoreResult<T> {
        let give_up = Instant::now() + Duration::from_secs(30);
        let mut wait = Duration::from_micros(50);
        loop {
            let counter = match attempt() {
                Err(error) if Instant::now() < give_up && error.trouble == Trouble::Busy => {
                    &self.busy_retries
                }
                Err(error) if Instant::now() < give_up && error.trouble == Trouble::Deadlock => {
                    &self.deadlock_retries
                }
                other => return other,
            };
            counter.increment();
            std::thread::sleep(wait + jitter(wait));
            wait = (wait * 2).min(Duration::from_millis(5));
        }
    }
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

/// Buys one of `product` for `user` with a strategy that talks to the database itself.
pub fn buy(
    strategy: Strategy,
    session: &mut dyn Session,
    user: u64,
    product: u32,
    trip: &Trip,
) -> StoreResult<Bought> {
    match strategy {
        Strategy::Naive => naive(session, user, product, trip),
        Strategy::Transaction => transaction(session, user, product, trip),
        Strategy::ForUpdate => for_update(session, user, product, trip),
        Strategy::Guarded => {
            trip.wait();
            trip.retry(|| guarded(session, user, product))
        }
        Strategy::Queue => unreachable!("queue purchases go through the writer"),
    }
}

/// Read, wait, write: each statement on its own, as a first attempt usually is.
fn naive(session: &mut dyn Session, user: u64, product: u32, trip: &Trip) -> StoreResult<Bought> {
    trip.wait();
    let stock = trip.retry(|| session.read_stock(product))?;
    if stock <= 0 {
        return Ok(Bought::SoldOut);
    }
    // Meanwhile, others read the same stock.
    trip.wait();
    let order = trip.retry(|| session.insert_order(user, product))?;
    let after = trip.retry(|| session.take_one(product))?;
    trip.retry(|| session.record_ledger(product, order, after))?;
    Ok(Bought::Order(order))
}

/// All in one transaction, with the client's round trip before COMMIT.
fn transaction(
    session: &mut dyn Session,
    user: u64,
    product: u32,
    trip: &Trip,
) -> StoreResult<Bought> {
    trip.wait();
    trip.retry(|| {
        session.begin()?;
        let result = (|| {
            if session.read_stock(product)? <= 0 {
                return Ok(Bought::SoldOut);
            }
            let order = session.insert_order(user, product)?;
            let after = session.take_one(product)?;
            session.record_ledger(product, order, after)?;
            // The client is told, and answers "commit": the lock is held all that while.
            trip.wait();
            Ok(Bought::Order(order))
        })();
        finish(session, result)
    })
}

/// A locking read first: the row is ours from the SELECT to the COMMIT, two round trips later.
fn for_update(
    session: &mut dyn Session,
    user: u64,
    product: u32,
    trip: &Trip,
) -> StoreResult<Bought> {
    trip.wait();
    trip.retry(|| {
        session.begin()?;
        let result = (|| {
            let stock = session.read_stock_for_update(product)?;
            // The client reads the answer and decides: the row stays locked meanwhile.
            trip.wait();
            if stock <= 0 {
                return Ok(Bought::SoldOut);
            }
            let order = session.insert_order(user, product)?;
            let after = session.take_one(product)?;
            session.record_ledger(product, order, after)?;
            trip.wait();
            Ok(Bought::Order(order))
        })();
        finish(session, result)
    })
}

/// One short transaction that writes at once: the guarded UPDATE decides, under the lock.
fn guarded(session: &mut dyn Session, user: u64, product: u32) -> StoreResult<Bought> {
    session.begin_write()?;
    let result = sell_one(session, user, product);
    finish(session, result)
}

/// The guarded sale itself, inside a transaction someone else began.
pub fn sell_one(session: &mut dyn Session, user: u64, product: u32) -> StoreResult<Bought> {
    let Some(after) = session.take_one_if_left(product)? else {
        return Ok(Bought::SoldOut);
    };
    let order = session.insert_order(user, product)?;
    session.record_ledger(product, order, after)?;
    Ok(Bought::Order(order))
}

/// Commits on success (a sold-out answer too: nothing was written), rolls back on error.
fn finish(session: &mut dyn Session, result: StoreResult<Bought>) -> StoreResult<Bought> {
    match result.and_then(|bought| session.commit().map(|()| bought)) {
        Ok(bought) => Ok(bought),
        Err(error) => {
            session.rollback();
            Err(error)
        }
    }
}

/// A purchase waiting in the queue, with where to send its answer.
pub struct Request {
    pub user: u64,
    pub product: u32,
    pub answer: std::sync::mpsc::Sender<StoreResult<Bought>>,
}

/// Purchases committed together, at most.
pub const GROUP: usize = 32;

/// The queue's single writer: takes what is waiting (up to [`GROUP`]), sells it all in one
/// transaction, answers every buyer. Runs until every sender is gone or `stop`.
pub fn write_queue(
    mut session: Box<dyn Session>,
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
        // The only writer, so its transaction finds nobody in the way.
        let answers = sell_group(session.as_mut(), &group);
        for (request, answer) in group.into_iter().zip(answers) {
            let _ = request.answer.send(answer);
        }
    }
}

/// Sells a group in one transaction, each sale in a savepoint of its own, so that one that
/// fails halfway is undone alone.
fn sell_group(session: &mut dyn Session, group: &[Request]) -> Vec<StoreResult<Bought>> {
    if let Err(error) = session.begin_write() {
        return group.iter().map(|_| Err(error.clone())).collect();
    }
    let sold: Vec<_> = group
        .iter()
        .map(|request| {
            session.savepoint()?;
            match sell_one(session, request.user, request.product) {
                Ok(bought) => session.release_savepoint().map(|()| bought),
                Err(error) => {
                    session.rollback_to_savepoint();
                    Err(error)
                }
            }
        })
        .collect();
    match session.commit() {
        Ok(()) => sold,
        Err(error) => {
            session.rollback();
            group.iter().map(|_| Err(error.clone())).collect()
        }
    }
}

/// A buyer's side of the queue: the round trip, then wait for the writer's answer.
pub fn buy_through_queue(
    queue: &SyncSender<Request>,
    depth: &Gauge,
    user: u64,
    product: u32,
    trip: &Trip,
) -> StoreResult<Bought> {
    trip.wait();
    let (answer, answered) = std::sync::mpsc::channel();
    depth.add(1);
    queue
        .send(Request {
            user,
            product,
            answer,
        })
        .map_err(|_| StoreError::other("the queue's writer has stopped"))?;
    answered
        .recv()
        .map_err(|_| StoreError::other("the queue's writer has stopped"))?
}
