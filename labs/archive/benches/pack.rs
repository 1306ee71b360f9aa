//! How fast do we pack and unpack 10,000 small files? `just bench` (or
//! `cargo bench -p lab-archive --bench pack`).
//!
//! Two references are measured in the same run, on the same tree, with warm caches:
//! PHP's own `Phar::buildFromDirectory` and `Phar::extractTo` (targets: at least 3x faster), and
//! GNU tar creating and extracting the same tree (target: within 1.5x of its time). Each step
//! runs several rounds, alternately, and the median is reported; whole processes are timed for
//! the outside tools, which costs them a few milliseconds of start-up.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use lab_archive::Format;
use lab_archive::tool::{self, PackOptions};

const FILES: usize = 10_000;
const ROUNDS: usize = 5;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn timed(mut step: impl FnMut()) -> Duration {
    let started = Instant::now();
    step();
    started.elapsed()
}

fn run(command: &mut Command) {
    let output = command.output().expect("the reference tool runs");
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn have(tool: &str, probe: &[&str]) -> bool {
    Command::new(tool)
        .args(probe)
        .output()
        .is_ok_and(|output| output.status.success())
}

fn fresh(path: &Path) {
    if path.is_dir() {
        std::fs::remove_dir_all(path).unwrap();
    } else if path.exists() {
        std::fs::remove_file(path).unwrap();
    }
}

fn main() {
    // On a disk, creating 10,000 files costs every tool the same seconds of file-system time,
    // which hides the tools' own work: a memory file system shows it.
    let memory = Path::new("/dev/shm");
    let folder = if memory.is_dir() {
        tempfile::tempdir_in(memory).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    println!("working in {}", folder.path().display());
    let tree = folder.path().join("tree");
    lab_archive::lab::sample_application(&tree, FILES).unwrap();
    let at = |name: &str| folder.path().join(name);
    let php = have("php", &["-r", "exit(class_exists('Phar') ? 0 : 1);"]);
    let tar = have("tar", &["--version"]);

    let mut ours_pack = Vec::new();
    let mut ours_unpack = Vec::new();
    let mut ours_tar_pack = Vec::new();
    let mut ours_tar_unpack = Vec::new();
    let mut php_pack = Vec::new();
    let mut php_unpack = Vec::new();
    let mut gnu_pack = Vec::new();
    let mut gnu_unpack = Vec::new();
    let phar_options = PackOptions::default();
    let tar_options = PackOptions {
        format: Format::Tar,
        ..PackOptions::default()
    };
    for round in 0..ROUNDS {
        eprint!("\rround {}/{ROUNDS}", round + 1);
        for (options, name, pack_times, unpack_times) in [
            (&phar_options, "ours.phar", &mut ours_pack, &mut ours_unpack),
            (
                &tar_options,
                "ours.tar",
                &mut ours_tar_pack,
                &mut ours_tar_unpack,
            ),
        ] {
            fresh(&at(name));
            fresh(&at("out"));
            pack_times.push(timed(|| {
                tool::pack(&tree, &at(name), options, &mut |_| {}).unwrap();
            }));
            unpack_times.push(timed(|| {
                tool::unpack(&at(name), &at("out"), 1 << 30, &mut |_| {}).unwrap();
            }));
        }
        if php {
            fresh(&at("php.phar"));
            fresh(&at("out"));
            php_pack.push(timed(|| {
                run(Command::new("php").args([
                    "-d",
                    "phar.readonly=0",
                    "-r",
                    "$p = new Phar($argv[1]); $p->buildFromDirectory($argv[2]); $p->setStub('<?php __HALT_COMPILER();');",
                    at("php.phar").to_str().unwrap(),
                    tree.to_str().unwrap(),
                ]))
            }));
            php_unpack.push(timed(|| {
                run(Command::new("php").args([
                    "-r",
                    "(new Phar($argv[1]))->extractTo($argv[2]);",
                    at("php.phar").to_str().unwrap(),
                    at("out").to_str().unwrap(),
                ]))
            }));
        }
        if tar {
            fresh(&at("gnu.tar"));
            fresh(&at("out"));
            gnu_pack.push(timed(|| {
                run(Command::new("tar")
                    .arg("-cf")
                    .arg(at("gnu.tar"))
                    .arg("-C")
                    .arg(&tree)
                    .arg("."))
            }));
            std::fs::create_dir(at("out")).unwrap();
            gnu_unpack.push(timed(|| {
                run(Command::new("tar")
                    .arg("-xf")
                    .arg(at("gnu.tar"))
                    .arg("-C")
                    .arg(at("out")))
            }));
        }
    }
    eprintln!();
    let milliseconds = |times: &Vec<Duration>| median(times.clone()).as_secs_f64() * 1000.0;
    println!("{FILES} small files, median of {ROUNDS} rounds (ms):");
    let rows = [
        ("workbench phar", &ours_pack, &ours_unpack),
        ("workbench tar", &ours_tar_pack, &ours_tar_unpack),
        ("PHP Phar", &php_pack, &php_unpack),
        ("GNU tar", &gnu_pack, &gnu_unpack),
    ];
    println!("{:<16} {:>10} {:>10}", "", "pack", "unpack");
    for (name, pack, unpack) in rows {
        if pack.is_empty() {
            println!("{name:<16} {:>10} {:>10}", "missing", "missing");
            continue;
        }
        println!(
            "{name:<16} {:>10.1} {:>10.1}",
            milliseconds(pack),
            milliseconds(unpack)
        );
    }
    let ratio = |reference: &Vec<Duration>, ours: &Vec<Duration>| {
        if reference.is_empty() {
            f64::NAN
        } else {
            milliseconds(reference) / milliseconds(ours)
        }
    };
    println!(
        "speed-up over PHP (target >= 3.0x):     pack {:.2}x, unpack {:.2}x",
        ratio(&php_pack, &ours_pack),
        ratio(&php_unpack, &ours_unpack)
    );
    println!(
        "time relative to GNU tar (target <= 1.5x): phar pack {:.2}x, unpack {:.2}x; tar pack {:.2}x, unpack {:.2}x",
        1.0 / ratio(&gnu_pack, &ours_pack),
        1.0 / ratio(&gnu_unpack, &ours_unpack),
        1.0 / ratio(&gnu_pack, &ours_tar_pack),
        1.0 / ratio(&gnu_unpack, &ours_tar_unpack)
    );
}
