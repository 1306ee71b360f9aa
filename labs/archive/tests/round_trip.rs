//! Every format and option written and read back: names, contents, permissions, times, links,
//! empty directories and a phar's stub, alias and metadata survive as far as the format allows.

use lab_archive::formats::{self, Format};
use lab_archive::phar::{Compression, SignatureKind};
use lab_archive::tool::{self, PackOptions};
use lab_archive::{Archive, Entry, EntryKind, PharParts};

fn sample() -> Archive {
    let mut entries = vec![
        Entry::file("index.php", "<?php echo 'hello';\n"),
        Entry::file("src/Big.php", "<?php // padding\n".repeat(5000)),
        Entry::file("data/empty.txt", ""),
        Entry::file(
            "data/binary.bin",
            (0..=255u8).cycle().take(70_000).collect::<Vec<_>>(),
        ),
        Entry {
            path: "bin/run".to_string(),
            mode: 0o755,
            ..Entry::file("bin/run", "#!/bin/sh\necho run\n")
        },
        Entry {
            path: "cache".to_string(),
            kind: EntryKind::Directory,
            mode: 0o755,
            modified: 1_700_000_000,
            metadata: None,
        },
        Entry::file(
            &format!("deep/{}/name.txt", "a-long-directory-name".repeat(6)),
            "deep",
        ),
    ];
    for entry in &mut entries {
        entry.modified = 1_700_000_000;
    }
    Archive {
        entries,
        phar: PharParts::default(),
    }
}

fn options(compression: Compression, signature: SignatureKind) -> lab_archive::phar::PharOptions {
    let archive = sample();
    let pack = PackOptions {
        compression,
        signature: Some(signature),
        metadata: Some(serde_json::json!({"version": "1.2", "authors": ["ada", "linus"]})),
        ..PackOptions::default()
    };
    tool::phar_options(&archive, std::path::Path::new("app.phar"), &pack).unwrap()
}

#[test]
fn a_phar_keeps_everything_with_every_compression_and_signature() {
    for compression in [Compression::None, Compression::Gzip, Compression::Bzip2] {
        for signature in [
            SignatureKind::Md5,
            SignatureKind::Sha1,
            SignatureKind::Sha256,
            SignatureKind::Sha512,
        ] {
            let phar_options = options(compression, signature);
            let bytes = formats::write(&sample(), Format::Phar, &phar_options).unwrap();
            let (format, read) = formats::read(&bytes, 1 << 30).unwrap();
            assert_eq!(format, Format::Phar);
            assert_eq!(
                read.entries,
                sample().entries,
                "{compression:?} {signature:?}"
            );
            assert_eq!(read.phar.alias.as_deref(), Some("app.phar"));
            assert_eq!(read.phar.metadata, phar_options.metadata);
            let listing = tool::listing(&bytes, 1 << 30).unwrap();
            assert_eq!(listing["signature"]["type"], signature.name());
            assert_eq!(listing["signature"]["verified"], true);
            assert_eq!(listing["metadata"]["authors"][1], "linus");
        }
    }
}

#[test]
fn zip_and_tar_keep_names_contents_modes_times_links_and_phar_parts() {
    let mut archive = sample();
    archive.entries.push(Entry {
        path: "bin/link".to_string(),
        kind: EntryKind::Symlink("run".to_string()),
        mode: 0o777,
        modified: 1_700_000_000,
        metadata: None,
    });
    archive.phar = PharParts {
        stub: Some(b"<?php echo 'stub'; __HALT_COMPILER(); ?>\r\n".to_vec()),
        alias: Some("app.phar".to_string()),
        metadata: Some(b"a:1:{s:1:\"k\";i:1;}".to_vec()),
    };
    let unused = options(Compression::None, SignatureKind::Sha256);
    for format in [Format::Zip, Format::Tar, Format::TarGz] {
        let bytes = formats::write(&archive, format, &unused).unwrap();
        let (found, read) = formats::read(&bytes, 1 << 30).unwrap();
        assert_eq!(found, format);
        assert_eq!(read.phar, archive.phar, "{format:?}");
        assert_eq!(read.entries, archive.entries, "{format:?}");
    }
}

#[test]
fn converting_through_every_format_and_back_loses_nothing_a_phar_holds() {
    let folder = tempfile::tempdir().unwrap();
    let first = folder.path().join("app.phar");
    let phar_options = options(Compression::Gzip, SignatureKind::Sha512);
    let bytes = formats::write(&sample(), Format::Phar, &phar_options).unwrap();
    std::fs::write(&first, &bytes).unwrap();
    let mut previous = first.clone();
    for (name, format) in [
        ("app.zip", Format::Zip),
        ("app.tar", Format::Tar),
        ("app.tar.gz", Format::TarGz),
        ("again.phar", Format::Phar),
    ] {
        let next = folder.path().join(name);
        let pack = PackOptions {
            format,
            ..PackOptions::default()
        };
        tool::convert(&previous, &next, &pack, 1 << 30).unwrap();
        previous = next;
    }
    let (_, back) = formats::read(&std::fs::read(&previous).unwrap(), 1 << 30).unwrap();
    let (_, original) = formats::read(&bytes, 1 << 30).unwrap();
    assert_eq!(back.entries, original.entries);
    assert_eq!(back.phar, original.phar);
}

