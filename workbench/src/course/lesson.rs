//! Lessons: Markdown files read once into styled lines, then shown three ways — printed in the
//! terminal (`workbench lesson`), in a scrolling pane of the terminal UI, and as HTML in the
//! browser.
//!
//! A lesson is plain Markdown with two kinds of links of our own:
//!
//! ```text
//! [Run it](lab:zmq-pubsub?subscribers=3&late-joiner=1)   starts a lab with these settings
//! [Try it](exercise:zmq-sub-topic-b)                     opens an exercise
//! ```
//!
//! Every lab link is checked against the lab's own parameter schema when the lesson loads, so a
//! lesson can never offer a "run this" that fails; a bad one names the file and line.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use lab_core::Registry;

use super::content::Content;
use super::{Lang, TOPICS, line_of};

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
}

/// A link that does something in the workbench.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum LessonLink {
    /// Start a lab with these parameters (the rest keep their defaults).
    Lab {
        lab: String,
        params: Vec<(String, String)>,
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
    let (lines, links) = parse(&markdown, &path, registry)?;
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
    })
}

/// Reads a `lab:` or `exercise:` link; other links are ordinary web links.
fn parse_link(destination: &str, registry: &Registry) -> Option<Result<LessonLink, String>> {
    if let Some(id) = destination.strip_prefix("exercise:") {
        return Some(if id.is_empty() {
            Err("an exercise link needs an id: exercise:<id>".to_string())
        } else {
            Ok(LessonLink::Exercise {
                id: id.to_string(),
                label: String::new(),
            })
        });
    }
    let target = destination.strip_prefix("lab:")?;
    let (lab, query) = target.split_once('?').unwrap_or((target, ""));
    let params: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (name.to_string(), value.to_string())
        })
        .collect();
    Some(match registry.find(lab) {
        None => Err(format!(
            "link to unknown lab '{lab}'; labs: {}",
            registry.ids().join(", ")
        )),
        Some(found) => match found.parse_params(&params) {
            Ok(_) => Ok(LessonLink::Lab {
                lab: lab.to_string(),
                params,
                label: String::new(),
            }),
            Err(error) => Err(format!("link to lab {lab}: {error}")),
        },
    })
}

fn options() -> Options {
    Options::ENABLE_STRIKETHROUGH
}

/// Markdown to styled lines. Errors are `file:line: what`.
pub fn parse(
    markdown: &str,
    path: &str,
    registry: &Registry,
) -> Result<(Vec<RichLine>, Vec<LessonLink>), String> {
    let mut builder = Builder::default();
    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        let at = |message: String| format!("{path}:{}: {message}", line_of(markdown, range.start));
        match event {
            Event::Start(Tag::Heading { .. }) => {
                builder.flush();
                builder.blank();
                builder.styles.push(Style::Heading);
            }
            Event::End(TagEnd::Heading(level)) => {
                builder.styles.pop();
                // Underlined, so a heading stands out even without colours.
                let width = builder.current.iter().map(|span| span.text.width()).sum();
                builder.flush();
                let rule = if level == pulldown_cmark::HeadingLevel::H1 {
                    "═"
                } else {
                    "─"
                };
                builder.push(rule.repeat(width), Style::Heading);
                builder.flush();
                builder.blank();
            }
            Event::End(TagEnd::Paragraph) => {
                builder.flush();
                builder.blank();
            }
            Event::Start(Tag::List(first)) => {
                builder.flush();
                builder.lists.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                builder.flush();
                builder.lists.pop();
                if builder.lists.is_empty() {
                    builder.blank();
                }
            }
            Event::Start(Tag::Item) => {
                builder.flush();
                let marker = match builder.lists.last_mut() {
                    Some(Some(number)) => {
                        *number += 1;
                        format!("{}. ", *number - 1)
                    }
                    _ => "• ".to_string(),
                };
                builder.indents.push(marker.width());
                builder.marker = Some(marker);
            }
            Event::End(TagEnd::Item) => {
                builder.flush();
                builder.indents.pop();
            }
            Event::Start(Tag::CodeBlock(_)) => {
                builder.flush();
                builder.in_code_block = true;
            }
            Event::End(TagEnd::CodeBlock) => {
                builder.in_code_block = false;
                builder.blank();
            }
            Event::Start(Tag::BlockQuote(_)) => {
                builder.flush();
                builder.quotes += 1;
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                builder.flush();
                builder.quotes -= 1;
                builder.blank();
            }
            Event::Start(Tag::Emphasis) => builder.styles.push(Style::Emphasis),
            Event::Start(Tag::Strong) => builder.styles.push(Style::Strong),
            Event::End(TagEnd::Emphasis | TagEnd::Strong) => {
                builder.styles.pop();
            }
            Event::Start(Tag::Link { dest_url, .. }) => match parse_link(&dest_url, registry) {
                Some(Ok(link)) => {
                    let index = builder.links.len();
                    builder.links.push(link);
                    builder.link = Some((index, String::new()));
                    builder.styles.push(Style::Link(index));
                }
                Some(Err(message)) => return Err(at(message)),
                None => {
                    builder.web_link = Some(dest_url.to_string());
                    builder.styles.push(Style::Emphasis);
                }
            },
            Event::End(TagEnd::Link) => {
                builder.styles.pop();
                if let Some((index, label)) = builder.link.take() {
                    match &mut builder.links[index] {
                        LessonLink::Lab { label: slot, .. }
                        | LessonLink::Exercise { label: slot, .. } => *slot = label,
                    }
                    let command = format!(" → {}", builder.links[index].command());
                    builder.push(command, Style::Command(index));
                } else if let Some(url) = builder.web_link.take() {
                    builder.push(format!(" ({url})"), Style::Plain);
                }
            }
            Event::Text(text) if builder.in_code_block => {
                for line in text.lines() {
                    let prefix = builder.prefix() + "    ";
                    builder.lines.push(RichLine {
                        prefix,
                        spans: vec![Span {
                            text: line.to_string(),
                            style: Style::Block,
                        }],
                    });
                }
            }
            Event::Text(text) | Event::Html(text) | Event::InlineHtml(text) => builder.text(&text),
            Event::Code(code) => builder.push(code.to_string(), Style::Code),
            // Decided when the next text comes: a space, or nothing between Chinese characters.
            Event::SoftBreak => builder.soft_break = true,
            Event::HardBreak => builder.flush(),
            Event::Rule => {
                builder.flush();
                builder.push("─".repeat(40), Style::Plain);
                builder.flush();
                builder.blank();
            }
            _ => {}
        }
    }
    builder.flush();
    while builder
        .lines
        .last()
        .is_some_and(|line| line.spans.is_empty())
    {
        builder.lines.pop();
    }
    Ok((builder.lines, builder.links))
}

