//! Zip, tar and tar.gz to and from an [`Archive`], through the `zip`, `tar` and `flate2` crates,
//! and the choice of format from a file's name or its first bytes.

use std::collections::HashSet;
use std::io::{Cursor, Read, Write};

use anyhow::{Context, bail};

use crate::paths::Shown;
use crate::phar::{self, Phar, PharOptions};
use crate::{Archive, Entry, EntryKind, PharParts};

/// The formats the tool reads and writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Phar,
    Zip,
    Tar,
    TarGz,
}

/// Where PHP keeps a phar's own parts inside a zip- or tar-based phar.
const STUB_ENTRY: &str = ".phar/stub.php";
const ALIAS_ENTRY: &str = ".phar/alias.txt";
const METADATA_ENTRY: &str = ".phar/.metadata.bin";

impl Format {
    pub const NAMES: &'static str = "phar, zip, tar or tar.gz";

    pub fn parse(name: &str) -> Result<Format, String> {
        match name {
            "phar" => Ok(Format::Phar),
            "zip" => Ok(Format::Zip),
            "tar" => Ok(Format::Tar),
            "tar.gz" | "tgz" => Ok(Format::TarGz),
            other => Err(format!("unknown format \"{other}\": use {}", Format::NAMES)),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Phar => "phar",
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::TarGz => "tar.gz",
        }
    }

    /// The format a file name asks for, by its extension.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let name = name.to_ascii_lowercase();
        [
            (".tar.gz", Format::TarGz),
            (".tgz", Format::TarGz),
            (".tar", Format::Tar),
            (".zip", Format::Zip),
            (".phar", Format::Phar),
        ]
        .into_iter()
        .find(|(extension, _)| name.ends_with(extension))
        .map(|(_, format)| format)
    }

    /// The format of an archive's bytes, from their magic numbers.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            Some(Format::Zip)
        } else if bytes.starts_with(&[0x1f, 0x8b]) {
            Some(Format::TarGz)
        } else if bytes.get(257..262) == Some(b"ustar") || tar_checksum_matches(bytes) {
            Some(Format::Tar)
        } else if phar::find(bytes, phar::HALT).is_some() {
            Some(Format::Phar)
        } else {
            None
        }
    }
}

/// Whether the first 512 bytes are a tar header whose checksum adds up (old tars have no
/// "ustar" mark): the sum of the header's bytes, with the checksum field counted as spaces.
fn tar_checksum_matches(bytes: &[u8]) -> bool {
    let Some(header) = bytes.get(..512) else {
        return false;
    };
    let stored = std::str::from_utf8(&header[148..156])
        .ok()
        .map(|field| field.trim_matches(|c: char| c == '\0' || c == ' '))
        .and_then(|field| u32::from_str_radix(field, 8).ok());
    let sum: u32 = header
        .iter()
        .enumerate()
        .map(|(at, byte)| {
            if (148..156).contains(&at) {
                b' ' as u32
            } else {
                *byte as u32
            }
        })
        .sum();
    header[0] != 0 && stored == Some(sum)
}

/// Reads an archive of any format. Every entry is checked (CRC, signature, sizes) and the total
/// is bounded by `max_size`; nothing is written anywhere.
pub fn read(bytes: &[u8], max_size: u64) -> anyhow::Result<(Format, Archive)> {
    let (format, archive, signature) = read_unsigned(bytes, max_size)?;
    if let Some(signature) = signature {
        check_signature(bytes, &signature)?;
    }
    Ok((format, archive))
}

/// Like [`read`], but a phar's signature is handed back unchecked, for the caller to check
/// with [`check_signature`] (unpacking does it while it writes into its staging directory).
pub fn read_unsigned(
    bytes: &[u8],
    max_size: u64,
) -> anyhow::Result<(Format, Archive, Option<phar::Signature>)> {
    let Some(format) = Format::sniff(bytes) else {
        bail!(
            "not an archive this tool knows ({}): no zip, gzip or tar header and no __HALT_COMPILER();",
            Format::NAMES
        );
    };
    let mut budget = Budget::new(max_size);
    let mut signature = None;
    let archive = match format {
        Format::Phar => {
            let found = Phar::parse_unchecked(bytes)?;
            signature = found.signature.clone();
            match read_phar(bytes, &found, &mut budget) {
                Ok(archive) => archive,
                Err(error) => {
                    // Damage in a signed archive is first of all a signature that fails.
                    if let Some(signature) = &signature {
                        check_signature(bytes, signature)?;
                    }
                    return Err(error);
                }
            }
        }
        Format::Zip => from_plain(read_zip(bytes, &mut budget)?),
        Format::Tar => from_plain(read_tar(bytes, &mut budget)?.0),
        Format::TarGz => {
            let (entries, mut rest) = read_tar(flate2::read::GzDecoder::new(bytes), &mut budget)?;
            // Read on to the end of the gzip stream, where its CRC32 and length are checked: the
            // tar inside ends at its zero blocks, and stopping there would miss a flipped byte.
            let trailing = std::io::copy(
                &mut (&mut rest).take(TRAILING_LIMIT + 1),
                &mut std::io::sink(),
            )
            .context("a damaged tar.gz: its gzip CRC32 or length does not match what it holds")?;
            if trailing > TRAILING_LIMIT {
                bail!(
                    "a damaged tar.gz: more than {TRAILING_LIMIT} bytes follow the end of the tar"
                );
            }
            from_plain(entries)
        }
    };
    Ok((format, archive, signature))
}

