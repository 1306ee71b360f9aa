//! The Phar format: a whole PHP application in one file that PHP can run.
//!
//! ```text
//! ┌──────────────┬──────────────────────────────┬───────────────────┬─────────────────────┐
//! │ stub         │ manifest                     │ file contents     │ signature           │
//! │ PHP code …   │ length, count, API version,  │ one after another │ hash of everything  │
//! │ __HALT_      │ flags, alias, metadata, then │ in manifest order │ before it, its type │
//! │ COMPILER();  │ one record per file          │ (maybe deflated)  │ and "GBMB"          │
//! └──────────────┴──────────────────────────────┴───────────────────┴─────────────────────┘
//! ```
//!
//! **The stub** is ordinary PHP. PHP runs the file from the top, and `__HALT_COMPILER();` tells
//! it to stop reading code there: everything after it is data the code can reach. The usual stub
//! calls `Phar::mapPhar('app.phar')`, which opens the running file as an archive under that
//! alias, then `require 'phar://app.phar/index.php'` to run the entry file from inside it.
//! After `__HALT_COMPILER();` PHP's own stubs write ` ?>\r\n`; readers skip that.
//!
//! **The manifest** is little-endian binary:
//!
//! ```text
//! u32 manifest length (the bytes after this field)   u32 number of files
//! u16 API version, big-endian nibbles (0x1110 = 1.1.1) u32 flags (0x10000: signed)
//! u32 alias length, alias                             u32 metadata length, metadata
//! per file: u32 name length, name   u32 size   u32 unix time   u32 stored size
//!           u32 CRC32 of the contents   u32 flags (0o777 permissions, 0x1000 deflate,
//!           0x2000 bzip2)   u32 metadata length, metadata
//! ```
//!
//! Metadata is a PHP value in `serialize()` form (see `php_serialize`). A name ending in `/` is
//! an empty directory.
//!
//! **The signature** is a hash (MD5, SHA-1, SHA-256 or SHA-512) of every byte before it, then
//! the hash type as a u32 and the four bytes `GBMB`. PHP refuses an unsigned or badly signed
//! phar unless `phar.require_hash` is turned off.

pub mod read;
pub mod write;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

pub use read::{Phar, PharEntry, Signature};
pub use write::{PharOptions, default_stub, write};

/// Where the stub ends and the data begins.
pub const HALT: &[u8] = b"__HALT_COMPILER();";

/// The end of every signed phar.
pub const SIGNATURE_MAGIC: &[u8] = b"GBMB";

/// Manifest flag: the archive ends with a signature.
pub const SIGNED: u32 = 0x0001_0000;
/// The permission bits of an entry's flags.
pub const PERMISSIONS: u32 = 0o777;
/// An entry's compression, in its flags (and, for any entry, in the archive's flags).
pub const COMPRESSION_MASK: u32 = 0xF000;
pub const DEFLATED: u32 = 0x1000;
pub const BZIP2ED: u32 = 0x2000;

/// The API version we write: 1.1.1, the one that knows empty directories (PHP writes 1.1.0 when
/// there are none).
pub const API_VERSION: u16 = 0x1110;

/// How one entry's contents are stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compression {
    #[default]
    None,
    /// Raw deflate (no zlib or gzip header), what PHP's `Phar::GZ` writes.
    Gzip,
    Bzip2,
}

impl Compression {
    pub fn from_flags(flags: u32) -> Option<Compression> {
        match flags & COMPRESSION_MASK {
            0 => Some(Compression::None),
            DEFLATED => Some(Compression::Gzip),
            BZIP2ED => Some(Compression::Bzip2),
            _ => None,
        }
    }

    pub fn flag(self) -> u32 {
        match self {
            Compression::None => 0,
            Compression::Gzip => DEFLATED,
            Compression::Bzip2 => BZIP2ED,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gz",
            Compression::Bzip2 => "bz2",
        }
    }

    pub fn parse(name: &str) -> Result<Compression, String> {
        match name {
            "none" => Ok(Compression::None),
            "gz" | "gzip" => Ok(Compression::Gzip),
            "bz2" | "bzip2" => Ok(Compression::Bzip2),
            other => Err(format!(
                "unknown compression \"{other}\": use none, gz or bz2"
            )),
        }
    }
}

/// The hash that signs an archive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SignatureKind {
    Md5,
    Sha1,
    #[default]
    Sha256,
    Sha512,
    /// An OpenSSL signature (type 0x10, 0x11 or 0x12): checking it needs the public key.
    OpenSsl(u32),
}

