//! A run kept as one HTML file: `workbench lab <id> ... --report run.html`, or afterwards
//! `workbench replay rec.jsonl --report run.html`. The page holds the verdict, the parameters,
//! charts drawn as SVG inside it, the totals, the latency figures, the lab's tables and its
//! event log, in the reader's language, with no script and nothing fetched: it opens the same
//! on any machine, without a network. A student hands it in; a teacher opens it.

use std::fmt::Write as _;
use std::path::Path;

use lab_core::{LabEvent, Registry, Report, Snapshot};
use lab_i18n::{Lang, label, tr};
use plotters::prelude::*;
use pulldown_cmark_escape::escape_html;

use crate::tui::widgets::{cell_text, duration_text};

/// Writes the page for a run's events to `path`, whole or not at all.
pub fn write(
    path: &Path,
    events: &[LabEvent],
    registry: &Registry,
    lang: Lang,
) -> anyhow::Result<()> {
    let page = render(events, registry, lang)?;
    let cannot = |error: &dyn std::fmt::Display| {
        anyhow::anyhow!(
            "cannot write the report {}: {error}; choose a writable path for --report",
            path.display()
        )
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(|error| cannot(&error))?;
    std::io::Write::write_all(&mut file, page.as_bytes()).map_err(|error| cannot(&error))?;
    // A page to hand in: readable by others, as any file the student saves (a temporary
    // file starts private).
    {
        use std::os::unix::fs::PermissionsExt as _;
        let readable = std::fs::Permissions::from_mode(0o644);
        file.as_file()
            .set_permissions(readable)
            .map_err(|error| cannot(&error))?;
    }
    file.persist(path).map_err(|error| cannot(&error.error))?;
    Ok(())
}

/// The page itself.
pub fn render(events: &[LabEvent], registry: &Registry, lang: Lang) -> anyhow::Result<String> {
    let snapshots: Vec<&Snapshot> = events
        .iter()
        .filter_map(|event| match event {
            LabEvent::Snapshot(snapshot) => Some(snapshot),
            LabEvent::Report(_) => None,
        })
        .collect();
    let report = events.iter().rev().find_map(|event| match event {
        LabEvent::Report(report) => Some(report),
        LabEvent::Snapshot(_) => None,
    });
    let Some(last) = snapshots.last() else {
        anyhow::bail!("the run has no snapshot to report on");
    };
    let lab = last.lab.as_str();
    let title = registry
        .find(lab)
        .map(|found| crate::labs::title(lang, &found.info()).to_string())
        .unwrap_or_else(|| lab.to_string());

    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"workbench {}\">\n<title>",
        lang.tag(),
        env!("CARGO_PKG_VERSION")
    );
    push_text(
        &mut html,
        &format!("{title} · {}", tr!(lang, "report-title")),
    );
    html.push_str("</title>\n<style>");
    html.push_str(STYLE);
    html.push_str("</style>\n</head>\n<body>\n<h1>");
    push_text(&mut html, &title);
    html.push_str(" <code>");
    push_text(&mut html, lab);
    html.push_str("</code></h1>\n");
    verdict(&mut html, report, lang);
    let _ = writeln!(
        html,
        "<p class=\"about\">{}</p>",
        escaped(&tr!(
            lang,
            "report-about",
            version = env!("CARGO_PKG_VERSION"),
            seconds = format!("{:.1}", report.map_or(last.t, |report| report.t))
        ))
    );
    if let Some(report) = report.filter(|report| !report.params.is_empty()) {
        section(&mut html, &tr!(lang, "report-parameters"));
        let rows = report
            .params
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    serde_json::Value::String(text) => text.clone(),
                    serde_json::Value::Array(items) => items
                        .iter()
                        .map(|item| item.as_str().map_or(item.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join(","),
                    other => other.to_string(),
                };
                vec![format!("--{name}"), value]
            })
            .collect::<Vec<_>>();
        table(&mut html, &[], &rows);
    }
    let charted = charted_series(last);
    if !charted.is_empty() && snapshots.len() > 1 {
        section(&mut html, &tr!(lang, "report-chart"));
        html.push_str(&chart(&snapshots, &charted, lang)?);
    }
    // The report's figures are the final ones; a recording cut short has only its snapshots.
    let totals = report
        .map(|report| &report.counters)
        .filter(|totals| !totals.is_empty())
        .unwrap_or(&last.counters);
    if !totals.is_empty() || !last.gauges.is_empty() {
        section(&mut html, &tr!(lang, "report-totals"));
        let rows = totals
            .iter()
            .map(|(name, total)| (name, total.to_string()))
            .chain(
                last.gauges
                    .iter()
                    .map(|(name, value)| (name, value.to_string())),
            )
            .map(|(name, value)| vec![label(lang, name), value])
            .collect::<Vec<_>>();
        table(&mut html, &[], &rows);
    }
    let latency = report
        .map(|report| &report.latency)
        .filter(|latency| !latency.is_empty())
        .unwrap_or(&last.latency);
    if !latency.is_empty() {
        section(&mut html, &tr!(lang, "report-latency"));
        let header = ["", "count", "p50", "p90", "p99", "max"].map(|id| {
            if id.is_empty() {
                String::new()
            } else {
                label(lang, id)
            }
        });
        let rows = latency
            .iter()
            .map(|(name, figures)| {
                let time = |value: u64| {
                    duration_text(value as f64, &figures.unit)
                        .unwrap_or_else(|| format!("{value} {}", figures.unit))
                };
                vec![
                    label(lang, name),
                    figures.count.to_string(),
                    time(figures.p50),
                    time(figures.p90),
                    time(figures.p99),
                    time(figures.max),
                ]
            })
            .collect::<Vec<_>>();
        table(&mut html, &header, &rows);
    }
    for (name, view) in &last.tables {
        section(&mut html, &label(lang, name));
        let header: Vec<String> = view
            .columns
            .iter()
            .map(|column| label(lang, column))
            .collect();
        let rows: Vec<Vec<String>> = view
            .rows
            .iter()
            .map(|row| row.iter().map(cell_text).collect())
            .collect();
        table(&mut html, &header, &rows);
    }
    let log: Vec<_> = snapshots
        .iter()
        .flat_map(|snapshot| &snapshot.events)
        .collect();
    if !log.is_empty() {
        section(&mut html, &tr!(lang, "report-events"));
        html.push_str("<ol class=\"events\">\n");
        for event in log {
            let _ = writeln!(
                html,
                "<li class=\"{:?}\"><span class=\"t\">{:.1} s</span> {}</li>",
                event.level,
                event.t,
                escaped(&event.message)
            );
        }
        html.push_str("</ol>\n");
    }
    html.push_str("</body>\n</html>\n");
    Ok(html)
}

