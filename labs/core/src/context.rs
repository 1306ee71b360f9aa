//! The lab context: how a running lab reports what it is doing.
//!
//! A lab asks the context for named instruments once, before its hot loop, and then only touches
//! them: a [`Counter`] or [`Gauge`] is one atomic integer (no lock, no allocation per message), a
//! [`Recorder`] writes into a thread-local latency histogram. Tables and the event log take a
//! lock, so a lab updates them on rare occasions (a subscriber joined, a port was bound), never
//! per message.
//!
//! The sampler (see `sampler.rs`) reads all of this about ten times a second and turns it into a
//! snapshot. The lab never knows who is watching.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hdrhistogram::sync::SyncHistogram;
use serde::{Deserialize, Serialize};

/// Locks a mutex, shrugging off poisoning: a panicking lab thread must not take the dashboard
/// down with it (the runner reports the panic instead). The one way the workbench locks.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Something a dashboard can show by its id: a [`Counter`] or a [`Gauge`]. Tables and charts
/// take the handles themselves, so they can only name instruments that exist.
pub trait Instrument {
    /// The stable id, as JSON Lines, the web API and recordings name it (`sent/A`).
    fn id(&self) -> &str;
}

/// A count that only goes up: messages sent, requests served, errors.
#[derive(Clone, Debug)]
pub struct Counter {
    id: Arc<str>,
    value: Arc<AtomicU64>,
}

impl Counter {
    #[inline]
    pub fn add(&self, amount: u64) {
        self.value.fetch_add(amount, Ordering::Relaxed);
    }

    #[inline]
    pub fn increment(&self) {
        self.add(1);
    }

    pub fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

impl Instrument for Counter {
    fn id(&self) -> &str {
        &self.id
    }
}

/// A level that goes up and down: open connections, queue depth, subscribers joined.
#[derive(Clone, Debug)]
pub struct Gauge {
    id: Arc<str>,
    value: Arc<AtomicI64>,
}

impl Gauge {
    #[inline]
    pub fn set(&self, value: i64) {
        self.value.store(value, Ordering::Relaxed);
    }

    #[inline]
    pub fn add(&self, amount: i64) {
        self.value.fetch_add(amount, Ordering::Relaxed);
    }

    /// Raises the gauge to `value` unless it is already higher (a high-water mark shared by
    /// several threads).
    #[inline]
    pub fn raise_to(&self, value: i64) {
        self.value.fetch_max(value, Ordering::Relaxed);
    }

    pub fn get(&self) -> i64 {
        self.value.load(Ordering::Relaxed)
    }
}

impl Instrument for Gauge {
    fn id(&self) -> &str {
        &self.id
    }
}

/// A latency histogram shared by the sampler and any number of recording threads.
#[derive(Clone)]
pub struct Histogram {
    pub(crate) unit: &'static str,
    pub(crate) shared: Arc<Mutex<SyncHistogram<u64>>>,
}

impl Histogram {
    /// A handle for one thread to record values with. Each thread needs its own.
    pub fn recorder(&self) -> Recorder {
        Recorder(lock(&self.shared).recorder())
    }
}

/// The largest value a histogram keeps: an hour in microseconds (larger values are clamped).
const HISTOGRAM_HIGHEST: u64 = 3_600_000_000;

/// One thread's way into a [`Histogram`]: recording is a write into a local buffer that the
/// sampler collects, so the hot path never waits for the sampler.
pub struct Recorder(hdrhistogram::sync::Recorder<u64>);

impl Recorder {
    #[inline]
    pub fn record(&mut self, value: u64) {
        self.0.saturating_record(value.max(1));
    }
}

/// How important an event-log line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// One line of the event log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogEvent {
    /// Seconds since the lab started.
    pub t: f64,
    pub level: Level,
    pub message: String,
}

/// A cell of a state table. Cells that hold a counter or gauge are filled in by the sampler,
/// so a table row can show a live rate without the lab touching the table again.
#[derive(Clone, Debug)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// The current value of the counter.
    Count(Counter),
    /// The per-second rate of the counter.
    Rate(Counter),
    /// The current value of the gauge.
    Gauge(Gauge),
}

impl Cell {
    pub fn count(counter: &Counter) -> Cell {
        Cell::Count(counter.clone())
    }

    pub fn rate(counter: &Counter) -> Cell {
        Cell::Rate(counter.clone())
    }

    pub fn gauge(gauge: &Gauge) -> Cell {
        Cell::Gauge(gauge.clone())
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(text.to_string())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::Text(text)
    }
}

/// A table as the lab declared it.
#[derive(Clone, Debug)]
pub(crate) struct TableSpec {
    pub(crate) columns: Vec<String>,
    pub(crate) rows: Vec<Vec<Cell>>,
}

