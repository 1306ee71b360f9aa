//! The parts of the command line that come from the labs themselves: `workbench list` and the
//! flags of `workbench lab <id>`, which are generated from each lab's parameter schema.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use lab_core::{AnyLab, ParamKind, Params, Registry};
use lab_i18n::tr;

/// A lab to run, as the command line asked for it.
pub struct LabRequest {
    pub lab: Arc<dyn AnyLab>,
    pub params: Params,
    pub headless: bool,
    pub duration: Option<Duration>,
    pub record: Option<PathBuf>,
    /// `--report run.html`: the run kept as one HTML page when it ends.
    pub report: Option<PathBuf>,
}

pub enum LabCommand {
    Help(String),
    Run(LabRequest),
}

pub fn list(registry: &Registry, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        let infos: Vec<_> = registry.labs().iter().map(|lab| lab.info()).collect();
        println!("{}", serde_json::to_string_pretty(&infos)?);
    } else {
        let lang = lab_i18n::current();
        let rows: Vec<Vec<String>> = registry
            .labs()
            .iter()
            .map(|lab| {
                let info = lab.info();
                let title = crate::labs::title(lang, &info).to_string();
                vec![info.id.to_string(), info.topic.to_string(), title]
            })
            .collect();
        for line in aligned(&rows) {
            println!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Rows of cells as lines whose columns line up, each column as wide as its widest cell (by
/// how wide a terminal shows it: a Chinese character takes two), the last left as it is.
pub fn aligned(rows: &[Vec<String>]) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (index, cell) in row.iter().enumerate() {
            if index >= widths.len() {
                widths.push(0);
            }
            widths[index] = widths[index].max(cell.width());
        }
    }
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (index, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if index + 1 < row.len() {
                    line.push_str(&" ".repeat(widths[index] - cell.width() + 2));
                }
            }
            line
        })
        .collect()
}

fn unknown_lab(registry: &Registry, id: &str) -> String {
    format!(
        "unknown lab '{id}'; valid labs: {} (see `workbench list`)",
        registry.ids().join(", ")
    )
}

/// Parses `workbench lab <id> [flags]`. Errors are one line, for exit code 2.
pub fn parse_lab(
    registry: &Registry,
    id: Option<String>,
    args: &[String],
) -> Result<LabCommand, String> {
    let Some(id) = id.filter(|id| id != "--help" && id != "-h") else {
        let lang = lab_i18n::current();
        let mut text = format!(
            "{}\n\n{}\n",
            tr!(lang, "labs-usage"),
            tr!(lang, "labs-heading")
        );
        for lab in registry.labs() {
            let info = lab.info();
            let _ = writeln!(
                text,
                "  {:<16} {}",
                info.id,
                crate::labs::title(lang, &info)
            );
        }
        text.push('\n');
        text.push_str(&tr!(lang, "labs-help-hint"));
        text.push('\n');
        return Ok(LabCommand::Help(text));
    };
    let lab = registry
        .find(&id)
        .ok_or_else(|| unknown_lab(registry, &id))?;
    let mut pairs = Vec::new();
    let mut headless = false;
    let mut duration = None;
    let mut record = None;
    let mut report = None;
    let info = lab.info();
    let is_switch = |flag: &str| {
        info.params
            .iter()
            .any(|spec| spec.name == flag && matches!(spec.kind, ParamKind::Bool))
    };
    let mut rest = args.iter().peekable();
    while let Some(arg) = rest.next() {
        if arg == "--help" || arg == "-h" {
            return Ok(LabCommand::Help(lab_help(&*lab)));
        }
        if arg == "--headless" {
            headless = true;
            continue;
        }
        let Some(flag) = arg.strip_prefix("--") else {
            return Err(format!(
                "unexpected argument '{arg}' for lab {id}: flags look like --rate 1000 (see `workbench lab {id} --help`)"
            ));
        };
        let (name, value) = match flag.split_once('=') {
            Some((name, value)) => (name.to_string(), value.to_string()),
            // A yes/no flag alone means yes: `--compare` is `--compare true`.
            None if is_switch(flag) && rest.peek().is_none_or(|next| next.starts_with("--")) => {
                (flag.to_string(), "true".to_string())
            }
            None => {
                let value = rest.next().ok_or_else(|| {
                    format!("--{flag} needs a value (see `workbench lab {id} --help`)")
                })?;
                (flag.to_string(), value.clone())
            }
        };
        match name.as_str() {
            "duration" => {
                let seconds = value
                    .trim()
                    .parse()
                    .ok()
                    .and_then(lab_core::seconds::positive)
                    .ok_or_else(|| {
                        format!(
                            "invalid value '{value}' for --duration: expected {}, e.g. --duration 5",
                            lab_core::seconds::expected()
                        )
                    })?;
                duration = Some(seconds);
            }
            "record" => record = Some(PathBuf::from(value)),
            "report" => report = Some(PathBuf::from(value)),
            // Read before the lab starts, by `lang_flag`.
            "lang" => {}
            _ => pairs.push((name, value)),
        }
    }
    let params = lab.parse_params(&pairs)?;
    for note in unused_by_role(&info.params, &params, &pairs) {
        eprintln!("workbench: {note}");
    }
    Ok(LabCommand::Run(LabRequest {
        lab,
        params,
        headless,
        duration,
        record,
        report,
    }))
}

