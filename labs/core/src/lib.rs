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
mod expect;
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
pub use expect::{Comparison, Expectation, id_of};

pub use context::{
    CancelToken, Cell, Counter, Gauge, Hints, Histogram, Instrument, LabContext, Level, LogEvent,
    Recorder, lock,
};
pub use params::{
    Choice, FromParams, ParamError, ParamKind, ParamReader, ParamSpec, ParamValue, Params, Value,
    read_params,
};
pub use run::{LabRun, RunOptions, Subscription};
pub use sampler::Sampler;
pub use snapshot::{
    GraphNode, GraphView, LabEvent, Percentiles, Report, Snapshot, TableView, Verdict,
};

/// What a lab is, for the lab list, `--help` and the forms.
#[derive(Clone, Debug, Serialize)]
#[serde(into = "LabInfoJson")]
pub struct LabInfo {
    /// The id used on the command line: `workbench lab <id>`.
    pub id: &'static str,
    /// The topic id, which is also the id of the lesson to read beside the lab: `archives`,
    /// `sockets`, `messaging`, ...
    pub topic: &'static str,
    pub title: &'static str,
    /// One line saying what the student will see.
    pub summary: &'static str,
    pub params: Vec<ParamSpec>,
}

/// A lab's info as the lab list's JSON gives it: its `lesson` (the topic's) named as well,
/// as the machine contract always has.
#[derive(Serialize)]
struct LabInfoJson {
    id: &'static str,
    topic: &'static str,
    title: &'static str,
    summary: &'static str,
    lesson: &'static str,
    params: Vec<ParamSpec>,
}

impl From<LabInfo> for LabInfoJson {
    fn from(info: LabInfo) -> LabInfoJson {
        LabInfoJson {
            id: info.id,
            topic: info.topic,
            title: info.title,
            summary: info.summary,
            lesson: info.topic,
            params: info.params,
        }
    }
}

/// A lab: real work, reported through the context.
///
/// Its parameters come as one typed struct ([`FromParams`]), built once from the values the
/// schema in [`LabInfo::params`] accepted; the schema still drives the command line, the
/// terminal form and the web form.
pub trait Lab: Send + Sync + 'static {
    /// The lab's parameters, typed: numbers, paths, and roles and choices as enums.
    type Params: FromParams;

    fn info(&self) -> LabInfo;

    /// Checks parameter combinations the schema alone cannot (endpoints, files, ...). The
    /// error is shown to the user as one line before anything starts.
    fn validate(&self, _params: &Self::Params) -> Result<(), String> {
        Ok(())
    }

    /// Checks that this machine can run the lab with `params`: a server program installed, a
    /// file or folder that must exist. Kept apart from [`Lab::validate`] so that a lesson's link
    /// is judged by its settings alone, and reads the same on a laptop without MariaDB.
    fn preflight(&self, _params: &Self::Params) -> Result<(), String> {
        Ok(())
    }

    /// Does the lab's work until it is done or `context` is cancelled. Blocking.
    fn run(&self, params: &Self::Params, context: &LabContext) -> anyhow::Result<Verdict>;
}

/// Any lab, its parameters as schema values: what the registry, the runner and the front ends
/// hold. Every [`Lab`] is one.
pub trait AnyLab: Send + Sync + 'static {
    fn info(&self) -> LabInfo;

    /// Parses flags as typed (`("rate", "1000")`) and runs the lab's own checks; the error is
    /// one line for the user.
    fn parse_params(&self, pairs: &[(String, String)]) -> Result<Params, String>;

    /// Checks values that came another way (the browser's JSON) as `parse_params` does.
    fn validate(&self, params: &Params) -> Result<(), String>;

    /// Whether a lab would accept these settings anywhere: the schema and the lab's own checks,
    /// without looking at this machine (see [`Lab::preflight`]). Lesson links are checked so.
    fn accepts(&self, pairs: &[(String, String)]) -> Result<Params, String>;

    /// Reads `params` into the lab's typed parameters and runs it. Blocking.
    fn run(&self, params: &Params, context: &LabContext) -> anyhow::Result<Verdict>;
}

impl<L: Lab> AnyLab for L {
    fn info(&self) -> LabInfo {
        Lab::info(self)
    }

    fn parse_params(&self, pairs: &[(String, String)]) -> Result<Params, String> {
        let info = Lab::info(self);
        let params =
            Params::from_pairs(info.id, &info.params, pairs).map_err(|error| error.to_string())?;
        AnyLab::validate(self, &params)?;
        Ok(params)
    }

    fn validate(&self, params: &Params) -> Result<(), String> {
        let info = Lab::info(self);
        let typed: L::Params = read_params(info.id, &info.params, params)?;
        Lab::validate(self, &typed)?;
        Lab::preflight(self, &typed)
    }

    fn accepts(&self, pairs: &[(String, String)]) -> Result<Params, String> {
        let info = Lab::info(self);
        let params =
            Params::from_pairs(info.id, &info.params, pairs).map_err(|error| error.to_string())?;
        let typed: L::Params = read_params(info.id, &info.params, &params)?;
        Lab::validate(self, &typed)?;
        Ok(params)
    }

