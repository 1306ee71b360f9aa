//! The `archive` lab: a directory packed into one archive and unpacked again, round after round,
//! with the speed, the compression and the layout of the file on the dashboard.
//!
//! Without `--dir` the lab makes a small PHP application of its own (an `index.php`, a class or
//! two, and generated files under `vendor/`), so it shows something the first time.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use lab_core::{
    Cell, Counter, FromParams, Gauge, Lab, LabContext, LabInfo, ParamKind, ParamReader, ParamSpec,
    ParamValue, Value, Verdict,
};

use crate::Entry;
use crate::formats::Format;
use crate::phar::{Compression, Phar, SignatureKind};
use crate::tool::{self, PackOptions};

pub struct ArchiveLab;

/// `archive`'s parameters, typed. An empty `dir` means the generated application.
pub struct ArchiveParams {
    pub dir: PathBuf,
    pub files: usize,
    pub format: Format,
    pub compression: Compression,
    pub signature: SignatureKind,
    pub rounds: u64,
}

impl FromParams for ArchiveParams {
    fn from_params(reader: &mut ParamReader<'_>) -> ArchiveParams {
        ArchiveParams {
            dir: reader.get("dir"),
            files: reader.get("files"),
            format: reader.get("format"),
            compression: reader.get("compress"),
            signature: reader.get("sign"),
            rounds: reader.get("rounds"),
        }
    }
}

