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

/// The topics, in the order lessons are listed: each is a lesson and a group of labs.
pub const TOPICS: &[&str] = &[
    "archives",
    "dependent-tests",
    "flash-sale",
    "sockets",
    "messaging",
];

/// The language of lessons, exercise texts and every message (see `lab_i18n`).
pub use lab_i18n::Lang;

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
    fn offsets_become_line_numbers() {
        let text = "one\ntwo\nthree";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 4), 2);
        assert_eq!(line_of(text, text.len()), 3);
    }
}
