//! `flashsale-sql`: the student writes the SQL of one purchase (`purchase.sql`), with the
//! parameters `:user` and `:product`. The checker runs it for a crowd of buyers on 16
//! connections at once, each statement one network round trip (a sleep of `rtt_ms` before
//! it), every tenth buyer dying in mid-purchase, and then audits the store: nothing oversold,
//! stock never negative, nothing taken without an order, a ledger row per order, and every
//! item sold (a purchase that never sells passes nothing).
//!
//! The crowd's size and the stock are drawn from the run's seed, and so is the order of the
//! three products: one purchase alone of each of two, then the crowd on the third, so a
//! purchase written for one fixed product fails whichever it is, and the crowd's orders are
//! counted on its own product, not in the whole shop. The audit reads every
//! column the task defines: each order belongs to one buyer once, each ledger row names a real
//! order, says `-1`, and its `stock_after` counts down one by one with no value twice. The
//! advice after a failure comes from what the audit found.
//!
//! Reading the stock in one statement and taking it in the next leaves a round trip between
//! them in which everyone else reads the same stock. A guarded `UPDATE … WHERE stock > 0`
//! decides in one statement; the order and ledger rows follow only when it changed a row.
//!
//! The exercise's `engine` setting says where: `sqlite` (a file, the default) or `mysql` (a
//! private MariaDB the checker starts, InnoDB tables; `sql_engines.rs`). The audit is the
//! same on both.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lab_core::exercise::{Check, CheckSetup, Checker, Rng, SliceRandom as _, TaskFile};

use super::sql_engines::{Dialect, Engine, Shop};
use super::{invariant_checks, number};
use crate::store;

pub struct SqlChecker;

/// The student's SQL: `sql = "purchase.sql"` in the exercise's settings.
const SQL_FILE: TaskFile = TaskFile {
    setting: "sql",
    default: "purchase.sql",
};

impl Checker for SqlChecker {
    fn id(&self) -> &'static str {
        "flashsale-sql"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &[]
    }

    fn task_file(&self) -> Option<TaskFile> {
        Some(SQL_FILE)
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let mut rng = setup.probes("flashsale-sql");
        let users = rng.random_range(1500..=2500);
        let stock: u32 = rng.random_range(80..=120);
        // A purchase alone on each of two products, then the crowd on the third: a fixed
        // product id fails one of the lone purchases whichever it is.
        let mut products = [1u64, 2, 3];
        products.shuffle(&mut rng);
        let [first_alone, second_alone, product] = products;
        setup.note(format!(
            "{users} buyers for {stock} items of product {product} (three products on the shelf)"
        ));
        let workers = number(setup, "workers", "16")? as usize;
        let rtt = Duration::from_millis(number(setup, "rtt_ms", "1")?);
        let sql = match setup.read_task_file(SQL_FILE, "the SQL of one purchase") {
            Ok(read) => read,
            Err(missing) => return Ok(vec![*missing]),
        };
        let engine = Engine::from_setting(setup.setting("engine", "sqlite"))?;
        let dialect = engine.dialect();
        let shop = Shop::open(engine, &mut |step| setup.note(step.to_string()))?;
        shop.reset(3, stock)?;
        // Once, alone, first: a mistake in the SQL is one clear line.
        let mut checks = Vec::new();
        for (sold, (user, alone)) in [(1, first_alone), (2, second_alone)]
            .into_iter()
            .enumerate()
        {
            let tried = shop
                .buyer(&sql)
                .map_err(|error| error.to_string())
                .and_then(|mut buyer| buyer.purchase(user, alone, Duration::ZERO, None));
            if let Err(error) = tried {
                checks.push(
                    Check::fail(
                        "the SQL runs",
                        format!(
                            "statements {} accepts, using :user and :product",
                            dialect.name
                        ),
                        error,
                    )
                    .because(dialect.try_it),
                );
                return Ok(checks);
            }
            let sold = sold as u64 + 1;
            let alone_audit = shop.audit()?;
            let left_of_it = shop.number(STOCK_OF, alone)?;
            if alone_audit.orders != sold
                || left_of_it != stock as i64 - 1
                || alone_audit.stock_left != 3 * stock as i64 - sold as i64
            {
                checks.push(Check::pass("the SQL runs", "a purchase alone went through"));
                checks.push(
                    Check::fail(
                        format!("one purchase alone sells one item of product {alone}"),
                        format!("1 more order and {} left of product {alone}, the others untouched", stock - 1),
                        format!(
                            "{} orders in all; {left_of_it} left of product {alone}; {} left of all three",
                            alone_audit.orders, alone_audit.stock_left
                        ),
                    )
                    .because("use :product and :user, not fixed numbers: the checker sells a different product on each run"),
                );
                return Ok(checks);
            }
        }
        checks.push(Check::pass(
            "the SQL runs",
            format!("a purchase alone of product {first_alone}, then of product {second_alone}, each sold one item"),
        ));
        shop.reset(3, stock)?;
        let next = AtomicU64::new(1);
        let failures = AtomicU64::new(0);
        let first_failure = std::sync::Mutex::new(None);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    let mut buyer = match shop.buyer(&sql) {
                        Ok(buyer) => buyer,
                        Err(error) => {
                            failures.fetch_add(1, Ordering::Relaxed);
                            lab_core::lock(&first_failure).get_or_insert(error.to_string());
                            return;
                        }
                    };
                    loop {
                        let user = next.fetch_add(1, Ordering::Relaxed);
                        if user > users || setup.out_of_time() {
                            return;
                        }
                        if let Err(error) = buyer.purchase(user, product, rtt, crash_after(user)) {
                            failures.fetch_add(1, Ordering::Relaxed);
                            lab_core::lock(&first_failure).get_or_insert(error);
                        }
                    }
                });
            }
        });
        let audit = shop.audit()?;
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
        let ledger = Ledger::read(&shop, product, stock)?;
        let advice = advice(&audit, &ledger, &dialect);
        checks.extend(
            invariant_checks(&audit, true, true)
                .into_iter()
                .map(|check| {
                    if check.passed {
                        check
                    } else {
                        check.because(advice.clone())
                    }
                }),
        );
        checks.push(ledger.check(&advice));
        // The crowd bought product `product`: its orders are counted, not the shop's.
        let of_product = shop.number(ORDERS_OF, product)? as u64;
        let elsewhere = audit.orders - of_product.min(audit.orders);
        checks.push(if of_product == stock as u64 && elsewhere == 0 {
            Check::pass(
                "every item sold",
                format!("{of_product} orders of product {product} for {stock} items"),
            )
        } else if elsewhere > 0 {
            Check::fail(
                "every item sold",
                format!("{stock} orders of product {product}, the one the crowd asked for"),
                format!("{of_product} orders of product {product}, {elsewhere} of other products"),
            )
            .because("use :product and :user, not fixed numbers: the checker sells a different product on each run")
        } else {
            Check::fail(
                "every item sold",
                format!("{stock} orders of product {product}: more buyers than items"),
                format!("{of_product} orders"),
            )
            .because(if of_product > stock as u64 {
                advice.clone()
            } else {
                "some buyers found stock but bought nothing: is the order written only when the UPDATE changed a row, and is that test right?".to_string()
            })
        });
        Ok(checks)
    }
}

