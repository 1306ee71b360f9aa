//! What `workbench archive` does: pack, list, verify, unpack and convert.
//!
//! Nothing is ever half-written: an archive is built in memory and written to a temporary file
//! beside its destination, then renamed into place; unpacking reads and checks the whole archive
//! first, writes into a temporary directory beside the target, and renames that into place.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::formats::{self, Format};
use crate::paths;
use crate::phar::{self, Compression, Phar, PharOptions, SignatureKind};
use crate::php_serialize;
use crate::{Archive, Entry, EntryKind};

/// How to pack a directory.
#[derive(Clone, Debug)]
pub struct PackOptions {
    pub format: Format,
    /// The file the default stub runs.
    pub entry: String,
    /// A stub of one's own instead of the default.
    pub stub: Option<Vec<u8>>,
    /// Start the default stub with `#!/usr/bin/env php`, and make the file executable.
    pub shebang: bool,
    pub compression: Compression,
    pub signature: Option<SignatureKind>,
    /// The phar's alias (default: the output file's name).
    pub alias: Option<String>,
    pub metadata: Option<Value>,
    /// Glob patterns of paths (relative to the directory) to leave out.
    pub exclude: Vec<String>,
}

impl Default for PackOptions {
    fn default() -> PackOptions {
        PackOptions {
            format: Format::Phar,
            entry: "index.php".to_string(),
            stub: None,
            shebang: false,
            compression: Compression::None,
            signature: Some(SignatureKind::Sha256),
            alias: None,
            metadata: None,
            exclude: Vec::new(),
        }
    }
}

/// What packing did.
#[derive(Clone, Debug, Default)]
pub struct Packed {
    pub files: usize,
    /// The bytes of the files packed.
    pub bytes_in: u64,
    /// The size of the archive.
    pub bytes_out: u64,
    /// What was not packed because it is not a regular file (a FIFO, a device, a socket), each
    /// as "<path> (a FIFO)".
    pub skipped: Vec<String>,
}

/// The files under `dir`, in name order, minus `exclude`, and what was skipped. Empty
/// directories are kept as entries; symbolic links are followed when they stay inside `dir`
/// and refused otherwise; only regular files are read (a FIFO would wait forever, a device such
/// as /dev/zero would never end), the rest skipped by name. `on_file` sees each entry as it is
/// read.
pub fn collect(
    dir: &Path,
    exclude: &[String],
    on_file: &mut dyn FnMut(&Entry),
) -> anyhow::Result<(Vec<Entry>, Vec<String>)> {
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let mut patterns = globset::GlobSetBuilder::new();
    for pattern in exclude {
        patterns.add(
            globset::Glob::new(pattern)
                .map_err(|error| anyhow::anyhow!("--exclude \"{pattern}\": {}", error.kind()))?,
        );
    }
    let patterns = patterns.build()?;
    let root = dir
        .canonicalize()
        .with_context(|| format!("cannot open {}", dir.display()))?;
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    walk(&root, &root, &patterns, &mut found, &mut skipped)?;
    // Reading is mostly waiting on the file system: several files at once.
    let sources: Vec<Option<PathBuf>> = found
        .iter()
        .map(|entry| matches!(entry.kind, EntryKind::File(_)).then(|| root.join(&entry.path)))
        .collect();
    in_parallel(
        sources.len(),
        &|index| match &sources[index] {
            Some(path) => std::fs::read(path)
                .map(Some)
                .with_context(|| format!("cannot read {}", path.display())),
            None => Ok(None),
        },
        &mut |index, read| {
            if let Some(read) = read {
                found[index].kind = EntryKind::File(read);
                on_file(&found[index]);
            }
        },
    )?;
    Ok((found, skipped))
}

/// Lists what is under `dir` (files with empty contents, to be read after), in name order.
fn walk(
    root: &Path,
    dir: &Path,
    exclude: &globset::GlobSet,
    entries: &mut Vec<Entry>,
    skipped: &mut Vec<String>,
) -> anyhow::Result<()> {
    let mut children: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the directory {}", dir.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot read the directory {}", dir.display()))?;
    children.sort_by_key(|child| child.file_name());
    let before = entries.len();
    for child in children {
        let path = child.path();
        let relative = path
            .strip_prefix(root)
            .expect("walked from the root")
            .to_string_lossy()
            .replace('\\', "/");
        if exclude.is_match(&relative) {
            continue;
        }
        let mut metadata = std::fs::symlink_metadata(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if metadata.file_type().is_symlink() {
            let resolved = path
                .canonicalize()
                .with_context(|| format!("{} is a symbolic link to nothing", path.display()))?;
            if !resolved.starts_with(root) {
                bail!(
                    "{} is a symbolic link out of the directory (to {}); copy the file in instead",
                    path.display(),
                    resolved.display()
                );
            }
            metadata = std::fs::metadata(&path)?;
        }
        if metadata.is_dir() {
            walk(root, &path, exclude, entries, skipped)?;
            continue;
        }
        if !metadata.is_file() {
            skipped.push(format!("{relative} ({})", special_kind(&metadata)));
            continue;
        }
        entries.push(Entry {
            path: relative,
            kind: EntryKind::File(Vec::new()),
            mode: permissions(&metadata),
            modified: modified(&metadata),
            metadata: None,
        });
    }
    // An empty directory (other than the root) is kept as one.
    if entries.len() == before && dir != root {
        let metadata = std::fs::metadata(dir)?;
        entries.push(Entry {
            path: dir
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/"),
            kind: EntryKind::Directory,
            mode: permissions(&metadata),
            modified: modified(&metadata),
            metadata: None,
        });
    }
    Ok(())
}