/// The `--lang` among a lab's flags (`--lang zh` or `--lang=zh`), which must be known before
/// anything is shown.
pub fn lang_flag(args: &[String]) -> Result<Option<crate::course::Lang>, String> {
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let value = match arg.strip_prefix("--lang") {
            Some("") => rest.next().map(String::as_str).unwrap_or(""),
            Some(joined) if joined.starts_with('=') => &joined[1..],
            _ => continue,
        };
        return crate::course::Lang::parse(value)
            .map(Some)
            // In the locale's language: the one asked for could not be read.
            .ok_or_else(|| tr!(lab_i18n::Lang::from_env(), "lang-invalid", value = value));
    }
    Ok(None)
}

/// One line for each flag given that the chosen `--role` does not use (it would be ignored).
pub fn unused_by_role(
    schema: &[lab_core::ParamSpec],
    params: &Params,
    given: &[(String, String)],
) -> Vec<String> {
    let Some(lab_core::Value::Text(role)) = params.get("role") else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    for spec in schema {
        let typed = given
            .iter()
            .any(|(name, _)| name.trim_start_matches("--").replace('_', "-") == spec.name);
        if typed && !spec.used_by(role) {
            notes.push(format!(
                "--{} is not used with --role {role} (only with --role {}): it is ignored",
                spec.name,
                spec.roles.join(" or ")
            ));
        }
    }
    notes
}

