//! A dependency graph on the dashboard (the test-deps lab's tests and what they need).

use lab_core::{GraphNode, GraphView};
use lab_i18n::tr;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::course::Lang;

/// A graph in layers, one column per layer: each node with its state's symbol and colour, and
/// the nodes it depends on after an arrow.
pub(crate) fn draw(frame: &mut Frame, name: &str, graph: &GraphView, area: Rect, lang: Lang) {
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
