//! `workbench archive`: pack, list, verify, unpack and convert Phar, zip and tar archives.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use lab_archive::Format;
use lab_archive::phar::{Compression, SignatureKind};
use lab_archive::tool::{self, PackOptions};

#[derive(Subcommand)]
pub enum ArchiveCommand {
    /// Pack a directory into one archive. A phar runs with `php app.phar` (or `./app.phar`
    /// with --shebang) and opens with PHP's `new Phar('app.phar')`.
    Pack {
        /// The directory to pack.
        dir: PathBuf,
        /// The archive to write.
        #[arg(short, long)]
        output: PathBuf,
        /// phar, zip, tar or tar.gz (default: from the output's extension, else phar).
        #[arg(long, value_parser = Format::parse)]
        format: Option<Format>,
        /// The file the default stub runs.
        #[arg(long, default_value = "index.php")]
        entry: String,
        /// A stub of your own (PHP code ending in __HALT_COMPILER();).
        #[arg(long)]
        stub: Option<PathBuf>,
        /// Start the stub with `#!/usr/bin/env php` and make the file executable.
        #[arg(long)]
        shebang: bool,
        /// How each file in a phar is compressed: none, gz or bz2.
        #[arg(long, default_value = "none", value_parser = Compression::parse)]
        compress: Compression,
        /// The signature of a phar: sha256, sha512, sha1 or md5.
        #[arg(long, default_value = "sha256", value_parser = SignatureKind::parse)]
        sign: SignatureKind,
        /// The phar's alias, used in phar:// paths (default: the output's file name).
        #[arg(long)]
        alias: Option<String>,
        /// Metadata as JSON, stored as PHP-serialized data.
        #[arg(long)]
        metadata: Option<String>,
        /// Leave out paths matching this glob (relative to the directory); may be repeated.
        #[arg(long)]
        exclude: Vec<String>,
    },
    /// Show what an archive holds: stub, alias, API version, flags, metadata, every entry, and
    /// whether the signature verifies.
    List {
        /// The archive: a phar, zip, tar or tar.gz.
        file: PathBuf,
        /// One JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check the signature and every entry's CRC32; exit 1 naming the first bad part.
    Verify {
        /// The archive: a phar, zip, tar or tar.gz.
        file: PathBuf,
        /// Accept a phar whose OpenSSL signature cannot be checked here (no public key).
        #[arg(long)]
        allow_unverified: bool,
    },
    /// Unpack into a new or empty directory. Names that leave it, links that point out and
    /// bombs are refused, and nothing is left behind when something is wrong.
    Unpack {
        /// The archive: a phar, zip, tar or tar.gz.
        file: PathBuf,
        /// The directory to unpack into.
        #[arg(short = 'C', long = "directory")]
        directory: PathBuf,
        /// The most bytes the archive may unpack to (K, M, G suffixes).
        #[arg(long, default_value = "1G", value_parser = parse_size)]
        max_size: u64,
    },
    /// Convert between phar, zip, tar and tar.gz, keeping names, contents, permissions, times,
    /// and a phar's stub, alias and metadata (in `.phar/` entries of a zip or tar, as PHP does).
    Convert {
        /// The archive to read.
        input: PathBuf,
        /// The archive to write.
        output: PathBuf,
        /// phar, zip, tar or tar.gz (default: from the output's extension).
        #[arg(long, value_parser = Format::parse)]
        format: Option<Format>,
        /// When writing a phar: how each file is compressed.
        #[arg(long, default_value = "none", value_parser = Compression::parse)]
        compress: Compression,
        /// When writing a phar: its signature.
        #[arg(long, default_value = "sha256", value_parser = SignatureKind::parse)]
        sign: SignatureKind,
        /// The most bytes the input may unpack to (K, M, G suffixes).
        #[arg(long, default_value = "1G", value_parser = parse_size)]
        max_size: u64,
    },
}

/// `1G`, `500M`, `64K` or a number of bytes.
fn parse_size(text: &str) -> Result<u64, String> {
    let (number, unit) = match text.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((at, _)) => text.split_at(at),
        None => (text, ""),
    };
    let scale: u64 = match unit
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => {
            return Err(format!(
                "\"{text}\": a size is a number of bytes or ends in K, M or G"
            ));
        }
    };
    number
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|value| value.checked_mul(scale))
        .ok_or_else(|| format!("\"{text}\": a size is a number of bytes or ends in K, M or G"))
}

