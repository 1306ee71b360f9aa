//! The terminal UI's state, kept apart from the terminal itself.
//!
//! Two things change it: a lab event arriving ([`App::apply`]) and a key press
//! ([`App::on_key`], which may also ask the event loop to start or stop a lab). Both are plain
//! functions of the state, so tests drive them without a terminal. Here are the keys that
//! work everywhere; each screen's own keys live in its module under `screens/`, beside the
//! code that draws it.

use lab_core::{LabEvent, LabInfo, Params, Registry};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::screens::{Dashboard, ExerciseScreen, LessonPane};
use crate::course::Lang;
use crate::course::content::Content;

/// What the event loop should do after a key press.
#[derive(Debug, PartialEq)]
pub enum Action {
    None,
    Start { lab: String, params: Params },
    Stop,
    Quit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// The list of labs with the selected lab's parameter form.
    Home,
    Dashboard,
    /// The exercises with the student's progress.
    Exercises,
}

/// Where keys go on the home screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Labs,
    Form,
    /// The lesson pane, when it is open.
    Lesson,
}

pub struct App {
    pub labs: Vec<LabInfo>,
    pub screen: Screen,
    pub focus: Focus,
    pub selected_lab: usize,
    /// The form's values as typed, one per parameter of the selected lab.
    pub form: Vec<String>,
    pub selected_param: usize,
    /// Text being typed into the selected parameter, while editing.
    pub editing: Option<String>,
    /// The last form error, shown under the form.
    pub form_error: Option<String>,
    pub show_help: bool,
    /// `workbench lab <id>` and `replay` have no home screen: leaving the dashboard quits.
    pub dashboard_only: bool,
    pub dashboard: Dashboard,
    pub quit: bool,
    /// Lessons and exercises; `None` in tests of the labs alone.
    pub course: Option<Course>,
    /// The lesson shown beside the labs or the dashboard (`l` opens and closes it).
    pub lesson: Option<LessonPane>,
    pub exercises: Option<ExerciseScreen>,
}

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

impl App {
    pub fn new(labs: Vec<LabInfo>) -> App {
        let mut app = App {
            labs,
            screen: Screen::Home,
            focus: Focus::Labs,
            selected_lab: 0,
            form: Vec::new(),
            selected_param: 0,
            editing: None,
            form_error: None,
            show_help: false,
            dashboard_only: false,
            dashboard: Dashboard::default(),
            quit: false,
            course: None,
            lesson: None,
            exercises: None,
        };
        app.reset_form();
        app
    }

    pub fn with_course(mut self, course: Course) -> App {
        self.course = Some(course);
        self
    }

    /// The language of everything on screen: the course's, which `L` switches.
    pub fn lang(&self) -> crate::course::Lang {
        self.course
            .as_ref()
            .map_or_else(lab_i18n::current, |course| course.lang)
    }

    /// `L`: English ⇄ Chinese, for the whole interface, the lesson and the exercises on screen.
    fn switch_language(&mut self) {
        let Some(course) = self.course.as_mut() else {
            return;
        };
        course.lang = course.lang.other();
        if let Some(pane) = self.lesson.take() {
            let mut reopened = LessonPane::open(course, &pane.topic);
            reopened.scroll = pane.scroll;
            self.lesson = Some(reopened);
        }
        if let Some(screen) = self.exercises.as_mut() {
            screen.refresh(course);
        }
    }

    pub fn selected(&self) -> Option<&LabInfo> {
        self.labs.get(self.selected_lab)
    }

    /// Shows the dashboard for a lab that was just started (or a recording).
    pub fn open_dashboard(&mut self, lab: &str, source: &str) {
        let title = self
            .labs
            .iter()
            .find(|info| info.id == lab)
            .map(|info| info.title)
            .unwrap_or("");
        self.dashboard = Dashboard::new(lab, title, source);
        self.screen = Screen::Dashboard;
    }

