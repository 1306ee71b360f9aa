//! The `flash-sale` lab: one strategy under a burst of buyers, or `--compare` for all of them
//! on the same load, on SQLite or MySQL (`--engine`); `--check-db` audits a store left by any
//! run, a killed one too.

use std::path::PathBuf;
use std::time::Duration;

use lab_core::{
    Cell, FromParams, Lab, LabContext, LabInfo, ParamKind, ParamReader, ParamSpec, Verdict,
};
use strum::VariantNames;

use crate::sale::{self, Arrival, Connections, Sale};
use crate::store::redis::{RedisAudit, RedisTarget};
use crate::store::{self, Engine, MysqlTarget, Synchronous};
use crate::strategy::Strategy;

pub struct FlashSaleLab;

/// `flash-sale`'s parameters, typed. Empty texts are flags not given (`--serve`, ...); the
/// sale's `database` is empty when `--db` was not given (the run makes a scratch one).
pub struct FlashSaleParams {
    pub sale: Sale,
    pub engine: Engine,
    /// `--db` when it is a server's URL (`mysql://...`); the sale's `database` is empty then.
    pub server_url: String,
    /// For the private MySQL server: `max_connections` and `innodb_lock_wait_timeout`.
    pub max_connections: u32,
    pub lock_wait_timeout: u32,
    pub wait_timeout: u32,
    /// Redis: where the consumer writes the orders: SQLite or a MySQL server.
    pub orders_engine: Engine,
    /// Redis: the SQLite file the consumer writes the orders into (empty: a scratch one), or
    /// with `--orders-engine mysql` the server's URL (empty: a private MariaDB).
    pub orders_db: PathBuf,
    pub compare: bool,
    /// `--compare-engines`: the one strategy on every engine available.
    pub compare_engines: bool,
    /// `--sweep-workers`: the same sale at each of these numbers of workers.
    pub sweep_workers: Vec<String>,
    pub plot: String,
    pub serve: String,
    pub check_db: String,
    /// `--pace`: slow motion, already applied to the sale's round trip and spread.
    pub pace: f64,
}

impl FromParams for FlashSaleParams {
    fn from_params(reader: &mut ParamReader<'_>) -> FlashSaleParams {
        let filters: Vec<String> = reader.get("filters");
        // Slow motion: the waits the sale models last `pace` times as long.
        let pace: f64 = reader.get("pace");
        let stretched = |wait: Duration| wait.mul_f64(pace);
        let db: String = reader.get("db");
        let (database, server_url) = if is_server_url(&db) {
            (PathBuf::new(), db)
        } else {
            (PathBuf::from(db), String::new())
        };
        FlashSaleParams {
            engine: reader.choice("engine"),
            server_url,
            max_connections: reader.get("max-connections"),
            lock_wait_timeout: reader.get("lock-wait-timeout"),
            wait_timeout: reader.get("wait-timeout"),
            orders_engine: reader.choice("orders-engine"),
            orders_db: reader.get("orders-db"),
            sale: Sale {
                lottery_seed: 0,
                database,
                mysql: None,
                redis: None,
                strategy: reader.choice("strategy"),
                users: reader.get("users"),
                workers: reader.get("workers"),
                stock: reader.get("stock"),
                products: reader.get("products"),
                rtt: stretched(reader.get("rtt")),
                arrival: reader.choice("arrival"),
                spread: stretched(reader.get("spread")),
                bots: reader.get("bots"),
                connections: reader.choice("conn"),
                pool_check: reader.get("pool-check"),
                synchronous: reader.choice("synchronous"),
                filters: filters
                    .into_iter()
                    .filter(|filter| !filter.trim().is_empty())
                    .collect(),
            },
            compare: reader.get("compare"),
            compare_engines: reader.get("compare-engines"),
            sweep_workers: reader
                .get::<Vec<String>>("sweep-workers")
                .into_iter()
                .filter(|workers| !workers.trim().is_empty())
                .collect(),
            plot: reader.get("plot"),
            serve: reader.get("serve"),
            check_db: reader.get("check-db"),
            pace,
        }
    }
}

/// What a slowed sale says about its figures: times are stretched, orders/s slowed.
fn slow_motion(pace: f64) -> String {
    if pace > 1.0 {
        format!(" (slow motion: round trips and arrivals {pace}× as long; --pace 1 for real speed)")
    } else {
        String::new()
    }
}

/// Whether `--db` names a server rather than a file.
fn is_server_url(db: &str) -> bool {
    db.contains("://")
}

impl Lab for FlashSaleLab {
    type Params = FlashSaleParams;

