//! Breaking a lesson's lines to a width: by the Unicode line breaking rules, so that Latin text
//! breaks after spaces and Chinese between characters but never before closing punctuation.

use unicode_width::UnicodeWidthStr;

use super::{RichLine, Span, Style};

/// Breaks lines to fit `width` columns. Words break at spaces; Chinese text, which has no
/// spaces, may break between any two characters. Code blocks are left as they are.
pub fn wrap(lines: &[RichLine], width: usize) -> Vec<RichLine> {
    let mut wrapped = Vec::with_capacity(lines.len());
    for line in lines {
        let prefix_width = line.prefix.width();
        let room = width.saturating_sub(prefix_width).max(10);
        if line.is_verbatim() || line.text().width() <= width {
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
