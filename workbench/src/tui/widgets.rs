//! Pieces every screen draws with: the page frame, a focused block, and numbers, durations,
//! labels and table columns fitted to the room they have (a number is never cut).

use lab_core::TableView;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::Block;
use unicode_width::UnicodeWidthStr as _;

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

pub fn focused_block(title: String, focused: bool) -> Block<'static> {
    let block = Block::bordered().title(Line::from(title).bold());
    if focused {
        block.border_style(Style::new().fg(Color::Cyan))
    } else {
        block
    }
}

/// How a table's columns fit a width: each kept column's width, the spacing, and whether
/// columns at the right were dropped (then a `…` column marks them).
pub struct FittedColumns {
    pub widths: Vec<usize>,
    pub spacing: u16,
    pub dropped: bool,
}

/// Fits a table into `width` columns without ever cutting a number: first the spacing
/// narrows and headings shorten to their values' width, then text cells give way (to six
/// columns), then columns at the right are dropped.
pub fn fit_columns(
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
pub fn fit_label(text: &str, width: usize) -> String {
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

pub fn cell_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Number(number) => short_number(number.as_f64().unwrap_or(0.0)),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn labels_give_way_with_a_marker() {
        assert_eq!(fit_label("refused: filtered (429)", 10), "refused: …");
        assert_eq!(fit_label("orders", 10), "orders");
        assert_eq!(fit_label("被拒（1040）", 6), "被拒…");
        assert_eq!(fit_label("orders", 0), "");
    }

    #[test]
    fn numbers_are_shortened_for_narrow_columns() {
        assert_eq!(short_number(999.0), "999");
        assert_eq!(short_number(12_345.0), "12.3k");
        assert_eq!(short_number(2_500_000.0), "2.5M");
    }
}
