//! The assertion toolkit every action shares: how a test ended, one assertion's three parts
//! (what was checked, what it should have been, what it was), and output shown short.

/// How a test ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Passed,
    /// An assertion did not hold.
    Failed {
        message: String,
        expected: String,
        actual: String,
    },
    /// The test could not do its work.
    Error {
        message: String,
    },
    Skipped {
        reason: String,
    },
}

impl Outcome {
    /// PHPUnit's progress character.
    pub fn symbol(&self) -> char {
        match self {
            Outcome::Passed => '.',
            Outcome::Failed { .. } => 'F',
            Outcome::Error { .. } => 'E',
            Outcome::Skipped { .. } => 'S',
        }
    }

    pub fn what(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed { .. } => "failed",
            Outcome::Error { .. } => "errored",
            Outcome::Skipped { .. } => "was skipped",
        }
    }
}

/// One assertion: what was checked, what it should have been, what it was.
pub(crate) struct Assertion {
    pub message: String,
    pub expected: String,
    pub actual: String,
    pub held: bool,
}

/// Counts the assertions up to the first that does not hold, which is the test's failure.
pub(crate) fn first_failure(assertions: impl IntoIterator<Item = Assertion>) -> (Outcome, u32) {
    let mut counted = 0;
    for assertion in assertions {
        counted += 1;
        if !assertion.held {
            let outcome = Outcome::Failed {
                message: assertion.message,
                expected: assertion.expected,
                actual: assertion.actual,
            };
            return (outcome, counted);
        }
    }
    (Outcome::Passed, counted)
}

/// Output as a quoted string, cut when long.
pub(crate) fn shown(output: &str) -> String {
    const SHOWN: usize = 300;
    let cut: String = output.chars().take(SHOWN).collect();
    let more = if output.chars().count() > SHOWN {
        "…"
    } else {
        ""
    };
    format!("\"{}\"{more}", cut.escape_debug())
}
