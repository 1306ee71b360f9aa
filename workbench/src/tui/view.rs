//! Drawing the terminal UI from the [`App`] state. Nothing here changes state.

use lab_core::{GraphNode, GraphView, LabInfo, Level, ParamKind, TableView};
use lab_i18n::tr;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Cell, Chart, Clear, Dataset, GraphType, List, ListItem, ListState,
    Paragraph, Row, Table, Wrap,
};
use unicode_width::UnicodeWidthStr as _;

use super::app::{App, CHART_SECONDS, Dashboard, Focus, Screen};
use super::course_view;
use crate::course::Lang;

const SERIES_COLORS: [Color; 6] = [
    Color::Cyan,
    Color::Green,
    Color::Yellow,
    Color::Magenta,
    Color::Red,
    Color::Blue,
];

pub fn draw(frame: &mut Frame, app: &App) {
    match app.screen {
        Screen::Home => draw_home(frame, app),
        Screen::Dashboard => {
            let mut area = frame.area();
            if let Some(pane) = &app.lesson {
                // The lesson beside the dashboard, at least wide enough to read.
                let lesson_width = (area.width * 2 / 5).max(36).min(area.width / 2);
                let [dashboard_area, lesson_area] =
                    Layout::horizontal([Constraint::Min(20), Constraint::Length(lesson_width)])
                        .areas(area);
                course_view::draw_lesson(frame, pane, lesson_area, true, app.lang());
                area = dashboard_area;
            }
            draw_dashboard(frame, &app.dashboard, app.dashboard_only, area, app.lang())
        }
        Screen::Exercises => {
            if let (Some(screen), Some(course)) = (&app.exercises, &app.course) {
                course_view::draw_exercises(frame, screen, course.lang);
            }
        }
    }
    if app.show_help {
        draw_help(frame, app.screen, app.lang());
    }
}

/// 1234 → "1.2k", 2_500_000 → "2.5M": short numbers for narrow columns.
pub fn short_number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1e9 {
        format!("{:.1}G", value / 1e9)
    } else if magnitude >= 1e6 {
        format!("{:.1}M", value / 1e6)
    } else if magnitude >= 1e4 {
        format!("{:.1}k", value / 1e3)
    } else if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// A duration in the unit that fits it: `48 µs`, `3.2 ms`, `41 ms`, `1.4 s`. `value` is in
/// `unit` (`µs`, `ms` or `s`); `None` when the unit is not a duration's.
pub fn duration_text(value: f64, unit: &str) -> Option<String> {
    let micros = match unit {
        "µs" | "us" => value,
        "ms" => value * 1e3,
        "s" => value * 1e6,
        _ => return None,
    };
    let (amount, symbol) = if micros.abs() < 1e3 {
        (micros, "µs")
    } else if micros.abs() < 1e6 {
        (micros / 1e3, "ms")
    } else {
        (micros / 1e6, "s")
    };
    Some(if amount.abs() < 10.0 && amount.fract() != 0.0 {
        format!("{amount:.1} {symbol}")
    } else {
        format!("{amount:.0} {symbol}")
    })
}

