//! `flashsale-php-pdo`: the student writes the shop's purchase in PHP with PDO (or Python with
//! PyMySQL), served over HTTP (`php -S` with several workers): `POST /buy` with
//! `user=…&product=…` answers `201` with the order, or `409` when the product is sold out.
//! Each sold item is paid through the checker's payment service, which takes a while.
//!
//! The checker starts a private MariaDB and sits in front of it on the exercise's `db` port,
//! delaying each message to the server by a network round trip, so the student's statements
//! cost what they cost in production. It plays the payment service on `pay`, and the buyers:
//! 1. one buyer alone, to see the purchase work at all;
//! 2. the opening second: sixteen buyers at once for a handful of items;
//! 3. the crowd: a hundred and more buyers, sixteen at a time, for a few dozen items.
//!
//! Then it audits the store (nothing oversold, the stock never below zero, orders matching the
//! stock), every answer against the orders (a `201` is an order, a `409` is none), and every
//! payment against the orders (each order paid once, nobody else charged). While the buyers
//! run, it watches the server: a transaction that holds the product's row lock while its
//! connection sits idle is a purchase waiting on something else (the payment, another round
//! trip) with every other buyer of that product queued behind it — the lesson's cost model.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use lab_core::exercise::{Check, CheckSetup, Checker, Prepared, Rng, SliceRandom as _};
use mysql::prelude::Queryable;

use super::http::{self, form_value};
use super::invariant_checks;
use crate::store::mysql::{self as store_mysql, MysqlTarget, PrivateSettings};

pub struct PdoChecker;

/// How long the payment service takes to answer.
const PAY_TIME: Duration = Duration::from_millis(150);

/// An idle connection holding a row lock this long is waiting on something else. Well below
/// a payment, well above what a busy machine's scheduler (or Python's GIL, handed between
/// sixteen threads) makes a transaction wait between two statements: 30 ms seen here.
const IDLE_WITH_LOCK: Duration = Duration::from_millis(90);

/// Paused transactions it takes to fail: one could be the machine's scheduler, a purchase
/// that pays while holding the lock does it every time.
const PAUSES_TO_FAIL: usize = 3;

/// How long InnoDB keeps showing the same transactions in `INNODB_TRX` while it is being read.
const TRANSACTIONS_REFRESH: Duration = Duration::from_millis(120);

/// The network between the shop and its database, one way.
const ROUND_TRIP: Duration = Duration::from_millis(1);

/// Rushes of sixteen buyers, each on a product of its own.
const RUSHES: usize = 3;

/// Products on the shelf: one bought alone, the rushed ones, the crowd's.
const PRODUCTS: u32 = RUSHES as u32 + 2;

/// How far apart the waves of a rush reach the database.
const WAVE: Duration = Duration::from_millis(25);

/// Buyers in flight at once.
const AT_ONCE: usize = 16;

/// What a run sells, drawn from its seed.
#[derive(Clone, Copy, Debug)]
struct Plan {
    /// The product one buyer buys alone first.
    alone: u32,
    /// The products sixteen buyers rush at once, one after another: a race that a lucky
    /// moment hides once shows in one of three.
    rushed: [u32; RUSHES],
    rushed_stock: [u32; RUSHES],
    /// The product the crowd buys.
    crowd: u32,
    crowd_stock: u32,
    crowd_size: u64,
    /// Buyer numbers start here, so a fixed number in the program never matches.
    first_user: u64,
    /// The stock of the product bought alone.
    alone_stock: u32,
}

impl Plan {
    fn draw(setup: &CheckSetup) -> Plan {
        let mut rng = setup.probes("flashsale-php-pdo");
        let mut products: [u32; PRODUCTS as usize] = std::array::from_fn(|index| index as u32 + 1);
        products.shuffle(&mut rng);
        Plan {
            alone: products[0],
            rushed: [products[1], products[2], products[3]],
            rushed_stock: std::array::from_fn(|_| rng.random_range(3..=5)),
            crowd: products[4],
            crowd_stock: rng.random_range(30..=45),
            crowd_size: rng.random_range(120..=180),
            first_user: rng.random_range(1000..9000),
            alone_stock: rng.random_range(5..=9),
        }
    }

