//! Exercises: `content/exercises/<id>/exercise.toml` and the files beside it.
//!
//! ```toml
//! id = "zmq-sub-topic-b"          # the folder's name
//! topic = "messaging"
//! difficulty = "easy"             # easy, medium or hard
//! lab = "zmq-pubsub"              # the lab to try first (optional)
//! order = 1                       # place in its topic's list (optional; then by id)
//! title = { en = "A subscriber for topic B", zh = "只收主题 B 的订阅者" }
//!
//! [check]
//! checker = "zmq-subscriber"      # a checker registered by a lab crate
//! time_limit = 30                 # seconds for the whole check
//! needs_command = true            # the checker reads what the program prints
//! ready = "server"                # wait until this endpoint's TCP port accepts connections
//! endpoints = { publisher = "tcp://127.0.0.1:5563" }
//! settings = { topic = "B" }      # the checker's own settings
//! environment = { PHP_CLI_SERVER_WORKERS = "8" }  # set for the program the workbench starts
//! points = { "receives" = 3 }     # points of the checks whose names start so (others: 1)
//!
//! [[hint]]                        # revealed one at a time, in order, except that after a
//! en = "..."                      # failed check the hint about that check comes first:
//! zh = "..."
//! check = "replies with"          # the start of the name of the check it is about (optional)
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use lab_core::Registry;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::content::Content;
use super::{Lang, TOPICS, line_of};

/// A text in both languages; Chinese falls back to English where missing.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    pub en: String,
    pub zh: Option<String>,
}

impl Texts {
    pub fn get(&self, lang: Lang) -> &str {
        in_lang(lang, &self.en, &self.zh)
    }
}

