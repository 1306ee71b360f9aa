//! A student's progress, kept in a SQLite file in their data folder
//! (`~/.local/share/workbench/progress.sqlite` on Linux; `WORKBENCH_DATA_DIR` puts it elsewhere).
//!
//! Three small tables: when each exercise was first opened, every check attempt (with the
//! checks it failed), and which hints were revealed, in the order they were. Everything shown
//! (status, first-pass time, the next hint) is computed from them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::exercise::Exercise;

pub struct Progress {
    connection: Connection,
}

/// One exercise's progress.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Status {
    pub attempts: u64,
    pub passed: bool,
    /// Unix seconds of the first passing check.
    pub first_passed_at: Option<i64>,
    /// From first opening the exercise to its first pass.
    pub seconds_to_pass: Option<i64>,
    pub hints_used: u64,
    /// Which hints (by their place in the exercise file), in the order they were revealed.
    pub hints_revealed: Vec<usize>,
    /// What the first passing attempt ran: its command, files, workbench and seed.
    pub passed_with: Option<Provenance>,
}

/// What an attempt was run on, so a teacher can replay it and tell attempts apart.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Provenance {
    pub command: Option<String>,
    pub files_sha256: Option<String>,
    pub workbench_version: Option<String>,
    pub seed: Option<u64>,
}

/// One check attempt, as recorded.
pub struct Attempt<'a> {
    pub checks_passed: usize,
    pub checks_total: usize,
    pub command: Option<&'a str>,
    pub files_sha256: Option<&'a str>,
    pub seed: u64,
    /// The names of the checks it failed: the next hint is the one about them.
    pub failed: Vec<&'a str>,
}

impl<'a> Attempt<'a> {
    /// The attempt a check came to.
    pub fn of(outcome: &'a crate::course::check::Outcome) -> Attempt<'a> {
        Attempt {
            checks_passed: outcome.passed(),
            checks_total: outcome.checks.len(),
            command: outcome.command.as_deref(),
            files_sha256: outcome.files_sha256.as_deref(),
            seed: outcome.seed,
            failed: outcome
                .checks
                .iter()
                .filter(|timed| !timed.check.passed)
                .map(|timed| timed.check.name.as_str())
                .collect(),
        }
    }
}

impl Status {
    /// A short word for lists: `passed`, `tried 3×`, or `new` (in `lang`).
    pub fn label(&self, lang: lab_i18n::Lang) -> String {
        if self.passed {
            lab_i18n::tr!(lang, "status-passed")
        } else if self.attempts > 0 {
            lab_i18n::tr!(lang, "status-tried", attempts = self.attempts)
        } else {
            lab_i18n::tr!(lang, "status-new")
        }
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}

/// Where the progress file lives.
pub fn default_path() -> anyhow::Result<PathBuf> {
    Ok(crate::data::folder()?.join("progress.sqlite"))
}

impl Progress {
    pub fn open_default() -> anyhow::Result<Progress> {
        Progress::open(&default_path()?)
    }

