//! The terminal UI's state, kept apart from drawing and from the terminal itself.
//!
//! Two things change it: a lab event arriving ([`App::apply`]) and a key press
//! ([`App::on_key`], which may also ask the event loop to start or stop a lab). Both are plain
//! functions of the state, so tests drive them without a terminal.

use std::collections::{BTreeMap, VecDeque};

use lab_core::{LabEvent, LabInfo, LogEvent, ParamKind, Params, Report, Snapshot};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::course::{Course, ExerciseScreen, LessonPane};
use crate::course::lesson::LessonLink;

/// How many seconds of rates the charts keep.
pub const CHART_SECONDS: f64 = 60.0;

/// How many event-log lines are kept for display.
const EVENT_LINES: usize = 200;

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

/// Everything the dashboard shows, folded from the lab's events.
#[derive(Default)]
pub struct Dashboard {
    pub lab: String,
    pub title: String,
    /// "replay" when playing a recording back.
    pub source: String,
    pub running: bool,
    pub latest: Option<Snapshot>,
    /// The last [`CHART_SECONDS`] of each counter's rate: (t, rate).
    pub history: BTreeMap<String, VecDeque<(f64, f64)>>,
    pub events: VecDeque<LogEvent>,
    pub report: Option<Report>,
    /// How far the event log is scrolled up from the newest line.
    pub event_scroll: usize,
}

impl Dashboard {
    pub fn new(lab: &str, title: &str, source: &str) -> Dashboard {
        Dashboard {
            lab: lab.to_string(),
            title: title.to_string(),
            source: source.to_string(),
            running: true,
            ..Dashboard::default()
        }
    }

    pub fn elapsed(&self) -> f64 {
        match (&self.report, &self.latest) {
            (Some(report), _) => report.t,
            (None, Some(snapshot)) => snapshot.t,
            (None, None) => 0.0,
        }
    }

    /// The counters to chart: the lab's hint, or all of them.
    pub fn charted(&self) -> Vec<String> {
        match &self.latest {
            Some(snapshot) if !snapshot.hints.charts.is_empty() => snapshot.hints.charts.clone(),
            Some(snapshot) => snapshot.rates.keys().cloned().collect(),
            None => Vec::new(),
        }
    }