impl SignatureKind {
    pub fn from_code(code: u32) -> Option<SignatureKind> {
        match code {
            0x01 => Some(SignatureKind::Md5),
            0x02 => Some(SignatureKind::Sha1),
            0x03 => Some(SignatureKind::Sha256),
            0x04 => Some(SignatureKind::Sha512),
            0x10..=0x12 => Some(SignatureKind::OpenSsl(code)),
            _ => None,
        }
    }

    pub fn code(self) -> u32 {
        match self {
            SignatureKind::Md5 => 0x01,
            SignatureKind::Sha1 => 0x02,
            SignatureKind::Sha256 => 0x03,
            SignatureKind::Sha512 => 0x04,
            SignatureKind::OpenSsl(code) => code,
        }
    }

    /// The name PHP's `Phar::getSignature()` gives.
    pub fn name(self) -> &'static str {
        match self {
            SignatureKind::Md5 => "MD5",
            SignatureKind::Sha1 => "SHA-1",
            SignatureKind::Sha256 => "SHA-256",
            SignatureKind::Sha512 => "SHA-512",
            SignatureKind::OpenSsl(_) => "OpenSSL",
        }
    }

    pub fn parse(name: &str) -> Result<SignatureKind, String> {
        match name.to_ascii_lowercase().replace('-', "").as_str() {
            "md5" => Ok(SignatureKind::Md5),
            "sha1" => Ok(SignatureKind::Sha1),
            "sha256" => Ok(SignatureKind::Sha256),
            "sha512" => Ok(SignatureKind::Sha512),
            _ => Err(format!(
                "unknown signature \"{name}\": use sha256, sha512, sha1 or md5"
            )),
        }
    }

    /// The length of the hash, or `None` for OpenSSL (whose length is stored).
    pub fn hash_length(self) -> Option<usize> {
        match self {
            SignatureKind::Md5 => Some(16),
            SignatureKind::Sha1 => Some(20),
            SignatureKind::Sha256 => Some(32),
            SignatureKind::Sha512 => Some(64),
            SignatureKind::OpenSsl(_) => None,
        }
    }

    /// The hash of `data`, or `None` for OpenSSL.
    pub fn hash(self, data: &[u8]) -> Option<Vec<u8>> {
        match self {
            SignatureKind::Md5 => Some(Md5::digest(data).to_vec()),
            SignatureKind::Sha1 => Some(Sha1::digest(data).to_vec()),
            SignatureKind::Sha256 => Some(Sha256::digest(data).to_vec()),
            SignatureKind::Sha512 => Some(Sha512::digest(data).to_vec()),
            SignatureKind::OpenSsl(_) => None,
        }
    }
}

/// Where `__HALT_COMPILER();` and what PHP skips after it end: the offset of the manifest.
pub fn manifest_offset(file: &[u8]) -> Option<usize> {
    let halt = find(file, HALT)? + HALT.len();
    let mut offset = halt;
    let rest = &file[halt..];
    // " ?>" or "\n?>", then an optional "\n" or "\r\n": exactly what PHP skips.
    if rest.len() >= 3 && (rest[0] == b' ' || rest[0] == b'\n') && &rest[1..3] == b"?>" {
        offset += 3;
        match &file[offset..] {
            [b'\r', b'\n', ..] => offset += 2,
            [b'\n', ..] => offset += 1,
            _ => {}
        }
    }
    Some(offset)
}

/// The first place `needle` occurs in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_starts_after_what_php_skips() {
        assert_eq!(
            manifest_offset(b"<?php __HALT_COMPILER(); ?>\r\nM"),
            Some(29)
        );
        assert_eq!(manifest_offset(b"<?php __HALT_COMPILER(); ?>\nM"), Some(28));
        assert_eq!(manifest_offset(b"<?php __HALT_COMPILER();M"), Some(24));
        assert_eq!(manifest_offset(b"<?php echo 1;"), None);
    }

    #[test]
    fn hashes_have_the_lengths_the_format_says() {
        for kind in [
            SignatureKind::Md5,
            SignatureKind::Sha1,
            SignatureKind::Sha256,
            SignatureKind::Sha512,
        ] {
            assert_eq!(kind.hash(b"x").map(|hash| hash.len()), kind.hash_length());
            assert_eq!(SignatureKind::from_code(kind.code()), Some(kind));
        }
    }
}
