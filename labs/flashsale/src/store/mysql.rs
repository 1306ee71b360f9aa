//! The store on a MySQL server (MariaDB): InnoDB tables, one row per product.
//!
//! InnoDB locks rows, not the file: two buyers of different products never wait for each
//! other, two buyers of the hot item queue on its one row. A plain `SELECT` in a transaction
//! reads a snapshot and locks nothing (REPEATABLE READ's consistent read); `SELECT ... FOR
//! UPDATE` and `UPDATE` lock the row until COMMIT, and whoever wants it meanwhile waits (a
//! *lock wait*), at most `innodb_lock_wait_timeout` seconds (then error 1205).
//!
//! The lab's tables live in the database the URL names and carry a comment that marks them as
//! the lab's: tables of the same names without it are another program's and are never
//! dropped or changed.

use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder};

use super::{AUDIT_QUERIES, Audit, Session, StoreError, StoreResult, Trouble};

/// The comment every table of the lab carries.
pub const MARK: &str = "workbench flash-sale store";

/// The tables, in the order they can be dropped.
const TABLES: [&str; 3] = ["stock_ledger", "orders", "products"];

/// A database on a MySQL server: where the buyers connect, and where the lab itself reads
/// the server's lock figures (a user allowed to see every transaction, when there is one).
#[derive(Clone, Debug)]
pub struct MysqlTarget {
    /// `mysql://user:password@host:port/database`, for the buyers.
    pub url: String,
    /// The same database as a user with the PROCESS privilege, for the monitor and the
    /// schema; the buyers' URL when none is known.
    pub admin_url: String,
}

impl MysqlTarget {
    /// A target given by the student: one URL for everything.
    pub fn from_url(url: &str) -> Result<MysqlTarget, String> {
        let opts = Opts::from_url(url)
            .map_err(|error| format!("--db {}: not a MySQL URL: {error}", hide_password(url)))?;
        if opts.get_db_name().is_none_or(str::is_empty) {
            return Err(format!(
                "--db {}: name the database the lab may use, e.g. mysql://user:password@127.0.0.1:3306/shop",
                hide_password(url)
            ));
        }
        Ok(MysqlTarget {
            url: url.to_string(),
            admin_url: url.to_string(),
        })
    }

    /// The URL without its password, for messages.
    pub fn shown(&self) -> String {
        hide_password(&self.url)
    }
}

/// What a sale asks of its private server.
#[derive(Clone, Debug)]
pub struct PrivateSettings {
    pub max_connections: u32,
    pub lock_wait_timeout_seconds: u32,
    pub sync_each_commit: bool,
    /// `wait_timeout`: the server closes a connection idle this long.
    pub wait_timeout_seconds: u32,
}

/// Starts a private MariaDB for a sale: its database `flash_sale`, and a buyers' user `shop`
/// without the SUPER privilege, so that every buyer counts against `max_connections` (root
/// keeps the one extra connection MariaDB reserves, for the lab's own lock watcher).
pub fn start_private(
    settings: &PrivateSettings,
    progress: &mut dyn FnMut(&str),
) -> Result<(lab_servers::PrivateServer, MysqlTarget), lab_servers::ServerError> {
    let server = lab_servers::start_mariadb(
        &lab_servers::MariaDbSettings {
            max_connections: settings.max_connections,
            lock_wait_timeout_seconds: settings.lock_wait_timeout_seconds,
            sync_each_commit: settings.sync_each_commit,
            wait_timeout_seconds: settings.wait_timeout_seconds,
            init_sql: "CREATE DATABASE IF NOT EXISTS flash_sale;
                       CREATE USER IF NOT EXISTS 'shop'@'127.0.0.1';
                       GRANT ALL ON flash_sale.* TO 'shop'@'127.0.0.1';"
                .to_string(),
        },
        progress,
    )?;
    let port = server.port();
    let target = MysqlTarget {
        url: format!("mysql://shop@127.0.0.1:{port}/flash_sale"),
        admin_url: format!("mysql://root@127.0.0.1:{port}/flash_sale"),
    };
    Ok((server, target))
}