    pub fn open(path: &Path) -> anyhow::Result<Progress> {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).with_context(|| {
                format!("cannot create {} for the progress file", folder.display())
            })?;
        }
        let connection = Connection::open(path)
            .with_context(|| format!("cannot open the progress file {}", path.display()))?;
        // The browser dashboard and a `check` in a shell may write at the same moment.
        connection.busy_timeout(Duration::from_secs(5))?;
        connection
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS opened (
                     exercise TEXT PRIMARY KEY,
                     at INTEGER NOT NULL);
                 CREATE TABLE IF NOT EXISTS attempts (
                     id INTEGER PRIMARY KEY,
                     exercise TEXT NOT NULL,
                     at INTEGER NOT NULL,
                     passed INTEGER NOT NULL,
                     checks_passed INTEGER NOT NULL,
                     checks_total INTEGER NOT NULL);
                 CREATE TABLE IF NOT EXISTS hints (
                     exercise TEXT PRIMARY KEY,
                     revealed INTEGER NOT NULL);
                 CREATE TABLE IF NOT EXISTS hints_shown (
                     exercise TEXT NOT NULL,
                     hint INTEGER NOT NULL,
                     PRIMARY KEY (exercise, hint));",
            )
            .with_context(|| {
                format!(
                    "{} is not a workbench progress file (move it away to start afresh)",
                    path.display()
                )
            })?;
        add_provenance_columns(&connection)
            .and_then(|()| move_hint_counts(&connection))
            .with_context(|| format!("cannot update the progress file {}", path.display()))?;
        Ok(Progress { connection })
    }

    /// Notes that the student opened an exercise; only the first time counts.
    pub fn opened(&self, exercise: &str) -> anyhow::Result<()> {
        self.connection.execute(
            "INSERT OR IGNORE INTO opened (exercise, at) VALUES (?1, ?2)",
            params![exercise, now()],
        )?;
        Ok(())
    }

    pub fn record_attempt(&self, exercise: &str, attempt: &Attempt) -> anyhow::Result<()> {
        self.opened(exercise)?;
        let passed = attempt.checks_total > 0 && attempt.checks_passed == attempt.checks_total;
        self.connection.execute(
            "INSERT INTO attempts (exercise, at, passed, checks_passed, checks_total,
                                   command, files_sha256, workbench_version, seed, failed_checks)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                exercise,
                now(),
                passed,
                attempt.checks_passed as i64,
                attempt.checks_total as i64,
                attempt.command,
                attempt.files_sha256,
                env!("CARGO_PKG_VERSION"),
                attempt.seed as i64,
                serde_json::to_string(&attempt.failed)?,
            ],
        )?;
        Ok(())
    }

    /// The checks the latest attempt failed (none before the first, or after a pass).
    pub fn last_failed(&self, exercise: &str) -> anyhow::Result<Vec<String>> {
        let failed: Option<Option<String>> = self
            .connection
            .query_row(
                "SELECT failed_checks FROM attempts WHERE exercise = ?1 ORDER BY id DESC LIMIT 1",
                [exercise],
                |row| row.get(0),
            )
            .optional()?;
        Ok(failed
            .flatten()
            .and_then(|names| serde_json::from_str(&names).ok())
            .unwrap_or_default())
    }

    /// The hints revealed, by their place in the exercise file, in the order they were.
    pub fn hints_revealed(&self, exercise: &str) -> anyhow::Result<Vec<usize>> {
        let mut statement = self
            .connection
            .prepare("SELECT hint FROM hints_shown WHERE exercise = ?1 ORDER BY rowid")?;
        let hints = statement
            .query_map([exercise], |row| row.get::<_, i64>(0))?
            .map(|hint| hint.map(|hint| hint as usize))
            .collect::<Result<_, _>>()?;
        Ok(hints)
    }

    /// Reveals the next hint of `exercise`: the one about a check the latest attempt failed,
    /// else the next in order (see [`Exercise::next_hint`]). Returns every hint revealed now,
    /// in the order they were; the same as before when all are.
    pub fn reveal_hint(&self, exercise: &Exercise) -> anyhow::Result<Vec<usize>> {
        self.opened(&exercise.id)?;
        let mut revealed = self.hints_revealed(&exercise.id)?;
        let failed = self.last_failed(&exercise.id)?;
        if let Some(next) = exercise.next_hint(&revealed, &failed) {
            self.connection.execute(
                "INSERT OR IGNORE INTO hints_shown (exercise, hint) VALUES (?1, ?2)",
                params![exercise.id, next as i64],
            )?;
            revealed.push(next);
        }
        Ok(revealed)
    }

    /// Every exercise with any progress, by id.
    pub fn all(&self) -> anyhow::Result<BTreeMap<String, Status>> {
        let mut statuses: BTreeMap<String, Status> = BTreeMap::new();
        let mut attempts = self.connection.prepare(
            "SELECT exercise, COUNT(*), MIN(CASE WHEN passed THEN at END) FROM attempts GROUP BY exercise",
        )?;
        let rows = attempts.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, Option<i64>>(2)?,
            ))
        })?;
        for row in rows {
            let (exercise, count, first_passed_at) = row?;
            let status = statuses.entry(exercise).or_default();
            status.attempts = count as u64;
            status.passed = first_passed_at.is_some();
            status.first_passed_at = first_passed_at;
        }
        let mut first_passes = self.connection.prepare(
            "SELECT exercise, command, files_sha256, workbench_version, seed FROM attempts
             WHERE passed ORDER BY at, id",
        )?;
        for row in first_passes.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                Provenance {
                    command: row.get(1)?,
                    files_sha256: row.get(2)?,
                    workbench_version: row.get(3)?,
                    seed: row.get::<_, Option<i64>>(4)?.map(|seed| seed as u64),
                },
            ))
        })? {
            let (exercise, provenance) = row?;
            let status = statuses.entry(exercise).or_default();
            if status.passed_with.is_none() {
                status.passed_with = Some(provenance);
            }
        }
        let mut hints = self
            .connection
            .prepare("SELECT exercise, hint FROM hints_shown ORDER BY rowid")?;
        for row in hints.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })? {
            let (exercise, hint) = row?;
            let status = statuses.entry(exercise).or_default();
            status.hints_revealed.push(hint as usize);
            status.hints_used = status.hints_revealed.len() as u64;
        }
        let mut opened = self.connection.prepare("SELECT exercise, at FROM opened")?;
        for row in opened.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })? {
            let (exercise, at) = row?;
            let status = statuses.entry(exercise).or_default();
            status.seconds_to_pass = status.first_passed_at.map(|passed| (passed - at).max(0));
        }
        Ok(statuses)
    }

    pub fn status(&self, exercise: &str) -> anyhow::Result<Status> {
        Ok(self.all()?.remove(exercise).unwrap_or_default())
    }
}

