//! The buyers: `users` of them arrive (all at once, faster and faster, or evenly), `workers`
//! threads serve them, and each tries to buy one item: mostly the hot item, sometimes another.
//! A share of them are bots: sold out, a bot tries again at once, a few times.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use std::sync::Mutex;
use std::sync::mpsc::SyncSender;

use lab_core::{Cell, Counter, Gauge, LabContext, lock};

use crate::filters::{self, Buyer, Filter, Refusal, SaleState};
use crate::store::redis::{RedisAudit, RedisTarget, Scripted};
use crate::store::{
    self, MysqlTarget, Session, Store, StoreError, StoreResult, Synchronous, Trouble,
};
use crate::strategy::{self, Bought, Strategy, Trip};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Arrival {
    /// Everyone at the first moment.
    Burst,
    /// More and more buyers per second, over `spread`.
    Ramp,
    /// The same number every second, over `spread`.
    Steady,
}

/// Where each worker's connection comes from.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Connections {
    /// One per worker, opened once.
    Pool,
    /// A new one for every purchase, as a naive web handler would.
    PerRequest,
}

/// One sale's settings.
#[derive(Clone, Debug)]
pub struct Sale {
    /// The SQLite file, when the sale is on SQLite.
    pub database: PathBuf,
    /// The MySQL database, when the sale is on a MySQL server (then `database` is unused).
    pub mysql: Option<MysqlTarget>,
    /// The Redis database, when the stock is in Redis (then `database` holds the orders its
    /// consumer writes).
    pub redis: Option<RedisTarget>,
    pub strategy: Strategy,
    pub users: u64,
    pub workers: usize,
    pub stock: u32,
    pub products: u32,
    pub rtt: Duration,
    pub arrival: Arrival,
    pub spread: Duration,
    /// Percent of buyers that are bots.
    pub bots: u64,
    pub connections: Connections,
    /// With a pool: ask each idle connection whether it still answers before using it, and
    /// open a new one if not (`--pool-check`).
    pub pool_check: bool,
    pub synchronous: Synchronous,
    /// Admission filters, in order (`random:0.2`, `one-per-user` …; see `filters.rs`).
    pub filters: Vec<String>,
    /// What a lottery filter's coins are drawn from: another seed, another crowd of winners.
    pub lottery_seed: u64,
}

impl Sale {
    /// A sale on the SQLite file `database` with everything else at a small lab's settings:
    /// 3,000 buyers (a tenth of them bots) in one burst on 16 workers, for 100 items of each
    /// of 3 products, 1 ms round trips, a pool of connections, no filters. Change what a use
    /// needs with `Sale { users: 10, ..Sale::on_file(path, strategy) }`.
    pub fn on_file(database: PathBuf, strategy: Strategy) -> Sale {
        Sale {
            database,
            mysql: None,
            redis: None,
            strategy,
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
            filters: Vec::new(),
            lottery_seed: 0,
        }
    }

    /// Where the sale keeps its store.
    pub fn store(&self) -> Store {
        match &self.mysql {
            Some(target) => Store::Mysql(target.clone()),
            None => Store::Sqlite {
                path: self.database.clone(),
                synchronous: self.synchronous,
            },
        }
    }

    /// Whether the sale allows one order of a product per buyer.
    pub fn one_per_user(&self) -> bool {
        self.filters
            .iter()
            .any(|filter| filter.trim() == "one-per-user")
    }
}

/// What a sale came to.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// From the first buyer to the end: every buyer answered and every order written (on
    /// Redis, the consumer has caught up).
    pub seconds: f64,
    /// From the first buyer to the last answer.
    pub answered_seconds: f64,
    pub offered: u64,
    pub orders: u64,
    pub sold_out: u64,
    pub busy_retries: u64,
    pub deadlock_retries: u64,
    pub errors: u64,
    pub p99_ms: f64,
    /// MySQL: row lock waits during the sale and the time they took together, lock wait
    /// timeouts, refused connections.
    pub lock_waits: u64,
    pub lock_wait_ms: u64,
    pub lock_timeouts: u64,
    pub refused_connections: u64,
    pub audit: store::Audit,
    /// Redis: both sides, after the consumer drained the stream.
    pub redis_audit: Option<RedisAudit>,
    /// Each product's orders and the p99 of its buyers' answers, in product order.
    pub per_product: Vec<ProductOutcome>,
}

