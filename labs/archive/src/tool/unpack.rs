//! Unpacking: the whole archive read and checked first (names, sizes, duplicates), then
//! written into a temporary folder beside the target and renamed into place.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::formats::{self};
use crate::paths;
use crate::{Entry, EntryKind};

use super::{in_parallel, read_file};

/// Unpacks `input` into `target`, which must not exist or be empty. Returns the entries
/// written. Every name and link is checked before the first byte is written.
pub fn unpack(
    input: &Path,
    target: &Path,
    max_size: u64,
    on_file: &mut dyn FnMut(&Entry),
) -> anyhow::Result<usize> {
    let bytes = read_file(input)?;
    let (_, archive, signature) = formats::read_unsigned(&bytes, max_size)
        .with_context(|| format!("{} cannot be unpacked", input.display()))?;
    check_names(&archive.entries).with_context(|| format!("{}", input.display()))?;
    // The mode an existing empty target has, kept; a new one gets what the umask leaves.
    let target_mode = match std::fs::metadata(target) {
        Ok(metadata) if !metadata.is_dir() => bail!(
            "cannot unpack into {}: it is a file, not a directory; name a new or empty directory with -C",
            target.display()
        ),
        Ok(metadata) => {
            use std::os::unix::fs::PermissionsExt;
            let empty = std::fs::read_dir(target)
                .with_context(|| format!("cannot open the directory {}", target.display()))?
                .next()
                .is_none();
            if !empty {
                bail!(
                    "{} is not empty; unpack into a new or empty directory",
                    target.display()
                );
            }
            metadata.permissions().mode() & 0o7777
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => 0o777 & !process_umask(),
        Err(error) => bail!(
            "cannot unpack into {}: {}; name a new or empty directory with -C",
            target.display(),
            io_cause(&error)
        ),
    };
    let parent = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Parents made for this unpacking are removed again if it fails.
    let made = CreatedFolders::create(&parent)
        .with_context(|| format!("cannot unpack into {}", target.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".workbench-unpacking-")
        .tempdir_in(&parent)
        .map_err(|error| {
            anyhow::anyhow!("cannot write in {}: {}", parent.display(), io_cause(&error))
        })?;
    // The signature is checked while the files go into the staging directory: nothing
    // reaches the target unless it matches.
    std::thread::scope(|scope| {
        let checked = scope.spawn(|| match &signature {
            Some(signature) => formats::check_signature(&bytes, signature),
            None => Ok(()),
        });
        let written = write_entries(staging.path(), &archive.entries, on_file);
        let checked = checked.join().expect("hashing does not panic");
        checked
            .with_context(|| format!("{} cannot be unpacked", input.display()))
            .and(written)
    })?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(staging.path(), std::fs::Permissions::from_mode(target_mode))?;
    }
    if target.exists() {
        std::fs::remove_dir(target)
            .with_context(|| format!("cannot replace the empty directory {}", target.display()))?;
    }
    std::fs::rename(staging.path(), target)
        .with_context(|| format!("cannot create {}", target.display()))?;
    made.keep();
    Ok(archive.entries.len())
}

/// An OS error's cause in words, without Rust's "(os error 20)".
fn io_cause(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(end) => text[..end].to_string(),
        None => text,
    }
}

/// The folders `create` made (the missing ancestors of a path), removed again on drop unless
/// `keep` is called: a failed unpacking leaves nothing behind, not even its parents.
struct CreatedFolders(Vec<PathBuf>);

impl CreatedFolders {
    fn create(folder: &Path) -> anyhow::Result<CreatedFolders> {
        let mut missing = Vec::new();
        let mut ancestor = Some(folder);
        while let Some(path) = ancestor {
            if path.as_os_str().is_empty() || path.exists() {
                break;
            }
            missing.push(path.to_path_buf());
            ancestor = path.parent();
        }
        let mut made = CreatedFolders(Vec::new());
        for path in missing.into_iter().rev() {
            std::fs::create_dir(&path).map_err(|error| {
                anyhow::anyhow!("cannot create {}: {}", path.display(), io_cause(&error))
            })?;
            made.0.push(path);
        }
        Ok(made)
    }

