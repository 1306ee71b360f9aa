//! Running a lab for real through the lab runner, as the command line would.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use lab_core::{AnyLab, LabRun, Report, RunOptions};

/// Runs `lab` with these flags to its end (30 s at most) and returns its report.
pub fn run(lab: impl AnyLab, flags: &[(&str, &str)]) -> Report {
    start(lab, flags).wait()
}

/// Runs `lab` for `limit` at most.
pub fn run_for(lab: impl AnyLab, flags: &[(&str, &str)], limit: Duration) -> Report {
    start_for(lab, flags, limit).wait()
}

pub fn start(lab: impl AnyLab, flags: &[(&str, &str)]) -> LabRun {
    start_for(lab, flags, Duration::from_secs(30))
}

fn start_for(lab: impl AnyLab, flags: &[(&str, &str)], limit: Duration) -> LabRun {
    let lab: Arc<dyn AnyLab> = Arc::new(lab);
    let pairs: Vec<(String, String)> = flags
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let params = lab.parse_params(&pairs).unwrap();
    let options = RunOptions {
        duration: Some(limit),
        ..RunOptions::default()
    };
    LabRun::start(lab, params, options)
}

pub fn count(report: &Report, name: &str) -> u64 {
    report.counters.get(name).copied().unwrap_or(0)
}

/// A tcp endpoint on a loopback port nobody is listening on right now.
pub fn free_endpoint() -> String {
    let port = lab_core::free_port().expect("the system hands out a free port");
    format!("tcp://127.0.0.1:{port}")
}

/// What a run showed from start to end: its report, every event-log line and the last
/// snapshot (for the tables).
pub struct Watched {
    pub report: Report,
    pub events: Vec<lab_core::LogEvent>,
    pub last: lab_core::Snapshot,
}

/// Follows `run` to its end.
pub fn watch(run: LabRun) -> Watched {
    let mut subscription = run.subscribe();
    let mut events = Vec::new();
    let mut last = lab_core::Snapshot::default();
    while let Some(event) = subscription.next_blocking() {
        match event {
            lab_core::LabEvent::Snapshot(snapshot) => {
                events.extend(snapshot.events.iter().cloned());
                last = snapshot;
            }
            lab_core::LabEvent::Report(report) => {
                return Watched {
                    report,
                    events,
                    last,
                };
            }
        }
    }
    Watched {
        report: run.wait(),
        events,
        last,
    }
}
