//! Reading a phar: find the end of the stub, walk the manifest, check the signature, and hand out
//! each file's contents with its CRC32 checked.
//!
//! Every length in the file is checked against what is really there before it is used: a
//! manifest that claims more bytes than the file has, a name that runs past the manifest, or
//! contents that run into the signature are errors that say where, never a crash.

use crate::paths::Shown;
use std::io::Read;

use anyhow::{Context, bail};

use super::{Compression, PERMISSIONS, SIGNATURE_MAGIC, SIGNED, SignatureKind, manifest_offset};

/// A phar as read from its bytes. Offsets are from the start of the file.
#[derive(Clone, Debug)]
pub struct Phar {
    pub stub: Vec<u8>,
    /// Where the manifest starts (its length field).
    pub manifest_offset: usize,
    /// The manifest's length as the file says: the bytes after the length field.
    pub manifest_length: usize,
    pub api_version: u16,
    pub flags: u32,
    pub alias: String,
    /// PHP-serialized metadata of the archive (empty when none).
    pub metadata: Vec<u8>,
    pub entries: Vec<PharEntry>,
    /// Where the first file's contents start.
    pub contents_offset: usize,
    pub signature: Option<Signature>,
}

/// One manifest record.
#[derive(Clone, Debug)]
pub struct PharEntry {
    pub name: String,
    pub size: u32,
    pub timestamp: u32,
    pub stored_size: u32,
    pub crc32: u32,
    pub flags: u32,
    pub metadata: Vec<u8>,
    /// Where its stored contents start in the file.
    pub offset: usize,
}

impl PharEntry {
    pub fn permissions(&self) -> u32 {
        self.flags & PERMISSIONS
    }

    pub fn compression(&self) -> Option<Compression> {
        Compression::from_flags(self.flags)
    }

    /// An empty directory: PHP writes these as a name ending in `/`.
    pub fn is_directory(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// The signature at the end of the file.
#[derive(Clone, Debug)]
pub struct Signature {
    pub kind: SignatureKind,
    pub value: Vec<u8>,
    /// Where the signature starts: the hash covers every byte before this.
    pub offset: usize,
    /// Whether the hash matches (`None`: an OpenSSL signature, which needs the public key, or
    /// not checked yet: see [`Phar::parse_unchecked`]).
    pub verified: Option<bool>,
}

impl Signature {
    /// Hashes everything before the signature: `None` for OpenSSL.
    pub fn check(&self, file: &[u8]) -> Option<bool> {
        self.kind
            .hash(&file[..self.offset])
            .map(|hash| hash == self.value)
    }
}

/// A cursor over the manifest that refuses to read past its end.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Where the manifest ends: nothing is read past it.
    end: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, length: usize, what: &dyn Fn() -> String) -> anyhow::Result<&'a [u8]> {
        if length > self.end.saturating_sub(self.at) {
            bail!(
                "the manifest is shorter than it says: {} needs {length} bytes at byte {} but the manifest ends at byte {}",
                what(),
                self.at,
                self.end
            );
        }
        let taken = &self.bytes[self.at..self.at + length];
        self.at += length;
        Ok(taken)
    }

    fn u32(&mut self, what: &dyn Fn() -> String) -> anyhow::Result<u32> {
        let bytes = self.take(4, what)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    /// A length field followed by that many bytes.
    fn counted(&mut self, what: &dyn Fn() -> String) -> anyhow::Result<&'a [u8]> {
        let length = self.u32(what)? as usize;
        self.take(length, what)
    }
}

impl Phar {
    /// Reads the structure of a phar and checks its signature. Contents are read later, one
    /// entry at a time.
    pub fn parse(file: &[u8]) -> anyhow::Result<Phar> {
        let mut phar = Phar::parse_unchecked(file)?;
        if let Some(signature) = &mut phar.signature {
            signature.verified = signature.check(file);
        }
        Ok(phar)
    }

