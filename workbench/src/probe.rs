//! `workbench zmq probe <endpoint>`: which ZeroMQ socket, if any, listens on a TCP port (the
//! protocol work is in `lab_zmq::probe`), and `--help-troubleshoot`: the messaging lesson's
//! checklist for messages that do not arrive.

use std::process::ExitCode;

use lab_core::Registry;
use lab_zmq::probe::{self, Finding};

use crate::course::cli::UsageError;
use crate::course::content::Content;
use crate::course::{Lang, lesson};

/// The checklist's heading in each language of the messaging lesson.
pub const TROUBLESHOOT_HEADINGS: [(Lang, &str); 2] = [
    (Lang::En, "When messages do not arrive"),
    (Lang::Zh, "消息收不到时"),
];

pub fn troubleshoot(registry: &Registry, lang: Lang) -> Result<ExitCode, UsageError> {
    let lesson =
        lesson::load(&Content::from_env(), registry, "messaging", lang).map_err(UsageError)?;
    let heading = TROUBLESHOOT_HEADINGS
        .iter()
        .find(|(heading_lang, _)| *heading_lang == lesson.lang)
        .map(|(_, heading)| *heading)
        .unwrap_or(TROUBLESHOOT_HEADINGS[0].1);
    let section = lesson::section(&lesson, heading).ok_or_else(|| {
        UsageError(format!(
            "the messaging lesson has no section '{heading}' (a bug in the lesson)"
        ))
    })?;
    print!(
        "{}",
        lesson::to_terminal(&section, 80, crate::course::cli::colour())
    );
    Ok(ExitCode::SUCCESS)
}

pub fn run(endpoint: &str, timeout: f64, json: bool) -> Result<ExitCode, UsageError> {
    let Some(timeout) = lab_core::seconds::positive(timeout) else {
        return Err(UsageError(format!(
            "invalid value '{timeout}' for --timeout: expected {}",
            lab_core::seconds::expected()
        )));
    };
    let address = probe::address(endpoint).map_err(UsageError)?;
    let finding = probe::probe(address, timeout);
    if json {
        let mut value = serde_json::to_value(&finding).unwrap_or_default();
        value["endpoint"] = serde_json::Value::String(endpoint.to_string());
        println!("{value}");
    } else {
        print!("{}", probe::describe(endpoint, &finding));
        if !matches!(finding, Finding::Zeromq { .. }) {
            println!("  (`workbench zmq probe --help-troubleshoot` lists what to check)");
        }
    }
    Ok(if matches!(finding, Finding::Zeromq { .. }) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
