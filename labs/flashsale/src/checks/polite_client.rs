//! `flashsale-polite-client`: the student writes an HTTP buyer that respects the shop. The
//! checker is the shop, on the exercise's port, and runs the client three times (rounds), once
//! for each branch of the task, with what it answers drawn from the run's seed:
//! 1. busy, then sold out: `429` with `Retry-After: N` (N of 1 or 2 s), then two `429`s with no
//!    advice, then `409 sold out`. A polite client waits N seconds, then backs off for half a
//!    second or more, longer the second time, stops at the 409, says "sold out" and ends with 0.
//! 2. busy, then sold: one `429`, then `201 Created` with an order number drawn per run. The
//!    client prints `ordered <that number>` and ends with 0, without asking again.
//! 3. busy for good: `429` every time. The client gives up after five tries and ends.
//!
//! Requests are read with a real HTTP parser (`httparse`), bodies with a length or chunked.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use lab_core::exercise::{Check, CheckSetup, Checker, Prepared, Rng, quote};

use super::http;

pub struct PoliteClientChecker;

/// One request the shop received.
struct Received {
    at: Instant,
    request_line: String,
    body: Vec<u8>,
}

/// What the shop answers.
#[derive(Clone, Copy, Debug)]
enum Answer {
    /// 429, with a Retry-After in seconds or none.
    Busy(Option<u64>),
    SoldOut,
    /// 201 with this order number.
    Created(u64),
}

/// Tries the task allows before giving up.
const TRIES: usize = 5;

fn listen(setup: &CheckSetup) -> anyhow::Result<TcpListener> {
    let address = setup.address("shop")?;
    TcpListener::bind(address).map_err(|error| {
        anyhow::anyhow!(
            "the checker cannot listen on {address}: {error}; is another program using the port? Stop it and check again"
        )
    })
}

impl Checker for PoliteClientChecker {
    fn id(&self) -> &'static str {
        "flashsale-polite-client"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &["shop"]
    }

    fn rounds(&self) -> usize {
        3
    }

    fn prepare(&self, setup: &CheckSetup) -> anyhow::Result<Prepared> {
        Ok(Prepared::new(listen(setup)?))
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        if setup.program.is_none() {
            anyhow::bail!(
                "this exercise watches your client's requests and its end, so the workbench must start it: give its command after --"
            );
        }
        let listener = match setup.prepared.take::<TcpListener>() {
            Some(listener) => listener,
            None => listen(setup)?,
        };
        let mut rng = setup.probes("polite-client");
        let retry_after = rng.random_range(1..=2);
        let order = rng.random_range(100..100_000);
        let first_advice = rng.random_bool(0.5).then_some(1);
        let (script, then): (Vec<Answer>, Answer) = match setup.round {
            0 => (
                vec![
                    Answer::Busy(Some(retry_after)),
                    Answer::Busy(None),
                    Answer::Busy(None),
                ],
                Answer::SoldOut,
            ),
            1 => (vec![Answer::Busy(first_advice)], Answer::Created(order)),
            _ => (Vec::new(), Answer::Busy(None)),
        };
        let (received, ended) = serve(setup, &listener, &script, then)?;
        let mut checks = Vec::new();
        if setup.round == 0 {
            checks.push(sends_a_purchase(setup, &received, &ended)?);
            if received.is_empty() {
                return Ok(checks);
            }
        }
        let lines = setup
            .program
            .as_ref()
            .map(|program| program.lines_from(0))
            .unwrap_or_default();
        match setup.round {
            0 => busy_then_sold_out(&mut checks, &received, &ended, &lines, retry_after),
            1 => checks.push(busy_then_sold(&received, &ended, &lines, order)),
            _ => checks.push(busy_for_good(&received, &ended)),
        }
        Ok(checks)
    }
}

