//! The store: products with their stock, the orders, and a stock ledger, on SQLite (one file,
//! embedded) or on a MySQL server (MariaDB: InnoDB, row locks).
//!
//! ```text
//! products      id, name, initial_stock, stock
//! orders        id, user, product, created_at
//! stock_ledger  id, product, order_id, change (-1), stock_after
//! ```
//!
//! A purchase is three writes: an order, a ledger row, one less in stock. Done right they happen
//! together or not at all, and the **invariants** hold whatever the load:
//!
//! - every product's orders = its initial stock − its stock left (nothing oversold or lost);
//! - no stock below zero;
//! - the ledger has one row per order, and its changes add up to what left the stock.
//!
//! The strategies (`strategy.rs`) talk to a store through a [`Session`]: the same purchase
//! code runs on both engines, and what differs is what the engine locks. SQLite has one writer
//! lock for the whole file; InnoDB locks the rows a statement writes (or reads `FOR UPDATE`),
//! and a plain `SELECT` inside a transaction takes no lock at all (a consistent read).

pub mod mysql;
pub mod redis;
pub mod sqlite;

use std::path::PathBuf;

pub use self::mysql::MysqlTarget;
pub use self::sqlite::{APPLICATION_ID, Synchronous, audit, claim, create, open, open_read_only};

/// Which database the sale runs on.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Engine {
    /// One file, embedded: one writer at a time for the whole file.
    Sqlite,
    /// A MySQL server (MariaDB): InnoDB, a lock per row.
    Mysql,
    /// Redis in front of SQLite: the stock and one Lua script per purchase in Redis, the
    /// orders written into the database from a stream.
    Redis,
}

impl Engine {
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// What went wrong in a store, as far as a strategy cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trouble {
    /// SQLite: another writer holds the lock (SQLITE_BUSY); try again.
    Busy,
    /// InnoDB chose this transaction to undo a deadlock (1213); try it again.
    Deadlock,
    /// InnoDB: a row lock was waited on past `innodb_lock_wait_timeout` (1205).
    LockWaitTimeout,
    /// The unique index refused a second order of a product for the same buyer.
    Duplicate,
    /// The server refused a new connection (1040).
    TooManyConnections,
    /// The connection is gone: closed by the server (`wait_timeout`), or the server went away
    /// (2006, 2013).
    GoneAway,
    /// What this engine cannot do (e.g. `FOR UPDATE` on SQLite).
    Unsupported,
    Other,
}

/// An error from a store: its kind and the engine's own words.
#[derive(Clone, Debug)]
pub struct StoreError {
    pub trouble: Trouble,
    pub message: String,
}

impl StoreError {
    pub fn new(trouble: Trouble, message: impl Into<String>) -> StoreError {
        StoreError {
            trouble,
            message: message.into(),
        }
    }

