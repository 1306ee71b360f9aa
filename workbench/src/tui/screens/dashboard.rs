//! The dashboard of a running (or replayed) lab: its rates charted, totals, tables, graph and
//! events, folded from the lab's snapshots.

use lab_core::{LabEvent, Level, LogEvent, Report, Snapshot, TableView};
use lab_i18n::tr;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Cell, Chart, Dataset, GraphType, Paragraph, Row, Table, Wrap,
};
use std::collections::{BTreeMap, VecDeque};
use unicode_width::UnicodeWidthStr as _;

use crate::course::Lang;
use crate::tui::app::{Action, App, Screen};
use crate::tui::widgets::{cell_text, duration_text, fit_columns, fit_label, short_number};

/// How many seconds of rates the charts keep.
pub const CHART_SECONDS: f64 = 60.0;

/// How many event-log lines are kept for display.
const EVENT_LINES: usize = 200;

const SERIES_COLORS: [Color; 6] = [
    Color::Cyan,
    Color::Green,
    Color::Yellow,
    Color::Magenta,
    Color::Red,
    Color::Blue,
];

/// Everything the dashboard shows, folded from the lab's events.
#[derive(Default)]
pub struct Dashboard {
    pub lab: String,
    pub title: String,
    /// "replay" when playing a recording back.
    pub source: String,
    pub running: bool,
    pub latest: Option<Snapshot>,
    /// The last [`CHART_SECONDS`] of each counter's rate: (t, rate).
    pub history: BTreeMap<String, VecDeque<(f64, f64)>>,
    pub events: VecDeque<LogEvent>,
    pub report: Option<Report>,
    /// How far the event log is scrolled up from the newest line.
    pub event_scroll: usize,
}

impl Dashboard {
    pub fn new(lab: &str, title: &str, source: &str) -> Dashboard {
        Dashboard {
            lab: lab.to_string(),
            title: title.to_string(),
            source: source.to_string(),
            running: true,
            ..Dashboard::default()
        }
    }

    pub fn elapsed(&self) -> f64 {
        match (&self.report, &self.latest) {
            (Some(report), _) => report.t,
            (None, Some(snapshot)) => snapshot.t,
            (None, None) => 0.0,
        }
    }

    /// The counters to chart: the lab's hint, or all of them.
    pub fn charted(&self) -> Vec<String> {
        match &self.latest {
            Some(snapshot) if !snapshot.hints.charts.is_empty() => snapshot.hints.charts.clone(),
            Some(snapshot) => snapshot.rates.keys().cloned().collect(),
            None => Vec::new(),
        }
    }

    pub(crate) fn apply(&mut self, event: &LabEvent) {
        match event {
            LabEvent::Snapshot(snapshot) => {
                // Rates, and the gauges a lab asks to chart (their value, not a rate).
                let charted_gauges = snapshot.gauges.iter().filter(|(name, _)| {
                    snapshot.hints.charts.contains(name) && !snapshot.rates.contains_key(*name)
                });
                let points = snapshot
                    .rates
                    .iter()
                    .map(|(name, rate)| (name, *rate))
                    .chain(charted_gauges.map(|(name, value)| (name, *value as f64)));
                for (name, rate) in points {
                    let series = self.history.entry(name.clone()).or_default();
                    series.push_back((snapshot.t, rate));
                    while series
                        .front()
                        .is_some_and(|(t, _)| *t < snapshot.t - CHART_SECONDS)
                    {
                        series.pop_front();
                    }
                }
                for line in &snapshot.events {
                    self.events.push_back(line.clone());
                    if self.events.len() > EVENT_LINES {
                        self.events.pop_front();
                    }
                }
                self.latest = Some(snapshot.clone());
            }
            LabEvent::Report(report) => {
                self.running = false;
                self.report = Some(report.clone());
            }
        }
    }
}

