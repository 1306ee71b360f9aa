//! `sql` tests: a query on a SQLite file, and the rows it must give.
//!
//! ```toml
//! sql = { database = "shop.db", query = "SELECT id, stock FROM products ORDER BY id", rows = [[1, 99], [2, 0]] }
//! sql = { database = "shop.db", query = "SELECT * FROM orders WHERE user = 7", row_count = 1 }
//! ```
//!
//! Cells are compared as text (`99`, `1.5`, `NULL` for null), so a suite does not care whether
//! SQLite stored 99 as an integer or as text. The rows, one per line with cells joined by `|`,
//! are what `capture` reads.

use std::collections::HashMap;
use std::path::Path;

use super::fill_with;
use crate::assert::{Assertion, Outcome, first_failure};

/// The query with each captured `${name}` as a bound parameter (`?1`, `?2`, …) where it stands
/// bare, or escaped as SQL text (`'` doubled) inside a '…' literal: a capture of `1 OR 1=1` is
/// a value, never part of the query.
fn bind_captures(query: &str, values: &HashMap<String, String>) -> (String, Vec<String>) {
    let mut bound = Vec::new();
    let filled = fill_with(query, values, |before, value| {
        let inside_text = before.matches('\'').count() % 2 == 1;
        if inside_text {
            value.replace('\'', "''")
        } else {
            bound.push(value.to_string());
            format!("?{}", bound.len())
        }
    });
    (filled, bound)
}
use crate::suite::{Sql, TestSpec};

/// Rows read, at most (a query that returns a million rows must not fill memory).
const MOST_ROWS: usize = 10_000;

pub fn run(
    test: &TestSpec,
    sql: &Sql,
    folder: &Path,
    values: &HashMap<String, String>,
) -> (Outcome, u32, String) {
    let error = |message: String| (Outcome::Error { message }, 0, String::new());
    let path = folder.join(&sql.database);
    let (query, bound) = bind_captures(&sql.query, values);
    // Never creates a database: a missing file is a mistake worth hearing about.
    let connection = match rusqlite::Connection::open_with_flags(
        &path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) {
        Ok(connection) => connection,
        Err(problem) => {
            return error(format!(
                "cannot open the database {}: {problem}",
                path.display()
            ));
        }
    };
    let _ = connection.busy_timeout(test.timeout);
    let rows = match read_rows(&connection, &query, &bound) {
        Ok(rows) => rows,
        Err(problem) => return error(format!("`{query}` failed: {problem}")),
    };
    let text = rows
        .iter()
        .map(|row| row.join("|"))
        .collect::<Vec<_>>()
        .join("\n");
    let shown_rows = || format!("{rows:?}");
    let assertions = sql
        .rows
        .iter()
        .map(|wanted| Assertion {
            message: format!("the rows of `{query}`"),
            expected: format!("{wanted:?}"),
            actual: shown_rows(),
            held: *wanted == rows,
        })
        .chain(sql.row_count.iter().map(|wanted| Assertion {
            message: format!("the number of rows of `{query}`"),
            expected: format!("{wanted} rows"),
            actual: format!("{} rows: {}", rows.len(), shown_rows()),
            held: *wanted == rows.len(),
        }));
    let (outcome, counted) = first_failure(assertions.collect::<Vec<_>>());
    (outcome, counted, text)
}

fn read_rows(
    connection: &rusqlite::Connection,
    query: &str,
    bound: &[String],
) -> rusqlite::Result<Vec<Vec<String>>> {
    let mut statement = connection.prepare(query)?;
    let columns = statement.column_count();
    let mut rows = Vec::new();
    let mut cursor = statement.query(rusqlite::params_from_iter(bound))?;
    while let Some(row) = cursor.next()? {
        if rows.len() == MOST_ROWS {
            break;
        }
        let mut cells = Vec::with_capacity(columns);
        for column in 0..columns {
            cells.push(cell_text(row.get_ref(column)?));
        }
        rows.push(cells);
    }
    Ok(rows)
}

fn cell_text(value: rusqlite::types::ValueRef) -> String {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => "NULL".to_string(),
        ValueRef::Integer(integer) => integer.to_string(),
        ValueRef::Real(real) => real.to_string(),
        ValueRef::Text(text) => String::from_utf8_lossy(text).into_owned(),
        ValueRef::Blob(blob) => blob.iter().map(|byte| format!("{byte:02x}")).collect(),
    }
}