    fn keep(mut self) {
        self.0.clear();
    }
}

impl Drop for CreatedFolders {
    fn drop(&mut self) {
        for path in self.0.iter().rev() {
            let _ = std::fs::remove_dir(path);
        }
    }
}

/// The bits the process's umask takes away from new files (Linux says it in /proc/self/status;
/// elsewhere 022 is assumed).
fn process_umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("Umask:"))?;
            u32::from_str_radix(line.trim_start_matches("Umask:").trim(), 8).ok()
        })
        .unwrap_or(0o022)
}

/// Refuses names that leave the target, links that point out, and writes through links.
/// Two entries of one name (`a.txt` and `./a.txt` too) are refused: only one could be unpacked.
pub fn check_names(entries: &[Entry]) -> anyhow::Result<()> {
    let mut links = HashSet::new();
    let mut names = HashSet::new();
    for entry in entries {
        let parts = paths::safe_parts(&entry.path)?;
        let name = parts.join("/");
        if matches!(entry.kind, EntryKind::Symlink(_)) {
            links.insert(name.clone());
        }
        if !names.insert(name) {
            bail!(
                "two entries are named {}: refused, since only one of them could be unpacked",
                paths::Shown(&entry.path)
            );
        }
    }
    for entry in entries {
        paths::check_not_through_link(&entry.path, &links)?;
        if let EntryKind::Symlink(target) = &entry.kind {
            paths::check_link(&entry.path, target, &links)?;
        }
    }
    Ok(())
}

/// Writes checked entries under `root`: directories first, then the files (on every core: a
/// tree of small files is mostly waiting on the file system), then links.
fn write_entries(
    root: &Path,
    entries: &[Entry],
    on_file: &mut dyn FnMut(&Entry),
) -> anyhow::Result<()> {
    let mut directories = std::collections::BTreeSet::new();
    let mut files = Vec::new();
    for entry in entries {
        let path = root.join(paths::safe_path(&entry.path)?);
        match &entry.kind {
            EntryKind::Directory => {
                directories.insert(path);
            }
            _ => {
                if let Some(parent) = path.parent() {
                    directories.insert(parent.to_path_buf());
                }
                if matches!(entry.kind, EntryKind::File(_)) {
                    files.push((entry, path));
                }
            }
        }
    }
    for directory in &directories {
        std::fs::create_dir_all(directory)
            .with_context(|| format!("cannot create {}", directory.display()))?;
    }
    for entry in entries {
        if entry.kind == EntryKind::Directory {
            on_file(entry);
        }
    }
    in_parallel(
        files.len(),
        &|index| {
            let (entry, path) = &files[index];
            write_file(entry, path).with_context(|| format!("cannot write {}", entry.path))
        },
        &mut |index, ()| on_file(files[index].0),
    )?;
    for entry in entries {
        if let EntryKind::Symlink(target) = &entry.kind {
            let path = root.join(paths::safe_path(&entry.path)?);
            std::os::unix::fs::symlink(target, &path)
                .with_context(|| format!("cannot create the link {}", entry.path))?;
            on_file(entry);
        }
    }
    Ok(())
}

/// One file, created with its permissions and time through a single open handle.
fn write_file(entry: &Entry, path: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let EntryKind::File(contents) = &entry.kind else {
        return Ok(());
    };
    let mode = if entry.mode == 0 {
        0o644
    } else {
        entry.mode & 0o777
    };
    let mut file = std::fs::File::options()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    // Created with its mode less what the umask takes, as tar and unzip do: an archive does not
    // decide what the unpacking user's umask keeps private.
    file.write_all(contents)?;
    // A time past what the file system can hold (an mtime of 2^64 - 1, say) is left out rather
    // than stopping the unpacking.
    let modified =
        std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(entry.modified));
    if entry.modified > 0
        && entry.modified <= LATEST_MTIME
        && let Some(modified) = modified
    {
        file.set_modified(modified)?;
    }
    Ok(())
}

/// The latest modification time set on an unpacked file: the end of the year 9999.
const LATEST_MTIME: u64 = 253_402_300_799;
