//! What front ends receive: snapshots while a lab runs, then one report.
//!
//! These are the JSON Lines that `workbench lab <id> --headless` prints and that recordings
//! hold, one object per line with a `"type"` tag, so they are a contract: scripts and other
//! people's programs read them. Fields may be added; existing ones keep their meaning.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::context::{Hints, LogEvent};

/// One line of a lab's stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum LabEvent {
    Snapshot(Snapshot),
    Report(Report),
}

impl LabEvent {
    /// Seconds since the lab started.
    pub fn t(&self) -> f64 {
        match self {
            LabEvent::Snapshot(snapshot) => snapshot.t,
            LabEvent::Report(report) => report.t,
        }
    }
}

/// The state of a running lab at one moment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The lab's id.
    pub lab: String,
    /// Seconds since the lab started.
    pub t: f64,
    /// Every counter's total so far.
    pub counters: BTreeMap<String, u64>,
    /// Every counter's rate per second over the last second.
    pub rates: BTreeMap<String, f64>,
    #[serde(default)]
    pub gauges: BTreeMap<String, i64>,
    /// Latency percentiles per histogram, over the whole run so far.
    #[serde(default)]
    pub latency: BTreeMap<String, Percentiles>,
    #[serde(default)]
    pub tables: BTreeMap<String, TableView>,
    /// Event-log lines new since the previous snapshot.
    #[serde(default)]
    pub events: Vec<LogEvent>,
    #[serde(default)]
    pub hints: Hints,
}

/// Percentiles of one latency histogram.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub unit: String,
    pub count: u64,
    pub mean: f64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
}

/// A table with its live cells filled in.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TableView {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// How a lab run ended.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub lab: String,
    /// Did the lab do what it set out to do, and do its invariants hold?
    pub ok: bool,
    /// Seconds the lab ran.
    pub t: f64,
    pub counters: BTreeMap<String, u64>,
    #[serde(default)]
    pub latency: BTreeMap<String, Percentiles>,
    /// The lab's own verdict in one line.
    pub verdict: String,
    /// Further lines worth reading: what went wrong, what to try.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// What a lab returns when it finishes: its verdict on the run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Verdict {
    pub ok: bool,
    pub summary: String,
    pub notes: Vec<String>,
}

impl Verdict {
    pub fn pass(summary: impl Into<String>) -> Verdict {
        Verdict {
            ok: true,
            summary: summary.into(),
            notes: Vec::new(),
        }
    }

    pub fn fail(summary: impl Into<String>) -> Verdict {
        Verdict {
            ok: false,
            summary: summary.into(),
            notes: Vec::new(),
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Verdict {
        self.notes.push(note.into());
        self
    }
}