    fn run(&self, params: &Params, context: &LabContext) -> anyhow::Result<Verdict> {
        let info = Lab::info(self);
        let typed: L::Params =
            read_params(info.id, &info.params, params).map_err(anyhow::Error::msg)?;
        Lab::run(self, &typed, context)
    }
}

/// A loopback TCP port nobody is listening on right now, for tests, benchmarks and checkers
/// that start a server and must tell it where (the system picks it; another program may take
/// it before the server binds, so a caller that binds at once is best).
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The flags `workbench lab <id>` keeps for itself: no lab parameter may take one of these
/// names ([`Registry::add`] refuses such a lab).
pub const RUN_FLAGS: [&str; 6] = ["headless", "duration", "record", "report", "lang", "help"];

/// A lab's typed parameters at their defaults, for checkers and tests that set a few fields
/// themselves. A lab whose reading is wrong fails the registry-wide test, so this does not.
pub fn default_params<L: Lab>(lab: &L) -> L::Params {
    let info = lab.info();
    read_params(info.id, &info.params, &Params::defaults(&info.params))
        .unwrap_or_else(|mistake| panic!("{mistake}"))
}

/// Every lab the workbench knows, in the order they are listed.
#[derive(Clone, Default)]
pub struct Registry {
    labs: Vec<Arc<dyn AnyLab>>,
    checkers: Vec<Arc<dyn Checker>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a lab. A lab with a parameter named like a run flag, or declaring one twice, is a
    /// mistake in its schema and is refused at once.
    pub fn add(&mut self, lab: impl AnyLab) {
        let info = lab.info();
        for (index, spec) in info.params.iter().enumerate() {
            assert!(
                !RUN_FLAGS.contains(&spec.name),
                "lab {}: --{} is a run flag of `workbench lab`",
                info.id,
                spec.name
            );
            assert!(
                info.params[..index]
                    .iter()
                    .all(|earlier| earlier.name != spec.name),
                "lab {}: --{} is declared twice",
                info.id,
                spec.name
            );
        }
        self.labs.push(Arc::new(lab));
    }

    pub fn labs(&self) -> &[Arc<dyn AnyLab>] {
        &self.labs
    }

    pub fn find(&self, id: &str) -> Option<Arc<dyn AnyLab>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A lab whose parameter takes the name of a run flag.
    struct Clashing;

    struct Seconds;

    impl FromParams for Seconds {
        fn from_params(reader: &mut ParamReader<'_>) -> Seconds {
            let _: f64 = reader.get("duration");
            Seconds
        }
    }

    impl Lab for Clashing {
        type Params = Seconds;

        fn info(&self) -> LabInfo {
            LabInfo {
                id: "clashing",
                topic: "test",
                title: "Clashing",
                summary: "takes --duration for itself",
                params: vec![ParamSpec {
                    name: "duration",
                    kind: ParamKind::Float { min: 0.0, max: 1.0 },
                    default: "0",
                    help: "how long",
                    roles: &[],
                }],
            }
        }

        fn run(&self, _: &Seconds, _: &LabContext) -> anyhow::Result<Verdict> {
            Ok(Verdict::pass("ran"))
        }
    }

    #[test]
    #[should_panic(expected = "lab clashing: --duration is a run flag")]
    fn a_lab_parameter_named_like_a_run_flag_is_refused() {
        Registry::new().add(Clashing);
    }

    /// A lab this machine cannot run: its server is "not installed".
    struct NeedsAServer;

    impl Lab for NeedsAServer {
        type Params = Seconds;

        fn info(&self) -> LabInfo {
            // The same one parameter, read by the same typed struct.
            LabInfo {
                id: "needs-a-server",
                ..Lab::info(&Clashing)
            }
        }

        fn validate(&self, _: &Seconds) -> Result<(), String> {
            Ok(())
        }

        fn preflight(&self, _: &Seconds) -> Result<(), String> {
            Err("the server is not installed".to_string())
        }

        fn run(&self, _: &Seconds, _: &LabContext) -> anyhow::Result<Verdict> {
            Ok(Verdict::pass("ran"))
        }
    }

    /// A lesson's link is judged by its settings; a run also by what this machine has.
    #[test]
    fn settings_are_accepted_apart_from_what_this_machine_can_run() {
        let pairs = [("duration".to_string(), "0.5".to_string())];
        assert!(AnyLab::accepts(&NeedsAServer, &pairs).is_ok());
        let outside = [("duration".to_string(), "2".to_string())];
        assert!(AnyLab::accepts(&NeedsAServer, &outside).is_err());
        let run = AnyLab::parse_params(&NeedsAServer, &pairs).unwrap_err();
        assert!(run.contains("not installed"), "{run}");
        let params = AnyLab::accepts(&NeedsAServer, &pairs).unwrap();
        assert!(AnyLab::validate(&NeedsAServer, &params).is_err());
    }
}
