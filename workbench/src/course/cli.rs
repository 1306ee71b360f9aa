//! `workbench lesson` and `workbench exercise ...`: the course on the command line.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Subcommand;
use lab_core::{CancelToken, Registry};
use lab_i18n::tr;

use super::content::Content;
use super::exercise::{self, Exercise};
use super::progress::{self, Progress};
use super::report::Format;
use super::{Lang, check, fingerprint, lesson, report};

#[derive(Subcommand)]
pub enum ExerciseCommand {
    /// The exercises, with your progress.
    List {
        /// One JSON array (with each exercise's status).
        #[arg(long)]
        json: bool,
    },
    /// The task, its starter files and the hints revealed so far.
    Show {
        /// The exercise's id (see `workbench exercise list`).
        id: String,
    },
    /// Reveal the next hint.
    Hint {
        /// The exercise's id.
        id: String,
    },
    /// Check your program: `workbench exercise check <id> -- php server.php` starts it, checks
    /// it and stops it; without a command, a program already running is checked.
    Check {
        /// The exercise's id.
        id: String,
        /// Replay a run: the seed its report printed (default: a new seed every run).
        #[arg(long)]
        seed: Option<u64>,
        /// How to print the result: text for you, or json, junit, tap, classroom50 or
        /// gradescope for a grader (the result alone on standard output).
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Run the check N times, each with its own seed, and say how many passed and which
        /// seeds failed: a racy program shows itself (with --seed, the seeds count up from it).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
        repeat: u32,
        /// Show everything that happened (the checker's steps and your program's output), also
        /// when every check passes.
        #[arg(long)]
        verbose: bool,
        /// The command that starts your program, after --.
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// Check again whenever a file in this folder changes (Ctrl-C to stop).
    Watch {
        /// The exercise's id.
        id: String,
        /// The command that starts your program, after --.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Write the start files of an exercise into a folder, ready to edit.
    Start {
        /// The exercise's id.
        id: String,
        /// Where to put them (default: a new folder named after the exercise).
        #[arg(long)]
        into: Option<std::path::PathBuf>,
    },
    /// The progress table for a teacher.
    Export {
        /// As CSV (the only format so far).
        #[arg(long)]
        csv: bool,
        /// The student's name in the table (default: $USER).
        #[arg(long)]
        student: Option<String>,
    },
}

/// A one-line error for the user, exit code 2.
pub struct UsageError(pub String);

pub fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.parse().ok())
        .unwrap_or(80usize)
        .clamp(40, 100)
}

pub fn lesson(
    registry: &Registry,
    topic: Option<String>,
    lang: Lang,
) -> Result<ExitCode, UsageError> {
    let content = Content::from_env();
    let Some(topic) = topic else {
        println!("{}", tr!(lang, "lessons-heading"));
        for (topic, langs) in lesson::available(&content) {
            let title = lesson::load(&content, registry, topic, lang)
                .map(|lesson| lesson.title)
                .unwrap_or_else(|error| tr!(lang, "lessons-broken", error = error));
            let langs: Vec<&str> = langs.iter().map(|lang| lang.code()).collect();
            println!("  {topic:<16} {title}  [{}]", langs.join(", "));
        }
        return Ok(ExitCode::SUCCESS);
    };
    let lesson = lesson::load(&content, registry, &topic, lang).map_err(UsageError)?;
    if lesson.lang != lang {
        eprintln!(
            "{}",
            tr!(
                lang,
                "lesson-not-translated",
                topic = topic.as_str(),
                lang = lang.code(),
                shown = lesson.lang.code()
            )
        );
    }
    print!("{}", lesson::to_terminal(&lesson, width(), colour()));
    Ok(ExitCode::SUCCESS)
}

fn load(registry: &Registry) -> Result<(Content, Vec<Exercise>), UsageError> {
    let content = Content::from_env();
    let exercises = exercise::load_all(&content, registry).map_err(UsageError)?;
    Ok((content, exercises))
}

fn progress() -> Result<Progress, UsageError> {
    Progress::open_default().map_err(|error| UsageError(format!("{error:#}")))
}

