//! `socket-echo`: one line-echo service, six ways to write its server, the same load on each.
//!
//! Every model speaks the same protocol (`line.rs`) and counts the same things (`tally.rs`);
//! they differ only in how one program waits for many clients. Read them side by side:
//!
//! | model      | file             | waits on                                   |
//! |------------|------------------|--------------------------------------------|
//! | `blocking` | `blocking.rs`    | one client at a time                       |
//! | `select`   | `select.rs`      | every socket at once, with poll(2)         |
//! | `epoll`    | `epoll.rs`       | the ready sockets only, with epoll (mio)   |
//! | `tokio`    | `tokio_tasks.rs` | a task per client on an async runtime      |
//! | `threads`  | `threads.rs`     | a thread per client                        |
//! | `fork`     | `fork.rs`        | a process per client                       |
//!
//! The blocking-call models share `connection.rs`; the event loops share `nonblocking.rs`.

pub mod checks;
pub mod client;
pub mod connection;
pub mod line;
pub mod nonblocking;
pub mod server;
pub mod tally;
pub mod timewait;

mod blocking;
mod epoll;
mod fork;
mod lab;
mod select;
mod threads;
mod tokio_tasks;

use lab_core::Registry;
use strum::VariantNames;

pub use lab::{EchoLab, EchoParams, Role};
use server::Service;

/// How the server waits for many clients: one file each.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    strum::EnumString,
    strum::VariantNames,
    strum::IntoStaticStr,
    strum::Display,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Model {
    Blocking,
    Select,
    Epoll,
    Tokio,
    Threads,
    Fork,
}

impl Model {
    /// Every model, in the order the comparison runs them.
    pub const ALL: [Model; 6] = [
        Model::Blocking,
        Model::Select,
        Model::Epoll,
        Model::Tokio,
        Model::Threads,
        Model::Fork,
    ];
}

/// Every model's name, in the order the comparison runs them.
pub const MODELS: &[&str] = Model::VARIANTS;

/// Adds this crate's lab and exercise checkers to the registry.
pub fn register(registry: &mut Registry) {
    registry.add(EchoLab);
    registry.add_checker(checks::EchoServerChecker);
    registry.add_checker(checks::TimeoutClientChecker);
    registry.add_checker(checks::MidLineChecker);
}

/// Runs `model` on `service` until its stop token is cancelled.
pub fn serve(model: Model, service: &Service) -> anyhow::Result<()> {
    match model {
        Model::Blocking => blocking::serve(service),
        Model::Select => select::serve(service),
        Model::Epoll => epoll::serve(service),
        Model::Tokio => tokio_tasks::serve(service),
        Model::Threads => threads::serve(service),
        Model::Fork => fork::serve(service),
    }
}

/// Raises the soft limit on open files to the hard limit, so thousands of connections fit (each
/// is a descriptor, two when the clients run in the same process). Returns the limit now, or
/// why it could not be raised.
pub fn raise_file_limit() -> Result<u64, String> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)
        .map_err(|error| format!("cannot read the open-file limit: {error}"))?;
    if soft >= hard {
        return Ok(soft);
    }
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).map_err(|error| {
        format!(
            "could not raise the open-file limit from {soft} to {hard} ({error}): more than about {soft} connections will fail"
        )
    })?;
    Ok(hard)
}