    fn stock_of(&self, product: u32) -> u32 {
        if let Some(rush) = self.rushed.iter().position(|rushed| *rushed == product) {
            self.rushed_stock[rush]
        } else if product == self.crowd {
            self.crowd_stock
        } else {
            self.alone_stock
        }
    }
}

/// What the checker runs around the student's program: the database, the delay in front of
/// it, and the payment service.
struct Rig {
    plan: Plan,
    target: MysqlTarget,
    relay: Relay,
    payments: PaymentDesk,
    // Last: the server stops after everything that talks to it.
    _server: lab_servers::PrivateServer,
}

fn bind(setup: &CheckSetup, endpoint: &str) -> anyhow::Result<TcpListener> {
    let address = setup.address(endpoint)?;
    TcpListener::bind(address).map_err(|error| {
        anyhow::anyhow!(
            "the checker cannot listen on {address}: {error}; is another program using the port? Stop it and check again"
        )
    })
}

impl Rig {
    fn start(setup: &CheckSetup) -> anyhow::Result<Rig> {
        let plan = Plan::draw(setup);
        // Bound first: a port in use is said before the server's start is waited for.
        let relay_listener = bind(setup, "db")?;
        let pay_listener = bind(setup, "pay")?;
        let (server, target) = store_mysql::start_private(
            &PrivateSettings {
                max_connections: 200,
                lock_wait_timeout_seconds: 20,
                sync_each_commit: false,
                wait_timeout_seconds: 600,
            },
            &mut |step| setup.note(step.to_string()),
        )
        .map_err(|error| anyhow::anyhow!("{error}"))?;
        store_mysql::prepare(&target, PRODUCTS, plan.alone_stock, false)
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        let mut conn = store_mysql::connect(&target.admin_url)?;
        for product in plan.rushed.into_iter().chain([plan.crowd]) {
            let stock = plan.stock_of(product);
            conn.exec_drop(
                "UPDATE products SET stock = ?, initial_stock = ? WHERE id = ?",
                (stock, stock, product),
            )?;
        }
        let shelf: Vec<String> = (1..=PRODUCTS)
            .map(|product| format!("{product} ({} items)", plan.stock_of(product)))
            .collect();
        setup.note(format!(
            "the shop's database: MariaDB on {} through a round trip of {} ms; products {}",
            setup.address("db")?,
            ROUND_TRIP.as_millis(),
            shelf.join(", ")
        ));
        Ok(Rig {
            plan,
            relay: Relay::start(relay_listener, server.port()),
            payments: PaymentDesk::start(pay_listener),
            target,
            _server: server,
        })
    }
}