    /// Reads the structure without hashing the file, for a caller that checks the signature
    /// itself (`Signature::check`), e.g. while doing something else.
    pub fn parse_unchecked(file: &[u8]) -> anyhow::Result<Phar> {
        let Some(start) = manifest_offset(file) else {
            bail!("not a phar: no __HALT_COMPILER(); marks the end of a stub");
        };
        let Some(length_field) = file.get(start..start + 4) else {
            bail!(
                "truncated: the file ends at byte {} where the manifest should start",
                file.len()
            );
        };
        let manifest_length = u32::from_le_bytes(length_field.try_into().unwrap()) as usize;
        let end = start + 4 + manifest_length;
        if end > file.len() {
            bail!(
                "the manifest length lies or the file is truncated: the manifest says {manifest_length} bytes from byte {start} but the file ends at byte {}",
                file.len()
            );
        }
        let mut cursor = Cursor {
            bytes: file,
            at: start + 4,
            end,
        };
        let header = || "the manifest header".to_string();
        let count = cursor.u32(&header)? as usize;
        let version = cursor.take(2, &header)?;
        let api_version = u16::from_be_bytes([version[0], version[1]]);
        if api_version & 0xF000 != 0x1000 {
            bail!(
                "API version {} at byte {} is not one this reader knows (1.x.x)",
                version_text(api_version),
                start + 8
            );
        }
        let flags = cursor.u32(&header)?;
        let alias = String::from_utf8_lossy(cursor.counted(&|| "the alias".into())?).into_owned();
        let metadata = cursor.counted(&|| "the metadata".into())?.to_vec();
        // Each record takes at least 24 bytes: a count larger than that allows is a lie.
        if count > manifest_length / 24 + 1 {
            bail!(
                "the manifest says it has {count} files, more than its {manifest_length} bytes can hold"
            );
        }
        let mut records = Vec::with_capacity(count);
        for number in 1..=count {
            let name =
                String::from_utf8_lossy(cursor.counted(&|| format!("the name of file {number}"))?)
                    .into_owned();
            let field = || format!("the record of {}", Shown(&name));
            records.push(PharEntry {
                size: cursor.u32(&field)?,
                timestamp: cursor.u32(&field)?,
                stored_size: cursor.u32(&field)?,
                crc32: cursor.u32(&field)?,
                flags: cursor.u32(&field)?,
                metadata: cursor.counted(&field)?.to_vec(),
                offset: 0,
                name,
            });
        }
        if cursor.at != end {
            bail!(
                "the manifest length lies: it says {manifest_length} bytes but its {count} records end {} bytes before that",
                end - cursor.at
            );
        }
        let signature = read_signature(file, flags)?;
        let contents_end = signature.as_ref().map_or(file.len(), |found| found.offset);
        let mut offset = end;
        for entry in &mut records {
            entry.offset = offset;
            offset += entry.stored_size as usize;
            if offset > contents_end {
                bail!(
                    "truncated: {} needs {} bytes from byte {} but the contents end at byte {contents_end}",
                    Shown(&entry.name),
                    entry.stored_size,
                    entry.offset
                );
            }
        }
        Ok(Phar {
            stub: file[..start].to_vec(),
            manifest_offset: start,
            manifest_length,
            api_version,
            flags,
            alias,
            metadata,
            entries: records,
            contents_offset: end,
            signature,
        })
    }

    /// The API version as PHP's `getVersion()` writes it.
    pub fn version(&self) -> String {
        version_text(self.api_version)
    }

    /// Where the stored contents end (the signature starts, or the file ends).
    pub fn contents_end(&self) -> usize {
        self.entries.last().map_or(self.contents_offset, |last| {
            last.offset + last.stored_size as usize
        })
    }

