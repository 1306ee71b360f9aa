//! Packing: a folder's regular files gathered (in parallel, read as they are), then one
//! archive built in memory and written in one go; and converting one format to another.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::Value;

use crate::formats::{self, Format};
use crate::phar::{self, Compression, PharOptions, SignatureKind};
use crate::php_serialize;
use crate::{Archive, Entry, EntryKind};

use super::{check_names, in_parallel, read_file, write_atomically};

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
