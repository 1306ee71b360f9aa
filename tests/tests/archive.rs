//! `workbench archive` against PHP's own Phar extension, `unzip` and `tar`: archives PHP builds
//! are listed, verified and unpacked right; archives the workbench builds run under PHP and pass
//! its signature check; converted archives open with the usual tools; bad input is one line.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{missing_tool, run};

/// A small PHP application: an entry, a library, a binary file and a text file.
fn application(folder: &Path) -> PathBuf {
    let app = folder.join("app");
    std::fs::create_dir_all(app.join("lib")).unwrap();
    std::fs::create_dir_all(app.join("assets")).unwrap();
    std::fs::write(
        app.join("index.php"),
        "<?php\nrequire __DIR__ . '/lib/Util.php';\necho greeting(), \"\\n\";\n",
    )
    .unwrap();
    std::fs::write(
        app.join("lib/Util.php"),
        "<?php\nfunction greeting(): string { return 'hello from ' . basename(Phar::running(false) ?: 'nowhere'); }\n",
    )
    .unwrap();
    let binary: Vec<u8> = (0..3000u32).map(|n| (n * 7 % 256) as u8).collect();
    std::fs::write(app.join("assets/logo.bin"), binary).unwrap();
    std::fs::write(app.join("README.md"), "# App\n".repeat(200)).unwrap();
    app
}

/// The application's files: relative name → contents.
fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for child in std::fs::read_dir(&next).unwrap() {
            let path = child.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                found.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    found.sort();
    found
}

fn have_php() -> bool {
    let present = Command::new("php")
        .args(["-r", "exit(class_exists('Phar') ? 0 : 1);"])
        .status()
        .is_ok_and(|status| status.success());
    present || !missing_tool("php with Phar", "interop with PHP's Phar extension")
}

/// Whether PHP reads bzip2-compressed phars (the php-bz2 extension); said loudly when not.
fn php_has_bz2() -> bool {
    let present = Command::new("php")
        .args(["-r", "exit(extension_loaded('bz2') ? 0 : 1);"])
        .status()
        .is_ok_and(|status| status.success());
    present || !missing_tool("php-bz2", "bzip2-compressed phars with PHP")
}