/// One product's part of a sale: on InnoDB the hot item's row queues while the others stay
/// fast; on SQLite every product waits for the one writer.
#[derive(Clone, Debug, PartialEq)]
pub struct ProductOutcome {
    pub product: u32,
    pub orders: u64,
    pub p99_ms: f64,
}

/// Tries a sold-out bot makes before giving up.
const BOT_TRIES: u32 = 5;

/// Product `user` wants: the hot item four times in five, else one of the others.
fn wanted(user: u64, products: u32) -> u32 {
    let mixed = user.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    if products <= 1 || mixed % 5 != 0 {
        1
    } else {
        2 + (mixed / 5 % (products as u64 - 1)) as u32
    }
}

/// When buyer `index` of `users` arrives, after the start.
fn arrival_time(arrival: Arrival, index: u64, users: u64, spread: Duration) -> Duration {
    let share = index as f64 / users.max(1) as f64;
    match arrival {
        Arrival::Burst => Duration::ZERO,
        Arrival::Steady => spread.mul_f64(share),
        // Arrivals per second grow linearly, so the time of the n-th grows as a square root.
        Arrival::Ramp => spread.mul_f64(share.sqrt()),
    }
}

/// Creates a fresh store for the sale.
pub fn prepare(sale: &Sale) -> anyhow::Result<()> {
    if let Some(target) = &sale.redis {
        store::redis::prepare(target, sale.products, sale.stock).map_err(anyhow::Error::msg)?;
    }
    sale.store()
        .prepare(sale.products, sale.stock, sale.one_per_user())
}

/// How one offer ended, with the HTTP status a web front answers it with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// 201
    Ordered(i64),
    /// 409: the database found no stock left.
    SoldOut,
    /// 429, 403 or 409: a filter turned the buyer away before the database.
    Refused(Refusal),
    /// 409: the unique index refused a second order.
    Duplicate,
    /// 500
    Failed(String),
}

/// The funnel's counters: buyers offered, through each filter in turn, ordered, told sold
/// out. Asking twice on one context gives the same counters, so the lab's dashboard and the
/// shop share them.
pub struct Funnel {
    pub offered: Counter,
    /// One per filter, in the order the filters run.
    pub through: Vec<(String, Counter)>,
    pub orders: Counter,
    pub sold_out: Counter,
    pub busy_retries: Counter,
}

impl Funnel {
    pub fn new(context: &LabContext, filters: &[Filter]) -> Funnel {
        Funnel {
            offered: context.counter("offered"),
            through: filters
                .iter()
                .map(|filter| {
                    let label = filter.label();
                    let counter = context.counter(&format!("through {label}"));
                    (label, counter)
                })
                .collect(),
            orders: context.counter("orders"),
            sold_out: context.counter("sold out"),
            busy_retries: context.counter("busy retries"),
        }
    }
}

/// Everything a purchase needs and counts: the filters, the strategy, and the counters the
/// dashboard shows. The crowd of [`run`] and the HTTP front of `serve.rs` both sell through it.
pub struct Shop {
    sale: Sale,
    filters: Vec<Filter>,
    through: Vec<Counter>,
    state: SaleState,
    refused: [(Refusal, Counter); 3],
    duplicates: Counter,
    lock_timeouts: Counter,
    refused_connections: Counter,
    gone_away: Counter,
    replaced: Counter,
    offered: Counter,
    orders: Counter,
    sold_out: Counter,
    errors: Counter,
    stock_left: Gauge,
    pub depth: Gauge,
    pub trip: Trip,
    store: Store,
    /// Idle connections, for `--conn pool`.
    pool: Mutex<Vec<Box<dyn Session>>>,
    redis_pool: Mutex<Vec<redis::Connection>>,
    /// Orders the Redis consumer has written into the database.
    written: Counter,
    buyers_done: std::sync::atomic::AtomicBool,
    queue: Mutex<Option<SyncSender<strategy::Request>>>,
    context: LabContext,
}