/// `workbench lab <id> --help`, generated from the schema.
pub fn lab_help(lab: &dyn AnyLab) -> String {
    let info = lab.info();
    let lang = lab_i18n::current();
    let mut text = format!(
        "{} — {}\n{}\n\n{}\n\n{}\n",
        info.id,
        crate::labs::title(lang, &info),
        crate::labs::summary(lang, &info),
        tr!(lang, "help-usage", id = info.id),
        tr!(lang, "help-lab-flags"),
    );
    for spec in &info.params {
        let values = match &spec.kind {
            ParamKind::Choice { choices } => choices.join("|"),
            ParamKind::Integer { .. } => "N".to_string(),
            ParamKind::Float { .. } => "X".to_string(),
            ParamKind::Duration { unit, .. } => format!("DURATION, e.g. 2{unit}"),
            ParamKind::Bool => "true|false, alone: true".to_string(),
            ParamKind::Text => "TEXT".to_string(),
            ParamKind::List => "A,B,..".to_string(),
            ParamKind::Path => "PATH".to_string(),
            ParamKind::Address => "HOST:PORT".to_string(),
            ParamKind::Endpoints => "ENDPOINT,..".to_string(),
        };
        let _ = writeln!(
            text,
            "  --{} <{}>\n      {} {}",
            spec.name,
            values,
            crate::labs::param_help(lang, &info, spec),
            tr!(lang, "help-default", value = spec.default)
        );
    }
    let _ = write!(
        text,
        "\n{}\n  --headless\n      {}\n  --duration <secs>\n      {}\n  --record <file.jsonl>\n      {}\n  --report <file.html>\n      {}\n  --lang <en|zh>\n      {}\n",
        tr!(lang, "help-run-flags"),
        tr!(lang, "help-headless"),
        tr!(lang, "help-duration"),
        tr!(lang, "help-record"),
        tr!(lang, "help-report"),
        tr!(lang, "help-lang"),
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_whatever_the_length_of_a_name_or_the_width_of_its_characters() {
        let rows: Vec<Vec<String>> = [
            ["id", "状态", "title"],
            ["an-exercise-with-a-very-long-name", "new", "A title"],
            ["short", "未开始", "标题"],
        ]
        .iter()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect();
        let lines = aligned(&rows);
        use unicode_width::UnicodeWidthStr;
        // The third column starts at the same terminal column on every line, after at least
        // two spaces, and no cell is cut.
        let starts: Vec<usize> = lines
            .iter()
            .zip(&rows)
            .map(|(line, row)| line[..line.rfind(row[2].as_str()).unwrap()].width())
            .collect();
        assert!(starts.iter().all(|start| *start == starts[0]), "{lines:#?}");
        for (line, row) in lines.iter().zip(&rows) {
            assert!(line.starts_with(&format!("{}  ", row[0])), "{line}");
            assert!(line.ends_with(&row[2]), "{line}");
        }
    }

    #[test]
    fn every_role_a_flag_names_is_a_role_of_its_lab() {
        for lab in crate::labs::registry().labs() {
            let info = lab.info();
            let choices = info
                .params
                .iter()
                .find(|spec| spec.name == "role")
                .map(|spec| match spec.kind {
                    ParamKind::Choice { choices } => choices.to_vec(),
                    _ => Vec::new(),
                })
                .unwrap_or_default();
            for spec in &info.params {
                for role in spec.roles {
                    assert!(
                        choices.contains(role),
                        "{}: --{} names role {role}",
                        info.id,
                        spec.name
                    );
                }
            }
        }
    }

    #[test]
    fn a_flag_the_chosen_role_does_not_use_is_pointed_out() {
        let registry = crate::labs::registry();
        let lab = registry.find("zmq-reqrep").unwrap();
        let info = lab.info();
        let given = vec![
            ("role".to_string(), "client".to_string()),
            ("bind".to_string(), "tcp://127.0.0.1:5559".to_string()),
            ("requests".to_string(), "10".to_string()),
        ];
        let params = lab.parse_params(&given).unwrap();
        assert_eq!(
            unused_by_role(&info.params, &params, &given),
            ["--bind is not used with --role client (only with --role server): it is ignored"]
        );
        let given = vec![("role".to_string(), "server".to_string()), given[1].clone()];
        let params = lab.parse_params(&given).unwrap();
        assert!(unused_by_role(&info.params, &params, &given).is_empty());
    }

    fn args(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| item.to_string()).collect()
    }

    fn parse(id: &str, items: &[&str]) -> Result<LabCommand, String> {
        parse_lab(&crate::labs::registry(), Some(id.to_string()), &args(items))
    }

    #[test]
    fn flags_become_parameters_and_run_flags_are_kept_apart() {
        let Ok(LabCommand::Run(request)) = parse(
            "zmq-pubsub",
            &[
                "--rate",
                "5000",
                "--headless",
                "--duration=2.5",
                "--topics",
                "X,Y",
            ],
        ) else {
            panic!("should parse");
        };
        assert_eq!(request.params.integer("rate"), 5000);
        assert_eq!(request.params.list("topics"), ["X", "Y"]);
        assert!(request.headless);
        assert_eq!(request.duration, Some(Duration::from_millis(2500)));
    }

    #[test]
    fn a_yes_no_flag_alone_means_yes() {
        let parsed = |items: &[&str]| match parse("socket-echo", items) {
            Ok(LabCommand::Run(request)) => request.params,
            _ => panic!("should parse: {items:?}"),
        };
        assert!(parsed(&["--compare"]).flag("compare"));
        assert!(parsed(&["--compare", "--clients", "5"]).flag("compare"));
        assert!(!parsed(&["--compare", "false"]).flag("compare"));
        assert!(!parsed(&[]).flag("compare"));
    }

    #[test]
    fn an_unknown_lab_names_the_valid_ones() {
        let Err(message) = parse("zmq-pubsob", &[]) else {
            panic!("should fail");
        };
        assert!(
            message.starts_with("unknown lab 'zmq-pubsob'; valid labs: zmq-pubsub"),
            "{message}"
        );
    }

    #[test]
    fn a_flag_without_value_and_a_bad_duration_are_one_line_errors() {
        let Err(message) = parse("zmq-pubsub", &["--rate"]) else {
            panic!("should fail");
        };
        assert_eq!(
            message,
            "--rate needs a value (see `workbench lab zmq-pubsub --help`)"
        );
        let Err(message) = parse("zmq-pubsub", &["--duration", "-1"]) else {
            panic!("should fail");
        };
        assert!(
            message.starts_with("invalid value '-1' for --duration"),
            "{message}"
        );
        assert!(!message.contains('\n'));
    }

    #[test]
    fn help_lists_every_flag_with_its_default() {
        let Ok(LabCommand::Help(text)) = parse("zmq-pubsub", &["--help"]) else {
            panic!("should give help");
        };
        let lab = crate::labs::registry().find("zmq-pubsub").unwrap();
        for spec in lab.info().params {
            assert!(
                text.contains(&format!("--{} <", spec.name)),
                "missing --{}",
                spec.name
            );
            assert!(text.contains(&format!("[default: {}]", spec.default)));
        }
    }
}
