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
    /// Graphs of things that depend on each other (a test suite's DAG), with each node's state.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub graphs: BTreeMap<String, GraphView>,
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

/// A directed graph drawn in layers: a node's layer is the length of the longest chain of
/// nodes before it, so every edge goes from a lower layer to a higher one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphView {
    pub nodes: Vec<GraphNode>,
    /// `(from, to)` as indexes into `nodes`: `to` depends on `from`.
    pub edges: Vec<(usize, usize)>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    pub label: String,
    pub layer: usize,
    /// A word the dashboards colour: pending, running, passed, failed, error, skipped.
    pub state: String,
    /// Drawn stronger (a critical path).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub marked: bool,
}

impl GraphView {
    /// Nodes and edges, with each node's layer worked out from the edges (which must not form
    /// a cycle) and every state `pending`.
    pub fn layered(labels: Vec<String>, edges: Vec<(usize, usize)>) -> GraphView {
        let count = labels.len();
        let mut needs: Vec<Vec<usize>> = vec![Vec::new(); count];
        for (from, to) in &edges {
            needs[*to].push(*from);
        }
        let mut layers: Vec<Option<usize>> = vec![None; count];
        fn layer_of(node: usize, needs: &[Vec<usize>], layers: &mut [Option<usize>]) -> usize {
            if let Some(layer) = layers[node] {
                return layer;
            }
            // Marked first, so that a cycle (a caller's mistake) ends instead of recursing.
            layers[node] = Some(0);
            let mut layer = 0;
            for from in needs[node].clone() {
                layer = layer.max(layer_of(from, needs, layers) + 1);
            }
            layers[node] = Some(layer);
            layer
        }
        let nodes = labels
            .into_iter()
            .enumerate()
            .map(|(index, label)| GraphNode {
                layer: layer_of(index, &needs, &mut layers),
                label,
                state: "pending".to_string(),
                marked: false,
            })
            .collect();
        GraphView { nodes, edges }
    }
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
    /// Every gauge's last value.
    #[serde(default)]
    pub gauges: BTreeMap<String, i64>,
    #[serde(default)]
    pub latency: BTreeMap<String, Percentiles>,
    /// The lab's own verdict in one line.
    pub verdict: String,
    /// Further lines worth reading: what went wrong, what to try.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Every parameter of the run, defaults filled in, so a recording says what was run.
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
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

#[cfg(test)]
mod graph_tests {
    use super::GraphView;

    #[test]
    fn a_node_sits_one_layer_after_its_deepest_dependency() {
        // a → b → d, a → c → d, and e alone; d's layer comes from its longer way in.
        let labels = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        let graph = GraphView::layered(labels, vec![(0, 1), (0, 2), (1, 3), (2, 3), (0, 3)]);
        let layers: Vec<usize> = graph.nodes.iter().map(|node| node.layer).collect();
        assert_eq!(layers, [0, 1, 1, 2, 0]);
        assert!(graph.nodes.iter().all(|node| node.state == "pending"));
    }
}
