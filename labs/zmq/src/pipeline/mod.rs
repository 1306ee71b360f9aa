//! `zmq-pipeline`: divide and conquer with PUSH and PULL, and a PUB to say when it is over.
//!
//! ```text
//!                         ┌──▶ worker-1 ──┐
//!   ventilator (PUSH) ────┼──▶ worker-2 ──┼──▶ (PULL) sink (PUB) ──▶ "KILL" to every worker
//!     │ bind :5557        └──▶ worker-3 ──┘        bind :5558   bind :5559
//!     └───────── "batch tasks=100" ──────────────────▶
//! ```
//!
//! The ventilator deals tasks out round robin, each to one worker; the workers push their
//! results to the sink, which takes them from all workers in turn and times the batch. When the
//! batch is done the sink publishes KILL and the workers stop. Every role runs on its own, so a
//! PHP or Python program can be any of them:
//!
//! ```text
//!   workbench lab zmq-pipeline --role sink                 (binds :5558 and :5559)
//!   workbench lab zmq-pipeline --role worker --workers 2   (connects to :5557, :5558, :5559)
//!   workbench lab zmq-pipeline --role ventilator --tasks 100 --wait-workers 2
//!   workbench lab zmq-pipeline                             (both: 1, 2, 4 workers, one batch each)
//! ```
//!
//! With `--role both` the lab runs the same batch with 1, 2, 4 … workers and tabulates the
//! batch time and the speed-up; the dashboard's bars show how evenly the last batch was shared.

mod lab;
mod message;
mod sink;
mod ventilator;
mod worker;

pub use lab::{PipelineLab, PipelineParams, Role};
pub(crate) use lab::{Totals, worker_tasks};
pub use message::{KILL, Task};
pub use sink::{BatchReport, Sink};
pub use ventilator::{BatchPlan, Ventilator, announce};
pub use worker::{WorkerEnd, WorkerEndpoints, work};
