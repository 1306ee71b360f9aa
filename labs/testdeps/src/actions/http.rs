//! `http` tests: one request, then the status, headers, body and JSON of the answer.
//!
//! ```toml
//! http = { method = "POST", url = "http://127.0.0.1:8080/buy", body = '{"user": 7}', headers = { "Content-Type" = "application/json" }, status = 201, header_contains = { "content-type" = "json" }, body_contains = "order", json = { "$.order.user" = 7 } }
//! ```
//!
//! Without `status`, any 2xx passes. Every check is one assertion; the body is what `capture`
//! and `capture_json` read.

use std::collections::HashMap;

use super::fill;
use crate::assert::{Assertion, Outcome, first_failure, shown};
use crate::suite::{Http, TestSpec};

/// Bodies kept, at most.
const MOST_BODY: u64 = 10 * 1024 * 1024;

pub fn run(
    test: &TestSpec,
    http: &Http,
    values: &HashMap<String, String>,
) -> (Outcome, u32, String) {
    let url = fill(&http.url, values);
    let error = |message: String| (Outcome::Error { message }, 0, String::new());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(test.timeout))
        .build()
        .into();
    let mut request = ureq::http::Request::builder()
        .method(http.method.as_str())
        .uri(url.as_str());
    for (name, value) in &http.headers {
        request = request.header(name.as_str(), fill(value, values));
    }
    let body = http
        .body
        .as_deref()
        .map(|body| fill(body, values))
        .unwrap_or_default();
    let request = match request.body(body) {
        Ok(request) => request,
        Err(problem) => return error(format!("{} {url} is not a request: {problem}", http.method)),
    };
    let mut response = match agent.run(request) {
        Ok(response) => response,
        Err(problem) => return error(format!("{} {url} failed: {problem}", http.method)),
    };
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let text = match response
        .body_mut()
        .with_config()
        .limit(MOST_BODY)
        .read_to_string()
    {
        Ok(text) => text,
        Err(problem) => {
            return error(format!(
                "reading the answer to {} {url}: {problem}",
                http.method
            ));
        }
    };
    let request_line = format!("{} {url}", http.method);
    let status_assertion = Assertion {
        message: format!("the status of {request_line}"),
        expected: http.status.map_or("a 2xx status".to_string(), |wanted| {
            format!("status {wanted}")
        }),
        actual: format!("status {status}; body {}", shown(&text)),
        held: http
            .status
            .map_or((200..300).contains(&status), |wanted| wanted == status),
    };
    let header_assertions = http.header_contains.iter().map(|(name, wanted)| {
        let found: Vec<&str> = headers
            .iter()
            .filter(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect();
        Assertion {
            message: format!("the {name} header of {request_line}"),
            expected: format!("{name} containing \"{wanted}\""),
            actual: if found.is_empty() {
                format!("no {name} header")
            } else {
                format!("{name}: {}", found.join(", "))
            },
            held: found.iter().any(|value| value.contains(wanted.as_str())),
        }
    });
    let body_assertions = http
        .body_contains
        .iter()
        .map(|wanted| {
            let wanted = fill(wanted, values);
            let held = text.contains(&wanted);
            (format!("body containing \"{wanted}\""), held)
        })
        .chain(http.body_matches.iter().map(|pattern| {
            (
                format!("body matching /{pattern}/"),
                pattern.is_match(&text),
            )
        }))
        .map(|(expected, held)| Assertion {
            message: format!("the body of {request_line}"),
            expected,
            actual: format!("body {}", shown(&text)),
            held,
        });
    let document = serde_json::from_str::<serde_json::Value>(&text).ok();
    let json_assertions = http.json.iter().map(|(pointer, wanted)| {
        let found = document
            .as_ref()
            .and_then(|document| document.pointer(pointer));
        Assertion {
            message: format!("the JSON of {request_line} at {pointer}"),
            expected: wanted.to_string(),
            actual: match (&document, found) {
                (None, _) => format!("not JSON: {}", shown(&text)),
                (Some(_), None) => "nothing there".to_string(),
                (Some(_), Some(value)) => value.to_string(),
            },
            held: found.is_some_and(|value| same_json(value, wanted)),
        }
    });
    let (outcome, counted) = first_failure(
        std::iter::once(status_assertion)
            .chain(header_assertions)
            .chain(body_assertions)
            .chain(json_assertions),
    );
    (outcome, counted, text)
}

/// Equal, with 1 and 1.0 the same number.
fn same_json(found: &serde_json::Value, wanted: &serde_json::Value) -> bool {
    match (found.as_f64(), wanted.as_f64()) {
        (Some(found), Some(wanted)) => found == wanted,
        _ => found == wanted,
    }
}