/// Fails when a phar's signature does not match what it signs.
pub fn check_signature(bytes: &[u8], signature: &phar::Signature) -> anyhow::Result<()> {
    if signature.check(bytes) == Some(false) {
        bail!(
            "the {} signature does not match: the archive was changed after it was signed",
            signature.kind.name()
        );
    }
    Ok(())
}

/// The bytes of `archive` in `format`.
pub fn write(archive: &Archive, format: Format, options: &PharOptions) -> anyhow::Result<Vec<u8>> {
    if format == Format::Phar {
        return phar::write(&archive.entries, options);
    }
    let parts = phar_parts(archive);
    let entries: Vec<&Entry> = archive.entries.iter().chain(&parts).collect();
    match format {
        Format::Zip => write_zip(&entries),
        Format::Tar => {
            // Each entry takes a 512-byte header and its contents padded to 512 bytes.
            let size: usize = entries
                .iter()
                .map(|entry| 512 + (entry.size() as usize).div_ceil(512) * 512)
                .sum();
            write_tar(&entries, Vec::with_capacity(size + 1024))
        }
        Format::TarGz => {
            let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            Ok(write_tar(&entries, encoder)?.finish()?)
        }
        Format::Phar => unreachable!(),
    }
}

/// How many bytes may still be unpacked: shared by all entries, so that a thousand entries of
/// one megabyte each are a gigabyte too.
pub struct Budget {
    left: u64,
    max_size: u64,
}

impl Budget {
    pub fn new(max_size: u64) -> Budget {
        Budget {
            left: max_size,
            max_size,
        }
    }

    /// Reads `source`, refusing to go past what is left.
    fn read(&mut self, name: &str, source: impl Read) -> anyhow::Result<Vec<u8>> {
        let mut contents = Vec::new();
        source
            .take(self.left + 1)
            .read_to_end(&mut contents)
            .with_context(|| format!("{} cannot be read", Shown(name)))?;
        self.spend(name, contents.len() as u64)?;
        Ok(contents)
    }

    /// Reads an entry that says it holds `declared` bytes: more is a bomb, less is damage.
    fn read_declared(
        &mut self,
        name: &str,
        source: impl Read,
        declared: u64,
    ) -> anyhow::Result<Vec<u8>> {
        self.spend(name, declared)?;
        let mut contents = Vec::with_capacity(declared.min(1 << 20) as usize);
        source
            .take(declared + 1)
            .read_to_end(&mut contents)
            .with_context(|| format!("{} cannot be read", Shown(name)))?;
        if contents.len() as u64 != declared {
            bail!(
                "{} holds {}{} bytes but says {declared}",
                Shown(name),
                contents.len(),
                if contents.len() as u64 > declared {
                    " or more"
                } else {
                    ""
                }
            );
        }
        Ok(contents)
    }

    fn spend(&mut self, name: &str, size: u64) -> anyhow::Result<()> {
        if size > self.left {
            bail!(
                "unpacking stops at {}: the archive inflates past {} bytes (--max-size); a decompression bomb?",
                Shown(name),
                self.max_size
            );
        }
        self.left -= size;
        Ok(())
    }
}

