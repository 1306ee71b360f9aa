//! The three kinds of message in the pipeline, as text any language can write and read.
//!
//! ```text
//! ventilator → sink     batch tasks=100                       a batch starts: expect 100 results
//! ventilator → worker   task=17 work=10 n=48213               spend 10 ms on task 17, square n
//! worker → sink         task=17 work=10 n=48213 result=2324493369 worker=php-1
//! sink → workers (PUB)  KILL                                  the batch is done: stop
//! ```
//!
//! A worker answers with the task it was given plus `result=` (n × n) and `worker=` (its name,
//! so the sink can show how the tasks were shared). Fields are `key=value` separated by
//! spaces: in Python `dict(field.split("=") for field in message.split())`, in PHP
//! `parse_str(str_replace(" ", "&", $message), $fields)`.
//!
//! The programs of the ZeroMQ guide (taskvent, taskwork, tasksink) send bare numbers instead: a
//! task is its cost in milliseconds and a result is an empty message. Our roles accept those
//! too, so the guide's programs can take any role.

/// What the control socket says when the batch is done.
pub const KILL: &str = "KILL";

/// One task: its number in the batch, its cost and its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Task {
    pub id: u64,
    pub work_ms: u64,
    pub n: u64,
}

impl Task {
    /// Task `id` of a batch: the input is a scrambled `seed + id`, so results cannot be guessed
    /// from the task number.
    pub fn new(seed: u64, id: u64, work_ms: u64) -> Task {
        Task {
            id,
            work_ms,
            n: scramble(seed.wrapping_add(id)) % 1_000_000,
        }
    }

    pub fn encode(&self) -> String {
        format!("task={} work={} n={}", self.id, self.work_ms, self.n)
    }

    /// Reads a task; a bare number is a task of the guide's ventilator (its cost in ms).
    pub fn decode(message: &[u8]) -> Option<Task> {
        let text = std::str::from_utf8(message).ok()?.trim();
        if let Ok(work_ms) = text.parse() {
            return Some(Task {
                id: 0,
                work_ms,
                n: 0,
            });
        }
        Some(Task {
            id: field(text, "task")?.parse().ok()?,
            work_ms: field(text, "work")?.parse().ok()?,
            n: field(text, "n")?.parse().ok()?,
        })
    }

    /// The right answer for this task.
    pub fn answer(&self) -> u64 {
        self.n * self.n
    }

    /// What a worker called `worker` sends back to the sink.
    pub fn result(&self, worker: &str) -> String {
        format!("{} result={} worker={worker}", self.encode(), self.answer())
    }
}

/// The start-of-batch message.
pub fn batch_start(tasks: u64) -> String {
    format!("batch tasks={tasks}")
}

/// What arrived at the sink.
#[derive(Debug, PartialEq, Eq)]
pub enum Arrival<'a> {
    /// A batch starts; `tasks` is how many results to expect if it said.
    BatchStart { tasks: Option<u64> },
    /// A result, with whatever fields it carried.
    Result(Outcome<'a>),
}

/// One result as the sink reads it; a guide worker's empty message has no fields at all.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome<'a> {
    pub task: Option<u64>,
    pub work_ms: Option<u64>,
    pub worker: Option<&'a str>,
    /// `Some(false)` when the result is not n × n.
    pub correct: Option<bool>,
    pub text: &'a str,
}

/// Reads a message at the sink. `batch_open` says whether a batch is being collected: the
/// guide's ventilator announces a batch with a bare "0", which is only a start when none is.
pub fn arrival(message: &[u8], batch_open: bool) -> Arrival<'_> {
    let text = std::str::from_utf8(message).unwrap_or("").trim();
    if text == "batch" || text.starts_with("batch ") {
        return Arrival::BatchStart {
            tasks: field(text, "tasks").and_then(|tasks| tasks.parse().ok()),
        };
    }
    if !batch_open && !text.contains("result=") {
        return Arrival::BatchStart { tasks: None };
    }
    let number = |key| field(text, key).and_then(|value| value.parse::<u64>().ok());
    let correct = match (number("n"), field(text, "result")) {
        (Some(n), Some(result)) => Some(result.parse() == Ok(n * n)),
        (None, Some(_)) => Some(false),
        _ => None,
    };
    Arrival::Result(Outcome {
        task: number("task"),
        work_ms: number("work"),
        worker: field(text, "worker"),
        correct,
        text,
    })
}

/// The value of `key=value` among space-separated fields.
pub fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == key)
        .map(|(_, value)| value)
}

/// A cheap, well-mixed hash of a number (splitmix64's finaliser).
fn scramble(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d049bb133111eb);
    value ^ (value >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_and_its_result_read_back() {
        let task = Task::new(7, 17, 10);
        assert!(task.n < 1_000_000);
        assert_ne!(
            Task::new(7, 18, 10).n,
            task.n,
            "inputs differ between tasks"
        );
        assert_eq!(Task::decode(task.encode().as_bytes()), Some(task));
        let result = task.result("php-1");
        let Arrival::Result(outcome) = arrival(result.as_bytes(), true) else {
            panic!("a result read as a batch start: {result}");
        };
        assert_eq!(outcome.task, Some(17));
        assert_eq!(outcome.work_ms, Some(10));
        assert_eq!(outcome.worker, Some("php-1"));
        assert_eq!(outcome.correct, Some(true));
    }

    #[test]
    fn a_wrong_or_missing_answer_is_not_correct() {
        let wrong = arrival(b"task=1 work=0 n=12 result=145 worker=w", true);
        assert!(matches!(
            wrong,
            Arrival::Result(Outcome {
                correct: Some(false),
                ..
            })
        ));
        let garbled = arrival(b"task=1 work=0 n=12 result=abc", true);
        assert!(matches!(
            garbled,
            Arrival::Result(Outcome {
                correct: Some(false),
                ..
            })
        ));
        let no_input = arrival(b"result=144", true);
        assert!(matches!(
            no_input,
            Arrival::Result(Outcome {
                correct: Some(false),
                ..
            })
        ));
    }

    #[test]
    fn the_guides_messages_are_understood() {
        assert_eq!(
            Task::decode(b"42"),
            Some(Task {
                id: 0,
                work_ms: 42,
                n: 0
            })
        );
        // taskvent's "0" opens a batch; while one is open, taskwork's empty message is a result.
        assert_eq!(arrival(b"0", false), Arrival::BatchStart { tasks: None });
        assert!(matches!(
            arrival(b"", true),
            Arrival::Result(Outcome { correct: None, .. })
        ));
        assert_eq!(
            arrival(batch_start(100).as_bytes(), true),
            Arrival::BatchStart { tasks: Some(100) }
        );
        assert_eq!(Task::decode(b"hello"), None);
    }
}