/// Answers every request in turn until the program ends (and a moment after, for a request
/// it sent last). Returns what came, and how the program ended.
fn serve(
    setup: &CheckSetup,
    listener: &TcpListener,
    script: &[Answer],
    then: Answer,
) -> anyhow::Result<(Vec<Received>, Option<String>)> {
    listener.set_nonblocking(true)?;
    let mut received: Vec<Received> = Vec::new();
    let mut ended = None;
    let mut ended_at = None;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                let answer = script.get(received.len()).copied().unwrap_or(then);
                if let Some(request) = serve_one(setup, stream, answer) {
                    received.push(request);
                }
                continue;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
        if ended.is_none() {
            ended = setup.program_exited();
            if ended.is_some() {
                ended_at = Some(Instant::now());
            }
        }
        // A client that keeps asking is stopped at twice the tries it may make.
        if ended_at.is_some_and(|at| at.elapsed() > Duration::from_millis(300))
            || received.len() > 2 * TRIES
            || setup.out_of_time()
        {
            break;
        }
    }
    Ok((received, ended))
}

fn sends_a_purchase(
    setup: &CheckSetup,
    received: &[Received],
    ended: &Option<String>,
) -> anyhow::Result<Check> {
    let name = "sends a purchase";
    let Some(first) = received.first() else {
        return Ok(Check::fail(
            name,
            format!("POST /buy to {}", setup.address("shop")?),
            match ended {
                Some(how) => format!("it {how} without a request"),
                None => "no request".to_string(),
            },
        ));
    };
    let body: Option<serde_json::Value> = serde_json::from_slice(&first.body).ok();
    let right_body = body
        .as_ref()
        .is_some_and(|body| body["user"] == 7 && body["product"] == 1);
    Ok(
        if first.request_line.starts_with("POST /buy ") && right_body {
            Check::pass(
                name,
                format!(
                    "{} {}",
                    first.request_line,
                    String::from_utf8_lossy(&first.body)
                ),
            )
        } else {
            Check::fail(
                name,
                "POST /buy with the body {\"user\": 7, \"product\": 1}",
                format!("{} {}", first.request_line, quote(&first.body)),
            )
        },
    )
}

/// The time between request `index` and the next one.
fn gap(received: &[Received], index: usize) -> Option<Duration> {
    Some(
        received
            .get(index + 1)?
            .at
            .duration_since(received.get(index)?.at),
    )
}

fn said(lines: &[String], words: &str) -> bool {
    lines.iter().any(|line| line.to_lowercase().contains(words))
}

fn busy_then_sold_out(
    checks: &mut Vec<Check>,
    received: &[Received],
    ended: &Option<String>,
    lines: &[String],
    retry_after: u64,
) {
    let advised = Duration::from_secs(retry_after);
    let name = "waits as Retry-After says before asking again";
    checks.push(match gap(received, 0) {
        Some(waited) if waited + Duration::from_millis(100) >= advised => Check::pass(
            name,
            format!(
                "{:.1} s after \"Retry-After: {retry_after}\"",
                waited.as_secs_f64()
            ),
        ),
        Some(waited) => Check::fail(
            name,
            format!("at least {retry_after} s (the answer said Retry-After: {retry_after})"),
            format!("{:.2} s", waited.as_secs_f64()),
        )
        .because(
            "read the Retry-After header of a 429 and sleep that many seconds (it is not always 1)",
        ),
        None => Check::fail(
            name,
            "a second request after the 429",
            "it did not ask again",
        )
        .because("a 429 means \"not now\", not \"never\": try again later"),
    });
    let name = "backs off when the 429 gives no advice, longer each time";
    checks.push(match (gap(received, 1), gap(received, 2)) {
        (Some(first), Some(second))
            if first >= Duration::from_millis(450) && second >= first.mul_f64(1.4) =>
        {
            Check::pass(
                name,
                format!(
                    "{:.1} s, then {:.1} s",
                    first.as_secs_f64(),
                    second.as_secs_f64()
                ),
            )
        }
        (Some(first), Some(second)) => Check::fail(
            name,
            "at least half a second, then longer (0.5 s, 1 s, 2 s …)",
            format!(
                "{:.2} s, then {:.2} s",
                first.as_secs_f64(),
                second.as_secs_f64()
            ),
        )
        .because(if first < Duration::from_millis(450) {
            "without Retry-After, wait before asking again: half a second the first time"
        } else {
            "double the wait after each 429 without advice: a fixed wait keeps the same pressure on a shop that is shedding load"
        }),
        _ => Check::fail(
            name,
            "a third and a fourth request, each a while after the one before",
            format!("{} requests in all", received.len()),
        )
        .because("keep trying after a 429 (up to five tries), waiting longer each time"),
    });
    let name = "stops at the 409 without asking again, says sold out and ends with code 0";
    let requests = received.len();
    let ok_end = ended.as_deref() == Some("exited with code 0");
    checks.push(if requests == 4 && said(lines, "sold out") && ok_end {
        Check::pass(
            name,
            "4 requests in all; printed \"sold out\"; exited with code 0",
        )
    } else {
        let how = ended.clone().unwrap_or_else(|| "still running".to_string());
        Check::fail(
            name,
            "4 requests (429, 429, 429, then 409 sold out), a line \"sold out\", exit code 0",
            format!(
                "{requests} requests; {}; it {how}",
                if said(lines, "sold out") {
                    "it printed \"sold out\""
                } else {
                    "no line says \"sold out\""
                }
            ),
        )
        .because(if requests > 4 {
            "409 means sold out: asking again only adds load; stop at once"
        } else {
            "on a 409, print sold out and end with exit code 0: sold out is an answer, not an error"
        })
    });
}

