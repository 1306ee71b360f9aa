//! Markdown into the lesson's styled lines: headings, paragraphs, lists, quotes, code blocks,
//! and the lesson links (`lab:` and `exercise:`), each checked against the registry. A line break
//! inside a paragraph becomes a space, except between two Chinese characters. A code block
//! whose info string names a file (```` ```php file=php/sockets/select_server.php ````) is left
//! empty in the lesson and shows that file of the content: the lesson includes the code a test
//! runs, it never keeps a copy that could drift.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use unicode_width::UnicodeWidthStr;

use lab_core::{Expectation, Registry};

use super::{Included, LessonLink, RichLine, Span, Style};
use crate::course::line_of;

/// Reads a `lab:` or `exercise:` link; other links are ordinary web links.
pub(super) fn parse_link(
    destination: &str,
    registry: &Registry,
) -> Option<Result<LessonLink, String>> {
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
    let mut params: Vec<(String, String)> = Vec::new();
    let mut expect = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if name == EXPECT {
            match Expectation::parse(value) {
                Ok(expectation) => expect.push(expectation),
                Err(error) => return Some(Err(format!("link to lab {lab}: {error}"))),
            }
        } else {
            params.push((name.to_string(), value.to_string()));
        }
    }
    Some(match registry.find(lab) {
        None => Err(format!(
            "link to unknown lab '{lab}'; labs: {}",
            registry.ids().join(", ")
        )),
        Some(found) => match found.accepts(&params) {
            // A link that promises nothing cannot be held to showing its point.
            Ok(_) if expect.is_empty() => Err(format!(
                "link to lab {lab} does not say what it shows: add {EXPECT}=<counter>>N \
                 (or {EXPECT}=passed, {EXPECT}=failed) to its settings"
            )),
            Ok(_) => Ok(LessonLink::Lab {
                lab: lab.to_string(),
                params,
                expect,
                label: String::new(),
            }),
            Err(error) => Err(format!("link to lab {lab}: {error}")),
        },
    })
}

/// The link setting that is not the lab's: what the link promises to show.
pub const EXPECT: &str = "expect";

pub(super) fn options() -> Options {
    Options::ENABLE_STRIKETHROUGH
}

/// The file a fenced code block includes: its info string's `file=<path in the content>`.
pub(super) fn included_file<'a>(kind: &'a CodeBlockKind<'_>) -> Option<&'a str> {
    let CodeBlockKind::Fenced(info) = kind else {
        return None;
    };
    info.split_whitespace()
        .find_map(|word| word.strip_prefix("file="))
}

/// Markdown to styled lines. Errors are `file:line: what`.
pub fn parse(
    markdown: &str,
    path: &str,
    registry: &Registry,
) -> Result<(Vec<RichLine>, Vec<LessonLink>), String> {
    parse_including(markdown, path, registry, &Included::new())
}

/// [`parse`], with the text of the files its code blocks include.
pub fn parse_including(
    markdown: &str,
    path: &str,
    registry: &Registry,
    included: &Included,
) -> Result<(Vec<RichLine>, Vec<LessonLink>), String> {
    let mut builder = Builder::default();
    // The file the open code block shows instead of its own (empty) text.
    let mut including: Option<String> = None;
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
            Event::Start(Tag::CodeBlock(kind)) => {
                builder.flush();
                builder.in_code_block = true;
                including = included_file(&kind).map(str::to_string);
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(file) = including.take() {
                    let text = included.get(&file).ok_or_else(|| {
                        at(format!("the file {file} this block includes was not read"))
                    })?;
                    builder.code(text);
                }
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
            Event::Text(_) if including.is_some() => {
                return Err(at(format!(
                    "this block includes {}, so it must be empty: the file is shown in its place",
                    including.unwrap_or_default()
                )));
            }
            Event::Text(text) if builder.in_code_block => builder.code(&text),
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

    /// The lines of a code block, shown as they are.
    fn code(&mut self, text: &str) {
        for line in text.lines() {
            let prefix = self.prefix() + "    ";
            self.lines.push(RichLine {
                prefix,
                spans: vec![Span {
                    text: line.to_string(),
                    style: Style::Block,
                }],
            });
        }
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