/// Every tenth buyer's program dies in the middle of its purchase, after its first statement
/// or its second in turn: one transaction leaves nothing of it, separate statements leave half.
fn crash_after(user: u64) -> Option<usize> {
    (user % 10 == 3).then_some(1 + (user / 10) as usize % 2)
}

/// The audit's queries take the product as `?` and are written once for SQLite and MySQL
/// (`` `change` `` is a reserved word in MySQL; SQLite takes the backticks too).
const ORDERS_OF: &str = "SELECT count(*) FROM orders WHERE product = ?";
const STOCK_OF: &str = "SELECT stock FROM products WHERE id = ?";

/// What the ledger and the orders say, column by column.
struct Ledger {
    /// Ledger rows whose change is not -1.
    wrong_change: u64,
    /// Ledger rows whose order_id is no order of the product.
    no_such_order: u64,
    /// Orders with no ledger row, or with more than one.
    orders_without_one_row: u64,
    /// `stock_after` values that appear more than once, with how often (the first few).
    repeated_stock_after: Vec<(i64, u64)>,
    /// `stock_after` values outside what the stock went through.
    out_of_range: u64,
    /// Buyers with more than one order.
    repeat_buyers: Vec<(i64, u64)>,
    stock: u32,
}

impl Ledger {
    fn read(shop: &Shop, product: u64, stock: u32) -> anyhow::Result<Ledger> {
        let number = |sql: &str| shop.number(sql, product).map(|count| count.max(0) as u64);
        Ok(Ledger {
            wrong_change: number(
                "SELECT count(*) FROM stock_ledger WHERE product = ?
                   AND (`change` IS NULL OR `change` <> -1)",
            )?,
            no_such_order: number(
                "SELECT count(*) FROM stock_ledger l WHERE l.product = ? AND NOT EXISTS
                   (SELECT 1 FROM orders o WHERE o.id = l.order_id AND o.product = l.product)",
            )?,
            orders_without_one_row: number(
                "SELECT count(*) FROM orders o WHERE o.product = ? AND
                   (SELECT count(*) FROM stock_ledger l WHERE l.order_id = o.id) <> 1",
            )?,
            repeated_stock_after: shop.pairs(
                "SELECT stock_after, count(*) FROM stock_ledger WHERE product = ?
                 GROUP BY stock_after HAVING count(*) > 1 ORDER BY count(*) DESC, stock_after DESC
                 LIMIT 3",
                product,
            )?,
            out_of_range: number(&format!(
                "SELECT count(*) FROM stock_ledger WHERE product = ? AND
                   (stock_after IS NULL OR stock_after < 0 OR stock_after >= {stock})"
            ))?,
            repeat_buyers: shop.pairs(
                "SELECT user, count(*) FROM orders WHERE product = ?
                 GROUP BY user HAVING count(*) > 1 ORDER BY count(*) DESC, user LIMIT 3",
                product,
            )?,
            stock,
        })
    }