fn read_phar(bytes: &[u8], found: &Phar, budget: &mut Budget) -> anyhow::Result<Archive> {
    let mut entries = Vec::with_capacity(found.entries.len());
    for record in &found.entries {
        budget.spend(&record.name, record.size as u64)?;
        let kind = if record.is_directory() {
            EntryKind::Directory
        } else {
            EntryKind::File(found.contents(bytes, record, budget.max_size)?)
        };
        entries.push(Entry {
            path: record.name.trim_end_matches('/').to_string(),
            kind,
            mode: record.permissions(),
            modified: record.timestamp as u64,
            metadata: (!record.metadata.is_empty()).then(|| record.metadata.clone()),
        });
    }
    Ok(Archive {
        entries,
        phar: PharParts {
            stub: Some(found.stub.clone()),
            alias: (!found.alias.is_empty()).then(|| found.alias.clone()),
            metadata: (!found.metadata.is_empty()).then(|| found.metadata.clone()),
        },
    })
}

/// Moves `.phar/…` entries of a zip or tar into the archive's phar parts.
fn from_plain(entries: Vec<Entry>) -> Archive {
    let mut archive = Archive::default();
    for entry in entries {
        match (entry.path.as_str(), entry.kind) {
            (STUB_ENTRY, EntryKind::File(contents)) => archive.phar.stub = Some(contents),
            (ALIAS_ENTRY, EntryKind::File(contents)) => {
                archive.phar.alias = Some(String::from_utf8_lossy(&contents).into_owned())
            }
            (METADATA_ENTRY, EntryKind::File(contents)) => archive.phar.metadata = Some(contents),
            (".phar", EntryKind::Directory) => {}
            (_, kind) => archive.entries.push(Entry { kind, ..entry }),
        }
    }
    archive
}

/// The phar's own parts as `.phar/…` files, to go after the entries.
fn phar_parts(archive: &Archive) -> Vec<Entry> {
    let parts = &archive.phar;
    [
        (STUB_ENTRY, parts.stub.clone()),
        (ALIAS_ENTRY, parts.alias.clone().map(String::into_bytes)),
        (METADATA_ENTRY, parts.metadata.clone()),
    ]
    .into_iter()
    .filter_map(|(path, contents)| contents.map(|contents| Entry::file(path, contents)))
    .collect()
}

/// The names in a zip's central directory, in order: the zip crate keeps one entry per name,
/// so a second `a.txt` would otherwise vanish from the listing and win on unpacking.
fn zip_names(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let u16_at = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    // The end-of-central-directory record is within the last 64 KiB + 22 bytes.
    let search_from = bytes.len().saturating_sub(65_557);
    let end = (search_from..bytes.len().saturating_sub(21))
        .rev()
        .find(|at| bytes[*at..].starts_with(b"PK\x05\x06"))?;
    let count = u16_at(end + 10)?;
    let mut at = u32_at(end + 16)? as usize;
    if count == u16::MAX || at == u32::MAX as usize {
        return None; // zip64: left to the crate
    }
    let mut names = Vec::with_capacity(count as usize);
    for _ in 0..count {
        if !bytes.get(at..)?.starts_with(b"PK\x01\x02") {
            return None;
        }
        let name_length = u16_at(at + 28)? as usize;
        let extra_length = u16_at(at + 30)? as usize;
        let comment_length = u16_at(at + 32)? as usize;
        names.push(bytes.get(at + 46..at + 46 + name_length)?);
        at += 46 + name_length + extra_length + comment_length;
    }
    Some(names)
}

fn read_zip(bytes: &[u8], budget: &mut Budget) -> anyhow::Result<Vec<Entry>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).context("a damaged zip")?;
    if let Some(names) = zip_names(bytes)
        && names.len() != zip.len()
    {
        let mut seen = HashSet::new();
        let repeated = names.iter().find(|name| !seen.insert(**name));
        bail!(
            "two zip entries are named {}: refused, since only one of them could be unpacked",
            Shown(&String::from_utf8_lossy(repeated.copied().unwrap_or(b"")))
        );
    }
    let mut entries = Vec::with_capacity(zip.len());
    for index in 0..zip.len() {
        let mut file = zip
            .by_index(index)
            .with_context(|| format!("zip entry {index} cannot be read"))?;
        let path = file.name().trim_end_matches('/').to_string();
        if file.is_dir() && crate::paths::is_root(&path) {
            continue;
        }
        let mode = file.unix_mode().unwrap_or(0o644);
        let modified = file
            .last_modified()
            .and_then(|time| time_of_zip(&time))
            .unwrap_or(0);
        let kind = if file.is_dir() {
            EntryKind::Directory
        } else if mode & 0o170000 == 0o120000 {
            let target = budget.read(&path, &mut file)?;
            EntryKind::Symlink(String::from_utf8_lossy(&target).into_owned())
        } else {
            let declared = file.size();
            EntryKind::File(budget.read_declared(&path, &mut file, declared)?)
        };
        entries.push(Entry {
            path,
            kind,
            mode: mode & 0o7777,
            modified,
            metadata: None,
        });
    }
    Ok(entries)
}

