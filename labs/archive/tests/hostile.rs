//! Archives and folders made by an attacker, or by a tool other than ours: headers that declare
//! huge names, names full of terminal escapes, a tar.gz with a flipped byte or a zeroed CRC, two
//! zip entries of one name, OpenSSL signatures, GNU tar's `./`, FIFOs and devices to pack, and
//! unpacking targets that cannot be used.

use std::io::Write;
use std::path::Path;

use lab_archive::formats::{self, Format};
use lab_archive::phar::{Compression, PharOptions, SignatureKind};
use lab_archive::tool::{self, PackOptions};
use lab_archive::{Archive, Entry};

fn options(signature: Option<SignatureKind>) -> PharOptions {
    PharOptions {
        stub: b"<?php __HALT_COMPILER();".to_vec(),
        alias: "x.phar".to_string(),
        metadata: None,
        compression: Compression::None,
        signature,
    }
}

fn archive_of(format: Format, files: &[(&str, &str)]) -> Vec<u8> {
    let archive = Archive {
        entries: files
            .iter()
            .map(|(name, contents)| Entry::file(name, *contents))
            .collect(),
        ..Archive::default()
    };
    formats::write(&archive, format, &options(Some(SignatureKind::Sha256))).unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A tar whose first header is a GNU long name ('L') declaring `declared` bytes, followed by
/// that many NULs and a file.
fn long_name_tar(declared: u64) -> Vec<u8> {
    let mut header = tar::Header::new_gnu();
    header.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"././@LongLink");
    header.set_entry_type(tar::EntryType::GNULongName);
    header.set_size(declared);
    header.set_mode(0o644);
    header.set_cksum();
    let mut bytes = header.as_bytes().to_vec();
    bytes.resize(bytes.len() + (declared as usize).next_multiple_of(512), 0);
    bytes.extend_from_slice(&archive_of(Format::Tar, &[("a.txt", "a")]));
    bytes
}

#[test]
fn extension_headers_past_the_bound_are_refused_before_they_are_read() {
    let declared = formats::MAX_EXTENSION_HEADER * 16;
    for bytes in [long_name_tar(declared), gzip(&long_name_tar(declared))] {
        let error = format!("{:#}", formats::read(&bytes, 1 << 30).unwrap_err());
        assert!(
            error.contains("long-name header of 1048576 bytes"),
            "{error}"
        );
        assert!(error.len() < 400, "one short line: {} bytes", error.len());
    }
    // Within the bound, a long name is a name.
    let mut builder = tar::Builder::new(Vec::new());
    let long = "d/".repeat(200) + "file.txt";
    let mut header = tar::Header::new_gnu();
    header.set_size(2);
    header.set_mode(0o644);
    builder.append_data(&mut header, &long, &b"hi"[..]).unwrap();
    let (_, archive) = formats::read(&builder.into_inner().unwrap(), 1 << 20).unwrap();
    assert_eq!(archive.entries[0].path, long);
}

#[test]
fn untrusted_names_are_escaped_and_shortened_in_messages() {
    let escape = "../\u{1b}]0;pwned\u{7}\u{1b}[2J.php";
    let bytes = archive_of(Format::Zip, &[(escape, "x")]);
    let error = format!(
        "{:#}",
        tool::check_names(&formats::read(&bytes, 1 << 20).unwrap().1.entries).unwrap_err()
    );
    assert!(
        !error.contains('\u{1b}') && !error.contains('\u{7}'),
        "{error:?}"
    );
    assert!(error.contains("\\u{1b}]0;pwned"), "{error}");

    let huge = format!("../{}", "a".repeat(60_000));
    let bytes = archive_of(Format::Zip, &[(&huge, "x")]);
    let error = format!(
        "{:#}",
        tool::check_names(&formats::read(&bytes, 1 << 20).unwrap().1.entries).unwrap_err()
    );
    assert!(error.len() < 400, "{} bytes", error.len());
    assert!(error.contains("characters left out"), "{error}");
}

#[test]
fn a_tar_gz_with_a_flipped_byte_or_a_zeroed_crc_fails_verify() {
    let tar = archive_of(Format::Tar, &[("index.php", "<?php echo 'hello';")]);
    let good = gzip(&tar);
    assert!(tool::verify(&good, 1 << 20, false).is_ok());

    let mut zeroed = good.clone();
    let length = zeroed.len();
    zeroed[length - 8..length - 4].copy_from_slice(&[0, 0, 0, 0]);
    let error = format!("{:#}", tool::verify(&zeroed, 1 << 20, false).unwrap_err());
    assert!(error.contains("CRC32"), "{error}");

    // A content byte flipped inside the tar, gzipped with a CRC of the original bytes.
    let at = tar
        .windows(5)
        .position(|window| window == b"hello")
        .unwrap();
    let mut flipped = tar.clone();
    flipped[at] ^= 0x20;
    let mut lying = gzip(&flipped);
    let length = lying.len();
    lying[length - 8..length - 4].copy_from_slice(&good[good.len() - 8..good.len() - 4]);
    assert!(tool::verify(&lying, 1 << 20, false).is_err());
}

#[test]
fn two_zip_entries_of_one_name_are_refused() {
    let mut bytes = archive_of(Format::Zip, &[("a.txt", "first"), ("b.txt", "second")]);
    // Rename b.txt to a.txt in its local header and in the central directory.
    let mut renamed = 0;
    for at in 0..bytes.len() - 5 {
        if &bytes[at..at + 5] == b"b.txt" {
            bytes[at] = b'a';
            renamed += 1;
        }
    }
    assert_eq!(renamed, 2);
    for error in [
        format!("{:#}", tool::verify(&bytes, 1 << 20, false).unwrap_err()),
        format!("{:#}", tool::listing(&bytes, 1 << 20).unwrap_err()),
    ] {
        assert!(
            error.contains("two zip entries are named \"a.txt\""),
            "{error}"
        );
    }
}

