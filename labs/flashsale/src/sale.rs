//! The buyers: `users` of them arrive (all at once, faster and faster, or evenly), `workers`
//! threads serve them, and each tries to buy one item: mostly the hot item, sometimes another.
//! A share of them are bots: sold out, a bot tries again at once, a few times.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use std::sync::Mutex;
use std::sync::mpsc::SyncSender;

use lab_core::{Counter, Gauge, LabContext, lock};
use rusqlite::Connection;

use crate::filters::{self, Buyer, Filter, Refusal, SaleState};
use crate::store::{self, Synchronous};
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
    pub database: PathBuf,
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
    pub synchronous: Synchronous,
    /// Admission filters, in order (`random:0.2`, `one-per-user` …; see `filters.rs`).
    pub filters: Vec<String>,
    /// What a lottery filter's coins are drawn from: another seed, another crowd of winners.
    pub lottery_seed: u64,
}

impl Sale {
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
    pub seconds: f64,
    pub offered: u64,
    pub orders: u64,
    pub sold_out: u64,
    pub busy_retries: u64,
    pub errors: u64,
    pub p99_ms: f64,
    pub audit: store::Audit,
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
    store::claim(&sale.database, "--db").map_err(anyhow::Error::msg)?;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = sale.database.clone().into_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
    // The mark goes into the file's header before it turns to WAL, so that it is there even if
    // the sale is killed before its first checkpoint.
    rusqlite::Connection::open(&sale.database)?.pragma_update(
        None,
        "application_id",
        store::APPLICATION_ID,
    )?;
    let connection = store::open(&sale.database, sale.synchronous)?;
    store::create(&connection, sale.products, sale.stock, sale.one_per_user())?;
    Ok(())
}

fn open(path: &Path, synchronous: Synchronous) -> anyhow::Result<Connection> {
    Ok(store::open(path, synchronous)?)
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
    offered: Counter,
    orders: Counter,
    sold_out: Counter,
    errors: Counter,
    stock_left: Gauge,
    pub depth: Gauge,
    pub trip: Trip,
    /// Idle connections, for `--conn pool`.
    pool: Mutex<Vec<Connection>>,
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
            offered: funnel.offered,
            orders: funnel.orders,
            sold_out: funnel.sold_out,
            errors: context.counter("errors"),
            stock_left,
            depth: context.gauge("queue depth"),
            trip: Trip {
                rtt: sale.rtt,
                busy_retries: funnel.busy_retries,
            },
            pool: Mutex::new(Vec::new()),
            queue: Mutex::new(None),
            context: context.clone(),
        })
    }

    /// Starts the queue's writer (for the queue strategy) on `scope`.
    pub fn start_writer<'scope>(
        &'scope self,
        scope: &'scope std::thread::Scope<'scope, '_>,
    ) -> anyhow::Result<()> {
        if self.sale.strategy != Strategy::Queue {
            return Ok(());
        }
        let (sender, requests) = std::sync::mpsc::sync_channel(1024);
        let connection = open(&self.sale.database, self.sale.synchronous)?;
        let (depth, groups, stop) = (
            self.depth.clone(),
            self.context.counter("commit groups"),
            self.context.cancel_token().clone(),
        );
        scope.spawn(move || strategy::write_queue(connection, requests, depth, groups, stop));
        *lock(&self.queue) = Some(sender);
        Ok(())
    }

    /// Stops the queue's writer once the buyers are done.
    pub fn stop_writer(&self) {
        lock(&self.queue).take();
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
            Err(error) if is_duplicate(&error) => {
                self.duplicates.increment();
                Answer::Duplicate
            }
            Err(error) => {
                self.errors.increment();
                if self.errors.get() <= 5 {
                    self.context.warn(format!("user {}: {error}", buyer.user));
                }
                Answer::Failed(error.to_string())
            }
        }
    }

    fn buy(&self, buyer: &Buyer) -> rusqlite::Result<Bought> {
        let strategy = self.sale.strategy;
        if strategy == Strategy::Queue {
            let queue = lock(&self.queue).clone();
            let Some(queue) = queue else {
                return Err(strategy::failure("the queue's writer has stopped"));
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
        let connection = match pooled {
            Some(connection) => connection,
            None => open(&self.sale.database, self.sale.synchronous)
                .map_err(|error| strategy::failure(error.to_string()))?,
        };
        let bought = strategy::buy(strategy, &connection, buyer.user, buyer.product, &self.trip);
        if self.sale.connections == Connections::Pool {
            lock(&self.pool).push(connection);
        }
        bought
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
            "stock_left": self.stock_left.get(),
            "strategy": self.sale.strategy.name(),
            "filters": self.filters.iter().map(Filter::label).collect::<Vec<_>>(),
        })
    }
}

/// Runs the sale on a prepared store, counting on `context` as it goes.
pub fn run(sale: &Sale, context: &LabContext) -> anyhow::Result<Outcome> {
    let shop = Shop::open(sale, context)?;
    let latency = context.histogram("purchase", "µs");
    let next = AtomicU64::new(0);
    let started = Instant::now();
    let busy_before = shop.trip.busy_retries.get();
    let counted_before = (
        shop.offered.get(),
        shop.orders.get(),
        shop.sold_out.get(),
        shop.errors.get(),
    );
    let mut took: Vec<u32> = Vec::new();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        shop.start_writer(scope)?;
        let workers: Vec<_> = (0..sale.workers.max(1))
            .map(|_| {
                let (shop, next) = (&shop, &next);
                let mut latency = latency.recorder();
                scope.spawn(move || {
                    let mut took = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= sale.users || context.is_cancelled() {
                            return took;
                        }
                        let due =
                            started + arrival_time(sale.arrival, index, sale.users, sale.spread);
                        let now = Instant::now();
                        if due > now && context.sleep(due - now) {
                            return took;
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
                            took.push(micros.min(u32::MAX as u64) as u32);
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
            took.extend(worker.join().expect("a buyer does not panic"));
        }
        shop.stop_writer();
        Ok(())
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let audit = store::audit(&open(&sale.database, sale.synchronous)?)?;
    Ok(Outcome {
        seconds,
        offered: shop.offered.get() - counted_before.0,
        orders: shop.orders.get() - counted_before.1,
        sold_out: shop.sold_out.get() - counted_before.2,
        errors: shop.errors.get() - counted_before.3,
        busy_retries: shop.trip.busy_retries.get() - busy_before,
        p99_ms: percentile(&mut took, 0.99) as f64 / 1000.0,
        audit,
    })
}

/// The database refusing a second order of one product for one buyer (the unique index).
fn is_duplicate(error: &rusqlite::Error) -> bool {
    error.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation)
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
