//! The sale on Redis, with the database behind it: the next step the lesson names.
//!
//! The stock lives in Redis, and a purchase is **one Lua script** that Redis runs alone, start
//! to end, with nothing else in between: check the stock, refuse a second order of the same
//! buyer, take one, number the order and append it to a stream. No lock, no round trip inside,
//! no transaction to hold: the script is the critical section, a few microseconds long.
//!
//! The orders still belong in the database. A **consumer** reads the stream (as the group
//! `database`) and writes each order into the SQL store, its ledger row and its stock, then
//! acknowledges it. The stream is the source of truth: a consumer killed between its commit and
//! its acknowledgement reads the same entries again when it starts, and writing an order twice
//! is harmless because the order keeps the number Redis gave it (`INSERT OR IGNORE`).
//!
//! Every key the lab writes starts with `workbench:flash-sale:`; nothing else in the Redis
//! database is read or changed, and keys under that prefix without the lab's mark are refused.

use std::time::Duration;

use redis::streams::StreamReadReply;

use super::{Session, StoreError, StoreResult, Trouble};

/// Every key of the lab starts so.
pub const PREFIX: &str = "workbench:flash-sale:";
const MARK: &str = "workbench flash-sale store";
/// The consumer group that writes the orders into the database, and its one consumer.
const GROUP: &str = "database";
const CONSUMER: &str = "writer";

/// One purchase: the whole critical section, run by Redis alone.
/// KEYS: stock, buyers, orders stream, order counter. ARGV: user, product, one per user, now.
/// Gives the order's number, 0 when sold out, -1 for a second order of the same buyer.
const PURCHASE: &str = r#"
if ARGV[3] == '1' and redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  return -1
end
local left = tonumber(redis.call('GET', KEYS[1]) or '0')
if left <= 0 then
  return 0
end
local after = redis.call('DECR', KEYS[1])
if ARGV[3] == '1' then
  redis.call('SADD', KEYS[2], ARGV[1])
end
local order = redis.call('INCR', KEYS[4])
redis.call('XADD', KEYS[3], '*', 'order', order, 'user', ARGV[1], 'product', ARGV[2],
           'stock_after', after, 'at', ARGV[4])
return order
"#;

/// A Redis database the sale keeps its stock in.
#[derive(Clone, Debug)]
pub struct RedisTarget {
    /// `redis://host:port/db`.
    pub url: String,
}

fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

impl From<redis::RedisError> for StoreError {
    fn from(error: redis::RedisError) -> StoreError {
        let trouble = if error.is_io_error() || error.is_connection_dropped() {
            Trouble::GoneAway
        } else {
            Trouble::Other
        };
        StoreError::new(trouble, error.to_string())
    }
}

impl RedisTarget {
    pub fn from_url(url: &str) -> Result<RedisTarget, String> {
        redis::Client::open(url)
            .map_err(|error| format!("--db {url}: not a Redis URL: {error}"))?;
        Ok(RedisTarget {
            url: url.to_string(),
        })
    }

    /// A new connection, or one line saying where it could not connect.
    pub fn connect(&self) -> StoreResult<redis::Connection> {
        let client = redis::Client::open(self.url.as_str())?;
        client
            .get_connection_with_timeout(Duration::from_secs(5))
            .map_err(|error| {
                StoreError::new(
                    Trouble::GoneAway,
                    format!(
                        "cannot connect to {}: {error}; is a Redis server listening there?",
                        self.url
                    ),
                )
            })
    }
}

/// The stock of `products` products in Redis, fresh, and an empty stream with its group.
pub fn prepare(target: &RedisTarget, products: u32, stock: u32) -> Result<(), String> {
    let fail = |error: StoreError| format!("--db {}: {error}", target.url);
    let mut conn = target.connect().map_err(fail)?;
    let ours: Vec<String> = scan(&mut conn).map_err(fail)?;
    let marked: Option<String> = redis::cmd("GET")
        .arg(key("mark"))
        .query(&mut conn)
        .map_err(|error| fail(error.into()))?;
    if !ours.is_empty() && marked.as_deref() != Some(MARK) {
        return Err(format!(
            "--db {}: refused, keys under {PREFIX} are there without the lab's mark; they are another program's",
            target.url
        ));
    }
    let mut pipe = redis::pipe();
    pipe.atomic();
    for name in &ours {
        pipe.del(name).ignore();
    }
    pipe.set(key("mark"), MARK).ignore();
    pipe.set(key("products"), products.max(1)).ignore();
    for product in 1..=products.max(1) {
        pipe.set(key(&format!("stock:{product}")), stock).ignore();
        pipe.set(key(&format!("initial:{product}")), stock).ignore();
    }
    pipe.cmd("XGROUP")
        .arg("CREATE")
        .arg(key("orders"))
        .arg(GROUP)
        .arg("$")
        .arg("MKSTREAM")
        .ignore();
    pipe.query::<()>(&mut conn)
        .map_err(|error| fail(error.into()))?;
    Ok(())
}

