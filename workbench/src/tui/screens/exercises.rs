//! The exercises screen: the list with the student's progress, the task and its hints.

use lab_i18n::tr;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph};
use std::collections::BTreeMap;

use crate::course::Lang;
use crate::tui::app::{Action, App, Course, Screen};
use crate::tui::widgets::{focused_block, page};

use crate::course::exercise::{self, Exercise};
use crate::course::lesson::{self, RichLine};
use crate::course::progress::{Progress, Status};

/// The exercises screen: the list with each one's status, and the selected task with the hints
/// revealed so far.
pub struct ExerciseScreen {
    pub exercises: Vec<Exercise>,
    pub statuses: BTreeMap<String, Status>,
    pub selected: usize,
    /// The selected exercise's task and hints, as lines to wrap.
    pub text: Vec<RichLine>,
    pub scroll: usize,
    /// A problem to show instead (a broken exercise file, an unreadable progress file).
    pub problem: Option<String>,
}

fn progress() -> Result<Progress, String> {
    Progress::open_default().map_err(|error| format!("{error:#}"))
}

impl ExerciseScreen {
    /// Opens the list at `select`: an exercise's id, or a topic (its first exercise).
    pub fn open(course: &Course, select: Option<&str>) -> ExerciseScreen {
        let mut screen = ExerciseScreen {
            exercises: Vec::new(),
            statuses: BTreeMap::new(),
            selected: 0,
            text: Vec::new(),
            scroll: 0,
            problem: None,
        };
        match exercise::load_all(&course.content, &course.registry) {
            Ok(exercises) => screen.exercises = exercises,
            Err(problem) => screen.problem = Some(problem),
        }
        // An exercise by id, or else the first of a topic.
        if let Some(wanted) = select {
            screen.selected = screen
                .exercises
                .iter()
                .position(|exercise| exercise.id == wanted)
                .or_else(|| {
                    screen
                        .exercises
                        .iter()
                        .position(|exercise| exercise.topic == wanted)
                })
                .unwrap_or(0);
        }
        screen.refresh(course);
        screen
    }

    pub fn current(&self) -> Option<&Exercise> {
        self.exercises.get(self.selected)
    }

    /// Re-reads progress and rebuilds the selected exercise's text.
    pub fn refresh(&mut self, course: &Course) {
        let Some(exercise) = self.current().cloned() else {
            return;
        };
        let revealed = match progress().and_then(|progress| {
            progress
                .opened(&exercise.id)
                .map_err(|error| format!("{error:#}"))?;
            self.statuses = progress.all().map_err(|error| format!("{error:#}"))?;
            Ok(progress.hints_revealed(&exercise.id).unwrap_or_default())
        }) {
            Ok(revealed) => revealed,
            Err(problem) => {
                self.problem = Some(problem);
                Vec::new()
            }
        };
        let mut markdown = exercise.readme(&course.content, course.lang);
        markdown.push_str("\n\n---\n\n");
        let lang = course.lang;
        markdown.push_str(&exercise.hints_markdown(lang, &revealed));
        let left = exercise.hints.len() - revealed.len().min(exercise.hints.len());
        markdown.push_str(&tr!(
            lang,
            "tui-hints-left",
            count = left,
            command = exercise.check_command(lang)
        ));
        markdown.push('\n');
        let path = course
            .content
            .display(&format!("{}/README.md", exercise.folder()));
        self.text = match lesson::parse(&markdown, &path, &course.registry) {
            Ok((lines, _)) => lines,
            Err(problem) => {
                self.problem = Some(problem);
                Vec::new()
            }
        };
    }

    pub fn select(&mut self, course: &Course, offset: isize) {
        let last = self.exercises.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(offset).min(last);
        self.scroll = 0;
        self.refresh(course);
    }

    pub fn reveal_hint(&mut self, course: &Course) {
        let Some(exercise) = self.current().cloned() else {
            return;
        };
        match progress().and_then(|progress| {
            progress
                .reveal_hint(&exercise)
                .map_err(|error| format!("{error:#}"))
        }) {
            Ok(revealed) => {
                self.refresh(course);
                // Bring the new hint into view.
                let marker = tr!(course.lang, "show-hint", number = revealed.len(), hint = "");
                let marker = marker.trim();
                if let Some(line) = self
                    .text
                    .iter()
                    .position(|line| line.text().contains(marker))
                {
                    self.scroll = line.saturating_sub(2);
                }
            }
            Err(problem) => self.problem = Some(problem),
        }
    }

    pub fn scroll_by(&mut self, lines: isize) {
        let last = self.text.len().saturating_sub(1);
        self.scroll = self.scroll.saturating_add_signed(lines).min(last);
    }

    pub fn status(&self, id: &str) -> Status {
        self.statuses.get(id).cloned().unwrap_or_default()
    }
}

impl App {
    pub(crate) fn open_exercises(&mut self, select: Option<&str>) {
        if let Some(course) = &self.course {
            self.exercises = Some(ExerciseScreen::open(course, select));
            self.screen = Screen::Exercises;
        }
    }

    pub(crate) fn on_exercises_key(&mut self, key: KeyEvent) -> Action {
        let (Some(course), Some(screen)) = (&self.course, self.exercises.as_mut()) else {
            self.screen = Screen::Home;
            return Action::None;
        };
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => self.screen = Screen::Home,
            KeyCode::Up | KeyCode::Char('k') => screen.select(course, -1),
            KeyCode::Down | KeyCode::Char('j') => screen.select(course, 1),
            KeyCode::PageDown | KeyCode::Char(' ') => screen.scroll_by(10),
            KeyCode::PageUp => screen.scroll_by(-10),
            KeyCode::Char('h') => screen.reveal_hint(course),
            _ => {}
        }
        Action::None
    }
}

pub(crate) fn draw(frame: &mut Frame, screen: &ExerciseScreen, lang: Lang) {
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
    lines.extend(super::lesson::styled(
        &screen.text,
        screen.scroll,
        width,
        0,
        None,
    ));
    frame.render_widget(
        Paragraph::new(lines).block(block.title(Line::from(title).bold())),
        text_area,
    );
    frame.render_widget(
        Line::from(format!(" {}", tr!(lang, "tui-exercises-keys"))).dim(),
        footer,
    );
}