fn format_for(
    explicit: Option<Format>,
    output: &Path,
    fallback: Option<Format>,
) -> anyhow::Result<Format> {
    let by_name = output
        .file_name()
        .and_then(|name| Format::from_file_name(&name.to_string_lossy()));
    // `app.rar` is not silently a phar: only a name without an extension takes the fallback.
    let fallback = fallback.filter(|_| output.extension().is_none());
    explicit.or(by_name).or(fallback).ok_or_else(|| {
        anyhow::anyhow!(
            "cannot tell the format of {} from its name; give --format ({})",
            output.display(),
            Format::NAMES
        )
    })
}

pub fn run(command: ArchiveCommand) -> anyhow::Result<ExitCode> {
    match command {
        ArchiveCommand::Pack {
            dir,
            output,
            format,
            entry,
            stub,
            shebang,
            compress,
            sign,
            alias,
            metadata,
            exclude,
        } => {
            let stub = match stub {
                Some(path) => Some(
                    std::fs::read(&path)
                        .map_err(|error| anyhow::anyhow!("--stub {}: {error}", path.display()))?,
                ),
                None => None,
            };
            let metadata = match metadata {
                Some(text) => Some(
                    serde_json::from_str(&text)
                        .map_err(|error| anyhow::anyhow!("--metadata is not JSON: {error}"))?,
                ),
                None => None,
            };
            let options = PackOptions {
                format: format_for(format, &output, Some(Format::Phar))?,
                entry,
                stub,
                shebang,
                compression: compress,
                signature: Some(sign),
                alias,
                metadata,
                exclude,
            };
            let packed = tool::pack(&dir, &output, &options, &mut |_| {})?;
            for skipped in &packed.skipped {
                eprintln!("workbench: skipped {skipped}");
            }
            println!(
                "packed {} entries ({} bytes) into {} ({} bytes, {})",
                packed.files,
                packed.bytes_in,
                output.display(),
                packed.bytes_out,
                options.format.name()
            );
            Ok(ExitCode::SUCCESS)
        }
        ArchiveCommand::List { file, json } => {
            let bytes = tool::read_file(&file)?;
            let listing = tool::listing(&bytes, lab_archive::DEFAULT_MAX_SIZE)
                .map_err(|error| anyhow::anyhow!("{}: {error:#}", file.display()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&listing)?);
            } else {
                print!("{}", lab_archive::tool::listing_text(&file, &listing));
            }
            Ok(ExitCode::SUCCESS)
        }
        ArchiveCommand::Verify {
            file,
            allow_unverified,
        } => {
            let bytes = tool::read_file(&file)?;
            match tool::verify(&bytes, lab_archive::DEFAULT_MAX_SIZE, allow_unverified) {
                Ok(summary) => {
                    println!("{}: OK, {summary}", file.display());
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    eprintln!("workbench: {}: BAD, {error:#}", file.display());
                    Ok(ExitCode::from(1))
                }
            }
        }
        ArchiveCommand::Unpack {
            file,
            directory,
            max_size,
        } => {
            let count = tool::unpack(&file, &directory, max_size, &mut |_| {})?;
            println!("unpacked {count} entries into {}", directory.display());
            Ok(ExitCode::SUCCESS)
        }
        ArchiveCommand::Convert {
            input,
            output,
            format,
            compress,
            sign,
            max_size,
        } => {
            let options = PackOptions {
                format: format_for(format, &output, None)?,
                compression: compress,
                signature: Some(sign),
                ..PackOptions::default()
            };
            let converted = tool::convert(&input, &output, &options, max_size)?;
            println!(
                "converted {} entries into {} ({} bytes, {})",
                converted.files,
                output.display(),
                converted.bytes_out,
                options.format.name()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_read_with_their_units() {
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert_eq!(parse_size("10MiB"), Ok(10 << 20));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("lots").is_err());
    }
}
