//! The sampler: turns the lab context into a snapshot about ten times a second.
//!
//! Counters only ever go up, so a rate is a difference: how much a counter grew, divided by how
//! much time passed. Measured over one 100 ms tick that number jumps around, so the sampler keeps
//! the samples of the last second and reports the growth over that whole second. In the first
//! second of a run the growth since the start is still divided by a whole second: one event in
//! the first 0.1 s is "1 in the last second", never a burst of 10 a second. The time is passed
//! in rather than read from the clock, which keeps the arithmetic testable.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use crate::context::{Cell, Instrument, LabContext, lock};
use crate::snapshot::{Percentiles, Snapshot, TableView};

/// How far back a rate looks.
const RATE_WINDOW: f64 = 1.0;

/// How long the sampler waits for a busy thread to hand over its latency samples.
const HISTOGRAM_REFRESH_WAIT: Duration = Duration::from_millis(5);

pub struct Sampler {
    lab: String,
    context: LabContext,
    /// Recent samples, oldest first: (seconds since start, counter totals).
    recent: VecDeque<(f64, BTreeMap<String, u64>)>,
}

impl Sampler {
    pub fn new(lab: &str, context: LabContext) -> Sampler {
        let mut recent = VecDeque::new();
        // Every counter is zero when the lab starts, so the first rate is measured from t = 0.
        recent.push_back((0.0, BTreeMap::new()));
        Sampler {
            lab: lab.to_string(),
            context,
            recent,
        }
    }

    /// Takes a snapshot at `t` seconds since the start. `t` must not go backwards.
    pub fn sample(&mut self, t: f64) -> Snapshot {
        let shared = self.context.shared.clone();
        let counters: BTreeMap<String, u64> = lock(&shared.counters)
            .iter()
            .map(|counter| (counter.id().to_string(), counter.get()))
            .collect();
        let rates = self.rates(t, &counters);
        let gauges: BTreeMap<String, i64> = lock(&shared.gauges)
            .iter()
            .map(|gauge| (gauge.id().to_string(), gauge.get()))
            .collect();
        let latency = self.percentiles();
        let tables = lock(&shared.tables)
            .iter()
            .map(|(name, spec)| {
                let rows = spec
                    .rows
                    .iter()
                    .map(|row| row.iter().map(|cell| resolve(cell, &rates)).collect())
                    .collect();
                let view = TableView {
                    columns: spec.columns.clone(),
                    rows,
                };
                (name.clone(), view)
            })
            .collect();
        let graphs = lock(&shared.graphs).clone();
        let events = std::mem::take(&mut *lock(&shared.events));
        let hints = lock(&shared.hints).clone();
        Snapshot {
            lab: self.lab.clone(),
            t,
            counters,
            rates,
            gauges,
            latency,
            tables,
            graphs,
            events,
            hints,
        }
    }

    /// Per-second rates over the last [`RATE_WINDOW`], and records this sample for later rates.
    fn rates(&mut self, t: f64, counters: &BTreeMap<String, u64>) -> BTreeMap<String, f64> {
        // Keep the newest sample that is at least a window old as the base, drop older ones.
        while self.recent.len() > 1 && self.recent[1].0 <= t - RATE_WINDOW {
            self.recent.pop_front();
        }
        let (base_t, base) = self
            .recent
            .front()
            .expect("the sampler always keeps a base");
        // Never less than a window: the base is a window old, except in a run younger than a
        // second, which has not lived one yet.
        let elapsed = (t - base_t).max(RATE_WINDOW);
        let rates = counters
            .iter()
            .map(|(name, now)| {
                let before = base.get(name).copied().unwrap_or(0);
                (name.clone(), now.saturating_sub(before) as f64 / elapsed)
            })
            .collect();
        self.recent.push_back((t, counters.clone()));
        rates
    }

    fn percentiles(&self) -> BTreeMap<String, Percentiles> {
        let histograms = lock(&self.context.shared.histograms).clone();
        histograms
            .into_iter()
            .map(|(name, histogram)| {
                let mut synced = lock(&histogram.shared);
                synced.refresh_timeout(HISTOGRAM_REFRESH_WAIT);
                let percentiles = Percentiles {
                    unit: histogram.unit.to_string(),
                    count: synced.len(),
                    mean: if synced.is_empty() {
                        0.0
                    } else {
                        synced.mean()
                    },
                    p50: synced.value_at_quantile(0.50),
                    p90: synced.value_at_quantile(0.90),
                    p99: synced.value_at_quantile(0.99),
                    p999: synced.value_at_quantile(0.999),
                    max: synced.max(),
                };
                (name, percentiles)
            })
            .collect()
    }
}

