//! What a check was run on: a SHA-256 over the files of the folder the student checked from,
//! recorded with each attempt, so that a teacher can tell two attempts on the same files apart
//! from attempts on different ones (and a pass typed into the progress file has none).
//!
//! Folders of tools and dependencies (`.git`, `vendor`, `node_modules`, ...) are left out, links
//! are not followed, and the walk stops at a bound: a student who checks from their home folder
//! waits for nothing.

use std::path::Path;

use sha2::{Digest, Sha256};

/// Folders whose files are not the student's work.
const SKIPPED: [&str; 8] = [
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "vendor",
    "target",
    "__pycache__",
    ".venv",
];
/// Files hashed at most; past this the hash says so.
const MOST_FILES: usize = 2000;
/// Bytes read at most over all files.
const MOST_BYTES: u64 = 64 << 20;

/// The hash of `folder`'s files (each path, its length and its bytes, in path order), as
/// `sha256:<hex>`, with `+partial` when a bound stopped the walk; `None` if it cannot be read.
pub fn folder_hash(folder: &Path) -> Option<String> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    let mut partial = false;
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                let name = entry.file_name();
                if !SKIPPED.iter().any(|skipped| name == *skipped) {
                    pending.push(path);
                }
            } else if kind.is_file() {
                if files.len() == MOST_FILES {
                    partial = true;
                    break;
                }
                files.push(path);
            }
        }
    }
    files.sort();
    let mut hash = Sha256::new();
    let mut read = 0u64;
    for path in &files {
        let relative = path.strip_prefix(folder).unwrap_or(path);
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        read += bytes.len() as u64;
        if read > MOST_BYTES {
            partial = true;
            break;
        }
        hash.update(relative.to_string_lossy().as_bytes());
        hash.update([0]);
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    if files.is_empty() && std::fs::read_dir(folder).is_err() {
        return None;
    }
    let hex: String = hash
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    Some(format!(
        "sha256:{hex}{}",
        if partial { "+partial" } else { "" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_follows_the_files_and_nothing_else() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("server.py"), "print(1)").unwrap();
        std::fs::create_dir(folder.path().join("lib")).unwrap();
        std::fs::write(folder.path().join("lib/util.py"), "x = 1").unwrap();
        let first = folder_hash(folder.path()).unwrap();
        assert!(
            first.starts_with("sha256:") && first.len() == 7 + 64,
            "{first}"
        );
        assert_eq!(folder_hash(folder.path()).unwrap(), first, "stable");
        // A dependency folder changes nothing.
        std::fs::create_dir(folder.path().join("node_modules")).unwrap();
        std::fs::write(folder.path().join("node_modules/big.js"), "...").unwrap();
        assert_eq!(folder_hash(folder.path()).unwrap(), first);
        // One byte of the student's files changes it; so does a rename.
        std::fs::write(folder.path().join("lib/util.py"), "x = 2").unwrap();
        let edited = folder_hash(folder.path()).unwrap();
        assert_ne!(edited, first);
        std::fs::rename(
            folder.path().join("lib/util.py"),
            folder.path().join("lib/u.py"),
        )
        .unwrap();
        assert_ne!(folder_hash(folder.path()).unwrap(), edited);
        assert_eq!(folder_hash(&folder.path().join("missing")), None);
    }
}
