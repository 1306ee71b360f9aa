//! Writing a phar the way PHP's `Phar` class does: the stub cut just after
//! `__HALT_COMPILER();` and followed by ` ?>\r\n`, the manifest, the contents, the signature.
//!
//! Every entry is compressed first, because the manifest, which comes before the contents,
//! records each entry's stored size.

use std::io::Read;

use anyhow::bail;

use super::{
    API_VERSION, COMPRESSION_MASK, Compression, HALT, SIGNATURE_MAGIC, SIGNED, SignatureKind, find,
};
use crate::{Entry, EntryKind};

/// What goes around the entries.
#[derive(Clone, Debug)]
pub struct PharOptions {
    /// PHP code that must contain `__HALT_COMPILER();` (anything after it is dropped).
    pub stub: Vec<u8>,
    pub alias: String,
    /// PHP-serialized metadata of the archive, if any.
    pub metadata: Option<Vec<u8>>,
    pub compression: Compression,
    /// `None`: unsigned (PHP refuses to open such a phar unless `phar.require_hash` is off).
    pub signature: Option<SignatureKind>,
}

/// The stub `workbench archive pack` writes: map this file under `alias` and run `entry`.
pub fn default_stub(alias: &str, entry: &str, shebang: bool) -> String {
    let quote = |text: &str| text.replace('\\', "\\\\").replace('\'', "\\'");
    let mut stub = String::new();
    if shebang {
        // Unix line endings: "php\r" would be looked for as the interpreter.
        stub.push_str("#!/usr/bin/env php\n");
    }
    stub.push_str(&format!(
        "<?php\n\
         // Made by workbench archive pack. Open this file as the archive phar://{alias}\n\
         // and run its entry file from inside it.\n\
         Phar::mapPhar('{}');\n\
         require 'phar://{}/{}';\n\
         __HALT_COMPILER(); ?>\r\n",
        quote(alias),
        quote(alias),
        quote(entry)
    ));
    stub
}

/// The phar holding `entries`. Symbolic links cannot be stored in a phar: they are an error.
pub fn write(entries: &[Entry], options: &PharOptions) -> anyhow::Result<Vec<u8>> {
    let Some(halt) = find(&options.stub, HALT) else {
        bail!("the stub has no __HALT_COMPILER(); PHP would not know where the code ends");
    };
    let mut records = Vec::with_capacity(entries.len());
    let mut any_compressed = 0;
    for entry in entries {
        let (name, contents) = match &entry.kind {
            EntryKind::File(contents) => (entry.path.clone(), contents.as_slice()),
            EntryKind::Directory => (format!("{}/", entry.path.trim_end_matches('/')), &[][..]),
            EntryKind::Symlink(target) => bail!(
                "\"{}\" is a symbolic link (to \"{target}\"); a phar cannot hold links",
                entry.path
            ),
        };
        if contents.len() > u32::MAX as usize {
            bail!(
                "\"{}\" is larger than the 4 GiB a phar entry can hold",
                entry.path
            );
        }
        let compression = if contents.is_empty() {
            Compression::None
        } else {
            options.compression
        };
        let stored = compress(contents, compression)?;
        any_compressed |= compression.flag();
        records.push(Record {
            name,
            size: contents.len() as u32,
            timestamp: entry.modified.min(u32::MAX as u64) as u32,
            crc32: crc32fast::hash(contents),
            flags: (entry.mode & super::PERMISSIONS) | compression.flag(),
            metadata: entry.metadata.clone().unwrap_or_default(),
            stored,
        });
    }

    let mut manifest = Vec::new();
    put_u32(&mut manifest, records.len() as u32);
    manifest.extend_from_slice(&API_VERSION.to_be_bytes());
    let signed = if options.signature.is_some() {
        SIGNED
    } else {
        0
    };
    put_u32(&mut manifest, signed | (any_compressed & COMPRESSION_MASK));
    put_counted(&mut manifest, options.alias.as_bytes());
    put_counted(
        &mut manifest,
        options.metadata.as_deref().unwrap_or_default(),
    );
    for record in &records {
        put_counted(&mut manifest, record.name.as_bytes());
        put_u32(&mut manifest, record.size);
        put_u32(&mut manifest, record.timestamp);
        put_u32(&mut manifest, record.stored.len() as u32);
        put_u32(&mut manifest, record.crc32);
        put_u32(&mut manifest, record.flags);
        put_counted(&mut manifest, &record.metadata);
    }

    let contents_length: usize = records.iter().map(|record| record.stored.len()).sum();
    let mut file = Vec::with_capacity(halt + 32 + manifest.len() + contents_length + 72);
    file.extend_from_slice(&options.stub[..halt + HALT.len()]);
    file.extend_from_slice(b" ?>\r\n");
    put_u32(&mut file, manifest.len() as u32);
    file.extend_from_slice(&manifest);
    for record in &records {
        file.extend_from_slice(&record.stored);
    }
    if let Some(kind) = options.signature {
        let Some(hash) = kind.hash(&file) else {
            bail!("OpenSSL signatures need a private key; sign with sha256 instead");
        };
        file.extend_from_slice(&hash);
        put_u32(&mut file, kind.code());
        file.extend_from_slice(SIGNATURE_MAGIC);
    }
    Ok(file)
}

struct Record {
    name: String,
    size: u32,
    timestamp: u32,
    crc32: u32,
    flags: u32,
    metadata: Vec<u8>,
    stored: Vec<u8>,
}

fn compress(contents: &[u8], compression: Compression) -> anyhow::Result<Vec<u8>> {
    let mut stored = Vec::new();
    match compression {
        Compression::None => stored.extend_from_slice(contents),
        Compression::Gzip => {
            flate2::read::DeflateEncoder::new(contents, flate2::Compression::default())
                .read_to_end(&mut stored)?;
        }
        Compression::Bzip2 => {
            bzip2::read::BzEncoder::new(contents, bzip2::Compression::default())
                .read_to_end(&mut stored)?;
        }
    }
    Ok(stored)
}

fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_counted(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u32(out, bytes.len() as u32);
    out.extend_from_slice(bytes);
}