/// How a front end might best show this lab. Hints never change what is measured.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hints {
    /// Counters whose rates are charted, in order (a gauge named here is charted as its value);
    /// empty means all counters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub charts: Vec<String>,
    /// Tables best shown as bars of the named column.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bars: BTreeMap<String, String>,
}

/// Cancellation shared by the runner, the lab and every thread the lab starts. Threads look at
/// it ([`CancelToken::is_cancelled`]) or sleep on it ([`CancelToken::sleep`]); async tasks await
/// it ([`CancelToken::cancelled`]), in a `select!` beside their work.
#[derive(Clone, Debug, Default)]
pub struct CancelToken {
    inner: Arc<CancelInner>,
}

#[derive(Debug, Default)]
struct CancelInner {
    cancelled: AtomicBool,
    wake: Mutex<()>,
    sleepers: Condvar,
    waiting_tasks: tokio::sync::Notify,
}

impl CancelToken {
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        self.inner.waiting_tasks.notify_waiters();
        let _guard = lock(&self.inner.wake);
        self.inner.sleepers.notify_all();
    }

    /// Completes once the token is cancelled (at once if it already is): for async code, as
    /// `tokio::select! { () = token.cancelled() => stop, read = stream.read(..) => .. }`.
    pub async fn cancelled(&self) {
        loop {
            let mut notified = std::pin::pin!(self.inner.waiting_tasks.notified());
            // Registered before the flag is read, so a cancel in between is not missed.
            notified.as_mut().enable();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }

    #[inline]
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::Relaxed)
    }

    /// Sleeps for `duration` or until cancelled. Returns `true` if the whole time passed.
    pub fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        let mut guard = lock(&self.inner.wake);
        loop {
            if self.is_cancelled() {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            guard = self
                .inner
                .sleepers
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }
}

/// Everything a running lab reports through. Cheap to clone: clones share the same instruments.
#[derive(Clone)]
pub struct LabContext {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) started: Instant,
    pub(crate) cancel: CancelToken,
    pub(crate) counters: Mutex<Vec<Counter>>,
    pub(crate) gauges: Mutex<Vec<Gauge>>,
    pub(crate) histograms: Mutex<Vec<(String, Histogram)>>,
    pub(crate) tables: Mutex<BTreeMap<String, TableSpec>>,
    pub(crate) graphs: Mutex<BTreeMap<String, crate::GraphView>>,
    pub(crate) events: Mutex<Vec<LogEvent>>,
    pub(crate) hints: Mutex<Hints>,
}

/// The most events kept between two samples; a lab that logs more loses the excess, counted.
const EVENT_BACKLOG: usize = 1000;

impl Default for LabContext {
    fn default() -> Self {
        LabContext::new()
    }
}

impl LabContext {
    pub fn new() -> LabContext {
        LabContext {
            shared: Arc::new(Shared {
                started: Instant::now(),
                cancel: CancelToken::default(),
                counters: Mutex::default(),
                gauges: Mutex::default(),
                histograms: Mutex::default(),
                tables: Mutex::default(),
                graphs: Mutex::default(),
                events: Mutex::default(),
                hints: Mutex::default(),
            }),
        }
    }

    /// The counter with this name, created at zero on first use. Asking twice for the same name
    /// gives the same counter, so several threads can share one.
    pub fn counter(&self, name: &str) -> Counter {
        let mut counters = lock(&self.shared.counters);
        if let Some(counter) = counters.iter().find(|existing| existing.id() == name) {
            return counter.clone();
        }
        let counter = Counter {
            id: name.into(),
            value: Arc::default(),
        };
        counters.push(counter.clone());
        counter
    }

    /// The gauge with this name, created at zero on first use.
    pub fn gauge(&self, name: &str) -> Gauge {
        let mut gauges = lock(&self.shared.gauges);
        if let Some(gauge) = gauges.iter().find(|existing| existing.id() == name) {
            return gauge.clone();
        }
        let gauge = Gauge {
            id: name.into(),
            value: Arc::default(),
        };
        gauges.push(gauge.clone());
        gauge
    }

    /// The latency histogram with this name; `unit` is shown beside its percentiles (e.g. "µs").
    pub fn histogram(&self, name: &str, unit: &'static str) -> Histogram {
        let mut histograms = lock(&self.shared.histograms);
        if let Some((_, histogram)) = histograms.iter().find(|(existing, _)| existing == name) {
            return histogram.clone();
        }
        let histogram = Histogram {
            unit,
            shared: Arc::new(Mutex::new(
                // Fixed bounds, not an auto-resizing histogram: each thread's recorder copies
                // the bounds the histogram has when the recorder is made, and one made before
                // anything was recorded would clamp every value to the tiny starting range.
                hdrhistogram::Histogram::<u64>::new_with_bounds(1, HISTOGRAM_HIGHEST, 3)
                    .expect("1 to an hour at 3 significant figures is a valid histogram")
                    .into_sync(),
            )),
        };
        histograms.push((name.to_string(), histogram.clone()));
        histogram
    }