impl Shop {
    /// A shop on a prepared store, counting on `context`.
    pub fn open(sale: &Sale, context: &LabContext) -> anyhow::Result<Shop> {
        let filters: Vec<filters::Filter> = filters::parse_all(&sale.filters, sale.products)
            .map_err(anyhow::Error::msg)?
            .into_iter()
            .map(|filter| filter.with_lottery_seed(sale.lottery_seed))
            .collect();
        let funnel = Funnel::new(context, &filters);
        let through = funnel
            .through
            .into_iter()
            .map(|(_, counter)| counter)
            .collect();
        // What only a server has (deadlocks, lock timeouts, a connection limit) is counted on
        // the dashboard of a sale on a server only.
        let server_counts = match sale.mysql {
            Some(_) => context.clone(),
            None => LabContext::new(),
        };
        let written = match sale.redis {
            Some(_) => context.counter("orders written to the database"),
            None => LabContext::new().counter("orders written to the database"),
        };
        let stock_left = context.gauge("stock left");
        stock_left.set(sale.stock as i64 * sale.products.max(1) as i64);
        Ok(Shop {
            sale: sale.clone(),
            filters,
            through,
            state: SaleState {
                started: Instant::now(),
                stock_per_product: sale.stock as u64,
                products: sale.products.max(1),
                orders: AtomicU64::new(0),
            },
            refused: [
                (
                    Refusal::Filtered,
                    context.counter("refused: filtered (429)"),
                ),
                (
                    Refusal::NotReserved,
                    context.counter("refused: not reserved (403)"),
                ),
                (Refusal::SoldOut, context.counter("refused: sold out (409)")),
            ],
            duplicates: context.counter("duplicates refused by the database"),
            lock_timeouts: server_counts.counter("lock wait timeouts (1205)"),
            refused_connections: server_counts.counter("refused: too many connections (1040)"),
            gone_away: server_counts.counter("connections gone away (2006)"),
            replaced: server_counts.counter("dead connections replaced"),
            offered: funnel.offered,
            orders: funnel.orders,
            sold_out: funnel.sold_out,
            errors: context.counter("errors"),
            stock_left,
            depth: context.gauge("queue depth"),
            trip: Trip {
                rtt: sale.rtt,
                busy_retries: funnel.busy_retries,
                deadlock_retries: server_counts.counter("deadlock retries"),
            },
            store: sale.store(),
            pool: Mutex::new(Vec::new()),
            redis_pool: Mutex::new(Vec::new()),
            written,
            buyers_done: std::sync::atomic::AtomicBool::new(false),
            queue: Mutex::new(None),
            context: context.clone(),
        })
    }

    /// Opens the pool's connections before the doors open, one per worker, as a shop that
    /// keeps a pool has them ready: the burst then meets open connections, not a queue of
    /// logins that spaces the first purchases out (and hides the very race the lab shows). A
    /// server that refuses some (`--max-connections` below `--workers`) leaves the rest to be
    /// opened, and refused, during the sale.
    pub fn fill_pool(&self) {
        let workers = self.sale.workers.max(1);
        if let Some(target) = &self.sale.redis {
            *lock(&self.redis_pool) = (0..workers).map_while(|_| target.connect().ok()).collect();
        } else if self.sale.connections == Connections::Pool {
            *lock(&self.pool) = (0..workers)
                .map_while(|_| self.store.connect().ok())
                .collect();
        }
    }