    fn info(&self) -> LabInfo {
        LabInfo {
            id: "flash-sale",
            topic: "flash-sale",
            title: "A flash sale on SQLite or MySQL",
            summary: "Thousands of buyers on a few hundred items: watch the naive purchase oversell, the long transaction stall everyone (and oversell on InnoDB), FOR UPDATE queue on the row lock, and the guarded update and the queue hold, with the invariants checked after every sale.",
            params: vec![
                ParamSpec {
                    name: "strategy",
                    kind: ParamKind::Choice {
                        choices: Strategy::VARIANTS,
                    },
                    default: "guarded",
                    help: "naive (read, wait, write: oversells), transaction (lock held across the round trip; oversells on MySQL), for-update (MySQL: the row locked across two round trips), guarded (one guarded UPDATE), queue (one writer, group commits)",
                    roles: &[],
                },
                ParamSpec {
                    name: "engine",
                    kind: ParamKind::Choice {
                        choices: Engine::VARIANTS,
                    },
                    default: "sqlite",
                    help: "sqlite: one embedded file, one writer at a time; mysql: a MariaDB server, a lock per row; redis: the stock and one Lua script per purchase in Redis, the orders written into SQLite or MySQL (--orders-engine) from a stream (a private server unless --db names one)",
                    roles: &[],
                },
                ParamSpec {
                    name: "compare",
                    kind: ParamKind::Bool,
                    default: "false",
                    help: "run every strategy on the same load, one after the other, and tabulate them",
                    roles: &[],
                },
                ParamSpec {
                    name: "compare-engines",
                    kind: ParamKind::Bool,
                    default: "false",
                    help: "run the strategy on every engine this machine has (SQLite, a private MariaDB, a private Redis) on the same load, and tabulate them",
                    roles: &[],
                },
                ParamSpec {
                    name: "sweep-workers",
                    kind: ParamKind::List,
                    default: "",
                    help: "run the same sale at each of these numbers of workers (16,32,64,128,256) and tabulate orders/s and p99 against them; --plot draws the curve",
                    roles: &[],
                },
                ParamSpec {
                    name: "filters",
                    kind: ParamKind::List,
                    default: "",
                    help: "admission filters in order: random:P, threshold:K, waves:N/T, token-bucket:R, reservation, captcha:MS, one-per-user, sold-out",
                    roles: &[],
                },
                ParamSpec {
                    name: "plot",
                    kind: ParamKind::Path,
                    default: "",
                    help: "with --compare: also draw the comparison into this SVG file",
                    roles: &[],
                },
                ParamSpec {
                    name: "users",
                    kind: ParamKind::Integer {
                        min: 1,
                        max: 1_000_000,
                    },
                    default: "10000",
                    help: "buyers",
                    roles: &[],
                },
                ParamSpec {
                    name: "workers",
                    kind: ParamKind::Integer { min: 1, max: 512 },
                    default: "16",
                    help: "threads serving the buyers, each with its own connection",
                    roles: &[],
                },
                ParamSpec {
                    name: "stock",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 10_000_000,
                    },
                    default: "300",
                    help: "items of each product",
                    roles: &[],
                },
                ParamSpec {
                    name: "products",
                    kind: ParamKind::Integer {
                        min: 1,
                        max: 10_000,
                    },
                    default: "1",
                    help: "products: the hot item and the ordinary ones (a fifth of the buyers want those)",
                    roles: &[],
                },
                ParamSpec {
                    name: "rtt",
                    kind: ParamKind::Duration {
                        unit: "ms",
                        max_seconds: 1.0,
                    },
                    default: "0.5",
                    help: "the client-to-database round trip, paid where a real client would wait (0.5ms, 500µs; a bare number is milliseconds)",
                    roles: &[],
                },
                ParamSpec {
                    name: "pace",
                    kind: ParamKind::Float {
                        min: 1.0,
                        max: 100.0,
                    },
                    default: "1",
                    help: "slow motion for a class to watch: every round trip and arrival lasts this many times as long (10: the default sale takes several seconds instead of under one); the database's own work is not slowed, so busy retries are fewer; 1 is real speed",
                    roles: &[],
                },
                ParamSpec {
                    name: "arrival",
                    kind: ParamKind::Choice {
                        choices: Arrival::VARIANTS,
                    },
                    default: "burst",
                    help: "burst: everyone at once; ramp: faster and faster; steady: evenly, over --spread",
                    roles: &[],
                },
                ParamSpec {
                    name: "spread",
                    kind: ParamKind::Duration {
                        unit: "s",
                        max_seconds: 3600.0,
                    },
                    default: "5",
                    help: "how long a ramp or steady arrival takes (5s, 500ms; a bare number is seconds)",
                    roles: &[],
                },
                ParamSpec {
                    name: "bots",
                    kind: ParamKind::Integer { min: 0, max: 100 },
                    default: "10",
                    help: "percent of buyers that are bots: sold out, they try again at once, five times",
                    roles: &[],
                },
                ParamSpec {
                    name: "conn",
                    kind: ParamKind::Choice {
                        choices: Connections::VARIANTS,
                    },
                    default: "pool",
                    help: "pool: a connection per worker; per-request: a new connection for every purchase",
                    roles: &[],
                },
                ParamSpec {
                    name: "synchronous",
                    kind: ParamKind::Choice {
                        choices: Synchronous::VARIANTS,
                    },
                    default: "normal",
                    help: "normal: a commit survives a crash of the program; full: an fsync per commit",
                    roles: &[],
                },
                ParamSpec {
                    name: "max-connections",
                    kind: ParamKind::Integer {
                        min: 1,
                        max: 100_000,
                    },
                    default: "151",
                    help: "MySQL, private server: max_connections; a client past it is refused (error 1040)",
                    roles: &[],
                },
                ParamSpec {
                    name: "lock-wait-timeout",
                    kind: ParamKind::Integer { min: 1, max: 3600 },
                    default: "50",
                    help: "MySQL, private server: seconds a purchase waits for a row lock before error 1205 (innodb_lock_wait_timeout)",
                    roles: &[],
                },
                ParamSpec {
                    name: "wait-timeout",
                    kind: ParamKind::Integer {
                        min: 1,
                        max: 31_536_000,
                    },
                    default: "28800",
                    help: "MySQL, private server: seconds before the server closes an idle connection (wait_timeout); a pooled one then fails with 2006 unless --pool-check",
                    roles: &[],
                },
                ParamSpec {
                    name: "pool-check",
                    kind: ParamKind::Bool,
                    default: "false",
                    help: "with --conn pool: ask an idle connection whether it still answers before using it, and replace it if not",
                    roles: &[],
                },
                ParamSpec {
                    name: "orders-engine",
                    kind: ParamKind::Choice {
                        choices: &["sqlite", "mysql"],
                    },
                    default: "sqlite",
                    help: "Redis: where the consumer writes the orders: a SQLite file, or a MySQL database (a private MariaDB unless --orders-db names one, mysql://...)",
                    roles: &[],
                },
                ParamSpec {
                    name: "orders-db",
                    kind: ParamKind::Path,
                    default: "",
                    help: "Redis: the SQLite file the consumer writes the orders into (default: a fresh temporary one), or with --orders-engine mysql a mysql://... URL; with --check-db redis://..., the file or URL to drain the stream into and audit",
                    roles: &[],
                },
                ParamSpec {
                    name: "serve",
                    kind: ParamKind::Address,
                    default: "",
                    help: "serve POST /buy and GET /stats on this address (127.0.0.1:8080) instead of the built-in crowd, until stopped",
                    roles: &[],
                },
                ParamSpec {
                    name: "db",
                    kind: ParamKind::Path,
                    default: "",
                    help: "the SQLite file (default: a fresh temporary one), or a server's URL: with --engine mysql mysql://user:password@host:3306/database, with --engine redis redis://host:6379/0 (default: a private server); only the lab's own tables or keys are made fresh, nothing else is touched",
                    roles: &[],
                },
                ParamSpec {
                    name: "check-db",
                    kind: ParamKind::Path,
                    default: "",
                    help: "only audit this store (a SQLite file or a mysql:// URL, left by a run, a killed one too) and report the invariants",
                    roles: &[],
                },
            ],
        }
    }

    fn validate(&self, params: &FlashSaleParams) -> Result<(), String> {
        if !params.plot.is_empty() && !params.compare && params.sweep_workers.is_empty() {
            return Err("--plot draws the comparison: add --compare".to_string());
        }
        if params.compare && !params.sweep_workers.is_empty() {
            return Err(
                "--compare and --sweep-workers each run many sales: choose one".to_string(),
            );
        }
        for workers in &params.sweep_workers {
            match workers.trim().parse::<usize>() {
                Ok(count) if (1..=512).contains(&count) => {}
                _ => {
                    return Err(format!(
                        "--sweep-workers: {workers:?} is not a number of workers from 1 to 512; give them as 16,32,64"
                    ));
                }
            }
        }
        if params.engine == Engine::Redis && params.compare {
            return Err("--compare runs the SQL strategies; on Redis a purchase is one Lua script: drop --compare, or use --engine sqlite or mysql".to_string());
        }
        let orders_url = params.orders_db.to_string_lossy().starts_with("mysql://");
        if orders_url && params.orders_engine != Engine::Mysql && params.check_db.is_empty() {
            return Err(
                "--orders-db mysql://...: add --orders-engine mysql to write the orders into a MySQL server"
                    .to_string(),
            );
        }
        if params.orders_engine == Engine::Mysql && params.engine != Engine::Redis {
            return Err(
                "--orders-engine is for --engine redis: the other engines keep the orders where the stock is"
                    .to_string(),
            );
        }
        let database = params.sale.database.as_path();
        if !database.as_os_str().is_empty() && params.engine != Engine::Sqlite {
            return Err(format!(
                "--db {}: with --engine {}, --db takes a server's URL ({}), or nothing for a private server",
                database.display(),
                params.engine.name(),
                match params.engine {
                    Engine::Redis => "redis://host:6379/0",
                    _ => "mysql://user:password@host:3306/database",
                }
            ));
        }
        if !params.server_url.is_empty() {
            let wanted = if params.server_url.starts_with("redis") {
                Engine::Redis
            } else {
                Engine::Mysql
            };
            if params.engine != wanted {
                return Err(format!(
                    "--db {}: a server's URL needs --engine {}",
                    store::mysql::hide_password(&params.server_url),
                    wanted.name()
                ));
            }
            match wanted {
                Engine::Redis => RedisTarget::from_url(&params.server_url).map(|_| ())?,
                _ => MysqlTarget::from_url(&params.server_url).map(|_| ())?,
            }
        }
        if params.check_db.starts_with("redis") {
            RedisTarget::from_url(&params.check_db)
                .map_err(|error| error.replacen("--db", "--check-db", 1))?;
            if params.orders_db.as_os_str().is_empty() {
                return Err(
                    "--check-db redis://...: name the orders' SQLite file with --orders-db"
                        .to_string(),
                );
            }
        } else if is_server_url(&params.check_db) {
            MysqlTarget::from_url(&params.check_db)
                .map_err(|error| error.replacen("--db", "--check-db", 1))?;
        }
        if !params.sale.strategy.runs_on(params.engine)
            && !params.compare
            && !params.compare_engines
        {
            return Err(
                "--strategy for-update: SQLite has no row locks (a writer locks the whole file), so there is no SELECT ... FOR UPDATE; use guarded, or --engine mysql to see row locks".to_string(),
            );
        }
        crate::filters::parse_all(&params.sale.filters, params.sale.products)
            .map(|_| ())
            .map_err(|error| format!("--filters: {error}"))
    }

    /// The files this run would write or read are the workbench's (or new), and a private
    /// server's program is installed.
    fn preflight(&self, params: &FlashSaleParams) -> Result<(), String> {
        let orders_url = params.orders_db.to_string_lossy().starts_with("mysql://");
        if !params.orders_db.as_os_str().is_empty() && !orders_url {
            crate::store::claim(&params.orders_db, "--orders-db")?;
        }
        let database = params.sale.database.as_path();
        if !database.as_os_str().is_empty() && params.engine == Engine::Sqlite {
            crate::store::claim(database, "--db")?;
        }
        let check_file = !params.check_db.is_empty()
            && !params.check_db.starts_with("redis")
            && !is_server_url(&params.check_db);
        if check_file {
            crate::store::claim(std::path::Path::new(&params.check_db), "--check-db")?;
        }
        if params.server_url.is_empty() && params.check_db.is_empty() {
            if let Some(missing) = missing_server(params.engine) {
                return Err(missing);
            }
        }
        Ok(())
    }

    fn run(&self, params: &FlashSaleParams, context: &LabContext) -> anyhow::Result<Verdict> {
        if !params.check_db.is_empty() {
            return check_db(params, context);
        }
        let scratch = tempfile::Builder::new()
            .prefix("workbench-flash-sale-")
            .tempdir()?;
        let mut sale = params.sale.clone();
        if sale.database.as_os_str().is_empty() {
            sale.database = scratch.path().join("sale.db");
        }
        if !params.orders_db.as_os_str().is_empty() && params.orders_engine == Engine::Sqlite {
            sale.database = params.orders_db.clone();
        }
        // The private server lives as long as this run: dropping it stops it.
        let private_server = if params.compare_engines {
            Vec::new()
        } else {
            place_on(params.engine, params, &mut sale, context)?
        };
        let funnel = sale::Funnel::new(context, &[]);
        context.chart(&[
            &funnel.offered,
            &funnel.orders,
            &funnel.sold_out,
            &funnel.busy_retries,
        ]);
        if params.compare_engines {
            return compare_engines(&sale, params, context);
        }
        if params.compare {
            return compare(&sale, params.engine, &params.plot, context);
        }
        if !params.sweep_workers.is_empty() {
            let counts: Vec<usize> = params
                .sweep_workers
                .iter()
                .filter_map(|workers| workers.trim().parse().ok())
                .collect();
            return sweep(&sale, params.engine, &counts, &params.plot, context);
        }
        if !params.serve.is_empty() {
            return serve_sale(&sale, &params.serve, context);
        }
        context.info(format!(
            "{} buyers, {} workers, {} × {} items, strategy {} on {}{}",
            sale.users,
            sale.workers,
            sale.products,
            sale.stock,
            sale.strategy.name(),
            params.engine.name(),
            slow_motion(params.pace)
        ));
        sale::prepare(&sale)?;
        show_funnel(context, &sale);
        let outcome = sale::run(&sale, context)?;
        show_invariants(
            context,
            &outcome.audit,
            sale.one_per_user(),
            outcome.redis_audit.as_ref(),
        );
        let mut summary = format!(
            "{} orders in {:.2} s ({:.0}/s), p99 {:.1} ms, {} sold out answers",
            outcome.orders,
            outcome.seconds,
            outcome.orders as f64 / outcome.seconds.max(1e-9),
            outcome.p99_ms,
            outcome.sold_out,
        );
        summary.push_str(&match params.engine {
            Engine::Sqlite | Engine::Redis => format!(", {} busy retries", outcome.busy_retries),
            Engine::Mysql => format!(
                ", {} row lock waits ({} ms in all), {} lock wait timeouts, {} deadlock retries, {} connections refused",
                outcome.lock_waits,
                outcome.lock_wait_ms,
                outcome.lock_timeouts,
                outcome.deadlock_retries,
                outcome.refused_connections
            ),
        });
        summary.push_str(&slow_motion(params.pace));
        drop(private_server);
        if context.is_cancelled() {
            return Ok(Verdict::fail(format!("stopped: {summary}")));
        }
        let mut verdict = verdict(
            &outcome.audit,
            sale.one_per_user(),
            outcome.redis_audit.as_ref(),
            &summary,
        );
        if !verdict.ok && sale.strategy == Strategy::Transaction && params.engine == Engine::Mysql {
            verdict.summary.push_str(CONSISTENT_READ);
        }
        Ok(verdict)
    }
}

