//! Archives: many files in one. The `archive` lab and the `workbench archive` tool.
//!
//! The lesson's format is PHP's Phar (`phar/`), written from its documentation and checked
//! against PHP itself; zip and tar come from the `zip` and `tar` crates. Every format is read
//! into the same [`Archive`] (a list of [`Entry`]) and written from it, which is all `convert`
//! needs.
//!
//! | file              | what it does                                                  |
//! |-------------------|---------------------------------------------------------------|
//! | `phar/read.rs`    | stub, manifest, contents and signature of a phar, checked      |
//! | `phar/write.rs`   | the same, written as PHP writes it                             |
//! | `php_serialize.rs`| the metadata's format, PHP's `serialize()`                     |
//! | `formats.rs`      | zip, tar and tar.gz to and from an `Archive`                   |
//! | `paths.rs`        | the checks that keep unpacking inside its target               |
//! | `tool.rs`         | pack, list, verify, unpack, convert                           |

pub mod checks;
pub mod formats;
pub mod lab;
pub mod paths;
pub mod phar;
pub mod php_serialize;
pub mod tool;

use lab_core::Registry;

pub use formats::Format;

/// Adds this crate's lab and exercise checker to the registry.
pub fn register(registry: &mut Registry) {
    registry.add(lab::ArchiveLab);
    registry.add_checker(checks::PharChecker);
}

/// One file, directory or link in an archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Relative, with `/` between parts, no trailing `/`.
    pub path: String,
    pub kind: EntryKind,
    /// Unix permission bits (0o644).
    pub mode: u32,
    /// Seconds since 1970.
    pub modified: u64,
    /// PHP-serialized metadata (phar only).
    pub metadata: Option<Vec<u8>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    File(Vec<u8>),
    Directory,
    Symlink(String),
}

impl Entry {
    pub fn file(path: &str, contents: impl Into<Vec<u8>>) -> Entry {
        Entry {
            path: path.to_string(),
            kind: EntryKind::File(contents.into()),
            mode: 0o644,
            modified: 0,
            metadata: None,
        }
    }

    /// The size of its contents (0 for directories and links).
    pub fn size(&self) -> u64 {
        match &self.kind {
            EntryKind::File(contents) => contents.len() as u64,
            _ => 0,
        }
    }
}

/// The parts of a phar that are not files: kept so that converting to zip or tar and back loses
/// nothing. In zip and tar they are stored where PHP stores them (`.phar/stub.php`,
/// `.phar/alias.txt`, `.phar/.metadata.bin`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PharParts {
    pub stub: Option<Vec<u8>>,
    pub alias: Option<String>,
    pub metadata: Option<Vec<u8>>,
}

/// The files of an archive, whatever its format.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Archive {
    pub entries: Vec<Entry>,
    pub phar: PharParts,
}

/// The most bytes an archive may unpack to, unless `--max-size` says otherwise: 1 GiB.
pub const DEFAULT_MAX_SIZE: u64 = 1 << 30;