    /// An error of the lab's own making.
    pub fn other(message: impl Into<String>) -> StoreError {
        StoreError::new(Trouble::Other, message)
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for StoreError {}

pub type StoreResult<T> = Result<T, StoreError>;

/// One connection to the store, as a purchase uses it. Each method is one statement (or one
/// transaction command), so a strategy reads as the sequence of statements it sends.
pub trait Session: Send {
    /// Whether the connection still answers (MySQL: a ping; the server closes a connection
    /// idle past `wait_timeout`). An embedded store always does.
    fn answers(&mut self) -> bool {
        true
    }
    /// `BEGIN`: a transaction whose locks come with its statements.
    fn begin(&mut self) -> StoreResult<()>;
    /// A transaction that is going to write. SQLite: `BEGIN IMMEDIATE` (the file's write lock
    /// now); MySQL: `START TRANSACTION` (the rows' locks come with the statements).
    fn begin_write(&mut self) -> StoreResult<()>;
    fn commit(&mut self) -> StoreResult<()>;
    /// Undoes the open transaction, if any; nothing to report if there was none.
    fn rollback(&mut self);
    fn savepoint(&mut self) -> StoreResult<()>;
    fn release_savepoint(&mut self) -> StoreResult<()>;
    fn rollback_to_savepoint(&mut self);
    /// `SELECT stock`: a plain read (on InnoDB inside a transaction: a snapshot, no lock).
    fn read_stock(&mut self, product: u32) -> StoreResult<i64>;
    /// `SELECT stock ... FOR UPDATE`: a read that locks the row until COMMIT (InnoDB only).
    fn read_stock_for_update(&mut self, product: u32) -> StoreResult<i64>;
    /// `UPDATE ... SET stock = stock - 1`, whatever the stock is: the stock after.
    fn take_one(&mut self, product: u32) -> StoreResult<i64>;
    /// `UPDATE ... SET stock = stock - 1 WHERE ... AND stock > 0`: the stock after, or `None`
    /// when none was left (no row matched).
    fn take_one_if_left(&mut self, product: u32) -> StoreResult<Option<i64>>;
    /// `INSERT INTO orders`: the new order's id.
    fn insert_order(&mut self, user: u64, product: u32) -> StoreResult<i64>;
    /// `INSERT INTO stock_ledger`: one row, change −1.
    fn record_ledger(&mut self, product: u32, order: i64, stock_after: i64) -> StoreResult<()>;
    /// An order numbered elsewhere (by Redis), inserted unless one with its number is there
    /// already (`INSERT OR IGNORE` / `INSERT IGNORE`): whether it was new.
    fn insert_numbered_order(
        &mut self,
        order: i64,
        user: i64,
        product: i64,
        created_at: f64,
    ) -> StoreResult<bool>;
    /// `SELECT count(*) FROM orders`.
    fn order_count(&mut self) -> StoreResult<i64>;
}

/// Where a sale keeps its store.
#[derive(Clone, Debug)]
pub enum Store {
    /// A SQLite file.
    Sqlite {
        path: PathBuf,
        synchronous: Synchronous,
    },
    /// A database on a MySQL server.
    Mysql(MysqlTarget),
}

impl Store {
    /// The engine it runs on.
    pub fn engine(&self) -> Engine {
        match self {
            Store::Sqlite { .. } => Engine::Sqlite,
            Store::Mysql(_) => Engine::Mysql,
        }
    }

    /// Makes the store fresh: the tables, emptied, and the products with their stock.
    pub fn prepare(&self, products: u32, stock: u32, one_per_user: bool) -> anyhow::Result<()> {
        match self {
            Store::Sqlite { path, synchronous } => {
                sqlite::prepare(path, *synchronous, products, stock, one_per_user)
            }
            Store::Mysql(target) => {
                mysql::prepare(target, products, stock, one_per_user).map_err(anyhow::Error::msg)
            }
        }
    }

    /// A new connection.
    pub fn connect(&self) -> StoreResult<Box<dyn Session>> {
        match self {
            Store::Sqlite { path, synchronous } => {
                Ok(Box::new(sqlite::SqliteSession::open(path, *synchronous)?))
            }
            Store::Mysql(target) => Ok(Box::new(mysql::MysqlSession::connect(target)?)),
        }
    }

    /// Reads the whole store and checks the invariants.
    pub fn audit(&self) -> anyhow::Result<Audit> {
        match self {
            Store::Sqlite { path, synchronous } => Ok(sqlite::audit(&open(path, *synchronous)?)?),
            Store::Mysql(target) => Ok(mysql::audit(target)?),
        }
    }
}

/// The invariants' queries, in SQL both engines read: each gives one number.
pub(crate) const AUDIT_QUERIES: [&str; 9] = [
    "SELECT count(*) FROM orders",
    "SELECT coalesce(sum(initial_stock), 0) FROM products",
    "SELECT coalesce(sum(stock), 0) FROM products",
    "SELECT coalesce(sum(CASE WHEN sold > initial_stock THEN sold - initial_stock ELSE 0 END), 0) FROM
       (SELECT p.initial_stock, (SELECT count(*) FROM orders o WHERE o.product = p.id) AS sold
        FROM products p) AS per_product",
    "SELECT count(*) FROM products p
     WHERE (SELECT count(*) FROM orders o WHERE o.product = p.id) != p.initial_stock - p.stock",
    "SELECT count(*) FROM products WHERE stock < 0",
    "SELECT count(*) FROM stock_ledger",
    "SELECT coalesce(sum(`change`), 0) FROM stock_ledger",
    "SELECT count(*) FROM (SELECT user FROM orders GROUP BY user, product HAVING count(*) > 1) AS repeats",
];

impl Audit {
    /// The audit from the answers to [`AUDIT_QUERIES`], in their order.
    pub(crate) fn from_numbers(numbers: [i64; 9]) -> Audit {
        let [
            orders,
            initial,
            left,
            oversold,
            mismatched,
            negative,
            rows,
            sum,
            repeats,
        ] = numbers;
        Audit {
            orders: orders as u64,
            initial_stock: initial as u64,
            stock_left: left,
            oversold: oversold as u64,
            mismatched_products: mismatched as u64,
            negative_stock_products: negative as u64,
            ledger_rows: rows as u64,
            ledger_sum: sum,
            repeat_buyers: repeats as u64,
        }
    }
}

/// What the invariants found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Audit {
    pub orders: u64,
    pub initial_stock: u64,
    pub stock_left: i64,
    /// Orders past the initial stock, over all products.
    pub oversold: u64,
    /// Products whose orders do not match initial − left.
    pub mismatched_products: u64,
    pub negative_stock_products: u64,
    pub ledger_rows: u64,
    pub ledger_sum: i64,
    /// Users holding more than one order of the same product.
    pub repeat_buyers: u64,
}

impl Audit {
    /// Each invariant, whether it holds, and what was found.
    pub fn invariants(&self, one_per_user: bool) -> Vec<(&'static str, bool, String)> {
        self.invariants_of(one_per_user, true)
    }

    /// The invariants, the ledger's among them only when the sale writes one.
    pub fn invariants_of(
        &self,
        one_per_user: bool,
        ledger: bool,
    ) -> Vec<(&'static str, bool, String)> {
        let sold = self.initial_stock as i64 - self.stock_left;
        let mut checks = vec![
            (
                "nothing oversold",
                self.oversold == 0,
                format!("{} orders past the stock", self.oversold),
            ),
            (
                "orders = initial stock − stock left",
                self.mismatched_products == 0,
                format!(
                    "{} orders, {} left of {}",
                    self.orders, self.stock_left, self.initial_stock
                ),
            ),
            (
                "stock never below zero",
                self.negative_stock_products == 0,
                format!("{} products below zero", self.negative_stock_products),
            ),
            (
                "the ledger matches the orders",
                self.ledger_rows == self.orders && -self.ledger_sum == sold,
                format!(
                    "{} ledger rows summing to {}, {} orders, {} sold",
                    self.ledger_rows, self.ledger_sum, self.orders, sold
                ),
            ),
        ];
        if !ledger {
            checks.pop();
        }
        if one_per_user {
            checks.push((
                "no buyer holds two orders of one product",
                self.repeat_buyers == 0,
                format!("{} buyers with two or more", self.repeat_buyers),
            ));
        }
        checks
    }

    pub fn holds(&self, one_per_user: bool) -> bool {
        self.invariants(one_per_user)
            .iter()
            .all(|(_, held, _)| *held)
    }
}

/// Now, in seconds since 1970, for an order's `created_at`.
pub(crate) fn now_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |age| age.as_secs_f64())
}
