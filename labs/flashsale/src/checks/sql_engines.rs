//! Where `flashsale-sql` runs the student's statements: a SQLite file, or a private MariaDB.
//! Both give the checker the same three things: a fresh shop, a connection per buyer that runs
//! one purchase (a round trip before each statement, the whole purchase again when the
//! database undid it), and answers to the audit's queries, written once for both.

use std::path::PathBuf;
use std::time::Duration;

use mysql::prelude::Queryable;
use rusqlite::Connection;
use rusqlite::fallible_iterator::FallibleIterator;

use crate::store::mysql::{self as store_mysql, MysqlTarget, PrivateSettings};
use crate::store::sqlite::is_busy;
use crate::store::{self, Synchronous, Trouble};

/// The engine an exercise file names (`engine = "mysql"` in its settings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Mysql,
}

impl Engine {
    pub fn from_setting(text: &str) -> anyhow::Result<Engine> {
        match text {
            "sqlite" => Ok(Engine::Sqlite),
            "mysql" => Ok(Engine::Mysql),
            other => anyhow::bail!(
                "the exercise's setting engine = \"{other}\" is neither sqlite nor mysql (a bug in the exercise)"
            ),
        }
    }
}

/// The words of an engine's SQL, for advice that the student can paste.
pub struct Dialect {
    pub name: &'static str,
    /// How a transaction that writes starts.
    pub begin: &'static str,
    /// Rows the last statement changed.
    pub changed_rows: &'static str,
    /// The id of the row just inserted.
    pub last_id: &'static str,
    /// How to try the SQL by hand.
    pub try_it: &'static str,
    /// What "the database is busy" is called, for the retry advice.
    pub retry_cause: &'static str,
}

impl Engine {
    pub fn dialect(self) -> Dialect {
        match self {
            Engine::Sqlite => Dialect {
                name: "SQLite",
                begin: "BEGIN IMMEDIATE",
                changed_rows: "changes()",
                last_id: "last_insert_rowid()",
                try_it: "try it with sqlite3 on a copy of the tables in the README",
                retry_cause: "a busy database",
            },
            Engine::Mysql => Dialect {
                name: "MariaDB",
                begin: "START TRANSACTION",
                changed_rows: "ROW_COUNT()",
                last_id: "LAST_INSERT_ID()",
                try_it: "try it with the mariadb client on a copy of the tables in the README",
                retry_cause: "a deadlock",
            },
        }
    }
}

/// The shop's database for one check.
pub enum Shop {
    Sqlite {
        database: PathBuf,
        _scratch: tempfile::TempDir,
    },
    Mysql {
        target: MysqlTarget,
        // Dropped last: stops the server and removes its folder.
        _server: lab_servers::PrivateServer,
    },
}

impl Shop {
    /// A database of its own: a file in a scratch folder, or a private MariaDB (`progress`
    /// hears its start).
    pub fn open(engine: Engine, progress: &mut dyn FnMut(&str)) -> anyhow::Result<Shop> {
        match engine {
            Engine::Sqlite => {
                let scratch = tempfile::tempdir()?;
                Ok(Shop::Sqlite {
                    database: scratch.path().join("sale.db"),
                    _scratch: scratch,
                })
            }
            Engine::Mysql => {
                let (server, target) = store_mysql::start_private(
                    &PrivateSettings {
                        max_connections: 151,
                        lock_wait_timeout_seconds: 20,
                        sync_each_commit: false,
                        wait_timeout_seconds: 600,
                    },
                    progress,
                )
                .map_err(|error| anyhow::anyhow!("{error}"))?;
                Ok(Shop::Mysql {
                    target,
                    _server: server,
                })
            }
        }
    }