    /// Starts the queue's writer (for the queue strategy) on `scope`.
    pub fn start_writer<'scope>(
        &'scope self,
        scope: &'scope std::thread::Scope<'scope, '_>,
    ) -> anyhow::Result<()> {
        if let Some(target) = &self.sale.redis {
            // The SQL side: the sale's SQLite file, or its MySQL database when it has one.
            let mut database = self.store.connect()?;
            let (written, context) = (self.written.clone(), self.context.clone());
            let done = &self.buyers_done;
            scope.spawn(move || {
                let stop = || done.load(Ordering::Relaxed);
                if let Err(error) =
                    store::redis::consume(target, database.as_mut(), &stop, &written)
                {
                    context.warn(format!("the consumer stopped: {error}"));
                }
            });
            return Ok(());
        }
        if self.sale.strategy != Strategy::Queue {
            return Ok(());
        }
        let (sender, requests) = std::sync::mpsc::sync_channel(1024);
        let session = self.store.connect()?;
        let (depth, groups, stop) = (
            self.depth.clone(),
            self.context.counter("commit groups"),
            self.context.cancel_token().clone(),
        );
        scope.spawn(move || strategy::write_queue(session, requests, depth, groups, stop));
        *lock(&self.queue) = Some(sender);
        Ok(())
    }

    /// Stops the queue's writer once the buyers are done; tells the Redis consumer to end
    /// once it has drained the stream.
    pub fn stop_writer(&self) {
        lock(&self.queue).take();
        self.buyers_done.store(true, Ordering::Relaxed);
    }

    /// One offer: through the filters, then to the database.
    pub fn offer(&self, buyer: &Buyer) -> Answer {
        match self.admit(buyer) {
            Some(refused) => refused,
            None => self.complete(buyer),
        }
    }

    /// Counts an offer and runs it through the filters: `Some` answer when one turned the
    /// buyer away. Blocks only for a captcha (see [`Shop::admits_without_blocking`]).
    pub fn admit(&self, buyer: &Buyer) -> Option<Answer> {
        self.offered.increment();
        for (filter, passed) in self.filters.iter().zip(&self.through) {
            if let Err(refusal) = filter.admit(buyer, &self.state) {
                if let Some((_, counter)) = self.refused.iter().find(|(kind, _)| *kind == refusal) {
                    counter.increment();
                }
                return Some(Answer::Refused(refusal));
            }
            passed.increment();
        }
        None
    }

    /// Whether [`Shop::admit`] never sleeps, so that an async server may call it on its own
    /// threads and save the trip to a blocking one for the buyers turned away.
    pub fn admits_without_blocking(&self) -> bool {
        self.filters
            .iter()
            .all(|filter| filter.cost_per_buyer().is_zero())
    }

    /// The database's part of an offer that went through the filters.
    pub fn complete(&self, buyer: &Buyer) -> Answer {
        let bought = self.buy(buyer);
        for filter in &self.filters {
            filter.after(buyer, matches!(bought, Ok(Bought::Order(_))));
        }
        match bought {
            Ok(Bought::Order(order)) => {
                self.orders.increment();
                self.state.orders.fetch_add(1, Ordering::Relaxed);
                self.stock_left.add(-1);
                Answer::Ordered(order)
            }
            Ok(Bought::SoldOut) => {
                self.sold_out.increment();
                Answer::SoldOut
            }
            Err(error) if error.trouble == Trouble::Duplicate => {
                self.duplicates.increment();
                Answer::Duplicate
            }
            Err(error) => {
                match error.trouble {
                    Trouble::LockWaitTimeout => self.lock_timeouts.increment(),
                    Trouble::TooManyConnections => self.refused_connections.increment(),
                    Trouble::GoneAway => self.gone_away.increment(),
                    _ => {}
                }
                self.errors.increment();
                if self.errors.get() <= 5 {
                    self.context.warn(format!("user {}: {error}", buyer.user));
                }
                Answer::Failed(error.to_string())
            }
        }
    }

    fn buy(&self, buyer: &Buyer) -> StoreResult<Bought> {
        if let Some(target) = &self.sale.redis {
            return self.buy_on_redis(target, buyer);
        }
        let strategy = self.sale.strategy;
        if strategy == Strategy::Queue {
            let queue = lock(&self.queue).clone();
            let Some(queue) = queue else {
                return Err(StoreError::other("the queue's writer has stopped"));
            };
            return strategy::buy_through_queue(
                &queue,
                &self.depth,
                buyer.user,
                buyer.product,
                &self.trip,
            );
        }
        let pooled = match self.sale.connections {
            Connections::Pool => lock(&self.pool).pop(),
            Connections::PerRequest => None,
        };
        let mut session = match pooled {
            Some(mut session) => {
                if !self.sale.pool_check || session.answers() {
                    session
                } else {
                    // The server closed it while it sat in the pool: open a new one.
                    self.replaced.increment();
                    self.store.connect()?
                }
            }
            None => self.store.connect()?,
        };
        let bought = strategy::buy(
            strategy,
            session.as_mut(),
            buyer.user,
            buyer.product,
            &self.trip,
        );
        // A connection the server closed is not put back.
        let broken = matches!(&bought, Err(error) if error.trouble == Trouble::GoneAway);
        if self.sale.connections == Connections::Pool && !broken {
            lock(&self.pool).push(session);
        }
        bought
    }

    /// One round trip, one script: Redis decides alone.
    fn buy_on_redis(&self, target: &RedisTarget, buyer: &Buyer) -> StoreResult<Bought> {
        self.trip.wait();
        let pooled = lock(&self.redis_pool).pop();
        let mut conn = match pooled {
            Some(conn) => conn,
            None => target.connect()?,
        };
        let scripted = store::redis::buy(
            &mut conn,
            buyer.user,
            buyer.product,
            self.sale.one_per_user(),
        );
        if scripted.is_ok() {
            lock(&self.redis_pool).push(conn);
        }
        match scripted? {
            Scripted::Order(order) => Ok(Bought::Order(order)),
            Scripted::SoldOut => Ok(Bought::SoldOut),
            Scripted::Duplicate => Err(StoreError::new(
                Trouble::Duplicate,
                "a second order of this product",
            )),
        }
    }

    /// The counters a sale's outcome is told from, as they stand: offered, orders, sold out,
    /// errors, busy retries, deadlock retries, lock wait timeouts, refused connections.
    fn counted(&self) -> [u64; 8] {
        [
            self.offered.get(),
            self.orders.get(),
            self.sold_out.get(),
            self.errors.get(),
            self.trip.busy_retries.get(),
            self.trip.deadlock_retries.get(),
            self.lock_timeouts.get(),
            self.refused_connections.get(),
        ]
    }

    /// The counters as they stand, for `GET /stats`.
    pub fn stats(&self) -> serde_json::Value {
        serde_json::json!({
            "offered": self.offered.get(),
            "orders": self.orders.get(),
            "sold_out": self.sold_out.get(),
            "refused": {
                "filtered": self.refused[0].1.get(),
                "not_reserved": self.refused[1].1.get(),
                "sold_out": self.refused[2].1.get(),
            },
            "duplicates": self.duplicates.get(),
            "errors": self.errors.get(),
            "busy_retries": self.trip.busy_retries.get(),
            "deadlock_retries": self.trip.deadlock_retries.get(),
            "lock_wait_timeouts": self.lock_timeouts.get(),
            "refused_connections": self.refused_connections.get(),
            "stock_left": self.stock_left.get(),
            "strategy": self.sale.strategy.name(),
            "filters": self.filters.iter().map(Filter::label).collect::<Vec<_>>(),
        })
    }
}

