//! The course in the browser: lessons as HTML, exercises with progress, hints and checks.
//!
//! ```text
//! GET  /api/terms?lang=zh                how to label the ids in a lab's snapshots
//! GET  /api/lessons?lang=zh              the lessons (and the server's default language)
//! GET  /api/lessons/{topic}?lang=zh      one lesson as HTML; lab links are buttons
//! GET  /api/exercises?lang=zh            the exercises with the student's status
//! GET  /api/exercises/{id}?lang=zh       the task as HTML, revealed hints, status
//! POST /api/exercises/{id}/hint          reveal the next hint
//! POST /api/exercises/{id}/check         check the student's program that is already running
//! ```
//!
//! The page never starts a student's program: a web page that could run commands would be a
//! hole in the machine. Checks that need to start the program (because they read its output)
//! are done from a terminal, and the page says so.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use lab_core::CancelToken;
use serde::Deserialize;
use serde_json::json;

use super::{Shared, error};
use crate::course::content::Content;
use crate::course::exercise::{self, Exercise};
use crate::course::progress::Progress;
use crate::course::{Lang, check, lesson};

#[derive(Deserialize)]
pub(super) struct LangQuery {
    lang: Option<String>,
}

impl LangQuery {
    /// The page's own choice (`?lang=zh`, from its selector), else the browser's
    /// `Accept-Language`, else the server's language.
    pub(super) fn lang(&self, headers: &HeaderMap) -> Lang {
        self.lang
            .as_deref()
            .and_then(Lang::parse)
            .or_else(|| {
                headers
                    .get(axum::http::header::ACCEPT_LANGUAGE)
                    .and_then(|value| value.to_str().ok())
                    .and_then(Lang::from_accept_language)
            })
            .unwrap_or_else(lab_i18n::current)
    }
}

/// Runs blocking course work (files, SQLite, a check) off the async threads; a failure is a
/// 400 with its one-line message.
async fn blocking(
    work: impl FnOnce() -> Result<serde_json::Value, String> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Json(value).into_response(),
        Ok(Err(message)) => error(StatusCode::BAD_REQUEST, message),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the request failed inside the workbench",
        ),
    }
}

/// The `term-…` labels of the catalogue, by the id part they name (see `lab_i18n::label`):
/// the page labels the counters, tables and columns of a snapshot with them, and the stream
/// itself keeps the ids.
pub async fn terms(Query(query): Query<LangQuery>, headers: HeaderMap) -> Response {
    let lang = query.lang(&headers);
    let terms: serde_json::Map<String, serde_json::Value> = lab_i18n::terms(lang)
        .into_iter()
        .map(|(part, label)| (part, serde_json::Value::String(label)))
        .collect();
    Json(json!({ "lang": lang, "terms": terms })).into_response()
}

pub async fn list_lessons(
    State(state): State<Shared>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = query.lang(&headers);
    blocking(move || {
        let content = Content::from_env();
        let lessons: Vec<serde_json::Value> = lesson::available(&content)
            .into_iter()
            .map(|(topic, langs)| {
                let title = lesson::load(&content, &state.registry, topic, lang)
                    .map(|lesson| lesson.title)
                    .unwrap_or_else(|error| error);
                json!({ "topic": topic, "title": title, "langs": langs })
            })
            .collect();
        Ok(json!({ "lang": lang, "lessons": lessons }))
    })
    .await
}

pub async fn get_lesson(
    State(state): State<Shared>,
    Path(topic): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = query.lang(&headers);
    blocking(move || {
        let lesson = lesson::load(&Content::from_env(), &state.registry, &topic, lang)?;
        Ok(json!({
            "topic": lesson.topic,
            "lang": lesson.lang,
            "title": lesson.title,
            "html": lesson::to_html(&lesson, &state.registry),
            "links": lesson.links,
        }))
    })
    .await
}

fn open() -> Result<(Content, Progress), String> {
    let progress = Progress::open_default().map_err(|error| format!("{error:#}"))?;
    Ok((Content::from_env(), progress))
}

fn find(state: &Shared, content: &Content, id: &str) -> Result<Exercise, String> {
    let exercises = exercise::load_all(content, &state.registry)?;
    exercise::find(&exercises, id).cloned()
}

/// Everything the page shows of one exercise.
fn describe(state: &Shared, id: &str, lang: Lang) -> Result<serde_json::Value, String> {
    let (content, progress) = open()?;
    let exercise = find(state, &content, id)?;
    let internal = |error: anyhow::Error| format!("{error:#}");
    progress.opened(&exercise.id).map_err(internal)?;
    let revealed = progress.hints_revealed(&exercise.id).map_err(internal)?;
    let readme = lesson::Lesson {
        topic: exercise.topic.clone(),
        lang,
        title: exercise.title.get(lang).to_string(),
        markdown: exercise.readme(&content, lang),
        lines: Vec::new(),
        links: Vec::new(),
        included: Default::default(),
    };
    let starters: Vec<&str> = exercise
        .starters
        .iter()
        .map(|path| path.rsplit('/').next().unwrap_or(path))
        .collect();
    Ok(json!({
        "id": exercise.id,
        "title": exercise.title.get(lang),
        "difficulty": exercise.difficulty,
        "lab": exercise.lab,
        "html": lesson::to_html(&readme, &state.registry),
        "hints": exercise.revealed_hints(&revealed).map(|hint| hint.get(lang)).collect::<Vec<_>>(),
        "hints_total": exercise.hints.len(),
        "starters": starters,
        "checkable_here": !exercise.needs_command,
        "check_command": exercise.check_command(lang),
        "status": progress.status(&exercise.id).map_err(internal)?,
    }))
}

pub async fn list_exercises(
    State(state): State<Shared>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = query.lang(&headers);
    blocking(move || {
        let (content, progress) = open()?;
        let exercises = exercise::load_all(&content, &state.registry)?;
        let statuses = progress.all().map_err(|error| format!("{error:#}"))?;
        let list: Vec<serde_json::Value> = exercises
            .iter()
            .map(|exercise| {
                json!({
                    "id": exercise.id,
                    "topic": exercise.topic,
                    "title": exercise.title.get(lang),
                    "difficulty": exercise.difficulty,
                    "status": statuses.get(&exercise.id).cloned().unwrap_or_default(),
                })
            })
            .collect();
        Ok(json!(list))
    })
    .await
}

pub async fn get_exercise(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = query.lang(&headers);
    blocking(move || describe(&state, &id, lang)).await
}

pub async fn reveal_hint(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = query.lang(&headers);
    blocking(move || {
        let (content, progress) = open()?;
        let exercise = find(&state, &content, &id)?;
        progress
            .reveal_hint(&exercise)
            .map_err(|error| format!("{error:#}"))?;
        describe(&state, &id, lang)
    })
    .await
}

pub async fn check_exercise(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = query.lang(&headers);
    blocking(move || {
        let (content, progress) = open()?;
        let exercise = find(&state, &content, &id)?;
        check::preflight(&exercise, None)?;
        let seed = check::fresh_seed();
        let outcome = check::run(
            &content,
            &exercise,
            &state.registry,
            None,
            seed,
            &CancelToken::default(),
            lang,
        )?;
        let attempt = crate::course::progress::Attempt::of(&outcome);
        progress
            .record_attempt(&exercise.id, &attempt)
            .map_err(|error| format!("{error:#}"))?;
        let status = progress
            .status(&exercise.id)
            .map_err(|error| format!("{error:#}"))?;
        Ok(json!({ "passed": outcome.all_passed(), "outcome": outcome, "status": status }))
    })
    .await
}
