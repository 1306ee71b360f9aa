//! Where course files come from: built into the binary, or a teacher's folder.

use std::borrow::Cow;
use std::path::PathBuf;

/// The repository's `content/` folder, built into the binary.
#[derive(rust_embed::Embed)]
#[folder = "../content/"]
struct Embedded;

#[derive(Clone, Debug)]
pub enum Content {
    Embedded,
    /// A folder of the same shape, from `WORKBENCH_CONTENT`.
    Folder(PathBuf),
}

impl Content {
    pub fn from_env() -> Content {
        match std::env::var_os("WORKBENCH_CONTENT") {
            Some(folder) if !folder.is_empty() => Content::Folder(PathBuf::from(folder)),
            _ => Content::Embedded,
        }
    }

    /// A file's text by its path inside the content folder, e.g. `lessons/en/messaging.md`.
    /// Invalid UTF-8 is shown with replacement characters rather than refused.
    pub fn read(&self, path: &str) -> Option<String> {
        Some(String::from_utf8_lossy(&self.read_bytes(path)?).into_owned())
    }

    /// A file as it is, for starters that are not text (an archive to repair, say).
    pub fn read_bytes(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        match self {
            Content::Embedded => Some(Embedded::get(path)?.data),
            Content::Folder(folder) => Some(Cow::Owned(std::fs::read(folder.join(path)).ok()?)),
        }
    }

    /// Every file path under `prefix` (e.g. `exercises/`), sorted.
    pub fn list(&self, prefix: &str) -> Vec<String> {
        let mut paths: Vec<String> = match self {
            Content::Embedded => Embedded::iter()
                .filter(|path| path.starts_with(prefix))
                .map(|path| path.into_owned())
                .collect(),
            Content::Folder(folder) => {
                let mut found = Vec::new();
                walk(folder, &folder.join(prefix), &mut found);
                found
            }
        };
        paths.sort();
        paths
    }

    /// How a path is named in messages: where the student or teacher can find the file.
    pub fn display(&self, path: &str) -> String {
        match self {
            Content::Embedded => format!("content/{path}"),
            Content::Folder(folder) => folder.join(path).display().to_string(),
        }
    }
}

fn walk(root: &std::path::Path, folder: &std::path::Path, found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, found);
        } else if let Ok(relative) = path.strip_prefix(root) {
            found.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}
