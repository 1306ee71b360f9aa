//! The workbench in two languages: every sentence a person reads comes from one message
//! catalogue, by a stable id, in English (`locales/en.ftl`) or Chinese (`locales/zh-CN.ftl`).
//!
//! The catalogue is written in [Fluent](https://projectfluent.org), so a message can hold
//! values (`{ $passed } passed`) and choose its words by number (`{ $count -> [one] … *[other]
//! … }`) in each language's own way; Chinese needs no plural forms at all. Code asks for a
//! message with [`tr!`]:
//!
//! ```
//! use lab_i18n::{Lang, tr};
//! assert_eq!(tr!(Lang::En, "check-pass"), "PASS");
//! assert_eq!(tr!(Lang::Zh, "check-pass"), "通过");
//! let line = tr!(Lang::Zh, "check-summary", passed = 3, failed = 1, score = 3, max_score = 4, seed = 7);
//! assert!(line.starts_with("3 项通过"), "{line}");
//! ```
//!
//! Machine output (JSON, recordings) keeps its own stable ids and never goes through here:
//! a script must not break when the language changes.
//!
//! The language is chosen once per process ([`choose`]): `--lang`, else `LANGUAGE`, `LC_ALL`,
//! `LC_MESSAGES`, `LANG`. A server that answers many people passes each one's [`Lang`] instead.

use std::borrow::Cow;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The catalogues, built into the binary.
const ENGLISH: &str = include_str!("../locales/en.ftl");
const CHINESE: &str = include_str!("../locales/zh-CN.ftl");

/// A language the workbench speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    /// Simplified Chinese (zh-CN).
    Zh,
}

/// Where a language came from, when it is worth telling the person (a Traditional Chinese
/// locale shown in Simplified Chinese).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// `zh_TW`, `zh_HK`, `zh_MO` or `zh-Hant`: shown in Simplified Chinese.
    TraditionalChinese,
}

impl Lang {
    /// From the locale variables, in the order gettext reads them: `LANGUAGE` (a list, e.g.
    /// `zh_CN:en`), `LC_ALL`, `LC_MESSAGES`, `LANG`. Anything not Chinese is English.
    pub fn from_env() -> Lang {
        Lang::from_env_noting().0
    }

    /// [`Lang::from_env`], and whether the locale asked for something we show differently.
    pub fn from_env_noting() -> (Lang, Option<Fallback>) {
        let value = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let language = value("LANGUAGE").and_then(|list| {
            list.split(':')
                .find(|entry| !entry.is_empty())
                .map(str::to_string)
        });
        language
            .or_else(|| value("LC_ALL"))
            .or_else(|| value("LC_MESSAGES"))
            .or_else(|| value("LANG"))
            .map(|locale| Lang::from_locale_noting(&locale))
            .unwrap_or_default()
    }

    /// `zh_CN.UTF-8` and `zh` give Chinese; `en_US.UTF-8`, `C`, `POSIX` and the rest English.
    pub fn from_locale(value: &str) -> Lang {
        Lang::from_locale_noting(value).0
    }

    fn from_locale_noting(value: &str) -> (Lang, Option<Fallback>) {
        let lowered = value.to_ascii_lowercase();
        // `zh_TW.UTF-8`, `zh-Hant-TW`: the part before the encoding, either separator.
        let name = lowered.split(['.', '@']).next().unwrap_or("");
        let mut parts = name.split(['_', '-']);
        if parts.next() != Some("zh") {
            return (Lang::En, None);
        }
        let traditional = parts.any(|part| matches!(part, "tw" | "hk" | "mo" | "hant"));
        (
            Lang::Zh,
            traditional.then_some(Fallback::TraditionalChinese),
        )
    }

