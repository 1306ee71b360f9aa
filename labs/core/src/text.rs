//! Text from outside (a student's program, an archive's names) shown in a terminal: control
//! characters are written as `\u{1b}` instead of being sent raw, so output cannot switch the
//! terminal's screen, move its cursor or set its title.

use std::borrow::Cow;

/// `text` with every control character (tab aside) escaped.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_escaped) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 16);
    for character in text.chars() {
        if is_escaped(character) {
            shown.extend(character.escape_unicode());
        } else {
            shown.push(character);
        }
    }
    Cow::Owned(shown)
}

fn is_escaped(character: char) -> bool {
    character.is_control() && character != '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_reach_the_terminal_as_text() {
        assert_eq!(escape_controls("plain\ttext"), "plain\ttext");
        assert_eq!(
            escape_controls("\u{1b}[?1049h\u{1b}]0;title\u{7}"),
            "\\u{1b}[?1049h\\u{1b}]0;title\\u{7}"
        );
    }
}
