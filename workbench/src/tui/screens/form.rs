//! The selected lab's parameter form: values as typed, checked against the lab's schema.

use lab_core::{LabInfo, ParamKind, Params};
use lab_i18n::tr;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

use crate::tui::app::{Action, App, Focus};
use crate::tui::widgets::focused_block;

impl App {
    /// Keys while a value is being typed: Enter keeps it (and checks the form), Esc drops it.
    pub(crate) fn on_editing_key(&mut self, key: KeyEvent) {
        let Some(text) = self.editing.as_mut() else {
            return;
        };
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
    }

    pub(crate) fn reset_form(&mut self) {
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

    /// ←/→ step through a choice, or flip a boolean; other kinds open the editor.
    pub(crate) fn cycle_choice(&mut self, backwards: bool) {
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

    pub(crate) fn start(&mut self) -> Action {
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
}

pub(crate) fn draw(frame: &mut Frame, app: &App, info: &LabInfo, area: Rect) {
    let lang = app.lang();
    let block = focused_block(
        format!(" {} ", tr!(lang, "tui-parameters")),
        app.focus == Focus::Form,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [summary_area, form_area, help_area] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(3),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                crate::labs::title(lang, info).bold(),
                format!("  ({})", info.id).dim(),
            ]),
            Line::from(crate::labs::summary(lang, info)),
        ])
        .wrap(Wrap { trim: true }),
        summary_area,
    );

    let name_width = info
        .params
        .iter()
        .map(|spec| spec.name.len())
        .max()
        .unwrap_or(8) as u16
        + 1;
    let rows: Vec<Row> = info
        .params
        .iter()
        .zip(&app.form)
        .enumerate()
        .map(|(index, (spec, value))| {
            let selected = index == app.selected_param && app.focus == Focus::Form;
            let shown = match (&app.editing, selected) {
                (Some(text), true) => format!("{text}▏"),
                _ => match spec.kind {
                    ParamKind::Choice { .. } | ParamKind::Bool if selected => {
                        format!("‹ {value} ›")
                    }
                    _ => value.clone(),
                },
            };
            let changed = value != spec.default;
            let mut row = Row::new(vec![
                Cell::from(spec.name),
                Cell::from(if changed { shown.bold() } else { shown.into() }),
            ]);
            if selected {
                row = row.style(Style::new().reversed());
            }
            row
        })
        .collect();
    // Keep the selected row in view on short terminals.
    let visible = form_area.height as usize;
    let skip = (app.selected_param + 1).saturating_sub(visible);
    let rows: Vec<Row> = rows.into_iter().skip(skip).collect();
    frame.render_widget(
        Table::new(rows, [Constraint::Length(name_width), Constraint::Min(10)]),
        form_area,
    );

    let help = match &app.form_error {
        Some(error) => Line::from(error.clone()).fg(Color::Red),
        None => info
            .params
            .get(app.selected_param)
            .map(|spec| {
                let help = crate::labs::param_help(lang, info, spec);
                Line::from(format!("{}: {help}", spec.name)).dim()
            })
            .unwrap_or_default(),
    };
    frame.render_widget(Paragraph::new(help).wrap(Wrap { trim: true }), help_area);
}
