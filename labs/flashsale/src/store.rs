//! The store: products with their stock, the orders, and a stock ledger, in one SQLite file.
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
//! The file is in WAL mode (write-ahead log): readers do not wait for the writer, and there is
//! still only one writer at a time, which is what every strategy is about.

use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, OpenFlags, params};

/// The mark in a SQLite file's header (`PRAGMA application_id`, bytes 68..72) that says the
/// file is a flash-sale store: "WBFS". Only such a file, or an empty one, is ever emptied or
/// audited; anything else is another program's and is left alone.
pub const APPLICATION_ID: u32 = 0x5742_4653;

/// Whether the file at `path` may be used as a store: missing, empty, or marked as ours.
/// Decided from its first 100 bytes alone, without opening it as a database (opening would
/// already change another program's file, e.g. its journal mode).
pub fn claim(path: &Path, flag: &str) -> Result<(), String> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => {
            return Err(format!(
                "{flag} {}: cannot read it: {error}",
                path.display()
            ));
        }
    };
    if path.is_dir() {
        return Err(format!(
            "{flag} {}: a directory; name a file (a new one is made)",
            path.display()
        ));
    }
    let mut header = Vec::with_capacity(100);
    (&mut file)
        .take(100)
        .read_to_end(&mut header)
        .map_err(|error| format!("{flag} {}: cannot read it: {error}", path.display()))?;
    if header.is_empty() {
        return Ok(());
    }
    let ours = header.len() == 100
        && header.starts_with(b"SQLite format 3\0")
        && u32::from_be_bytes([header[68], header[69], header[70], header[71]]) == APPLICATION_ID;
    if ours {
        return Ok(());
    }
    let what = if header.starts_with(b"SQLite format 3\0") {
        "another program's SQLite database"
    } else {
        "not a SQLite database"
    };
    Err(format!(
        "{flag} {}: refused, it is {what}, not a flash-sale store; name a new file or one this lab made",
        path.display()
    ))
}

/// Opens a store to read only, for an audit: the file stays byte for byte as it was. A store
/// that cannot be opened so (a read-only folder without its -shm) is read as immutable.
pub fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let read = |connection: Connection| {
        connection.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
            row.get::<_, i64>(0)
        })?;
        Ok(connection)
    };
    Connection::open_with_flags(path, flags)
        .and_then(read)
        .or_else(|_| {
            let uri = format!("file:{}?immutable=1", path.display());
            Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI).and_then(read)
        })
}

/// How durable a commit is: `normal` (WAL: survives a crash of the program) or `full` (also a
/// power cut, with an fsync per commit).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Synchronous {
    Normal,
    Full,
}

/// Opens the store at `path`, set up for many connections at once.
pub fn open(path: &Path, synchronous: Synchronous) -> rusqlite::Result<Connection> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(
        None,
        "synchronous",
        match synchronous {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        },
    )?;
    // No waiting inside SQLite: a busy database comes back as SQLITE_BUSY at once, and the
    // strategies retry it themselves, with backoff, and count it.
    connection.busy_timeout(std::time::Duration::ZERO)?;
    Ok(connection)
}

/// Creates the tables and the products: product 1 is the hot item with `stock`, the others
/// (`products - 1` of them) have as much each. With `one_per_user`, a unique index refuses a
/// second order of a product for the same buyer, whatever the application lets through.
pub fn create(
    connection: &Connection,
    products: u32,
    stock: u32,
    one_per_user: bool,
) -> rusqlite::Result<()> {
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS products (
             id INTEGER PRIMARY KEY,
             name TEXT NOT NULL,
             initial_stock INTEGER NOT NULL,
             stock INTEGER NOT NULL
         );
         CREATE TABLE IF NOT EXISTS orders (
             id INTEGER PRIMARY KEY,
             user INTEGER NOT NULL,
             product INTEGER NOT NULL REFERENCES products(id),
             created_at REAL NOT NULL
         );
         CREATE TABLE IF NOT EXISTS stock_ledger (
             id INTEGER PRIMARY KEY,
             product INTEGER NOT NULL REFERENCES products(id),
             order_id INTEGER NOT NULL REFERENCES orders(id),
             change INTEGER NOT NULL,
             stock_after INTEGER NOT NULL
         );
         DROP INDEX IF EXISTS one_per_user;
         DELETE FROM stock_ledger; DELETE FROM orders; DELETE FROM products;",
    )?;
    if one_per_user {
        connection.execute_batch("CREATE UNIQUE INDEX one_per_user ON orders (user, product)")?;
    }
    let mut insert = connection
        .prepare("INSERT INTO products (id, name, initial_stock, stock) VALUES (?1, ?2, ?3, ?3)")?;
    for id in 1..=products.max(1) {
        let name = if id == 1 {
            "the hot item".to_string()
        } else {
            format!("item {id}")
        };
        insert.execute(params![id, name, stock])?;
    }
    Ok(())
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

/// Reads the store and checks the invariants; works on a file a killed run left behind.
pub fn audit(connection: &Connection) -> rusqlite::Result<Audit> {
    let number = |sql: &str| connection.query_row(sql, [], |row| row.get::<_, i64>(0));
    Ok(Audit {
        orders: number("SELECT count(*) FROM orders")? as u64,
        initial_stock: number("SELECT coalesce(sum(initial_stock), 0) FROM products")? as u64,
        stock_left: number("SELECT coalesce(sum(stock), 0) FROM products")?,
        oversold: number(
            "SELECT coalesce(sum(max(0, sold - initial_stock)), 0) FROM
               (SELECT p.initial_stock, (SELECT count(*) FROM orders o WHERE o.product = p.id) AS sold
                FROM products p)",
        )? as u64,
        mismatched_products: number(
            "SELECT count(*) FROM products p
             WHERE (SELECT count(*) FROM orders o WHERE o.product = p.id) != p.initial_stock - p.stock",
        )? as u64,
        negative_stock_products: number("SELECT count(*) FROM products WHERE stock < 0")? as u64,
        ledger_rows: number("SELECT count(*) FROM stock_ledger")? as u64,
        ledger_sum: number("SELECT coalesce(sum(change), 0) FROM stock_ledger")?,
        repeat_buyers: number(
            "SELECT count(*) FROM (SELECT user FROM orders GROUP BY user, product HAVING count(*) > 1)",
        )? as u64,
    })
}
