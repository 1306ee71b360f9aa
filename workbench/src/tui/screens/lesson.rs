//! The lesson pane beside the labs or the dashboard: scrolled, its links followed.

use lab_i18n::tr;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::course::Lang;
use crate::tui::app::{Action, App, Course, Focus, Screen};
use crate::tui::widgets::focused_block;

use crate::course::lesson::{self, Lesson, LessonLink, RichLine, Style as TextStyle};

/// A lesson being read, scrolled by whole lines of the lesson (a wrapped paragraph counts as
/// the lines it fills on screen, but scrolling moves through the lesson's own lines).
pub struct LessonPane {
    pub topic: String,
    pub lesson: Result<Lesson, String>,
    pub scroll: usize,
    /// Columns the wide lines (code blocks, diagrams) are scrolled to the right by.
    pub shift: usize,
    /// The lab or exercise link Enter would follow.
    pub selected_link: Option<usize>,
}

impl LessonPane {
    pub fn open(course: &Course, topic: &str) -> LessonPane {
        LessonPane {
            topic: topic.to_string(),
            lesson: lesson::load(&course.content, &course.registry, topic, course.lang),
            scroll: 0,
            shift: 0,
            selected_link: None,
        }
    }

    fn lines(&self) -> &[RichLine] {
        self.lesson
            .as_ref()
            .map(|lesson| lesson.lines.as_slice())
            .unwrap_or_default()
    }

    pub fn scroll_by(&mut self, lines: isize) {
        let last = self.lines().len().saturating_sub(1);
        self.scroll = self.scroll.saturating_add_signed(lines).min(last);
    }

    /// `←` `→`: wide code blocks and diagrams scroll sideways, up to the widest line's end (each
    /// line stops where its own end shows; the narrowest pane shows 20 columns or more).
    pub fn shift_by(&mut self, columns: isize) {
        let widest = self
            .lines()
            .iter()
            .filter(|line| line.is_verbatim())
            .map(|line| unicode_width::UnicodeWidthStr::width(line.text().as_str()))
            .max()
            .unwrap_or(0);
        self.shift = self
            .shift
            .saturating_add_signed(columns)
            .min(widest.saturating_sub(20));
    }

    /// Selects the next (or previous) link, wrapping around, and scrolls to it.
    pub fn next_link(&mut self, backwards: bool) {
        let count = self
            .lesson
            .as_ref()
            .map(|lesson| lesson.links.len())
            .unwrap_or(0);
        if count == 0 {
            return;
        }
        let next = match (self.selected_link, backwards) {
            (None, false) => 0,
            (None, true) => count - 1,
            (Some(index), false) => (index + 1) % count,
            (Some(index), true) => (index + count - 1) % count,
        };
        self.selected_link = Some(next);
        if let Some(line) = self
            .lines()
            .iter()
            .position(|line| line.link() == Some(next))
        {
            // A little context above the link.
            self.scroll = line.saturating_sub(3);
        }
    }

    pub fn selected(&self) -> Option<&LessonLink> {
        let lesson = self.lesson.as_ref().ok()?;
        lesson.links.get(self.selected_link?)
    }
}

impl App {
    /// The lesson that goes with what is on screen: the dashboard's lab, or the selected one.
    pub(crate) fn current_topic(&self) -> Option<String> {
        let lab = match self.screen {
            Screen::Dashboard => self.labs.iter().find(|info| info.id == self.dashboard.lab),
            _ => self.selected(),
        };
        lab.map(|info| info.topic.to_string())
    }

    /// `l`: opens the lesson beside the lab, or closes it.
    pub(crate) fn toggle_lesson(&mut self) {
        if self.lesson.take().is_some() {
            if self.focus == Focus::Lesson {
                self.focus = Focus::Labs;
            }
            return;
        }
        if let (Some(course), Some(topic)) = (&self.course, self.current_topic()) {
            self.lesson = Some(LessonPane::open(course, &topic));
            if self.screen == Screen::Home {
                self.focus = Focus::Lesson;
            }
        }
    }

    /// Keys of the lesson pane; `None` when the key is not the pane's.
    pub(crate) fn on_lesson_key(&mut self, key: KeyEvent) -> Option<Action> {
        let pane = self.lesson.as_mut()?;
        let focused = self.focus == Focus::Lesson;
        match key.code {
            KeyCode::PageDown | KeyCode::Char(' ') => pane.scroll_by(10),
            KeyCode::PageUp => pane.scroll_by(-10),
            KeyCode::Down | KeyCode::Char('j') if focused => pane.scroll_by(1),
            KeyCode::Up | KeyCode::Char('k') if focused => pane.scroll_by(-1),
            KeyCode::Right if focused => pane.shift_by(8),
            KeyCode::Left if focused => pane.shift_by(-8),
            KeyCode::Char('n') => pane.next_link(false),
            KeyCode::Char('p') => pane.next_link(true),
            KeyCode::Enter if pane.selected_link.is_some() => {
                let link = pane.selected().cloned()?;
                return Some(self.follow(link));
            }
            _ => return None,
        }
        Some(Action::None)
    }

    /// Enter on a lesson link: a lab starts with the link's settings (the rest at their
    /// defaults); an exercise opens.
    fn follow(&mut self, link: LessonLink) -> Action {
        match link {
            LessonLink::Lab { lab, params, .. } => {
                let Some(index) = self.labs.iter().position(|info| info.id == lab) else {
                    return Action::None;
                };
                self.selected_lab = index;
                self.reset_form();
                let specs = self.labs[index].params.clone();
                for (name, value) in params {
                    if let Some(position) = specs.iter().position(|spec| spec.name == name) {
                        self.form[position] = value;
                    }
                }
                self.start()
            }
            LessonLink::Exercise { id, .. } => {
                self.open_exercises(Some(&id));
                Action::None
            }
        }
    }
}

/// Lesson lines from `first` on, wrapped to `width`, styled for the terminal; the selected
/// link stands out. A code block or diagram wider than the pane is never cut silently: it is
/// shown from column `shift`, with ‹ and › where it goes on (`←` `→` scroll it).
pub(crate) fn styled(
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

pub(crate) fn draw(frame: &mut Frame, pane: &LessonPane, area: Rect, focused: bool, lang: Lang) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::Course;
    use crate::tui::screens::testing::*;

    /// A code block wider than the lesson pane is not cut silently: a marker shows it goes on,
    /// and → brings the rest into view (with a marker on the left).
    #[test]
    fn a_code_block_wider_than_the_pane_is_marked_and_scrolls_sideways() {
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
                included: Default::default(),
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
}