/// What a line break inside a paragraph becomes between `before` and `after`: nothing between
/// two Chinese (or other wide) characters, which are written without spaces, and one space
/// otherwise, also between Chinese and Latin text.
pub fn soft_break(before: char, after: char) -> &'static str {
    let wide = |character: char| unicode_width::UnicodeWidthChar::width(character) == Some(2);
    if wide(before) && wide(after) { "" } else { " " }
}

/// Punctuation that closes or ends a phrase and so sticks to what comes before it.
fn closes(character: char) -> bool {
    matches!(
        unicode_linebreak::break_property(character as u32),
        unicode_linebreak::BreakClass::ClosePunctuation
            | unicode_linebreak::BreakClass::CloseParenthesis
            | unicode_linebreak::BreakClass::Exclamation
            | unicode_linebreak::BreakClass::InfixSeparator
    )
}

#[derive(Default)]
struct Builder {
    lines: Vec<RichLine>,
    current: Vec<Span>,
    styles: Vec<Style>,
    /// One entry per open list: the next number, or `None` for bullets.
    lists: Vec<Option<u64>>,
    /// The width each open list item indents its lines by.
    indents: Vec<usize>,
    /// The bullet or number the next line starts with.
    marker: Option<String>,
    quotes: usize,
    in_code_block: bool,
    links: Vec<LessonLink>,
    /// The lesson link being read, with its label so far.
    link: Option<(usize, String)>,
    web_link: Option<String>,
    /// A line break inside a paragraph, waiting for the text after it.
    soft_break: bool,
}