/// The frame of the full-screen pages: a title line with `tagline`, the body, and a footer line
/// for the keys. Returns the body and the footer.
pub fn page(frame: &mut Frame, tagline: &str) -> (Rect, Rect) {
    let [title, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    frame.render_widget(
        Line::from(vec![
            " Workbench ".bold().reversed(),
            format!(" {tagline}").into(),
        ]),
        title,
    );
    (body, footer)
}

fn draw_home(frame: &mut Frame, app: &App) {
    let lang = app.lang();
    let (body, footer) = page(frame, &tr!(lang, "tui-home-tagline"));
    let [list_area, detail_area] =
        Layout::horizontal([Constraint::Length(28), Constraint::Min(30)]).areas(body);

    let mut items = Vec::new();
    let mut rows_of_labs = Vec::new();
    let mut topic = "";
    for info in &app.labs {
        if info.topic != topic {
            topic = info.topic;
            items.push(ListItem::new(Line::from(topic.to_string().dim())));
        }
        rows_of_labs.push(items.len());
        items.push(ListItem::new(format!("  {}", info.id)));
    }
    let mut state = ListState::default().with_selected(rows_of_labs.get(app.selected_lab).copied());
    let list = List::new(items)
        .block(focused_block(
            format!(" {} ", tr!(lang, "tui-labs")),
            app.focus == Focus::Labs,
        ))
        .highlight_style(Style::new().reversed())
        .highlight_symbol("›");
    frame.render_stateful_widget(list, list_area, &mut state);

    let form_area = match &app.lesson {
        // Wide: the form and the lesson side by side; narrow: the lesson in the form's place.
        Some(pane) if detail_area.width >= 100 => {
            let [form_area, lesson_area] =
                Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                    .areas(detail_area);
            course_view::draw_lesson(frame, pane, lesson_area, app.focus == Focus::Lesson, lang);
            Some(form_area)
        }
        Some(pane) => {
            course_view::draw_lesson(frame, pane, detail_area, app.focus == Focus::Lesson, lang);
            None
        }
        None => Some(detail_area),
    };
    if let (Some(info), Some(form_area)) = (app.selected(), form_area) {
        draw_form(frame, app, info, form_area);
    }
    let keys = match (app.focus, app.editing.is_some()) {
        (_, true) => tr!(lang, "tui-keys-editing"),
        (Focus::Labs, _) => tr!(lang, "tui-keys-labs"),
        (Focus::Form, _) => tr!(lang, "tui-keys-form"),
        (Focus::Lesson, _) => tr!(lang, "tui-keys-lesson"),
    };
    frame.render_widget(Line::from(format!(" {keys}")).dim(), footer);
}

pub fn focused_block(title: String, focused: bool) -> Block<'static> {
    let block = Block::bordered().title(Line::from(title).bold());
    if focused {
        block.border_style(Style::new().fg(Color::Cyan))
    } else {
        block
    }
}

fn draw_form(frame: &mut Frame, app: &App, info: &LabInfo, area: Rect) {
    let lang = app.lang();
    let block = focused_block(
        format!(" {} ", tr!(lang, "tui-parameters")),
        app.focus == Focus::Form,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [summary_area, form_area, help_area] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(3),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                crate::labs::title(lang, info).bold(),
                format!("  ({})", info.id).dim(),
            ]),
            Line::from(crate::labs::summary(lang, info)),
        ])
        .wrap(Wrap { trim: true }),
        summary_area,
    );

    let name_width = info
        .params
        .iter()
        .map(|spec| spec.name.len())
        .max()
        .unwrap_or(8) as u16
        + 1;
    let rows: Vec<Row> = info
        .params
        .iter()
        .zip(&app.form)
        .enumerate()
        .map(|(index, (spec, value))| {
            let selected = index == app.selected_param && app.focus == Focus::Form;
            let shown = match (&app.editing, selected) {
                (Some(text), true) => format!("{text}▏"),
                _ => match spec.kind {
                    ParamKind::Choice { .. } | ParamKind::Bool if selected => {
                        format!("‹ {value} ›")
                    }
                    _ => value.clone(),
                },
            };
            let changed = value != spec.default;
            let mut row = Row::new(vec![
                Cell::from(spec.name),
                Cell::from(if changed { shown.bold() } else { shown.into() }),
            ]);
            if selected {
                row = row.style(Style::new().reversed());
            }
            row
        })
        .collect();
    // Keep the selected row in view on short terminals.
    let visible = form_area.height as usize;
    let skip = (app.selected_param + 1).saturating_sub(visible);
    let rows: Vec<Row> = rows.into_iter().skip(skip).collect();
    frame.render_widget(
        Table::new(rows, [Constraint::Length(name_width), Constraint::Min(10)]),
        form_area,
    );

    let help = match &app.form_error {
        Some(error) => Line::from(error.clone()).fg(Color::Red),
        None => info
            .params
            .get(app.selected_param)
            .map(|spec| {
                let help = crate::labs::param_help(lang, info, spec);
                Line::from(format!("{}: {help}", spec.name)).dim()
            })
            .unwrap_or_default(),
    };
    frame.render_widget(Paragraph::new(help).wrap(Wrap { trim: true }), help_area);
}

