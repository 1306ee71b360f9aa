//! Reading a JUnit XML file that another test runner wrote (PHPUnit's `--log-junit`, pytest's
//! `--junitxml`), so that an `exec` test can bring in a whole external suite as its cases:
//!
//! ```toml
//! [[test]]
//! name = "unit"
//! exec = { command = "phpunit --log-junit unit.xml tests", junit = "unit.xml" }
//! ```
//!
//! Each `<testcase>` becomes a case: its `classname::name`, and how it ended (a `<failure>`,
//! `<error>` or `<skipped>` inside it, else passed).

use quick_xml::events::Event;

/// One test case of an imported JUnit file.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub name: String,
    /// The test's class (`class`, else `classname`) and its own name, as the runner wrote them.
    pub class: String,
    pub test: String,
    /// Seconds it took and assertions it made, where the report says (else 0).
    pub seconds: f64,
    pub assertions: u64,
    /// passed, failed, error or skipped.
    pub outcome: &'static str,
    pub message: String,
}

/// The cases of a JUnit document; the error says what is wrong with it and where.
pub fn read_cases(xml: &str) -> Result<Vec<Case>, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut cases: Vec<Case> = Vec::new();
    let mut saw_root = false;
    // Inside a <failure> or <error> with no message attribute, its text is the message
    // (PHPUnit writes it so).
    let mut reading_text = false;
    loop {
        let event = reader.read_event().map_err(|error| {
            format!(
                "not JUnit XML at byte {}: {error}",
                reader.buffer_position()
            )
        })?;
        let opens = matches!(event, Event::Start(_));
        match event {
            Event::Start(element) | Event::Empty(element) => {
                let tag = String::from_utf8_lossy(element.name().as_ref()).into_owned();
                let attribute = |key: &str| {
                    element
                        .try_get_attribute(key)
                        .ok()
                        .flatten()
                        .and_then(|value| value.unescape_value().ok())
                        .map(|value| value.into_owned())
                        .unwrap_or_default()
                };
                match tag.as_str() {
                    "testsuites" | "testsuite" => saw_root = true,
                    "testcase" => {
                        let classname = attribute("classname");
                        let name = attribute("name");
                        let class = match attribute("class") {
                            class if class.is_empty() => classname.clone(),
                            class => class,
                        };
                        cases.push(Case {
                            name: if classname.is_empty() {
                                name.clone()
                            } else {
                                format!("{classname}::{name}")
                            },
                            class,
                            test: name,
                            seconds: attribute("time")
                                .parse::<f64>()
                                .ok()
                                .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
                                .unwrap_or(0.0),
                            assertions: attribute("assertions").parse().unwrap_or(0),
                            outcome: "passed",
                            message: String::new(),
                        });
                    }
                    "failure" | "error" | "skipped" => {
                        if let Some(case) = cases.last_mut() {
                            case.outcome = match tag.as_str() {
                                "failure" => "failed",
                                "error" => "error",
                                _ => "skipped",
                            };
                            case.message = attribute("message");
                            reading_text = case.message.is_empty() && opens;
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(text) if reading_text => {
                if let (Some(case), Ok(text)) = (cases.last_mut(), text.decode()) {
                    case.message.push_str(&text);
                }
            }
            Event::End(_) if reading_text => {
                reading_text = false;
                if let Some(case) = cases.last_mut() {
                    case.message = first_lines(&case.message, &case.name);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err("no <testsuites> or <testsuite>: not a JUnit report".to_string());
    }
    Ok(cases)
}

/// The first two lines of a failure's text, without a first line that only repeats the
/// case's name: "the total is wrong / Failed asserting that 7 is identical to 10."; when the
/// text holds a diff (PHPUnit's for two strings), the first line and the diff's own lines:
/// "Failed asserting that two strings are identical. / -'VALUE blue' / +'VALUE w1'".
fn first_lines(text: &str, name: &str) -> String {
    /// Diff lines kept, at most: a long one is cut, the message stays one line.
    const MOST_DIFF_LINES: usize = 6;
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && *line != name)
        .collect();
    let diff: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| {
            (line.starts_with('-') && !line.starts_with("---"))
                || (line.starts_with('+') && !line.starts_with("+++"))
        })
        .take(MOST_DIFF_LINES)
        .collect();
    let kept: Vec<&str> = if diff.is_empty() || lines.is_empty() {
        lines.into_iter().take(2).collect()
    } else {
        std::iter::once(lines[0]).chain(diff).collect()
    };
    kept.join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_are_read_with_how_they_ended() {
        let cases = read_cases(
            r#"<?xml version="1.0"?>
<testsuites><testsuite name="All"><testsuite name="CartTest">
  <testcase name="testAdd" classname="CartTest" assertions="1"/>
  <testcase name="testPay" classname="CartTest"><failure message="expected 2, got 3" type="x">trace</failure></testcase>
  <testcase name="testShip" classname="CartTest"><skipped/></testcase>
  <testcase name="test_io"><error message="boom"/></testcase>
</testsuite></testsuite></testsuites>"#,
        )
        .unwrap();
        let ended: Vec<(&str, &str)> = cases
            .iter()
            .map(|case| (case.name.as_str(), case.outcome))
            .collect();
        assert_eq!(
            ended,
            [
                ("CartTest::testAdd", "passed"),
                ("CartTest::testPay", "failed"),
                ("CartTest::testShip", "skipped"),
                ("test_io", "error"),
            ]
        );
        assert_eq!(cases[1].message, "expected 2, got 3");
        let phpunit = read_cases(
            "<testsuites><testsuite name=\"CartTest\"><testcase name=\"testTotal\" classname=\"CartTest\"><failure type=\"X\">CartTest::testTotal\nthe total is wrong\nFailed asserting that 7 is identical to 10.\n\n/tmp/CartTest.php:5</failure></testcase></testsuite></testsuites>",
        )
        .unwrap();
        assert_eq!(
            phpunit[0].message,
            "the total is wrong / Failed asserting that 7 is identical to 10."
        );
        let diffed = read_cases(
            "<testsuite name=\"KvTest\"><testcase name=\"testReceive\" class=\"KvTest\" classname=\"KvTest\"><failure type=\"X\">KvTest::testReceive\nFailed asserting that two strings are identical.\n--- Expected\n+++ Actual\n@@ @@\n-'VALUE blue'\n+'VALUE w1'\n\n/tmp/KvTest.php:30</failure></testcase></testsuite>",
        )
        .unwrap();
        assert_eq!(
            diffed[0].message,
            "Failed asserting that two strings are identical. / -'VALUE blue' / +'VALUE w1'"
        );
        assert!(
            read_cases("<html></html>")
                .unwrap_err()
                .contains("not a JUnit report")
        );
        // A report cut short is an error that says where, not a shorter list of cases.
        let cut = read_cases("<testsuite><testcase name=\"a\"").unwrap_err();
        assert!(cut.starts_with("not JUnit XML at byte 29"), "{cut}");
    }
}