impl Checker for PdoChecker {
    fn id(&self) -> &'static str {
        "flashsale-php-pdo"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &["shop", "db", "pay"]
    }

    fn prepare(&self, setup: &CheckSetup) -> anyhow::Result<Prepared> {
        Ok(Prepared::new(Rig::start(setup)?))
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let rig = match setup.prepared.take::<Rig>() {
            Some(rig) => rig,
            None => Rig::start(setup)?,
        };
        let plan = rig.plan;
        let shop = setup.address("shop")?.to_string();
        let mut checks = Vec::new();
        // 1. One buyer alone.
        let user = plan.first_user;
        let reply = buy(&shop, user, plan.alone);
        setup.note(format!(
            "buyer {user} alone asked for product {}: {}",
            plan.alone,
            shown(&reply)
        ));
        let orders = orders_by_user(&rig.target)?;
        let name = format!("a buyer alone gets product {}", plan.alone);
        match &reply {
            Ok(reply) if reply.status == 201 && orders.get(&user) == Some(&vec![plan.alone]) => {
                checks.push(Check::pass(
                    name,
                    "201, and the order is in the orders table",
                ));
            }
            _ => {
                let why = match &reply {
                    Ok(reply) if reply.status == 201 => format!(
                        "201, but the orders table holds {}",
                        describe_orders(&orders)
                    ),
                    Ok(reply) => format!("{} {}", reply.status, reply.body),
                    Err(error) => error.clone(),
                };
                checks.push(
                    Check::fail(
                        name,
                        format!("201 Created and one order of product {} for buyer {user}", plan.alone),
                        why,
                    )
                    .because("read user and product from the POST form ($_POST['user'], $_POST['product']); the order is a row in orders (user, product, created_at); try it with curl -d 'user=1&product=1' http://127.0.0.1:25011/buy"),
                );
                return Ok(checks);
            }
        }
        // 2 and 3, watched.
        let figures_before = lock_figures(&rig.target);
        let watcher = Watcher::start(&rig.target)?;
        let next_user = AtomicU64::new(user + 1);
        let mut rushed = Vec::new();
        rig.relay.rush(true);
        for (product, stock) in plan.rushed.into_iter().zip(plan.rushed_stock) {
            let answers = rush(&shop, product, AT_ONCE, &next_user);
            setup.note(format!(
                "{AT_ONCE} buyers at once for the {stock} items of product {product}: {}",
                tally(&answers)
            ));
            rushed.extend(answers);
        }
        rig.relay.rush(false);
        let crowd = crowd(setup, &shop, plan.crowd, plan.crowd_size, &next_user);
        setup.note(format!(
            "{} buyers, {AT_ONCE} at a time, for the {} items of product {}: {}",
            plan.crowd_size,
            plan.crowd_stock,
            plan.crowd,
            tally(&crowd)
        ));
        let watched = watcher.stop();
        let figures_after = lock_figures(&rig.target);
        let audit = store_mysql::audit(&rig.target)?;
        let orders = orders_by_user(&rig.target)?;
        let payments = rig.payments.paid();
        let mut answers = vec![(user, plan.alone, reply)];
        answers.extend(rushed);
        answers.extend(crowd);

        checks.push(answered_each(&answers));
        checks.extend(invariant_checks(&audit, true, false).into_iter().map(|check| {
            if check.passed {
                check
            } else {
                check.because("the stock is read, then taken in another statement: between the two, other buyers read the same stock. Let one guarded UPDATE products SET stock = stock - 1 WHERE id = ? AND stock > 0 decide, and write the order only when rowCount() is 1")
            }
        }));
        checks.push(answers_tell_the_truth(&answers, &orders));
        let on_sale: Vec<(u32, u32)> = plan
            .rushed
            .into_iter()
            .zip(plan.rushed_stock)
            .chain([(plan.crowd, plan.crowd_stock)])
            .collect();
        checks.push(sold_out(&orders, &on_sale));
        checks.push(paid_once(&orders, &payments));
        checks.push(no_lock_held_idle(&watched, figures_before, figures_after));
        checks.push(served_at_once(&watched));
        drop(rig);
        Ok(checks)
    }
}

/// Buyer, product, and what the shop answered.
type Answer = (u64, u32, Result<http::Reply, String>);

fn buy(shop: &str, user: u64, product: u32) -> Result<http::Reply, String> {
    http::post_form(
        shop,
        "/buy",
        &format!("user={user}&product={product}"),
        Duration::from_secs(20),
    )
}

fn shown(reply: &Result<http::Reply, String>) -> String {
    match reply {
        Ok(reply) => format!(
            "{} {}",
            reply.status,
            lab_core::text::escape_controls(&reply.body)
        ),
        Err(error) => error.clone(),
    }
}