/// `mysql://user:secret@host/db` as `mysql://user:***@host/db`.
pub fn hide_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((credentials, place)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{place}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Connects to `url` over TCP (never through a local socket the driver might prefer: the
/// round trip is part of the lesson).
pub fn connect(url: &str) -> StoreResult<Conn> {
    let opts = Opts::from_url(url).map_err(|error| StoreError::other(error.to_string()))?;
    let place = format!("{}:{}", opts.get_ip_or_hostname(), opts.get_tcp_port());
    let builder = OptsBuilder::from_opts(opts)
        .prefer_socket(false)
        .tcp_connect_timeout(Some(Duration::from_secs(5)));
    Conn::new(builder).map_err(|error| {
        let error = StoreError::from(error);
        match error.trouble {
            Trouble::TooManyConnections => error,
            _ => StoreError::new(
                error.trouble,
                format!(
                    "cannot connect to {place}: {}; is a MySQL server listening there, and may this user connect?",
                    error.message
                ),
            ),
        }
    })
}

impl From<mysql::Error> for StoreError {
    fn from(error: mysql::Error) -> StoreError {
        let trouble = match &error {
            mysql::Error::MySqlError(server) => match server.code {
                1213 => Trouble::Deadlock,
                1205 => Trouble::LockWaitTimeout,
                1062 => Trouble::Duplicate,
                1040 => Trouble::TooManyConnections,
                2006 | 2013 | 4031 => Trouble::GoneAway,
                _ => Trouble::Other,
            },
            mysql::Error::IoError(_) | mysql::Error::CodecError(_) => Trouble::GoneAway,
            _ => Trouble::Other,
        };
        let message = match &error {
            // The driver's own words, without its Debug dressing.
            mysql::Error::DriverError(mysql::DriverError::CouldNotConnect(Some((
                _,
                description,
                _,
            )))) => description.clone(),
            mysql::Error::MySqlError(server) => {
                format!("error {} from the server: {}", server.code, server.message)
            }
            other => other.to_string(),
        };
        StoreError::new(trouble, message)
    }
}

/// Makes the lab's tables fresh in the target's database, after checking that any tables of
/// the same names are the lab's own.
pub fn prepare(
    target: &MysqlTarget,
    products: u32,
    stock: u32,
    one_per_user: bool,
) -> Result<(), String> {
    let place = target.shown();
    let fail = |error: StoreError| format!("--db {place}: {error}");
    let mut conn = connect(&target.admin_url).map_err(fail)?;
    let found: Vec<(String, String)> = conn
        .query(
            "SELECT table_name, table_comment FROM information_schema.tables
             WHERE table_schema = DATABASE() AND table_name IN ('products', 'orders', 'stock_ledger')",
        )
        .map_err(|error| fail(error.into()))?;
    if let Some((table, _)) = found.iter().find(|(_, comment)| comment != MARK) {
        return Err(format!(
            "--db {place}: refused, the table {table} is another program's (it lacks the comment '{MARK}'); name a database of its own for the lab"
        ));
    }
    let mut script = format!("DROP TABLE IF EXISTS {};", TABLES.join(", "));
    script.push_str(&format!(
        "CREATE TABLE products (
             id INT PRIMARY KEY,
             name VARCHAR(100) NOT NULL,
             initial_stock INT NOT NULL,
             stock INT NOT NULL
         ) ENGINE=InnoDB COMMENT='{MARK}';
         CREATE TABLE orders (
             id BIGINT AUTO_INCREMENT PRIMARY KEY,
             user BIGINT NOT NULL,
             product INT NOT NULL,
             created_at DOUBLE NOT NULL,
             KEY by_product (product)
         ) ENGINE=InnoDB COMMENT='{MARK}';
         CREATE TABLE stock_ledger (
             id BIGINT AUTO_INCREMENT PRIMARY KEY,
             product INT NOT NULL,
             order_id BIGINT NOT NULL,
             `change` INT NOT NULL,
             stock_after INT NOT NULL
         ) ENGINE=InnoDB COMMENT='{MARK}';"
    ));
    // No foreign keys: InnoDB would take a shared lock on the product's row for each order
    // inserted, and two buyers holding it while both wait to UPDATE that row is a deadlock —
    // true, but a lesson of its own, not this one.
    if one_per_user {
        script.push_str("CREATE UNIQUE INDEX one_per_user ON orders (user, product);");
    }
    conn.query_drop(script)
        .map_err(|error| fail(error.into()))?;
    let rows: Vec<(u32, String, u32)> = (1..=products.max(1))
        .map(|id| {
            let name = if id == 1 {
                "the hot item".to_string()
            } else {
                format!("item {id}")
            };
            (id, name, stock)
        })
        .collect();
    conn.exec_batch(
        "INSERT INTO products (id, name, initial_stock, stock) VALUES (?, ?, ?, ?)",
        rows.iter()
            .map(|(id, name, stock)| (id, name.as_str(), stock, stock)),
    )
    .map_err(|error| fail(error.into()))?;
    Ok(())
}

/// Reads the whole store and checks the invariants.
pub fn audit(target: &MysqlTarget) -> StoreResult<Audit> {
    let mut conn = connect(&target.admin_url)?;
    let mut numbers = [0i64; 9];
    for (number, sql) in numbers.iter_mut().zip(AUDIT_QUERIES) {
        // SUM over integers is DECIMAL in MySQL: read it as text, then as a number.
        let value: Option<mysql::Value> = conn.query_first(sql)?;
        *number = match value {
            Some(mysql::Value::Int(value)) => value,
            Some(mysql::Value::UInt(value)) => value as i64,
            Some(mysql::Value::Bytes(text)) => String::from_utf8_lossy(&text)
                .parse::<f64>()
                .map_err(|error| StoreError::other(format!("{sql}: {error}")))?
                as i64,
            other => return Err(StoreError::other(format!("{sql}: gave {other:?}"))),
        };
    }
    Ok(Audit::from_numbers(numbers))
}

/// Whether the lab's sale on this database was one order per buyer (the unique index).
pub fn has_one_per_user_index(target: &MysqlTarget) -> StoreResult<bool> {
    let mut conn = connect(&target.admin_url)?;
    let count: Option<i64> = conn.query_first(
        "SELECT count(*) FROM information_schema.statistics
         WHERE table_schema = DATABASE() AND table_name = 'orders' AND index_name = 'one_per_user'",
    )?;
    Ok(count.unwrap_or(0) > 0)
}

/// Whether the lab's tables are in the target's database.
pub fn is_store(target: &MysqlTarget) -> StoreResult<bool> {
    let mut conn = connect(&target.admin_url)?;
    let count: Option<i64> = conn.query_first(format!(
        "SELECT count(*) FROM information_schema.tables
         WHERE table_schema = DATABASE() AND table_comment = '{MARK}'"
    ))?;
    Ok(count.unwrap_or(0) == TABLES.len() as i64)
}

/// What the server says about its locks and connections, right now.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LockFigures {
    /// Transactions waiting for a row lock at this moment.
    pub waiting: i64,
    /// The longest of those waits so far, in microseconds.
    pub longest_wait_micros: i64,
    /// Row lock waits since the server started (`Innodb_row_lock_waits`).
    pub row_lock_waits: i64,
    /// Milliseconds spent waiting for row locks since the server started
    /// (`Innodb_row_lock_time`).
    pub row_lock_time_ms: i64,
    /// Deadlocks since the server started (`Innodb_deadlocks`).
    pub deadlocks: i64,
    /// Connections open now (`Threads_connected`).
    pub connections: i64,
}