/// The Chinese text in Chinese where there is one, else the English.
fn in_lang<'a>(lang: Lang, en: &'a str, zh: &'a Option<String>) -> &'a str {
    match (lang, zh) {
        (Lang::Zh, Some(zh)) => zh,
        _ => en,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExerciseFile {
    id: Spanned<String>,
    topic: Spanned<String>,
    difficulty: Spanned<String>,
    lab: Option<Spanned<String>>,
    #[serde(default = "last")]
    order: u32,
    title: Texts,
    check: CheckFile,
    #[serde(default)]
    hint: Vec<Hint>,
}

/// One hint: its text, and the check it is about (by the start of the check's name).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    pub en: String,
    pub zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
}

impl Hint {
    pub fn get(&self, lang: Lang) -> &str {
        in_lang(lang, &self.en, &self.zh)
    }

    /// Whether it is about the check named `check`.
    fn is_about(&self, check: &str) -> bool {
        self.check
            .as_deref()
            .is_some_and(|start| !start.is_empty() && check.starts_with(start))
    }
}

/// Exercises without an `order` come after those with one.
fn last() -> u32 {
    u32::MAX
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFile {
    checker: Spanned<String>,
    time_limit: Spanned<u64>,
    #[serde(default)]
    needs_command: bool,
    ready: Option<Spanned<String>>,
    endpoints: Option<Spanned<BTreeMap<String, String>>>,
    #[serde(default)]
    settings: BTreeMap<String, String>,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    #[serde(default)]
    points: Option<Spanned<BTreeMap<String, u32>>>,
}

/// The most a check may be worth.
const MOST_POINTS: u32 = 100;

/// An exercise, loaded and checked against the checkers and labs that exist.
#[derive(Clone, Debug, Serialize)]
pub struct Exercise {
    pub id: String,
    pub topic: String,
    pub difficulty: String,
    pub lab: Option<String>,
    pub order: u32,
    pub title: Texts,
    pub checker: String,
    #[serde(serialize_with = "seconds")]
    pub time_limit: Duration,
    pub needs_command: bool,
    /// The endpoint whose port must accept connections before checking (the student binds).
    pub ready: Option<String>,
    pub endpoints: BTreeMap<String, String>,
    pub settings: BTreeMap<String, String>,
    /// Variables set for the student's program when the workbench starts it (e.g. how many
    /// processes `php -S` runs).
    pub environment: BTreeMap<String, String>,
    /// What a check is worth, by the start of its name (`"leaves out" = 2`); 1 otherwise.
    pub points: BTreeMap<String, u32>,
    pub hints: Vec<Hint>,
    /// The file the checker grades, for an exercise that starts no program (`purchase.sql`).
    pub task_file: Option<String>,
    /// Starter files, as paths inside the content folder.
    pub starters: Vec<String>,
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(duration.as_secs())
}

impl Exercise {
    pub fn folder(&self) -> String {
        format!("exercises/{}", self.id)
    }

    /// The task in `lang` (README.zh.md for Chinese, README.md otherwise).
    pub fn readme(&self, content: &Content, lang: Lang) -> String {
        let localized = match lang {
            Lang::Zh => content.read(&format!("{}/README.zh.md", self.folder())),
            Lang::En => None,
        };
        localized
            .or_else(|| content.read(&format!("{}/README.md", self.folder())))
            .unwrap_or_default()
    }

    /// "easy", "medium" or "hard" in `lang`.
    pub fn difficulty_label(&self, lang: Lang) -> String {
        match self.difficulty.as_str() {
            "easy" => lab_i18n::tr!(lang, "difficulty-easy"),
            "medium" => lab_i18n::tr!(lang, "difficulty-medium"),
            "hard" => lab_i18n::tr!(lang, "difficulty-hard"),
            other => other.to_string(),
        }
    }

    /// The revealed hints (places in [`Exercise::hints`], in the order they were revealed)
    /// as Markdown quotes ("> Hint 1: …"), numbered in that order, in `lang`.
    pub fn hints_markdown(&self, lang: Lang, revealed: &[usize]) -> String {
        let mut markdown = String::new();
        for (number, hint) in self.revealed_hints(revealed).enumerate() {
            markdown.push_str("> ");
            markdown.push_str(&lab_i18n::tr!(
                lang,
                "show-hint",
                number = number + 1,
                hint = hint.get(lang)
            ));
            markdown.push_str("\n\n");
        }
        markdown
    }

    /// The hints at these places, in this order (a place the file no longer has is left out).
    pub fn revealed_hints<'a>(&'a self, revealed: &'a [usize]) -> impl Iterator<Item = &'a Hint> {
        revealed.iter().filter_map(|place| self.hints.get(*place))
    }

    /// The hint to reveal next: the first not yet revealed that is about one of the `failed`
    /// checks of the latest attempt, else the first not yet revealed; `None` when all are.
    pub fn next_hint(&self, revealed: &[usize], failed: &[String]) -> Option<usize> {
        let hidden = || (0..self.hints.len()).filter(|place| !revealed.contains(place));
        hidden()
            .find(|place| {
                failed
                    .iter()
                    .any(|check| self.hints[*place].is_about(check))
            })
            .or_else(|| hidden().next())
    }

    /// The command that checks it: with the student's command after `--`, or, for an exercise
    /// that grades a file, none.
    pub fn check_command(&self, lang: Lang) -> String {
        match self.task_file {
            Some(_) => format!("workbench exercise check {}", self.id),
            None => lab_i18n::tr!(lang, "check-command-program", id = self.id.as_str()),
        }
    }

    /// A starter's name inside the student's folder (`tool.phar` for
    /// `exercises/archive-fix-broken/starter/tool.phar`).
    pub fn starter_name<'a>(&self, path: &'a str) -> &'a str {
        path.strip_prefix(&format!("{}/starter/", self.folder()))
            .unwrap_or(path)
    }

    /// The starter files as shipped, by their names in the student's folder: a checker may
    /// compare what the student made with them (the student's own copies may have changed).
    pub fn starter_files(&self, content: &Content) -> BTreeMap<String, Vec<u8>> {
        self.starters
            .iter()
            .filter_map(|path| {
                let bytes = content.read_bytes(path)?;
                Some((self.starter_name(path).to_string(), bytes.into_owned()))
            })
            .collect()
    }

    /// What the check named `name` is worth: the points of the longest name start that
    /// matches it, or 1.
    pub fn points_of(&self, name: &str) -> u32 {
        self.points
            .iter()
            .filter(|(start, _)| name.starts_with(start.as_str()))
            .max_by_key(|(start, _)| start.len())
            .map_or(1, |(_, worth)| *worth)
    }

    /// The `host:port` to wait for before checking, when the student's program binds.
    pub fn ready_address(&self) -> Option<String> {
        let endpoint = self.endpoints.get(self.ready.as_ref()?)?;
        endpoint.strip_prefix("tcp://").map(str::to_string)
    }
}