/// `12 × 201, 4 × 409` for a trace line.
fn tally(answers: &[Answer]) -> String {
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for (_, _, reply) in answers {
        let key = match reply {
            Ok(reply) => reply.status.to_string(),
            Err(_) => "no answer".to_string(),
        };
        *by_status.entry(key).or_default() += 1;
    }
    by_status
        .iter()
        .map(|(status, count)| format!("{count} × {status}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `count` buyers released at the same instant.
fn rush(shop: &str, product: u32, count: usize, next_user: &AtomicU64) -> Vec<Answer> {
    let start = Barrier::new(count);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..count)
            .map(|_| {
                let user = next_user.fetch_add(1, Ordering::Relaxed);
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    (user, product, buy(shop, user, product))
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|handle| handle.join().ok())
            .collect()
    })
}

/// `size` buyers, [`AT_ONCE`] at a time, until all have asked or the time is up.
fn crowd(
    setup: &CheckSetup,
    shop: &str,
    product: u32,
    size: u64,
    next_user: &AtomicU64,
) -> Vec<Answer> {
    let last = next_user.load(Ordering::Relaxed) + size;
    let answers = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..AT_ONCE {
            scope.spawn(|| {
                loop {
                    let user = next_user.fetch_add(1, Ordering::Relaxed);
                    if user >= last || setup.out_of_time() {
                        return;
                    }
                    let reply = buy(shop, user, product);
                    lab_core::lock(&answers).push((user, product, reply));
                }
            });
        }
    });
    answers.into_inner().unwrap_or_default()
}

/// The products each buyer holds an order of.
fn orders_by_user(target: &MysqlTarget) -> anyhow::Result<BTreeMap<u64, Vec<u32>>> {
    let mut conn = store_mysql::connect(&target.admin_url)?;
    let rows: Vec<(i64, i64)> = conn.query("SELECT user, product FROM orders ORDER BY id")?;
    let mut orders: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
    for (user, product) in rows {
        orders.entry(user as u64).or_default().push(product as u32);
    }
    Ok(orders)
}

fn describe_orders(orders: &BTreeMap<u64, Vec<u32>>) -> String {
    if orders.is_empty() {
        return "no order".to_string();
    }
    let shown: Vec<String> = orders
        .iter()
        .take(3)
        .map(|(user, products)| format!("buyer {user}: products {products:?}"))
        .collect();
    shown.join("; ")
}

fn answered_each(answers: &[Answer]) -> Check {
    let name = "every buyer gets 201 or 409";
    let odd: Vec<&Answer> = answers
        .iter()
        .filter(|(_, _, reply)| !matches!(reply, Ok(reply) if reply.status == 201 || reply.status == 409))
        .collect();
    match odd.first() {
        None => Check::pass(name, format!("{} answers", answers.len())),
        Some((user, product, reply)) => Check::fail(
            name,
            "201 Created with the order, or 409 Conflict when sold out",
            format!(
                "{} of {} answers were something else; buyer {user} of product {product}: {}",
                odd.len(),
                answers.len(),
                shown(reply)
            ),
        )
        .because("a PDOException is a 500: under load, look at what the database said (set PDO::ATTR_ERRMODE to PDO::ERRMODE_EXCEPTION, catch it, and print $e->getMessage() to stderr)"),
    }
}

/// A 201 is an order of that product for that buyer, a 409 is none.
fn answers_tell_the_truth(answers: &[Answer], orders: &BTreeMap<u64, Vec<u32>>) -> Check {
    let name = "each 201 is an order and each 409 is none";
    let holds = |user: &u64, product: &u32| {
        orders
            .get(user)
            .is_some_and(|products| products.contains(product))
    };
    let mut lies = Vec::new();
    for (user, product, reply) in answers {
        let Ok(reply) = reply else { continue };
        match reply.status {
            201 if !holds(user, product) => lies.push(format!(
                "buyer {user} was told 201 but has no order of product {product}"
            )),
            409 if holds(user, product) => lies.push(format!(
                "buyer {user} was told 409 but has an order of product {product}"
            )),
            _ => {}
        }
    }
    let asked: BTreeSet<u64> = answers.iter().map(|(user, _, _)| *user).collect();
    if let Some(stranger) = orders.keys().find(|user| !asked.contains(user)) {
        lies.push(format!(
            "an order for buyer {stranger}, who never asked: read the buyer from the request"
        ));
    }
    match lies.first() {
        None => Check::pass(name, format!("{} answers against the orders table", answers.len())),
        Some(first) => Check::fail(
            name,
            "201 only when the order was written, 409 only when it was not",
            format!("{} answers wrong; {first}", lies.len()),
        )
        .because("answer from what the database did: 201 when the guarded UPDATE changed a row and the order was committed, 409 when it changed none"),
    }
}