#[test]
fn an_openssl_signature_is_not_called_verified() {
    let mut bytes = archive_of(Format::Phar, &[("index.php", "<?php")]);
    // Replace the SHA-256 trailer (hash, code, GBMB) by an OpenSSL one (signature, length, code).
    bytes.truncate(bytes.len() - 40);
    bytes.extend_from_slice(b"SIGN");
    bytes.extend_from_slice(&4u32.to_le_bytes());
    bytes.extend_from_slice(&0x10u32.to_le_bytes());
    bytes.extend_from_slice(b"GBMB");
    let error = format!("{:#}", tool::verify(&bytes, 1 << 20, false).unwrap_err());
    assert!(error.contains("not verified (no public key)"), "{error}");
    assert!(error.contains("--allow-unverified"), "{error}");
    let accepted = tool::verify(&bytes, 1 << 20, true).unwrap();
    assert!(accepted.contains("needs the public key"), "{accepted}");
}

#[test]
fn gnu_tars_dot_slash_root_is_the_target_itself() {
    let folder = tempfile::tempdir().unwrap();
    let app = folder.path().join("app");
    std::fs::create_dir_all(app.join("lib")).unwrap();
    std::fs::write(app.join("index.php"), "<?php").unwrap();
    std::fs::write(app.join("lib/a.php"), "<?php // a").unwrap();
    let archive = folder.path().join("x.tar");
    let made = std::process::Command::new("tar")
        .arg("-C")
        .arg(&app)
        .arg("-cf")
        .arg(&archive)
        .arg(".")
        .status()
        .unwrap();
    assert!(made.success());
    let target = folder.path().join("out");
    tool::unpack(&archive, &target, 1 << 20, &mut |_| {}).unwrap();
    assert_eq!(
        std::fs::read_to_string(target.join("lib/a.php")).unwrap(),
        "<?php // a"
    );
    assert_eq!(
        std::fs::read_to_string(target.join("index.php")).unwrap(),
        "<?php"
    );
}

#[test]
fn a_time_past_any_calendar_does_not_stop_unpacking() {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(1);
    header.set_mode(0o644);
    header.set_mtime(u64::MAX);
    builder
        .append_data(&mut header, "late.txt", &b"x"[..])
        .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let archive = folder.path().join("late.tar");
    std::fs::write(&archive, builder.into_inner().unwrap()).unwrap();
    tool::unpack(&archive, &folder.path().join("out"), 1 << 20, &mut |_| {}).unwrap();
    assert_eq!(
        std::fs::read(folder.path().join("out/late.txt")).unwrap(),
        b"x"
    );
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(1) == Some("0"))
}

#[test]
fn packing_takes_regular_files_only_and_names_what_it_skipped() {
    let folder = tempfile::tempdir().unwrap();
    let app = folder.path().join("app");
    std::fs::create_dir(&app).unwrap();
    std::fs::write(app.join("index.php"), "<?php").unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(app.join("queue"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let mut expected = vec!["queue (a FIFO: only regular files are packed)"];
    if is_root() {
        let device = std::process::Command::new("mknod")
            .arg(app.join("zero"))
            .args(["c", "1", "5"])
            .status()
            .unwrap();
        assert!(device.success());
        expected.push("zero (a device: only regular files are packed)");
    } else {
        eprintln!("SKIPPED: the device node part needs root (mknod)");
    }
    let output = folder.path().join("app.phar");
    // Without the fix this never returns (the FIFO) or fills memory (/dev/zero).
    let packed = tool::pack(&app, &output, &PackOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(packed.files, 1);
    assert_eq!(packed.skipped, expected);
}

/// Unpacks a good archive into `target`; returns the error as one line.
fn unpack_into(target: &Path) -> anyhow::Result<usize> {
    let folder = tempfile::tempdir().unwrap();
    let archive = folder.path().join("a.tar");
    std::fs::write(&archive, archive_of(Format::Tar, &[("a.txt", "a")])).unwrap();
    tool::unpack(&archive, target, 1 << 20, &mut |_| {})
}

#[test]
fn unusable_targets_are_named_with_their_cause_and_leave_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("file");
    std::fs::write(&file, "not a folder").unwrap();
    for target in [file.clone(), file.join("out"), file.join("deeper/out")] {
        let error = format!("{:#}", unpack_into(&target).unwrap_err());
        assert!(
            error.contains(&*target.to_string_lossy()) || error.contains(&*file.to_string_lossy()),
            "{error}"
        );
        assert!(!error.contains("os error"), "{error}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
    }

    // A bad archive into new parents: the parents go too.
    let bad = folder.path().join("bad.zip");
    std::fs::write(&bad, archive_of(Format::Zip, &[("../x", "x")])).unwrap();
    let target = folder.path().join("new/parents/out");
    assert!(tool::unpack(&bad, &target, 1 << 20, &mut |_| {}).is_err());
    assert!(
        !folder.path().join("new").exists(),
        "the parents made were removed"
    );

    // An existing empty target keeps its mode.
    use std::os::unix::fs::PermissionsExt;
    let kept = folder.path().join("kept");
    std::fs::create_dir(&kept).unwrap();
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o751)).unwrap();
    unpack_into(&kept).unwrap();
    let mode = std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o751);
    assert_eq!(std::fs::read_to_string(kept.join("a.txt")).unwrap(), "a");
}
