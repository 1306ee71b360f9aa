//! The course in the terminal UI: a lesson pane beside the labs (or the dashboard), and a
//! screen of exercises with the student's progress and hints. State only; `course_view.rs`
//! draws it.

use std::collections::BTreeMap;

use lab_core::Registry;
use lab_i18n::tr;

use crate::course::Lang;
use crate::course::content::Content;
use crate::course::exercise::{self, Exercise};
use crate::course::lesson::{self, Lesson, LessonLink, RichLine};
use crate::course::progress::{Progress, Status};

/// Where course texts come from, and in which language they are shown.
pub struct Course {
    pub content: Content,
    pub registry: Registry,
    pub lang: Lang,
}

impl Course {
    pub fn new(registry: &Registry) -> Course {
        Course {
            content: Content::from_env(),
            registry: registry.clone(),
            lang: lab_i18n::current(),
        }
    }
}

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
            Ok(progress.hints_revealed(&exercise.id).unwrap_or(0) as usize)
        }) {
            Ok(revealed) => revealed,
            Err(problem) => {
                self.problem = Some(problem);
                0
            }
        };
        let mut markdown = exercise.readme(&course.content, course.lang);
        markdown.push_str("\n\n---\n\n");
        let lang = course.lang;
        markdown.push_str(&exercise.hints_markdown(lang, revealed));
        let left = exercise.hints.len() - revealed.min(exercise.hints.len());
        markdown.push_str(&tr!(
            lang,
            "tui-hints-left",
            count = left,
            id = exercise.id.as_str()
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
                .reveal_hint(&exercise.id, exercise.hints.len())
                .map_err(|error| format!("{error:#}"))
        }) {
            Ok(revealed) => {
                self.refresh(course);
                // Bring the new hint into view.
                let marker = tr!(course.lang, "show-hint", number = revealed, hint = "");
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