    /// Fresh tables: `products` products of `stock` each, no orders, no ledger.
    pub fn reset(&self, products: u32, stock: u32) -> anyhow::Result<()> {
        match self {
            Shop::Sqlite { database, .. } => {
                let connection = store::open(database, Synchronous::Normal)?;
                store::create(&connection, products, stock, false)?;
            }
            Shop::Mysql { target, .. } => {
                store_mysql::prepare(target, products, stock, false)
                    .map_err(|error| anyhow::anyhow!("{error}"))?;
            }
        }
        Ok(())
    }

    /// A buyer's connection, running `sql` for each purchase.
    pub fn buyer(&self, sql: &str) -> anyhow::Result<Box<dyn Buyer>> {
        Ok(match self {
            Shop::Sqlite { database, .. } => Box::new(SqliteBuyer {
                connection: store::open(database, Synchronous::Normal)?,
                database: database.clone(),
                sql: sql.to_string(),
            }),
            Shop::Mysql { target, .. } => Box::new(MysqlBuyer {
                conn: store_mysql::connect(&target.url)?,
                url: target.url.clone(),
                statements: split_statements(sql),
            }),
        })
    }

    pub fn audit(&self) -> anyhow::Result<store::Audit> {
        Ok(match self {
            Shop::Sqlite { database, .. } => store::audit(&store::open_read_only(database)?)?,
            Shop::Mysql { target, .. } => store_mysql::audit(target)?,
        })
    }

    /// The audit's questions, asked with `?` for the product: one number.
    pub fn number(&self, sql: &str, product: u64) -> anyhow::Result<i64> {
        Ok(match self {
            Shop::Sqlite { database, .. } => {
                store::open_read_only(database)?
                    .query_row(sql, [product as i64], |row| row.get(0))?
            }
            Shop::Mysql { target, .. } => {
                let mut conn = store_mysql::connect(&target.admin_url)?;
                conn.exec_first::<i64, _, _>(sql, (product,))?.unwrap_or(0)
            }
        })
    }

    /// The audit's questions, asked with `?` for the product: pairs of numbers.
    pub fn pairs(&self, sql: &str, product: u64) -> anyhow::Result<Vec<(i64, u64)>> {
        Ok(match self {
            Shop::Sqlite { database, .. } => {
                let connection = store::open_read_only(database)?;
                let mut statement = connection.prepare(sql)?;
                let rows = statement.query_map([product as i64], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)? as u64))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            }
            Shop::Mysql { target, .. } => {
                let mut conn = store_mysql::connect(&target.admin_url)?;
                conn.exec::<(i64, i64), _, _>(sql, (product,))?
                    .into_iter()
                    .map(|(first, count)| (first, count as u64))
                    .collect()
            }
        })
    }
}

/// One buyer's connection.
pub trait Buyer {
    /// Runs the purchase's statements one by one, each after a round trip of `rtt`; when the
    /// database undid the purchase (busy, a deadlock), it rolls back and starts it again, as a
    /// client would. The error is the database's own words.
    ///
    /// With `crash_after` N, the buyer's program dies after N statements: its connection is
    /// closed there (the database undoes what was not committed) and a new one opened for
    /// the next buyer.
    fn purchase(
        &mut self,
        user: u64,
        product: u64,
        rtt: Duration,
        crash_after: Option<usize>,
    ) -> Result<(), String>;
}

struct SqliteBuyer {
    connection: Connection,
    database: PathBuf,
    sql: String,
}

impl Buyer for SqliteBuyer {
    fn purchase(
        &mut self,
        user: u64,
        product: u64,
        rtt: Duration,
        crash_after: Option<usize>,
    ) -> Result<(), String> {
        if let Some(statements) = crash_after {
            // What ran is left as it is; closing the connection rolls back what is open.
            let _ = run_sqlite(&self.connection, &self.sql, user, product, rtt, statements);
            self.connection = store::open(&self.database, Synchronous::Normal)
                .map_err(|error| error.to_string())?;
            return Ok(());
        }
        let connection = &self.connection;
        again_when(is_busy, || {
            let result = run_sqlite(connection, &self.sql, user, product, rtt, usize::MAX);
            if result.is_err() && !connection.is_autocommit() {
                let _ = connection.execute_batch("ROLLBACK");
            }
            result
        })
    }
}