impl Builder {
    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or(Style::Plain)
    }

    fn text(&mut self, text: &str) {
        if let Some((_, label)) = &mut self.link {
            label.push_str(text);
        }
        self.push(text.to_string(), self.style());
    }

    fn push(&mut self, text: String, style: Style) {
        let before = self.current.last().and_then(|span| {
            let command = matches!(span.style, Style::Command(_));
            Some((span.text.chars().last()?, command))
        });
        let after = text.chars().next();
        if let (Some((before, after_command)), Some(after)) = (before, after) {
            let space = if std::mem::take(&mut self.soft_break) {
                soft_break(before, after)
            } else if after_command && !after.is_whitespace() && !closes(after) {
                // A lab link's command is not glued to the word after it.
                " "
            } else {
                ""
            };
            if !space.is_empty() {
                self.current.push(Span {
                    text: space.to_string(),
                    style: Style::Plain,
                });
            }
        }
        self.soft_break = false;
        self.current.push(Span { text, style });
    }

    fn prefix(&mut self) -> String {
        let mut prefix = "│ ".repeat(self.quotes);
        let last = self.indents.len().saturating_sub(1);
        for (level, width) in self.indents.iter().enumerate() {
            match self.marker.take() {
                Some(marker) if level == last => prefix.push_str(&marker),
                other => {
                    self.marker = other;
                    prefix.push_str(&" ".repeat(*width));
                }
            }
        }
        prefix
    }

    fn flush(&mut self) {
        self.soft_break = false;
        if self.current.is_empty() {
            return;
        }
        let prefix = self.prefix();
        let spans = std::mem::take(&mut self.current);
        self.lines.push(RichLine { prefix, spans });
    }

    fn blank(&mut self) {
        if self.lines.last().is_some_and(|line| !line.spans.is_empty()) {
            self.lines.push(RichLine::default());
        }
    }
}

/// Breaks lines to fit `width` columns. Words break at spaces; Chinese text, which has no
/// spaces, may break between any two characters. Code blocks are left as they are.
pub fn wrap(lines: &[RichLine], width: usize) -> Vec<RichLine> {
    let mut wrapped = Vec::with_capacity(lines.len());
    for line in lines {
        let prefix_width = line.prefix.width();
        let room = width.saturating_sub(prefix_width).max(10);
        let verbatim = line.spans.iter().all(|span| span.style == Style::Block);
        if verbatim || line.text().width() <= width {
            wrapped.push(line.clone());
            continue;
        }
        let continuation = " ".repeat(prefix_width);
        let mut current = RichLine {
            prefix: line.prefix.clone(),
            spans: Vec::new(),
        };
        let mut used = 0;
        for word in words(&line.spans) {
            let word_width: usize = word.iter().map(|(text, _)| text.width()).sum();
            let visible_width = word_width - trailing_spaces(&word);
            if used > 0 && used + visible_width > room {
                trim_end(&mut current);
                wrapped.push(current);
                current = RichLine {
                    prefix: continuation.clone(),
                    spans: Vec::new(),
                };
                used = 0;
            }
            for (text, style) in word {
                let text = if used == 0 { text.trim_start() } else { text };
                used += text.width();
                match current.spans.last_mut() {
                    Some(last) if last.style == style => last.text.push_str(text),
                    _ => current.spans.push(Span {
                        text: text.to_string(),
                        style,
                    }),
                }
            }
        }
        wrapped.push(current);
    }
    wrapped
}

fn trim_end(line: &mut RichLine) {
    if let Some(last) = line.spans.last_mut() {
        let kept = last.text.trim_end().len();
        last.text.truncate(kept);
    }
}

fn trailing_spaces(word: &[(&str, Style)]) -> usize {
    word.last()
        .map(|(text, _)| text.len() - text.trim_end_matches(' ').len())
        .unwrap_or(0)
}

/// Splits styled text into the units a line may break between, by the Unicode line breaking
/// rules (UAX #14): after a space, between two Chinese characters, but never before closing
/// punctuation (。，、；：？！）」』》) nor after opening punctuation (（「『《). Inline code breaks
/// only at its spaces, and a whole command, which is copied into a shell, never.
fn words(spans: &[Span]) -> Vec<Vec<(&str, Style)>> {
    let joined: String = spans.iter().map(|span| span.text.as_str()).collect();
    let mut edges = Vec::with_capacity(spans.len());
    let mut offset = 0;
    for span in spans {
        edges.push((offset, offset + span.text.len(), span.style));
        offset += span.text.len();
    }
    let style_at = |at: usize| {
        edges
            .iter()
            .find(|(start, end, _)| *start <= at && at < *end)
            .map(|(start, _, style)| (*start, *style))
    };
    let mut breaks: Vec<usize> = unicode_linebreak::linebreaks(&joined)
        .map(|(at, _)| at)
        .filter(|at| *at > 0 && *at < joined.len())
        .filter(|at| match style_at(*at) {
            // Inside a command: never (its first byte is its own edge, added below).
            Some((start, Style::Command(_))) => *at == start,
            // Inside inline code: only after one of its spaces.
            Some((start, Style::Code)) => *at == start || joined[..*at].ends_with(' '),
            _ => true,
        })
        .collect();
    // A command stands apart from what comes before and after it.
    for (start, end, style) in &edges {
        if matches!(style, Style::Command(_)) {
            breaks.extend(
                [*start, *end]
                    .into_iter()
                    .filter(|at| *at > 0 && *at < joined.len()),
            );
        }
    }
    breaks.sort_unstable();
    breaks.dedup();
    let mut words = Vec::with_capacity(breaks.len() + 1);
    let mut from = 0;
    for to in breaks.into_iter().chain([joined.len()]) {
        let word: Vec<(&str, Style)> = spans
            .iter()
            .zip(&edges)
            .filter(|(_, (start, end, _))| *start < to && from < *end)
            .map(|(span, (start, end, style))| {
                let (a, b) = (from.max(*start) - start, to.min(*end) - start);
                (&span.text[a..b], *style)
            })
            .filter(|(text, _)| !text.is_empty())
            .collect();
        if !word.is_empty() {
            words.push(word);
        }
        from = to;
    }
    words
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
    })
}