/// The one line for a private server `engine` needs but this machine does not have.
fn missing_server(engine: Engine) -> Option<String> {
    let (kind, program, example) = match engine {
        Engine::Sqlite => return None,
        Engine::Mysql => (
            lab_servers::Kind::MariaDb,
            "mariadbd",
            "mysql://user:password@host:3306/database",
        ),
        Engine::Redis => (
            lab_servers::Kind::Redis,
            "redis-server",
            "redis://host:6379/0",
        ),
    };
    let installed = match kind {
        lab_servers::Kind::MariaDb => lab_servers::mariadb_installed(),
        lab_servers::Kind::Redis => lab_servers::redis_installed(),
    };
    (!installed).then(|| {
        format!(
            "{}, or give --db {example}",
            lab_servers::ServerError::Missing { kind, program }
        )
    })
}

/// Puts the sale on `engine`: on the server `--db` names when it is that engine's, else on a
/// private server started here and handed back (the run keeps it until it ends).
fn place_on(
    engine: Engine,
    params: &FlashSaleParams,
    sale: &mut Sale,
    context: &LabContext,
) -> anyhow::Result<Vec<lab_servers::PrivateServer>> {
    let given = |scheme: &str| {
        params
            .server_url
            .starts_with(scheme)
            .then_some(params.server_url.as_str())
    };
    sale.mysql = None;
    sale.redis = None;
    let mut private_server = None;
    let mut orders_server = None;
    match engine {
        Engine::Sqlite => {}
        Engine::Redis => {
            sale.redis = Some(match given("redis") {
                Some(url) => RedisTarget::from_url(url).map_err(anyhow::Error::msg)?,
                None => {
                    let server = lab_servers::start_redis(&mut |line| context.info(line))?;
                    let target = RedisTarget {
                        url: format!("redis://127.0.0.1:{}/0", server.port()),
                    };
                    private_server = Some(server);
                    target
                }
            });
            if params.orders_engine == Engine::Mysql {
                let given = params.orders_db.to_string_lossy();
                sale.mysql = Some(if given.starts_with("mysql://") {
                    MysqlTarget::from_url(&given).map_err(|error| {
                        anyhow::anyhow!(error.replacen("--db", "--orders-db", 1))
                    })?
                } else {
                    let (server, target) = start_private_mysql(params, context)?;
                    orders_server = Some(server);
                    target
                });
            }
            context.info(format!(
                "on Redis every purchase is one Lua script (--strategy is for the SQL engines); a consumer writes the orders into {}",
                params.orders_engine.name()
            ));
        }
        Engine::Mysql => {
            sale.mysql = Some(match given("mysql") {
                Some(url) => MysqlTarget::from_url(url).map_err(anyhow::Error::msg)?,
                None => {
                    let (server, target) = start_private_mysql(params, context)?;
                    private_server = Some(server);
                    target
                }
            });
        }
    }
    Ok(private_server.into_iter().chain(orders_server).collect())
}