/// Reads one `exercise.toml`. Errors are `file:line: what`.
pub fn parse(
    text: &str,
    path: &str,
    folder_name: &str,
    registry: &Registry,
    starters: Vec<String>,
) -> Result<Exercise, String> {
    let at =
        |offset: usize, message: String| format!("{path}:{}: {message}", line_of(text, offset));
    let file: ExerciseFile = toml::from_str(text).map_err(|error| {
        let offset = error.span().map(|span| span.start).unwrap_or(0);
        at(offset, error.message().trim().to_string())
    })?;
    if file.id.get_ref() != folder_name {
        return Err(at(
            file.id.span().start,
            format!(
                "id '{}' differs from its folder '{folder_name}': they must be the same",
                file.id.get_ref()
            ),
        ));
    }
    if !TOPICS.contains(&file.topic.get_ref().as_str()) {
        return Err(at(
            file.topic.span().start,
            format!(
                "unknown topic '{}'; topics: {}",
                file.topic.get_ref(),
                TOPICS.join(", ")
            ),
        ));
    }
    if !["easy", "medium", "hard"].contains(&file.difficulty.get_ref().as_str()) {
        return Err(at(
            file.difficulty.span().start,
            format!(
                "difficulty '{}' should be easy, medium or hard",
                file.difficulty.get_ref()
            ),
        ));
    }
    if let Some(lab) = &file.lab
        && registry.find(lab.get_ref()).is_none()
    {
        return Err(at(
            lab.span().start,
            format!(
                "unknown lab '{}'; labs: {}",
                lab.get_ref(),
                registry.ids().join(", ")
            ),
        ));
    }
    let check = file.check;
    let Some(checker) = registry.find_checker(check.checker.get_ref()) else {
        return Err(at(
            check.checker.span().start,
            format!(
                "unknown checker '{}'; checkers: {}",
                check.checker.get_ref(),
                registry.checker_ids().join(", ")
            ),
        ));
    };
    if !(1..=600).contains(check.time_limit.get_ref()) {
        return Err(at(
            check.time_limit.span().start,
            "time_limit should be between 1 and 600 seconds".to_string(),
        ));
    }
    let (endpoints_at, endpoints) = match check.endpoints {
        Some(endpoints) => (endpoints.span().start, endpoints.into_inner()),
        None => (text.find("[check]").unwrap_or(0), BTreeMap::new()),
    };
    for needed in checker.endpoints() {
        let Some(endpoint) = endpoints.get(*needed) else {
            return Err(at(
                endpoints_at,
                format!(
                    "checker {} needs an endpoint '{needed}' in [check] endpoints",
                    checker.id()
                ),
            ));
        };
        lab_zmq::endpoint::check(endpoint, needed).map_err(|error| at(endpoints_at, error))?;
    }
    if let Some(ready) = &check.ready
        && !endpoints
            .get(ready.get_ref())
            .is_some_and(|endpoint| endpoint.starts_with("tcp://"))
    {
        return Err(at(
            ready.span().start,
            format!(
                "ready = '{}' should name a tcp:// endpoint of [check] endpoints",
                ready.get_ref()
            ),
        ));
    }
    let points = match check.points {
        Some(points) => {
            let at_points = points.span().start;
            let points = points.into_inner();
            if let Some((name, worth)) = points.iter().find(|(_, worth)| **worth > MOST_POINTS) {
                return Err(at(
                    at_points,
                    format!("points for '{name}' are {worth}: a check is worth 0 to {MOST_POINTS}"),
                ));
            }
            if let Some(name) = points.keys().find(|name| name.trim().is_empty()) {
                return Err(at(
                    at_points,
                    format!("points for '{name}': name the start of a check's name"),
                ));
            }
            points
        }
        None => BTreeMap::new(),
    };
    if file.hint.is_empty() {
        return Err(at(0, "an exercise needs at least one [[hint]]".to_string()));
    }
    let task_file = checker.task_file().map(|task| {
        check
            .settings
            .get(task.setting)
            .cloned()
            .unwrap_or_else(|| task.default.to_string())
    });
    Ok(Exercise {
        id: file.id.into_inner(),
        topic: file.topic.into_inner(),
        difficulty: file.difficulty.into_inner(),
        lab: file.lab.map(Spanned::into_inner),
        order: file.order,
        title: file.title,
        checker: check.checker.into_inner(),
        time_limit: Duration::from_secs(*check.time_limit.get_ref()),
        needs_command: check.needs_command,
        ready: check.ready.map(Spanned::into_inner),
        endpoints,
        settings: check.settings,
        environment: check.environment,
        points,
        hints: file.hint,
        task_file,
        starters,
    })
}

