//! One module per screen: each holds what its keys do to the [`App`] and how it is drawn.
//! [`draw`] picks the screen; drawing never changes state.

pub mod dashboard;
mod exercises;
mod form;
mod graph;
mod help;
mod home;
mod lesson;

pub use dashboard::Dashboard;
pub use exercises::ExerciseScreen;
pub use lesson::LessonPane;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use crate::tui::app::{App, Screen};

/// Draws the screen the app is on, and the help over it when asked for.
pub fn draw(frame: &mut Frame, app: &App) {
    match app.screen {
        Screen::Home => home::draw(frame, app),
        Screen::Dashboard => {
            let mut area = frame.area();
            if let Some(pane) = &app.lesson {
                // The lesson beside the dashboard, at least wide enough to read.
                let lesson_width = (area.width * 2 / 5).max(36).min(area.width / 2);
                let [dashboard_area, lesson_area] =
                    Layout::horizontal([Constraint::Min(20), Constraint::Length(lesson_width)])
                        .areas(area);
                lesson::draw(frame, pane, lesson_area, true, app.lang());
                area = dashboard_area;
            }
            dashboard::draw(frame, &app.dashboard, app.dashboard_only, area, app.lang())
        }
        Screen::Exercises => {
            if let (Some(screen), Some(course)) = (&app.exercises, &app.course) {
                exercises::draw(frame, screen, course.lang);
            }
        }
    }
    if app.show_help {
        help::draw(frame, app.screen, app.lang());
    }
}

#[cfg(test)]
pub mod testing {
    use super::*;
    use lab_core::{LabEvent, Level, Snapshot, TableView};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    pub fn screen_text(terminal: &Terminal<TestBackend>) -> Vec<String> {
        let buffer = terminal.backend().buffer();
        (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect()
    }

    pub fn render(app: &App, width: u16, height: u16) -> Vec<String> {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|frame| draw(frame, app)).unwrap();
        screen_text(&terminal)
    }

    pub fn app() -> App {
        let registry = crate::labs::registry();
        App::new(registry.labs().iter().map(|lab| lab.info()).collect())
    }

    pub fn running_pubsub() -> App {
        let mut app = app();
        app.open_dashboard("zmq-pubsub", "live");
        for tick in 1..=30 {
            let mut snapshot = Snapshot {
                lab: "zmq-pubsub".into(),
                t: tick as f64 / 10.0,
                ..Snapshot::default()
            };
            snapshot.counters.insert("sent".into(), tick * 200);
            snapshot.rates.insert("sent".into(), 2000.0);
            snapshot.counters.insert("received".into(), tick * 190);
            snapshot.rates.insert("received".into(), 1900.0);
            snapshot.hints.charts = vec!["sent".into(), "received".into()];
            snapshot.tables.insert(
                "topics".into(),
                TableView {
                    columns: vec!["topic".into(), "sent".into()],
                    rows: vec![vec!["A".into(), 3000.into()], vec!["B".into(), 2999.into()]],
                },
            );
            if tick == 3 {
                snapshot.events.push(lab_core::LogEvent {
                    t: 0.3,
                    level: Level::Warn,
                    message: "sub-1 joined topic A at message #2".into(),
                });
            }
            app.apply(&LabEvent::Snapshot(snapshot));
        }
        app
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::Lang;
    use crate::tui::app::Course;
    use crate::tui::screens::testing::*;

    /// With the course in Chinese (`L`), the interface's own words are Chinese on every screen
    /// at both sizes: none of the English chrome is left, and the dashboard's counters and
    /// tables are labelled in Chinese, and so are the lab's title, summary and parameter help.
    #[test]
    fn the_whole_interface_follows_the_language() {
        const ENGLISH_CHROME: [&str; 16] = [
            "Labs",
            "Parameters",
            "choose",
            "quit",
            "help",
            "Help",
            "Keys",
            "running",
            "per second",
            "totals",
            "events",
            "newest first",
            "Enter start",
            "defaults",
            "scroll",
            "Any key",
        ];
        let in_chinese = |mut app: App| {
            app.course = Some(Course {
                content: crate::course::content::Content::Embedded,
                registry: crate::labs::registry(),
                lang: Lang::Zh,
            });
            app
        };
        let mut screens = Vec::new();
        for (width, height) in [(80, 24), (120, 40)] {
            screens.push(("home", render(&in_chinese(app()), width, height).join("\n")));
            let mut help = in_chinese(app());
            help.show_help = true;
            screens.push(("home help", render(&help, width, height).join("\n")));
            screens.push((
                "dashboard",
                render(&in_chinese(running_pubsub()), width, height).join("\n"),
            ));
            let mut help = in_chinese(running_pubsub());
            help.show_help = true;
            screens.push(("dashboard help", render(&help, width, height).join("\n")));
        }
        for (name, text) in &screens {
            for english in ENGLISH_CHROME {
                assert!(
                    !text.contains(english),
                    "{name}: '{english}' left in\n{text}"
                );
            }
        }
        for (name, text) in screens.iter().filter(|(name, _)| *name == "dashboard") {
            for counter in ["sent", "received", "topics"] {
                assert!(
                    !text.contains(counter),
                    "{name}: '{counter}' left in\n{text}"
                );
            }
        }
        // A wide character's second cell reads as a space.
        let squeezed = |at: usize| screens[at].1.replace(' ', "");
        assert!(
            squeezed(0).contains("实验") && squeezed(0).contains("启动"),
            "{}",
            squeezed(0)
        );
        // The lab's own title and summary too.
        assert!(
            squeezed(0).contains("ZeroMQ发布/订阅") && squeezed(0).contains("扇出给订阅者"),
            "{}",
            squeezed(0)
        );
        assert!(squeezed(1).contains("按键"), "{}", squeezed(1));
        assert!(
            squeezed(2).contains("运行中") && squeezed(2).contains("事件"),
            "{}",
            squeezed(2)
        );
    }
}