/// One strategy on every engine this machine has (or `--db` names), the same crowd each time.
fn compare_engines(
    sale: &Sale,
    params: &FlashSaleParams,
    context: &LabContext,
) -> anyhow::Result<Verdict> {
    context.set_table(
        "engines",
        &[
            "engine",
            "orders",
            "orders/s",
            "p99 ms",
            "oversold",
            "invariants",
        ],
        Vec::new(),
    );
    let mut broken = Vec::new();
    let mut skipped = Vec::new();
    for engine in [Engine::Sqlite, Engine::Mysql, Engine::Redis] {
        if context.is_cancelled() {
            break;
        }
        let installed = match engine {
            Engine::Sqlite => true,
            Engine::Mysql => {
                lab_servers::mariadb_installed() || params.server_url.starts_with("mysql")
            }
            Engine::Redis => {
                lab_servers::redis_installed() || params.server_url.starts_with("redis")
            }
        };
        if !installed || !sale.strategy.runs_on(engine) {
            skipped.push(engine.name());
            continue;
        }
        let mut this = sale.clone();
        let _server = place_on(engine, params, &mut this, context)?;
        context.info(format!("now: {}", engine.name()));
        sale::prepare(&this)?;
        let outcome = sale::run(&this, context)?;
        let held = outcome.audit.holds(sale.one_per_user())
            && outcome
                .redis_audit
                .as_ref()
                .is_none_or(|audit| audit.holds());
        // On Redis the purchase is the script, correct whatever --strategy says.
        if !held && (engine == Engine::Redis || sale.strategy.is_correct_on(engine)) {
            broken.push(engine.name());
        }
        let rate = outcome.orders as f64 / outcome.seconds.max(1e-9);
        context.add_table_row(
            "engines",
            vec![
                Cell::from(engine.name()),
                Cell::Number(outcome.orders as f64),
                Cell::Number(rate.round()),
                Cell::Number((outcome.p99_ms * 10.0).round() / 10.0),
                Cell::Number(outcome.audit.oversold as f64),
                Cell::from(if held { "hold" } else { "BROKEN" }),
            ],
        );
    }
    context.bars("engines", "orders/s");
    let left_out = if skipped.is_empty() {
        String::new()
    } else {
        format!(
            " ({} left out: not installed here, or no such strategy there)",
            skipped.join(", ")
        )
    };
    if broken.is_empty() {
        Ok(Verdict::pass(format!(
            "{} on every engine: see the table{left_out}",
            sale.strategy.name()
        )))
    } else {
        Ok(Verdict::fail(format!(
            "invariants broken on {}{left_out}",
            broken.join(", ")
        )))
    }
}