/// Reads [`LockFigures`] on a connection of its own.
pub fn lock_figures(conn: &mut Conn) -> StoreResult<LockFigures> {
    let waits: Option<(i64, i64)> = conn.query_first(
        "SELECT count(*), coalesce(max(timestampdiff(MICROSECOND, trx_wait_started, now(6))), 0)
         FROM information_schema.innodb_trx WHERE trx_state = 'LOCK WAIT'",
    )?;
    let (waiting, longest_wait_micros) = waits.unwrap_or_default();
    let status: Vec<(String, String)> = conn.query(
        "SHOW GLOBAL STATUS WHERE Variable_name IN
         ('Innodb_row_lock_waits', 'Innodb_row_lock_time', 'Innodb_deadlocks', 'Threads_connected')",
    )?;
    let read = |name: &str| {
        status
            .iter()
            .find(|(found, _)| found.eq_ignore_ascii_case(name))
            .and_then(|(_, value)| value.parse::<i64>().ok())
            .unwrap_or(0)
    };
    Ok(LockFigures {
        waiting,
        longest_wait_micros,
        row_lock_waits: read("Innodb_row_lock_waits"),
        row_lock_time_ms: read("Innodb_row_lock_time"),
        deadlocks: read("Innodb_deadlocks"),
        connections: read("Threads_connected"),
    })
}

