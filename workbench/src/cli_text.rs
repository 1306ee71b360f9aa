//! The command line's own words in the student's language.
//!
//! Each command's summary and each flag's help are written in English as doc comments beside
//! the command's definition (clap reads them). For another language they come from the message
//! catalogue, by the command's path: `cli-exercise-check` for `workbench exercise check`,
//! `cli-exercise-check--seed` for its `--seed` (the root is `cli-workbench`). clap's own words
//! (the headings, `--help`, `--version`, the defaults and choices shown, its error messages)
//! are replaced too, so `workbench --lang zh exercise check --help` is Chinese throughout.

use clap::builder::PossibleValue;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};
use lab_i18n::{Lang, tr};

/// The catalogue id of the command at `path` (`["exercise", "check"]`), or of one of its
/// arguments.
pub fn key(path: &[&str], argument: Option<&str>) -> String {
    let command = if path.is_empty() {
        "workbench".to_string()
    } else {
        path.join("-")
    };
    match argument {
        Some(argument) => format!("cli-{command}--{argument}"),
        None => format!("cli-{command}"),
    }
}

/// `command` with its texts in `lang` (as it is for English).
pub fn localized(command: Command, lang: Lang) -> Command {
    if lang == Lang::En {
        return command;
    }
    let mut command = localize(command, lang, &mut Vec::new());
    // clap adds its `help` subcommands as it builds: their words can only be set after that.
    command.build();
    localize_help_commands(command, lang)
}

/// The `help` subcommand of `command` and of its subcommands, in `lang`.
fn localize_help_commands(mut command: Command, lang: Lang) -> Command {
    let subcommands: Vec<String> = command
        .get_subcommands()
        .map(|subcommand| subcommand.get_name().to_string())
        .collect();
    for name in subcommands {
        command = command.mut_subcommand(&name, |subcommand| {
            if name != "help" {
                return localize_help_commands(subcommand, lang);
            }
            let arguments: Vec<String> = subcommand
                .get_positionals()
                .map(|argument| argument.get_id().to_string())
                .collect();
            let mut help = subcommand.about(tr!(lang, "cli-help-command"));
            for id in arguments {
                help = help.mut_arg(&id, |argument| {
                    argument.help(tr!(lang, "cli-help-command--subcommand"))
                });
            }
            help
        });
    }
    command
}

fn localize(mut command: Command, lang: Lang, path: &mut Vec<String>) -> Command {
    let names: Vec<&str> = path.iter().map(String::as_str).collect();
    let translated = |argument: Option<&str>| {
        let key = key(&names, argument);
        lab_i18n::has(lang, &key).then(|| lab_i18n::text(lang, &key, &[]))
    };
    if let Some(about) = translated(None) {
        command = command.about(about).long_about(None::<&str>);
    }
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{}{{usage}}\n\n{{all-args}}{{after-help}}",
        tr!(lang, "cli-usage")
    );
    command = command
        .help_template(template)
        .subcommand_help_heading(tr!(lang, "cli-commands"));
    let arguments: Vec<String> = command
        .get_arguments()
        .map(|argument| argument.get_id().to_string())
        .collect();
    for (order, id) in arguments.into_iter().enumerate() {
        let help = translated(Some(&id));
        command = command.mut_arg(&id, |argument| {
            // In the order they are defined, as in English.
            let argument = argument.display_order(order);
            let heading = if argument.is_positional() {
                tr!(lang, "cli-arguments")
            } else {
                tr!(lang, "cli-options")
            };
            let mut argument = argument.help_heading(heading);
            let mut extra = String::new();
            // A flag (--json) has a default and choices too (false, true), never shown.
            let takes_values = argument.get_action().takes_values();
            let defaults: Vec<String> = argument
                .get_default_values()
                .iter()
                .map(|value| value.to_string_lossy().into_owned())
                .collect();
            if takes_values && !defaults.is_empty() && !argument.is_hide_default_value_set() {
                extra.push(' ');
                extra.push_str(&tr!(lang, "help-default", value = defaults.join(", ")));
                argument = argument.hide_default_value(true);
            }
            let choices: Vec<String> = argument
                .get_possible_values()
                .iter()
                .filter(|value| !value.is_hide_set())
                .map(|value: &PossibleValue| value.get_name().to_string())
                .collect();
            if takes_values && !choices.is_empty() && !argument.is_hide_possible_values_set() {
                extra.push(' ');
                extra.push_str(&tr!(lang, "cli-choices", values = choices.join(", ")));
                argument = argument.hide_possible_values(true);
            }
            match help {
                Some(help) => argument
                    .help(format!("{help}{extra}"))
                    .long_help(None::<&str>),
                None => argument,
            }
        });
    }
    // clap's own --help and --version, in this language.
    if !command.is_disable_help_flag_set() {
        command = command.disable_help_flag(true).arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help(tr!(lang, "cli-help-flag"))
                .help_heading(tr!(lang, "cli-options")),
        );
    }
    if path.is_empty() {
        command = command.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(tr!(lang, "cli-version-flag"))
                .help_heading(tr!(lang, "cli-options")),
        );
    }
    let subcommands: Vec<String> = command
        .get_subcommands()
        .map(|subcommand| subcommand.get_name().to_string())
        .collect();
    for name in subcommands {
        path.push(name.clone());
        command = command.mut_subcommand(&name, |subcommand| localize(subcommand, lang, path));
        path.pop();
    }
    command
}

