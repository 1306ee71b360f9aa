//! Drawing the lesson pane and the exercises screen. Nothing here changes state.

use lab_i18n::tr;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph};

use super::course::{ExerciseScreen, LessonPane};
use super::view::{focused_block, page};
use crate::course::Lang;
use crate::course::lesson::{self, RichLine, Style as TextStyle};

/// Lesson lines from `first` on, wrapped to `width`, styled for the terminal; the selected
/// link stands out. A code block or diagram wider than the pane is never cut silently: it is
/// shown from column `shift`, with ‹ and › where it goes on (`←` `→` scroll it).
fn styled(
    lines: &[RichLine],
    first: usize,
    width: usize,
    shift: usize,
    selected_link: Option<usize>,
) -> Vec<Line<'static>> {
    let shown = lines.get(first..).unwrap_or_default();
    lesson::wrap(shown, width)
        .into_iter()
        .map(|line| {
            if line.is_verbatim() {
                return sideways(&line.text(), width, shift);
            }
            let mut spans = vec![Span::raw(line.prefix.clone())];
            for span in line.spans {
                let style = match span.style {
                    TextStyle::Plain => Style::new(),
                    TextStyle::Strong => Style::new().bold(),
                    TextStyle::Emphasis => Style::new().italic(),
                    TextStyle::Code => Style::new().fg(Color::Yellow),
                    TextStyle::Block => Style::new().fg(Color::Gray),
                    TextStyle::Heading => Style::new().fg(Color::Cyan).bold(),
                    TextStyle::Link(index) | TextStyle::Command(index) => {
                        let base = if matches!(span.style, TextStyle::Link(_)) {
                            Style::new()
                                .fg(Color::Blue)
                                .add_modifier(Modifier::UNDERLINED)
                        } else {
                            Style::new().fg(Color::Green)
                        };
                        if selected_link == Some(index) {
                            base.reversed()
                        } else {
                            base
                        }
                    }
                };
                spans.push(Span::styled(span.text, style));
            }
            Line::from(spans)
        })
        .collect()
}

/// A verbatim line from display column `shift`, cut to `width` with a marker on each side it
/// goes on past.
fn sideways(text: &str, width: usize, shift: usize) -> Line<'static> {
    use unicode_width::UnicodeWidthChar as _;
    let total = unicode_width::UnicodeWidthStr::width(text);
    // Never past the point where the line's end is at the pane's right edge.
    let shift = shift.min((total + 1).saturating_sub(width));
    let marker = Style::new().fg(Color::Magenta).bold();
    let before = shift > 0 && total > 0;
    let room = width.saturating_sub(usize::from(before));
    let mut kept = String::new();
    let (mut column, mut used) = (0, 0);
    let mut cut = false;
    for character in text.chars() {
        let char_width = character.width().unwrap_or(0);
        if column < shift {
            column += char_width;
            continue;
        }
        if used + char_width > room.saturating_sub(1) && column + char_width < total {
            cut = true;
            break;
        }
        kept.push(character);
        used += char_width;
        column += char_width;
    }
    let mut spans = Vec::new();
    if before {
        spans.push(Span::styled("‹", marker));
    }
    spans.push(Span::styled(kept, Style::new().fg(Color::Gray)));
    if cut {
        spans.push(Span::styled("›", marker));
    }
    Line::from(spans)
}

pub fn draw_lesson(frame: &mut Frame, pane: &LessonPane, area: Rect, focused: bool, lang: Lang) {
    let (title, lines) = match &pane.lesson {
        Ok(lesson) => {
            let width = area.width.saturating_sub(2) as usize;
            (
                format!(
                    " {} ",
                    tr!(lang, "tui-lesson-title", lang = lesson.lang.code())
                ),
                styled(
                    &lesson.lines,
                    pane.scroll,
                    width,
                    pane.shift,
                    pane.selected_link,
                ),
            )
        }
        Err(problem) => (
            format!(" {} ", tr!(lang, "tui-lesson")),
            vec![Line::from(problem.clone()).fg(Color::Red)],
        ),
    };
    let keys = format!(" {} ", tr!(lang, "tui-lesson-keys"));
    let block = focused_block(title, focused).title_bottom(Line::from(keys).dim());
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

pub fn draw_exercises(frame: &mut Frame, screen: &ExerciseScreen, lang: Lang) {
    let (body, footer) = page(frame, &tr!(lang, "tui-exercises-tagline"));
    let [list_area, text_area] =
        Layout::horizontal([Constraint::Length(32), Constraint::Min(30)]).areas(body);
    let items: Vec<ListItem> = screen
        .exercises
        .iter()
        .map(|exercise| {
            let status = screen.status(&exercise.id);
            let mark = if status.passed {
                "✔".fg(Color::Green)
            } else if status.attempts > 0 {
                "…".fg(Color::Yellow)
            } else {
                " ".into()
            };
            ListItem::new(vec![
                Line::from(vec![mark, " ".into(), exercise.id.clone().into()]),
                Line::from(format!(
                    "  {} · {}",
                    exercise.difficulty_label(lang),
                    status.label(lang)
                ))
                .dim(),
            ])
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(screen.selected));
    frame.render_stateful_widget(
        List::new(items)
            .block(focused_block(
                format!(" {} ", tr!(lang, "tui-exercises")),
                true,
            ))
            .highlight_style(Style::new().reversed()),
        list_area,
        &mut state,
    );

    let block = Block::bordered();
    let width = text_area.width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    if let Some(problem) = &screen.problem {
        lines.push(Line::from(problem.clone()).fg(Color::Red));
    }
    let title = match screen.current() {
        Some(exercise) => {
            let status = screen.status(&exercise.id);
            lines.push(
                Line::from(tr!(
                    lang,
                    "tui-exercise-status",
                    status = status.label(lang),
                    attempts = status.attempts,
                    hints = status.hints_used
                ))
                .dim(),
            );
            format!(" {} ", exercise.title.get(lang))
        }
        None => format!(" {} ", tr!(lang, "tui-exercises")),
    };
    lines.extend(styled(&screen.text, screen.scroll, width, 0, None));
    frame.render_widget(
        Paragraph::new(lines).block(block.title(Line::from(title).bold())),
        text_area,
    );
    frame.render_widget(
        Line::from(format!(" {}", tr!(lang, "tui-exercises-keys"))).dim(),
        footer,
    );
}
