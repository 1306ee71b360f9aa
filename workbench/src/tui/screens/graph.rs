//! A dependency graph on the dashboard (the test-deps lab's tests and what they need).

use lab_core::{GraphNode, GraphView};
use lab_i18n::tr;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::widgets::fit_label;
use crate::course::Lang;

/// A graph in layers, one column per layer, each node in a cell of its own: its state's symbol
/// and colour and its name, and under it (dim) the names of the nodes it depends on, which
/// sit in columns to its left. A name too wide for its cell ends in `…`; a column with more
/// nodes than rows says how many more.
pub(crate) fn draw(frame: &mut Frame, name: &str, graph: &GraphView, area: Rect, lang: Lang) {
    let layers = layer_count(graph);
    let [title, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let mut legend = vec![Span::from(format!(" {} ", lab_i18n::label(lang, name))).bold()];
    for state in ["pending", "running", "passed", "failed", "error", "skipped"] {
        let (symbol, color) = node_style(state);
        legend.push(Span::from(format!(" {symbol} {}", lab_i18n::label(lang, state))).fg(color));
    }
    legend.push(Span::from(format!("  {}", tr!(lang, "tui-graph-legend"))).dim());
    frame.render_widget(Line::from(legend), title);
    let shown = layers.min((body.width / MIN_CELL).max(1) as usize);
    let columns = Layout::horizontal(vec![Constraint::Fill(1); shown])
        .spacing(1)
        .split(body);
    for (layer, column) in columns.iter().enumerate() {
        let width = column.width as usize;
        let room = column.height as usize;
        let in_layer = nodes_in(graph, layer);
        let mut lines: Vec<Line> = Vec::new();
        for (count, (index, node)) in in_layer.iter().enumerate() {
            let needs = needs_of(graph, *index);
            let rows = 1 + usize::from(!needs.is_empty());
            let last_column = layer + 1 == shown && layers > shown;
            let reserved = usize::from(last_column) + usize::from(count + 1 < in_layer.len());
            if lines.len() + rows + reserved > room && count < in_layer.len() {
                lines.push(Line::from(fit_label(
                    &format!("… +{}", in_layer.len() - count),
                    width,
                )));
                break;
            }
            let (symbol, color) = node_style(&node.state);
            let mut label =
                Span::from(fit_label(&format!("{symbol} {}", node.label), width)).fg(color);
            if node.marked {
                label = label.bold();
            }
            lines.push(Line::from(label));
            if !needs.is_empty() {
                let text = format!("  ← {}", needs.join(", "));
                lines.push(Line::from(Span::from(fit_label(&text, width)).dim()));
            }
        }
        if layer + 1 == shown && layers > shown {
            lines.push(Line::from(fit_label(&format!("+{} →", layers - shown), width)).dim());
        }
        frame.render_widget(Paragraph::new(lines), *column);
    }
}

/// The narrowest cell a column is given before columns at the right are left out.
const MIN_CELL: u16 = 14;

/// Rows the graph needs to show every node: its title and its fullest column.
pub(crate) fn height(graph: &GraphView) -> u16 {
    let tallest = (0..layer_count(graph))
        .map(|layer| {
            nodes_in(graph, layer)
                .iter()
                .map(|(index, _)| 1 + usize::from(!needs_of(graph, *index).is_empty()))
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    tallest as u16 + 1
}

fn layer_count(graph: &GraphView) -> usize {
    graph
        .nodes
        .iter()
        .map(|node| node.layer)
        .max()
        .map_or(0, |top| top + 1)
}

fn nodes_in(graph: &GraphView, layer: usize) -> Vec<(usize, &GraphNode)> {
    graph
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, node)| node.layer == layer)
        .collect()
}

/// The names of the nodes `index` depends on.
fn needs_of(graph: &GraphView, index: usize) -> Vec<&str> {
    graph
        .edges
        .iter()
        .filter(|(_, to)| *to == index)
        .map(|(from, _)| graph.nodes[*from].label.as_str())
        .collect()
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

#[cfg(test)]
mod tests {
    use lab_core::{LabEvent, Snapshot};

    use super::super::testing::{app, render};
    use super::*;

    /// The cascade suite's shape: a chain with branches, one failure, its dependents skipped.
    fn cascade() -> GraphView {
        let labels = [
            "build",
            "create_user",
            "login",
            "view_profile",
            "add_to_cart",
            "checkout",
            "logout",
            "lint_the_whole_code_base",
        ];
        let edges = vec![(0, 1), (1, 2), (2, 3), (2, 4), (4, 5), (2, 6), (0, 7)];
        let mut graph = GraphView::layered(labels.map(String::from).to_vec(), edges);
        for (node, state) in graph.nodes.iter_mut().zip([
            "passed", "passed", "passed", "running", "failed", "skipped", "pending", "passed",
        ]) {
            node.state = state.to_string();
        }
        graph
    }

    #[test]
    fn each_test_has_a_cell_of_its_own_with_what_it_depends_on_under_it() {
        let mut app = app();
        app.open_dashboard("test-deps", "live");
        let mut snapshot = Snapshot {
            lab: "test-deps".into(),
            t: 1.0,
            ..Snapshot::default()
        };
        snapshot.graphs.insert("tests".into(), cascade());
        app.apply(&LabEvent::Snapshot(snapshot));
        for (width, height) in [(80, 24), (120, 40)] {
            let screen = render(&app, width, height).join("\n");
            // No two names share a line's cell: each name starts a cell of its own, and a
            // dependency line names what is to its left.
            for name in ["✓ build", "✓ create_user", "✓ login", "✗ add_to_cart"] {
                assert!(screen.contains(name), "{width}x{height}: {name}\n{screen}");
            }
            assert!(
                screen.contains("← create_user"),
                "{width}x{height}\n{screen}"
            );
            assert!(
                !screen.contains("✓ create_user ←"),
                "{width}x{height}\n{screen}"
            );
            assert!(!screen.contains("build✓"), "{width}x{height}\n{screen}");
        }
        // A name wider than its cell ends in the marker instead of running into the next.
        let narrow = render(&app, 80, 24);
        let line = narrow
            .iter()
            .find(|line| line.contains("lint_the_"))
            .unwrap_or_else(|| panic!("{narrow:#?}"));
        assert!(
            line.contains("lint_the_who…") && !line.contains("lint_the_whole_code_base"),
            "{line}"
        );
    }

    #[test]
    fn the_graph_asks_for_a_row_per_name_and_per_list_of_needs() {
        // Layer 3: view_profile, add_to_cart and logout, each needing login: six rows, and
        // the title.
        assert_eq!(height(&cascade()), 7);
    }
}