    /// The contents of `entry`, inflated and CRC-checked. `max_size` bounds what an entry may
    /// inflate to (a decompression bomb stops there, not when memory runs out).
    pub fn contents(
        &self,
        file: &[u8],
        entry: &PharEntry,
        max_size: u64,
    ) -> anyhow::Result<Vec<u8>> {
        if entry.size as u64 > max_size {
            bail!(
                "{} declares {} bytes, more than the {max_size} allowed (--max-size)",
                Shown(&entry.name),
                entry.size
            );
        }
        let stored = &file[entry.offset..entry.offset + entry.stored_size as usize];
        let Some(compression) = entry.compression() else {
            bail!(
                "{} has compression flags {:#x} that no PHP writes",
                Shown(&entry.name),
                entry.flags & super::COMPRESSION_MASK
            );
        };
        let contents = inflate(stored, compression, entry.size as u64)
            .with_context(|| format!("{} cannot be read", Shown(&entry.name)))?;
        if contents.len() != entry.size as usize {
            bail!(
                "{} is {} bytes but the manifest says {}",
                Shown(&entry.name),
                contents.len(),
                entry.size
            );
        }
        let crc32 = crc32fast::hash(&contents);
        if crc32 != entry.crc32 {
            bail!(
                "{} is damaged: its CRC32 is {crc32:08x} but the manifest says {:08x}",
                Shown(&entry.name),
                entry.crc32
            );
        }
        Ok(contents)
    }
}

/// Inflates `stored`, reading at most one byte past `declared` so that a bomb is caught early.
pub fn inflate(stored: &[u8], compression: Compression, declared: u64) -> anyhow::Result<Vec<u8>> {
    let mut contents = Vec::with_capacity(declared.min(1 << 20) as usize);
    let limit = declared + 1;
    match compression {
        Compression::None => contents.extend_from_slice(stored),
        Compression::Gzip => {
            flate2::read::DeflateDecoder::new(stored)
                .take(limit)
                .read_to_end(&mut contents)
                .context("bad deflate data")?;
        }
        Compression::Bzip2 => {
            bzip2::read::BzDecoder::new(stored)
                .take(limit)
                .read_to_end(&mut contents)
                .context("bad bzip2 data")?;
        }
    }
    if contents.len() as u64 > declared {
        bail!("it inflates past its declared size of {declared} bytes (a decompression bomb?)");
    }
    Ok(contents)
}

/// `0x1110` → "1.1.1".
pub fn version_text(api_version: u16) -> String {
    format!(
        "{}.{}.{}",
        api_version >> 12,
        (api_version >> 8) & 0xF,
        (api_version >> 4) & 0xF
    )
}

/// The signature at the end of the file (not checked yet); `None` when the flags say unsigned.
fn read_signature(file: &[u8], flags: u32) -> anyhow::Result<Option<Signature>> {
    if flags & SIGNED == 0 {
        return Ok(None);
    }
    let length = file.len();
    if length < 8 || &file[length - 4..] != SIGNATURE_MAGIC {
        bail!("the flags say the phar is signed, but it does not end with \"GBMB\": truncated?");
    }
    let code = u32::from_le_bytes(file[length - 8..length - 4].try_into().unwrap());
    let Some(kind) = SignatureKind::from_code(code) else {
        bail!("unknown signature type {code:#x} at byte {}", length - 8);
    };
    let (offset, value) = match kind.hash_length() {
        Some(hash_length) => {
            let Some(offset) = (length - 8).checked_sub(hash_length) else {
                bail!("the file is too short for a {} signature", kind.name());
            };
            (offset, file[offset..length - 8].to_vec())
        }
        None => {
            let stored = length
                .checked_sub(12)
                .map(|at| u32::from_le_bytes(file[at..at + 4].try_into().unwrap()) as usize);
            let Some(offset) = stored.and_then(|size| (length - 12).checked_sub(size)) else {
                bail!("the OpenSSL signature's length runs past the start of the file");
            };
            (offset, file[offset..length - 12].to_vec())
        }
    };
    Ok(Some(Signature {
        kind,
        value,
        offset,
        verified: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_as_php_prints_them() {
        assert_eq!(version_text(0x1110), "1.1.1");
        assert_eq!(version_text(0x1100), "1.1.0");
    }

    #[test]
    fn a_bomb_stops_one_byte_past_its_declared_size() {
        let zeros = vec![0u8; 1 << 20];
        let mut packed = Vec::new();
        std::io::copy(
            &mut flate2::read::DeflateEncoder::new(&zeros[..], flate2::Compression::best()),
            &mut packed,
        )
        .unwrap();
        let error = inflate(&packed, Compression::Gzip, 100).unwrap_err();
        assert!(error.to_string().contains("past its declared size of 100"));
        assert_eq!(inflate(&packed, Compression::Gzip, 1 << 20).unwrap(), zeros);
    }
}
