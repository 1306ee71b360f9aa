//! The `flash-sale` lab: one strategy under a burst of buyers, or `--compare` for all four on
//! the same load; `--check-db` audits a store left by any run, a killed one too.

use std::path::PathBuf;
use std::time::Duration;

use lab_core::{
    Cell, FromParams, Lab, LabContext, LabInfo, ParamKind, ParamReader, ParamSpec, Verdict,
};
use strum::VariantNames;

use crate::sale::{self, Arrival, Connections, Sale};
use crate::store::{self, Synchronous};
use crate::strategy::Strategy;

pub struct FlashSaleLab;

/// `flash-sale`'s parameters, typed. Empty texts are flags not given (`--serve`, ...); the
/// sale's `database` is empty when `--db` was not given (the run makes a scratch one).
pub struct FlashSaleParams {
    pub sale: Sale,
    pub compare: bool,
    pub plot: String,
    pub serve: String,
    pub check_db: String,
}

impl FromParams for FlashSaleParams {
    fn from_params(reader: &mut ParamReader<'_>) -> FlashSaleParams {
        let filters: Vec<String> = reader.get("filters");
        FlashSaleParams {
            sale: Sale {
                lottery_seed: 0,
                database: reader.get("db"),
                strategy: reader.choice("strategy"),
                users: reader.get("users"),
                workers: reader.get("workers"),
                stock: reader.get("stock"),
                products: reader.get("products"),
                rtt: Duration::from_secs_f64(reader.get::<f64>("rtt") / 1000.0),
                arrival: reader.choice("arrival"),
                spread: reader.get("spread"),
                bots: reader.get("bots"),
                connections: reader.choice("conn"),
                synchronous: reader.choice("synchronous"),
                filters: filters
                    .into_iter()
                    .filter(|filter| !filter.trim().is_empty())
                    .collect(),
            },
            compare: reader.get("compare"),
            plot: reader.get("plot"),
            serve: reader.get("serve"),
            check_db: reader.get("check-db"),
        }
    }
}

impl Lab for FlashSaleLab {
    type Params = FlashSaleParams;

    fn info(&self) -> LabInfo {
        LabInfo {
            id: "flash-sale",
            topic: "flash-sale",
            title: "A flash sale on SQLite",
            summary: "Thousands of buyers on a few hundred items: watch the naive purchase oversell, the long transaction stall everyone, and the guarded update and the queue hold, with the invariants checked after every sale.",
            lesson: "flash-sale",
            params: vec![
                ParamSpec {
                    name: "strategy",
                    kind: ParamKind::Choice {
                        choices: Strategy::VARIANTS,
                    },
                    default: "guarded",
                    help: "naive (read, wait, write: oversells), transaction (lock held across the round trip), guarded (one guarded UPDATE), queue (one writer, group commits)",
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
                    kind: ParamKind::Float {
                        min: 0.0,
                        max: 1000.0,
                    },
                    default: "0.5",
                    help: "milliseconds of client-to-database round trip, paid where a real client would wait",
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
                    kind: ParamKind::Float {
                        min: 0.0,
                        max: 3600.0,
                    },
                    default: "5",
                    help: "seconds a ramp or steady arrival takes",
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
                    help: "the SQLite file (default: a fresh temporary one); it is emptied first",
                    roles: &[],
                },
                ParamSpec {
                    name: "check-db",
                    kind: ParamKind::Path,
                    default: "",
                    help: "only audit this store (left by a run, a killed one too) and report the invariants",
                    roles: &[],
                },
            ],
        }
    }

    fn validate(&self, params: &FlashSaleParams) -> Result<(), String> {
        if !params.plot.is_empty() && !params.compare {
            return Err("--plot draws the comparison: add --compare".to_string());
        }
        let database = params.sale.database.as_path();
        let audited = std::path::Path::new(&params.check_db);
        for (file, flag) in [(database, "db"), (audited, "check-db")] {
            if !file.as_os_str().is_empty() {
                crate::store::claim(file, &format!("--{flag}"))?;
            }
        }
        crate::filters::parse_all(&params.sale.filters, params.sale.products)
            .map(|_| ())
            .map_err(|error| format!("--filters: {error}"))
    }