/// Progress files from before attempts recorded what they ran gain the columns (empty for the
/// old attempts).
fn add_provenance_columns(connection: &Connection) -> rusqlite::Result<()> {
    let mut columns = Vec::new();
    let mut statement = connection.prepare("SELECT name FROM pragma_table_info('attempts')")?;
    for name in statement.query_map([], |row| row.get::<_, String>(0))? {
        columns.push(name?);
    }
    for (column, kind) in [
        ("command", "TEXT"),
        ("files_sha256", "TEXT"),
        ("workbench_version", "TEXT"),
        ("seed", "INTEGER"),
        ("failed_checks", "TEXT"),
    ] {
        if !columns.iter().any(|known| known == column) {
            connection
                .execute_batch(&format!("ALTER TABLE attempts ADD COLUMN {column} {kind}"))?;
        }
    }
    Ok(())
}

/// Progress files from before hints were revealed by name kept a count: the first that many
/// hints were revealed, in order. Moved once into `hints_shown`.
fn move_hint_counts(connection: &Connection) -> rusqlite::Result<()> {
    connection.execute_batch(
        "WITH RECURSIVE place(hint) AS (SELECT 0 UNION ALL SELECT hint + 1 FROM place
                                        WHERE hint < 999)
         INSERT OR IGNORE INTO hints_shown (exercise, hint)
             SELECT exercise, hint FROM hints JOIN place ON hint < revealed
             ORDER BY exercise, hint;
         DELETE FROM hints;",
    )
}

