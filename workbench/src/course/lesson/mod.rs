//! Lessons: Markdown files read once into styled lines, then shown three ways — printed in the
//! terminal (`workbench lesson`), in a scrolling pane of the terminal UI, and as HTML in the
//! browser.
//!
//! A lesson is plain Markdown with two kinds of links of our own:
//!
//! ```text
//! [Run it](lab:zmq-pubsub?late-joiner=1&expect=missed>0)   starts a lab with these settings
//! [Try it](exercise:zmq-sub-topic-b)                        opens an exercise
//! ```
//!
//! Every lab link is checked against the lab's own parameter schema when the lesson loads, so a
//! lesson can never offer a "run this" that fails; a bad one names the file and line. Every lab
//! link also says what its run shows (`expect=`, see [`lab_core::Expectation`]), and a test runs
//! each link for a few seconds and holds it to that.
//!
//! - [`parse`]: Markdown into styled lines, with the lesson links checked;
//! - [`wrap`]: those lines broken to a width by the Unicode rules;
//! - [`render`]: the lesson for a terminal, and as HTML.

mod parse;
mod render;
mod wrap;

use serde::Serialize;

use lab_core::{Expectation, Registry};

pub use parse::{parse, parse_including, soft_break};
pub use render::{to_html, to_terminal};
pub use wrap::wrap;

use super::content::Content;
use super::{Lang, TOPICS};

/// A lesson, parsed and checked.
pub struct Lesson {
    pub topic: String,
    /// The language it is really in (English when the asked-for translation is missing).
    pub lang: Lang,
    /// The text of the first heading.
    pub title: String,
    pub markdown: String,
    /// The lesson as styled lines, not yet wrapped to a width.
    pub lines: Vec<RichLine>,
    /// The lab and exercise links, in order; [`Style::Link`] spans point into this.
    pub links: Vec<LessonLink>,
    /// The files its code blocks include, by their path in the content.
    pub included: Included,
}

/// The text of the files a lesson's code blocks include (```` ```php file=<path> ````), by their
/// path inside the content folder.
pub type Included = std::collections::BTreeMap<String, String>;

/// Reads every file the lesson's code blocks include; a missing one names the lesson's line.
fn read_included(markdown: &str, path: &str, content: &Content) -> Result<Included, String> {
    let mut included = Included::new();
    for (event, range) in
        pulldown_cmark::Parser::new_ext(markdown, parse::options()).into_offset_iter()
    {
        let pulldown_cmark::Event::Start(pulldown_cmark::Tag::CodeBlock(kind)) = event else {
            continue;
        };
        let Some(file) = parse::included_file(&kind) else {
            continue;
        };
        let line = crate::course::line_of(markdown, range.start);
        // Only a file of the content: a lesson never shows what lies outside it.
        let inside = std::path::Path::new(file)
            .components()
            .all(|part| matches!(part, std::path::Component::Normal(_)));
        if !inside || file.contains('\\') {
            return Err(format!(
                "{path}:{line}: the block includes {file}: name a file inside the content folder (like php/sockets/select_server.php), without .. or a leading /"
            ));
        }
        let text = content.read(file).ok_or_else(|| {
            format!(
                "{path}:{line}: the block includes {}, which is not in the content",
                content.display(file)
            )
        })?;
        included.insert(file.to_string(), text);
    }
    Ok(included)
}

/// A link that does something in the workbench.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum LessonLink {
    /// Start a lab with these parameters (the rest keep their defaults).
    Lab {
        lab: String,
        params: Vec<(String, String)>,
        /// What the link promises the run shows (its `expect=` settings), checked by a test.
        expect: Vec<Expectation>,
        label: String,
    },
    Exercise {
        id: String,
        label: String,
    },
}