    fn run(&self, params: &FlashSaleParams, context: &LabContext) -> anyhow::Result<Verdict> {
        if !params.check_db.is_empty() {
            return check_db(&params.check_db, context);
        }
        let scratch = tempfile::Builder::new()
            .prefix("workbench-flash-sale-")
            .tempdir()?;
        let mut sale = params.sale.clone();
        if sale.database.as_os_str().is_empty() {
            sale.database = scratch.path().join("sale.db");
        }
        let funnel = sale::Funnel::new(context, &[]);
        context.chart(&[
            &funnel.offered,
            &funnel.orders,
            &funnel.sold_out,
            &funnel.busy_retries,
        ]);
        if params.compare {
            return compare(&sale, &params.plot, context);
        }
        if !params.serve.is_empty() {
            return serve_sale(&sale, &params.serve, context);
        }
        context.info(format!(
            "{} buyers, {} workers, {} × {} items, strategy {}",
            sale.users,
            sale.workers,
            sale.products,
            sale.stock,
            sale.strategy.name()
        ));
        sale::prepare(&sale)?;
        show_funnel(context, &sale);
        let outcome = sale::run(&sale, context)?;
        show_invariants(context, &outcome.audit, sale.one_per_user());
        let summary = format!(
            "{} orders in {:.2} s ({:.0}/s), p99 {:.1} ms, {} sold out answers, {} busy retries",
            outcome.orders,
            outcome.seconds,
            outcome.orders as f64 / outcome.seconds.max(1e-9),
            outcome.p99_ms,
            outcome.sold_out,
            outcome.busy_retries
        );
        if context.is_cancelled() {
            return Ok(Verdict::fail(format!("stopped: {summary}")));
        }
        Ok(verdict(&outcome.audit, sale.one_per_user(), &summary))
    }
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
    let audit = store::audit(&store::open(&sale.database, sale.synchronous)?)?;
    show_invariants(context, &audit, sale.one_per_user());
    let summary = format!(
        "served {} orders, {} left of {}",
        audit.orders, audit.stock_left, audit.initial_stock
    );
    Ok(verdict(&audit, sale.one_per_user(), &summary))
}

fn verdict(audit: &store::Audit, one_per_user: bool, summary: &str) -> Verdict {
    if audit.holds(one_per_user) {
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

fn show_invariants(context: &LabContext, audit: &store::Audit, one_per_user: bool) {
    let rows = audit
        .invariants(one_per_user)
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
fn compare(sale: &Sale, plot: &str, context: &LabContext) -> anyhow::Result<Verdict> {
    let mut bars = Vec::new();
    context.set_table(
        "strategies",
        &[
            "strategy",
            "orders",
            "orders/s",
            "p99 ms",
            "oversold",
            "busy retries",
            "invariants",
        ],
        Vec::new(),
    );
    let mut broken = Vec::new();
    for strategy in Strategy::ALL {
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
        if !held && strategy != Strategy::Naive {
            broken.push(strategy.name());
        }
        context.add_table_row(
            "strategies",
            vec![
                Cell::from(strategy.name()),
                Cell::Number(outcome.orders as f64),
                Cell::Number((outcome.orders as f64 / outcome.seconds.max(1e-9)).round()),
                Cell::Number((outcome.p99_ms * 10.0).round() / 10.0),
                Cell::Number(outcome.audit.oversold as f64),
                Cell::Number(outcome.busy_retries as f64),
                Cell::from(if held { "hold" } else { "BROKEN" }),
            ],
        );
        context.info(format!(
            "{}: {} orders, {} oversold, p99 {:.1} ms, {} busy retries",
            strategy.name(),
            outcome.orders,
            outcome.audit.oversold,
            outcome.p99_ms,
            outcome.busy_retries
        ));
    }
    context.bars("strategies", "orders/s");
    if !plot.is_empty() {
        crate::plot::write(std::path::Path::new(plot), &bars)?;
        context.info(format!("the chart is in {plot}"));
    }
    if broken.is_empty() {
        Ok(Verdict::pass(
            "every strategy but naive kept the invariants: see the table",
        ))
    } else {
        Ok(Verdict::fail(format!(
            "invariants broken by {}",
            broken.join(", ")
        )))
    }
}

fn check_db(file: &str, context: &LabContext) -> anyhow::Result<Verdict> {
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
    show_invariants(context, &audit, one_per_user);
    Ok(verdict(
        &audit,
        one_per_user,
        &format!(
            "{} orders, {} left of {}",
            audit.orders, audit.stock_left, audit.initial_stock
        ),
    ))
}