/// Every exercise in the content, in topic order. The first bad file stops the loading, with
/// its name and line.
pub fn load_all(content: &Content, registry: &Registry) -> Result<Vec<Exercise>, String> {
    let files = content.list("exercises/");
    let mut exercises = Vec::new();
    for path in files.iter().filter(|path| path.ends_with("/exercise.toml")) {
        let folder = path.trim_end_matches("/exercise.toml");
        let folder_name = folder.rsplit('/').next().unwrap_or(folder);
        let display = content.display(path);
        let text = content
            .read(path)
            .ok_or_else(|| format!("cannot read {display}"))?;
        let starters = files
            .iter()
            .filter(|file| file.starts_with(&format!("{folder}/starter/")))
            .cloned()
            .collect();
        let exercise = parse(&text, &display, folder_name, registry, starters)?;
        if content.read(&format!("{folder}/README.md")).is_none() {
            return Err(format!(
                "{}: the task is missing: write it there",
                content.display(&format!("{folder}/README.md"))
            ));
        }
        exercises.push(exercise);
    }
    exercises.sort_by_key(|exercise| {
        let topic = TOPICS.iter().position(|topic| *topic == exercise.topic);
        (topic, exercise.order, exercise.id.clone())
    });
    Ok(exercises)
}

/// Finds one exercise by id, or says which ids exist.
pub fn find<'a>(exercises: &'a [Exercise], id: &str) -> Result<&'a Exercise, String> {
    exercises
        .iter()
        .find(|exercise| exercise.id == id)
        .ok_or_else(|| {
            let ids: Vec<&str> = exercises
                .iter()
                .map(|exercise| exercise.id.as_str())
                .collect();
            format!(
                "unknown exercise '{id}'; exercises: {} (see `workbench exercise list`)",
                ids.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "rep"
topic = "messaging"
difficulty = "easy"
lab = "zmq-pubsub"
title = { en = "A server", zh = "服务器" }

[check]
checker = "zmq-rep-server"
time_limit = 20
ready = "server"
endpoints = { server = "tcp://127.0.0.1:5559" }
settings = { prefix = "From Server1:" }

[[hint]]
en = "Bind a REP socket."
"#;

    fn parse_text(text: &str) -> Result<Exercise, String> {
        parse(
            text,
            "ex/exercise.toml",
            "rep",
            &crate::labs::registry(),
            Vec::new(),
        )
    }

    #[test]
    fn a_good_file_loads() {
        let exercise = parse_text(GOOD).unwrap();
        assert_eq!(exercise.checker, "zmq-rep-server");
        assert_eq!(exercise.ready_address().as_deref(), Some("127.0.0.1:5559"));
        assert_eq!(exercise.title.get(Lang::Zh), "服务器");
        assert_eq!(exercise.hints[0].get(Lang::Zh), "Bind a REP socket.");
    }

    #[test]
    fn after_a_failed_check_its_hint_comes_first_then_the_rest_in_order() {
        let exercise = parse_text(&format!(
            "{GOOD}\n[[hint]]\nen = \"Loop.\"\n\n[[hint]]\nen = \"The prefix.\"\ncheck = \"replies with the prefix\"\n"
        ))
        .unwrap();
        let failed = |names: &[&str]| {
            names
                .iter()
                .map(|name| name.to_string())
                .collect::<Vec<_>>()
        };
        // Nothing failed yet: in order.
        assert_eq!(exercise.next_hint(&[], &[]), Some(0));
        // The prefix check failed: its hint first, then the others in order.
        let prefix = failed(&[
            "answers a request",
            "replies with the prefix followed by the request",
        ]);
        assert_eq!(exercise.next_hint(&[], &prefix), Some(2));
        assert_eq!(exercise.next_hint(&[2], &prefix), Some(0));
        assert_eq!(exercise.next_hint(&[2, 0], &prefix), Some(1));
        assert_eq!(exercise.next_hint(&[2, 0, 1], &prefix), None);
        // Numbered in the order they were revealed.
        let shown = exercise.hints_markdown(Lang::En, &[2, 0]);
        assert!(
            shown.find("The prefix.").unwrap() < shown.find("Bind a REP socket.").unwrap(),
            "{shown}"
        );
    }

    #[test]
    fn a_check_is_worth_the_points_of_the_longest_name_start_it_has() {
        let exercise = parse_text(&GOOD.replace(
            "settings = { prefix = \"From Server1:\" }",
            "settings = { prefix = \"From Server1:\" }\npoints = { \"answers\" = 3, \"answers every\" = 5, \"binds\" = 0 }",
        ))
        .unwrap();
        assert_eq!(exercise.points_of("answers with the prefix"), 3);
        assert_eq!(exercise.points_of("answers every request"), 5);
        assert_eq!(exercise.points_of("binds port 5559"), 0);
        assert_eq!(exercise.points_of("keeps serving"), 1);
    }

    #[test]
    fn mistakes_name_the_line() {
        let cases = [
            (
                "difficulty = \"easy\"",
                "difficulty = \"tricky\"",
                4,
                "difficulty 'tricky'",
            ),
            (
                "checker = \"zmq-rep-server\"",
                "checker = \"zmq-nope\"",
                9,
                "unknown checker 'zmq-nope'",
            ),
            ("time_limit = 20", "time_limit = 20x", 10, ""),
            ("time_limit = 20", "time_limit = 0", 10, "between 1 and 600"),
            (
                "ready = \"server\"",
                "ready = \"nothing\"",
                11,
                "ready = 'nothing'",
            ),
            (
                "{ server = \"tcp://127.0.0.1:5559\" }",
                "{ sever = \"tcp://127.0.0.1:5559\" }",
                12,
                "needs an endpoint 'server'",
            ),
            (
                "lab = \"zmq-pubsub\"",
                "lab = \"zmq-pubsob\"",
                5,
                "unknown lab 'zmq-pubsob'",
            ),
            (
                "id = \"rep\"",
                "id = \"other\"",
                2,
                "differs from its folder",
            ),
            ("title = {", "titel = {", 6, "unknown field"),
            (
                "settings = { prefix = \"From Server1:\" }",
                "settings = { prefix = \"From Server1:\" }\npoints = { \"answers\" = 101 }",
                14,
                "a check is worth 0 to 100",
            ),
            (
                "settings = { prefix = \"From Server1:\" }",
                "settings = { prefix = \"From Server1:\" }\npoints = { \"answers\" = -1 }",
                14,
                "",
            ),
            (
                "settings = { prefix = \"From Server1:\" }",
                "settings = { prefix = \"From Server1:\" }\npoints = { \" \" = 2 }",
                14,
                "the start of a check's name",
            ),
        ];
        for (from, to, line, words) in cases {
            let error = parse_text(&GOOD.replace(from, to)).unwrap_err();
            assert!(
                error.starts_with(&format!("ex/exercise.toml:{line}: ")),
                "{to}: {error}"
            );
            assert!(error.contains(words), "{to}: {error}");
            assert!(!error.contains('\n'), "one line: {error}");
        }
    }

    #[test]
    fn every_shipped_exercise_loads_with_readmes_hints_and_starters() {
        let content = Content::Embedded;
        let exercises = load_all(&content, &crate::labs::registry()).unwrap();
        assert!(exercises.len() >= 3);
        for exercise in &exercises {
            assert!(
                exercise.title.zh.is_some(),
                "{} has no Chinese title",
                exercise.id
            );
            assert!(!exercise.readme(&content, Lang::En).is_empty());
            assert!(
                content
                    .read(&format!("{}/README.zh.md", exercise.folder()))
                    .is_some(),
                "{} has no README.zh.md",
                exercise.id
            );
            assert!(exercise.hints.iter().all(|hint| hint.zh.is_some()));
            // A program in PHP and in Python; or, where the task is a file that is not a
            // program (a suite, a query, a list of filters, a PHPUnit test class), that file.
            let starts_with =
                |ending: &str| exercise.starters.iter().any(|path| path.ends_with(ending));
            let writes_a_file = (!starts_with(".php")
                && !starts_with(".py")
                && [".toml", ".sql", ".txt"]
                    .iter()
                    .any(|ending| starts_with(ending)))
                || (starts_with("phpunit.xml.dist") && starts_with("Test.php"));
            for language in [".php", ".py"] {
                assert!(
                    writes_a_file || starts_with(language),
                    "{} has no {language} starter",
                    exercise.id
                );
            }
        }
    }
}