/// What a file that is not a regular file is, in words.
fn special_kind(metadata: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    if kind.is_fifo() {
        "a FIFO: only regular files are packed"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device: only regular files are packed"
    } else if kind.is_socket() {
        "a socket: only regular files are packed"
    } else {
        "not a regular file"
    }
}

fn permissions(metadata: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o777
}

fn modified(metadata: &std::fs::Metadata) -> u64 {
    metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |age| age.as_secs())
}

/// The phar options for writing `archive` to `output`, filling in what it lacks.
pub fn phar_options(
    archive: &Archive,
    output: &Path,
    options: &PackOptions,
) -> anyhow::Result<PharOptions> {
    let alias = match (&options.alias, &archive.phar.alias) {
        (Some(alias), _) | (None, Some(alias)) => alias.clone(),
        (None, None) => output.file_name().map_or("app.phar".to_string(), |name| {
            name.to_string_lossy().into_owned()
        }),
    };
    if let Some(bad) = alias.chars().find(|c| "/\\:;'\"".contains(*c)) {
        bail!("the alias \"{alias}\" may not contain '{bad}'; choose one with --alias");
    }
    let stub = match (&options.stub, &archive.phar.stub) {
        (Some(stub), _) | (None, Some(stub)) => stub.clone(),
        (None, None) => phar::default_stub(&alias, &options.entry, options.shebang).into_bytes(),
    };
    let metadata = match &options.metadata {
        Some(value) => Some(php_serialize::serialize(value).into_bytes()),
        None => archive.phar.metadata.clone(),
    };
    Ok(PharOptions {
        stub,
        alias,
        metadata,
        compression: options.compression,
        signature: options.signature,
    })
}

/// Packs `dir` into `output`.
pub fn pack(
    dir: &Path,
    output: &Path,
    options: &PackOptions,
    on_file: &mut dyn FnMut(&Entry),
) -> anyhow::Result<Packed> {
    let (mut entries, skipped) = collect(dir, &options.exclude, on_file)?;
    // Packing a folder into a file inside it must not swallow the last build.
    if let (Ok(root), Ok(previous)) = (dir.canonicalize(), output.canonicalize()) {
        entries.retain(|entry| root.join(&entry.path) != previous);
    }
    if options.format == Format::Phar && options.stub.is_none() {
        let entry_found = entries
            .iter()
            .any(|entry| entry.path == options.entry && matches!(entry.kind, EntryKind::File(_)));
        if !entry_found {
            bail!(
                "the entry file \"{}\" is not in {}; name the file the stub should run with --entry",
                options.entry,
                dir.display()
            );
        }
    }
    let mut archive = Archive {
        entries,
        ..Archive::default()
    };
    if let Some(metadata) = &options.metadata {
        archive.phar.metadata = Some(php_serialize::serialize(metadata).into_bytes());
    }
    let phar_options = phar_options(&archive, output, options)?;
    if options.format != Format::Phar {
        // A zip or tar holds the phar parts only when they were asked for.
        archive.phar.alias = options.alias.clone();
        archive.phar.stub = options.stub.clone();
    }
    let bytes = formats::write(&archive, options.format, &phar_options)?;
    let executable = options.format == Format::Phar && options.shebang;
    write_atomically(output, &bytes, executable)?;
    Ok(Packed {
        files: archive.entries.len(),
        bytes_in: archive.entries.iter().map(Entry::size).sum(),
        bytes_out: bytes.len() as u64,
        skipped,
    })
}

/// Writes `bytes` to `path` through a temporary file beside it: `path` is either the whole new
/// file or left as it was.
pub fn write_atomically(path: &Path, bytes: &[u8], executable: bool) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::Builder::new()
        .prefix(".workbench-")
        .tempfile_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    temporary.write_all(bytes)?;
    let mode = if executable { 0o755 } else { 0o644 };
    temporary
        .as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))?;
    temporary
        .persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Reads an archive file whole.
