//! Bad archives: names that climb out, links that point out, bombs, truncation, damage and lies.
//! Each is refused with a message naming the bad part, and leaves nothing behind: no target
//! directory, no temporary directory, no file outside.

use std::io::Write;
use std::path::Path;

use lab_archive::formats::{self, Format};
use lab_archive::phar::{self, Compression, PharOptions, SignatureKind};
use lab_archive::tool;
use lab_archive::{Archive, Entry, EntryKind};

fn phar_options(signature: Option<SignatureKind>) -> PharOptions {
    PharOptions {
        stub: b"<?php __HALT_COMPILER();".to_vec(),
        alias: "bad.phar".to_string(),
        metadata: None,
        compression: Compression::None,
        signature,
    }
}

/// Unpacks `bytes` (written as `name`) into a fresh folder; returns the error, after checking
/// that nothing was left behind.
fn refused(name: &str, bytes: &[u8]) -> String {
    let folder = tempfile::tempdir().unwrap();
    let inside = folder.path().join("inside");
    std::fs::create_dir(&inside).unwrap();
    let archive = inside.join(name);
    std::fs::write(&archive, bytes).unwrap();
    let target = inside.join("out");
    let error = tool::unpack(&archive, &target, 1 << 20, &mut |_| {})
        .expect_err("a bad archive must be refused");
    assert!(!target.exists(), "a partial target was left: {error:#}");
    let mut left: Vec<String> = std::fs::read_dir(&inside)
        .unwrap()
        .map(|child| child.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [name], "only the archive may remain");
    let outside: Vec<_> = std::fs::read_dir(folder.path()).unwrap().collect();
    assert_eq!(outside.len(), 1, "something was written outside: {error:#}");
    format!("{error:#}")
}

fn with_entries(format: Format, entries: Vec<Entry>) -> Vec<u8> {
    let archive = Archive {
        entries,
        ..Archive::default()
    };
    let options = PharOptions {
        compression: Compression::Gzip,
        ..phar_options(Some(SignatureKind::Sha256))
    };
    formats::write(&archive, format, &options).unwrap()
}

/// A tar entry: name, type, link target, contents.
type RawEntry<'a> = (&'a str, tar::EntryType, &'a str, &'a [u8]);

/// A tar entry with any name at all: the `tar` crate refuses to write `..`, attackers do not.
fn raw_tar(entries: &[RawEntry]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, kind, link, contents) in entries {
        let mut header = tar::Header::new_old();
        header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        header.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
        header.set_entry_type(*kind);
        header.set_mode(0o644);
        header.set_size(contents.len() as u64);
        header.set_cksum();
        builder.append(&header, *contents).unwrap();
    }
    builder.into_inner().unwrap()
}

#[test]
fn names_that_climb_out_are_refused_in_every_format() {
    for format in [Format::Phar, Format::Zip, Format::Tar] {
        for bad in ["../evil.php", "lib/../../evil.php", "/tmp/evil.php"] {
            let bytes = if format == Format::Tar {
                raw_tar(&[
                    ("good.php", tar::EntryType::Regular, "", b"ok"),
                    (bad, tar::EntryType::Regular, "", b"evil"),
                ])
            } else {
                with_entries(
                    format,
                    vec![Entry::file("good.php", "ok"), Entry::file(bad, "evil")],
                )
            };
            let error = refused(&format!("bad.{}", format.name()), &bytes);
            assert!(
                error.contains(&format!("refused \"{bad}\"")),
                "{format:?}: {error}"
            );
        }
    }
}

#[test]
fn links_that_point_out_or_are_written_through_are_refused() {
    let cases: [(&[RawEntry], &str); 3] = [
        (
            &[("etc", tar::EntryType::Symlink, "/etc", b"")],
            "refused link \"etc\": it points to the absolute path \"/etc\"",
        ),
        (
            &[("lib/up", tar::EntryType::Symlink, "../../home", b"")],
            "refused link \"lib/up\": \"../../home\" points outside the target",
        ),
        (
            &[
                ("here", tar::EntryType::Symlink, ".", b""),
                ("here/file", tar::EntryType::Regular, "", b"x"),
            ],
            "refused \"here/file\": it would be written through the link \"here\"",
        ),
    ];
    for (entries, expected) in cases {
        let error = refused("links.tar", &raw_tar(entries));
        assert!(error.contains(expected), "{error}");
    }
    // The same in a zip.
    let bytes = with_entries(
        Format::Zip,
        vec![Entry {
            path: "up".to_string(),
            kind: EntryKind::Symlink("../../..".to_string()),
            mode: 0o777,
            modified: 0,
            metadata: None,
        }],
    );
    assert!(refused("links.zip", &bytes).contains("refused link \"up\""));
}