#[test]
fn packing_a_directory_and_unpacking_it_gives_the_same_tree() {
    let folder = tempfile::tempdir().unwrap();
    let source = folder.path().join("app");
    lab_archive::lab::sample_application(&source, 50).unwrap();
    std::fs::create_dir_all(source.join("var/empty")).unwrap();
    std::fs::write(source.join("build.php"), "<?php // the build script itself").unwrap();
    for format in [Format::Phar, Format::Zip, Format::Tar, Format::TarGz] {
        let output = folder.path().join(format!("app.{}", format.name()));
        let pack = PackOptions {
            format,
            exclude: vec!["build.php".to_string()],
            ..PackOptions::default()
        };
        let packed = tool::pack(&source, &output, &pack, &mut |_| {}).unwrap();
        assert_eq!(
            packed.files, 51,
            "50 files and one empty directory, the build script left out"
        );
        let target = folder.path().join(format!("out-{}", format.name()));
        tool::unpack(&output, &target, 1 << 30, &mut |_| {}).unwrap();
        assert!(!target.join("build.php").exists());
        assert!(target.join("var/empty").is_dir(), "{format:?}");
        for entry in tool::collect(&source, &pack.exclude, &mut |_| {})
            .unwrap()
            .0
        {
            if let EntryKind::File(contents) = entry.kind {
                let copy = std::fs::read(target.join(&entry.path)).unwrap();
                assert_eq!(copy, contents, "{format:?} {}", entry.path);
            }
        }
    }
}

#[test]
fn packing_follows_links_inside_the_folder_and_refuses_links_out_of_it() {
    let folder = tempfile::tempdir().unwrap();
    let app = folder.path().join("app");
    std::fs::create_dir_all(app.join("lib")).unwrap();
    std::fs::write(app.join("index.php"), "<?php").unwrap();
    std::fs::write(app.join("lib/real.php"), "<?php // real").unwrap();
    std::os::unix::fs::symlink("real.php", app.join("lib/alias.php")).unwrap();
    let entries = tool::collect(&app, &[], &mut |_| {}).unwrap().0;
    let alias = entries
        .iter()
        .find(|entry| entry.path == "lib/alias.php")
        .unwrap();
    assert_eq!(alias.kind, EntryKind::File(b"<?php // real".to_vec()));

    std::fs::write(folder.path().join("secret.txt"), "outside").unwrap();
    std::os::unix::fs::symlink("../secret.txt", app.join("leak.txt")).unwrap();
    let error = tool::collect(&app, &[], &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("leak.txt is a symbolic link out of the directory"),
        "{error}"
    );
    // Left out, it does not stop the pack.
    assert!(tool::collect(&app, &["leak.txt".to_string()], &mut |_| {}).is_ok());
}

#[test]
fn packing_a_folder_into_itself_leaves_the_last_build_out() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("index.php"), "<?php echo 1;").unwrap();
    let output = folder.path().join("app.phar");
    for _ in 0..2 {
        let packed = tool::pack(folder.path(), &output, &PackOptions::default(), &mut |_| {});
        assert_eq!(packed.unwrap().files, 1);
    }
    let (_, archive) = formats::read(&std::fs::read(&output).unwrap(), 1 << 30).unwrap();
    let names: Vec<&str> = archive
        .entries
        .iter()
        .map(|entry| entry.path.as_str())
        .collect();
    assert_eq!(names, ["index.php"]);
}

#[test]
fn unpacked_files_get_their_permissions_less_what_the_umask_takes() {
    use std::os::unix::fs::PermissionsExt;
    let folder = tempfile::tempdir().unwrap();
    let modes = [
        ("shared.txt", 0o666),
        ("run.sh", 0o755),
        ("private.key", 0o600),
    ];
    let archive = Archive {
        entries: modes
            .iter()
            .map(|(name, mode)| Entry {
                mode: *mode,
                ..Entry::file(name, "x")
            })
            .collect(),
        phar: PharParts::default(),
    };
    let bytes = formats::write(
        &archive,
        Format::Tar,
        &options(Compression::None, SignatureKind::Sha256),
    )
    .unwrap();
    let file = folder.path().join("modes.tar");
    std::fs::write(&file, bytes).unwrap();
    let target = folder.path().join("out");
    tool::unpack(&file, &target, 1 << 20, &mut |_| {}).unwrap();
    for (name, mode) in modes {
        let found = std::fs::metadata(target.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(found, mode & !umask(), "{name}: {found:o}");
    }
}

/// This process's umask, from /proc/self/status.
fn umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("Umask:"))
        .unwrap();
    u32::from_str_radix(line.trim_start_matches("Umask:").trim(), 8).unwrap()
}