fn time_of_zip(time: &zip::DateTime) -> Option<u64> {
    let month = time::Month::try_from(time.month()).ok()?;
    let date = time::Date::from_calendar_date(time.year().into(), month, time.day()).ok()?;
    let moment = date
        .with_hms(time.hour(), time.minute(), time.second())
        .ok()?
        .assume_utc();
    u64::try_from(moment.unix_timestamp()).ok()
}

fn write_zip(entries: &[&Entry]) -> anyhow::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for entry in entries {
        let mut options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(entry.mode);
        if let Some(time) = zip_time(entry.modified) {
            options = options.last_modified_time(time);
        }
        match &entry.kind {
            EntryKind::File(contents) => {
                zip.start_file(entry.path.as_str(), options)?;
                zip.write_all(contents)?;
            }
            EntryKind::Directory => zip.add_directory(entry.path.as_str(), options)?,
            EntryKind::Symlink(target) => {
                zip.add_symlink(entry.path.as_str(), target.as_str(), options)?
            }
        }
    }
    Ok(zip.finish()?.into_inner())
}

/// A zip timestamp (zip cannot hold times before 1980: those are left out).
fn zip_time(seconds: u64) -> Option<zip::DateTime> {
    let moment = time::OffsetDateTime::from_unix_timestamp(i64::try_from(seconds).ok()?).ok()?;
    zip::DateTime::from_date_and_time(
        u16::try_from(moment.year()).ok()?,
        moment.month().into(),
        moment.day(),
        moment.hour(),
        moment.minute(),
        moment.second(),
    )
    .ok()
}

/// Bytes accepted after a tar's end inside a tar.gz (tar pads to 10 KiB records; some tools more).
const TRAILING_LIMIT: u64 = 1 << 20;

/// The largest GNU long name or long link, or pax header, accepted: the tar crate reads them
/// into memory whole, so a 255 KB tar.gz declaring a 256 MiB name must be refused first.
pub const MAX_EXTENSION_HEADER: u64 = 64 << 10;

/// A reader that watches the tar headers streaming through it and fails the read that reaches
/// an extension header (GNU long name or long link, pax) larger than [`MAX_EXTENSION_HEADER`],
/// before the tar crate reads its body into memory. A pax header's `size` moves the next header,
/// as it does in the tar crate.
struct HeaderWatch<R> {
    inner: R,
    /// Bytes of the current file's body (with padding) still to pass.
    body_left: u64,
    /// The header being assembled, up to 512 bytes.
    header: Vec<u8>,
    /// A pax header's body, kept to read its `size`.
    pax: Option<Vec<u8>>,
    pax_size: Option<u64>,
    index: usize,
    /// The zero block that ends the archive was seen: nothing more to watch.
    ended: bool,
}

impl<R: Read> HeaderWatch<R> {
    fn new(inner: R) -> HeaderWatch<R> {
        HeaderWatch {
            inner,
            body_left: 0,
            header: Vec::with_capacity(512),
            pax: None,
            pax_size: None,
            index: 0,
            ended: false,
        }
    }

    fn watch(&mut self, mut bytes: &[u8]) -> std::io::Result<()> {
        while !bytes.is_empty() && !self.ended {
            if self.body_left > 0 {
                let step = (self.body_left.min(bytes.len() as u64)) as usize;
                if let Some(pax) = &mut self.pax {
                    pax.extend_from_slice(&bytes[..step]);
                }
                bytes = &bytes[step..];
                self.body_left -= step as u64;
                if self.body_left == 0
                    && let Some(pax) = self.pax.take()
                {
                    self.pax_size = tar::PaxExtensions::new(&pax)
                        .filter_map(Result::ok)
                        .find(|extension| extension.key() == Ok("size"))
                        .and_then(|extension| extension.value().ok()?.parse().ok());
                }
                continue;
            }
            let step = (512 - self.header.len()).min(bytes.len());
            self.header.extend_from_slice(&bytes[..step]);
            bytes = &bytes[step..];
            if self.header.len() == 512 {
                self.header_complete()?;
                self.header.clear();
            }
        }
        Ok(())
    }