pub fn exercise(registry: &Registry, command: ExerciseCommand) -> Result<ExitCode, UsageError> {
    let (content, exercises) = load(registry)?;
    let internal = |error: anyhow::Error| UsageError(format!("{error:#}"));
    let lang = lab_i18n::current();
    match command {
        ExerciseCommand::List { json } => {
            let statuses = progress()?.all().map_err(internal)?;
            if json {
                let list: Vec<serde_json::Value> = exercises
                    .iter()
                    .map(|exercise| {
                        let status = statuses.get(&exercise.id).cloned().unwrap_or_default();
                        let mut value = serde_json::to_value(exercise).unwrap_or_default();
                        // Only the hints `hint` revealed: the list is no way round them.
                        value["hints"] = serde_json::to_value(
                            exercise
                                .revealed_hints(&status.hints_revealed)
                                .collect::<Vec<_>>(),
                        )
                        .unwrap_or_default();
                        value["hints_total"] = exercise.hints.len().into();
                        value["status"] = serde_json::to_value(status).unwrap_or_default();
                        value
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(list));
            } else {
                let mut rows = vec![vec![
                    tr!(lang, "exercises-column-id"),
                    tr!(lang, "exercises-column-topic"),
                    tr!(lang, "exercises-column-level"),
                    tr!(lang, "exercises-column-status"),
                    tr!(lang, "exercises-column-attempts"),
                    tr!(lang, "exercises-column-hints"),
                    tr!(lang, "exercises-column-title"),
                ]];
                for exercise in &exercises {
                    let status = statuses.get(&exercise.id).cloned().unwrap_or_default();
                    rows.push(vec![
                        exercise.id.clone(),
                        exercise.topic.clone(),
                        exercise.difficulty_label(lang),
                        status.label(lang),
                        status.attempts.to_string(),
                        format!("{}/{}", status.hints_used, exercise.hints.len()),
                        exercise.title.get(lang).to_string(),
                    ]);
                }
                for line in crate::cli::aligned(&rows) {
                    println!("{line}");
                }
                println!("\n{}", tr!(lang, "exercises-show-hint"));
            }
            Ok(ExitCode::SUCCESS)
        }
        ExerciseCommand::Show { id } => {
            let exercise = exercise::find(&exercises, &id).map_err(UsageError)?;
            let progress = progress()?;
            progress.opened(&exercise.id).map_err(internal)?;
            let revealed = progress.hints_revealed(&exercise.id).map_err(internal)?;
            print!("{}", show(&content, registry, exercise, lang, &revealed));
            Ok(ExitCode::SUCCESS)
        }
        ExerciseCommand::Hint { id } => {
            let exercise = exercise::find(&exercises, &id).map_err(UsageError)?;
            let progress = progress()?;
            let before = progress.hints_revealed(&exercise.id).map_err(internal)?;
            let revealed = progress.reveal_hint(exercise).map_err(internal)?;
            for (number, hint) in exercise.revealed_hints(&revealed).enumerate() {
                println!(
                    "{}",
                    tr!(
                        lang,
                        "hint-numbered",
                        number = number + 1,
                        hints = exercise.hints.len(),
                        hint = hint.get(lang)
                    )
                );
            }
            if revealed == before {
                println!("{}", tr!(lang, "hint-last"));
            }
            Ok(ExitCode::SUCCESS)
        }
        ExerciseCommand::Check {
            id,
            seed,
            format,
            repeat,
            verbose,
            command,
        } => {
            let exercise = exercise::find(&exercises, &id).map_err(UsageError)?;
            if repeat > 1 && !matches!(format, Format::Text | Format::Json) {
                return Err(UsageError(format!(
                    "--repeat {repeat} prints a summary in text or json only, not {}: drop --repeat or use --format json",
                    format_name(format)
                )));
            }
            // The student's program cannot escape by double-forking: its orphans come to us.
            lab_core::processes::become_subreaper();
            let cancel = cancel_on_ctrl_c();
            let checked = Checked {
                content: &content,
                registry,
                exercise,
                command: (!command.is_empty()).then_some(command.as_slice()),
            };
            let options = CheckOptions {
                format,
                verbose,
                print_each: !(repeat > 1 && format == Format::Json),
            };
            if repeat == 1 {
                let seed = seed.unwrap_or_else(check::fresh_seed);
                let outcome = check_once(&checked, seed, &options, &cancel)?;
                return Ok(exit_for(outcome.all_passed()));
            }
            check_repeatedly(&checked, seed, repeat, &options, &cancel)
        }
        ExerciseCommand::Watch { id, command } => {
            let exercise = exercise::find(&exercises, &id).map_err(UsageError)?;
            lab_core::processes::become_subreaper();
            watch(Checked {
                content: &content,
                registry,
                exercise,
                command: Some(&command),
            })
        }
        ExerciseCommand::Start { id, into } => {
            let exercise = exercise::find(&exercises, &id).map_err(UsageError)?;
            let folder = into.unwrap_or_else(|| exercise.id.clone().into());
            start_files(&content, exercise, &folder, lang).map_err(internal)?;
            progress()?.opened(&exercise.id).map_err(internal)?;
            Ok(ExitCode::SUCCESS)
        }
        ExerciseCommand::Export { csv: _, student } => {
            let student = student
                .or_else(|| std::env::var("USER").ok())
                .or_else(|| std::env::var("LOGNAME").ok())
                .unwrap_or_default();
            let statuses = progress()?.all().map_err(internal)?;
            export_csv(&exercises, &statuses, &student, std::io::stdout()).map_err(internal)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The task as printed by `show`: title, README, starter files, revealed hints, how to check.
fn show(
    content: &Content,
    registry: &Registry,
    exercise: &Exercise,
    lang: Lang,
    revealed: &[usize],
) -> String {
    let mut markdown = exercise.readme(content, lang);
    markdown.push_str("\n\n---\n\n");
    markdown.push_str(&tr!(
        lang,
        "show-difficulty",
        difficulty = exercise.difficulty_label(lang),
        seconds = exercise.time_limit.as_secs()
    ));
    markdown.push_str("\n\n");
    if !exercise.starters.is_empty() {
        markdown.push_str(&tr!(lang, "show-start-files", id = exercise.id.as_str()));
        markdown.push_str("\n\n");
        for path in &exercise.starters {
            markdown.push_str(&format!(
                "- `{}`\n",
                path.rsplit('/').next().unwrap_or(path)
            ));
        }
        markdown.push('\n');
    }
    markdown.push_str(&exercise.hints_markdown(lang, revealed));
    if revealed.len() < exercise.hints.len() {
        markdown.push_str(&tr!(
            lang,
            "show-hints-left",
            count = exercise.hints.len() - revealed.len(),
            id = exercise.id.as_str()
        ));
        markdown.push_str("\n\n");
    }
    markdown.push_str(&tr!(
        lang,
        "show-check-it",
        command = exercise.check_command(lang)
    ));
    if let Some(file) = &exercise.task_file {
        if lang == Lang::En {
            markdown.push(' ');
        }
        markdown.push_str(&tr!(lang, "show-check-file", file = file.as_str()));
    }
    markdown.push('\n');
    let path = content.display(&format!("{}/README.md", exercise.folder()));
    match lesson::parse(&markdown, &path, registry) {
        Ok((lines, _)) => {
            let lesson = lesson::Lesson {
                topic: exercise.topic.clone(),
                lang,
                title: exercise.title.get(lang).to_string(),
                markdown,
                lines,
                links: Vec::new(),
                included: Default::default(),
            };
            lesson::to_terminal(&lesson, width(), colour())
        }
        Err(_) => markdown,
    }
}

fn start_files(
    content: &Content,
    exercise: &Exercise,
    folder: &Path,
    lang: Lang,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    for path in &exercise.starters {
        let target = folder.join(exercise.starter_name(path));
        if target.exists() {
            println!(
                "{}",
                tr!(lang, "start-kept", file = target.display().to_string())
            );
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let bytes = content.read_bytes(path).unwrap_or_default();
        std::fs::write(&target, bytes)
            .with_context(|| format!("cannot write {}", target.display()))?;
        println!(
            "{}",
            tr!(lang, "start-wrote", file = target.display().to_string())
        );
    }
    println!(
        "\n{}",
        tr!(
            lang,
            "start-next",
            command = exercise.check_command(lang),
            folder = folder.display().to_string()
        )
    );
    Ok(())
}

/// Ctrl-C cancels the running check (the student's program is still stopped cleanly).
fn cancel_on_ctrl_c() -> CancelToken {
    let cancel = CancelToken::default();
    let handler = cancel.clone();
    // Only fails if a handler is already set, which this process never does twice.
    let _ = ctrlc::set_handler(move || handler.cancel());
    cancel
}

/// How a check's result is printed.
struct CheckOptions {
    format: Format,
    verbose: bool,
    /// Whether each check prints its result (not with `--repeat --format json`, which prints
    /// one document for all the runs).
    print_each: bool,
}

fn format_name(format: Format) -> String {
    use clap::ValueEnum as _;
    format
        .to_possible_value()
        .map(|value| value.get_name().to_string())
        .unwrap_or_default()
}

/// 0 when every check passed, 1 when some failed (2, a check that could not run, is a
/// [`UsageError`]).
fn exit_for(passed: bool) -> ExitCode {
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// What `exercise check` (or `watch`) checks: the same for every run of it.
struct Checked<'a> {
    /// Where the exercise's files (its starters, which a checker may compare with) come from.
    content: &'a Content,
    registry: &'a Registry,
    exercise: &'a Exercise,
    /// The student's program, when the workbench starts it.
    command: Option<&'a [String]>,
}

/// One check: run, printed in the chosen format, recorded in the progress file.
fn check_once(
    checked: &Checked,
    seed: u64,
    options: &CheckOptions,
    cancel: &CancelToken,
) -> Result<check::Outcome, UsageError> {
    let Checked {
        content,
        registry,
        exercise,
        command,
    } = *checked;
    check::preflight(exercise, command).map_err(UsageError)?;
    let text = options.format == Format::Text;
    // A grader reads standard output: the banner goes where a person still sees it.
    let lang = lab_i18n::current();
    let mut banner = tr!(
        lang,
        "check-banner",
        id = exercise.id.as_str(),
        title = exercise.title.get(lang)
    );
    if let Some(command) = command {
        banner.push_str("\n  ");
        banner.push_str(&tr!(
            lang,
            "check-banner-running",
            command = command.join(" ")
        ));
    }
    banner.push_str("\n  ");
    banner.push_str(&tr!(lang, "check-banner-seed", seed = seed.to_string()));
    if text {
        println!("{banner}");
    } else {
        eprintln!("{banner}");
    }
    // What was checked, taken before the program runs and writes files of its own.
    let files_sha256 = std::env::current_dir()
        .ok()
        .and_then(|folder| fingerprint::folder_hash(&folder));
    let mut outcome =
        check::run(content, exercise, registry, command, seed, cancel, lang).map_err(UsageError)?;
    outcome.files_sha256 = files_sha256;
    for name in outcome.unmatched_hints(exercise) {
        eprintln!(
            "{}",
            tr!(
                lang,
                "check-hint-unmatched",
                file = format!("{}/exercise.toml", exercise.folder()),
                name = name
            )
        );
    }
    for name in outcome.unmatched_points(exercise) {
        eprintln!(
            "{}",
            tr!(
                lang,
                "check-points-unmatched",
                file = format!("{}/exercise.toml", exercise.folder()),
                name = name
            )
        );
    }
    if text {
        print!(
            "{}",
            check::render(&outcome, lang, colour(), options.verbose)
        );
    } else if options.print_each {
        print!("{}", report::write(options.format, &outcome));
    }
    let attempt = progress::Attempt::of(&outcome);
    match progress().and_then(|progress| {
        progress
            .record_attempt(&exercise.id, &attempt)
            .map_err(|error| UsageError(format!("{error:#}")))
    }) {
        Ok(()) => {}
        Err(UsageError(error)) => {
            eprintln!("{}", tr!(lang, "check-progress-not-saved", error = error));
        }
    }
    if text {
        if outcome.all_passed() {
            println!("{}", tr!(lang, "check-all-pass"));
        } else {
            println!("{}", tr!(lang, "check-not-yet", id = exercise.id.as_str()));
        }
    }
    Ok(outcome)
}

/// `--repeat N`: N checks with N seeds, then how many passed and the seeds that failed.
fn check_repeatedly(
    checked: &Checked,
    first_seed: Option<u64>,
    repeat: u32,
    options: &CheckOptions,
    cancel: &CancelToken,
) -> Result<ExitCode, UsageError> {
    let mut runs = Vec::new();
    let mut failed_seeds = Vec::new();
    for run in 0..u64::from(repeat) {
        if cancel.is_cancelled() {
            break;
        }
        let seed = match first_seed {
            Some(first) => first.wrapping_add(run),
            None => check::fresh_seed(),
        };
        if options.format == Format::Text {
            println!(
                "\n{}",
                tr!(
                    lab_i18n::current(),
                    "check-run-of",
                    run = run + 1,
                    runs = repeat
                )
            );
        }
        let outcome = check_once(checked, seed, options, cancel)?;
        if !outcome.all_passed() {
            failed_seeds.push(seed);
        }
        runs.push(outcome);
    }
    let passed = runs.len() - failed_seeds.len();
    let listed: Vec<String> = failed_seeds.iter().map(u64::to_string).collect();
    match options.format {
        Format::Json => {
            let document = serde_json::json!({
                "exercise": checked.exercise.id,
                "passed": passed,
                "runs": runs.len(),
                "failed_seeds": failed_seeds,
                "results": runs.iter().map(report::json_of).collect::<Vec<_>>(),
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&document).unwrap_or_default()
            );
        }
        _ => {
            let lang = lab_i18n::current();
            println!(
                "\n{}",
                tr!(
                    lang,
                    "check-repeat-summary",
                    passed = passed,
                    runs = runs.len()
                )
            );
            if !listed.is_empty() {
                println!(
                    "{}",
                    tr!(lang, "check-failed-seeds", seeds = listed.join(", "))
                );
            }
        }
    }
    Ok(exit_for(failed_seeds.is_empty() && !runs.is_empty()))
}

fn watch(checked: Checked) -> Result<ExitCode, UsageError> {
    use notify::{RecursiveMode, Watcher as _};
    let cancel = cancel_on_ctrl_c();
    let (sender, receiver) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && (event.kind.is_modify() || event.kind.is_create() || event.kind.is_remove())
        {
            let _ = sender.send(());
        }
    })
    .map_err(|error| UsageError(format!("cannot watch files: {error}")))?;
    watcher
        .watch(Path::new("."), RecursiveMode::Recursive)
        .map_err(|error| UsageError(format!("cannot watch this folder: {error}")))?;
    let options = CheckOptions {
        format: Format::Text,
        verbose: false,
        print_each: true,
    };
    loop {
        let _ = check_once(&checked, check::fresh_seed(), &options, &cancel)?;
        // Files the program itself wrote during the check (a log, a cache) are not edits.
        while receiver.try_recv().is_ok() {}
        println!("\n{}", tr!(lab_i18n::current(), "check-watching"));
        // Wait for a change, then let a burst of saves settle before checking again.
        loop {
            if cancel.is_cancelled() {
                return Ok(ExitCode::SUCCESS);
            }
            if receiver.recv_timeout(Duration::from_millis(200)).is_ok() {
                break;
            }
        }
        while receiver.recv_timeout(Duration::from_millis(300)).is_ok() {}
        println!("\n{}", tr!(lab_i18n::current(), "watch-file-changed"));
    }
}

pub fn export_csv(
    exercises: &[Exercise],
    statuses: &std::collections::BTreeMap<String, progress::Status>,
    student: &str,
    out: impl std::io::Write,
) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "student",
        "exercise",
        "topic",
        "title",
        "status",
        "attempts",
        "passed",
        "first_passed_utc",
        "seconds_to_pass",
        "hints_used",
        "passed_command",
        "passed_files_sha256",
        "passed_workbench_version",
        "passed_seed",
    ])?;
    for exercise in exercises {
        let status = statuses.get(&exercise.id).cloned().unwrap_or_default();
        let passed_with = status.passed_with.clone().unwrap_or_default();
        writer.write_record([
            student.to_string(),
            exercise.id.clone(),
            exercise.topic.clone(),
            exercise.title.en.clone(),
            // The teacher's file keeps the same words whatever the student's language.
            status.label(Lang::En),
            status.attempts.to_string(),
            status.passed.to_string(),
            status
                .first_passed_at
                .map(progress::utc_time)
                .unwrap_or_default(),
            status
                .seconds_to_pass
                .map(|seconds| seconds.to_string())
                .unwrap_or_default(),
            status.hints_used.to_string(),
            passed_with.command.clone().unwrap_or_default(),
            passed_with.files_sha256.clone().unwrap_or_default(),
            passed_with.workbench_version.clone().unwrap_or_default(),
            passed_with
                .seed
                .map(|seed| seed.to_string())
                .unwrap_or_default(),
        ])?;
    }
    writer.flush()?;
    Ok(())
}
