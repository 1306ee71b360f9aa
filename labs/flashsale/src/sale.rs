//! The buyers: `users` of them arrive (all at once, faster and faster, or evenly), `workers`
//! threads serve them, and each tries to buy one item: mostly the hot item, sometimes another.
//! A share of them are bots: sold out, a bot tries again at once, a few times.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use lab_core::LabContext;
use rusqlite::Connection;

use crate::filters::{self, Buyer, Refusal, SaleState};
use crate::store::{self, Synchronous};
use crate::strategy::{self, Bought, Strategy, Trip};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// Everyone at the first moment.
    Burst,
    /// More and more buyers per second, over `spread`.
    Ramp,
    /// The same number every second, over `spread`.
    Steady,
}

/// Where each worker's connection comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    for suffix in ["", "-wal", "-shm"] {
        let mut name = sale.database.clone().into_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
    let connection = store::open(&sale.database, sale.synchronous)?;
    store::create(&connection, sale.products, sale.stock, sale.one_per_user())?;
    Ok(())
}

fn open(path: &Path, synchronous: Synchronous) -> anyhow::Result<Connection> {
    Ok(store::open(path, synchronous)?)
}

/// Runs the sale on a prepared store, counting on `context` as it goes.
pub fn run(sale: &Sale, context: &LabContext) -> anyhow::Result<Outcome> {
    let filters = filters::parse_all(&sale.filters, sale.products).map_err(anyhow::Error::msg)?;
    let through: Vec<_> = filters
        .iter()
        .map(|filter| context.counter(&format!("through {}", filter.label())))
        .collect();
    let state = SaleState {
        started: Instant::now(),
        stock_per_product: sale.stock as u64,
        products: sale.products.max(1),
        orders: AtomicU64::new(0),
    };
    let refused = [
        (
            Refusal::Filtered,
            context.counter("refused: filtered (429)"),
        ),
        (
            Refusal::NotReserved,
            context.counter("refused: not reserved (403)"),
        ),
        (Refusal::SoldOut, context.counter("refused: sold out (409)")),
    ];
    let duplicates = context.counter("duplicates refused by the database");
    let offered = context.counter("offered");
    let orders = context.counter("orders");
    let sold_out = context.counter("sold out");
    let errors = context.counter("errors");
    let trip = Trip {
        rtt: sale.rtt,
        busy_retries: context.counter("busy retries"),
    };
    let stock_left = context.gauge("stock left");
    stock_left.set(sale.stock as i64 * sale.products.max(1) as i64);
    let depth = context.gauge("queue depth");
    let latency = context.histogram("purchase", "µs");
    let next = AtomicU64::new(0);
    let started = Instant::now();
    let busy_before = trip.busy_retries.get();
    let counted_before = (offered.get(), orders.get(), sold_out.get(), errors.get());
    let (queue, requests) = std::sync::mpsc::sync_channel::<strategy::Request>(1024);
    let mut took: Vec<u32> = Vec::new();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let writer =
            if sale.strategy == Strategy::Queue {
                let connection = open(&sale.database, sale.synchronous)?;
                let (depth, groups, stop) = (
                    depth.clone(),
                    context.counter("commit groups"),
                    context.cancel_token().clone(),
                );
                Some(scope.spawn(move || {
                    strategy::write_queue(connection, requests, depth, groups, stop)
                }))
            } else {
                drop(requests);
                None
            };
        let workers: Vec<_> = (0..sale.workers.max(1))
            .map(|_| {
                let queue = queue.clone();
                let (trip, depth, next) = (trip.clone(), depth.clone(), &next);
                let (filters, through, state, refused, duplicates) =
                    (&filters, &through, &state, &refused, duplicates.clone());
                let (offered, orders, sold_out, errors, stock_left) = (
                    offered.clone(),
                    orders.clone(),
                    sold_out.clone(),
                    errors.clone(),
                    stock_left.clone(),
                );
                let mut latency = latency.recorder();
                scope.spawn(move || -> anyhow::Result<Vec<u32>> {
                    let mut took = Vec::new();
                    let mut pooled = match sale.connections {
                        Connections::Pool if sale.strategy != Strategy::Queue => {
                            Some(open(&sale.database, sale.synchronous)?)
                        }
                        _ => None,
                    };
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= sale.users || context.is_cancelled() {
                            return Ok(took);
                        }
                        let due =
                            started + arrival_time(sale.arrival, index, sale.users, sale.spread);
                        let now = Instant::now();
                        if due > now && context.sleep(due - now) {
                            return Ok(took);
                        }
                        let user = index + 1;
                        let product = wanted(user, sale.products);
                        let tries = if index % 100 < sale.bots {
                            BOT_TRIES
                        } else {
                            1
                        };
                        let buyer = Buyer {
                            user,
                            product,
                            bot: tries > 1,
                        };
                        for _ in 0..tries {
                            offered.increment();
                            let begun = Instant::now();
                            let refusal = filters.iter().zip(through).find_map(
                                |(filter, passed)| match filter.admit(&buyer, state) {
                                    Ok(()) => {
                                        passed.increment();
                                        None
                                    }
                                    Err(refusal) => Some(refusal),
                                },
                            );
                            if let Some(refusal) = refusal {
                                if let Some((_, counter)) =
                                    refused.iter().find(|(kind, _)| *kind == refusal)
                                {
                                    counter.increment();
                                }
                                continue;
                            }
                            let bought = match (sale.strategy, &mut pooled) {
                                (Strategy::Queue, _) => strategy::buy_through_queue(
                                    &queue, &depth, user, product, &trip,
                                ),
                                (strategy, Some(connection)) => {
                                    strategy::buy(strategy, connection, user, product, &trip)
                                }
                                (strategy, None) => open(&sale.database, sale.synchronous)
                                    .map_err(|error| strategy::failure(error.to_string()))
                                    .and_then(|connection| {
                                        strategy::buy(strategy, &connection, user, product, &trip)
                                    }),
                            };
                            let micros = begun.elapsed().as_micros() as u64;
                            latency.record(micros);
                            took.push(micros.min(u32::MAX as u64) as u32);
                            for filter in filters {
                                filter.after(&buyer, matches!(bought, Ok(Bought::Order(_))));
                            }
                            match bought {
                                Ok(Bought::Order(_)) => {
                                    orders.increment();
                                    state.orders.fetch_add(1, Ordering::Relaxed);
                                    stock_left.add(-1);
                                    break;
                                }
                                Ok(Bought::SoldOut) => sold_out.increment(),
                                Err(error) if is_duplicate(&error) => {
                                    duplicates.increment();
                                    break;
                                }
                                Err(error) => {
                                    errors.increment();
                                    if errors.get() <= 5 {
                                        context.warn(format!("user {user}: {error}"));
                                    }
                                    break;
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        drop(queue);
        for worker in workers {
            took.extend(worker.join().expect("a buyer does not panic")?);
        }
        if let Some(writer) = writer {
            writer.join().expect("the writer does not panic");
        }
        Ok(())
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let audit = store::audit(&open(&sale.database, sale.synchronous)?)?;
    Ok(Outcome {
        seconds,
        offered: offered.get() - counted_before.0,
        orders: orders.get() - counted_before.1,
        sold_out: sold_out.get() - counted_before.2,
        errors: errors.get() - counted_before.3,
        busy_retries: trip.busy_retries.get() - busy_before,
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