/// Runs `purchase` until it succeeds or fails for another reason than `undone` says, waiting a
/// little longer each time (0.1 ms doubling to 10 ms), as a client retrying would.
fn again_when<E: std::fmt::Display>(
    undone: impl Fn(&E) -> bool,
    mut purchase: impl FnMut() -> Result<(), E>,
) -> Result<(), String> {
    let mut wait = Duration::from_micros(100);
    loop {
        match purchase() {
            Err(error) if undone(&error) => {
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_millis(10));
            }
            Err(error) => return Err(error.to_string()),
            Ok(()) => return Ok(()),
        }
    }
}

/// Runs at most `most` of the statements.
fn run_sqlite(
    connection: &Connection,
    sql: &str,
    user: u64,
    product: u64,
    rtt: Duration,
    most: usize,
) -> rusqlite::Result<()> {
    let mut batch = rusqlite::Batch::new(connection, sql);
    let mut ran = 0;
    while ran < most
        && let Some(mut statement) = batch.next()?
    {
        ran += 1;
        if !rtt.is_zero() {
            std::thread::sleep(rtt);
        }
        for (name, value) in [(":user", user), (":product", product)] {
            if let Some(index) = statement.parameter_index(name)? {
                statement.raw_bind_parameter(index, value as i64)?;
            }
        }
        let mut rows = statement.raw_query();
        while rows.next()?.is_some() {}
    }
    Ok(())
}

struct MysqlBuyer {
    conn: mysql::Conn,
    url: String,
    statements: Vec<Statement>,
}

impl Buyer for MysqlBuyer {
    fn purchase(
        &mut self,
        user: u64,
        product: u64,
        rtt: Duration,
        crash_after: Option<usize>,
    ) -> Result<(), String> {
        if let Some(statements) = crash_after {
            let _ = self.run(user, product, rtt, statements);
            // The old connection goes with its session: InnoDB rolls back what it left open.
            self.conn = store_mysql::connect(&self.url).map_err(|error| error.to_string())?;
            return Ok(());
        }
        again_when(
            |error: &store::StoreError| matches!(error.trouble, Trouble::Deadlock),
            || {
                let result = self.run(user, product, rtt, usize::MAX);
                if result.is_err() {
                    // Whatever the purchase began is undone before it starts again, or gives up.
                    let _ = self.conn.query_drop("ROLLBACK");
                }
                result
            },
        )
    }
}

impl MysqlBuyer {
    /// Runs at most `most` of the statements.
    fn run(
        &mut self,
        user: u64,
        product: u64,
        rtt: Duration,
        most: usize,
    ) -> Result<(), store::StoreError> {
        for statement in self.statements.iter().take(most) {
            if !rtt.is_zero() {
                std::thread::sleep(rtt);
            }
            self.conn.query_drop(statement.with(user, product))?;
        }
        Ok(())
    }
}

/// One statement of the student's file, split where `:user` and `:product` stand.
#[derive(Debug, PartialEq)]
pub struct Statement {
    pieces: Vec<Piece>,
}

#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    User,
    Product,
}

impl Statement {
    /// The statement with the buyer's numbers in place of the parameters (numbers the checker
    /// made, so nothing a student could not type).
    pub fn with(&self, user: u64, product: u64) -> String {
        let mut text = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(part) => text.push_str(part),
                Piece::User => text.push_str(&user.to_string()),
                Piece::Product => text.push_str(&product.to_string()),
            }
        }
        text
    }
}