/// A command-line mistake as one line in `lang`, then where to look; for English, clap's own.
pub fn error_message(error: &clap::Error, lang: Lang) -> String {
    // English is clap's own; a command given without its subcommand shows its (translated) help.
    if lang == Lang::En || error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return error.render().to_string();
    }
    let context = |kind: ContextKind| match error.get(kind) {
        Some(ContextValue::String(text)) => text.clone(),
        Some(ContextValue::Strings(texts)) => texts.join(", "),
        Some(ContextValue::StyledStr(text)) => text.to_string(),
        Some(ContextValue::StyledStrs(texts)) => texts
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        Some(ContextValue::Number(number)) => number.to_string(),
        _ => String::new(),
    };
    let argument = context(ContextKind::InvalidArg);
    let value = context(ContextKind::InvalidValue);
    let mut line = match error.kind() {
        ErrorKind::InvalidSubcommand => tr!(
            lang,
            "cli-error-unknown-command",
            name = context(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::UnknownArgument => tr!(lang, "cli-error-unknown-argument", name = argument),
        ErrorKind::InvalidValue => {
            let valid = context(ContextKind::ValidValue);
            tr!(
                lang,
                "cli-error-invalid-value",
                value = value,
                name = argument
            ) + &if valid.is_empty() {
                String::new()
            } else {
                tr!(lang, "cli-error-valid-values", values = valid)
            }
        }
        ErrorKind::ValueValidation => tr!(
            lang,
            "cli-error-invalid-value",
            value = value,
            name = argument
        ),
        ErrorKind::MissingRequiredArgument => {
            tr!(lang, "cli-error-missing", names = argument)
        }
        ErrorKind::ArgumentConflict => tr!(
            lang,
            "cli-error-conflict",
            name = argument,
            other = context(ContextKind::PriorArg)
        ),
        ErrorKind::NoEquals
        | ErrorKind::TooManyValues
        | ErrorKind::TooFewValues
        | ErrorKind::WrongNumberOfValues => {
            tr!(lang, "cli-error-values", name = argument)
        }
        _ => {
            // Anything rarer: clap's own first line, after its "error: ".
            let rendered = error.render().to_string();
            let first = rendered.lines().next().unwrap_or_default();
            first.trim_start_matches("error: ").to_string()
        }
    };
    let suggested = [ContextKind::SuggestedSubcommand, ContextKind::SuggestedArg]
        .into_iter()
        .map(context)
        .find(|suggestion| !suggestion.is_empty());
    if let Some(suggestion) = suggested {
        line.push_str(&tr!(
            lang,
            "cli-error-did-you-mean",
            suggestion = suggestion
        ));
    }
    format!("workbench: {line}\n{}\n", tr!(lang, "cli-error-see-help"))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    /// Every command and argument of the tree, as (catalogue key, English text).
    fn texts(command: &Command, path: &mut Vec<String>, found: &mut Vec<(String, String)>) {
        let names: Vec<&str> = path.iter().map(String::as_str).collect();
        let about = command
            .get_about()
            .map(ToString::to_string)
            .unwrap_or_default();
        found.push((key(&names, None), about));
        for argument in command.get_arguments() {
            let id = argument.get_id().as_str();
            // --lang is defined once, on the root, and shown on every command.
            if argument.is_global_set() && !path.is_empty() {
                continue;
            }
            let help = argument
                .get_help()
                .map(ToString::to_string)
                .unwrap_or_default();
            found.push((key(&names, Some(id)), help));
        }
        for subcommand in command.get_subcommands() {
            path.push(subcommand.get_name().to_string());
            texts(subcommand, path, found);
            path.pop();
        }
    }

    fn every_text() -> Vec<(String, String)> {
        let mut found = Vec::new();
        texts(&crate::Cli::command(), &mut Vec::new(), &mut found);
        found
    }

    #[test]
    fn every_command_and_flag_has_its_chinese_and_no_translation_is_stale() {
        let wanted = every_text();
        let missing: Vec<String> = wanted
            .iter()
            .filter(|(key, english)| !english.is_empty() && !lab_i18n::has(Lang::Zh, key))
            .map(|(key, english)| format!("{key} = {english}"))
            .collect();
        assert!(
            missing.is_empty(),
            "zh-CN.ftl lacks:\n{}",
            missing.join("\n")
        );
        let keys: Vec<&String> = wanted.iter().map(|(key, _)| key).collect();
        let stale: Vec<String> = lab_i18n::catalogue(Lang::Zh)
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| {
                id.starts_with("cli-")
                    && id.contains("--")
                    && !id.starts_with("cli-help-command")
                    && !keys.contains(&id)
            })
            .collect();
        assert!(
            stale.is_empty(),
            "zh-CN.ftl translates what no command has: {stale:#?}"
        );
    }
}