/// Runs the sale on a prepared store, counting on `context` as it goes.
pub fn run(sale: &Sale, context: &LabContext) -> anyhow::Result<Outcome> {
    let shop = Shop::open(sale, context)?;
    shop.fill_pool();
    let latency = context.histogram("purchase", "µs");
    let next = AtomicU64::new(0);
    let started = Instant::now();
    let counted_before = shop.counted();
    let buyers_done = std::sync::atomic::AtomicBool::new(false);
    // (product, microseconds, ordered) of every answer so far, handed over by the workers in
    // batches: the products board reads it while the sale runs.
    let answered: Mutex<Vec<(u32, u32, bool)>> = Mutex::new(Vec::new());
    let mut lock_waits = LockWaits::default();
    let mut answered_seconds = 0.0;
    std::thread::scope(|scope| -> anyhow::Result<()> {
        shop.start_writer(scope)?;
        let watcher = sale.mysql.as_ref().map(|target| {
            let done = &buyers_done;
            scope.spawn(move || watch_locks(target, context, done))
        });
        if sale.products >= 2 {
            let (done, answered) = (&buyers_done, &answered);
            scope.spawn(move || {
                while !done.load(Ordering::Relaxed) && context.sleep(BOARD_EVERY) {
                    let products = per_product(&lock(answered));
                    show_products(context, &products, started.elapsed().as_secs_f64());
                }
            });
        }
        let workers: Vec<_> = (0..sale.workers.max(1))
            .map(|_| {
                let (shop, next, answered) = (&shop, &next, &answered);
                let mut latency = latency.recorder();
                scope.spawn(move || {
                    let mut took = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= sale.users || context.is_cancelled() {
                            lock(answered).append(&mut took);
                            return;
                        }
                        if took.len() >= HANDED_OVER {
                            lock(answered).append(&mut took);
                        }
                        let due =
                            started + arrival_time(sale.arrival, index, sale.users, sale.spread);
                        let now = Instant::now();
                        if due > now && !context.sleep(due - now) {
                            lock(answered).append(&mut took);
                            return;
                        }
                        let user = index + 1;
                        let bot = index % 100 < sale.bots;
                        let buyer = Buyer {
                            user,
                            product: wanted(user, sale.products),
                            bot,
                        };
                        for _ in 0..if bot { BOT_TRIES } else { 1 } {
                            let answer = shop.offer(&buyer);
                            // From when the buyer arrived: waiting for a free worker is part
                            // of what a buyer in a burst lives through.
                            let micros = due.elapsed().as_micros() as u64;
                            latency.record(micros);
                            took.push((
                                buyer.product,
                                micros.min(u32::MAX as u64) as u32,
                                matches!(answer, Answer::Ordered(_)),
                            ));
                            // Only a bot that was turned away or found nothing tries again.
                            if !matches!(answer, Answer::SoldOut | Answer::Refused(_)) {
                                break;
                            }
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("a buyer does not panic");
        }
        answered_seconds = started.elapsed().as_secs_f64();
        shop.stop_writer();
        buyers_done.store(true, Ordering::Relaxed);
        if let Some(watcher) = watcher {
            lock_waits = watcher.join().expect("the lock watcher does not panic");
        }
        Ok(())
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let took = answered
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let per_product = per_product(&took);
    if sale.products >= 2 {
        show_products(context, &per_product, seconds);
    }
    let (audit, redis_audit) = audit(sale)?;
    let counted = shop.counted();
    let sold = |index: usize| counted[index] - counted_before[index];
    Ok(Outcome {
        seconds,
        answered_seconds,
        offered: sold(0),
        orders: sold(1),
        sold_out: sold(2),
        errors: sold(3),
        busy_retries: sold(4),
        deadlock_retries: sold(5),
        lock_timeouts: sold(6),
        refused_connections: sold(7),
        p99_ms: percentile(
            &mut took
                .iter()
                .map(|(_, micros, _)| *micros)
                .collect::<Vec<_>>(),
            0.99,
        ) as f64
            / 1000.0,
        per_product,
        lock_waits: lock_waits.count,
        lock_wait_ms: lock_waits.milliseconds,
        audit,
        redis_audit,
    })
}

/// The invariants of the sale's store, and on Redis those across Redis and the database.
pub fn audit(sale: &Sale) -> anyhow::Result<(store::Audit, Option<RedisAudit>)> {
    let audit = sale.store().audit()?;
    let across = match &sale.redis {
        Some(target) => Some(store::redis::audit(
            target,
            sale.store().connect()?.as_mut(),
        )?),
        None => None,
    };
    Ok((audit, across))
}

/// How often the products board is redrawn while the buyers buy.
const BOARD_EVERY: Duration = Duration::from_millis(500);

/// Answers a worker keeps before handing them over to the board.
const HANDED_OVER: usize = 64;

/// The products board: each product's orders, orders per second over `seconds`, and p99 (the
/// first ten products).
pub fn show_products(context: &LabContext, products: &[ProductOutcome], seconds: f64) {
    let rows = products
        .iter()
        .take(10)
        .map(|product| {
            vec![
                Cell::from(if product.product == 1 {
                    "1 (hot)".to_string()
                } else {
                    product.product.to_string()
                }),
                Cell::Number(product.orders as f64),
                Cell::Number((product.orders as f64 / seconds.max(1e-9)).round()),
                Cell::Number((product.p99_ms * 10.0).round() / 10.0),
            ]
        })
        .collect();
    context.set_table(
        "products",
        &["product", "orders", "orders/s", "p99 ms"],
        rows,
    );
}

/// Orders and p99 per product, from every answer.
fn per_product(took: &[(u32, u32, bool)]) -> Vec<ProductOutcome> {
    let mut by_product: std::collections::BTreeMap<u32, (u64, Vec<u32>)> = Default::default();
    for (product, micros, ordered) in took {
        let entry = by_product.entry(*product).or_default();
        entry.0 += u64::from(*ordered);
        entry.1.push(*micros);
    }
    by_product
        .into_iter()
        .map(|(product, (orders, mut micros))| ProductOutcome {
            product,
            orders,
            p99_ms: percentile(&mut micros, 0.99) as f64 / 1000.0,
        })
        .collect()
}

/// Row lock waits during a sale, and the time they took together.
#[derive(Clone, Copy, Debug, Default)]
struct LockWaits {
    count: u64,
    milliseconds: u64,
}

/// Reads the server's lock figures every 100 ms while the buyers buy, onto the dashboard:
/// transactions waiting for a row lock now, the longest wait, the waits so far and their
/// time, connections. Gives the row lock waits of the sale.
fn watch_locks(
    target: &MysqlTarget,
    context: &LabContext,
    done: &std::sync::atomic::AtomicBool,
) -> LockWaits {
    let waiting = context.gauge("waiting for a row lock");
    let longest = context.gauge("longest lock wait (ms)");
    let waits = context.gauge("row lock waits");
    let connections = context.gauge("connections open");
    let waited = context.gauge("time waited for row locks (ms)");
    let Ok(mut conn) = store::mysql::connect(&target.admin_url) else {
        return LockWaits::default();
    };
    let Ok(first) = store::mysql::lock_figures(&mut conn) else {
        return LockWaits::default();
    };
    let mut last = first;
    loop {
        let finished = done.load(Ordering::Relaxed);
        if let Ok(now) = store::mysql::lock_figures(&mut conn) {
            last = now;
            waiting.set(now.waiting);
            longest.set(now.longest_wait_micros / 1000);
            waits.set(now.row_lock_waits - first.row_lock_waits);
            waited.set(now.row_lock_time_ms - first.row_lock_time_ms);
            // Less this watcher's own connection.
            connections.set(now.connections - 1);
        }
        // Not faster: INNODB_TRX shows a fresh moment only to a reader absent for 100 ms.
        if finished || !context.sleep(Duration::from_millis(120)) {
            break;
        }
    }
    waiting.set(0);
    LockWaits {
        count: (last.row_lock_waits - first.row_lock_waits).max(0) as u64,
        milliseconds: (last.row_lock_time_ms - first.row_lock_time_ms).max(0) as u64,
    }
}

/// The value below which `share` of the values fall.
fn percentile(values: &mut [u32], share: f64) -> u32 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    values[((values.len() - 1) as f64 * share).round() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_buyers_want_the_hot_item_and_the_rest_spread_over_the_others() {
        let hot = (1..=1000).filter(|user| wanted(*user, 10) == 1).count();
        assert!((700..=900).contains(&hot), "{hot}");
        assert!((1..=1000).all(|user| (1..=10).contains(&wanted(user, 10))));
        assert!((1..=100).all(|user| wanted(user, 1) == 1));
    }

    #[test]
    fn arrivals_spread_as_their_pattern_says() {
        let spread = Duration::from_secs(10);
        assert_eq!(
            arrival_time(Arrival::Burst, 500, 1000, spread),
            Duration::ZERO
        );
        assert_eq!(
            arrival_time(Arrival::Steady, 500, 1000, spread),
            Duration::from_secs(5)
        );
        // A quarter of a ramp's buyers come in the first half of its time.
        let half = arrival_time(Arrival::Ramp, 250, 1000, spread);
        assert_eq!(half, Duration::from_secs(5));
    }
}