impl LessonLink {
    /// The command that does the same from a shell.
    pub fn command(&self) -> String {
        match self {
            LessonLink::Lab { lab, params, .. } => {
                let mut command = format!("workbench lab {lab}");
                for (name, value) in params {
                    command.push_str(&format!(" --{name} {value}"));
                }
                command
            }
            LessonLink::Exercise { id, .. } => format!("workbench exercise show {id}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Strong,
    Emphasis,
    /// `inline code`.
    Code,
    Heading,
    /// A line of a code block or diagram: shown as is, never wrapped.
    Block,
    /// The label of link number N in [`Lesson::links`].
    Link(usize),
    /// The shell command of link number N.
    Command(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    pub text: String,
    pub style: Style,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RichLine {
    /// Indentation, list bullet or quote bar, in front of the text.
    pub prefix: String,
    pub spans: Vec<Span>,
}

impl RichLine {
    pub fn text(&self) -> String {
        let mut text = self.prefix.clone();
        for span in &self.spans {
            text.push_str(&span.text);
        }
        text
    }

    /// A line of a code block or diagram, shown as it is and never wrapped.
    pub fn is_verbatim(&self) -> bool {
        !self.spans.is_empty() && self.spans.iter().all(|span| span.style == Style::Block)
    }

    /// The link this line shows, if any.
    pub fn link(&self) -> Option<usize> {
        self.spans.iter().find_map(|span| match span.style {
            Style::Link(index) | Style::Command(index) => Some(index),
            _ => None,
        })
    }
}

fn path_of(topic: &str, lang: Lang) -> String {
    format!("lessons/{}/{topic}.md", lang.code())
}

/// Loads and checks a lesson; a missing translation falls back to English.
pub fn load(
    content: &Content,
    registry: &Registry,
    topic: &str,
    lang: Lang,
) -> Result<Lesson, String> {
    if !TOPICS.contains(&topic) {
        return Err(format!(
            "unknown lesson '{topic}'; lessons: {} (see `workbench lesson`)",
            TOPICS.join(", ")
        ));
    }
    let (lang, markdown) = [lang, Lang::En]
        .into_iter()
        .find_map(|lang| Some((lang, content.read(&path_of(topic, lang))?)))
        .ok_or_else(|| {
            format!(
                "the lesson '{topic}' is missing: no {} in the content",
                content.display(&path_of(topic, Lang::En))
            )
        })?;
    let path = content.display(&path_of(topic, lang));
    let included = read_included(&markdown, &path, content)?;
    let (lines, links) = parse_including(&markdown, &path, registry, &included)?;
    let title = lines
        .iter()
        .find(|line| {
            line.spans
                .first()
                .is_some_and(|span| span.style == Style::Heading)
        })
        .map(|line| line.text().trim().to_string())
        .ok_or_else(|| format!("{path}:1: a lesson starts with a `# Title` heading"))?;
    Ok(Lesson {
        topic: topic.to_string(),
        lang,
        title,
        markdown,
        lines,
        links,
        included,
    })
}

/// The part of a lesson under one heading, up to the next heading, as a lesson of its own.
pub fn section(lesson: &Lesson, heading: &str) -> Option<Lesson> {
    let is_heading = |line: &RichLine| {
        line.spans
            .first()
            .is_some_and(|span| span.style == Style::Heading)
    };
    let start = lesson
        .lines
        .iter()
        .position(|line| is_heading(line) && line.text().trim() == heading)?;
    // The heading and its underline, then everything to the next heading.
    let end = lesson.lines[start + 2..]
        .iter()
        .position(is_heading)
        .map_or(lesson.lines.len(), |offset| start + 2 + offset);
    let mut lines = lesson.lines[start..end].to_vec();
    while lines.last().is_some_and(|line| line.spans.is_empty()) {
        lines.pop();
    }
    Some(Lesson {
        topic: lesson.topic.clone(),
        lang: lesson.lang,
        title: heading.to_string(),
        markdown: String::new(),
        lines,
        links: lesson.links.clone(),
        included: Included::new(),
    })
}

/// Every lesson in the content, as (topic, languages it has).
pub fn available(content: &Content) -> Vec<(&'static str, Vec<Lang>)> {
    TOPICS
        .iter()
        .map(|topic| {
            let langs = [Lang::En, Lang::Zh]
                .into_iter()
                .filter(|lang| content.read(&path_of(topic, *lang)).is_some())
                .collect();
            (*topic, langs)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use unicode_width::UnicodeWidthStr as _;

    use super::*;

    fn registry() -> Registry {
        crate::labs::registry()
    }

    fn parsed(markdown: &str) -> (Vec<RichLine>, Vec<LessonLink>) {
        parse(markdown, "test.md", &registry()).expect("parses")
    }

    fn texts(lines: &[RichLine]) -> Vec<String> {
        lines.iter().map(RichLine::text).collect()
    }

    #[test]
    fn headings_paragraphs_lists_and_code_become_lines() {
        let (lines, _) = parsed(
            "# Title\n\nSome *text* and `code`.\n\n- one\n- two\n  1. first\n  2. second\n\n```\n  diagram ─┐\n```\n\n> careful\n",
        );
        assert_eq!(
            texts(&lines),
            [
                "Title",
                "═════",
                "",
                "Some text and code.",
                "",
                "• one",
                "• two",
                "  1. first",
                "  2. second",
                "",
                "      diagram ─┐",
                "",
                "│ careful",
            ]
        );
        assert_eq!(lines[0].spans[0].style, Style::Heading);
        assert!(
            lines[3]
                .spans
                .iter()
                .any(|span| span.style == Style::Code && span.text == "code")
        );
    }

    #[test]
    fn a_lab_link_carries_its_parameters_and_shows_its_command() {
        let (lines, links) =
            parsed("[Run it](lab:zmq-pubsub?subscribers=3&rate=500&expect=sent>0)\n");
        assert_eq!(
            links,
            [LessonLink::Lab {
                lab: "zmq-pubsub".into(),
                params: vec![
                    ("subscribers".into(), "3".into()),
                    ("rate".into(), "500".into())
                ],
                expect: vec![Expectation::parse("sent>0").unwrap()],
                label: "Run it".into(),
            }]
        );
        assert_eq!(
            lines[0].text(),
            "Run it → workbench lab zmq-pubsub --subscribers 3 --rate 500"
        );
        assert_eq!(lines[0].link(), Some(0));
    }

    #[test]
    fn a_lab_link_must_say_what_it_shows_in_a_form_we_can_check() {
        let error =
            parse("# T\n\n[x](lab:zmq-pubsub?rate=500)\n", "l.md", &registry()).unwrap_err();
        assert!(
            error.starts_with("l.md:3: ") && error.contains("add expect="),
            "{error}"
        );
        let error = parse("[x](lab:zmq-pubsub?expect=dropped)\n", "l.md", &registry()).unwrap_err();
        assert!(error.contains("expect=dropped: no comparison"), "{error}");
    }

    #[test]
    fn a_bad_lab_link_names_the_file_and_line() {
        let error = parse(
            "# T\n\ntext\n\n[x](lab:zmq-pubsub?rate=fast)\n",
            "l.md",
            &registry(),
        )
        .unwrap_err();
        assert!(
            error.starts_with("l.md:5: link to lab zmq-pubsub:"),
            "{error}"
        );
        assert!(error.contains("rate"), "{error}");
        let error = parse("[x](lab:zmq-nothing)\n", "l.md", &registry()).unwrap_err();
        assert!(
            error.starts_with("l.md:1: link to unknown lab 'zmq-nothing'"),
            "{error}"
        );
    }

    #[test]
    fn wrapping_breaks_words_at_spaces_and_chinese_anywhere() {
        let (lines, _) = parsed("- alpha beta gamma delta epsilon\n");
        let wrapped = texts(&wrap(&lines, 16));
        assert_eq!(wrapped, ["• alpha beta", "  gamma delta", "  epsilon"]);
        let (lines, _) = parsed("Say **hello**, then `recv`.\n");
        let wrapped = texts(&wrap(&lines, 12));
        assert_eq!(
            wrapped,
            ["Say hello,", "then recv."],
            "no break before the comma"
        );
        let (lines, _) = parsed("订阅者没有订阅时什么也收不到。\n");
        let wrapped = wrap(&lines, 12);
        assert!(wrapped.len() > 1);
        for line in &wrapped {
            assert!(line.text().width() <= 12, "{:?}", line.text());
        }
        assert_eq!(
            wrapped.iter().map(RichLine::text).collect::<String>(),
            "订阅者没有订阅时什么也收不到。"
        );
    }

    #[test]
    fn a_line_break_in_chinese_is_nothing_and_beside_latin_a_space() {
        let (lines, _) =
            parsed("放在同一个事务里，\n并且写入磁盘。真实客户端\n会等待，然后\naccept 返回。\n");
        assert_eq!(
            texts(&lines),
            ["放在同一个事务里，并且写入磁盘。真实客户端会等待，然后 accept 返回。"]
        );
        let (lines, _) = parsed("call accept\n然后读。\n");
        assert_eq!(texts(&lines), ["call accept 然后读。"]);
        let lesson = |markdown: &str| Lesson {
            topic: "sockets".into(),
            lang: Lang::Zh,
            title: "T".into(),
            markdown: markdown.into(),
            lines: Vec::new(),
            links: Vec::new(),
            included: Included::new(),
        };
        let html = to_html(
            &lesson("放在同一个事务里，\n并且写入磁盘，然后\naccept\n返回。\n"),
            &registry(),
        );
        assert!(html.contains("放在同一个事务里，并且写入磁盘"), "{html}");
        // Beside Latin text the break stays, and a browser shows it as one space.
        assert!(html.contains("然后\naccept\n返回"), "{html}");
    }

    #[test]
    fn a_lab_link_is_not_glued_to_the_word_after_it() {
        let (lines, _) = parsed("试试 [抢购](lab:flash-sale?expect=sold>0)在一次突发里。\n");
        let text = texts(&lines).join("");
        assert!(
            text.contains("workbench lab flash-sale 在一次突发里"),
            "{text}"
        );
        let (lines, _) = parsed("Try [it](lab:flash-sale?expect=sold>0), then read on.\n");
        let text = texts(&lines).join("");
        assert!(text.contains("workbench lab flash-sale, then"), "{text}");
    }

    /// The Unicode rules with Chinese punctuation: no line starts with closing punctuation or
    /// ends with opening punctuation, in every shipped Chinese lesson at several widths; and
    /// what is wrapped is what was written.
    #[test]
    fn chinese_lessons_wrap_by_the_punctuation_rules() {
        const NO_START: &str = "。，、；：？！）」』》";
        const NO_END: &str = "（「『《";
        let content = Content::Embedded;
        let registry = registry();
        let mut checked = 0;
        for (topic, langs) in available(&content) {
            if !langs.contains(&Lang::Zh) {
                continue;
            }
            let lesson = load(&content, &registry, topic, Lang::Zh).unwrap();
            for width in [36, 50, 64, 80] {
                for (number, line) in wrap(&lesson.lines, width).iter().enumerate() {
                    if line.spans.iter().all(|span| span.style == Style::Block) {
                        continue;
                    }
                    let body: String = line.spans.iter().map(|span| span.text.as_str()).collect();
                    let body = body.trim();
                    checked += 1;
                    assert!(
                        !body.starts_with(|c| NO_START.contains(c)),
                        "{topic} at {width} columns, line {number} starts with closing punctuation: {body:?}"
                    );
                    assert!(
                        !body.ends_with(|c| NO_END.contains(c)),
                        "{topic} at {width} columns, line {number} ends with opening punctuation: {body:?}"
                    );
                }
            }
        }
        assert!(
            checked > 500,
            "the Chinese lessons were read: {checked} lines"
        );
        let (lines, _) =
            parsed("它会阻塞（一直等到有连接进来）。然后调用 `socket_select`，再读。\n");
        for width in 8..40 {
            let wrapped = wrap(&lines, width);
            assert_eq!(
                wrapped
                    .iter()
                    .map(|line| line.text().replace(' ', ""))
                    .collect::<String>(),
                "它会阻塞（一直等到有连接进来）。然后调用socket_select，再读。",
                "at {width} columns nothing is lost"
            );
            for line in &wrapped {
                let text = line.text();
                assert!(
                    !text.trim().starts_with(|c| NO_START.contains(c)),
                    "{width}: {text:?}"
                );
                // Inline code is not split.
                assert!(
                    !text.contains("socket_") || text.contains("socket_select"),
                    "{width}: {text:?}"
                );
            }
        }
    }

    #[test]
    fn html_turns_lab_links_into_buttons() {
        let lesson = Lesson {
            topic: "messaging".into(),
            lang: Lang::En,
            title: "T".into(),
            markdown: "# T\n\n[Run](lab:zmq-pubsub?rate=500&expect=sent>0) and [web](https://zeromq.org)\n"
                .into(),
            lines: Vec::new(),
            links: Vec::new(),
            included: Included::new(),
        };
        let html = to_html(&lesson, &registry());
        assert!(
            html.contains("<a href=\"#\" class=\"run-lab\" data-lab=\"zmq-pubsub\" data-params=\"{&quot;rate&quot;:&quot;500&quot;}\">▶ Run</a>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"https://zeromq.org\">web</a>"),
            "{html}"
        );
    }

    /// A teacher's content folder with a sockets lesson that includes `php/sockets/<file>`.
    fn folder_with_lesson(markdown: &str, php: &str) -> tempfile::TempDir {
        let folder = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(folder.path().join("lessons/en")).unwrap();
        std::fs::create_dir_all(folder.path().join("php/sockets")).unwrap();
        std::fs::write(folder.path().join("lessons/en/sockets.md"), markdown).unwrap();
        std::fs::write(folder.path().join("php/sockets/server.php"), php).unwrap();
        folder
    }

    #[test]
    fn a_code_block_can_include_a_file_of_the_content_and_shows_it_everywhere() {
        let php = "<?php\n$a = 1 < 2;\necho \"ok\\n\";\n";
        let folder = folder_with_lesson(
            "# T\n\nThe server:\n\n```php file=php/sockets/server.php\n```\n\nAfter.\n",
            php,
        );
        let content = Content::Folder(folder.path().to_path_buf());
        let lesson = load(&content, &registry(), "sockets", Lang::En).unwrap();
        let blocks: Vec<String> = lesson
            .lines
            .iter()
            .filter(|line| line.is_verbatim())
            .map(|line| line.spans[0].text.clone())
            .collect();
        assert_eq!(blocks, php.lines().collect::<Vec<_>>());
        let html = to_html(&lesson, &registry());
        assert!(
            html.contains("<pre><code class=\"language-php\">&lt;?php\n$a = 1 &lt; 2;"),
            "{html}"
        );
        assert!(!html.contains("file="), "{html}");
    }

    #[test]
    fn an_included_file_that_is_missing_or_a_block_that_copies_it_names_the_line() {
        let folder = folder_with_lesson("# T\n\n```php file=php/sockets/gone.php\n```\n", "");
        let content = Content::Folder(folder.path().to_path_buf());
        let Err(error) = load(&content, &registry(), "sockets", Lang::En) else {
            panic!("a missing file loads");
        };
        assert!(error.contains("sockets.md:3:"), "{error}");
        assert!(error.contains("php/sockets/gone.php"), "{error}");
        let folder = folder_with_lesson(
            "# T\n\n```php file=php/sockets/server.php\n<?php // a copy\n```\n",
            "<?php\n",
        );
        let content = Content::Folder(folder.path().to_path_buf());
        let Err(error) = load(&content, &registry(), "sockets", Lang::En) else {
            panic!("a block with its own copy loads");
        };
        assert!(error.contains("sockets.md:4:"), "{error}");
        assert!(error.contains("must be empty"), "{error}");
        // Nothing outside the content folder, however the path is written.
        for outside in ["../secret.php", "/etc/passwd", "php/../../secret.php"] {
            let folder = folder_with_lesson(&format!("# T\n\n```php file={outside}\n```\n"), "");
            let content = Content::Folder(folder.path().to_path_buf());
            let Err(error) = load(&content, &registry(), "sockets", Lang::En) else {
                panic!("{outside} is shown");
            };
            assert!(error.contains("inside the content folder"), "{error}");
        }
    }

    #[test]
    fn colour_only_when_asked() {
        let lesson = load(&Content::Embedded, &registry(), "messaging", Lang::En).unwrap();
        let plain = to_terminal(&lesson, 80, false);
        assert!(!plain.contains('\x1b'));
        assert!(plain.starts_with(&lesson.title));
        assert!(to_terminal(&lesson, 80, true).contains("\x1b[1;36m"));
        for line in plain.lines() {
            let is_code = lesson.lines.iter().any(|rich| {
                rich.text() == line && rich.spans.iter().all(|s| s.style == Style::Block)
            });
            assert!(is_code || line.width() <= 80, "too wide: {line}");
        }
    }

    #[test]
    fn every_shipped_lesson_loads_in_both_languages() {
        for topic in TOPICS {
            for lang in [Lang::En, Lang::Zh] {
                let lesson = load(&Content::Embedded, &registry(), topic, lang)
                    .unwrap_or_else(|error| panic!("{error}"));
                assert_eq!(
                    lesson.lang,
                    lang,
                    "{topic} has no {} translation",
                    lang.code()
                );
            }
        }
    }
}