impl App {
    pub(crate) fn on_dashboard_key(&mut self, key: KeyEvent) -> Action {
        if key.code == KeyCode::Char('l') {
            self.toggle_lesson();
            return Action::None;
        }
        if let Some(action) = self.on_lesson_key(key) {
            return action;
        }
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => {
                if self.dashboard_only {
                    self.quit = true;
                    Action::Quit
                } else {
                    self.screen = Screen::Home;
                    Action::Stop
                }
            }
            KeyCode::Char('s') => Action::Stop,
            KeyCode::Char('r') if !self.dashboard.running && !self.dashboard_only => self.start(),
            KeyCode::Up | KeyCode::Char('k') => {
                if self.dashboard.event_scroll + 1 < self.dashboard.events.len() {
                    self.dashboard.event_scroll += 1;
                }
                Action::None
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.dashboard.event_scroll = self.dashboard.event_scroll.saturating_sub(1);
                Action::None
            }
            _ => Action::None,
        }
    }
}

pub(crate) fn draw(
    frame: &mut Frame,
    dashboard: &Dashboard,
    dashboard_only: bool,
    area: Rect,
    lang: Lang,
) {
    let tables = dashboard
        .latest
        .as_ref()
        .map(|snapshot| snapshot.tables.iter().collect::<Vec<_>>())
        .unwrap_or_default();
    let side_by_side = area.width >= 140;
    // A table needs its rows, a header and a title line.
    let table_heights: Vec<u16> = tables
        .iter()
        .map(|(_, table)| table.rows.len() as u16 + 2)
        .collect();
    let tables_height = if side_by_side {
        table_heights.iter().copied().max().unwrap_or(0)
    } else {
        table_heights.iter().sum()
    };
    let events_height = (area.height / 5).max(4);
    let graph = dashboard
        .latest
        .as_ref()
        .and_then(|snapshot| snapshot.graphs.iter().next());
    // A graph needs its fullest column and a title line, up to two fifths of the screen.
    let graph_height = graph.map_or(0, |(_, graph)| {
        super::graph::height(graph).min(area.height * 2 / 5)
    });
    let header_line = Line::from(header_spans(dashboard, lang));
    let header_height = header_rows(&header_line, area.width);
    let [header, top, graph_area, tables_area, events, footer] = Layout::vertical([
        Constraint::Length(header_height),
        Constraint::Min(7),
        Constraint::Length(graph_height),
        Constraint::Max(tables_height),
        Constraint::Length(events_height),
        Constraint::Length(1),
    ])
    .areas(area);
    if let Some((name, graph)) = graph {
        super::graph::draw(frame, name, graph, graph_area, lang);
    }
    frame.render_widget(
        Paragraph::new(header_line).wrap(Wrap { trim: true }),
        header,
    );
    let [chart_area, stats_area] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(top);
    draw_chart(frame, dashboard, chart_area, lang);
    draw_stats(frame, dashboard, stats_area, lang);
    if let Some(snapshot) = &dashboard.latest {
        let areas = if side_by_side {
            Layout::horizontal(vec![Constraint::Fill(1); tables.len()]).split(tables_area)
        } else {
            Layout::vertical(
                table_heights
                    .iter()
                    .map(|height| Constraint::Length(*height)),
            )
            .split(tables_area)
        };
        for ((name, table), table_area) in tables.iter().zip(areas.iter()) {
            let bar_column = snapshot
                .hints
                .bars
                .get(*name)
                .and_then(|column| table.columns.iter().position(|c| c == column));
            draw_table(frame, name, table, bar_column, *table_area, lang);
        }
    }
    draw_events(frame, dashboard, events, lang);
    let keys = match (dashboard.running, dashboard_only) {
        (true, _) => tr!(lang, "tui-keys-running"),
        (false, true) => tr!(lang, "tui-keys-replayed"),
        (false, false) => tr!(lang, "tui-keys-finished"),
    };
    frame.render_widget(Line::from(format!(" {keys}")).dim(), footer);
}

/// The rows the header needs at `width`: one, or as many as its verdict takes to be read in
/// full (a row more for the words wrapping leaves short), up to four.
fn header_rows(line: &Line, width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let used = line.width();
    if used <= width {
        return 1;
    }
    (used.div_ceil(width) + 1).min(4) as u16
}