/// The lab's keys.
fn scan(conn: &mut redis::Connection) -> StoreResult<Vec<String>> {
    let mut cursor: u64 = 0;
    let mut keys = Vec::new();
    loop {
        let (next, found): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{PREFIX}*"))
            .arg("COUNT")
            .arg(1000)
            .query(conn)?;
        keys.extend(found);
        if next == 0 {
            return Ok(keys);
        }
        cursor = next;
    }
}

/// How a purchase on Redis ended.
pub enum Scripted {
    Order(i64),
    SoldOut,
    Duplicate,
}

/// One purchase: the script, one round trip.
pub fn buy(
    conn: &mut redis::Connection,
    user: u64,
    product: u32,
    one_per_user: bool,
) -> StoreResult<Scripted> {
    let script = redis::Script::new(PURCHASE);
    let answer: i64 = script
        .key(key(&format!("stock:{product}")))
        .key(key(&format!("buyers:{product}")))
        .key(key("orders"))
        .key(key("next-order"))
        .arg(user)
        .arg(product)
        .arg(if one_per_user { "1" } else { "0" })
        .arg(super::now_seconds())
        .invoke(conn)?;
    Ok(match answer {
        0 => Scripted::SoldOut,
        -1 => Scripted::Duplicate,
        order => Scripted::Order(order),
    })
}

/// Reads orders from the stream and writes them into the SQL store, until `stop` says the
/// buyers are done and nothing is left to read. Starts with what it read before but never
/// acknowledged (a consumer killed halfway): those come first. Gives the orders it wrote.
pub fn consume(
    target: &RedisTarget,
    database: &mut dyn Session,
    stop: &dyn Fn() -> bool,
    written: &lab_core::Counter,
) -> StoreResult<u64> {
    let mut conn = target.connect()?;
    let mut total = 0;
    // "0": this consumer's pending entries, then ">": entries nobody has read.
    let mut from = "0";
    loop {
        let finishing = stop();
        let mut read = redis::cmd("XREADGROUP");
        read.arg("GROUP")
            .arg(GROUP)
            .arg(CONSUMER)
            .arg("COUNT")
            .arg(256);
        if from == ">" {
            // Wait a little for new orders rather than ask again at once.
            read.arg("BLOCK").arg(100);
        }
        let reply: Option<StreamReadReply> = read
            .arg("STREAMS")
            .arg(key("orders"))
            .arg(from)
            .query(&mut conn)?;
        let entries: Vec<_> = reply
            .map(|reply| {
                reply
                    .keys
                    .into_iter()
                    .flat_map(|stream| stream.ids)
                    .collect()
            })
            .unwrap_or_default();
        if entries.is_empty() {
            if from == "0" {
                from = ">";
                continue;
            }
            if finishing {
                return Ok(total);
            }
            continue;
        }
        let ids: Vec<String> = entries.iter().map(|entry| entry.id.clone()).collect();
        let orders: Vec<[i64; 4]> = entries
            .iter()
            .map(|entry| {
                let field = |name: &str| entry.get::<i64>(name).unwrap_or(0);
                [
                    field("order"),
                    field("user"),
                    field("product"),
                    field("stock_after"),
                ]
            })
            .collect();
        let created: Vec<f64> = entries
            .iter()
            .map(|entry| entry.get::<f64>("at").unwrap_or(0.0))
            .collect();
        let added = write_orders(database, &orders, &created)?;
        written.add(added);
        total += added;
        redis::cmd("XACK")
            .arg(key("orders"))
            .arg(GROUP)
            .arg(&ids)
            .query::<i64>(&mut conn)?;
    }
}