/// Every item of each product sold, no more.
fn sold_out(orders: &BTreeMap<u64, Vec<u32>>, on_sale: &[(u32, u32)]) -> Check {
    let name = "every item sold";
    let sold_of = |product: u32| {
        orders
            .values()
            .flatten()
            .filter(|bought| **bought == product)
            .count() as u64
    };
    let wrong: Vec<(u32, u32, u64)> = on_sale
        .iter()
        .map(|(product, stock)| (*product, *stock, sold_of(*product)))
        .filter(|(_, stock, sold)| *sold != *stock as u64)
        .collect();
    let Some((product, stock, sold)) = wrong.first().copied() else {
        let items: u32 = on_sale.iter().map(|(_, stock)| stock).sum();
        return Check::pass(
            name,
            format!(
                "{items} orders for the {items} items of {} products",
                on_sale.len()
            ),
        );
    };
    Check::fail(
        name,
        format!("{stock} orders of product {product}: more buyers than items"),
        format!(
            "{sold} orders of product {product}{}",
            if wrong.len() > 1 {
                format!(", and {} other products wrong too", wrong.len() - 1)
            } else {
                String::new()
            }
        ),
    )
    .because(if sold > stock as u64 {
        "more orders than items: the stock was read before others took it".to_string()
    } else {
        "buyers were turned away while items were left: is a busy moment (a lock wait, a deadlock) answered as sold out?".to_string()
    })
}

/// Each order paid once, and nobody charged without an order.
fn paid_once(orders: &BTreeMap<u64, Vec<u32>>, payments: &[Payment]) -> Check {
    let name = "each order paid once, nobody else charged";
    let mut times: BTreeMap<u64, usize> = BTreeMap::new();
    for payment in payments {
        *times.entry(payment.user).or_default() += 1;
    }
    let mut found = Vec::new();
    let unpaid = orders
        .iter()
        .filter(|(user, products)| times.get(user).copied().unwrap_or(0) < products.len())
        .count();
    if unpaid > 0 {
        found.push(format!("{unpaid} orders never paid"));
    }
    let charged_without = times
        .keys()
        .filter(|user| !orders.contains_key(user))
        .count();
    if charged_without > 0 {
        found.push(format!("{charged_without} buyers charged without an order"));
    }
    let twice = times
        .iter()
        .filter(|(user, count)| **count > orders.get(user).map_or(0, Vec::len))
        .filter(|(user, _)| orders.contains_key(user))
        .count();
    if twice > 0 {
        found.push(format!("{twice} buyers charged more than once"));
    }
    if found.is_empty() {
        return Check::pass(
            name,
            format!(
                "{} payments for {} orders",
                payments.len(),
                orders.values().map(Vec::len).sum::<usize>()
            ),
        );
    }
    Check::fail(
        name,
        "one payment (GET http://127.0.0.1:25012/pay?user=…&order=…) for each order",
        found.join("; "),
    )
    .because("take the item first (the guarded UPDATE and the order, committed), then pay: a buyer who got nothing must not be charged")
}

fn no_lock_held_idle(
    watched: &Watched,
    before: Option<store_mysql::LockFigures>,
    after: Option<store_mysql::LockFigures>,
) -> Check {
    let name = "no row lock held while the purchase waits on something else";
    let waited = match (before, after) {
        (Some(before), Some(after)) => format!(
            "; the server counted {} row lock waits, {} ms waited in all",
            after.row_lock_waits - before.row_lock_waits,
            after.row_lock_time_ms - before.row_lock_time_ms
        ),
        _ => String::new(),
    };
    let paused: Vec<Duration> = watched
        .idle_with_lock
        .values()
        .copied()
        .filter(|idle| *idle >= IDLE_WITH_LOCK)
        .collect();
    let longest = watched
        .idle_with_lock
        .values()
        .max()
        .copied()
        .unwrap_or_default();
    if paused.len() < PAUSES_TO_FAIL {
        return Check::pass(
            name,
            format!(
                "the longest a transaction holding a row lock sat idle: {}{waited}",
                milliseconds(longest)
            ),
        );
    }
    Check::fail(
        name,
        format!("a transaction that holds the product's row does nothing but talk to the database (idle under {} ms)", IDLE_WITH_LOCK.as_millis()),
        format!(
            "{} transactions held a row lock while their connection sat idle, the longest {}{waited}",
            paused.len(),
            milliseconds(longest)
        ),
    )
    .because(format!(
        "the row stays locked from SELECT … FOR UPDATE (or the UPDATE) until COMMIT: a payment of {} ms inside that makes every other buyer of the product wait in line. Commit first, then pay",
        PAY_TIME.as_millis()
    ))
}