    /// The best of a browser's `Accept-Language` (`zh-CN,zh;q=0.9,en;q=0.8`) that we speak.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut pieces = item.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let weight = pieces
                .find_map(|piece| piece.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .filter(|q| q.is_finite())
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("zh") => Lang::Zh,
                Some("en") => Lang::En,
                _ => continue,
            };
            if weight > 0.0 && best.is_none_or(|(held, _)| weight > held) {
                best = Some((weight, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    /// `en` or `zh`: the code used in file names and on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The language tag for HTML's `lang` attribute and HTTP.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }

    /// Both languages, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];
}

static CHOSEN: OnceLock<Lang> = OnceLock::new();

/// Settles this process's language: `asked` (from `--lang`) or the locale. Returns it, and
/// the note to show when the locale was mapped to another language. Later calls keep the
/// first choice.
pub fn choose(asked: Option<Lang>) -> (Lang, Option<String>) {
    let (lang, fallback) = match asked {
        Some(lang) => (lang, None),
        None => Lang::from_env_noting(),
    };
    let lang = *CHOSEN.get_or_init(|| lang);
    let note = fallback.map(|Fallback::TraditionalChinese| tr!(lang, "note-traditional-chinese"));
    (lang, note)
}

/// This process's language: the one [`choose`] settled, or the locale's.
pub fn current() -> Lang {
    CHOSEN.get().copied().unwrap_or_else(Lang::from_env)
}

/// A value a message shows: text, or a number (which Fluent may use to pick a plural form).
pub enum Arg<'a> {
    Text(Cow<'a, str>),
    Number(f64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Arg<'a> {
        Arg::Text(Cow::Borrowed(text))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(text: &'a String) -> Arg<'a> {
        Arg::Text(Cow::Borrowed(text))
    }
}

impl From<String> for Arg<'_> {
    fn from(text: String) -> Self {
        Arg::Text(Cow::Owned(text))
    }
}

macro_rules! number_args {
    ($($kind:ty),*) => {
        $(impl From<$kind> for Arg<'_> {
            fn from(number: $kind) -> Self {
                Arg::Number(number as f64)
            }
        })*
    };
}

number_args!(u8, u16, u32, u64, usize, i32, i64, f64);

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static BUNDLES: [OnceLock<FluentBundle<FluentResource>>; 2] =
        [OnceLock::new(), OnceLock::new()];
    let (slot, source, tag) = match lang {
        Lang::En => (&BUNDLES[0], ENGLISH, "en"),
        Lang::Zh => (&BUNDLES[1], CHINESE, "zh-CN"),
    };
    slot.get_or_init(|| {
        // The catalogue test proves both files parse; a broken one still loads what it can.
        let resource = FluentResource::try_new(source.to_string())
            .unwrap_or_else(|(partial, _errors)| partial);
        let id: unic_langid::LanguageIdentifier = tag.parse().unwrap_or_default();
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // Unicode isolation marks would show as stray characters in a terminal.
        bundle.set_use_isolating(false);
        let _ = bundle.add_resource(resource);
        bundle
    })
}

/// The message `id` in `lang` with its values filled in. An id the catalogue lacks comes back
/// as itself (the catalogue test keeps that from shipping). Prefer [`tr!`].
pub fn text(lang: Lang, id: &str, args: &[(&str, Arg)]) -> String {
    let bundle = bundle(lang);
    let Some(pattern) = bundle.get_message(id).and_then(|message| message.value()) else {
        return id.to_string();
    };
    let mut values = FluentArgs::new();
    for (name, value) in args {
        match value {
            Arg::Text(text) => values.set(*name, FluentValue::from(text.as_ref())),
            Arg::Number(number) => values.set(*name, FluentValue::from(*number)),
        }
    }
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, Some(&values), &mut errors)
        .into_owned()
}

/// The catalogue's prefixes for the labs' own texts, whose English is written beside the lab's
/// code (its title, summary and parameter help), so that only the other languages live here.
pub const LAB_TEXT_PREFIXES: [&str; 2] = ["lab-", "param-"];

/// The prefix of the command line's texts in the other languages: their English is clap's own
/// and the commands' doc comments (see the workbench's `cli_text`).
pub const CLI_TEXT_PREFIX: &str = "cli-";

/// A lab's own text in `lang`: `english` as the lab wrote it, or its translation under `key`
/// (`lab-zmq-pubsub-title`, `param-zmq-pubsub-rate`), or `english` when there is none.
pub fn lab_text<'a>(lang: Lang, key: &str, english: &'a str) -> Cow<'a, str> {
    if lang == Lang::En {
        return Cow::Borrowed(english);
    }
    let bundle = bundle(lang);
    match bundle.get_message(key).and_then(|message| message.value()) {
        Some(pattern) => {
            let mut errors = Vec::new();
            Cow::Owned(
                bundle
                    .format_pattern(pattern, None, &mut errors)
                    .into_owned(),
            )
        }
        None => Cow::Borrowed(english),
    }
}