/// Why `transaction` oversells on InnoDB, for the verdict.
const CONSISTENT_READ: &str = ". On InnoDB the plain SELECT inside BEGIN reads a snapshot and locks nothing: buyers read the same stock, and each UPDATE, once it gets the row, takes one more from it, below zero too; read with FOR UPDATE, or decide in the UPDATE (guarded)";

/// Starts a private MariaDB with the run's settings.
fn start_private_mysql(
    params: &FlashSaleParams,
    context: &LabContext,
) -> anyhow::Result<(lab_servers::PrivateServer, MysqlTarget)> {
    // A sweep is about the hot row, not the connection limit: every worker gets a connection.
    let most_workers = params
        .sweep_workers
        .iter()
        .filter_map(|workers| workers.trim().parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    let max_connections = if most_workers + 8 > params.max_connections {
        context.info(format!(
            "the private MariaDB allows {} connections, so that each of the sweep's {most_workers} workers gets one",
            most_workers + 8
        ));
        most_workers + 8
    } else {
        params.max_connections
    };
    let settings = store::mysql::PrivateSettings {
        max_connections,
        lock_wait_timeout_seconds: params.lock_wait_timeout,
        sync_each_commit: params.sale.synchronous == Synchronous::Full,
        wait_timeout_seconds: params.wait_timeout,
    };
    Ok(store::mysql::start_private(&settings, &mut |line| {
        context.info(line)
    })?)
}

/// The shop behind HTTP until the lab is stopped, then the invariants.
fn serve_sale(sale: &Sale, address: &str, context: &LabContext) -> anyhow::Result<Verdict> {
    sale::prepare(sale)?;
    show_funnel(context, sale);
    let shop = std::sync::Arc::new(sale::Shop::open(sale, context)?);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        shop.start_writer(scope)?;
        let served = crate::serve::serve(address, shop.clone(), sale.products.max(1), context);
        shop.stop_writer();
        served
    })?;
    let (audit, redis_audit) = sale::audit(sale)?;
    show_invariants(context, &audit, sale.one_per_user(), redis_audit.as_ref());
    let summary = format!(
        "served {} orders, {} left of {}",
        audit.orders, audit.stock_left, audit.initial_stock
    );
    Ok(verdict(
        &audit,
        sale.one_per_user(),
        redis_audit.as_ref(),
        &summary,
    ))
}