#[test]
fn bombs_stop_at_the_size_limit_or_the_declared_size() {
    let zeros = vec![0u8; 8 << 20];
    // Within the declared size, past --max-size (1 MiB here).
    for format in [Format::Phar, Format::Zip, Format::TarGz] {
        let bytes = with_entries(format, vec![Entry::file("zeros.bin", zeros.clone())]);
        assert!(bytes.len() < 200_000, "{format:?} compresses zeros well");
        let error = refused(&format!("bomb.{}", format.name()), &bytes);
        assert!(error.contains("zeros.bin"), "{format:?}: {error}");
        assert!(
            error.contains("--max-size") || error.contains("allowed"),
            "{format:?}: {error}"
        );
    }
    // A phar entry that says 100 bytes and inflates to megabytes: its manifest record lies.
    let honest = phar::write(
        &[Entry::file("zeros.bin", zeros.clone())],
        &PharOptions {
            compression: Compression::Gzip,
            ..phar_options(None)
        },
    )
    .unwrap();
    let found = phar::Phar::parse(&honest).unwrap();
    // The last record ends: size, time, stored size, CRC32, flags, metadata length.
    let size_field = found.contents_offset - 4 * 6;
    let mut lying = honest.clone();
    lying[size_field..size_field + 4].copy_from_slice(&100u32.to_le_bytes());
    let error = refused("lying.phar", &lying);
    assert!(
        error.contains("\"zeros.bin\" cannot be read: it inflates past its declared size of 100"),
        "{error}"
    );
}

#[test]
fn damage_and_truncation_are_errors_that_say_where() {
    let entries = vec![
        Entry::file("index.php", "<?php echo 'hello';"),
        Entry::file("lib/util.php", "<?php function util() {}"),
    ];
    let signed = phar::write(&entries, &phar_options(Some(SignatureKind::Sha256))).unwrap();
    let found = phar::Phar::parse(&signed).unwrap();

    // A changed byte in the contents breaks the signature.
    let mut changed = signed.clone();
    changed[found.entries[1].offset] ^= 0x20;
    assert!(refused("changed.phar", &changed).contains("SHA-256 signature does not match"));

    // A changed signature: every entry reads, and the check made while they are written
    // refuses them all the same.
    let mut resigned = signed.clone();
    let last = resigned.len() - 9;
    resigned[last] ^= 1;
    assert!(refused("resigned.phar", &resigned).contains("SHA-256 signature does not match"));

    // Unsigned, the CRC names the damaged entry.
    let unsigned = phar::write(&entries, &phar_options(None)).unwrap();
    let found_unsigned = phar::Phar::parse(&unsigned).unwrap();
    let mut damaged = unsigned.clone();
    damaged[found_unsigned.entries[1].offset] ^= 0x20;
    let error = refused("damaged.phar", &damaged);
    assert!(
        error.contains("\"lib/util.php\" is damaged: its CRC32 is"),
        "{error}"
    );

    // A manifest length that claims more than the file has.
    let mut longer = signed.clone();
    let at = found.manifest_offset;
    longer[at..at + 4].copy_from_slice(&(found.manifest_length as u32 + 1000).to_le_bytes());
    let error = refused("longer.phar", &longer);
    assert!(
        error.contains("the manifest length lies or the file is truncated"),
        "{error}"
    );

    // Cut anywhere, the file is refused, never a panic.
    for length in 0..signed.len() {
        assert!(
            formats::read(&signed[..length], 1 << 20).is_err(),
            "cut at {length} of {} was accepted",
            signed.len()
        );
    }
}

#[test]
fn an_unpack_into_a_directory_with_files_is_refused_before_anything_is_written() {
    let folder = tempfile::tempdir().unwrap();
    let archive = folder.path().join("app.zip");
    std::fs::write(
        &archive,
        with_entries(Format::Zip, vec![Entry::file("a.txt", "new")]),
    )
    .unwrap();
    let target = folder.path().join("out");
    std::fs::create_dir(&target).unwrap();
    std::fs::File::create(target.join("a.txt"))
        .unwrap()
        .write_all(b"mine")
        .unwrap();
    let error = tool::unpack(&archive, &target, 1 << 20, &mut |_| {}).unwrap_err();
    assert!(error.to_string().contains("is not empty"), "{error}");
    assert_eq!(std::fs::read(target.join("a.txt")).unwrap(), b"mine");
    assert!(Path::new(&archive).exists());
}