fn verdict(html: &mut String, report: Option<&Report>, lang: Lang) {
    let Some(report) = report else {
        let _ = writeln!(
            html,
            "<p class=\"verdict failed\">{}</p>",
            escaped(&tr!(lang, "report-unfinished"))
        );
        return;
    };
    let (class, word) = if report.ok {
        ("passed", tr!(lang, "report-passed"))
    } else {
        ("failed", tr!(lang, "report-failed"))
    };
    let _ = writeln!(
        html,
        "<p class=\"verdict {class}\"><strong>{}</strong> {}</p>",
        escaped(&word),
        escaped(&report.verdict)
    );
    if !report.notes.is_empty() {
        html.push_str("<ul class=\"notes\">\n");
        for note in &report.notes {
            let _ = writeln!(html, "<li>{}</li>", escaped(note));
        }
        html.push_str("</ul>\n");
    }
}

/// What the dashboards chart: the lab's chart hints, else every counter.
fn charted_series(last: &Snapshot) -> Vec<String> {
    if last.hints.charts.is_empty() {
        last.counters.keys().cloned().collect()
    } else {
        last.hints.charts.clone()
    }
}

/// One SVG line chart: each counter's rate per second (a gauge's value) over the run.
fn chart(snapshots: &[&Snapshot], series: &[String], lang: Lang) -> anyhow::Result<String> {
    let drawn = |error: &dyn std::fmt::Display| anyhow::anyhow!("cannot draw the chart: {error}");
    let value = |snapshot: &Snapshot, name: &str| -> f64 {
        snapshot
            .rates
            .get(name)
            .copied()
            .or_else(|| snapshot.gauges.get(name).map(|value| *value as f64))
            .filter(|value| value.is_finite())
            .unwrap_or(0.0)
    };
    let end = snapshots.last().map_or(1.0, |last| last.t).max(0.1);
    let highest = snapshots
        .iter()
        .flat_map(|snapshot| series.iter().map(|name| value(snapshot, name)))
        .fold(0.0_f64, f64::max)
        .max(1.0)
        * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 380)).into_drawing_area();
        root.fill(&WHITE).map_err(|error| drawn(&error))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..end, 0.0..highest)
            .map_err(|error| drawn(&error))?;
        chart
            .configure_mesh()
            .x_desc(tr!(lang, "report-seconds"))
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(|error| drawn(&error))?;
        for (index, name) in series.iter().enumerate() {
            let colour = Palette99::pick(index).to_rgba();
            // Each series thicker than the one after it, so one hidden under another of the
            // same values still shows at its edges.
            let width = 1 + (series.len() - index).min(4) as u32;
            let points = snapshots
                .iter()
                .map(|snapshot| (snapshot.t, value(snapshot, name)));
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(width)))
                .map_err(|error| drawn(&error))?
                .label(label(lang, name))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(4))
                });
        }
        chart
            .configure_series_labels()
            .label_font(("sans-serif", 15))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|error| drawn(&error))?;
        root.present().map_err(|error| drawn(&error))?;
    }
    Ok(format!("<figure>{svg}</figure>\n"))
}

