//! Checkers for the flash-sale exercises.
//!
//! | checker             | the student writes                 | the checker                                  |
//! |---------------------|------------------------------------|----------------------------------------------|
//! | `flashsale-sql`     | the SQL of one purchase (SQLite, or MySQL for `flashsale-sql-mysql`) | runs it for 2,000 buyers at once, a round trip per statement, every tenth buyer dying mid-purchase, and audits the store |
//! | `flashsale-filters` | the filters in front of a naive shop | runs the sale through them: no oversell, p99 under the target, the stock still sold |
//! | `flashsale-polite-client` | an HTTP buyer in PHP or Python | is a busy shop: 429 with Retry-After, 429, 409; watches the waits |
//! | `flashsale-php-pdo` | the shop's purchase in PHP with PDO on MariaDB | rushes it, audits the store, the answers and the payments, and watches the row locks |

mod filters;
mod http;
mod pdo;
mod polite_client;
mod sql;
mod sql_engines;

pub use filters::FiltersChecker;
pub use pdo::PdoChecker;
pub use polite_client::PoliteClientChecker;
pub use sql::SqlChecker;

use lab_core::exercise::Check;

use crate::store::Audit;

/// One check per invariant of the store (the ledger's when the exercise writes one).
fn invariant_checks(audit: &Audit, one_per_user: bool, ledger: bool) -> Vec<Check> {
    audit
        .invariants_of(one_per_user, ledger)
        .into_iter()
        .map(|(name, held, found)| {
            if held {
                Check::pass(name, found)
            } else {
                Check::fail(name, "it holds", found)
            }
        })
        .collect()
}

/// A whole-number setting of the exercise.
fn number(
    setup: &lab_core::exercise::CheckSetup,
    name: &str,
    default: &str,
) -> anyhow::Result<u64> {
    let text = setup.setting(name, default);
    text.parse().map_err(|_| {
        anyhow::anyhow!(
            "the exercise's setting {name} = \"{text}\" is not a number (a bug in the exercise)"
        )
    })
}
