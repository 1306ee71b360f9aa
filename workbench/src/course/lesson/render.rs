//! A lesson shown: wrapped and coloured for a terminal, or as HTML whose lesson links become
//! buttons.

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Parser, Tag, TagEnd};

use lab_core::Registry;

use super::parse::{included_file, options, parse_link};
use super::{Lesson, LessonLink, Style, soft_break, wrap};

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
    let mut events: Vec<Event> = Vec::new();
    // The file the open code block shows, written in before the block ends.
    let mut including: Option<&str> = None;
    for event in Parser::new_ext(&lesson.markdown, options()) {
        let tag = match &event {
            Event::Start(Tag::CodeBlock(kind)) => {
                including = included_file(kind)
                    .and_then(|file| lesson.included.get(file))
                    .map(String::as_str);
                if including.is_some()
                    && let CodeBlockKind::Fenced(info) = kind
                {
                    // Only the language, for the page's highlighting: the path is not a class.
                    let language = info.split_whitespace().next().unwrap_or_default();
                    events.push(Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(
                        CowStr::from(language.to_string()),
                    ))));
                    continue;
                }
                None
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(text) = including.take() {
                    events.push(Event::Text(CowStr::from(text)));
                }
                None
            }
            Event::Start(Tag::Link { dest_url, .. }) => link_tag(dest_url, registry),
            _ => None,
        };
        events.push(tag.map_or(event, |tag| Event::Html(CowStr::from(tag))));
    }
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

/// The button a lesson link becomes; `None` for an ordinary web link (a bad lesson link never
/// gets here: loading refused it).
fn link_tag(dest_url: &str, registry: &Registry) -> Option<String> {
    Some(match parse_link(dest_url, registry)? {
        Ok(LessonLink::Lab { lab, params, .. }) => {
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
        Ok(LessonLink::Exercise { id, .. }) => format!(
            "<a href=\"#\" class=\"open-exercise\" data-exercise=\"{}\">✎ ",
            escape(&id)
        ),
        Err(_) => return None,
    })
}