fn verdict(
    audit: &store::Audit,
    one_per_user: bool,
    redis: Option<&RedisAudit>,
    summary: &str,
) -> Verdict {
    if audit.holds(one_per_user) && redis.is_none_or(RedisAudit::holds) {
        Verdict::pass(format!("invariants hold: {summary}"))
    } else {
        Verdict::fail(format!(
            "invariants broken, {} oversold: {summary}",
            audit.oversold
        ))
    }
}

/// The funnel: offered → through each filter → ordered, live.
fn show_funnel(context: &LabContext, sale: &Sale) {
    let filters = crate::filters::parse_all(&sale.filters, sale.products).unwrap_or_default();
    let funnel = sale::Funnel::new(context, &filters);
    let mut rows = vec![vec![Cell::from("offered"), Cell::count(&funnel.offered)]];
    for (label, through) in &funnel.through {
        rows.push(vec![
            Cell::from(format!("through {label}")),
            Cell::count(through),
        ]);
    }
    rows.push(vec![Cell::from("ordered"), Cell::count(&funnel.orders)]);
    rows.push(vec![
        Cell::from("told sold out"),
        Cell::count(&funnel.sold_out),
    ]);
    context.set_table("funnel", &["stage", "buyers"], rows);
    context.bars("funnel", "buyers");
}

/// Each product's orders and p99, the hot item first, when there is more than one product (at
/// most the first ten: the contrast is between the hot item and the rest).
fn show_invariants(
    context: &LabContext,
    audit: &store::Audit,
    one_per_user: bool,
    redis: Option<&RedisAudit>,
) {
    let mut invariants = audit.invariants(one_per_user);
    invariants.extend(redis.map(RedisAudit::invariants).unwrap_or_default());
    let rows = invariants
        .into_iter()
        .map(|(name, held, found)| {
            vec![
                Cell::from(name),
                Cell::from(if held { "holds" } else { "BROKEN" }),
                Cell::from(found),
            ]
        })
        .collect();
    context.set_table("invariants", &["invariant", "", "found"], rows);
}

/// Every strategy on the same load, one after the other.
fn compare(
    sale: &Sale,
    engine: Engine,
    plot: &str,
    context: &LabContext,
) -> anyhow::Result<Verdict> {
    let mut bars = Vec::new();
    context.set_table(
        "strategies",
        &[
            "strategy",
            "orders",
            "orders/s",
            "p99 ms",
            "oversold",
            match engine {
                Engine::Sqlite | Engine::Redis => "busy retries",
                Engine::Mysql => "lock wait ms",
            },
            "invariants",
        ],
        Vec::new(),
    );
    let mut broken = Vec::new();
    let mut expected_to_break = Vec::new();
    for strategy in Strategy::ALL
        .into_iter()
        .filter(|strategy| strategy.runs_on(engine))
    {
        if context.is_cancelled() {
            break;
        }
        let this = Sale {
            strategy,
            ..sale.clone()
        };
        context.info(format!("now: {}", strategy.name()));
        sale::prepare(&this)?;
        let outcome = sale::run(&this, context)?;
        let held = outcome.audit.holds(sale.one_per_user());
        bars.push(crate::plot::Bar {
            strategy: strategy.name().to_string(),
            orders_per_second: outcome.orders as f64 / outcome.seconds.max(1e-9),
            p99_ms: outcome.p99_ms,
            oversold: outcome.audit.oversold,
        });
        if !held && strategy.is_correct_on(engine) {
            broken.push(strategy.name());
        } else if !held {
            expected_to_break.push(strategy.name());
        }
        let retries_or_waits = match engine {
            Engine::Sqlite | Engine::Redis => outcome.busy_retries,
            Engine::Mysql => outcome.lock_wait_ms,
        };
        context.add_table_row(
            "strategies",
            vec![
                Cell::from(strategy.name()),
                Cell::Number(outcome.orders as f64),
                Cell::Number((outcome.orders as f64 / outcome.seconds.max(1e-9)).round()),
                Cell::Number((outcome.p99_ms * 10.0).round() / 10.0),
                Cell::Number(outcome.audit.oversold as f64),
                Cell::Number(retries_or_waits as f64),
                Cell::from(if held { "hold" } else { "BROKEN" }),
            ],
        );
        context.info(format!(
            "{}: {} orders, {} oversold, p99 {:.1} ms, {} {}",
            strategy.name(),
            outcome.orders,
            outcome.audit.oversold,
            outcome.p99_ms,
            retries_or_waits,
            match engine {
                Engine::Sqlite | Engine::Redis => "busy retries",
                Engine::Mysql => "ms waited for row locks",
            }
        ));
    }
    context.bars("strategies", "orders/s");
    if !plot.is_empty() {
        crate::plot::write(std::path::Path::new(plot), &bars)?;
        context.info(format!("the chart is in {plot}"));
    }
    if broken.is_empty() {
        let expected = if expected_to_break.is_empty() {
            String::new()
        } else {
            format!(
                " ({} broke them, as the lesson says)",
                expected_to_break.join(" and ")
            )
        };
        Ok(Verdict::pass(format!(
            "every strategy that is correct on {} kept the invariants{expected}: see the table",
            engine.name()
        )))
    } else {
        Ok(Verdict::fail(format!(
            "invariants broken by {}",
            broken.join(", ")
        )))
    }
}