fn busy_then_sold(
    received: &[Received],
    ended: &Option<String>,
    lines: &[String],
    order: u64,
) -> Check {
    let name = "prints the order of a 201 and ends with code 0, without asking again";
    let wanted = format!("ordered {order}");
    let printed = lines.iter().any(|line| line.trim() == wanted);
    let ok_end = ended.as_deref() == Some("exited with code 0");
    if printed && ok_end && received.len() == 2 {
        return Check::pass(
            name,
            format!("429, then 201: it printed \"{wanted}\" and exited with code 0"),
        );
    }
    let how = ended.clone().unwrap_or_else(|| "still running".to_string());
    Check::fail(
        name,
        format!("2 requests (429, then 201 with order {order}), the line \"{wanted}\", exit code 0"),
        format!(
            "{} requests; {}; it {how}",
            received.len(),
            match lines.last() {
                Some(last) if !printed => format!("its last line: {}", quote(last.as_bytes())),
                Some(_) => format!("it printed \"{wanted}\""),
                None => "it printed nothing".to_string(),
            }
        ),
    )
    .because("on a 201, read the order number from the JSON body ({\"order\": …}), print \"ordered <number>\" and end")
}

fn busy_for_good(received: &[Received], ended: &Option<String>) -> Check {
    let name = "gives up after five tries when the shop stays busy";
    match (received.len(), ended) {
        (TRIES, Some(how)) => Check::pass(name, format!("5 requests, all 429; then it {how}")),
        (count, Some(how)) => Check::fail(
            name,
            "5 requests, then an end",
            format!("{count} requests, then it {how}"),
        )
        .because(if count < TRIES {
            "a busy shop is worth five tries: keep trying (with the backoff) before giving up"
        } else {
            "stop after five tries: a client that never gives up hammers a shop that is already overloaded"
        }),
        (count, None) => Check::fail(
            name,
            "5 requests, then an end",
            format!("{count} requests, and it was still running"),
        )
        .because("count your tries and give up after the fifth"),
    }
}

/// Reads one request from `stream`, answers it, and closes.
fn serve_one(setup: &CheckSetup, mut stream: TcpStream, answer: Answer) -> Option<Received> {
    let at = Instant::now();
    let request = http::read_request(&mut stream, Duration::from_secs(2))?;
    let (request_line, body) = (request.line, request.body);
    let (status, headers, text) = match answer {
        Answer::Busy(Some(seconds)) => (
            "429 Too Many Requests",
            format!("Retry-After: {seconds}\r\n"),
            r#"{"error": "filtered: try later"}"#.to_string(),
        ),
        Answer::Busy(None) => (
            "429 Too Many Requests",
            String::new(),
            r#"{"error": "filtered: try later"}"#.to_string(),
        ),
        Answer::SoldOut => (
            "409 Conflict",
            String::new(),
            r#"{"error": "sold out"}"#.to_string(),
        ),
        Answer::Created(order) => (
            "201 Created",
            String::new(),
            format!(r#"{{"order": {order}, "user": 7, "product": 1}}"#),
        ),
    };
    setup.note(format!(
        "the shop got {request_line} {} and answered {status}{}",
        quote(&body),
        headers
            .strip_prefix("Retry-After: ")
            .map(|seconds| format!(", Retry-After: {}", seconds.trim_end()))
            .unwrap_or_default()
    ));
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = stream.flush();
    Some(Received {
        at,
        request_line,
        body,
    })
}