pub fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

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

/// Runs `work(0..count)` on several threads; `done` sees each result on this thread, in the
/// order they finish. The first error stops the rest. At least four threads even on two cores:
/// the work is mostly system calls that wait on the file system's locks.
pub fn in_parallel<T: Send>(
    count: usize,
    work: &(dyn Fn(usize) -> anyhow::Result<T> + Sync),
    done: &mut dyn FnMut(usize, T),
) -> anyhow::Result<()> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    const RUN: usize = 64;
    let threads = std::thread::available_parallelism()
        .map_or(4, usize::from)
        .clamp(4, 8)
        .min(count.max(1));
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let sender = sender.clone();
            let (next, failed) = (&next, &failed);
            scope.spawn(move || {
                // Runs of neighbours, so that threads mostly work in different directories
                // (creating files in one directory takes turns on its lock).
                while !failed.load(Ordering::Relaxed) {
                    let start = next.fetch_add(RUN, Ordering::Relaxed);
                    if start >= count {
                        break;
                    }
                    for index in start..(start + RUN).min(count) {
                        let result = work(index);
                        if result.is_err() {
                            failed.store(true, Ordering::Relaxed);
                        }
                        if sender.send((index, result)).is_err() || failed.load(Ordering::Relaxed) {
                            break;
                        }
                    }
                }
            });
        }
        drop(sender);
        let mut first_error = None;
        for (index, result) in receiver {
            match result {
                Ok(value) => done(index, value),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    })
}

/// Converts `input` to `output` (format from `format`, or from `output`'s name). Names,
/// contents, permissions, times and the phar's stub, alias and metadata are kept wherever the
/// target can hold them.
pub fn convert(
    input: &Path,
    output: &Path,
    options: &PackOptions,
    max_size: u64,
) -> anyhow::Result<Packed> {
    let bytes = read_file(input)?;
    let (_, archive) = formats::read(&bytes, max_size)
        .with_context(|| format!("{} cannot be converted", input.display()))?;
    check_names(&archive.entries).with_context(|| format!("{}", input.display()))?;
    let phar_options = phar_options(&archive, output, options)?;
    let written = formats::write(&archive, options.format, &phar_options)?;
    write_atomically(output, &written, false)?;
    Ok(Packed {
        files: archive.entries.len(),
        bytes_in: archive.entries.iter().map(Entry::size).sum(),
        bytes_out: written.len() as u64,
        skipped: Vec::new(),
    })
}

/// Everything `list` shows, as JSON.
pub fn listing(bytes: &[u8], max_size: u64) -> anyhow::Result<Value> {
    if Format::sniff(bytes) == Some(Format::Phar) {
        return Ok(phar_listing(bytes, &Phar::parse(bytes)?));
    }
    let (format, archive) = formats::read(bytes, max_size)?;
    let entries: Vec<Value> = archive
        .entries
        .iter()
        .map(|entry| {
            json!({
                "name": entry.path,
                "kind": match entry.kind {
                    EntryKind::File(_) => "file",
                    EntryKind::Directory => "directory",
                    EntryKind::Symlink(_) => "symlink",
                },
                "size": entry.size(),
                "crc32": match &entry.kind {
                    EntryKind::File(contents) => Value::from(format!("{:08x}", crc32fast::hash(contents))),
                    _ => Value::Null,
                },
                "permissions": format!("{:04o}", entry.mode),
                "modified": entry.modified,
                "link": match &entry.kind { EntryKind::Symlink(target) => Value::from(target.as_str()), _ => Value::Null },
            })
        })
        .collect();
    Ok(json!({
        "format": format.name(),
        "stub": archive.phar.stub.as_ref().map(|stub| String::from_utf8_lossy(stub).into_owned()),
        "alias": archive.phar.alias,
        "metadata": archive.phar.metadata.as_ref().map(|data| metadata_json(data)),
        "entries": entries,
    }))
}

fn metadata_json(data: &[u8]) -> Value {
    php_serialize::unserialize(data).unwrap_or_else(
        |error| json!({"unreadable": String::from_utf8_lossy(data), "error": error}),
    )
}