/// The lab, its title, and how the run stands: running, or its verdict in full.
fn header_spans<'a>(dashboard: &'a Dashboard, lang: Lang) -> Vec<Span<'a>> {
    let mut spans = vec![
        format!(" {} ", dashboard.lab).bold().reversed(),
        format!(
            " {} ",
            lab_i18n::lab_text(
                lang,
                &format!("lab-{}-title", dashboard.lab),
                &dashboard.title
            )
        )
        .into(),
    ];
    if !dashboard.source.is_empty() && dashboard.source != "live" {
        spans.push(format!("[{}] ", dashboard.source).fg(Color::Yellow));
    }
    let elapsed = format!("{:.1} s", dashboard.elapsed());
    match &dashboard.report {
        None => spans.push(tr!(lang, "tui-running", elapsed = elapsed).fg(Color::Green)),
        Some(report) if report.ok => spans.push(
            tr!(
                lang,
                "tui-finished",
                elapsed = elapsed,
                verdict = report.verdict.as_str()
            )
            .fg(Color::Green),
        ),
        Some(report) => spans.push(
            tr!(
                lang,
                "tui-failed",
                elapsed = elapsed,
                verdict = report.verdict.as_str()
            )
            .fg(Color::Red),
        ),
    }
    spans
}

pub(crate) fn draw_chart(frame: &mut Frame, dashboard: &Dashboard, area: Rect, lang: Lang) {
    let now = dashboard.elapsed();
    let start = (now - CHART_SECONDS).max(0.0);
    let end = now.max(10.0).max(start + 1.0);
    let charted = dashboard.charted();
    let points: Vec<(String, Vec<(f64, f64)>)> = charted
        .iter()
        .map(|name| {
            let series = dashboard
                .history
                .get(name)
                .map(|series| series.iter().copied().collect())
                .unwrap_or_default();
            (name.clone(), series)
        })
        .collect();
    let highest = points
        .iter()
        .flat_map(|(_, series)| series.iter().map(|(_, rate)| *rate))
        .fold(0.0_f64, f64::max);
    let top = nice_ceiling(highest);
    // A charted gauge is a value, not a rate.
    let is_gauge = |name: &str| {
        dashboard
            .latest
            .as_ref()
            .is_some_and(|snapshot| !snapshot.rates.contains_key(name))
    };
    let datasets: Vec<Dataset> = points
        .iter()
        .enumerate()
        .map(|(index, (name, series))| {
            Dataset::default()
                .name(if is_gauge(name) {
                    name.clone()
                } else {
                    format!("{name}/s")
                })
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(Style::new().fg(SERIES_COLORS[index % SERIES_COLORS.len()]))
                .data(series)
        })
        .collect();
    // The legend lives in the title: inside the plot it would hide the newest points.
    let mut title = vec![Span::from(format!(" {} ", tr!(lang, "tui-per-second"))).bold()];
    for (index, (name, _)) in points.iter().enumerate() {
        let shown = lab_i18n::label(lang, name);
        let label = if is_gauge(name) {
            format!("━ {shown} {} ", tr!(lang, "tui-now"))
        } else {
            format!("━ {shown} ")
        };
        title.push(Span::from(label).fg(SERIES_COLORS[index % SERIES_COLORS.len()]));
    }
    let chart = Chart::new(datasets)
        .block(Block::bordered().title(Line::from(title)))
        .x_axis(
            Axis::default()
                .bounds([start, end])
                .labels([format!("{start:.0}s"), format!("{end:.0}s")])
                .style(Style::new().dim()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, top])
                .labels(["0".to_string(), short_number(top / 2.0), short_number(top)])
                .style(Style::new().dim()),
        )
        .legend_position(None);
    frame.render_widget(chart, area);
}

/// A round number just above `value`, so the chart's scale does not jitter every frame.
fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 {
        return 10.0;
    }
    let power = 10f64.powf(value.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if value <= step * power {
            return step * power;
        }
    }
    10.0 * power
}