/// The lesson for a terminal: wrapped to `width`, with colours when `colour` is set.
pub fn to_terminal(lesson: &Lesson, width: usize, colour: bool) -> String {
    let mut out = String::new();
    for line in wrap(&lesson.lines, width) {
        out.push_str(&line.prefix);
        for span in &line.spans {
            let code = match span.style {
                Style::Plain => "",
                Style::Strong => "1",
                Style::Emphasis => "3",
                Style::Code | Style::Block => "33",
                Style::Heading => "1;36",
                Style::Link(_) => "4;34",
                Style::Command(_) => "32",
            };
            if colour && !code.is_empty() {
                out.push_str(&format!("\x1b[{code}m{}\x1b[0m", span.text));
            } else {
                out.push_str(&span.text);
            }
        }
        out.push('\n');
    }
    out
}

/// The lesson as HTML for the browser. Lab and exercise links become buttons that the page's
/// script wires up through their `data-` attributes.
pub fn to_html(lesson: &Lesson, registry: &Registry) -> String {
    let mut html = String::new();
    let events = Parser::new_ext(&lesson.markdown, options()).map(|event| {
        let Event::Start(Tag::Link { dest_url, .. }) = &event else {
            return event;
        };
        let tag = match parse_link(dest_url, registry) {
            Some(Ok(LessonLink::Lab { lab, params, .. })) => {
                let params: serde_json::Map<String, serde_json::Value> = params
                    .into_iter()
                    .map(|(name, value)| (name, serde_json::Value::String(value)))
                    .collect();
                format!(
                    "<a href=\"#\" class=\"run-lab\" data-lab=\"{}\" data-params=\"{}\">▶ ",
                    escape(&lab),
                    escape(&serde_json::Value::Object(params).to_string())
                )
            }
            Some(Ok(LessonLink::Exercise { id, .. })) => format!(
                "<a href=\"#\" class=\"open-exercise\" data-exercise=\"{}\">✎ ",
                escape(&id)
            ),
            // An ordinary web link (a bad lesson link never gets here: loading refused it).
            _ => return event,
        };
        Event::Html(CowStr::from(tag))
    });
    let mut events: Vec<Event> = events.collect();
    // A line break inside a paragraph shows as a space in a browser; between two Chinese
    // characters it must be nothing.
    let last_char = |event: &Event| match event {
        Event::Text(text) | Event::Code(text) => text.chars().last(),
        _ => None,
    };
    let first_char = |event: &Event| match event {
        Event::Text(text) | Event::Code(text) => text.chars().next(),
        _ => None,
    };
    for at in 1..events.len().saturating_sub(1) {
        if matches!(events[at], Event::SoftBreak)
            && let (Some(before), Some(after)) =
                (last_char(&events[at - 1]), first_char(&events[at + 1]))
            && soft_break(before, after).is_empty()
        {
            events[at] = Event::Text(CowStr::Borrowed(""));
        }
    }
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
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
        let (lines, links) = parsed("[Run it](lab:zmq-pubsub?subscribers=3&rate=500)\n");
        assert_eq!(
            links,
            [LessonLink::Lab {
                lab: "zmq-pubsub".into(),
                params: vec![
                    ("subscribers".into(), "3".into()),
                    ("rate".into(), "500".into())
                ],
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
        let (lines, _) = parsed("试试 [抢购](lab:flash-sale)在一次突发里。\n");
        let text = texts(&lines).join("");
        assert!(
            text.contains("workbench lab flash-sale 在一次突发里"),
            "{text}"
        );
        let (lines, _) = parsed("Try [it](lab:flash-sale), then read on.\n");
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
            markdown: "# T\n\n[Run](lab:zmq-pubsub?rate=500) and [web](https://zeromq.org)\n"
                .into(),
            lines: Vec::new(),
            links: Vec::new(),
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
