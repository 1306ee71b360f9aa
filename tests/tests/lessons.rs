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

/// A lesson's `lab:` link: the lab, its settings and what its run promises to show.
struct LessonLink {
    lab: String,
    query: String,
    params: Vec<(String, String)>,
    expect: Vec<lab_core::Expectation>,
}

/// Every `lab:` link of a topic's lesson in both languages, each once: the Chinese lesson's
/// links must be the English one's (the same settings promise the same thing).
fn lesson_links(topic: &str) -> Vec<LessonLink> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/lessons");
    let links_in = |language: &str| -> Vec<String> {
        let path = root.join(language).join(format!("{topic}.md"));
        let text = std::fs::read_to_string(&path).unwrap();
        text.split("](lab:")
            .skip(1)
            .map(|rest| rest[..rest.find(')').unwrap()].to_string())
            .collect()
    };
    let (english, chinese) = (links_in("en"), links_in("zh"));
    assert!(!english.is_empty(), "{topic}: a lesson without a lab link");
    for link in &chinese {
        assert!(
            english.contains(link),
            "{topic}: zh has a link en lacks: lab:{link}"
        );
    }
    let mut unique: Vec<String> = Vec::new();
    for link in english {
        assert!(
            chinese.contains(&link),
            "{topic}: en has a link zh lacks: lab:{link}"
        );
        if !unique.contains(&link) {
            unique.push(link);
        }
    }
    unique
        .into_iter()
        .map(|link| {
            let (lab, query) = link.split_once('?').unwrap_or((&link, ""));
            let mut params = Vec::new();
            let mut expect = Vec::new();
            for pair in query.split('&').filter(|pair| !pair.is_empty()) {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                if name == "expect" {
                    expect.push(lab_core::Expectation::parse(value).unwrap());
                } else {
                    params.push((name.to_string(), value.to_string()));
                }
            }
            assert!(
                !expect.is_empty(),
                "lab:{link} says nothing about what it shows"
            );
            LessonLink {
                lab: lab.to_string(),
                query: query.to_string(),
                params,
                expect,
            }
        })
        .collect()
}

/// Whether the servers a link's lab starts are here (loudly not, and never under CI).
fn servers_for(link: &LessonLink) -> bool {
    let wants = |name: &str, value: &str| {
        link.params
            .iter()
            .any(|(param, given)| param == name && given == value)
    };
    let mysql = wants("engine", "mysql") || wants("orders-engine", "mysql");
    let redis = wants("engine", "redis");
    let redis_here = || {
        std::process::Command::new("redis-server")
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success())
            || !common::missing_tool("redis-server", "a lesson's Redis link")
    };
    (!mysql || common::mariadb_present()) && (!redis || redis_here())
}

/// Seconds each link runs: what a student waits for before the point shows (a few more than
/// on a quiet laptop: CI runs the topics side by side, each link beside another).
const LINK_SECONDS: &str = "8";

/// Runs each of a topic's lesson links headless for a few seconds and holds it to what it
/// promises (`expect=`): a link whose settings cannot show its point quickly teaches the
/// wrong thing (the high-water-mark link once showed 0 dropped after 15 s).
fn every_link_shows_what_it_promises(topic: &str) {
    let mut broken = Vec::new();
    for link in lesson_links(topic) {
        if !servers_for(&link) {
            continue;
        }
        let mut args = vec!["lab".to_string(), link.lab.clone()];
        for (name, value) in &link.params {
            args.extend([format!("--{name}"), value.clone()]);
        }
        args.extend(["--duration", LINK_SECONDS, "--headless"].map(String::from));
        let output = command().args(&args).stdin(Stdio::null()).output().unwrap();
        let Some(last) = common::json_lines(&output.stdout).pop() else {
            broken.push(format!(
                "lab:{}?{}: no report: {}",
                link.lab,
                link.query,
                String::from_utf8_lossy(&output.stderr)
            ));
            continue;
        };
        assert_eq!(last["type"], "report", "{last}");
        let report: lab_core::Report = serde_json::from_value(last).unwrap();
        for expectation in &link.expect {
            if let Err(error) = expectation.check(&report) {
                broken.push(format!("lab:{}?{}: {error}", link.lab, link.query));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_archives_lesson_links_show_what_they_promise() {
    every_link_shows_what_it_promises("archives");
}

#[test]
fn the_dependent_tests_lesson_links_show_what_they_promise() {
    every_link_shows_what_it_promises("dependent-tests");
}

#[test]
fn the_flash_sale_lesson_links_show_what_they_promise() {
    every_link_shows_what_it_promises("flash-sale");
}

#[test]
fn the_messaging_lesson_links_show_what_they_promise() {
    every_link_shows_what_it_promises("messaging");
}

#[test]
fn the_sockets_lesson_links_show_what_they_promise() {
    every_link_shows_what_it_promises("sockets");
}

/// The list above is every topic: a new lesson gets its links tested too.
#[test]
fn every_topic_has_its_lesson_links_tested() {
    let source = include_str!("lessons.rs");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/lessons/en");
    for entry in std::fs::read_dir(root).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let topic = name.trim_end_matches(".md");
        assert!(
            source.contains(&format!("every_link_shows_what_it_promises(\"{topic}\")")),
            "no test runs the links of the {topic} lesson"
        );
    }
}