fn served_at_once(watched: &Watched) -> Check {
    let name = "the shop serves buyers at the same time";
    if watched.most_connections >= 2 {
        Check::pass(
            name,
            format!(
                "up to {} connections to the database at once",
                watched.most_connections
            ),
        )
    } else {
        Check::fail(
            name,
            "several purchases at once, each on its own connection",
            format!("at most {} connection at a time", watched.most_connections),
        )
        .because("php -S serves one request at a time unless told otherwise: start it as PHP_CLI_SERVER_WORKERS=8 php -S 127.0.0.1:25011 buy.php (the workbench does, given the command after --)")
    }
}

fn lock_figures(target: &MysqlTarget) -> Option<store_mysql::LockFigures> {
    let mut conn = store_mysql::connect(&target.admin_url).ok()?;
    store_mysql::lock_figures(&mut conn).ok()
}

/// What the watcher saw.
#[derive(Default)]
struct Watched {
    /// Per transaction holding row locks: the longest its connection was seen idle.
    idle_with_lock: BTreeMap<u64, Duration>,
    /// The most connections of the shop's user seen at once.
    most_connections: i64,
}

/// Looks at the server while the buyers run: how many connections the shop has (every few
/// milliseconds), and which transactions hold row locks while their client sends nothing (as
/// often as InnoDB refreshes that view).
struct Watcher {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Watched>,
}