    pub fn apply(&mut self, event: &LabEvent) {
        self.dashboard.apply(event);
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Action {
        let control_c =
            key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
        if control_c {
            self.quit = true;
            return Action::Quit;
        }
        if self.show_help {
            // Any key closes the help.
            self.show_help = false;
            return Action::None;
        }
        if self.editing.is_some() {
            self.on_editing_key(key);
            return Action::None;
        }
        if key.code == KeyCode::Char('?') {
            self.show_help = true;
            return Action::None;
        }
        if key.code == KeyCode::Char('L') {
            self.switch_language();
            return Action::None;
        }
        match self.screen {
            Screen::Home => self.on_home_key(key),
            Screen::Dashboard => self.on_dashboard_key(key),
            Screen::Exercises => self.on_exercises_key(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::lesson::LessonLink;
    use crate::tui::screens::dashboard::CHART_SECONDS;
    use lab_core::{Report, Snapshot};
    use ratatui::crossterm::event::KeyEventKind;
    use ratatui::crossterm::event::KeyEventState;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent {
            code,
            modifiers: KeyModifiers::NONE,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        }
    }

    fn app() -> App {
        let registry = crate::labs::registry();
        App::new(registry.labs().iter().map(|lab| lab.info()).collect())
    }

    fn snapshot(t: f64, sent_rate: f64) -> LabEvent {
        let mut snapshot = Snapshot {
            lab: "zmq-pubsub".into(),
            t,
            ..Snapshot::default()
        };
        snapshot.rates.insert("sent".into(), sent_rate);
        snapshot
            .counters
            .insert("sent".into(), (t * sent_rate) as u64);
        LabEvent::Snapshot(snapshot)
    }

    #[test]
    fn enter_starts_the_selected_lab_with_the_form_values() {
        let mut app = app();
        app.on_key(key(KeyCode::Tab));
        let rate_row = app.labs[0]
            .params
            .iter()
            .position(|p| p.name == "rate")
            .unwrap();
        for _ in 0..rate_row {
            app.on_key(key(KeyCode::Down));
        }
        app.on_key(key(KeyCode::Char('e')));
        for _ in 0..4 {
            app.on_key(key(KeyCode::Backspace));
        }
        for digit in "500".chars() {
            app.on_key(key(KeyCode::Char(digit)));
        }
        app.on_key(key(KeyCode::Enter));
        let Action::Start { lab, params } = app.on_key(key(KeyCode::Enter)) else {
            panic!("Enter on the form starts the lab");
        };
        assert_eq!(lab, "zmq-pubsub");
        assert_eq!(params.integer("rate"), 500);
    }

    #[test]
    fn a_bad_form_value_is_shown_and_nothing_starts() {
        let mut app = app();
        app.focus = Focus::Form;
        let rate_row = app.labs[0]
            .params
            .iter()
            .position(|p| p.name == "rate")
            .unwrap();
        app.selected_param = rate_row;
        app.form[rate_row] = "fast".into();
        assert_eq!(app.on_key(key(KeyCode::Enter)), Action::None);
        let error = app.form_error.clone().unwrap();
        assert!(error.contains("--rate"), "{error}");
    }

    #[test]
    fn left_and_right_cycle_a_choice() {
        let mut app = app();
        app.focus = Focus::Form;
        assert_eq!(app.form[0], "both");
        app.on_key(key(KeyCode::Right));
        assert_eq!(app.form[0], "publisher");
        app.on_key(key(KeyCode::Left));
        app.on_key(key(KeyCode::Left));
        assert_eq!(app.form[0], "subscriber");
    }

    #[test]
    fn snapshots_build_a_minute_of_history_and_a_report_ends_the_run() {
        let mut app = app();
        app.open_dashboard("zmq-pubsub", "live");
        for tick in 0..=900 {
            app.apply(&snapshot(tick as f64 / 10.0, 100.0));
        }
        let series = &app.dashboard.history["sent"];
        assert!(series.front().unwrap().0 >= 90.0 - CHART_SECONDS);
        assert_eq!(series.back().unwrap().0, 90.0);
        assert!(app.dashboard.running);
        app.apply(&LabEvent::Report(Report {
            lab: "zmq-pubsub".into(),
            ok: true,
            t: 90.1,
            ..Report::default()
        }));
        assert!(!app.dashboard.running);
        assert_eq!(app.dashboard.elapsed(), 90.1);
    }

    #[test]
    fn q_on_the_dashboard_stops_the_lab_and_goes_home_or_quits() {
        let mut app = app();
        app.open_dashboard("zmq-pubsub", "live");
        assert_eq!(app.on_key(key(KeyCode::Char('q'))), Action::Stop);
        assert_eq!(app.screen, Screen::Home);
        app.dashboard_only = true;
        app.open_dashboard("zmq-pubsub", "live");
        assert_eq!(app.on_key(key(KeyCode::Char('q'))), Action::Quit);
        assert!(app.quit);
    }

    fn app_with_lessons() -> App {
        let registry = crate::labs::registry();
        app().with_course(Course {
            content: crate::course::content::Content::Embedded,
            registry,
            lang: crate::course::Lang::En,
        })
    }

    #[test]
    fn x_opens_the_exercises_of_the_topic_in_view() {
        let topic_opened = |app: &mut App| {
            app.on_key(key(KeyCode::Char('x')));
            let topic = app
                .exercises
                .as_ref()
                .unwrap()
                .current()
                .unwrap()
                .topic
                .clone();
            app.on_key(key(KeyCode::Char('q')));
            topic
        };
        let mut app = app_with_lessons();
        let exercises = crate::course::exercise::load_all(
            &crate::course::content::Content::Embedded,
            &crate::labs::registry(),
        )
        .unwrap();
        for (index, lab) in app.labs.clone().iter().enumerate() {
            // A topic whose exercises are still to be written opens the list at its start.
            if !exercises.iter().any(|exercise| exercise.topic == lab.topic) {
                continue;
            }
            app.selected_lab = index;
            assert_eq!(
                topic_opened(&mut app),
                lab.topic,
                "with {} selected",
                lab.id
            );
        }
    }

    fn title(app: &App) -> String {
        app.lesson
            .as_ref()
            .and_then(|pane| pane.lesson.as_ref().ok())
            .map(|lesson| lesson.title.clone())
            .unwrap_or_default()
    }

    #[test]
    fn l_opens_the_labs_lesson_and_a_link_starts_the_lab_with_its_settings() {
        let mut app = app_with_lessons();
        app.on_key(key(KeyCode::Char('l')));
        assert_eq!(title(&app), "Messaging with ZeroMQ");
        assert_eq!(app.focus, Focus::Lesson);
        assert_eq!(
            app.on_key(key(KeyCode::Enter)),
            Action::None,
            "no link chosen yet"
        );
        // The lesson's links: the transports lab, then the publisher, then the slow subscriber.
        for _ in 0..3 {
            app.on_key(key(KeyCode::Char('n')));
        }
        let scroll = app.lesson.as_ref().unwrap().scroll;
        assert!(scroll > 0, "the chosen link is scrolled into view");
        let Action::Start { lab, params } = app.on_key(key(KeyCode::Enter)) else {
            panic!("Enter on a lab link starts the lab");
        };
        assert_eq!(lab, "zmq-pubsub");
        // 2000 µs, a bare number in the parameter's unit, as seconds.
        assert!((params.float("slow-subscriber") - 0.002).abs() < 1e-12);
        assert_eq!(params.integer("hwm"), 100);
        assert_eq!(
            params.integer("subscribers"),
            2,
            "the rest at their defaults"
        );
        for _ in 0..4 {
            app.on_key(key(KeyCode::Char('p')));
        }
        let link = app.lesson.as_ref().unwrap().selected().cloned();
        assert!(
            matches!(link, Some(LessonLink::Exercise { .. })),
            "links wrap around backwards to the exercises at the end: {link:?}"
        );
    }

    #[test]
    fn shift_l_switches_the_language_and_l_closes_the_pane() {
        let mut app = app_with_lessons();
        app.on_key(key(KeyCode::Char('l')));
        app.on_key(key(KeyCode::Char('L')));
        assert_eq!(title(&app), "用 ZeroMQ 传递消息");
        app.on_key(key(KeyCode::Char('l')));
        assert!(app.lesson.is_none());
        assert_eq!(app.focus, Focus::Labs);
    }

    #[test]
    fn without_course_content_the_keys_do_nothing() {
        let mut app = app();
        app.on_key(key(KeyCode::Char('l')));
        app.on_key(key(KeyCode::Char('x')));
        assert!(app.lesson.is_none());
        assert_eq!(app.screen, Screen::Home);
    }
}