    fn apply(&mut self, event: &LabEvent) {
        match event {
            LabEvent::Snapshot(snapshot) => {
                // Rates, and the gauges a lab asks to chart (their value, not a rate).
                let charted_gauges = snapshot.gauges.iter().filter(|(name, _)| {
                    snapshot.hints.charts.contains(name) && !snapshot.rates.contains_key(*name)
                });
                let points = snapshot
                    .rates
                    .iter()
                    .map(|(name, rate)| (name, *rate))
                    .chain(charted_gauges.map(|(name, value)| (name, *value as f64)));
                for (name, rate) in points {
                    let series = self.history.entry(name.clone()).or_default();
                    series.push_back((snapshot.t, rate));
                    while series
                        .front()
                        .is_some_and(|(t, _)| *t < snapshot.t - CHART_SECONDS)
                    {
                        series.pop_front();
                    }
                }
                for line in &snapshot.events {
                    self.events.push_back(line.clone());
                    if self.events.len() > EVENT_LINES {
                        self.events.pop_front();
                    }
                }
                self.latest = Some(snapshot.clone());
            }
            LabEvent::Report(report) => {
                self.running = false;
                self.report = Some(report.clone());
            }
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

    /// The lesson that goes with what is on screen: the dashboard's lab, or the selected one.
    fn current_topic(&self) -> Option<String> {
        let lab = match self.screen {
            Screen::Dashboard => self.labs.iter().find(|info| info.id == self.dashboard.lab),
            _ => self.selected(),
        };
        lab.map(|info| info.lesson.to_string())
    }

    /// `l`: opens the lesson beside the lab, or closes it.
    fn toggle_lesson(&mut self) {
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

    fn open_exercises(&mut self, select: Option<&str>) {
        if let Some(course) = &self.course {
            self.exercises = Some(ExerciseScreen::open(course, select));
            self.screen = Screen::Exercises;
        }
    }

    /// Keys of the lesson pane; `None` when the key is not the pane's.
    fn on_lesson_key(&mut self, key: KeyEvent) -> Option<Action> {
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

    fn on_exercises_key(&mut self, key: KeyEvent) -> Action {
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

    pub fn selected(&self) -> Option<&LabInfo> {
        self.labs.get(self.selected_lab)
    }

    fn reset_form(&mut self) {
        self.form = self
            .selected()
            .map(|info| {
                info.params
                    .iter()
                    .map(|spec| spec.default.to_string())
                    .collect()
            })
            .unwrap_or_default();
        self.selected_param = 0;
        self.editing = None;
        self.form_error = None;
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

    /// The form's values, checked against the schema.
    pub fn form_params(&self) -> Result<Params, String> {
        let info = self.selected().ok_or("no lab selected")?;
        let pairs: Vec<(String, String)> = info
            .params
            .iter()
            .zip(&self.form)
            .map(|(spec, value)| (spec.name.to_string(), value.clone()))
            .collect();
        Params::from_pairs(info.id, &info.params, &pairs).map_err(|error| error.to_string())
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
        if let Some(text) = self.editing.as_mut() {
            match key.code {
                KeyCode::Enter => {
                    self.form[self.selected_param] = text.clone();
                    self.editing = None;
                    self.form_error = self.form_params().err();
                }
                KeyCode::Esc => self.editing = None,
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char(character) => text.push(character),
                _ => {}
            }
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

    fn on_home_key(&mut self, key: KeyEvent) -> Action {
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

    /// ←/→ step through a choice, or flip a boolean; other kinds open the editor.
    fn cycle_choice(&mut self, backwards: bool) {
        let Some(spec) = self
            .selected()
            .and_then(|info| info.params.get(self.selected_param))
        else {
            return;
        };
        let choices: Vec<&str> = match &spec.kind {
            ParamKind::Choice { choices } => choices.to_vec(),
            ParamKind::Bool => vec!["false", "true"],
            _ => {
                self.editing = Some(self.form[self.selected_param].clone());
                return;
            }
        };
        let current = choices
            .iter()
            .position(|choice| *choice == self.form[self.selected_param])
            .unwrap_or(0);
        let next = if backwards {
            (current + choices.len() - 1) % choices.len()
        } else {
            (current + 1) % choices.len()
        };
        self.form[self.selected_param] = choices[next].to_string();
    }

    fn start(&mut self) -> Action {
        match self.form_params() {
            Ok(params) => {
                self.form_error = None;
                let lab = self
                    .selected()
                    .map(|info| info.id.to_string())
                    .unwrap_or_default();
                Action::Start { lab, params }
            }
            Err(error) => {
                self.form_error = Some(error);
                self.focus = Focus::Form;
                Action::None
            }
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

    fn on_dashboard_key(&mut self, key: KeyEvent) -> Action {
        if key.code == KeyCode::Char('l') {
            self.toggle_lesson();
            return Action::None;
        }
        if let Some(action) = self.on_lesson_key(key) {
            return action;
        }
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => {
                if self.dashboard_only {
                    self.quit = true;
                    Action::Quit
                } else {
                    self.screen = Screen::Home;
                    Action::Stop
                }
            }
            KeyCode::Char('s') => Action::Stop,
            KeyCode::Char('r') if !self.dashboard.running && !self.dashboard_only => self.start(),
            KeyCode::Up | KeyCode::Char('k') => {
                if self.dashboard.event_scroll + 1 < self.dashboard.events.len() {
                    self.dashboard.event_scroll += 1;
                }
                Action::None
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.dashboard.event_scroll = self.dashboard.event_scroll.saturating_sub(1);
                Action::None
            }
            _ => Action::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