/// Runs PHP code with `phar.readonly` off (so it may build archives), with `args`.
fn php(code: &str, args: &[&str]) -> std::process::Output {
    Command::new("php")
        .args(["-d", "phar.readonly=0", "-r", code])
        .args(args)
        .output()
        .expect("php runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn workbench(args: &[&str]) -> (bool, String, String) {
    let output = run(args);
    (
        output.status.success(),
        text(&output.stdout),
        text(&output.stderr),
    )
}

fn listing(file: &Path) -> serde_json::Value {
    let (ok, out, err) = workbench(&["archive", "list", "--json", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn archives_php_builds_are_listed_verified_and_unpacked() {
    if !have_php() {
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    let app = application(folder.path());
    let variants = [
        ("plain", "", "SHA-256"),
        ("gz", "$p->compressFiles(Phar::GZ);", "SHA-256"),
        ("bz2", "$p->compressFiles(Phar::BZ2);", "SHA-256"),
        (
            "metadata",
            "$p->setMetadata(['version' => '2.1', 'tags' => ['a', 'b']]);",
            "SHA-256",
        ),
        ("sha1", "$p->setSignatureAlgorithm(Phar::SHA1);", "SHA-1"),
        (
            "sha512",
            "$p->setSignatureAlgorithm(Phar::SHA512);",
            "SHA-512",
        ),
        ("md5", "$p->setSignatureAlgorithm(Phar::MD5);", "MD5"),
    ];
    let bz2 = php_has_bz2();
    for (name, extra, signature) in variants {
        if name == "bz2" && !bz2 {
            continue;
        }
        let file = folder.path().join(format!("{name}.phar"));
        let code = format!(
            "$p = new Phar($argv[1]); $p->buildFromDirectory($argv[2]); \
             $p->setStub($p->createDefaultStub('index.php')); \
             $p->setSignatureAlgorithm(Phar::SHA256); {extra}"
        );
        let built = php(&code, &[file.to_str().unwrap(), app.to_str().unwrap()]);
        assert!(built.status.success(), "{name}: {}", text(&built.stderr));

        let listed = listing(&file);
        assert_eq!(listed["signature"]["type"], signature, "{name}");
        assert_eq!(listed["signature"]["verified"], true, "{name}");
        let names: Vec<&str> = listed["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names.len(),
            4,
            "{name}: {names:?} (PHP orders them as it finds them)"
        );
        for entry in listed["entries"].as_array().unwrap() {
            let original = std::fs::read(app.join(entry["name"].as_str().unwrap())).unwrap();
            assert_eq!(entry["size"], original.len(), "{name}");
            assert_eq!(
                entry["crc32"],
                format!("{:08x}", crc32(&original)),
                "{name}"
            );
            let expected = match name {
                "gz" | "bz2" => name,
                _ => "none",
            };
            assert_eq!(entry["compression"], expected, "{name}");
        }
        if name == "metadata" {
            assert_eq!(
                listed["metadata"],
                serde_json::json!({"version": "2.1", "tags": ["a", "b"]})
            );
        }

        let (ok, out, err) = workbench(&["archive", "verify", file.to_str().unwrap()]);
        assert!(ok && out.contains("OK"), "{name}: {out}{err}");
        let target = folder.path().join(format!("out-{name}"));
        let (ok, _, err) = workbench(&[
            "archive",
            "unpack",
            file.to_str().unwrap(),
            "-C",
            target.to_str().unwrap(),
        ]);
        assert!(ok, "{name}: {err}");
        assert_eq!(files_of(&target), files_of(&app), "{name}");
    }
}

/// CRC32 as zlib computes it, written here so the test does not trust the code it checks.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// What PHP's Phar says about an archive: signature, alias, metadata, and each file's MD5.
const PHP_INSPECT: &str = r#"
$p = new Phar($argv[1]);
$files = [];
foreach (new RecursiveIteratorIterator($p) as $file) {
    $files[substr($file->getPathname(), strlen('phar://' . $p->getPath()) + 1)] = md5_file($file->getPathname());
}
ksort($files);
echo json_encode(['signature' => $p->getSignature(), 'alias' => $p->getAlias(), 'metadata' => $p->getMetadata(), 'files' => $files]);
"#;

#[test]
fn archives_the_workbench_packs_run_under_php_and_pass_its_signature_check() {
    if !have_php() {
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    let app = application(folder.path());
    let bz2 = php_has_bz2();
    let expected_files: serde_json::Map<String, serde_json::Value> = files_of(&app)
        .into_iter()
        .map(|(name, contents)| (name, format!("{:x}", md5_of(&contents)).into()))
        .collect();
    for sign in ["sha256", "sha512", "sha1", "md5"] {
        for compress in ["none", "gz", "bz2"] {
            if compress == "bz2" && !bz2 {
                continue;
            }
            let file = folder.path().join(format!("app-{sign}-{compress}.phar"));
            let (ok, _, err) = workbench(&[
                "archive",
                "pack",
                app.to_str().unwrap(),
                "-o",
                file.to_str().unwrap(),
                "--sign",
                sign,
                "--compress",
                compress,
                "--metadata",
                r#"{"version": "1.0", "authors": ["ada"]}"#,
            ]);
            assert!(ok, "{err}");
            let ran = Command::new("php").arg(&file).output().unwrap();
            assert_eq!(
                text(&ran.stdout),
                format!("hello from app-{sign}-{compress}.phar\n"),
                "{}",
                text(&ran.stderr)
            );
            let inspected = php(PHP_INSPECT, &[file.to_str().unwrap()]);
            assert!(inspected.status.success(), "{}", text(&inspected.stderr));
            let seen: serde_json::Value = serde_json::from_slice(&inspected.stdout).unwrap();
            let ours = listing(&file);
            assert_eq!(seen["signature"]["hash_type"], ours["signature"]["type"]);
            assert_eq!(
                seen["signature"]["hash"].as_str().unwrap().to_lowercase(),
                ours["signature"]["hash"].as_str().unwrap()
            );
            assert_eq!(seen["alias"], format!("app-{sign}-{compress}.phar"));
            assert_eq!(
                seen["metadata"],
                serde_json::json!({"version": "1.0", "authors": ["ada"]})
            );
            assert_eq!(
                seen["files"],
                serde_json::Value::Object(expected_files.clone())
            );
        }
    }

    // With a shebang it runs by itself.
    let runnable = folder.path().join("tool.phar");
    let (ok, _, err) = workbench(&[
        "archive",
        "pack",
        app.to_str().unwrap(),
        "-o",
        runnable.to_str().unwrap(),
        "--shebang",
    ]);
    assert!(ok, "{err}");
    let ran = Command::new(&runnable).output().unwrap();
    assert_eq!(
        text(&ran.stdout),
        "hello from tool.phar\n",
        "{}",
        text(&ran.stderr)
    );

    // Changed after signing: PHP refuses it, and so does verify, naming the signature.
    let mut bytes = std::fs::read(&runnable).unwrap();
    let at = bytes.len() - 200;
    bytes[at] ^= 1;
    let tampered = folder.path().join("tampered.phar");
    std::fs::write(&tampered, bytes).unwrap();
    let refused = php("new Phar($argv[1]);", &[tampered.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("signature"),
        "{}",
        text(&refused.stderr)
    );
    let (ok, _, err) = workbench(&["archive", "verify", tampered.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("SHA-256 signature does not match"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

fn md5_of(bytes: &[u8]) -> u128 {
    let output = Command::new("md5sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(bytes)?;
            child.wait_with_output()
        })
        .unwrap();
    u128::from_str_radix(&text(&output.stdout)[..32], 16).unwrap()
}

#[test]
fn converted_archives_open_with_unzip_and_tar_and_come_back_runnable() {
    let folder = tempfile::tempdir().unwrap();
    let app = application(folder.path());
    let phar = folder.path().join("app.phar");
    let (ok, _, err) = workbench(&[
        "archive",
        "pack",
        app.to_str().unwrap(),
        "-o",
        phar.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let checks: [(&str, &str, &[&str]); 3] = [
        ("app.zip", "unzip", &["-t"]),
        ("app.tar", "tar", &["-tvf"]),
        ("app.tar.gz", "tar", &["-tzvf"]),
    ];
    for (name, tool, flags) in checks {
        let converted = folder.path().join(name);
        let (ok, _, err) = workbench(&[
            "archive",
            "convert",
            phar.to_str().unwrap(),
            converted.to_str().unwrap(),
        ]);
        assert!(ok, "{name}: {err}");
        let Ok(listed) = Command::new(tool).args(flags).arg(&converted).output() else {
            if missing_tool(tool, "opening converted archives") {
                continue;
            }
            unreachable!();
        };
        assert!(listed.status.success(), "{name}: {}", text(&listed.stderr));
        let said = text(&listed.stdout);
        for file in [
            "index.php",
            "lib/Util.php",
            "assets/logo.bin",
            ".phar/stub.php",
        ] {
            assert!(said.contains(file), "{name} lacks {file}: {said}");
        }
    }
    // Back to a phar from the tar.gz: the stub came along, so PHP runs it.
    let again = folder.path().join("again.phar");
    let (ok, _, err) = workbench(&[
        "archive",
        "convert",
        folder.path().join("app.tar.gz").to_str().unwrap(),
        again.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    if have_php() {
        let ran = Command::new("php").arg(&again).output().unwrap();
        assert_eq!(
            text(&ran.stdout),
            "hello from again.phar\n",
            "{}",
            text(&ran.stderr)
        );
    }
}

#[test]
fn bad_input_is_one_line_naming_what_and_where() {
    let folder = tempfile::tempdir().unwrap();
    let app = application(folder.path());
    let path = |name: &str| folder.path().join(name).to_string_lossy().into_owned();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["pack".into(), path("nowhere"), "-o".into(), path("x.phar")],
            "is not a directory",
        ),
        (
            vec![
                "pack".into(),
                app.to_string_lossy().into_owned(),
                "-o".into(),
                path("x.phar"),
                "--entry".into(),
                "main.php".into(),
            ],
            "the entry file \"main.php\" is not in",
        ),
        (
            vec![
                "list".into(),
                app.join("README.md").to_string_lossy().into_owned(),
            ],
            "not an archive this tool knows",
        ),
        (
            vec![
                "unpack".into(),
                path("missing.phar"),
                "-C".into(),
                path("out"),
            ],
            "cannot read",
        ),
    ];
    for (args, expected) in cases {
        let mut full = vec!["archive".to_string()];
        full.extend(args);
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        let output = run(&refs);
        let err = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{refs:?}: {err}");
        assert!(err.contains(expected), "{refs:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{refs:?}: {err}");
    }
    assert!(!folder.path().join("x.phar").exists());
    assert!(!folder.path().join("out").exists());
    let (ok, _, err) = workbench(&[
        "archive",
        "pack",
        app.to_str().unwrap(),
        "-o",
        &path("x"),
        "--format",
        "rar",
    ]);
    assert!(!ok && err.contains("unknown format \"rar\""), "{err}");
    // An extension that names no format is not silently a phar.
    let (ok, _, err) = workbench(&[
        "archive",
        "pack",
        app.to_str().unwrap(),
        "-o",
        &path("x.rar"),
    ]);
    assert!(!ok && err.contains("give --format"), "{err}");
    assert!(!folder.path().join("x.rar").exists());
}

/// A tar.gz of 255 KB whose GNU long-name header declares a 256 MiB name: `archive list` must
/// refuse it in one short line without growing past a few tens of MB (it was 598 MB). The
/// archive is made, and the child's peak memory measured (getrusage), by Python.
#[test]
fn a_huge_declared_long_name_is_refused_in_bounded_memory() {
    let have_python = Command::new("python3").arg("--version").output().is_ok();
    if !have_python {
        missing_tool("python3", "measuring the peak memory of a child");
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    let archive = folder.path().join("bomb.tar.gz");
    let script = r#"
import sys, tarfile, zlib
info = tarfile.TarInfo("././@LongLink")
info.type = tarfile.GNUTYPE_LONGNAME
info.size = 256 << 20
header = info.tobuf(format=tarfile.GNU_FORMAT)[-512:]
packer = zlib.compressobj(9, zlib.DEFLATED, 31)
with open(sys.argv[1], "wb") as out:
    out.write(packer.compress(header))
    block = bytes(1 << 20)
    for _ in range(256):
        out.write(packer.compress(block))
    out.write(packer.flush())
"#;
    let made = Command::new("python3")
        .args(["-c", script])
        .arg(&archive)
        .status()
        .unwrap();
    assert!(made.success());
    let workbench = common::workbench();
    let (code, _, stderr, peak_kib) = common::run_measuring_peak(
        &[
            workbench.as_os_str(),
            "archive".as_ref(),
            "list".as_ref(),
            archive.as_os_str(),
        ],
        &[],
    );
    let stderr: Vec<&str> = stderr.lines().collect();
    assert!(
        std::fs::metadata(&archive).unwrap().len() < 1 << 20,
        "a small file"
    );
    assert_eq!(code, 1, "{stderr:?}");
    assert_eq!(stderr.len(), 1, "{stderr:?}");
    assert!(
        stderr[0].contains("long-name header of 268435456 bytes"),
        "{stderr:?}"
    );
    assert!(stderr[0].len() < 400, "{} bytes", stderr[0].len());
    assert!(peak_kib < 100 * 1024, "peak memory {peak_kib} KiB");
}

/// A folder with an exercise's starter files, written by `workbench exercise start`.
fn started(exercise: &str) -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    let output = common::command()
        .args([
            "exercise",
            "start",
            exercise,
            "--into",
            folder.path().to_str().unwrap(),
        ])
        .env("WORKBENCH_DATA_DIR", folder.path().join(".data"))
        .env_remove("WORKBENCH_CONTENT")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    folder
}

fn reference(exercise: &str, file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("exercises")
        .join(exercise)
        .join(file)
}

#[test]
fn packing_the_application_passes_with_the_references_and_fails_where_it_should() {
    if !have_php() {
        return;
    }
    let php_build = ["php", "-d", "phar.readonly=0", "app/build.php"];
    // The starter as it comes: PHP writes no archive with nothing in it.
    let folder = started("archive-pack-app");
    let (code, out) = common::check_exercise_in(folder.path(), "archive-pack-app", &php_build);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL writes app.phar"), "{out}");

    // The PHP reference.
    std::fs::copy(
        reference("archive-pack-app", "build.php"),
        folder.path().join("app/build.php"),
    )
    .unwrap();
    let (code, out) = common::check_exercise_in(folder.path(), "archive-pack-app", &php_build);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("PASS `php app.phar` prints \"Hello from a phar, version 1.2\""),
        "{out}"
    );

    // A build that writes nothing, or fails, is not graded on the archive an earlier build
    // left; that archive is put back afterwards, as it was.
    let built = std::fs::read(folder.path().join("app.phar")).unwrap();
    let (code, out) = common::check_exercise_in(folder.path(), "archive-pack-app", &["true"]);
    assert_eq!(code, 1, "a stale archive passed: {out}");
    assert!(out.contains("FAIL writes app.phar"), "{out}");
    let (code, out) = common::check_exercise_in(
        folder.path(),
        "archive-pack-app",
        &["sh", "-c", "echo broken >&2; exit 255"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL the build finishes"), "{out}");
    assert!(
        out.contains("expected: exit code 0") && out.contains("exited with code 255"),
        "{out}"
    );
    assert_eq!(
        std::fs::read(folder.path().join("app.phar")).unwrap(),
        built
    );
    assert!(!folder.path().join("app.phar.before-this-check").exists());

    // The same without leaving the build script out.
    let shipping = std::fs::read_to_string(reference("archive-pack-app", "build.php"))
        .unwrap()
        .replace(", '/^(?!.*build\\.php$).*/'", "");
    std::fs::write(folder.path().join("app/build.php"), shipping).unwrap();
    let (code, out) = common::check_exercise_in(folder.path(), "archive-pack-app", &php_build);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL leaves out build.php"), "{out}");

    // The Python reference writes the format byte by byte; the starter does not get that far.
    let folder = started("archive-pack-app");
    let (code, out) =
        common::check_exercise_in(folder.path(), "archive-pack-app", &["python3", "build.py"]);
    assert_eq!(code, 1, "the starter alone must not pass: {out}");
    std::fs::copy(
        reference("archive-pack-app", "build.py"),
        folder.path().join("build.py"),
    )
    .unwrap();
    let (code, out) =
        common::check_exercise_in(folder.path(), "archive-pack-app", &["python3", "build.py"]);
    assert_eq!(code, 0, "{out}");
}

/// Under a Chinese locale every line `exercise check` writes is Chinese, the checks' names and
/// advice included; `--lang en` gives today's English whatever the locale.
#[test]
fn exercise_check_speaks_the_students_language() {
    let folder = started("archive-fix-broken");
    std::fs::copy(
        folder.path().join("tool.phar"),
        folder.path().join("tool-fixed.phar"),
    )
    .unwrap();
    let check = |locale: &str, extra: &[&str]| -> String {
        let output = common::command()
            .args(["exercise", "check", "archive-fix-broken", "--seed", "9"])
            .args(extra)
            .current_dir(folder.path())
            .env("WORKBENCH_DATA_DIR", folder.path().join(".data"))
            .env_remove("WORKBENCH_CONTENT")
            .env_remove("LANGUAGE")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env("LANG", locale)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let chinese = check("zh_CN.UTF-8", &[]);
    for words in [
        "正在检查 archive-fix-broken：修好一个坏掉的 phar",
        "种子：9",
        "  通过 是一个 PHP 能读的 phar",
        "  失败 不包含 build.php",
        "期望：",
        "实际：",
        "建议：",
        "项通过",
        "还没有通过",
    ] {
        assert!(chinese.contains(words), "{words}: {chinese}");
    }
    for english in [
        "PASS",
        "FAIL",
        "expected:",
        "try:",
        "Not yet",
        "passed,",
        "is a phar PHP can read",
        "leaves out",
        "exclude it",
    ] {
        assert!(!chinese.contains(english), "{english}: {chinese}");
    }
    let english = check("zh_CN.UTF-8", &["--lang", "en"]);
    for words in [
        "Checking archive-fix-broken",
        "  FAIL leaves out build.php",
        "expected:",
        "Not yet.",
    ] {
        assert!(english.contains(words), "{words}: {english}");
    }
    assert!(!english.contains("失败"), "{english}");
}

#[test]
fn repairing_the_broken_phar_passes_with_the_references_and_the_broken_one_fails_three_ways() {
    if !have_php() {
        return;
    }
    // The broken archive itself, copied as if repaired: the three problems show.
    let folder = started("archive-fix-broken");
    std::fs::copy(
        folder.path().join("tool.phar"),
        folder.path().join("tool-fixed.phar"),
    )
    .unwrap();
    let (code, out) = common::check_exercise_in(folder.path(), "archive-fix-broken", &[]);
    assert_eq!(code, 1, "{out}");
    for failed in [
        "FAIL leaves out build.php",
        "FAIL starts with a #! line the system can use",
        "FAIL is executable",
        "FAIL `./tool-fixed.phar` prints",
    ] {
        assert!(out.contains(failed), "{failed}: {out}");
    }
    assert!(out.contains("bad interpreter"), "{out}");
    // It is a sound archive otherwise: the signature holds.
    assert!(
        out.contains("PASS is signed, and the signature verifies"),
        "{out}"
    );

    for (file, command) in [
        ("fix.php", vec!["php", "-d", "phar.readonly=0", "fix.php"]),
        ("fix.py", vec!["python3", "fix.py"]),
    ] {
        let folder = started("archive-fix-broken");
        let (code, out) = common::check_exercise_in(folder.path(), "archive-fix-broken", &command);
        assert_eq!(code, 1, "the {file} starter alone must not pass: {out}");
        std::fs::copy(
            reference("archive-fix-broken", file),
            folder.path().join(file),
        )
        .unwrap();
        std::fs::remove_file(folder.path().join("tool-fixed.phar")).ok();
        let (code, out) = common::check_exercise_in(folder.path(), "archive-fix-broken", &command);
        assert_eq!(code, 0, "{file}: {out}");
        // The exercise file makes leaving out build.php worth 3 points, every other check 1.
        let passed = out.matches("  PASS ").count();
        assert!(
            out.contains(&format!(
                "{passed} passed, 0 failed, score {}/{}",
                passed + 2,
                passed + 2
            )),
            "{out}"
        );
    }
}

/// The archives lesson's PHP (`content/php/archives/`), run as the lesson says: the build
/// script packs the folder it sits in without itself, with a shebang stub, into a phar that
/// `workbench archive verify` accepts, that runs as `./app.phar` and through `include`; the
/// conversion writes a zip PHP runs (its stub set again) and unpacks every file as it was.
#[test]
fn the_archives_lessons_build_script_and_conversion_do_what_the_lesson_says() {
    if !have_php() {
        return;
    }
    let lessons_php = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/php/archives");
    let folder = tempfile::tempdir().unwrap();
    let app = application(folder.path());
    let shipped = files_of(&app);
    std::fs::copy(lessons_php.join("build.php"), app.join("build.php")).unwrap();
    let run_php = |args: &[&str]| {
        let output = Command::new("php")
            .args(["-d", "phar.readonly=0"])
            .args(args)
            .current_dir(folder.path())
            .output()
            .expect("php runs");
        assert!(output.status.success(), "php {args:?}: {output:?}");
        text(&output.stdout)
    };
    run_php(&["app/build.php"]);
    let phar = folder.path().join("app.phar");
    let (ok, out, err) = workbench(&["archive", "verify", phar.to_str().unwrap()]);
    assert!(ok && out.contains("SHA-256"), "{out}{err}");
    let listed = listing(&phar);
    let mut names: Vec<&str> = listed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["name"].as_str().unwrap())
        .collect();
    names.sort();
    let expected: Vec<&str> = shipped.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names, expected,
        "the build script is left out, the rest packed"
    );
    assert!(
        listed["stub"]
            .as_str()
            .is_some_and(|stub| stub.starts_with("#!/usr/bin/env php\n")),
        "{listed}"
    );
    // By itself (the shebang, the mode), and through include.
    let by_itself = Command::new(&phar).output().unwrap();
    assert_eq!(
        text(&by_itself.stdout),
        "hello from app.phar\n",
        "{by_itself:?}"
    );
    let included = run_php(&["-r", "include 'app.phar';"]);
    assert_eq!(included, "hello from app.phar\n");

    run_php(&[
        lessons_php.join("convert.php").to_str().unwrap(),
        "app.phar",
    ]);
    let zip = folder.path().join("app.phar.zip");
    assert_eq!(listing(&zip)["format"], "zip", "{}", listing(&zip));
    assert_eq!(run_php(&["app.phar.zip"]), "hello from app.phar.zip\n");
    assert_eq!(files_of(&folder.path().join("extracted")), shipped);
}
