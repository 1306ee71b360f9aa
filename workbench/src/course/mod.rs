//! Course material: lessons to read and exercises to check, from the repository's `content/`.
//!
//! ```text
//! content/lessons/<lang>/<topic>.md        a lesson, in en and zh
//! content/exercises/<id>/exercise.toml     what the exercise is and how it is checked
//! content/exercises/<id>/README.md         the task (README.zh.md in Chinese)
//! content/exercises/<id>/starter/...       files to start from, in PHP and Python
//! ```
//!
//! The files are built into the binary, so a student's copy works anywhere; a teacher can point
//! `WORKBENCH_CONTENT` at a folder of the same shape to use their own.

pub mod check;
pub mod cli;
pub mod content;
pub mod exercise;
pub mod fingerprint;
pub mod lesson;
pub mod progress;
pub mod report;
pub mod student;

use serde::Serialize;

/// The topics, in the order lessons are listed: each is a lesson and a group of labs.
pub const TOPICS: &[&str] = &[
    "archives",
    "dependent-tests",
    "flash-sale",
    "sockets",
    "messaging",
];

/// The language of lessons and exercise texts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// From the usual locale variables: `LANG=zh_CN.UTF-8` gives Chinese, anything else English.
    pub fn from_env() -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .find(|value| !value.is_empty())
            .map(|value| Lang::from_locale(&value))
            .unwrap_or_default()
    }

    pub fn from_locale(value: &str) -> Lang {
        if value.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }
}

/// The line (from 1) of a byte offset in a text, for "file:line" messages.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|byte| **byte == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locale_picks_the_language() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::Zh);
        assert_eq!(Lang::from_locale("zh_TW"), Lang::Zh);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
    }

    #[test]
    fn offsets_become_line_numbers() {
        let text = "one\ntwo\nthree";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 4), 2);
        assert_eq!(line_of(text, text.len()), 3);
    }
}
