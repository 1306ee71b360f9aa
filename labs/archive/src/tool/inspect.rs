//! Looking inside without unpacking: the listing (as JSON and as text) and the signature check.

use std::path::Path;

use anyhow::bail;
use serde_json::{Value, json};

use crate::EntryKind;
use crate::formats::{self, Format};
use crate::phar::{Compression, Phar};
use crate::php_serialize;

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