/// The same sale at each number of workers: where the hot row stops giving more orders per
/// second and only adds waiting.
fn sweep(
    sale: &Sale,
    engine: Engine,
    counts: &[usize],
    plot: &str,
    context: &LabContext,
) -> anyhow::Result<Verdict> {
    context.set_table(
        "sweep",
        &[
            "workers",
            "orders/s",
            "p99 ms",
            "oversold",
            "refused (1040)",
            "invariants",
        ],
        Vec::new(),
    );
    let mut points = Vec::new();
    let (mut broken, mut refused) = (Vec::new(), Vec::new());
    for &workers in counts {
        if context.is_cancelled() {
            break;
        }
        let this = Sale {
            workers,
            ..sale.clone()
        };
        context.info(format!("now: {workers} workers"));
        sale::prepare(&this)?;
        let outcome = sale::run(&this, context)?;
        let held = outcome.audit.holds(sale.one_per_user())
            && outcome
                .redis_audit
                .as_ref()
                .is_none_or(|audit| audit.holds());
        if !held {
            broken.push(workers.to_string());
        }
        let rate = outcome.orders as f64 / outcome.seconds.max(1e-9);
        if outcome.refused_connections > 0 {
            refused.push(workers.to_string());
        }
        points.push(crate::plot::Point {
            workers,
            orders_per_second: rate,
            p99_ms: outcome.p99_ms,
        });
        context.add_table_row(
            "sweep",
            vec![
                Cell::Number(workers as f64),
                Cell::Number(rate.round()),
                Cell::Number((outcome.p99_ms * 10.0).round() / 10.0),
                Cell::Number(outcome.audit.oversold as f64),
                Cell::Number(outcome.refused_connections as f64),
                Cell::from(if held { "hold" } else { "BROKEN" }),
            ],
        );
    }
    context.bars("sweep", "orders/s");
    if !plot.is_empty() && !points.is_empty() {
        let title = format!(
            "{} on {}: {} buyers, {} items of the hot one",
            sale.strategy.name(),
            engine.name(),
            sale.users,
            sale.stock
        );
        crate::plot::write_sweep(std::path::Path::new(plot), &title, &points)?;
        context.info(format!("the chart is in {plot}"));
    }
    // A run whose buyers were refused connections sold to fewer of them: not a fair best.
    let best = points
        .iter()
        .filter(|point| !refused.contains(&point.workers.to_string()))
        .max_by(|one, other| one.orders_per_second.total_cmp(&other.orders_per_second));
    let mut summary = best.map_or(String::new(), |best| {
        format!(
            "most orders per second with {} workers ({:.0}/s, p99 {:.1} ms)",
            best.workers, best.orders_per_second, best.p99_ms
        )
    });
    if !refused.is_empty() {
        summary.push_str(&format!(
            "; with {} workers the server refused connections (max_connections): those runs sold to fewer buyers",
            refused.join(", ")
        ));
    }
    if broken.is_empty() || !sale.strategy.is_correct_on(engine) {
        Ok(Verdict::pass(summary))
    } else {
        Ok(Verdict::fail(format!(
            "invariants broken with {} workers: {summary}",
            broken.join(", ")
        )))
    }
}

fn check_db(params: &FlashSaleParams, context: &LabContext) -> anyhow::Result<Verdict> {
    let file = params.check_db.as_str();
    if file.starts_with("redis") {
        return check_redis_db(file, &params.orders_db, context);
    }
    if is_server_url(file) {
        return check_server_db(file, context);
    }
    let path = PathBuf::from(file);
    if !path.exists() {
        anyhow::bail!("--check-db {file}: no such file");
    }
    store::claim(&path, "--check-db").map_err(anyhow::Error::msg)?;
    let connection = store::open_read_only(&path)
        .map_err(|error| anyhow::anyhow!("--check-db {file}: cannot open it to read: {error}"))?;
    let audit = store::audit(&connection)
        .map_err(|error| anyhow::anyhow!("--check-db {file}: not a flash-sale store: {error}"))?;
    // A store with the unique index was a one-per-user sale.
    let one_per_user = connection
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'one_per_user'",
            [],
            |row| row.get::<_, i64>(0),
        )
        .is_ok_and(|count| count > 0);
    show_invariants(context, &audit, one_per_user, None);
    Ok(verdict(
        &audit,
        one_per_user,
        None,
        &format!(
            "{} orders, {} left of {}",
            audit.orders, audit.stock_left, audit.initial_stock
        ),
    ))
}

