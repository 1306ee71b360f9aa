//! The lab contract that every workbench lab implements.
//!
//! A lab is real work on real sockets, files and databases, described by a [`LabInfo`] (what it
//! is and which knobs it has) and started with [`Lab::run`]. It reports only through its
//! [`LabContext`]: counters, gauges, latency histograms, tables and an event log. It never draws
//! and never knows whether a terminal, a browser or a script is watching; [`LabRun`] samples the
//! context into [`Snapshot`]s and hands them to whoever listens.

pub mod confine;
mod context;
pub mod exercise;
pub mod http_guard;
pub mod jsonl;
mod params;
pub mod processes;
mod run;
mod sampler;
pub mod seconds;
mod snapshot;
pub mod text;

use std::sync::Arc;

use serde::Serialize;

pub use confine::WebLimits;
pub use exercise::Checker;

pub use context::{
    CancelToken, Cell, Counter, Gauge, Hints, Histogram, LabContext, Level, LogEvent, Recorder,
};
pub use params::{ParamError, ParamKind, ParamSpec, Params, Value};
pub use run::{LabRun, RunOptions, Subscription};
pub use sampler::Sampler;
pub use snapshot::{
    GraphNode, GraphView, LabEvent, Percentiles, Report, Snapshot, TableView, Verdict,
};

/// What a lab is, for the lab list, `--help` and the forms.
#[derive(Clone, Debug, Serialize)]
pub struct LabInfo {
    /// The id used on the command line: `workbench lab <id>`.
    pub id: &'static str,
    /// The topic id, which is also the lesson's id: `archives`, `sockets`, `messaging`, ...
    pub topic: &'static str,
    pub title: &'static str,
    /// One line saying what the student will see.
    pub summary: &'static str,
    /// The lesson to read beside it.
    pub lesson: &'static str,
    pub params: Vec<ParamSpec>,
}

/// A lab: real work, reported through the context.
pub trait Lab: Send + Sync + 'static {
    fn info(&self) -> LabInfo;

    /// Checks parameter combinations the schema alone cannot (endpoints, files, ...). The
    /// error is shown to the user as one line before anything starts.
    fn validate(&self, _params: &Params) -> Result<(), String> {
        Ok(())
    }

    /// Parses flags as typed (`("rate", "1000")`) and runs the lab's own checks; the error is
    /// one line for the user.
    fn parse_params(&self, pairs: &[(String, String)]) -> Result<Params, String> {
        let info = self.info();
        let params =
            Params::from_pairs(info.id, &info.params, pairs).map_err(|error| error.to_string())?;
        self.validate(&params)?;
        Ok(params)
    }

    /// Does the lab's work until it is done or `context` is cancelled. Blocking.
    fn run(&self, params: &Params, context: &LabContext) -> anyhow::Result<Verdict>;
}

/// Every lab the workbench knows, in the order they are listed.
#[derive(Clone, Default)]
pub struct Registry {
    labs: Vec<Arc<dyn Lab>>,
    checkers: Vec<Arc<dyn Checker>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    pub fn add(&mut self, lab: impl Lab) {
        self.labs.push(Arc::new(lab));
    }

    pub fn labs(&self) -> &[Arc<dyn Lab>] {
        &self.labs
    }

    pub fn find(&self, id: &str) -> Option<Arc<dyn Lab>> {
        self.labs.iter().find(|lab| lab.info().id == id).cloned()
    }

    /// The ids, for "valid choices" messages.
    pub fn ids(&self) -> Vec<&'static str> {
        self.labs.iter().map(|lab| lab.info().id).collect()
    }

    /// Adds an exercise checker, found by the id exercise files name.
    pub fn add_checker(&mut self, checker: impl Checker) {
        self.checkers.push(Arc::new(checker));
    }

    pub fn find_checker(&self, id: &str) -> Option<Arc<dyn Checker>> {
        self.checkers
            .iter()
            .find(|checker| checker.id() == id)
            .cloned()
    }

    pub fn checker_ids(&self) -> Vec<&'static str> {
        self.checkers.iter().map(|checker| checker.id()).collect()
    }
}