/// Whether the catalogue of `lang` has a message `key`.
pub fn has(lang: Lang, key: &str) -> bool {
    bundle(lang).has_message(key)
}

/// The catalogue id of one part of an instrument id: `refused: sold out (409)` →
/// `term-refused-sold-out-409`.
fn term_id(part: &str) -> String {
    format!("term-{}", slug(part))
}

/// One part of an instrument id written as a plain ASCII word: lower case, each run of
/// spaces and punctuation one `-` (`refused: sold out (409)` → `refused-sold-out-409`).
pub fn slug(part: &str) -> String {
    let mut slug = String::new();
    for character in part.chars().flat_map(char::to_lowercase) {
        if character.is_ascii_alphanumeric() {
            slug.push(character);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// What a person reads for an instrument id (a counter, gauge, table or column such as
/// `sent/A`, `sub-1/received`, `refused: sold out (409)`): in English the id itself, which is
/// written as words; in Chinese each `/`-separated part from the catalogue's `term-…`
/// messages, with a numbered part (`client-3`) numbered still, and names the lab made up
/// (`A`, a file name) left as they are. Machine output keeps the id.
pub fn label(lang: Lang, id: &str) -> String {
    if lang == Lang::En {
        return id.to_string();
    }
    let bundle = bundle(lang);
    let term = |part: &str| -> Option<String> {
        let message = bundle.get_message(&term_id(part))?;
        let mut errors = Vec::new();
        Some(
            bundle
                .format_pattern(message.value()?, None, &mut errors)
                .into_owned(),
        )
    };
    id.split('/')
        .map(|part| {
            if let Some(found) = term(part) {
                return found;
            }
            // `client-3`, `worker-12`: the word translated, the number kept.
            if let Some((word, number)) = part.rsplit_once('-')
                && !number.is_empty()
                && number.chars().all(|c| c.is_ascii_digit())
                && let Some(found) = term(word)
            {
                return format!("{found}-{number}");
            }
            part.to_string()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every `term-…` message in `lang`, as (the part it names, as an id would, and its label):
/// what a browser needs to label the ids in a lab's snapshots the way [`label`] does.
pub fn terms(lang: Lang) -> Vec<(String, String)> {
    let bundle = bundle(lang);
    catalogue(lang)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(id, _)| {
            let slug = id.strip_prefix("term-")?.to_string();
            let message = bundle.get_message(&id)?;
            let mut errors = Vec::new();
            let text = bundle
                .format_pattern(message.value()?, None, &mut errors)
                .into_owned();
            Some((slug, text))
        })
        .collect()
}

/// `tr!(lang, "id")` or `tr!(lang, "id", name = value, …)`: a message from the catalogue.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $id:literal $(,)?) => {
        $crate::text($lang, $id, &[])
    };
    ($lang:expr, $id:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::text($lang, $id, &[$((stringify!($name), $crate::Arg::from($value))),+])
    };
}

/// The catalogue as written: each message id with the names of the values it uses (for the
/// catalogue test, and for tools that list the ids).
pub fn catalogue(lang: Lang) -> Result<Vec<(String, Vec<String>)>, String> {
    use fluent_syntax::ast;
    let source = match lang {
        Lang::En => ENGLISH,
        Lang::Zh => CHINESE,
    };
    let resource = fluent_syntax::parser::parse(source).map_err(|(_, errors)| {
        format!(
            "locales/{}.ftl does not parse: {:?}",
            lang.tag(),
            errors.first()
        )
    })?;
    fn variables_of(pattern: &ast::Pattern<&str>, found: &mut Vec<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                variables_in(expression, found);
            }
        }
    }
    fn variables_in<'s>(expression: &ast::Expression<&'s str>, found: &mut Vec<String>) {
        let inline = |inline: &ast::InlineExpression<&'s str>, found: &mut Vec<String>| match inline
        {
            ast::InlineExpression::VariableReference { id } => found.push(id.name.to_string()),
            ast::InlineExpression::Placeable { expression } => variables_in(expression, found),
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                for argument in &arguments.positional {
                    if let ast::InlineExpression::VariableReference { id } = argument {
                        found.push(id.name.to_string());
                    }
                }
            }
            _ => {}
        };
        match expression {
            ast::Expression::Inline(expression) => inline(expression, found),
            ast::Expression::Select { selector, variants } => {
                inline(selector, found);
                for variant in variants {
                    variables_of(&variant.value, found);
                }
            }
        }
    }
    let mut messages = Vec::new();
    for entry in &resource.body {
        if let ast::Entry::Message(message) = entry {
            let mut variables = Vec::new();
            if let Some(pattern) = &message.value {
                variables_of(pattern, &mut variables);
            }
            variables.sort();
            variables.dedup();
            messages.push((message.id.name.to_string(), variables));
        }
    }
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locale_picks_the_language() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::Zh);
        assert_eq!(Lang::from_locale("zh"), Lang::Zh);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
        assert_eq!(Lang::from_locale("POSIX"), Lang::En);
        // Not Chinese because it starts with the letters.
        assert_eq!(Lang::from_locale("zhx_YY"), Lang::En);
        for traditional in ["zh_TW.UTF-8", "zh_HK", "zh-Hant-TW", "zh_MO.Big5"] {
            assert_eq!(
                Lang::from_locale_noting(traditional),
                (Lang::Zh, Some(Fallback::TraditionalChinese)),
                "{traditional}"
            );
        }
        assert_eq!(Lang::from_locale_noting("zh_CN.UTF-8").1, None);
    }

    #[test]
    fn a_browser_gets_the_language_it_prefers_most() {
        assert_eq!(
            Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Some(Lang::Zh)
        );
        assert_eq!(
            Lang::from_accept_language("en-GB,en;q=0.9,zh;q=0.5"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("fr;q=1.0, zh-TW;q=0.3"),
            Some(Lang::Zh)
        );
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(
            Lang::from_accept_language("zh;q=0, en;q=NaN"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language(""), None);
    }

    #[test]
    fn messages_fill_their_values_and_choose_plural_forms() {
        assert_eq!(
            tr!(Lang::En, "check-earlier-lines", count = 1),
            "1 earlier line not shown; --verbose shows all"
        );
        assert_eq!(
            tr!(Lang::En, "check-earlier-lines", count = 5),
            "5 earlier lines not shown; --verbose shows all"
        );
        let chinese = tr!(Lang::Zh, "check-earlier-lines", count = 5);
        assert!(
            chinese.contains('5') && chinese.contains("--verbose"),
            "{chinese}"
        );
        // No isolation marks around values: they would show in a terminal.
        assert!(!chinese.contains('\u{2068}'), "{chinese:?}");
        assert_eq!(text(Lang::En, "no-such-message", &[]), "no-such-message");
    }

    /// The ids the workspace's code asks for (`tr!(lang, "id"…)`), read from its sources.
    fn ids_in_code() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut folders = vec![root.join("workbench/src")];
        for lab in std::fs::read_dir(root.join("labs")).unwrap().flatten() {
            folders.push(lab.path().join("src"));
        }
        let mut found = Vec::new();
        while let Some(folder) = folders.pop() {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                    continue;
                }
                if path.extension().is_none_or(|extension| extension != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for (at, _) in text.match_indices("tr!(") {
                    // The id is the first string literal among the macro's arguments.
                    let rest = &text[at..];
                    let Some(open) = rest.find('"') else { continue };
                    let Some(length) = rest[open + 1..].find('"') else {
                        continue;
                    };
                    let id = &rest[open + 1..open + 1 + length];
                    if id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    {
                        found.push((id.to_string(), path.display().to_string()));
                    }
                }
            }
        }
        found
    }

    /// Every id the code asks for is in the catalogue, and every message in it is asked for.
    #[test]
    fn the_code_and_the_catalogue_name_the_same_messages() {
        let used = ids_in_code();
        assert!(
            used.len() > 10,
            "the scan found the code's messages: {used:?}"
        );
        let defined: Vec<String> = catalogue(Lang::En)
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        // The command line's words are only in the other languages (English is clap's).
        let defined_in_chinese: Vec<String> = catalogue(Lang::Zh)
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| id.starts_with(CLI_TEXT_PREFIX))
            .collect();
        // This file's documentation shows the macro with made-up ids.
        let own = std::path::Path::new(file!());
        for (id, file) in &used {
            assert!(
                defined.contains(id)
                    || defined_in_chinese.contains(id)
                    || file.ends_with(&*own.to_string_lossy()),
                "{file} asks for '{id}', which en.ftl lacks"
            );
        }
        // `term-…` messages label the labs' instrument ids (see `label`): the registry test in
        // the workbench proves each is some lab's.
        for id in defined.iter().filter(|id| !id.starts_with("term-")) {
            assert!(
                used.iter().any(|(used_id, _)| used_id == id),
                "'{id}' is in the catalogue but no code uses it: remove it or use it"
            );
        }
    }

    #[test]
    fn instrument_ids_are_labelled_part_by_part() {
        assert_eq!(label(Lang::En, "sub-1/received"), "sub-1/received");
        assert_eq!(
            label(Lang::Zh, "sub-1/received"),
            format!(
                "{}-1/{}",
                label(Lang::Zh, "sub"),
                label(Lang::Zh, "received")
            )
        );
        assert_ne!(label(Lang::Zh, "received"), "received");
        // A name the lab made up stays as it is.
        assert_eq!(
            label(Lang::Zh, "sent/A"),
            format!("{}/A", label(Lang::Zh, "sent"))
        );
        assert_eq!(
            term_id("refused: sold out (409)"),
            "term-refused-sold-out-409"
        );
        assert_eq!(term_id("round trip p50 µs"), "term-round-trip-p50-s");
        assert!(terms(Lang::Zh).iter().any(|(slug, _)| slug == "received"));
    }

    /// Every message is in both languages with the same values, and both files parse.
    #[test]
    fn both_catalogues_hold_the_same_messages_with_the_same_values() {
        let english = catalogue(Lang::En).unwrap();
        let chinese = catalogue(Lang::Zh).unwrap();
        let ids = |messages: &[(String, Vec<String>)]| -> Vec<String> {
            let mut ids: Vec<String> = messages.iter().map(|(id, _)| id.clone()).collect();
            ids.sort();
            ids
        };
        let (english_ids, chinese_ids) = (ids(&english), ids(&chinese));
        let only_english: Vec<&String> = english_ids
            .iter()
            .filter(|id| !chinese_ids.contains(id))
            .collect();
        // The labs' own texts have their English in the labs' code (see `lab_text`).
        let only_chinese: Vec<&String> = chinese_ids
            .iter()
            .filter(|id| !english_ids.contains(id))
            .filter(|id| {
                !LAB_TEXT_PREFIXES
                    .iter()
                    .chain(&[CLI_TEXT_PREFIX])
                    .any(|prefix| id.starts_with(prefix))
            })
            .collect();
        assert!(
            only_english.is_empty(),
            "missing in zh-CN.ftl: {only_english:?}"
        );
        assert!(
            only_chinese.is_empty(),
            "missing in en.ftl: {only_chinese:?}"
        );
        for prefix in LAB_TEXT_PREFIXES.iter().chain(&[CLI_TEXT_PREFIX]) {
            assert!(
                !english_ids.iter().any(|id| id.starts_with(prefix)),
                "en.ftl holds a lab's own text ({prefix}…): its English belongs beside the lab's code"
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (id, variables) in &english {
            assert!(seen.insert(id), "{id} is defined twice in en.ftl");
            let (_, in_chinese) = chinese.iter().find(|(other, _)| other == id).unwrap();
            assert_eq!(
                variables, in_chinese,
                "{id}: the values differ between en and zh-CN"
            );
        }
        assert!(FluentResource::try_new(ENGLISH.to_string()).is_ok());
        assert!(FluentResource::try_new(CHINESE.to_string()).is_ok());
    }
}