    fn header_complete(&mut self) -> std::io::Result<()> {
        if self.header.iter().all(|byte| *byte == 0) {
            self.ended = true;
            return Ok(());
        }
        self.index += 1;
        let header = tar::Header::from_byte_slice(&self.header);
        let Ok(declared) = header.entry_size() else {
            // The tar crate says what is wrong with it.
            self.ended = true;
            return Ok(());
        };
        let kind = header.entry_type();
        let what = if kind.is_gnu_longname() {
            Some("long-name")
        } else if kind.is_gnu_longlink() {
            Some("long-link")
        } else if kind.is_pax_local_extensions() || kind.is_pax_global_extensions() {
            Some("pax")
        } else {
            None
        };
        let size = match what {
            Some(_) => declared,
            None => self.pax_size.take().unwrap_or(declared),
        };
        if let Some(what) = what
            && size > MAX_EXTENSION_HEADER
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "tar entry {} is a {what} header of {size} bytes, more than the {MAX_EXTENSION_HEADER} allowed; the archive is damaged or hostile",
                    self.index
                ),
            ));
        }
        if kind.is_pax_local_extensions() {
            self.pax = Some(Vec::with_capacity(size as usize));
        }
        self.body_left = size.saturating_add(511) & !511;
        if self.body_left == 0
            && let Some(pax) = self.pax.take()
        {
            drop(pax);
            self.pax_size = None;
        }
        Ok(())
    }
}

impl<R: Read> Read for HeaderWatch<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let count = self.inner.read(buffer)?;
        self.watch(&buffer[..count])?;
        Ok(count)
    }
}

/// The tar's entries, and the reader after its end (a tar.gz reads on to check its CRC).
fn read_tar<R: Read>(source: R, budget: &mut Budget) -> anyhow::Result<(Vec<Entry>, R)> {
    let mut tar = tar::Archive::new(HeaderWatch::new(source));
    let mut entries = Vec::new();
    for (index, entry) in tar.entries().context("a damaged tar")?.enumerate() {
        let mut entry = entry.with_context(|| format!("tar entry {} cannot be read", index + 1))?;
        let path = String::from_utf8_lossy(&entry.path_bytes())
            .trim_end_matches('/')
            .to_string();
        // `tar -C app -cf x.tar .` names the folder itself `./`: that is the archive's root.
        if entry.header().entry_type() == tar::EntryType::Directory && crate::paths::is_root(&path)
        {
            continue;
        }
        let header = entry.header();
        let mode = header.mode().unwrap_or(0o644) & 0o7777;
        let modified = header.mtime().unwrap_or(0);
        let kind = match header.entry_type() {
            tar::EntryType::Directory => EntryKind::Directory,
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|target| String::from_utf8_lossy(&target).into_owned())
                    .unwrap_or_default();
                EntryKind::Symlink(target)
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let declared = entry.size();
                EntryKind::File(budget.read_declared(&path, &mut entry, declared)?)
            }
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => continue,
            other => bail!(
                "{} is a {other:?} entry; only files, directories and symbolic links are unpacked",
                Shown(&path)
            ),
        };
        entries.push(Entry {
            path,
            kind,
            mode,
            modified,
            metadata: None,
        });
    }
    Ok((entries, tar.into_inner().inner))
}

fn write_tar<W: Write>(entries: &[&Entry], out: W) -> anyhow::Result<W> {
    let mut tar = tar::Builder::new(out);
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mode(entry.mode);
        header.set_mtime(entry.modified);
        match &entry.kind {
            EntryKind::File(contents) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(contents.len() as u64);
                tar.append_data(&mut header, &entry.path, contents.as_slice())?;
            }
            EntryKind::Directory => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                tar.append_data(&mut header, format!("{}/", entry.path), std::io::empty())?;
            }
            EntryKind::Symlink(target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                tar.append_link(&mut header, &entry.path, target)?;
            }
        }
    }
    Ok(tar.into_inner()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_survive_the_trip_through_the_calendar() {
        for seconds in [315_532_800, 1_700_000_000, 4_102_444_799] {
            let time = zip_time(seconds).unwrap();
            // Zip keeps even seconds only.
            assert_eq!(time_of_zip(&time), Some(seconds - seconds % 2));
        }
        assert!(zip_time(0).is_none(), "zip has no 1970");
    }

    #[test]
    fn formats_are_known_by_name_and_by_their_first_bytes() {
        assert_eq!(Format::from_file_name("app.TAR.GZ"), Some(Format::TarGz));
        assert_eq!(Format::from_file_name("app.phar"), Some(Format::Phar));
        assert_eq!(Format::from_file_name("app"), None);
        assert_eq!(Format::sniff(b"PK\x03\x04...."), Some(Format::Zip));
        assert_eq!(
            Format::sniff(b"<?php __HALT_COMPILER();"),
            Some(Format::Phar)
        );
        assert_eq!(Format::sniff(b"hello"), None);
    }
}
