//! The home screen: the labs by topic, the selected lab's form, and the lesson beside them.

use lab_i18n::tr;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{List, ListItem, ListState};

use crate::tui::app::{Action, App, Focus};
use crate::tui::screens::*;
use crate::tui::widgets::{focused_block, page};

impl App {
    pub(crate) fn on_home_key(&mut self, key: KeyEvent) -> Action {
        match key.code {
            KeyCode::Char('l') => {
                self.toggle_lesson();
                return Action::None;
            }
            KeyCode::Char('x') if self.course.is_some() => {
                // At the exercises of the topic in view: the lesson's, or the selected lab's.
                let topic = match &self.lesson {
                    Some(pane) => Some(pane.topic.clone()),
                    None => self.selected().map(|lab| lab.topic.to_string()),
                };
                self.open_exercises(topic.as_deref());
                return Action::None;
            }
            _ => {}
        }
        if self.focus == Focus::Lesson {
            if let Some(action) = self.on_lesson_key(key) {
                return action;
            }
            match key.code {
                KeyCode::Tab | KeyCode::Esc => {
                    self.focus = Focus::Labs;
                    return Action::None;
                }
                // Enter follows a chosen link and nothing else while reading.
                KeyCode::Enter => return Action::None,
                _ => {}
            }
        }
        match (self.focus, key.code) {
            (_, KeyCode::Char('q')) | (Focus::Labs, KeyCode::Esc) => {
                self.quit = true;
                Action::Quit
            }
            (Focus::Labs, KeyCode::Up | KeyCode::Char('k')) => {
                if self.selected_lab > 0 {
                    self.selected_lab -= 1;
                    self.reset_form();
                    self.follow_selected_lab_with_lesson();
                }
                Action::None
            }
            (Focus::Labs, KeyCode::Down | KeyCode::Char('j')) => {
                if self.selected_lab + 1 < self.labs.len() {
                    self.selected_lab += 1;
                    self.reset_form();
                    self.follow_selected_lab_with_lesson();
                }
                Action::None
            }
            (Focus::Labs, KeyCode::Tab | KeyCode::Right) | (Focus::Form, KeyCode::Tab) => {
                self.focus = match self.focus {
                    Focus::Labs => Focus::Form,
                    Focus::Form if self.lesson.is_some() => Focus::Lesson,
                    Focus::Form | Focus::Lesson => Focus::Labs,
                };
                Action::None
            }
            (Focus::Form, KeyCode::Esc) => {
                self.focus = Focus::Labs;
                Action::None
            }
            (Focus::Form, KeyCode::Up | KeyCode::Char('k')) => {
                self.selected_param = self.selected_param.saturating_sub(1);
                Action::None
            }
            (Focus::Form, KeyCode::Down | KeyCode::Char('j')) => {
                if self.selected_param + 1 < self.form.len() {
                    self.selected_param += 1;
                }
                Action::None
            }
            (Focus::Form, KeyCode::Left | KeyCode::Right | KeyCode::Char(' ')) => {
                self.cycle_choice(key.code == KeyCode::Left);
                Action::None
            }
            (Focus::Form, KeyCode::Char('e')) => {
                self.editing = Some(self.form[self.selected_param].clone());
                Action::None
            }
            (Focus::Form, KeyCode::Char('d')) => {
                self.reset_form();
                Action::None
            }
            (_, KeyCode::Enter | KeyCode::Char('s')) => self.start(),
            _ => Action::None,
        }
    }

    /// An open lesson pane follows the lab list to the selected lab's topic.
    fn follow_selected_lab_with_lesson(&mut self) {
        let topic = self.current_topic();
        if let (Some(course), Some(pane), Some(topic)) = (&self.course, &mut self.lesson, topic)
            && pane.topic != topic
        {
            *pane = LessonPane::open(course, &topic);
        }
    }
}

pub(crate) fn draw(frame: &mut Frame, app: &App) {
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
            super::lesson::draw(frame, pane, lesson_area, app.focus == Focus::Lesson, lang);
            Some(form_area)
        }
        Some(pane) => {
            super::lesson::draw(frame, pane, detail_area, app.focus == Focus::Lesson, lang);
            None
        }
        None => Some(detail_area),
    };
    if let (Some(info), Some(form_area)) = (app.selected(), form_area) {
        super::form::draw(frame, app, info, form_area);
    }
    let keys = match (app.focus, app.editing.is_some()) {
        (_, true) => tr!(lang, "tui-keys-editing"),
        (Focus::Labs, _) => tr!(lang, "tui-keys-labs"),
        (Focus::Form, _) => tr!(lang, "tui-keys-form"),
        (Focus::Lesson, _) => tr!(lang, "tui-keys-lesson"),
    };
    frame.render_widget(Line::from(format!(" {keys}")).dim(), footer);
}

#[cfg(test)]
mod tests {
    use crate::tui::screens::testing::*;

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
}
