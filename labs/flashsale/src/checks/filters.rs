//! `flashsale-filters`: the student chooses the admission filters (`filters.txt`, as
//! `--filters` takes them) in front of a shop whose purchase is the naive one, which oversells
//! whenever two buyers race for the last items. The checker runs the sale (20,000 buyers, 100
//! items, 16 workers, a round trip of a millisecond) through them and wants: nothing oversold,
//! p99 of every answer under the target, and still at least 90 of the 100 items sold.

use std::time::Duration;

use lab_core::LabContext;
use lab_core::exercise::{Check, CheckSetup, Checker, Rng, TaskFile};

use super::{invariant_checks, number};
use crate::sale::{self, Sale};
use crate::strategy::Strategy;

pub struct FiltersChecker;

/// The student's filters: `filters = "filters.txt"` in the exercise's settings.
const FILTERS_FILE: TaskFile = TaskFile {
    setting: "filters",
    default: "filters.txt",
};

impl Checker for FiltersChecker {
    fn id(&self) -> &'static str {
        "flashsale-filters"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &[]
    }

    fn task_file(&self) -> Option<TaskFile> {
        Some(FILTERS_FILE)
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let target_ms = number(setup, "p99_ms", "500")? as f64;
        let stock = number(setup, "stock", "100")?;
        let text = match setup.read_task_file(FILTERS_FILE, "the filters, as --filters takes them")
        {
            Ok(read) => read,
            Err(missing) => return Ok(vec![*missing]),
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
        let mut rng = setup.probes("flashsale-filters");
        let users: u64 = rng.random_range(15_000..=25_000);
        let workers = 16usize;
        // A puzzle every buyer must solve costs every buyer its time: known before running.
        let puzzle: Duration = crate::filters::parse_all(&filters, 1)
            .unwrap_or_default()
            .iter()
            .map(crate::filters::Filter::cost_per_buyer)
            .sum();
        let target = Duration::from_secs_f64(target_ms / 1000.0);
        if puzzle >= target {
            let humans = users * 9 / 10;
            let lasting = puzzle.as_secs_f64() * humans as f64 / workers as f64;
            checks.push(
                Check::fail(
                    format!("p99 of every answer under {target_ms} ms"),
                    format!("under {target_ms} ms"),
                    format!(
                        "at least {} ms: every buyer spends that on the captcha",
                        puzzle.as_millis()
                    ),
                )
                .because(format!(
                    "captcha:{} makes each of about {humans} human buyers wait {:.1} s, on {workers} workers: the sale would last {lasting:.0} s and no answer comes under {target_ms} ms. A captcha of a few milliseconds stops the bots; put a filter that answers at once (threshold, sold-out) in front of it",
                    puzzle.as_millis(),
                    puzzle.as_secs_f64()
                )),
            );
            return Ok(checks);
        }
        // A lottery is judged on three crowds: one lucky draw proves nothing.
        let lottery = filters
            .iter()
            .any(|filter| filter.trim_start().starts_with("random"));
        let crowds = if lottery { 3 } else { 1 };
        let scratch = tempfile::tempdir()?;
        let mut worst: Option<(u64, crate::sale::Outcome)> = None;
        for crowd in 0..crowds {
            if setup.out_of_time() {
                break;
            }
            let lottery_seed: u64 = rng.random();
            let sale = Sale {
                users,
                workers,
                stock: stock as u32,
                products: 1,
                rtt: Duration::from_millis(number(setup, "rtt_ms", "1")?),
                filters: filters.clone(),
                lottery_seed,
                ..Sale::on_file(
                    scratch.path().join(format!("sale-{crowd}.db")),
                    Strategy::Naive,
                )
            };
            sale::prepare(&sale)?;
            let outcome = sale::run(&sale, &LabContext::new())?;
            setup.note(format!(
                "crowd {} of {crowds} ({users} buyers, lottery seed {lottery_seed}): {} orders for {stock} items, p99 {:.1} ms",
                crowd + 1,
                outcome.orders,
                outcome.p99_ms
            ));
            // The crowd that went worst is the one graded: oversold first, then slow, then unsold.
            let badness = |outcome: &crate::sale::Outcome| {
                (
                    !outcome.audit.holds(false),
                    outcome.p99_ms >= target_ms,
                    outcome.orders < stock * 9 / 10,
                )
            };
            if worst
                .as_ref()
                .is_none_or(|(_, seen)| badness(&outcome) > badness(seen))
            {
                worst = Some((lottery_seed, outcome));
            }
        }
        let Some((lottery_seed, outcome)) = worst else {
            return Ok(checks);
        };
        let which = if crowds > 1 {
            format!(" (the worst of {crowds} crowds: lottery seed {lottery_seed})")
        } else {
            String::new()
        };
        checks.extend(
            invariant_checks(&outcome.audit, false, true)
                .into_iter()
                .map(|check| {
                    if check.passed {
                        check
                    } else {
                        let cause = if lottery {
                            format!("a lottery lets a share of {users} buyers through, and how many that is changes with every crowd{which}: more than {stock} reach the naive shop and race for the last items. Cap the number admitted (threshold:{stock}) instead of its share")
                        } else {
                            format!("more buyers than items reached the naive shop{which}, and they raced for the last items: let at most {stock} through (threshold:{stock}). Refusing buyers once it is sold out comes too late: the race is before")
                        };
                        check.because(cause)
                    }
                }),
        );
        checks.push(if outcome.p99_ms < target_ms {
            Check::pass(
                format!("p99 of every answer under {target_ms} ms"),
                format!("{:.1} ms{which}", outcome.p99_ms),
            )
        } else {
            Check::fail(
                format!("p99 of every answer under {target_ms} ms"),
                format!("under {target_ms} ms"),
                format!("{:.1} ms{which}", outcome.p99_ms),
            )
            .because("too many buyers reach the database, each a round trip or more: answer most of them in the filters, before the shop")
        });
        let enough = stock * 9 / 10;
        checks.push(if outcome.orders >= enough {
            Check::pass(
                "the sale still sells",
                format!("{} of {stock} items sold{which}", outcome.orders),
            )
        } else {
            Check::fail(
                "the sale still sells",
                format!("at least {enough} of {stock} items sold"),
                format!("{} sold{which}", outcome.orders),
            )
            .because("a filter that turns everyone away is safe and useless: let enough buyers through to sell the stock")
        });
        Ok(checks)
    }
}
