//! What a test does: run a command, talk TCP, HTTP, SQL or ZeroMQ. Each action returns how
//! it went, the assertions it made and the text later tests may capture from. Captured values
//! come into an action through the `${name}` fillers below, always as data, never as code.

pub mod exec;
pub mod http;
pub mod sql;
pub mod tcp;
pub mod zmq;

use std::collections::HashMap;

pub use tcp::Sessions;

/// `text` with every `${name}` replaced by what test `name` captured, as it is.
pub(crate) fn fill(text: &str, values: &HashMap<String, String>) -> String {
    fill_with(text, values, |_, value| value.to_string())
}

/// `text` with every `${name}` that has a value replaced by `replace(text before it, value)`.
pub(crate) fn fill_with(
    text: &str,
    values: &HashMap<String, String>,
    mut replace: impl FnMut(&str, &str) -> String,
) -> String {
    let mut filled = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let Some(length) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 2..start + length];
        filled.push_str(&rest[..start]);
        match values.get(name) {
            Some(value) => {
                let replaced = replace(&filled, value);
                filled.push_str(&replaced);
            }
            None => filled.push_str(&rest[start..start + length + 1]),
        }
        rest = &rest[start + length + 1..];
    }
    filled.push_str(rest);
    filled
}

/// Where a shell is at the end of `before`: outside quotes, inside '…' or inside "…".
#[derive(Clone, Copy, PartialEq, Eq)]
enum ShellQuote {
    None,
    Single,
    Double,
}

fn shell_quote_at(before: &str) -> ShellQuote {
    let mut state = ShellQuote::None;
    let mut escaped = false;
    for character in before.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        state = match (state, character) {
            (ShellQuote::Single, '\'') => ShellQuote::None,
            (ShellQuote::Single, _) => ShellQuote::Single,
            (_, '\\') => {
                escaped = true;
                state
            }
            (ShellQuote::None, '\'') => ShellQuote::Single,
            (ShellQuote::None, '"') => ShellQuote::Double,
            (ShellQuote::Double, '"') => ShellQuote::None,
            (state, _) => state,
        };
    }
    state
}

/// A captured value put into a shell command as text, never as code: `id=(.*)` over
/// `1; touch pwned` stays the one word `1; touch pwned`, wherever `${id}` stands (bare, in '…'
/// or in "…").
pub(crate) fn fill_shell(command: &str, values: &HashMap<String, String>) -> String {
    fill_with(command, values, |before, value| {
        match shell_quote_at(before) {
            ShellQuote::None => format!("'{}'", value.replace('\'', "'\\''")),
            ShellQuote::Single => value.replace('\'', "'\\''"),
            ShellQuote::Double => {
                let mut escaped = String::with_capacity(value.len());
                for character in value.chars() {
                    if matches!(character, '\\' | '$' | '`' | '"') {
                        escaped.push('\\');
                    }
                    escaped.push(character);
                }
                escaped
            }
        }
    })
}