fn phar_listing(bytes: &[u8], found: &Phar) -> Value {
    let entries: Vec<Value> = found
        .entries
        .iter()
        .map(|entry| {
            json!({
                "name": entry.name,
                "kind": if entry.is_directory() { "directory" } else { "file" },
                "size": entry.size,
                "stored_size": entry.stored_size,
                "crc32": format!("{:08x}", entry.crc32),
                "compression": entry.compression().map_or("unknown", Compression::name),
                "permissions": format!("{:04o}", entry.permissions()),
                "modified": entry.timestamp,
                "offset": entry.offset,
                "metadata": (!entry.metadata.is_empty()).then(|| metadata_json(&entry.metadata)),
            })
        })
        .collect();
    let signature = found.signature.as_ref().map(|signature| {
        json!({
            "type": signature.kind.name(),
            "hash": hex(&signature.value),
            "offset": signature.offset,
            "verified": signature.verified,
        })
    });
    json!({
        "format": "phar",
        "size": bytes.len(),
        "stub": String::from_utf8_lossy(&found.stub),
        "stub_length": found.stub.len(),
        "alias": found.alias,
        "api_version": found.version(),
        "flags": format!("{:#x}", found.flags),
        "manifest": {"offset": found.manifest_offset, "length": found.manifest_length + 4},
        "contents": {"offset": found.contents_offset, "end": found.contents_end()},
        "metadata": (!found.metadata.is_empty()).then(|| metadata_json(&found.metadata)),
        "entries": entries,
        "signature": signature,
    })
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Checks the signature and every entry; the error names the first bad part.
/// Checks everything that can be checked; an OpenSSL signature, which needs a public key this
/// tool does not have, fails unless `allow_unverified`.
pub fn verify(bytes: &[u8], max_size: u64, allow_unverified: bool) -> anyhow::Result<String> {
    // The archive is read once, and a phar's signature hashed once.
    let (format, archive, signature) = formats::read_unsigned(bytes, max_size)?;
    if let Some(signature) = &signature {
        formats::check_signature(bytes, signature)?;
        if signature.kind.hash_length().is_none() && !allow_unverified {
            bail!(
                "signed with {}: not verified (no public key); --allow-unverified accepts it with every CRC32 checked",
                signature.kind.name()
            );
        }
    }
    let files = archive.entries.len();
    if format != Format::Phar {
        return Ok(format!(
            "{files} entries of a {} archive, all readable",
            format.name()
        ));
    }
    Ok(match signature {
        Some(signature) if signature.kind.hash_length().is_none() => format!(
            "{files} entries, every CRC32 right; the {} signature needs the public key to check",
            signature.kind.name()
        ),
        Some(signature) => format!(
            "{files} entries, every CRC32 right, {} signature verified",
            signature.kind.name()
        ),
        None => format!(
            "{files} entries, every CRC32 right; unsigned (PHP refuses it unless phar.require_hash is off)"
        ),
    })
}

/// The listing as text for a terminal.
pub fn listing_text(file: &Path, listing: &Value) -> String {
    let text = |key: &str| listing[key].as_str().unwrap_or("").to_string();
    let entries = listing["entries"].as_array().cloned().unwrap_or_default();
    let mut out = format!(
        "{}: {}, {} entries",
        file.display(),
        text("format"),
        entries.len()
    );
    if listing["format"] == "phar" {
        out.push_str(&format!(
            ", API {}, flags {}\nstub: {} bytes   alias: {}\n",
            text("api_version"),
            text("flags"),
            listing["stub_length"],
            if text("alias").is_empty() {
                "(none)".to_string()
            } else {
                text("alias")
            },
        ));
        // The stub as text, with carriage returns shown: a "\r" after the #! line is the
        // classic reason a phar will not run by itself.
        for line in text("stub").split_inclusive('\n') {
            let shown = line.trim_end_matches('\n').replace('\r', "\\r");
            out.push_str(&format!("  | {shown}\n"));
        }
    } else {
        out.push('\n');
    }
    if !listing["metadata"].is_null() {
        out.push_str(&format!("metadata: {}\n", listing["metadata"]));
    }
    out.push_str(&format!(
        "{:<6} {:>10} {:>10} {:<8} {:<5} name\n",
        "perms", "size", "stored", "crc32", "comp"
    ));
    for entry in &entries {
        let field = |key: &str| match &entry[key] {
            Value::Null => "-".to_string(),
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let mut name = field("name");
        if entry["kind"] == "symlink" {
            name.push_str(&format!(" -> {}", field("link")));
        }
        out.push_str(&format!(
            "{:<6} {:>10} {:>10} {:<8} {:<5} {name}\n",
            field("permissions"),
            field("size"),
            field("stored_size"),
            field("crc32"),
            field("compression"),
        ));
    }
    match &listing["signature"] {
        Value::Null if listing["format"] == "phar" => out.push_str("signature: none\n"),
        Value::Null => {}
        signature => out.push_str(&format!(
            "signature: {} {} ({})\n",
            signature["type"].as_str().unwrap_or(""),
            signature["hash"].as_str().unwrap_or(""),
            match signature["verified"].as_bool() {
                Some(true) => "verified",
                Some(false) => "DOES NOT MATCH: changed after signing",
                None => "needs the public key to check",
            }
        )),
    }
    out
}