pub(crate) fn draw_stats(frame: &mut Frame, dashboard: &Dashboard, area: Rect, lang: Lang) {
    let mut lines = Vec::new();
    if let Some(snapshot) = &dashboard.latest {
        // Totals only (names without '/'); the breakdowns live in the tables.
        let totals = || {
            snapshot
                .counters
                .iter()
                .filter(|(name, _)| !name.contains('/'))
        };
        // Numbers are never cut: a narrow panel drops the rates first, then shortens labels.
        let inner = usize::from(area.width.saturating_sub(2));
        const VALUE: usize = 9;
        const RATE: usize = 11;
        let with_rates = inner >= VALUE + RATE + 4;
        let numbers = VALUE + if with_rates { RATE } else { 0 };
        let name_width = totals()
            .map(|(name, _)| lab_i18n::label(lang, name).width())
            .max()
            .unwrap_or(0)
            .min(18)
            .min(inner.saturating_sub(numbers));
        for (name, value) in totals() {
            let rate = snapshot.rates.get(name).copied().unwrap_or(0.0);
            let shown = fit_label(&lab_i18n::label(lang, name), name_width);
            let padding = " ".repeat(name_width.saturating_sub(shown.width()));
            let mut spans = vec![
                shown.into(),
                padding.into(),
                format!(" {:>8}", short_number(*value as f64)).bold(),
            ];
            if with_rates {
                spans.push(format!(" {:>8}/s", short_number(rate.round())).fg(Color::Cyan));
            }
            lines.push(Line::from(spans));
        }
        for (name, value) in &snapshot.gauges {
            let value = value.to_string();
            let room = inner.saturating_sub(value.width() + 1);
            lines.push(Line::from(vec![
                format!("{} ", fit_label(&lab_i18n::label(lang, name), room)).into(),
                value.bold(),
            ]));
        }
    } else {
        lines.push(Line::from(tr!(lang, "tui-waiting").dim()));
    }
    let mut block =
        Block::bordered().title(Line::from(format!(" {} ", tr!(lang, "tui-totals"))).bold());
    for (name, latency) in dashboard
        .latest
        .iter()
        .flat_map(|snapshot| &snapshot.latency)
    {
        let shown = |value: u64| {
            duration_text(value as f64, &latency.unit)
                .unwrap_or_else(|| format!("{} {}", short_number(value as f64), latency.unit))
        };
        block = block.title_bottom(
            Line::from(format!(
                " {} p50 {} p99 {} max {} ",
                lab_i18n::label(lang, name),
                shown(latency.p50),
                shown(latency.p99),
                shown(latency.max),
            ))
            .fg(Color::Yellow),
        );
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

pub(crate) fn draw_table(
    frame: &mut Frame,
    name: &str,
    table: &TableView,
    bar_column: Option<usize>,
    area: Rect,
    lang: Lang,
) {
    let headings: Vec<String> = table
        .columns
        .iter()
        .map(|column| lab_i18n::label(lang, column))
        .collect();
    let fitted = fit_columns(
        table,
        &headings,
        usize::from(area.width),
        bar_column.is_some(),
    );
    let headings: Vec<String> = headings
        .iter()
        .zip(&fitted.widths)
        .map(|(heading, width)| fit_label(heading, *width))
        .chain(fitted.dropped.then(|| "…".to_string()))
        .collect();
    let widths: Vec<usize> = fitted
        .widths
        .iter()
        .copied()
        .chain(fitted.dropped.then_some(1))
        .collect();

    let bar_max = bar_column
        .map(|index| {
            table
                .rows
                .iter()
                .filter_map(|row| row.get(index).and_then(|value| value.as_f64()))
                .fold(0.0_f64, f64::max)
        })
        .unwrap_or(0.0);
    let mut constraints: Vec<Constraint> = widths
        .iter()
        .map(|width| Constraint::Length(*width as u16))
        .collect();
    let mut header: Vec<Cell> = headings.into_iter().map(Cell::from).collect();
    if bar_column.is_some() {
        constraints.push(Constraint::Min(4));
        header.push(Cell::from(""));
    }
    let rows: Vec<Row> = table
        .rows
        .iter()
        .map(|row| {
            let mut cells: Vec<Cell> = row
                .iter()
                .zip(&fitted.widths)
                .map(|(value, width)| Cell::from(fit_label(&cell_text(value), *width)))
                .collect();
            if fitted.dropped {
                cells.push(Cell::from("…".dim()));
            }
            if let Some(index) = bar_column {
                let value = row
                    .get(index)
                    .and_then(|value| value.as_f64())
                    .unwrap_or(0.0);
                let share = if bar_max > 0.0 { value / bar_max } else { 0.0 };
                let bar_width = (share * 20.0).round() as usize;
                cells.push(Cell::from(
                    Span::from("█".repeat(bar_width)).fg(Color::Cyan),
                ));
            }
            Row::new(cells)
        })
        .collect();
    let widget = Table::new(rows, constraints)
        .header(Row::new(header).style(Style::new().add_modifier(Modifier::BOLD)))
        .column_spacing(fitted.spacing)
        .block(
            Block::new()
                .borders(Borders::TOP)
                .title(Line::from(format!(" {} ", lab_i18n::label(lang, name))).bold()),
        );
    frame.render_widget(widget, area);
}

pub(crate) fn draw_events(frame: &mut Frame, dashboard: &Dashboard, area: Rect, lang: Lang) {
    let capacity = area.height.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(report) = &dashboard.report {
        for note in &report.notes {
            lines.push(Line::from(tr!(lang, "tui-note", note = note.as_str())).fg(Color::Cyan));
        }
    }
    let newest_first = dashboard.events.iter().rev().skip(dashboard.event_scroll);
    for event in newest_first.take(capacity.saturating_sub(lines.len())) {
        let color = match event.level {
            Level::Info => Color::Reset,
            Level::Warn => Color::Yellow,
            Level::Error => Color::Red,
        };
        lines.push(Line::from(vec![
            format!("{:>7.2}s ", event.t).dim(),
            Span::from(event.message.clone()).fg(color),
        ]));
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(
            Block::bordered().title(Line::from(format!(" {} ", tr!(lang, "tui-events"))).bold()),
        ),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::screens::testing::*;

    #[test]
    fn totals_shorten_their_labels_but_never_cut_a_number() {
        let mut app = running_pubsub();
        let mut snapshot = app.dashboard.latest.clone().unwrap();
        snapshot
            .counters
            .insert("refused: filtered (429)".into(), 7_812);
        snapshot.counters.insert("missed".into(), 4_002);
        app.dashboard.latest = Some(snapshot);
        for width in [60, 80, 120] {
            let screen = render(&app, width, 24).join("\n");
            assert!(
                screen.contains("7812") && screen.contains("4002"),
                "{width} columns:\n{screen}"
            );
        }
    }

    #[test]
    fn the_chart_scale_rounds_up_to_a_nice_number() {
        assert_eq!(nice_ceiling(1900.0), 2000.0);
        assert_eq!(nice_ceiling(2100.0), 2500.0);
    }

    #[test]
    fn dashboard_shows_rates_tables_events_and_elapsed_time() {
        let screen = render(&running_pubsub(), 80, 24);
        let text = screen.join("\n");
        assert!(
            screen[0].contains("zmq-pubsub") && screen[0].contains("running 3.0 s"),
            "{}",
            screen[0]
        );
        assert!(
            screen[1].contains("━ sent ━ received"),
            "chart legend missing:\n{text}"
        );
        assert!(text.contains("2000/s"), "sent rate missing:\n{text}");
        assert!(
            text.contains("topics") && text.contains("3000"),
            "table missing:\n{text}"
        );
        assert!(text.contains("joined topic A"), "event missing:\n{text}");
        assert!(screen[23].contains("s stop"), "{}", screen[23]);
        // The chart's braille dots are drawn: the chart is not empty.
        assert!(
            text.chars().any(|c| ('\u{2801}'..='\u{28FF}').contains(&c)),
            "{text}"
        );
    }

    #[test]
    fn a_finished_run_shows_its_verdict() {
        let mut app = running_pubsub();
        app.apply(&LabEvent::Report(Report {
            lab: "zmq-pubsub".into(),
            ok: false,
            t: 3.1,
            verdict: "received nothing".into(),
            ..Report::default()
        }));
        let screen = render(&app, 80, 24);
        assert!(
            screen[0].contains("failed 3.1 s: received nothing"),
            "{}",
            screen[0]
        );
    }

    #[test]
    fn a_long_verdict_wraps_and_is_read_in_full_at_80_columns() {
        let mut app = running_pubsub();
        let verdict = "2 of 3 subscribers fell behind: the slow one dropped 4002 messages at its high-water mark of 100, and topic B was never delivered";
        app.apply(&LabEvent::Report(Report {
            lab: "zmq-pubsub".into(),
            ok: false,
            t: 3.1,
            verdict: verdict.into(),
            ..Report::default()
        }));
        for width in [80, 120] {
            let screen = render(&app, width, 24);
            let header: String = screen[..4]
                .iter()
                .map(|row| row.trim())
                .collect::<Vec<_>>()
                .join(" ");
            assert!(
                header.contains("never delivered") && header.contains("4002 messages"),
                "{width} columns: {header}"
            );
        }
    }
}