/// Writes a batch of orders in one transaction: each order with the number Redis gave it, so
/// a batch written twice (after a crash before the acknowledgement) adds nothing.
fn write_orders(
    database: &mut dyn Session,
    orders: &[[i64; 4]],
    created: &[f64],
) -> StoreResult<u64> {
    database.begin_write()?;
    let result = (|| -> StoreResult<u64> {
        let mut added = 0;
        for ([order, user, product, after], at) in orders.iter().zip(created) {
            if database.insert_numbered_order(*order, *user, *product, *at)? {
                let product = *product as u32;
                database.take_one(product)?;
                database.record_ledger(product, *order, *after)?;
                added += 1;
            }
        }
        Ok(added)
    })();
    match result {
        Ok(added) => {
            database.commit()?;
            Ok(added)
        }
        Err(error) => {
            database.rollback();
            Err(error)
        }
    }
}

/// What Redis and the database say together, once the consumer has drained the stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RedisAudit {
    /// Orders Redis numbered (the counter), and entries in the stream.
    pub numbered: i64,
    pub in_stream: i64,
    /// Orders in the database.
    pub in_database: i64,
    /// Products whose Redis stock is below zero.
    pub negative_in_redis: i64,
    /// Products whose stock differs between Redis and the database.
    pub stock_disagrees: i64,
    /// Stream entries read but not acknowledged (the consumer died before it could).
    pub unacknowledged: i64,
}

impl RedisAudit {
    /// The invariants across both, as the invariants table shows them.
    pub fn invariants(&self) -> Vec<(&'static str, bool, String)> {
        vec![
            (
                "Redis never below zero",
                self.negative_in_redis == 0,
                format!("{} products below zero in Redis", self.negative_in_redis),
            ),
            (
                "every Redis order is in the database",
                self.numbered == self.in_stream && self.in_stream == self.in_database,
                format!(
                    "{} numbered, {} in the stream, {} in the database",
                    self.numbered, self.in_stream, self.in_database
                ),
            ),
            (
                "Redis and the database agree on the stock",
                self.stock_disagrees == 0,
                format!("{} products disagree", self.stock_disagrees),
            ),
        ]
    }

    pub fn holds(&self) -> bool {
        self.invariants().iter().all(|(_, held, _)| *held)
    }
}

/// Reads both sides.
pub fn audit(target: &RedisTarget, database: &mut dyn Session) -> StoreResult<RedisAudit> {
    let mut conn = target.connect()?;
    let number = |conn: &mut redis::Connection, name: &str| -> StoreResult<i64> {
        let value: Option<i64> = redis::cmd("GET").arg(key(name)).query(conn)?;
        Ok(value.unwrap_or(0))
    };
    let products = number(&mut conn, "products")?;
    let numbered = number(&mut conn, "next-order")?;
    let in_stream: i64 = redis::cmd("XLEN").arg(key("orders")).query(&mut conn)?;
    let pending: redis::Value = redis::cmd("XPENDING")
        .arg(key("orders"))
        .arg(GROUP)
        .query(&mut conn)?;
    let unacknowledged = match pending {
        redis::Value::Array(items) => match items.first() {
            Some(redis::Value::Int(count)) => *count,
            _ => 0,
        },
        _ => 0,
    };
    let in_database = database.order_count()?;
    let mut negative_in_redis = 0;
    let mut stock_disagrees = 0;
    for product in 1..=products {
        let left = number(&mut conn, &format!("stock:{product}"))?;
        if left < 0 {
            negative_in_redis += 1;
        }
        let in_sql = database.read_stock(product as u32).ok();
        if in_sql != Some(left) {
            stock_disagrees += 1;
        }
    }
    Ok(RedisAudit {
        numbered,
        in_stream,
        in_database,
        negative_in_redis,
        stock_disagrees,
        unacknowledged,
    })
}

/// Whether the lab's keys (with their mark) are in this Redis database.
pub fn is_store(target: &RedisTarget) -> StoreResult<bool> {
    let mut conn = target.connect()?;
    let marked: Option<String> = redis::cmd("GET").arg(key("mark")).query(&mut conn)?;
    Ok(marked.as_deref() == Some(MARK))
}
