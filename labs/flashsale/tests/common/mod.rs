//! What the flash-sale tests share: running a sale, and skipping loudly where a server the
//! test needs is not installed (never under CI).
#![allow(dead_code)]

use lab_core::LabContext;
use lab_flashsale::sale::{self, Outcome, Sale};

/// Prepares the store and runs the sale.
pub fn run(sale: &Sale) -> Outcome {
    sale::prepare(sale).unwrap();
    sale::run(sale, &LabContext::new()).unwrap()
}

/// Whether `kind` can be started here; says loudly that its tests were skipped when not, and
/// fails under CI, which installs it.
pub fn installed(kind: lab_servers::Kind) -> bool {
    let present = match kind {
        lab_servers::Kind::MariaDb => lab_servers::mariadb_installed(),
        lab_servers::Kind::Redis => lab_servers::redis_installed(),
    };
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing but CI must have it ({}; .ci/run does)",
            kind.name(),
            kind.install_hint()
        );
        eprintln!(
            "\n*** SKIPPED: {} is not installed, so its engine was NOT tested. ***\n",
            kind.name()
        );
    }
    present
}
