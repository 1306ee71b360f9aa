//! The `flash-sale` lab: one strategy under a burst of buyers, or `--compare` for all four on
//! the same load; `--check-db` audits a store left by any run, a killed one too.

use std::path::PathBuf;
use std::time::Duration;

use lab_core::{Cell, Lab, LabContext, LabInfo, ParamKind, ParamSpec, Params, Verdict};

use crate::sale::{self, Arrival, Connections, Sale};
use crate::store::{self, Synchronous};
use crate::strategy::Strategy;

pub struct FlashSaleLab;

impl Lab for FlashSaleLab {
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
                        choices: &Strategy::NAMES,
                    },
                    default: "guarded",
                    help: "naive (read, wait, write: oversells), transaction (lock held across the round trip), guarded (one guarded UPDATE), queue (one writer, group commits)",
                },
                ParamSpec {
                    name: "compare",
                    kind: ParamKind::Bool,
                    default: "false",
                    help: "run every strategy on the same load, one after the other, and tabulate them",
                },
                ParamSpec {
                    name: "users",
                    kind: ParamKind::Integer {
                        min: 1,
                        max: 1_000_000,
                    },
                    default: "10000",
                    help: "buyers",
                },
                ParamSpec {
                    name: "workers",
                    kind: ParamKind::Integer { min: 1, max: 512 },
                    default: "16",
                    help: "threads serving the buyers, each with its own connection",
                },
                ParamSpec {
                    name: "stock",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 10_000_000,
                    },
                    default: "300",
                    help: "items of each product",
                },
                ParamSpec {
                    name: "products",
                    kind: ParamKind::Integer {
                        min: 1,
                        max: 10_000,
                    },
                    default: "1",
                    help: "products: the hot item and the ordinary ones (a fifth of the buyers want those)",
                },
                ParamSpec {
                    name: "rtt",
                    kind: ParamKind::Float {
                        min: 0.0,
                        max: 1000.0,
                    },
                    default: "0.5",
                    help: "milliseconds of client-to-database round trip, paid where a real client would wait",
                },
                ParamSpec {
                    name: "arrival",
                    kind: ParamKind::Choice {
                        choices: &["burst", "ramp", "steady"],
                    },
                    default: "burst",
                    help: "burst: everyone at once; ramp: faster and faster; steady: evenly, over --spread",
                },
                ParamSpec {
                    name: "spread",
                    kind: ParamKind::Float {
                        min: 0.0,
                        max: 3600.0,
                    },
                    default: "5",
                    help: "seconds a ramp or steady arrival takes",
                },
                ParamSpec {
                    name: "bots",
                    kind: ParamKind::Integer { min: 0, max: 100 },
                    default: "10",
                    help: "percent of buyers that are bots: sold out, they try again at once, five times",
                },
                ParamSpec {
                    name: "conn",
                    kind: ParamKind::Choice {
                        choices: &["pool", "per-request"],
                    },
                    default: "pool",
                    help: "pool: a connection per worker; per-request: a new connection for every purchase",
                },
                ParamSpec {
                    name: "synchronous",
                    kind: ParamKind::Choice {
                        choices: &["normal", "full"],
                    },
                    default: "normal",
                    help: "normal: a commit survives a crash of the program; full: an fsync per commit",
                },
                ParamSpec {
                    name: "db",
                    kind: ParamKind::Text,
                    default: "",
                    help: "the SQLite file (default: a fresh temporary one); it is emptied first",
                },
                ParamSpec {
                    name: "check-db",
                    kind: ParamKind::Text,
                    default: "",
                    help: "only audit this store (left by a run, a killed one too) and report the invariants",
                },
            ],
        }
    }

    fn run(&self, params: &Params, context: &LabContext) -> anyhow::Result<Verdict> {
        let audited = params.text("check-db");
        if !audited.is_empty() {
            return check_db(audited, context);
        }
        let scratch = tempfile::Builder::new()
            .prefix("workbench-flash-sale-")
            .tempdir()?;
        let database = match params.text("db") {
            "" => scratch.path().join("sale.db"),
            file => PathBuf::from(file),
        };
        let sale = Sale {
            database,
            strategy: Strategy::parse(params.text("strategy")).unwrap_or(Strategy::Guarded),
            users: params.integer("users") as u64,
            workers: params.integer("workers") as usize,
            stock: params.integer("stock") as u32,
            products: params.integer("products") as u32,
            rtt: Duration::from_secs_f64(params.float("rtt") / 1000.0),
            arrival: match params.text("arrival") {
                "ramp" => Arrival::Ramp,
                "steady" => Arrival::Steady,
                _ => Arrival::Burst,
            },
            spread: Duration::from_secs_f64(params.float("spread")),
            bots: params.integer("bots") as u64,
            connections: if params.text("conn") == "per-request" {
                Connections::PerRequest
            } else {
                Connections::Pool
            },
            synchronous: if params.text("synchronous") == "full" {
                Synchronous::Full
            } else {
                Synchronous::Normal
            },
        };
        context.chart(&["offered", "orders", "sold out", "busy retries"]);
        if params.flag("compare") {
            return compare(&sale, context);
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
        let outcome = sale::run(&sale, context)?;
        show_invariants(context, &outcome.audit);
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
        Ok(verdict(&outcome.audit, &summary))
    }
}

fn verdict(audit: &store::Audit, summary: &str) -> Verdict {
    if audit.holds(false) {
        Verdict::pass(format!("invariants hold: {summary}"))
    } else {
        Verdict::fail(format!(
            "invariants broken, {} oversold: {summary}",
            audit.oversold
        ))
    }
}

fn show_invariants(context: &LabContext, audit: &store::Audit) {
    let rows = audit
        .invariants(false)
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
fn compare(sale: &Sale, context: &LabContext) -> anyhow::Result<Verdict> {
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
        let held = outcome.audit.holds(false);
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
    let connection = store::open(&path, Synchronous::Normal)?;
    let audit = store::audit(&connection)
        .map_err(|error| anyhow::anyhow!("--check-db {file}: not a flash-sale store: {error}"))?;
    show_invariants(context, &audit);
    Ok(verdict(
        &audit,
        &format!(
            "{} orders, {} left of {}",
            audit.orders, audit.stock_left, audit.initial_stock
        ),
    ))
}