/// Splits MySQL statements at `;` outside quotes (`'…'`, `"…"`, `` `…` ``) and comments (`-- `,
/// `#`, `/* … */`), and finds `:user` and `:product` outside them. Empty statements (only
/// comments and space) are left out.
pub fn split_statements(sql: &str) -> Vec<Statement> {
    let mut statements = Vec::new();
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut meaningful = false;
    let mut chars = sql.char_indices().peekable();
    let finish = |pieces: &mut Vec<Piece>, text: &mut String| {
        if !text.is_empty() {
            pieces.push(Piece::Text(std::mem::take(text)));
        }
    };
    while let Some((at, c)) = chars.next() {
        match c {
            '\'' | '"' | '`' => {
                text.push(c);
                meaningful = true;
                while let Some((_, inner)) = chars.next() {
                    text.push(inner);
                    if inner == '\\' && c != '`' {
                        if let Some((_, escaped)) = chars.next() {
                            text.push(escaped);
                        }
                    } else if inner == c {
                        // A doubled quote is a quote inside the string.
                        if chars.peek().is_some_and(|(_, next)| *next == c) {
                            let (_, next) = chars.next().expect("peeked");
                            text.push(next);
                        } else {
                            break;
                        }
                    }
                }
            }
            // `--` starts a comment only when a space (or the end) follows, as in MySQL.
            '-' if sql[at..].starts_with("--")
                && sql[at + 2..].chars().next().is_none_or(char::is_whitespace) =>
            {
                for (_, inner) in chars.by_ref() {
                    if inner == '\n' {
                        text.push('\n');
                        break;
                    }
                }
            }
            '#' => {
                for (_, inner) in chars.by_ref() {
                    if inner == '\n' {
                        text.push('\n');
                        break;
                    }
                }
            }
            '/' if sql[at..].starts_with("/*") => {
                chars.next();
                let mut previous = ' ';
                for (_, inner) in chars.by_ref() {
                    if previous == '*' && inner == '/' {
                        break;
                    }
                    previous = inner;
                }
                text.push(' ');
            }
            ':' => {
                let name: String = sql[at + 1..]
                    .chars()
                    .take_while(|next| next.is_ascii_alphanumeric() || *next == '_')
                    .collect();
                let parameter = match name.as_str() {
                    "user" => Some(Piece::User),
                    "product" => Some(Piece::Product),
                    _ => None,
                };
                match parameter {
                    Some(parameter) => {
                        finish(&mut pieces, &mut text);
                        pieces.push(parameter);
                        for _ in 0..name.len() {
                            chars.next();
                        }
                    }
                    None => text.push(c),
                }
                meaningful = true;
            }
            ';' => {
                finish(&mut pieces, &mut text);
                if meaningful {
                    statements.push(Statement {
                        pieces: std::mem::take(&mut pieces),
                    });
                }
                pieces.clear();
                meaningful = false;
            }
            _ => {
                text.push(c);
                meaningful |= !c.is_whitespace();
            }
        }
    }
    finish(&mut pieces, &mut text);
    if meaningful {
        statements.push(Statement { pieces });
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::split_statements;

    fn split(sql: &str) -> Vec<String> {
        split_statements(sql)
            .iter()
            .map(|statement| statement.with(7, 2).trim().to_string())
            .collect()
    }

    #[test]
    fn statements_split_at_semicolons_outside_quotes_and_comments() {
        assert_eq!(
            split(
                "-- a purchase; two statements\nUPDATE p SET s = s - 1 WHERE id = :product;\n\
                 INSERT INTO o VALUES (:user, ';:user', \"a;b\", `x;y`) /* c; d */ ; # e; f\n"
            ),
            vec![
                "UPDATE p SET s = s - 1 WHERE id = 2",
                "INSERT INTO o VALUES (7, ';:user', \"a;b\", `x;y`)",
            ]
        );
    }

    #[test]
    fn quotes_inside_strings_and_other_names_are_kept() {
        assert_eq!(
            split("SELECT 'it''s; fine', 'a\\'b;', :users, :product_id, :product"),
            vec!["SELECT 'it''s; fine', 'a\\'b;', :users, :product_id, 2"]
        );
        assert!(split_statements(" ;; -- nothing\n").is_empty());
    }
}