    fn check(&self, advice: &str) -> Check {
        let name = "the ledger tells the true story: one row per order, change -1, stock_after counting down";
        let mut found = Vec::new();
        if self.wrong_change > 0 {
            found.push(format!("{} rows whose change is not -1", self.wrong_change));
        }
        if self.no_such_order > 0 {
            found.push(format!(
                "{} rows whose order_id is no order of this product",
                self.no_such_order
            ));
        }
        if self.orders_without_one_row > 0 {
            found.push(format!(
                "{} orders without exactly one ledger row",
                self.orders_without_one_row
            ));
        }
        if !self.repeated_stock_after.is_empty() {
            let shown: Vec<String> = self
                .repeated_stock_after
                .iter()
                .map(|(after, times)| format!("{after} ({times} times)"))
                .collect();
            found.push(format!("stock_after repeated: {}", shown.join(", ")));
        }
        if self.out_of_range > 0 {
            found.push(format!(
                "{} rows with stock_after outside 0 to {}",
                self.out_of_range,
                self.stock - 1
            ));
        }
        if found.is_empty() {
            return Check::pass(name, "every row checked against its order and the stock");
        }
        Check::fail(
            name,
            format!(
                "a row per order with change -1, and stock_after {} down to the stock left, each once",
                self.stock - 1
            ),
            found.join("; "),
        )
        .because(advice.to_string())
    }
}

/// The advice for what the audit found: each cause the evidence shows, worst first.
fn advice(audit: &store::Audit, ledger: &Ledger, dialect: &Dialect) -> String {
    let mut causes = Vec::new();
    if audit.negative_stock_products > 0 {
        causes.push("the stock went below zero: nothing stops the UPDATE at zero. Take the item only where there is one (UPDATE … WHERE stock > 0) and write the order only when that changed a row".to_string());
    }
    let taken = audit.initial_stock as i64 - audit.stock_left;
    if taken > audit.orders as i64 {
        causes.push(format!(
            "{} items left the stock with no order: a buyer's program died after taking one (every tenth does, here) and what it had done stayed. Put the statements in one transaction ({} … COMMIT): the database undoes one that never committed",
            taken - audit.orders as i64,
            dialect.begin
        ));
    } else if causes.is_empty() && ledger.orders_without_one_row > 0 && ledger.wrong_change == 0 {
        causes.push(format!(
            "{} orders have no ledger row: the purchase writes none, or a buyer's program died between the order and its ledger row (every tenth does, here) and the order stayed. Write the ledger row right after the order, both in one transaction ({} … COMMIT)",
            ledger.orders_without_one_row, dialect.begin
        ));
    }
    if let Some((after, times)) = ledger.repeated_stock_after.first() {
        causes.push(format!(
            "{times} purchases each left the stock at {after}: they read the same stock before any took it. The stock is read in one statement and taken in another; let one guarded UPDATE … WHERE stock > 0 decide"
        ));
    }
    if let Some((user, times)) = ledger.repeat_buyers.first() {
        causes.push(format!(
            "buyer {user} has {times} orders, but each buyer bought once: a purchase that hit {} ran again from the start after its first statements had been applied. Put the statements in one transaction ({} … COMMIT) so that a retry starts from nothing",
            dialect.retry_cause, dialect.begin
        ));
    }
    if causes.is_empty() && (audit.oversold > 0 || audit.mismatched_products > 0) {
        causes.push(format!("the orders and the stock disagree: write the order and the ledger row only when the UPDATE took an item ({} = 1 right after it), in one transaction", dialect.changed_rows));
    }
    if causes.is_empty()
        && (ledger.wrong_change > 0 || ledger.out_of_range > 0 || ledger.no_such_order > 0)
    {
        causes.push(format!("the ledger row must say change = -1, the order's id ({} right after the order's INSERT) and the stock after the UPDATE", dialect.last_id));
    }
    if causes.is_empty() {
        causes.push(
            "write one ledger row for each order, right after it, and none when nothing was sold"
                .to_string(),
        );
    }
    causes.join(". Also: ")
}