fn draw_dashboard(
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
    // A graph needs its tallest layer and a title line, up to a third of the screen.
    let graph_height = graph.map_or(0, |(_, graph)| {
        let tallest = (0..=graph.nodes.iter().map(|node| node.layer).max().unwrap_or(0))
            .map(|layer| {
                graph
                    .nodes
                    .iter()
                    .filter(|node| node.layer == layer)
                    .count()
            })
            .max()
            .unwrap_or(0);
        (tallest as u16 + 1).min(area.height / 3)
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
        draw_graph(frame, name, graph, graph_area, lang);
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

/// How a table's columns fit a width: each kept column's width, the spacing, and whether
/// columns at the right were dropped (then a `…` column marks them).
struct FittedColumns {
    widths: Vec<usize>,
    spacing: u16,
    dropped: bool,
}

/// Fits a table into `width` columns without ever cutting a number: first the spacing
/// narrows and headings shorten to their values' width, then text cells give way (to six
/// columns), then columns at the right are dropped.
fn fit_columns(
    table: &TableView,
    headings: &[String],
    width: usize,
    with_bar: bool,
) -> FittedColumns {
    let column = |index: usize| table.rows.iter().filter_map(move |row| row.get(index));
    let values: Vec<usize> = (0..headings.len())
        .map(|index| {
            column(index)
                .map(|value| cell_text(value).width())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let is_text: Vec<bool> = (0..headings.len())
        .map(|index| column(index).any(|value| value.is_string()))
        .collect();
    let bar = if with_bar { 5 } else { 0 };
    let total = |widths: &[usize], spacing: usize| {
        widths.iter().sum::<usize>() + spacing * widths.len().saturating_sub(1) + bar
    };
    let mut widths: Vec<usize> = headings
        .iter()
        .zip(&values)
        .map(|(heading, value)| heading.width().max(*value).max(1))
        .collect();
    if total(&widths, 2) <= width {
        return FittedColumns {
            widths,
            spacing: 2,
            dropped: false,
        };
    }
    for (index, value) in values.iter().enumerate() {
        widths[index] = (*value).max(3).min(widths[index]);
    }
    for index in (0..widths.len()).rev() {
        let over = total(&widths, 1).saturating_sub(width);
        if over > 0 && is_text[index] {
            widths[index] = widths[index].saturating_sub(over).max(6.min(widths[index]));
        }
    }
    // Dropping a column makes room for the one-column marker and its space too.
    let mut dropped = false;
    while widths.len() > 1 && total(&widths, 1) + if dropped { 2 } else { 0 } > width {
        widths.pop();
        dropped = true;
    }
    FittedColumns {
        widths,
        spacing: 1,
        dropped,
    }
}

/// `text` in at most `width` columns: whole, or cut with `…` (labels give way, numbers never).
fn fit_label(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut kept = String::new();
    for character in text.chars() {
        let next = format!("{kept}{character}");
        if next.width() + 1 > width {
            break;
        }
        kept = next;
    }
    if width == 0 {
        String::new()
    } else {
        format!("{kept}…")
    }
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

fn draw_chart(frame: &mut Frame, dashboard: &Dashboard, area: Rect, lang: Lang) {
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

fn draw_stats(frame: &mut Frame, dashboard: &Dashboard, area: Rect, lang: Lang) {
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

fn cell_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Number(number) => short_number(number.as_f64().unwrap_or(0.0)),
        other => other.to_string(),
    }
}

fn draw_table(
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

/// A graph in layers, one column per layer: each node with its state's symbol and colour, and
/// the nodes it depends on after an arrow.
fn draw_graph(frame: &mut Frame, name: &str, graph: &GraphView, area: Rect, lang: Lang) {
    let layers = graph
        .nodes
        .iter()
        .map(|node| node.layer)
        .max()
        .map_or(0, |top| top + 1);
    let [title, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let mut legend = vec![Span::from(format!(" {} ", lab_i18n::label(lang, name))).bold()];
    for state in ["pending", "running", "passed", "failed", "error", "skipped"] {
        let (symbol, color) = node_style(state);
        legend.push(Span::from(format!(" {symbol} {}", lab_i18n::label(lang, state))).fg(color));
    }
    legend.push(Span::from(format!("  {}", tr!(lang, "tui-graph-legend"))).dim());
    frame.render_widget(Line::from(legend), title);
    let shown = layers.min((body.width / 16).max(1) as usize);
    let columns = Layout::horizontal(vec![Constraint::Fill(1); shown]).split(body);
    for (layer, column) in columns.iter().enumerate() {
        let in_layer: Vec<(usize, &GraphNode)> = graph
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, node)| node.layer == layer)
            .collect();
        let room = column.height as usize;
        let mut lines: Vec<Line> = Vec::new();
        for (count, (index, node)) in in_layer.iter().enumerate() {
            if count + 1 == room && in_layer.len() > room {
                lines.push(Line::from(format!("  … {} more", in_layer.len() - count)).dim());
                break;
            }
            let (symbol, color) = node_style(&node.state);
            let mut label = Span::from(format!("{symbol} {}", node.label)).fg(color);
            if node.marked {
                label = label.bold();
            }
            let needs: Vec<&str> = graph
                .edges
                .iter()
                .filter(|(_, to)| to == index)
                .map(|(from, _)| graph.nodes[*from].label.as_str())
                .collect();
            let mut spans = vec![label];
            if !needs.is_empty() {
                spans.push(Span::from(format!(" ←{}", needs.join(","))).dim());
            }
            lines.push(Line::from(spans));
        }
        if layer + 1 == shown && layers > shown {
            lines.push(Line::from(format!("  +{} layers", layers - shown)).dim());
        }
        frame.render_widget(Paragraph::new(lines), *column);
    }
}

fn node_style(state: &str) -> (&'static str, Color) {
    match state {
        "running" => ("▶", Color::Cyan),
        "passed" => ("✓", Color::Green),
        "failed" => ("✗", Color::Red),
        "error" => ("!", Color::Magenta),
        "skipped" => ("↷", Color::Yellow),
        _ => ("·", Color::Gray),
    }
}

fn draw_events(frame: &mut Frame, dashboard: &Dashboard, area: Rect, lang: Lang) {
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

fn draw_help(frame: &mut Frame, screen: Screen, lang: Lang) {
    let area = frame.area();
    let width = 62.min(area.width);
    let height = 20.min(area.height);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let mut lines = vec![Line::from(tr!(lang, "tui-help-keys").bold())];
    let keys: Vec<(&str, String)> = match screen {
        Screen::Home => vec![
            ("↑ ↓  j k", tr!(lang, "tui-help-choose-lab")),
            ("Tab", tr!(lang, "tui-help-tab")),
            ("← → space", tr!(lang, "tui-help-choice")),
            ("e", tr!(lang, "tui-help-edit")),
            ("d", tr!(lang, "tui-help-defaults")),
            ("Enter  s", tr!(lang, "tui-help-start")),
            ("l", tr!(lang, "tui-help-lesson")),
            ("L", tr!(lang, "tui-help-language")),
            ("x", tr!(lang, "tui-help-exercises")),
            ("q  Esc", tr!(lang, "tui-help-quit")),
        ],
        Screen::Exercises => vec![
            ("↑ ↓", tr!(lang, "tui-help-choose-exercise")),
            ("h", tr!(lang, "tui-help-hint")),
            ("PgUp PgDn", tr!(lang, "tui-help-scroll-task")),
            ("L", tr!(lang, "tui-help-language")),
            ("q  Esc", tr!(lang, "tui-help-back-to-labs")),
        ],
        Screen::Dashboard => vec![
            ("s", tr!(lang, "tui-help-stop")),
            ("r", tr!(lang, "tui-help-run-again")),
            ("↑ ↓", tr!(lang, "tui-help-scroll-events")),
            ("l", tr!(lang, "tui-help-lesson-beside")),
            ("q  Esc", tr!(lang, "tui-help-stop-and-back")),
            ("Ctrl-C", tr!(lang, "tui-help-ctrl-c")),
        ],
    };
    for (key, meaning) in keys {
        lines.push(Line::from(vec![
            format!("  {key:<12}").fg(Color::Cyan),
            meaning.into(),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(tr!(lang, "tui-help-rates").dim()));
    lines.push(Line::from(tr!(lang, "tui-help-close").dim()));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(Line::from(format!(" {} ", tr!(lang, "tui-help"))).bold())
                .border_style(Style::new().fg(Color::Cyan)),
        ),
        popup,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::course::Course;
    use lab_core::{LabEvent, Report, Snapshot};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn screen_text(terminal: &Terminal<TestBackend>) -> Vec<String> {
        let buffer = terminal.backend().buffer();
        (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect()
    }

    #[test]
    fn durations_are_shown_in_the_unit_that_fits_them() {
        assert_eq!(duration_text(48.0, "µs").unwrap(), "48 µs");
        assert_eq!(duration_text(3_212.0, "µs").unwrap(), "3.2 ms");
        assert_eq!(duration_text(337_400.0, "us").unwrap(), "337 ms");
        assert_eq!(duration_text(1_400_000.0, "µs").unwrap(), "1.4 s");
        assert_eq!(duration_text(2.0, "ms").unwrap(), "2 ms");
        assert_eq!(duration_text(90.0, "s").unwrap(), "90 s");
        assert_eq!(duration_text(5.0, "bytes"), None);
    }

    fn render(app: &App, width: u16, height: u16) -> Vec<String> {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|frame| draw(frame, app)).unwrap();
        screen_text(&terminal)
    }

    fn app() -> App {
        let registry = crate::labs::registry();
        App::new(registry.labs().iter().map(|lab| lab.info()).collect())
    }

    fn running_pubsub() -> App {
        let mut app = app();
        app.open_dashboard("zmq-pubsub", "live");
        for tick in 1..=30 {
            let mut snapshot = Snapshot {
                lab: "zmq-pubsub".into(),
                t: tick as f64 / 10.0,
                ..Snapshot::default()
            };
            snapshot.counters.insert("sent".into(), tick * 200);
            snapshot.rates.insert("sent".into(), 2000.0);
            snapshot.counters.insert("received".into(), tick * 190);
            snapshot.rates.insert("received".into(), 1900.0);
            snapshot.hints.charts = vec!["sent".into(), "received".into()];
            snapshot.tables.insert(
                "topics".into(),
                TableView {
                    columns: vec!["topic".into(), "sent".into()],
                    rows: vec![vec!["A".into(), 3000.into()], vec!["B".into(), 2999.into()]],
                },
            );
            if tick == 3 {
                snapshot.events.push(lab_core::LogEvent {
                    t: 0.3,
                    level: Level::Warn,
                    message: "sub-1 joined topic A at message #2".into(),
                });
            }
            app.apply(&LabEvent::Snapshot(snapshot));
        }
        app
    }

    /// With the course in Chinese (`L`), the interface's own words are Chinese on every screen
    /// at both sizes: none of the English chrome is left, and the dashboard's counters and
    /// tables are labelled in Chinese, and so are the lab's title, summary and parameter help.
    #[test]
    fn the_whole_interface_follows_the_language() {
        const ENGLISH_CHROME: [&str; 16] = [
            "Labs",
            "Parameters",
            "choose",
            "quit",
            "help",
            "Help",
            "Keys",
            "running",
            "per second",
            "totals",
            "events",
            "newest first",
            "Enter start",
            "defaults",
            "scroll",
            "Any key",
        ];
        let in_chinese = |mut app: App| {
            app.course = Some(Course {
                content: crate::course::content::Content::Embedded,
                registry: crate::labs::registry(),
                lang: Lang::Zh,
            });
            app
        };
        let mut screens = Vec::new();
        for (width, height) in [(80, 24), (120, 40)] {
            screens.push(("home", render(&in_chinese(app()), width, height).join("\n")));
            let mut help = in_chinese(app());
            help.show_help = true;
            screens.push(("home help", render(&help, width, height).join("\n")));
            screens.push((
                "dashboard",
                render(&in_chinese(running_pubsub()), width, height).join("\n"),
            ));
            let mut help = in_chinese(running_pubsub());
            help.show_help = true;
            screens.push(("dashboard help", render(&help, width, height).join("\n")));
        }
        for (name, text) in &screens {
            for english in ENGLISH_CHROME {
                assert!(
                    !text.contains(english),
                    "{name}: '{english}' left in\n{text}"
                );
            }
        }
        for (name, text) in screens.iter().filter(|(name, _)| *name == "dashboard") {
            for counter in ["sent", "received", "topics"] {
                assert!(
                    !text.contains(counter),
                    "{name}: '{counter}' left in\n{text}"
                );
            }
        }
        // A wide character's second cell reads as a space.
        let squeezed = |at: usize| screens[at].1.replace(' ', "");
        assert!(
            squeezed(0).contains("实验") && squeezed(0).contains("启动"),
            "{}",
            squeezed(0)
        );
        // The lab's own title and summary too.
        assert!(
            squeezed(0).contains("ZeroMQ发布/订阅") && squeezed(0).contains("扇出给订阅者"),
            "{}",
            squeezed(0)
        );
        assert!(squeezed(1).contains("按键"), "{}", squeezed(1));
        assert!(
            squeezed(2).contains("运行中") && squeezed(2).contains("事件"),
            "{}",
            squeezed(2)
        );
    }

    /// A code block wider than the lesson pane is not cut silently: a marker shows it goes on,
    /// and → brings the rest into view (with a marker on the left).
    #[test]
    fn a_code_block_wider_than_the_pane_is_marked_and_scrolls_sideways() {
        use crate::tui::course::LessonPane;
        use ratatui::crossterm::event::{KeyCode, KeyEvent};
        let registry = crate::labs::registry();
        let markdown = "# Wide\n\nRun:\n\n```\nworkbench lab zmq-pubsub --role publisher --bind tcp://127.0.0.1:5556 --topics A,B,C THE-END\n```\n";
        let (lines, links) = crate::course::lesson::parse(markdown, "wide.md", &registry).unwrap();
        let mut app = app();
        app.course = Some(Course {
            content: crate::course::content::Content::Embedded,
            registry,
            lang: Lang::En,
        });
        app.lesson = Some(LessonPane {
            topic: "messaging".into(),
            lesson: Ok(crate::course::lesson::Lesson {
                topic: "messaging".into(),
                lang: Lang::En,
                title: "Wide".into(),
                markdown: markdown.into(),
                lines,
                links,
            }),
            scroll: 0,
            shift: 0,
            selected_link: None,
        });
        app.focus = Focus::Lesson;
        let text = render(&app, 80, 24).join("\n");
        assert!(text.contains("workbench lab zmq-pubsub"), "{text}");
        assert!(text.contains('›') && !text.contains("THE-END"), "{text}");
        for _ in 0..12 {
            app.on_key(KeyEvent::from(KeyCode::Right));
        }
        let text = render(&app, 80, 24).join("\n");
        assert!(text.contains("THE-END") && text.contains('‹'), "{text}");
        for _ in 0..20 {
            app.on_key(KeyEvent::from(KeyCode::Left));
        }
        let text = render(&app, 80, 24).join("\n");
        assert!(
            text.contains("workbench lab zmq-pubsub") && !text.contains('‹'),
            "{text}"
        );
    }

    #[test]
    fn home_lists_the_lab_with_its_form_in_80_by_24() {
        let screen = render(&app(), 80, 24);
        let text = screen.join("\n");
        assert!(screen[0].contains("Workbench"));
        assert!(text.contains("messaging"), "topic heading missing:\n{text}");
        assert!(
            text.contains("› zmq-pubsub") || text.contains("›  zmq-pubsub"),
            "{text}"
        );
        assert!(text.contains("role") && text.contains("both"), "{text}");
        assert!(screen[23].contains("Enter start"), "footer: {}", screen[23]);
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
    fn a_narrow_table_shortens_headings_then_drops_columns_but_never_cuts_a_number() {
        let table = TableView {
            columns: vec![
                "subscriber".into(),
                "wanted".into(),
                "received".into(),
                "dropped".into(),
            ],
            rows: vec![vec![
                serde_json::json!("sub-1"),
                serde_json::json!(7812.0),
                serde_json::json!(4002.0),
                serde_json::json!(12.0),
            ]],
        };
        let headings: Vec<String> = table.columns.clone();
        let wide = fit_columns(&table, &headings, 60, false);
        assert_eq!((wide.spacing, wide.dropped), (2, false));
        assert_eq!(wide.widths, [10, 6, 8, 7]);
        // 24 columns: headings shorten to their numbers' width, nothing is dropped.
        let narrow = fit_columns(&table, &headings, 24, false);
        assert!(!narrow.dropped, "{:?}", narrow.widths);
        assert!(
            narrow.widths[1] >= 4 && narrow.widths[2] >= 4,
            "{:?}",
            narrow.widths
        );
        // 14 columns: the right-hand columns go, marked, and what stays is whole.
        let tiny = fit_columns(&table, &headings, 14, false);
        assert!(tiny.dropped, "{:?}", tiny.widths);
        // The kept columns, a space after each, and the marker.
        let used = tiny.widths.iter().sum::<usize>() + tiny.widths.len() + 1;
        assert!(used <= 14, "{:?}", tiny.widths);
        assert!(tiny.widths.iter().skip(1).all(|width| *width >= 4));
    }

    #[test]
    fn labels_give_way_and_numbers_are_never_cut() {
        assert_eq!(fit_label("refused: filtered (429)", 10), "refused: …");
        assert_eq!(fit_label("orders", 10), "orders");
        assert_eq!(fit_label("被拒（1040）", 6), "被拒…");
        assert_eq!(fit_label("orders", 0), "");
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

    #[test]
    fn help_overlay_lists_the_keys_and_small_terminals_do_not_panic() {
        let mut app = running_pubsub();
        app.show_help = true;
        let text = render(&app, 80, 24).join("\n");
        assert!(
            text.contains("Help") && text.contains("stop the lab"),
            "{text}"
        );
        for (width, height) in [(20, 5), (40, 10), (200, 60)] {
            render(&app, width, height);
        }
    }

    #[test]
    fn numbers_are_shortened_for_narrow_columns() {
        assert_eq!(short_number(999.0), "999");
        assert_eq!(short_number(12_345.0), "12.3k");
        assert_eq!(short_number(2_500_000.0), "2.5M");
        assert_eq!(nice_ceiling(1900.0), 2000.0);
        assert_eq!(nice_ceiling(2100.0), 2500.0);
    }
}
