//! `workbench lesson`: rendered for the terminal in English and Chinese, with the language from
//! LANG, lab links shown as commands that really run, and bad lessons named by file and line.

mod common;

use std::process::Stdio;

use common::command;

fn lesson(args: &[&str], lang_variable: &str) -> (i32, String, String) {
    let output = command()
        .arg("lesson")
        .args(args)
        .env("LANG", lang_variable)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("WORKBENCH_CONTENT")
        .stdin(Stdio::null())
        .output()
        .expect("the workbench runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_messaging_lesson_is_rendered_not_raw_markdown() {
    let (code, text, _) = lesson(&["messaging"], "en_US.UTF-8");
    assert_eq!(code, 0);
    assert!(text.starts_with("Messaging with ZeroMQ\n═════"), "{text}");
    assert!(!text.contains("## "), "headings are rendered");
    assert!(!text.contains("](lab:"), "links are rendered");
    assert!(!text.contains('\x1b'), "no colours when piped");
    assert!(text.contains("• round robin when sending"), "{text}");
    assert!(
        text.contains("→ workbench lab zmq-pubsub --slow-subscriber 2000 --hwm 100 --size 8192"),
        "{text}"
    );
    assert!(
        text.contains("→ workbench exercise show zmq-sub-topic-b"),
        "{text}"
    );
}

#[test]
fn the_language_comes_from_lang_or_the_flag() {
    let (_, chinese, _) = lesson(&["messaging"], "zh_CN.UTF-8");
    assert!(chinese.starts_with("用 ZeroMQ 传递消息"), "{chinese}");
    let (_, english, _) = lesson(&["messaging", "--lang", "en"], "zh_CN.UTF-8");
    assert!(english.starts_with("Messaging with ZeroMQ"), "{english}");
    let (_, outline, _) = lesson(&["sockets", "--lang", "zh"], "C");
    assert!(outline.starts_with("套接字"), "{outline}");
}

#[test]
fn every_lab_command_a_lesson_offers_is_accepted_by_the_lab() {
    let (_, text, _) = lesson(&["messaging"], "en");
    let commands: Vec<&str> = text
        .lines()
        .filter_map(|line| line.split_once("→ workbench lab ").map(|(_, rest)| rest))
        .collect();
    assert!(commands.len() >= 2, "{text}");
    for rest in commands {
        let mut args = vec!["lab"];
        args.extend(rest.split_whitespace());
        args.push("--help");
        let output = command().args(&args).output().unwrap();
        assert!(
            output.status.success(),
            "workbench {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn unknown_lessons_and_broken_lesson_files_are_one_line_errors() {
    let (code, _, stderr) = lesson(&["mesaging"], "en");
    assert_eq!(code, 2);
    assert_eq!(
        stderr.trim(),
        "workbench: unknown lesson 'mesaging'; lessons: archives, dependent-tests, flash-sale, sockets, messaging (see `workbench lesson`)"
    );
    let content = tempfile::tempdir().unwrap();
    let lessons = content.path().join("lessons/en");
    std::fs::create_dir_all(&lessons).unwrap();
    std::fs::write(
        lessons.join("sockets.md"),
        "# Sockets\n\nText.\n\n[Run](lab:zmq-pubsub?rate=fast)\n",
    )
    .unwrap();
    let output = command()
        .args(["lesson", "sockets", "--lang", "en"])
        .env("WORKBENCH_CONTENT", content.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "workbench: {}:5: link to lab zmq-pubsub: ",
            lessons.join("sockets.md").display()
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn the_probe_prints_the_lessons_checklist_in_both_languages() {
    for (lang, heading, item) in [
        (
            "en",
            "When messages do not arrive",
            "1. Subscription: did the SUB socket subscribe?",
        ),
        ("zh", "消息收不到时", "1. 订阅：SUB 套接字订阅了吗？"),
    ] {
        let output = command()
            .args(["zmq", "probe", "--help-troubleshoot", "--lang", lang])
            .env_remove("WORKBENCH_CONTENT")
            .output()
            .unwrap();
        assert!(output.status.success());
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.starts_with(heading), "{text}");
        assert!(text.contains(item), "{text}");
        assert!(
            text.contains("workbench zmq probe tcp://127.0.0.1:5563"),
            "{text}"
        );
        assert!(!text.contains("## "), "{text}");
    }
}

/// The messaging lesson's high-water-mark link, in both languages, shows what it promises
/// within a few seconds: messages dropped for the slow subscriber.
#[test]
fn the_high_water_mark_link_shows_drops_within_seconds() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/lessons");
    for language in ["en", "zh"] {
        let text = std::fs::read_to_string(root.join(language).join("messaging.md")).unwrap();
        let link = text
            .split("](lab:zmq-pubsub?")
            .skip(1)
            .map(|rest| &rest[..rest.find(')').unwrap()])
            .find(|query| query.contains("hwm="))
            .unwrap_or_else(|| panic!("{language}: no high-water-mark link"));
        let mut args = vec!["lab".to_string(), "zmq-pubsub".to_string()];
        for pair in link.split('&') {
            let (name, value) = pair.split_once('=').unwrap();
            args.extend([format!("--{name}"), value.to_string()]);
        }
        args.extend(["--duration", "4", "--headless"].map(String::from));
        let output = command().args(&args).output().unwrap();
        let report = common::json_lines(&output.stdout).pop().expect("a report");
        let dropped = report["counters"]["dropped"].as_u64().unwrap_or(0);
        assert!(
            dropped > 0,
            "{language}: {link}: nothing dropped in 4 s: {report}"
        );
    }
}