/// A connection to the MySQL store.
pub struct MysqlSession {
    conn: Conn,
}

impl MysqlSession {
    pub fn connect(target: &MysqlTarget) -> StoreResult<MysqlSession> {
        Ok(MysqlSession {
            conn: connect(&target.url)?,
        })
    }

    fn run(&mut self, sql: &str) -> StoreResult<()> {
        Ok(self.conn.query_drop(sql)?)
    }

    fn stock_of(&mut self, product: u32) -> StoreResult<i64> {
        let stock: Option<i64> = self
            .conn
            .exec_first("SELECT stock FROM products WHERE id = ?", (product,))?;
        stock.ok_or_else(|| StoreError::other(format!("no product {product}")))
    }
}

impl Session for MysqlSession {
    fn answers(&mut self) -> bool {
        self.conn.ping().is_ok()
    }

    fn begin(&mut self) -> StoreResult<()> {
        self.run("BEGIN")
    }

    fn begin_write(&mut self) -> StoreResult<()> {
        self.run("START TRANSACTION")
    }

    fn commit(&mut self) -> StoreResult<()> {
        self.run("COMMIT")
    }

    fn rollback(&mut self) {
        let _ = self.run("ROLLBACK");
    }

    fn savepoint(&mut self) -> StoreResult<()> {
        self.run("SAVEPOINT sale")
    }

    fn release_savepoint(&mut self) -> StoreResult<()> {
        self.run("RELEASE SAVEPOINT sale")
    }

    fn rollback_to_savepoint(&mut self) {
        let _ = self.run("ROLLBACK TO SAVEPOINT sale");
    }

    fn read_stock(&mut self, product: u32) -> StoreResult<i64> {
        self.stock_of(product)
    }

    fn read_stock_for_update(&mut self, product: u32) -> StoreResult<i64> {
        let stock: Option<i64> = self.conn.exec_first(
            "SELECT stock FROM products WHERE id = ? FOR UPDATE",
            (product,),
        )?;
        stock.ok_or_else(|| StoreError::other(format!("no product {product}")))
    }

    fn take_one(&mut self, product: u32) -> StoreResult<i64> {
        self.conn.exec_drop(
            "UPDATE products SET stock = stock - 1 WHERE id = ?",
            (product,),
        )?;
        // MySQL's UPDATE returns no rows: read the stock back (in a transaction, the row is
        // ours until COMMIT, so this is the stock our UPDATE left).
        self.stock_of(product)
    }

    fn take_one_if_left(&mut self, product: u32) -> StoreResult<Option<i64>> {
        self.conn.exec_drop(
            "UPDATE products SET stock = stock - 1 WHERE id = ? AND stock > 0",
            (product,),
        )?;
        if self.conn.affected_rows() == 0 {
            return Ok(None);
        }
        self.stock_of(product).map(Some)
    }

    fn insert_order(&mut self, user: u64, product: u32) -> StoreResult<i64> {
        self.conn.exec_drop(
            "INSERT INTO orders (user, product, created_at) VALUES (?, ?, ?)",
            (user, product, super::now_seconds()),
        )?;
        Ok(self.conn.last_insert_id() as i64)
    }

    fn record_ledger(&mut self, product: u32, order: i64, stock_after: i64) -> StoreResult<()> {
        self.conn.exec_drop(
            "INSERT INTO stock_ledger (product, order_id, `change`, stock_after) VALUES (?, ?, -1, ?)",
            (product, order, stock_after),
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
        self.conn.exec_drop(
            "INSERT IGNORE INTO orders (id, user, product, created_at) VALUES (?, ?, ?, ?)",
            (order, user, product, created_at),
        )?;
        Ok(self.conn.affected_rows() == 1)
    }

    fn order_count(&mut self) -> StoreResult<i64> {
        let count: Option<i64> = self.conn.query_first("SELECT count(*) FROM orders")?;
        Ok(count.unwrap_or(0))
    }
}