/// Unix seconds as `2026-11-25 14:03:09 UTC`, for the teacher's table.
pub fn utc_time(unix_seconds: i64) -> String {
    let Ok(moment) = time::OffsetDateTime::from_unix_timestamp(unix_seconds) else {
        return format!("{unix_seconds} (seconds since 1970)");
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        moment.year(),
        u8::from(moment.month()),
        moment.day(),
        moment.hour(),
        moment.minute(),
        moment.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(checks_passed: usize, checks_total: usize) -> Attempt<'static> {
        Attempt {
            checks_passed,
            checks_total,
            command: Some("python3 server.py"),
            files_sha256: Some("sha256:00"),
            seed: 7,
            failed: Vec::new(),
        }
    }

    /// A shipped exercise with three hints, the last about the prefix check.
    fn rep_prefix() -> Exercise {
        let exercises = crate::course::exercise::load_all(
            &crate::course::content::Content::Embedded,
            &crate::labs::registry(),
        )
        .unwrap();
        exercises
            .into_iter()
            .find(|exercise| exercise.id == "zmq-rep-prefix")
            .unwrap()
    }

    fn fresh() -> (tempfile::TempDir, Progress) {
        let folder = tempfile::tempdir().unwrap();
        let progress = Progress::open(&folder.path().join("deep/progress.sqlite")).unwrap();
        (folder, progress)
    }

    #[test]
    fn attempts_passes_and_hints_add_up() {
        let (_folder, progress) = fresh();
        assert_eq!(progress.status("a").unwrap(), Status::default());
        assert_eq!(
            progress.status("a").unwrap().label(lab_i18n::Lang::En),
            "new"
        );
        progress.record_attempt("a", &attempt(2, 4)).unwrap();
        progress.record_attempt("a", &attempt(0, 0)).unwrap();
        let status = progress.status("a").unwrap();
        assert_eq!((status.attempts, status.passed), (2, false));
        assert_eq!(status.label(lab_i18n::Lang::En), "tried 2×");
        assert_eq!(status.label(lab_i18n::Lang::Zh), "试过 2 次");
        progress.record_attempt("a", &attempt(4, 4)).unwrap();
        let status = progress.status("a").unwrap();
        assert!(status.passed);
        assert!(status.seconds_to_pass.is_some_and(|seconds| seconds >= 0));
        let passed_with = status.passed_with.unwrap();
        assert_eq!(passed_with.command.as_deref(), Some("python3 server.py"));
        assert_eq!(passed_with.seed, Some(7));
        assert_eq!(
            passed_with.workbench_version.as_deref(),
            Some(env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(progress.all().unwrap().len(), 1);
    }

    #[test]
    fn hints_come_in_order_unless_the_last_attempt_failed_a_check_one_is_about() {
        let (_folder, progress) = fresh();
        let exercise = rep_prefix();
        assert_eq!(progress.reveal_hint(&exercise).unwrap(), [0]);
        // The prefix check failed: the hint about it before the second.
        let failed = Attempt {
            failed: vec!["replies with the prefix followed by the request"],
            ..attempt(2, 3)
        };
        progress.record_attempt(&exercise.id, &failed).unwrap();
        assert_eq!(progress.last_failed(&exercise.id).unwrap().len(), 1);
        assert_eq!(progress.reveal_hint(&exercise).unwrap(), [0, 2]);
        assert_eq!(progress.reveal_hint(&exercise).unwrap(), [0, 2, 1]);
        assert_eq!(
            progress.reveal_hint(&exercise).unwrap(),
            [0, 2, 1],
            "no more hints than there are"
        );
        let status = progress.status(&exercise.id).unwrap();
        assert_eq!(
            (status.hints_used, status.hints_revealed),
            (3, vec![0, 2, 1])
        );
        // A pass fails nothing: the next hint (if any were left) would come in order.
        progress
            .record_attempt(&exercise.id, &attempt(3, 3))
            .unwrap();
        assert!(progress.last_failed(&exercise.id).unwrap().is_empty());
    }

    #[test]
    fn an_older_progress_file_keeps_its_count_of_hints_as_the_first_ones() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("progress.sqlite");
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE hints (exercise TEXT PRIMARY KEY, revealed INTEGER NOT NULL);
                 INSERT INTO hints VALUES ('zmq-rep-prefix', 2);",
            )
            .unwrap();
        let progress = Progress::open(&path).unwrap();
        assert_eq!(progress.hints_revealed("zmq-rep-prefix").unwrap(), [0, 1]);
        // Opened again, the hints are not counted twice.
        drop(progress);
        let progress = Progress::open(&path).unwrap();
        assert_eq!(progress.reveal_hint(&rep_prefix()).unwrap(), [0, 1, 2]);
    }

    #[test]
    fn progress_survives_reopening() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("progress.sqlite");
        Progress::open(&path)
            .unwrap()
            .record_attempt("b", &attempt(1, 1))
            .unwrap();
        assert!(Progress::open(&path).unwrap().status("b").unwrap().passed);
    }

    #[test]
    fn an_older_progress_file_gains_the_columns_and_keeps_its_attempts() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("progress.sqlite");
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE attempts (id INTEGER PRIMARY KEY, exercise TEXT NOT NULL,
                     at INTEGER NOT NULL, passed INTEGER NOT NULL,
                     checks_passed INTEGER NOT NULL, checks_total INTEGER NOT NULL);
                 INSERT INTO attempts (exercise, at, passed, checks_passed, checks_total)
                     VALUES ('old', 1, 1, 2, 2);",
            )
            .unwrap();
        let progress = Progress::open(&path).unwrap();
        let old = progress.status("old").unwrap();
        assert!(old.passed);
        assert_eq!(old.passed_with, Some(Provenance::default()));
        progress.record_attempt("old", &attempt(1, 1)).unwrap();
        assert_eq!(progress.status("old").unwrap().attempts, 2);
    }

    #[test]
    fn a_file_that_is_not_ours_is_named() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("progress.sqlite");
        std::fs::write(
            &path,
            "this is not a database, just some text that is long enough",
        )
        .unwrap();
        let error = format!("{:#}", Progress::open(&path).err().unwrap());
        assert!(error.contains("progress.sqlite"), "{error}");
    }

    #[test]
    fn utc_times_are_calendar_dates() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_time(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc_time(1_795_618_989), "2026-11-25 15:03:09 UTC");
    }
}
