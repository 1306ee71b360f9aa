//! The help overlay: the keys of the screen underneath.

use lab_i18n::tr;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::course::Lang;
use crate::tui::app::Screen;

pub(crate) fn draw(frame: &mut Frame, screen: Screen, lang: Lang) {
    let area = frame.area();
    let width = 62.min(area.width);
    let height = 20.min(area.height);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let mut lines = vec![Line::from(tr!(lang, "tui-help-keys").bold())];
    let keys: Vec<(&str, String)> = match screen {
        Screen::Home => vec![
            ("↑ ↓  j k", tr!(lang, "tui-help-choose-lab")),
            ("Tab", tr!(lang, "tui-help-tab")),
            ("← → space", tr!(lang, "tui-help-choice")),
            ("e", tr!(lang, "tui-help-edit")),
            ("d", tr!(lang, "tui-help-defaults")),
            ("Enter  s", tr!(lang, "tui-help-start")),
            ("l", tr!(lang, "tui-help-lesson")),
            ("L", tr!(lang, "tui-help-language")),
            ("x", tr!(lang, "tui-help-exercises")),
            ("q  Esc", tr!(lang, "tui-help-quit")),
        ],
        Screen::Exercises => vec![
            ("↑ ↓", tr!(lang, "tui-help-choose-exercise")),
            ("h", tr!(lang, "tui-help-hint")),
            ("PgUp PgDn", tr!(lang, "tui-help-scroll-task")),
            ("L", tr!(lang, "tui-help-language")),
            ("q  Esc", tr!(lang, "tui-help-back-to-labs")),
        ],
        Screen::Dashboard => vec![
            ("s", tr!(lang, "tui-help-stop")),
            ("r", tr!(lang, "tui-help-run-again")),
            ("↑ ↓", tr!(lang, "tui-help-scroll-events")),
            ("l", tr!(lang, "tui-help-lesson-beside")),
            ("q  Esc", tr!(lang, "tui-help-stop-and-back")),
            ("Ctrl-C", tr!(lang, "tui-help-ctrl-c")),
        ],
    };
    for (key, meaning) in keys {
        lines.push(Line::from(vec![
            format!("  {key:<12}").fg(Color::Cyan),
            meaning.into(),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(tr!(lang, "tui-help-rates").dim()));
    lines.push(Line::from(tr!(lang, "tui-help-close").dim()));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(Line::from(format!(" {} ", tr!(lang, "tui-help"))).bold())
                .border_style(Style::new().fg(Color::Cyan)),
        ),
        popup,
    );
}

#[cfg(test)]
mod tests {
    use crate::tui::screens::testing::*;

    #[test]
    fn help_overlay_lists_the_keys_and_small_terminals_do_not_panic() {
        let mut app = running_pubsub();
        app.show_help = true;
        let text = render(&app, 80, 24).join("\n");
        assert!(
            text.contains("Help") && text.contains("stop the lab"),
            "{text}"
        );
        for (width, height) in [(20, 5), (40, 10), (200, 60)] {
            render(&app, width, height);
        }
    }
}
