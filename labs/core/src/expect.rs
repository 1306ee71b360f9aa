//! What a lesson's lab link promises to show, written beside its settings and checked against
//! the run's report: `expect=dropped>0` (a counter or gauge moved), `expect=echoes<1`,
//! `expect=orders=300`, `expect=failed` (the verdict failed: the lab shows a flaw),
//! `expect=passed`.
//!
//! A counter is named by its id: its name in lower case with every run of spaces and
//! punctuation written as one `-` (`refused: sold out (409)` is `refused-sold-out-409`,
//! `sub-1/dropped` stays as it is), so a link never needs a space or a bracket.
//!
//! A link that promises a phenomenon its settings cannot show within seconds teaches the wrong
//! thing, so every link declares one and a test runs each link and holds it to it.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::Report;

/// One promise about a run's report.
#[derive(Clone, Debug, PartialEq)]
pub enum Expectation {
    /// A counter's final total, or a gauge's last value, compared with a number.
    Counter {
        counter: String,
        comparison: Comparison,
        value: u64,
    },
    /// The lab's verdict: passed (`true`) or failed (`false`).
    Verdict(bool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    Above,
    Below,
    Equal,
}

impl Comparison {
    fn symbol(self) -> &'static str {
        match self {
            Comparison::Above => ">",
            Comparison::Below => "<",
            Comparison::Equal => "=",
        }
    }

    fn holds(self, left: i128, right: i128) -> bool {
        match self {
            Comparison::Above => left > right,
            Comparison::Below => left < right,
            Comparison::Equal => left == right,
        }
    }
}

impl Expectation {
    /// Reads one `expect=` value; the error says what is wrong and what is accepted.
    pub fn parse(text: &str) -> Result<Expectation, String> {
        match text {
            "passed" => return Ok(Expectation::Verdict(true)),
            "failed" => return Ok(Expectation::Verdict(false)),
            _ => {}
        }
        let usage = "write expect=<counter>>N, <counter><N, <counter>=N, passed or failed";
        let Some(at) = text.find(['>', '<', '=']) else {
            return Err(format!("expect={text}: no comparison; {usage}"));
        };
        let (counter, rest) = text.split_at(at);
        let comparison = match &rest[..1] {
            ">" => Comparison::Above,
            "<" => Comparison::Below,
            _ => Comparison::Equal,
        };
        let number = &rest[1..];
        if counter.is_empty() || id_of(counter) != counter {
            return Err(format!(
                "expect={text}: '{counter}' is not a counter id (lower case, digits, - and /); \
                 {usage}"
            ));
        }
        let value = number
            .parse::<u64>()
            .map_err(|_| format!("expect={text}: '{number}' is not a whole number; {usage}"))?;
        Ok(Expectation::Counter {
            counter: counter.to_string(),
            comparison,
            value,
        })
    }

    /// Whether the report keeps the promise; if not, one line saying what the run showed.
    pub fn check(&self, report: &Report) -> Result<(), String> {
        match self {
            Expectation::Verdict(ok) if report.ok == *ok => Ok(()),
            Expectation::Verdict(_) => Err(format!(
                "expected the verdict to be {self}, it {}: {}",
                if report.ok { "passed" } else { "failed" },
                report.verdict
            )),
            Expectation::Counter {
                counter,
                comparison,
                value,
            } => {
                let figures = report
                    .counters
                    .iter()
                    .map(|(name, total)| (name, *total as i128))
                    .chain(
                        report
                            .gauges
                            .iter()
                            .map(|(name, value)| (name, *value as i128)),
                    );
                let mut names = Vec::new();
                for (name, figure) in figures {
                    if id_of(name) != *counter {
                        names.push(id_of(name));
                        continue;
                    }
                    return if comparison.holds(figure, i128::from(*value)) {
                        Ok(())
                    } else {
                        Err(format!("expected {self}, the run ended with {figure}"))
                    };
                }
                Err(format!(
                    "expected {self}, but the run has no counter '{counter}'; it has: {}",
                    names.join(", ")
                ))
            }
        }
    }
}

/// A counter's id: each `/`-separated part of its name as the catalogue writes it
/// ([`lab_i18n::slug`]): `refused: sold out (409)` → `refused-sold-out-409`.
pub fn id_of(name: &str) -> String {
    name.split('/')
        .map(lab_i18n::slug)
        .collect::<Vec<_>>()
        .join("/")
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expectation::Verdict(true) => f.write_str("passed"),
            Expectation::Verdict(false) => f.write_str("failed"),
            Expectation::Counter {
                counter,
                comparison,
                value,
            } => write!(f, "{counter}{}{value}", comparison.symbol()),
        }
    }
}

/// In JSON as written in the link, e.g. `"dropped>0"`.
impl Serialize for Expectation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(ok: bool, counters: &[(&str, u64)]) -> Report {
        Report {
            ok,
            counters: counters
                .iter()
                .map(|(name, value)| (name.to_string(), *value))
                .collect(),
            verdict: "the lab's own words".to_string(),
            ..Report::default()
        }
    }

    #[test]
    fn each_form_reads_back_as_written_and_holds_or_not() {
        let mut run = report(false, &[("dropped", 12), ("sub-1/received", 0)]);
        run.counters.insert("refused: sold out (409)".into(), 7);
        run.gauges.insert("row lock waits".into(), 3);
        for (text, holds) in [
            ("refused-sold-out-409=7", true),
            ("row-lock-waits>2", true),
            ("row-lock-waits>3", false),
            ("dropped>0", true),
            ("dropped>12", false),
            ("dropped<13", true),
            ("dropped=12", true),
            ("sub-1/received=0", true),
            ("sub-1/received>0", false),
            ("failed", true),
            ("passed", false),
        ] {
            let expectation = Expectation::parse(text).unwrap();
            assert_eq!(expectation.to_string(), text);
            assert_eq!(expectation.check(&run).is_ok(), holds, "{text}");
        }
    }

    #[test]
    fn a_broken_promise_says_what_the_run_showed() {
        let run = report(true, &[("dropped", 0)]);
        let error = Expectation::parse("dropped>0")
            .unwrap()
            .check(&run)
            .unwrap_err();
        assert!(error.contains("ended with 0"), "{error}");
        let error = Expectation::parse("droped>0")
            .unwrap()
            .check(&run)
            .unwrap_err();
        assert!(
            error.contains("no counter 'droped'") && error.contains("dropped"),
            "{error}"
        );
        let error = Expectation::parse("failed")
            .unwrap()
            .check(&run)
            .unwrap_err();
        assert!(error.contains("it passed: the lab's own words"), "{error}");
    }

    #[test]
    fn malformed_promises_are_refused_with_the_accepted_forms() {
        for text in [
            "dropped",
            ">0",
            "dropped>-1",
            "dropped>1e308",
            "dropped>NaN",
            "",
            "Dropped>0",
            "sold out>0",
        ] {
            let error = Expectation::parse(text).unwrap_err();
            assert!(error.contains("expect=<counter>"), "{text}: {error}");
        }
    }
}