fn resolve(cell: &Cell, rates: &BTreeMap<String, f64>) -> serde_json::Value {
    match cell {
        Cell::Text(text) => text.clone().into(),
        Cell::Number(number) => (*number).into(),
        Cell::Count(counter) => counter.get().into(),
        Cell::Rate(counter) => (rates.get(counter.id()).copied().unwrap_or(0.0).round()).into(),
        Cell::Gauge(gauge) => gauge.get().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_is_growth_over_the_last_second() {
        let context = LabContext::new();
        let sent = context.counter("sent");
        let mut sampler = Sampler::new("demo", context);
        // 100 messages per 0.1 s tick: 1000 per second, once a second has passed; before,
        // what came in the run's first second so far.
        for tick in 1..=30 {
            sent.add(100);
            let snapshot = sampler.sample(tick as f64 / 10.0);
            let expected = 100.0 * tick.min(10) as f64;
            assert!(
                (snapshot.rates["sent"] - expected).abs() < 1e-6,
                "tick {tick}: rate {}",
                snapshot.rates["sent"]
            );
        }
        // The lab stops sending: after a full second without growth the rate is zero again.
        let mut last = f64::NAN;
        for tick in 31..=41 {
            last = sampler.sample(tick as f64 / 10.0).rates["sent"];
        }
        assert_eq!(last, 0.0);
    }

    #[test]
    fn one_event_at_the_start_is_one_a_second_not_a_burst() {
        let context = LabContext::new();
        let accepted = context.counter("accepted");
        let mut sampler = Sampler::new("demo", context);
        accepted.add(1);
        let rates: Vec<f64> = (1..=15)
            .map(|tick| sampler.sample(tick as f64 / 10.0).rates["accepted"])
            .collect();
        assert!(rates[..10].iter().all(|rate| *rate == 1.0), "{rates:?}");
        assert_eq!(rates[14], 0.0, "{rates:?}");
    }

    #[test]
    fn a_burst_is_spread_over_the_window() {
        let context = LabContext::new();
        let sent = context.counter("sent");
        let mut sampler = Sampler::new("demo", context);
        for tick in 1..=10 {
            sampler.sample(tick as f64 / 10.0);
        }
        sent.add(500);
        let snapshot = sampler.sample(1.1);
        assert!((snapshot.rates["sent"] - 500.0).abs() < 1e-6);
        assert_eq!(snapshot.counters["sent"], 500);
    }

    #[test]
    fn percentiles_come_from_every_recording_thread() {
        let context = LabContext::new();
        let histogram = context.histogram("latency", "us");
        let threads: Vec<_> = [1u64, 1001]
            .into_iter()
            .map(|offset| {
                let mut recorder = histogram.recorder();
                std::thread::spawn(move || {
                    for value in offset..offset + 1000 {
                        recorder.record(value);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let mut sampler = Sampler::new("demo", context);
        let latency = &sampler.sample(0.1).latency["latency"];
        assert_eq!(latency.count, 2000);
        assert_eq!(latency.unit, "us");
        // Values 1..=2000 uniformly: the median is about 1000, p99 about 1980 (3 significant
        // figures of precision).
        assert!((995..=1005).contains(&latency.p50), "p50 {}", latency.p50);
        assert!((1975..=1985).contains(&latency.p99), "p99 {}", latency.p99);
        assert!((1998..=2001).contains(&latency.max), "max {}", latency.max);
    }

    #[test]
    fn recorders_made_before_any_value_keep_large_values() {
        // Each client thread makes its recorder first and then records round trips of a few
        // milliseconds; none may be clamped.
        let context = LabContext::new();
        let histogram = context.histogram("round trip", "µs");
        let recorders: Vec<_> = (0..4).map(|_| histogram.recorder()).collect();
        let threads: Vec<_> = recorders
            .into_iter()
            .map(|mut recorder| {
                std::thread::spawn(move || {
                    for value in [1_800u64, 2_500, 3_900, 13_000] {
                        recorder.record(value);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let mut sampler = Sampler::new("demo", context);
        let latency = &sampler.sample(0.1).latency["round trip"];
        assert_eq!(latency.count, 16);
        assert!(
            (2_495..=2_505).contains(&latency.p50),
            "p50 {}",
            latency.p50
        );
        assert!(
            (12_990..=13_010).contains(&latency.max),
            "max {}",
            latency.max
        );
    }

    #[test]
    fn table_cells_show_live_counts_and_rates() {
        let context = LabContext::new();
        let received = context.counter("received/A");
        context.set_table(
            "topics",
            &["topic", "received", "per second"],
            vec![vec![
                "A".into(),
                Cell::count(&received),
                Cell::rate(&received),
            ]],
        );
        context.warn("slow joiner");
        let mut sampler = Sampler::new("demo", context);
        received.add(42);
        let snapshot = sampler.sample(0.5);
        let row = &snapshot.tables["topics"].rows[0];
        assert_eq!(row[0], "A");
        assert_eq!(row[1], 42);
        // 42 in the run's first half second: 42 in its first second so far.
        assert_eq!(row[2], 42.0);
        assert_eq!(snapshot.events.len(), 1);
        // Events are handed out once.
        assert!(sampler.sample(0.6).events.is_empty());
    }
}