/// `--check-db mysql://...`: audits the lab's tables on a server, left by any run.
/// The opening of `--check-db` on a server: its URL read, and a store of the lab's found
/// there (`where_marked` says how the lab marks it). Gives the target and its URL as shown.
fn found_store<T>(
    url: &str,
    parse: impl Fn(&str) -> Result<T, String>,
    shown: impl Fn(&T) -> String,
    is_store: impl Fn(&T) -> store::StoreResult<bool>,
    where_marked: &str,
) -> anyhow::Result<(T, String)> {
    let target =
        parse(url).map_err(|error| anyhow::anyhow!(error.replacen("--db", "--check-db", 1)))?;
    let shown = shown(&target);
    let found =
        is_store(&target).map_err(|error| anyhow::anyhow!("--check-db {shown}: {error}"))?;
    if !found {
        anyhow::bail!("--check-db {shown}: no flash-sale store here ({where_marked})");
    }
    Ok((target, shown))
}

fn check_server_db(url: &str, context: &LabContext) -> anyhow::Result<Verdict> {
    let (target, shown) = found_store(
        url,
        MysqlTarget::from_url,
        MysqlTarget::shown,
        store::mysql::is_store,
        &format!(
            "the lab's tables carry the comment '{}'",
            store::mysql::MARK
        ),
    )?;
    let fail = |error: store::StoreError| anyhow::anyhow!("--check-db {shown}: {error}");
    let audit = store::mysql::audit(&target).map_err(fail)?;
    let one_per_user = store::mysql::has_one_per_user_index(&target).map_err(fail)?;
    show_invariants(context, &audit, one_per_user, None);
    Ok(verdict(
        &audit,
        one_per_user,
        None,
        &format!(
            "{} orders, {} left of {}",
            audit.orders, audit.stock_left, audit.initial_stock
        ),
    ))
}

/// The SQL side of a Redis sale that `--orders-db` names: a SQLite file of the lab's, or a
/// database on a MySQL server (`mysql://…`).
fn orders_store(orders: &std::path::Path) -> anyhow::Result<store::Store> {
    let text = orders.to_string_lossy();
    if text.starts_with("mysql://") {
        let target = MysqlTarget::from_url(&text)
            .map_err(|error| anyhow::anyhow!(error.replacen("--db", "--orders-db", 1)))?;
        return Ok(store::Store::Mysql(target));
    }
    if !orders.exists() {
        anyhow::bail!("--orders-db {}: no such file", orders.display());
    }
    store::claim(orders, "--orders-db").map_err(anyhow::Error::msg)?;
    Ok(store::Store::Sqlite {
        path: orders.to_path_buf(),
        synchronous: Synchronous::Normal,
    })
}

/// `--check-db redis://... --orders-db sale.db`: drains what is left in the stream into the
/// database (the stream is the source: a consumer killed halfway lost nothing), then audits
/// both sides.
fn check_redis_db(
    url: &str,
    orders: &std::path::Path,
    context: &LabContext,
) -> anyhow::Result<Verdict> {
    let (target, shown) = found_store(
        url,
        RedisTarget::from_url,
        |_| url.to_string(),
        store::redis::is_store,
        &format!("the lab's keys start with {}", store::redis::PREFIX),
    )?;
    let fail = |error: store::StoreError| anyhow::anyhow!("--check-db {shown}: {error}");
    let orders_store = orders_store(orders)?;
    let mut database = orders_store
        .connect()
        .map_err(|error| anyhow::anyhow!("--orders-db {}: {error}", orders.display()))?;
    let written = context.counter("orders written to the database");
    let drained =
        store::redis::consume(&target, database.as_mut(), &|| true, &written).map_err(fail)?;
    context.info(format!(
        "drained the stream: {drained} orders were not in the database yet"
    ));
    let audit = orders_store.audit()?;
    let redis_audit = store::redis::audit(&target, database.as_mut()).map_err(fail)?;
    show_invariants(context, &audit, false, Some(&redis_audit));
    Ok(verdict(
        &audit,
        false,
        Some(&redis_audit),
        &format!(
            "{} orders, {} left of {}, {drained} drained from the stream",
            audit.orders, audit.stock_left, audit.initial_stock
        ),
    ))
}

#[cfg(test)]
mod tests {
    use lab_core::{Params, read_params};

    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Result<FlashSaleParams, String> {
        let info = FlashSaleLab.info();
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let values =
            Params::from_pairs(info.id, &info.params, &pairs).map_err(|error| error.to_string())?;
        read_params(info.id, &info.params, &values)
    }

    #[test]
    fn slow_motion_stretches_the_round_trip_and_the_arrivals_and_nothing_else() {
        let real = params(&[("rtt", "0.5ms"), ("spread", "2s")]).unwrap();
        let slow = params(&[("rtt", "0.5ms"), ("spread", "2s"), ("pace", "4")]).unwrap();
        assert_eq!(real.sale.rtt, Duration::from_micros(500));
        assert_eq!(slow.sale.rtt, Duration::from_millis(2));
        assert_eq!(slow.sale.spread, Duration::from_secs(8));
        assert_eq!(
            (slow.sale.users, slow.sale.workers, slow.sale.stock),
            (real.sale.users, real.sale.workers, real.sale.stock)
        );
        assert!(slow_motion(real.pace).is_empty());
        assert!(slow_motion(slow.pace).contains("4× as long"));
    }

    #[test]
    fn a_pace_that_would_speed_up_or_is_not_a_number_is_refused() {
        for pace in ["0.5", "0", "-2", "NaN", "1e308", "fast"] {
            let Err(error) = params(&[("pace", pace)]) else {
                panic!("pace {pace} was accepted");
            };
            assert!(error.contains("pace"), "{pace}: {error}");
        }
    }
}