/// The tool's own names for formats, compressions and hashes are the schema's choices.
macro_rules! parsed_by_the_tool {
    ($($kind:ty),*) => {$(
        impl ParamValue for $kind {
            fn from_value(value: &Value) -> Option<$kind> {
                match value {
                    Value::Text(word) => <$kind>::parse(word).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
parsed_by_the_tool!(Format, Compression, SignatureKind);

impl Lab for ArchiveLab {
    type Params = ArchiveParams;

    fn info(&self) -> LabInfo {
        LabInfo {
            id: "archive",
            topic: "archives",
            title: "Pack and unpack a Phar",
            summary: "A directory packed into one self-running PHP archive (or zip, tar, tar.gz) and unpacked again: files/s, MB/s, compression, and where the stub, manifest, contents and signature sit in the file.",
            params: vec![
                ParamSpec {
                    name: "dir",
                    kind: ParamKind::Path,
                    default: "",
                    help: "the directory to pack (default: a generated PHP application)",
                    roles: &[],
                },
                ParamSpec {
                    name: "files",
                    kind: ParamKind::Integer {
                        min: 1,
                        max: 200_000,
                    },
                    default: "2000",
                    help: "without --dir: how many files the generated application has",
                    roles: &[],
                },
                ParamSpec {
                    name: "format",
                    kind: ParamKind::Choice {
                        choices: &["phar", "zip", "tar", "tar.gz"],
                    },
                    default: "phar",
                    help: "the archive format",
                    roles: &[],
                },
                ParamSpec {
                    name: "compress",
                    kind: ParamKind::Choice {
                        choices: &["none", "gz", "bz2"],
                    },
                    default: "none",
                    help: "phar: how each file is compressed (zip deflates, tar.gz gzips the whole)",
                    roles: &[],
                },
                ParamSpec {
                    name: "sign",
                    kind: ParamKind::Choice {
                        choices: &["sha256", "sha512", "sha1", "md5"],
                    },
                    default: "sha256",
                    help: "phar: the hash that signs the archive",
                    roles: &[],
                },
                ParamSpec {
                    name: "rounds",
                    kind: ParamKind::Integer {
                        min: 0,
                        max: 1_000_000,
                    },
                    default: "3",
                    help: "pack-and-unpack rounds; 0: until stopped",
                    roles: &[],
                },
            ],
        }
    }

    fn preflight(&self, params: &ArchiveParams) -> Result<(), String> {
        let dir = &params.dir;
        if !dir.as_os_str().is_empty() && !dir.is_dir() {
            return Err(format!("--dir {}: no such directory", dir.display()));
        }
        Ok(())
    }

    fn run(&self, params: &ArchiveParams, context: &LabContext) -> anyhow::Result<Verdict> {
        let scratch = tempfile::Builder::new()
            .prefix("workbench-archive-")
            .tempdir()?;
        let source = if params.dir.as_os_str().is_empty() {
            let generated = scratch.path().join("app");
            let files = params.files;
            context.info(format!("generating a PHP application of {files} files"));
            sample_application(&generated, files)?;
            generated
        } else {
            params.dir.clone()
        };
        let format = params.format;
        let options = PackOptions {
            format,
            compression: params.compression,
            signature: Some(params.signature),
            ..PackOptions::default()
        };
        let instruments = Instruments::declare(context);
        let rounds = params.rounds;
        let mut round = 0;
        let mut mismatches = 0;
        while (rounds == 0 || round < rounds) && !context.is_cancelled() {
            round += 1;
            let output = scratch.path().join(format!("app.{}", format.name()));
            let target = scratch.path().join(format!("unpacked-{round}"));
            mismatches +=
                pack_and_unpack(&source, &output, &target, &options, &instruments, context)?;
            std::fs::remove_dir_all(&target).ok();
            instruments.rounds.increment();
        }
        let packed = instruments.files_packed.get();
        if mismatches > 0 {
            return Ok(Verdict::fail(format!(
                "{mismatches} files came back different from the originals"
            )));
        }
        Ok(Verdict::pass(format!(
            "{round} round(s): {packed} files packed and unpacked, every one unchanged"
        )))
    }
}

/// What the lab counts, made once with the dashboard that shows it.
struct Instruments {
    rounds: Counter,
    files_packed: Counter,
    bytes_packed: Counter,
    files_unpacked: Counter,
    bytes_unpacked: Counter,
    /// The archive's size as a share of the files' (compression).
    size_share: Gauge,
}

impl Instruments {
    fn declare(context: &LabContext) -> Instruments {
        let instruments = Instruments {
            rounds: context.counter("rounds"),
            files_packed: context.counter("files packed"),
            bytes_packed: context.counter("bytes packed"),
            files_unpacked: context.counter("files unpacked"),
            bytes_unpacked: context.counter("bytes unpacked"),
            size_share: context.gauge("archive size % of the files"),
        };
        context.chart(&[&instruments.files_packed, &instruments.files_unpacked]);
        let speed = |doing: &str, files: &Counter, bytes: &Counter| {
            vec![
                Cell::from(doing),
                Cell::rate(files),
                Cell::rate(bytes),
                Cell::count(files),
                Cell::count(bytes),
            ]
        };
        context.set_table(
            "speed",
            &["", "files/s", "bytes/s", "files", "bytes"],
            vec![
                speed(
                    "packing",
                    &instruments.files_packed,
                    &instruments.bytes_packed,
                ),
                speed(
                    "unpacking",
                    &instruments.files_unpacked,
                    &instruments.bytes_unpacked,
                ),
            ],
        );
        instruments
    }
}

/// Shows the file being worked on, at most ten times a second.
struct Current<'a> {
    context: &'a LabContext,
    doing: &'static str,
    shown: Option<Instant>,
}

impl Current<'_> {
    fn show(&mut self, entry: &Entry) {
        if self
            .shown
            .is_some_and(|shown| shown.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.shown = Some(Instant::now());
        self.context.set_table(
            "now",
            &["doing", "file"],
            vec![vec![
                Cell::from(self.doing),
                Cell::from(entry.path.as_str()),
            ]],
        );
    }
}

/// One round; returns how many files came back different.
fn pack_and_unpack(
    source: &Path,
    output: &Path,
    target: &Path,
    options: &PackOptions,
    instruments: &Instruments,
    context: &LabContext,
) -> anyhow::Result<u64> {
    let Instruments {
        files_packed,
        bytes_packed,
        files_unpacked,
        bytes_unpacked,
        ..
    } = instruments;
    let mut current = Current {
        context,
        doing: "packing",
        shown: None,
    };
    let packed = tool::pack(source, output, options, &mut |entry| {
        files_packed.increment();
        bytes_packed.add(entry.size());
        current.show(entry);
    })?;
    let ratio = (packed.bytes_out * 100)
        .checked_div(packed.bytes_in)
        .unwrap_or(0);
    instruments.size_share.set(ratio as i64);
    let bytes = tool::read_file(output)?;
    show_layout(context, &bytes, options.format);

    let mut current = Current {
        context,
        doing: "unpacking",
        shown: None,
    };
    let mut unpacked = Vec::new();
    tool::unpack(output, target, crate::DEFAULT_MAX_SIZE, &mut |entry| {
        files_unpacked.increment();
        bytes_unpacked.add(entry.size());
        current.show(entry);
        unpacked.push(entry.path.clone());
    })?;
    let mut mismatches = 0;
    for path in unpacked {
        let original = std::fs::read(source.join(&path));
        let copy = std::fs::read(target.join(&path));
        let same = match (original, copy) {
            (Ok(original), Ok(copy)) => original == copy,
            // Directories read as errors on both sides.
            (Err(_), Err(_)) => true,
            _ => false,
        };
        if !same {
            mismatches += 1;
            context.warn(format!("{path} came back different"));
        }
    }
    Ok(mismatches)
}

/// One part of an archive file: what it is, a word on what it holds, and where it sits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub name: &'static str,
    pub holds: String,
    pub from: usize,
    pub to: usize,
}

/// The parts of an archive file, in order: for a phar its stub, manifest, contents and
/// signature; other formats are shown whole.
pub fn layout(bytes: &[u8], format: Format) -> Vec<Part> {
    let whole = |holds: &str| {
        vec![Part {
            name: "archive",
            holds: holds.to_string(),
            from: 0,
            to: bytes.len(),
        }]
    };
    if format != Format::Phar {
        return whole(format.name());
    }
    let Ok(found) = Phar::parse(bytes) else {
        return whole("an unreadable phar");
    };
    let files = found.entries.len();
    let mut parts = vec![
        Part {
            name: "stub",
            holds: "PHP code".to_string(),
            from: 0,
            to: found.manifest_offset,
        },
        Part {
            name: "manifest",
            holds: format!("{files} records"),
            from: found.manifest_offset,
            to: found.contents_offset,
        },
        Part {
            name: "contents",
            holds: format!("{files} files"),
            from: found.contents_offset,
            to: found.contents_end(),
        },
    ];
    if let Some(signature) = &found.signature {
        parts.push(Part {
            name: "signature",
            holds: signature.kind.name().to_string(),
            from: signature.offset,
            to: bytes.len(),
        });
    }
    parts
}

fn show_layout(context: &LabContext, bytes: &[u8], format: Format) {
    let rows = layout(bytes, format)
        .into_iter()
        .map(|part| {
            vec![
                Cell::from(part.name),
                Cell::from(part.holds),
                Cell::Number(part.from as f64),
                Cell::Number(part.to as f64),
                Cell::Number((part.to - part.from) as f64),
            ]
        })
        .collect();
    context.set_table(
        "layout",
        &["part", "holds", "from byte", "to byte", "bytes"],
        rows,
    );
    context.bars("layout", "bytes");
}

/// Writes a small PHP application of `files` files under `dir`.
pub fn sample_application(dir: &Path, files: usize) -> anyhow::Result<()> {
    let write = |path: &str, contents: String| -> anyhow::Result<()> {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap())?;
        std::fs::write(&path, contents).with_context(|| format!("cannot write {}", path.display()))
    };
    write(
        "index.php",
        "<?php\nrequire __DIR__ . '/src/Greeting.php';\necho (new Greeting())->hello('phar'), \"\\n\";\n"
            .to_string(),
    )?;
    write(
        "src/Greeting.php",
        "<?php\nclass Greeting\n{\n    public function hello(string $name): string\n    {\n        return \"Hello from a $name\";\n    }\n}\n"
            .to_string(),
    )?;
    for number in 2..files {
        let package = number / 100;
        // Files of different sizes, as in a real vendor directory.
        let padding = "// Generated to be packed: nothing includes it.\n".repeat(number % 40);
        let body = format!(
            "<?php\nnamespace Vendor\\Package{package};\n\n{padding}function value{number}(): int\n{{\n    return {};\n}}\n",
            number * 7
        );
        write(&format!("vendor/package{package}/File{number}.php"), body)?;
    }
    Ok(())
}