impl Watcher {
    fn start(target: &MysqlTarget) -> anyhow::Result<Watcher> {
        let mut conn = store_mysql::connect(&target.admin_url)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut watched = Watched::default();
            let mut looked_at_locks: Option<Instant> = None;
            while !stopped.load(Ordering::Relaxed) {
                // InnoDB refreshes what INNODB_TRX shows only when nobody read it for 100 ms:
                // looked at more often, it would show the same moment for ever.
                if looked_at_locks.is_none_or(|at| at.elapsed() >= TRANSACTIONS_REFRESH) {
                    looked_at_locks = Some(Instant::now());
                    let idle: Vec<(u64, i64)> = conn
                        .query(
                            "SELECT CAST(t.trx_id AS UNSIGNED), CAST(p.TIME_MS * 1000 AS SIGNED)
                             FROM information_schema.INNODB_TRX t
                             JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
                             WHERE p.COMMAND = 'Sleep' AND t.trx_rows_locked > 0",
                        )
                        .unwrap_or_default();
                    for (transaction, idle_micros) in idle {
                        let idle = Duration::from_micros(idle_micros.max(0) as u64);
                        let longest = watched.idle_with_lock.entry(transaction).or_default();
                        *longest = (*longest).max(idle);
                    }
                }
                let connections: Option<i64> = conn
                    .query_first(
                        "SELECT count(*) FROM information_schema.PROCESSLIST WHERE USER = 'shop'",
                    )
                    .unwrap_or_default();
                watched.most_connections = watched.most_connections.max(connections.unwrap_or(0));
                std::thread::sleep(Duration::from_millis(2));
            }
            watched
        });
        Ok(Watcher { stop, thread })
    }

    fn stop(self) -> Watched {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// One payment the service took.
#[derive(Clone, Debug)]
struct Payment {
    user: u64,
}

/// The payment service: `GET /pay?user=…&order=…`, answered `200 paid` after [`PAY_TIME`].
struct PaymentDesk {
    paid: Arc<Mutex<Vec<Payment>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl PaymentDesk {
    fn start(listener: TcpListener) -> PaymentDesk {
        let paid = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (paid, stop) = (paid.clone(), stop.clone());
            std::thread::spawn(move || {
                accept_until(&listener, &stop, |mut stream| {
                    let paid = paid.clone();
                    std::thread::spawn(move || {
                        let Some(request) = http::read_request(&mut stream, Duration::from_secs(5))
                        else {
                            return;
                        };
                        let query = request.path.split_once('?').map_or("", |(_, query)| query);
                        let user = form_value(query, "user").and_then(|user| user.parse().ok());
                        let (status, text) = match user {
                            Some(user) => {
                                std::thread::sleep(PAY_TIME);
                                lab_core::lock(&paid).push(Payment { user });
                                ("200 OK", "paid")
                            }
                            None => ("400 Bad Request", "name the buyer: /pay?user=…&order=…"),
                        };
                        let _ = write!(
                            stream,
                            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                            text.len()
                        );
                    });
                });
            })
        };
        PaymentDesk {
            paid,
            stop,
            thread: Some(thread),
        }
    }

    fn paid(&self) -> Vec<Payment> {
        lab_core::lock(&self.paid).clone()
    }
}

impl Drop for PaymentDesk {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Accepts connections until `stop`, handing each to `each`.
fn accept_until(listener: &TcpListener, stop: &AtomicBool, mut each: impl FnMut(TcpStream)) {
    if listener.set_nonblocking(true).is_err() {
        return;
    }
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                if stream.set_nonblocking(false).is_ok() {
                    each(stream);
                }
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

/// The network between the shop and its database: every message the shop sends reaches the
/// server a round trip later. During a rush it is a network with jitter: messages leave in
/// waves, every [`WAVE`], so buyers who asked at about the same moment reach the server at the
/// same moment — whatever the language's threads or the machine's load did to spread them.
struct Relay {
    stop: Arc<AtomicBool>,
    rushing: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    thread: Option<JoinHandle<()>>,
}

impl Relay {
    fn start(listener: TcpListener, server_port: u16) -> Relay {
        let stop = Arc::new(AtomicBool::new(false));
        let rushing = Arc::new(AtomicBool::new(false));
        let open = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, rushing, open) = (stop.clone(), rushing.clone(), open.clone());
            std::thread::spawn(move || {
                let epoch = Instant::now();
                accept_until(&listener, &stop, |client| {
                    let Ok(server) = TcpStream::connect(("127.0.0.1", server_port)) else {
                        return;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let (Ok(client_reader), Ok(server_writer)) =
                        (client.try_clone(), server.try_clone())
                    else {
                        return;
                    };
                    {
                        let mut open = lab_core::lock(&open);
                        open.extend(client.try_clone().ok());
                        open.extend(server.try_clone().ok());
                    }
                    let rushing = rushing.clone();
                    std::thread::spawn(move || {
                        pump(client_reader, server_writer, || {
                            if rushing.load(Ordering::Relaxed) {
                                until_next_wave(epoch)
                            } else {
                                ROUND_TRIP
                            }
                        })
                    });
                    std::thread::spawn(move || pump(server, client, || Duration::ZERO));
                });
            })
        };
        Relay {
            stop,
            rushing,
            open,
            thread: Some(thread),
        }
    }

    /// Sends messages in waves (`true`) or each after a round trip.
    fn rush(&self, rushing: bool) {
        self.rushing.store(rushing, Ordering::Relaxed);
    }
}

/// From now to the next wave after a round trip.
fn until_next_wave(epoch: Instant) -> Duration {
    let now = epoch.elapsed() + ROUND_TRIP;
    let waves = now.as_micros() / WAVE.as_micros() + 1;
    Duration::from_micros((waves * WAVE.as_micros()) as u64) - epoch.elapsed()
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        for stream in lab_core::lock(&self.open).drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// Copies `from` to `to`, each read held for `delay()`, until either side closes.
fn pump(mut from: TcpStream, mut to: TcpStream, delay: impl Fn() -> Duration) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        let delay = delay();
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        if to.write_all(&buffer[..read]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}

/// `0.4 ms`, `41 ms`.
fn milliseconds(duration: Duration) -> String {
    let ms = duration.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}