fn section(html: &mut String, heading: &str) {
    let _ = writeln!(html, "<h2>{}</h2>", escaped(heading));
}

fn table(html: &mut String, header: &[String], rows: &[Vec<String>]) {
    html.push_str("<table>\n");
    if !header.is_empty() {
        html.push_str("<tr>");
        for cell in header {
            let _ = write!(html, "<th>{}</th>", escaped(cell));
        }
        html.push_str("</tr>\n");
    }
    for row in rows {
        html.push_str("<tr>");
        for cell in row {
            let _ = write!(html, "<td>{}</td>", escaped(cell));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
}

fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_text(&mut out, text);
    out
}

fn push_text(html: &mut String, text: &str) {
    // Writing into a String cannot fail.
    let _ = escape_html(&mut *html, text);
}

const STYLE: &str = "
body { font: 16px/1.5 system-ui, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #111; }
h1 code { font-size: 0.6em; color: #555; }
.verdict { font-size: 1.2em; padding: 0.6em 0.8em; border-radius: 6px; }
.verdict.passed { background: #e3f5e1; border-left: 6px solid #2e7d32; }
.verdict.failed { background: #fde7e7; border-left: 6px solid #c62828; }
.about { color: #555; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
td:not(:first-child) { font-variant-numeric: tabular-nums; }
figure { margin: 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
.events { font-family: ui-monospace, monospace; font-size: 0.9em; padding-left: 1.5em; }
.events .Warn { color: #a15c00; }
.events .Error { color: #c62828; }
.events .t { color: #777; }
";

#[cfg(test)]
mod tests {
    use lab_core::{LogEvent, Percentiles};

    use super::*;

    fn events(finished: bool) -> Vec<LabEvent> {
        let snapshots: Vec<LabEvent> = (1..=5)
            .map(|tick| {
                let mut snapshot = Snapshot {
                    lab: "zmq-pubsub".into(),
                    t: tick as f64 / 10.0,
                    ..Snapshot::default()
                };
                snapshot.counters.insert("sent".into(), tick * 100);
                snapshot.rates.insert("sent".into(), 1000.0);
                snapshot.counters.insert("dropped".into(), 0);
                snapshot.rates.insert("dropped".into(), f64::NAN);
                snapshot.latency.insert(
                    "round trip".into(),
                    Percentiles {
                        unit: "µs".into(),
                        count: 9,
                        p99: 3_400,
                        ..Percentiles::default()
                    },
                );
                if tick == 2 {
                    snapshot.events.push(LogEvent {
                        t: 0.2,
                        level: lab_core::Level::Warn,
                        message: "a subscriber said <script>alert(1)</script>".into(),
                    });
                }
                LabEvent::Snapshot(snapshot)
            })
            .collect();
        let mut all = snapshots;
        if finished {
            let mut report = Report {
                lab: "zmq-pubsub".into(),
                ok: false,
                t: 0.5,
                verdict: "dropped 0 & sent 500".into(),
                notes: vec!["the slow subscriber kept up".into()],
                ..Report::default()
            };
            report.counters.insert("sent".into(), 500);
            report.params.insert("hwm".into(), 100.into());
            report
                .params
                .insert("topics".into(), serde_json::json!(["A", "B"]));
            all.push(LabEvent::Report(report));
        }
        all
    }

    #[test]
    fn the_page_holds_the_verdict_parameters_chart_figures_and_events_escaped() {
        let page = render(&events(true), &crate::labs::registry(), Lang::En).unwrap();
        assert!(
            page.starts_with("<!doctype html>\n<html lang=\"en\">"),
            "{page}"
        );
        assert!(
            page.contains(
                "<p class=\"verdict failed\"><strong>Failed:</strong> dropped 0 &amp; sent 500</p>"
            ),
            "{page}"
        );
        assert!(
            page.contains("<li>the slow subscriber kept up</li>"),
            "{page}"
        );
        assert!(page.contains("<td>--hwm</td><td>100</td>"), "{page}");
        assert!(page.contains("<td>--topics</td><td>A,B</td>"), "{page}");
        assert!(page.contains("<td>sent</td><td>500</td>"), "{page}");
        assert!(page.contains("<td>3.4 ms</td>"), "{page}");
        assert!(page.contains("<figure><svg"), "{page}");
        assert!(
            page.contains("a subscriber said &lt;script&gt;alert(1)&lt;/script&gt;")
                && !page.contains("<script"),
            "a lab's words never become markup"
        );
        // Nothing fetched: no script, no outside address, no file named.
        for outside in ["src=", "http://", "https://", "@import", "url("] {
            let fetched = page.replace("http://www.w3.org/2000/svg", "");
            assert!(!fetched.contains(outside), "{outside}");
        }
    }

    #[test]
    fn the_page_speaks_the_readers_language_and_says_when_the_run_did_not_finish() {
        let page = render(&events(false), &crate::labs::registry(), Lang::Zh).unwrap();
        assert!(page.contains("<html lang=\"zh-CN\">"), "{page}");
        assert!(page.contains(&tr!(Lang::Zh, "report-unfinished")), "{page}");
        assert!(page.contains(&format!("<h2>{}</h2>", tr!(Lang::Zh, "report-events"))));
        assert!(
            !page.contains("report-"),
            "every heading came from the catalogue"
        );
    }

    #[test]
    fn a_run_without_snapshots_is_refused_and_nothing_is_written() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("run.html");
        let error = write(&path, &[], &crate::labs::registry(), Lang::En).unwrap_err();
        assert!(error.to_string().contains("no snapshot"), "{error}");
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 0);
    }
}
