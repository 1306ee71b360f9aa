//! The store in one SQLite file.
//!
//! The file is in WAL mode (write-ahead log): readers do not wait for the writer, and there is
//! still only one writer at a time, which is what every strategy is about.

use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};

use super::{AUDIT_QUERIES, Audit, Session, StoreError, StoreResult, Trouble};

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

/// Reads the store and checks the invariants; works on a file a killed run left behind.
pub fn audit(connection: &Connection) -> rusqlite::Result<Audit> {
    let mut numbers = [0i64; 9];
    for (number, sql) in numbers.iter_mut().zip(AUDIT_QUERIES) {
        *number = connection.query_row(sql, [], |row| row.get::<_, i64>(0))?;
    }
    Ok(Audit::from_numbers(numbers))
}

/// Makes a fresh store at `path`: only a file that is missing, empty or ours is replaced.
pub fn prepare(
    path: &Path,
    synchronous: Synchronous,
    products: u32,
    stock: u32,
    one_per_user: bool,
) -> anyhow::Result<()> {
    claim(path, "--db").map_err(anyhow::Error::msg)?;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(std::path::PathBuf::from(name));
    }
    // The mark goes into the file's header before it turns to WAL, so that it is there even if
    // the sale is killed before its first checkpoint.
    Connection::open(path)?.pragma_update(None, "application_id", APPLICATION_ID)?;
    let connection = open(path, synchronous)?;
    create(&connection, products, stock, one_per_user)?;
    Ok(())
}

/// Whether SQLite said another writer is in the way.
pub fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        let trouble = if is_busy(&error) {
            Trouble::Busy
        } else if error.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) {
            Trouble::Duplicate
        } else {
            Trouble::Other
        };
        StoreError::new(trouble, error.to_string())
    }
}

/// A connection to a SQLite store.
pub struct SqliteSession {
    connection: Connection,
}

impl SqliteSession {
    pub fn open(path: &Path, synchronous: Synchronous) -> StoreResult<SqliteSession> {
        Ok(SqliteSession {
            connection: open(path, synchronous)?,
        })
    }

    fn batch(&self, sql: &str) -> StoreResult<()> {
        Ok(self.connection.execute_batch(sql)?)
    }
}

impl Session for SqliteSession {
    fn begin(&mut self) -> StoreResult<()> {
        self.batch("BEGIN")
    }

    fn begin_write(&mut self) -> StoreResult<()> {
        self.batch("BEGIN IMMEDIATE")
    }

    fn commit(&mut self) -> StoreResult<()> {
        self.batch("COMMIT")
    }

    fn rollback(&mut self) {
        if !self.connection.is_autocommit() {
            let _ = self.batch("ROLLBACK");
        }
    }

    fn savepoint(&mut self) -> StoreResult<()> {
        self.batch("SAVEPOINT sale")
    }

    fn release_savepoint(&mut self) -> StoreResult<()> {
        self.batch("RELEASE sale")
    }

    fn rollback_to_savepoint(&mut self) {
        let _ = self.batch("ROLLBACK TO sale; RELEASE sale");
    }

    fn read_stock(&mut self, product: u32) -> StoreResult<i64> {
        Ok(self.connection.query_row(
            "SELECT stock FROM products WHERE id = ?1",
            [product],
            |row| row.get(0),
        )?)
    }

    fn read_stock_for_update(&mut self, _product: u32) -> StoreResult<i64> {
        Err(StoreError::new(
            Trouble::Unsupported,
            "SQLite has no row locks and no SELECT ... FOR UPDATE",
        ))
    }

    fn take_one(&mut self, product: u32) -> StoreResult<i64> {
        Ok(self.connection.query_row(
            "UPDATE products SET stock = stock - 1 WHERE id = ?1 RETURNING stock",
            [product],
            |row| row.get(0),
        )?)
    }

    fn take_one_if_left(&mut self, product: u32) -> StoreResult<Option<i64>> {
        Ok(self
            .connection
            .query_row(
                "UPDATE products SET stock = stock - 1 WHERE id = ?1 AND stock > 0 RETURNING stock",
                [product],
                |row| row.get(0),
            )
            .optional()?)
    }

    fn insert_order(&mut self, user: u64, product: u32) -> StoreResult<i64> {
        self.connection.execute(
            "INSERT INTO orders (user, product, created_at) VALUES (?1, ?2, ?3)",
            params![user as i64, product, super::now_seconds()],
        )?;
        Ok(self.connection.last_insert_rowid())
    }

    fn record_ledger(&mut self, product: u32, order: i64, stock_after: i64) -> StoreResult<()> {
        self.connection.execute(
            "INSERT INTO stock_ledger (product, order_id, change, stock_after) VALUES (?1, ?2, -1, ?3)",
            params![product, order, stock_after],
        )?;
        Ok(())
    }

    fn insert_numbered_order(
        &mut self,
        order: i64,
        user: i64,
        product: i64,
        created_at: f64,
    ) -> StoreResult<bool> {
        let inserted = self.connection.execute(
            "INSERT OR IGNORE INTO orders (id, user, product, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![order, user, product, created_at],
        )?;
        Ok(inserted == 1)
    }

    fn order_count(&mut self) -> StoreResult<i64> {
        Ok(self
            .connection
            .query_row("SELECT count(*) FROM orders", [], |row| row.get(0))?)
    }
}
