//! `flashsale-polite-client`: the student writes an HTTP buyer that respects the shop. The
//! checker is the shop, on the exercise's port, and a busy one: its first answer is
//! `429 Too Many Requests` with `Retry-After: 1`, its second a 429 with no advice, its third
//! `409 sold out`. A polite client waits a second after the first, backs off (half a second or
//! more) after the second, stops at the 409 without asking again, says "sold out", and ends.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use lab_core::exercise::{Check, CheckSetup, Checker, Prepared, quote};

pub struct PoliteClientChecker;

/// One request the shop received.
struct Received {
    at: Instant,
    request_line: String,
    body: String,
}

/// The three answers, in turn; any request after them gets another 409.
const ANSWERS: [(&str, &str, &str); 3] = [
    (
        "429 Too Many Requests",
        "Retry-After: 1\r\n",
        r#"{"error": "filtered: try later"}"#,
    ),
    (
        "429 Too Many Requests",
        "",
        r#"{"error": "filtered: try later"}"#,
    ),
    ("409 Conflict", "", r#"{"error": "sold out"}"#),
];

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
        listener.set_nonblocking(true)?;
        let mut received: Vec<Received> = Vec::new();
        let mut ended = None;
        let mut ended_at = None;
        // Serve until the program ends (and a little after, for a request it sent last).
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    let answer = ANSWERS[received.len().min(ANSWERS.len() - 1)];
                    if let Some(request) = serve_one(stream, answer) {
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
            if ended_at.is_some_and(|at| at.elapsed() > Duration::from_millis(300))
                || setup.out_of_time()
            {
                break;
            }
        }
        let mut checks = Vec::new();
        let Some(first) = received.first() else {
            checks.push(Check::fail(
                "sends a purchase",
                format!("POST /buy to {}", setup.address("shop")?),
                match &ended {
                    Some(how) => format!("it {how} without a request"),
                    None => "no request".to_string(),
                },
            ));
            return Ok(checks);
        };
        let body: Option<serde_json::Value> = serde_json::from_str(&first.body).ok();
        let right_body = body
            .as_ref()
            .is_some_and(|body| body["user"] == 7 && body["product"] == 1);
        checks.push(
            if first.request_line.starts_with("POST /buy ") && right_body {
                Check::pass(
                    "sends a purchase",
                    format!("{} {}", first.request_line, first.body),
                )
            } else {
                Check::fail(
                    "sends a purchase",
                    "POST /buy with the body {\"user\": 7, \"product\": 1}",
                    format!("{} {}", first.request_line, quote(first.body.as_bytes())),
                )
            },
        );
        let gap = |index: usize| {
            received
                .get(index + 1)
                .map(|next| next.at.duration_since(received[index].at))
        };
        checks.push(match gap(0) {
            Some(waited) if waited >= Duration::from_millis(900) => Check::pass(
                "waits as Retry-After says before asking again",
                format!("{:.1} s after \"Retry-After: 1\"", waited.as_secs_f64()),
            ),
            Some(waited) => Check::fail(
                "waits as Retry-After says before asking again",
                "at least 1 s (the answer said Retry-After: 1)",
                format!("{:.2} s", waited.as_secs_f64()),
            )
            .because("read the Retry-After header of a 429 and sleep that many seconds"),
            None => Check::fail(
                "waits as Retry-After says before asking again",
                "a second request after the 429",
                "it did not ask again",
            )
            .because("a 429 means \"not now\", not \"never\": try again later"),
        });
        checks.push(match gap(1) {
            Some(waited) if waited >= Duration::from_millis(450) => Check::pass(
                "backs off when the 429 gives no advice",
                format!("{:.1} s", waited.as_secs_f64()),
            ),
            Some(waited) => Check::fail(
                "backs off when the 429 gives no advice",
                "at least half a second",
                format!("{:.2} s", waited.as_secs_f64()),
            )
            .because(
                "without Retry-After, wait a little, and longer each time (0.5 s, 1 s, 2 s …)",
            ),
            None => Check::fail(
                "backs off when the 429 gives no advice",
                "a third request, a while after the second",
                format!("{} requests in all", received.len()),
            ),
        });
        checks.push(if received.len() == 3 {
            Check::pass("stops at the 409 without asking again", "3 requests in all")
        } else {
            Check::fail(
                "stops at the 409 without asking again",
                "3 requests: 429, 429, then 409 sold out",
                format!("{} requests", received.len()),
            )
            .because("409 means sold out: asking again only adds load")
        });
        let said_sold_out = setup
            .program
            .as_ref()
            .map(|program| program.lines_from(0))
            .unwrap_or_default()
            .iter()
            .any(|line| line.to_lowercase().contains("sold out"));
        checks.push(if said_sold_out {
            Check::pass("says it is sold out", "printed \"sold out\"")
        } else {
            Check::fail(
                "says it is sold out",
                "a line with \"sold out\"",
                "no such line",
            )
        });
        checks.push(match ended {
            Some(how) if how.contains("code 0") => Check::pass("ends by itself", how),
            Some(how) => Check::fail(
                "ends by itself",
                "exit code 0 (sold out is an answer, not an error)",
                how,
            ),
            None => Check::fail(
                "ends by itself",
                "an exit after the 409",
                "still running at the time limit",
            ),
        });
        Ok(checks)
    }
}

/// Reads one request from `stream`, answers it, and closes.
fn serve_one(stream: TcpStream, (status, headers, body): (&str, &str, &str)) -> Option<Received> {
    let at = Instant::now();
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().unwrap_or(0).min(64 * 1024);
        }
    }
    let mut content = vec![0; length];
    reader.read_exact(&mut content).ok()?;
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
    Some(Received {
        at,
        request_line: request_line.trim_end().to_string(),
        body: String::from_utf8_lossy(&content).into_owned(),
    })
}
