//! Any bytes at all, read as an archive: errors are fine, a panic, a hang or a huge allocation
//! is a bug. Covers the phar reader (manifest, contents, signature), PHP's serialize format,
//! and the zip and tar readers behind the same entry point.

#![no_main]

use lab_archive::{formats, phar, php_serialize, tool};
use libfuzzer_sys::fuzz_target;

/// Small enough that a bomb is caught quickly.
const MAX_SIZE: u64 = 1 << 20;

fuzz_target!(|data: &[u8]| {
    if let Ok(found) = phar::Phar::parse(data) {
        for entry in &found.entries {
            let _ = found.contents(data, entry, MAX_SIZE);
            let _ = php_serialize::unserialize(&entry.metadata);
        }
        let _ = php_serialize::unserialize(&found.metadata);
    }
    if let Ok((_, archive)) = formats::read(data, MAX_SIZE) {
        let _ = tool::check_names(&archive.entries);
    }
    let _ = tool::listing(data, MAX_SIZE);
});