    /// Declares or replaces a state table.
    pub fn set_table(&self, name: &str, columns: &[&str], rows: Vec<Vec<Cell>>) {
        lock(&self.shared.tables).insert(
            name.to_string(),
            TableSpec {
                columns: columns.iter().map(|column| column.to_string()).collect(),
                rows,
            },
        );
    }

    /// Adds a row to a table declared with [`LabContext::set_table`].
    pub fn add_table_row(&self, name: &str, row: Vec<Cell>) {
        if let Some(table) = lock(&self.shared.tables).get_mut(name) {
            table.rows.push(row);
        }
    }

    /// Declares or replaces a graph (see [`crate::GraphView::layered`]).
    pub fn set_graph(&self, name: &str, graph: crate::GraphView) {
        lock(&self.shared.graphs).insert(name.to_string(), graph);
    }

    /// Changes the state of one node of a graph.
    pub fn set_node_state(&self, graph: &str, node: usize, state: &str) {
        if let Some(node) = lock(&self.shared.graphs)
            .get_mut(graph)
            .and_then(|graph| graph.nodes.get_mut(node))
        {
            node.state = state.to_string();
        }
    }

    /// Marks some nodes of a graph (a critical path), unmarking the others.
    pub fn mark_nodes(&self, graph: &str, marked: &[usize]) {
        if let Some(graph) = lock(&self.shared.graphs).get_mut(graph) {
            for (index, node) in graph.nodes.iter_mut().enumerate() {
                node.marked = marked.contains(&index);
            }
        }
    }

    /// Which counters (charted as rates) and gauges (as values) the dashboards should chart,
    /// in order.
    pub fn chart(&self, instruments: &[&dyn Instrument]) {
        lock(&self.shared.hints).charts = instruments
            .iter()
            .map(|instrument| instrument.id().to_string())
            .collect();
    }

    /// Asks dashboards to draw a table as bars of one of its columns.
    pub fn bars(&self, table: &str, column: &str) {
        lock(&self.shared.hints)
            .bars
            .insert(table.to_string(), column.to_string());
    }

    /// Adds a line to the event log.
    pub fn event(&self, level: Level, message: impl Into<String>) {
        let mut events = lock(&self.shared.events);
        if events.len() < EVENT_BACKLOG {
            events.push(LogEvent {
                t: self.elapsed().as_secs_f64(),
                level,
                message: message.into(),
            });
        }
    }

    pub fn info(&self, message: impl Into<String>) {
        self.event(Level::Info, message);
    }

    pub fn warn(&self, message: impl Into<String>) {
        self.event(Level::Warn, message);
    }

    /// The token that stops this lab. Threads the lab starts should watch it.
    pub fn cancel_token(&self) -> &CancelToken {
        &self.shared.cancel
    }

    #[inline]
    pub fn is_cancelled(&self) -> bool {
        self.shared.cancel.is_cancelled()
    }

    /// Sleeps unless cancelled first; `true` if the whole time passed.
    pub fn sleep(&self, duration: Duration) -> bool {
        self.shared.cancel.sleep(duration)
    }

    pub fn elapsed(&self) -> Duration {
        self.shared.started.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_name_gives_the_same_counter() {
        let context = LabContext::new();
        let first = context.counter("sent");
        let second = context.counter("sent");
        first.add(2);
        second.increment();
        assert_eq!(first.get(), 3);
        assert_eq!(context.counter("other").get(), 0);
    }

    #[test]
    fn cancel_wakes_a_sleeper_early() {
        let token = CancelToken::default();
        let sleeper = {
            let token = token.clone();
            std::thread::spawn(move || token.sleep(Duration::from_secs(600)))
        };
        token.cancel();
        assert!(
            !sleeper.join().unwrap(),
            "sleep must report it was cut short"
        );
        assert!(token.is_cancelled());
    }

    #[test]
    fn an_async_task_waiting_on_the_token_wakes_when_cancelled() {
        let token = CancelToken::default();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let canceller = {
            let token = token.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                token.cancel();
            })
        };
        let outcome = runtime.block_on(async {
            tokio::select! {
                () = token.cancelled() => "cancelled",
                () = tokio::time::sleep(Duration::from_secs(600)) => "slept",
            }
        });
        canceller.join().unwrap();
        assert_eq!(outcome, "cancelled");
        // Already cancelled: completes at once.
        runtime.block_on(token.cancelled());
    }

    #[test]
    fn event_log_is_bounded() {
        let context = LabContext::new();
        for index in 0..EVENT_BACKLOG + 50 {
            context.info(format!("event {index}"));
        }
        assert_eq!(lock(&context.shared.events).len(), EVENT_BACKLOG);
    }
}
