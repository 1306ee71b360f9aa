//! `flash-sale`: thousands of buyers on a few hundred items, on SQLite, MySQL or Redis.
//!
//! | file          | what it does                                                        |
//! |---------------|---------------------------------------------------------------------|
//! | `store/`      | the tables, and the invariants that say whether a sale went right:  |
//! |               | `sqlite.rs`, `mysql.rs` (InnoDB, lock figures), `redis.rs` (the Lua |
//! |               | purchase, the stream and its consumer)                              |
//! | `strategy.rs` | five ways to buy: naive, transaction, for-update, guarded, queue    |
//! | `filters.rs`  | admission filters in front of the database: the funnel              |
//! | `sale.rs`     | the buyers: workers, arrivals (burst, ramp, steady), bots that retry |
//! | `serve.rs`    | the same shop behind HTTP: POST /buy, GET /stats                     |
//! | `lab.rs`      | the lab: one strategy, or all of them on the same load (`--compare`) |

pub mod checks;
pub mod filters;
pub mod lab;
pub mod plot;
pub mod sale;
pub mod serve;
pub mod store;
pub mod strategy;

/// Adds this crate's lab and exercise checkers to the registry.
pub fn register(registry: &mut lab_core::Registry) {
    registry.add(lab::FlashSaleLab);
    registry.add_checker(checks::SqlChecker);
    registry.add_checker(checks::FiltersChecker);
    registry.add_checker(checks::PoliteClientChecker);
    registry.add_checker(checks::PdoChecker);
}
