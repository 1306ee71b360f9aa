//! `flashsale-filters`: the student chooses the admission filters (`filters.txt`, as
//! `--filters` takes them) in front of a shop whose purchase is the naive one, which oversells
//! whenever two buyers race for the last items. The checker runs the sale (20,000 buyers, 100
//! items, 16 workers, a round trip of a millisecond) through them and wants: nothing oversold,
//! p99 of every answer under the target, and still at least 90 of the 100 items sold.

use std::path::PathBuf;
use std::time::Duration;

use lab_core::LabContext;
use lab_core::exercise::{Check, CheckSetup, Checker};

use super::{invariant_checks, number};
use crate::sale::{self, Arrival, Connections, Sale};
use crate::store::Synchronous;
use crate::strategy::Strategy;

pub struct FiltersChecker;

impl Checker for FiltersChecker {
    fn id(&self) -> &'static str {
        "flashsale-filters"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &[]
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let file = PathBuf::from(setup.setting("filters", "filters.txt"));
        let target_ms = number(setup, "p99_ms", "500")? as f64;
        let stock = number(setup, "stock", "100")?;
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(error) => {
                return Ok(vec![Check::fail(
                    format!("{} is there", file.display()),
                    "a file with the filters, as --filters takes them",
                    error.to_string(),
                )]);
            }
        };
        let filters: Vec<String> = text
            .lines()
            .map(|line| line.split('#').next().unwrap_or("").trim())
            .flat_map(|line| line.split(','))
            .map(str::trim)
            .filter(|filter| !filter.is_empty())
            .map(str::to_string)
            .collect();
        if let Err(problem) = crate::filters::parse_all(&filters, 1) {
            return Ok(vec![Check::fail(
                "the filters read",
                "filters --filters accepts",
                problem,
            )]);
        }
        let mut checks = vec![Check::pass("the filters read", filters.join(","))];
        let scratch = tempfile::tempdir()?;
        let sale = Sale {
            database: scratch.path().join("sale.db"),
            strategy: Strategy::Naive,
            users: number(setup, "users", "20000")?,
            workers: 16,
            stock: stock as u32,
            products: 1,
            rtt: Duration::from_millis(number(setup, "rtt_ms", "1")?),
            arrival: Arrival::Burst,
            spread: Duration::ZERO,
            bots: 10,
            connections: Connections::Pool,
            synchronous: Synchronous::Normal,
            filters,
        };
        sale::prepare(&sale)?;
        let outcome = sale::run(&sale, &LabContext::new())?;
        checks.extend(invariant_checks(&outcome.audit, false));
        checks.push(if outcome.p99_ms < target_ms {
            Check::pass(
                format!("p99 of every answer under {target_ms} ms"),
                format!("{:.1} ms", outcome.p99_ms),
            )
        } else {
            Check::fail(
                format!("p99 of every answer under {target_ms} ms"),
                format!("under {target_ms} ms"),
                format!("{:.1} ms", outcome.p99_ms),
            )
            .because("most buyers should be answered before they reach the database")
        });
        let enough = stock * 9 / 10;
        checks.push(if outcome.orders >= enough {
            Check::pass(
                "the sale still sells",
                format!("{} of {stock} items sold", outcome.orders),
            )
        } else {
            Check::fail(
                "the sale still sells",
                format!("at least {enough} of {stock} items sold"),
                format!("{} sold", outcome.orders),
            )
            .because("a filter that turns everyone away is safe and useless")
        });
        Ok(checks)
    }
}
