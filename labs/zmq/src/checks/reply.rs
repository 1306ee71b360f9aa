//! `zmq-rep-server`: the student writes a REP server that answers every request with a prefix
//! followed by the request, e.g. `hello` → `From Server1:hello`.
//!
//! The checker is a REQ client. REQ is strict: after a send it must receive before it may send
//! again, so if the server never answers, that socket is stuck for good. The checker therefore
//! waits with a timeout and, when one passes, throws the socket away and opens a new one (the
//! "lazy pirate" pattern from the ZeroMQ guide) instead of hanging.

use std::time::Duration;

use lab_core::exercise::{Check, CheckName, CheckSetup, Checker, Rng, ended_in, quote};
use lab_i18n::{Lang, tr};

use crate::endpoint;

/// How long the first reply may take (the server may still be starting).
const FIRST_REPLY: Duration = Duration::from_secs(5);
/// How long any later reply may take.
const REPLY: Duration = Duration::from_secs(2);

pub struct RepServerChecker;

impl Checker for RepServerChecker {
    fn id(&self) -> &'static str {
        "zmq-rep-server"
    }

    fn endpoints(&self) -> &'static [&'static str] {
        &["server"]
    }

    fn check(&self, setup: &CheckSetup) -> anyhow::Result<Vec<Check>> {
        let prefix = setup.setting("prefix", "From Server1:").as_bytes().to_vec();
        let endpoint = setup.endpoint("server")?;
        let lang = setup.lang;
        let zmq_context = zmq::Context::new();
        let mut client = Client::new(&zmq_context, endpoint)?;
        let mut checks = Vec::new();

        let answers = CheckName::new(lang, |lang| tr!(lang, "zmq-rep-answers"));
        let first = client.ask(setup, b"hello", FIRST_REPLY)?;
        let Some(reply) = first else {
            checks.push(
                Check::fail(
                    &answers,
                    tr!(
                        lang,
                        "zmq-rep-a-reply-within",
                        request = quote(b"hello"),
                        seconds = FIRST_REPLY.as_secs()
                    ),
                    tr!(lang, "zmq-rep-no-reply"),
                )
                .because(tr!(lang, "zmq-rep-bound-try", endpoint = endpoint)),
            );
            return Ok(checks);
        };
        checks.push(Check::pass(&answers, tr!(lang, "zmq-rep-a-reply-came")));
        checks.push(compare(
            lang,
            &CheckName::new(lang, |lang| tr!(lang, "zmq-rep-prefixed")),
            &prefix,
            b"hello",
            &reply,
        ));

        checks.push(in_a_row(setup, &mut client, &prefix)?);

        let text = "你好, ZeroMQ ✓".as_bytes();
        let intact = CheckName::new(lang, |lang| tr!(lang, "zmq-rep-intact"));
        checks.push(match client.ask(setup, text, REPLY)? {
            Some(reply) => compare(lang, &intact, &prefix, text, &reply),
            None => no_reply(lang, &intact, text),
        });

        checks.push(two_clients(setup, &zmq_context, endpoint, &prefix)?);
        checks.push(still_serving(setup, &mut client, &prefix)?);
        Ok(checks)
    }
}

/// A REQ socket that is replaced whenever a reply does not come in time.
struct Client<'a> {
    zmq_context: &'a zmq::Context,
    endpoint: &'a str,
    socket: zmq::Socket,
}

impl<'a> Client<'a> {
    fn new(zmq_context: &'a zmq::Context, endpoint: &'a str) -> anyhow::Result<Client<'a>> {
        let socket = connected(zmq_context, endpoint)?;
        Ok(Client {
            zmq_context,
            endpoint,
            socket,
        })
    }

    /// Sends one request; the reply's frames joined, or `None` if none came within `timeout`.
    fn ask(
        &mut self,
        setup: &CheckSetup,
        request: &[u8],
        timeout: Duration,
    ) -> anyhow::Result<Option<Vec<Vec<u8>>>> {
        self.socket.send(request, 0)?;
        let reply = receive(setup, &self.socket, timeout)?;
        if reply.is_none() {
            // The REQ socket now waits for a reply that may never come: start afresh.
            self.socket = connected(self.zmq_context, self.endpoint)?;
        }
        Ok(reply)
    }
}

fn connected(zmq_context: &zmq::Context, endpoint: &str) -> anyhow::Result<zmq::Socket> {
    let socket = super::socket(zmq_context, zmq::REQ, endpoint::POLL_INTERVAL)?;
    endpoint::connect(&socket, endpoint)?;
    Ok(socket)
}

/// Receives every frame of one message, waking each poll interval to honour the deadline.
fn receive(
    setup: &CheckSetup,
    socket: &zmq::Socket,
    timeout: Duration,
) -> anyhow::Result<Option<Vec<Vec<u8>>>> {
    let give_up = std::time::Instant::now() + setup.time_left(timeout);
    loop {
        match socket.recv_multipart(0) {
            Ok(frames) => return Ok(Some(frames)),
            Err(zmq::Error::EAGAIN)
                if std::time::Instant::now() < give_up && !setup.cancel.is_cancelled() => {}
            Err(zmq::Error::EAGAIN) => return Ok(None),
            Err(error) => return Err(error.into()),
        }
    }
}

fn expected_reply(prefix: &[u8], request: &[u8]) -> Vec<u8> {
    [prefix, request].concat()
}

fn describe(lang: Lang, reply: &[Vec<u8>]) -> String {
    match reply {
        [one] => quote(one),
        frames => tr!(
            lang,
            "zmq-rep-frames",
            count = frames.len(),
            frames = frames
                .iter()
                .map(|frame| quote(frame))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn compare(
    lang: Lang,
    name: &CheckName,
    prefix: &[u8],
    request: &[u8],
    reply: &[Vec<u8>],
) -> Check {
    let expected = expected_reply(prefix, request);
    if reply.len() == 1 && reply[0] == expected {
        return Check::pass(name, quote(&expected));
    }
    let check = Check::fail(name, quote(&expected), describe(lang, reply));
    if reply.len() > 1 {
        check.because(tr!(lang, "zmq-rep-one-frame-try"))
    } else if reply[0].ends_with(request) {
        check.because(tr!(lang, "zmq-rep-prefix-differs-try"))
    } else {
        check.because(tr!(lang, "zmq-rep-prefix-then-request-try"))
    }
}

fn no_reply(lang: Lang, name: &CheckName, request: &[u8]) -> Check {
    Check::fail(
        name,
        tr!(
            lang,
            "zmq-rep-a-reply-within",
            request = quote(request),
            seconds = REPLY.as_secs()
        ),
        tr!(lang, "zmq-rep-no-reply"),
    )
    .because(tr!(lang, "zmq-rep-stopped-try"))
}

/// After a drawn pause, one more request: the server is still running and answering.
fn still_serving(setup: &CheckSetup, client: &mut Client, prefix: &[u8]) -> anyhow::Result<Check> {
    let lang = setup.lang;
    let name = &CheckName::new(lang, |lang| tr!(lang, "zmq-rep-still-serving"));
    let mut rng = setup.probes("rep/still-serving");
    let pause = Duration::from_millis(rng.random_range(1000..=2500));
    setup.note(tr!(lang, "zmq-trace-waited", ms = pause.as_millis() as u64));
    setup.cancel.sleep(pause);
    if let Some(how) = setup.program_exited() {
        return Ok(Check::fail(
            name,
            tr!(lang, "zmq-rep-still-running"),
            tr!(lang, "zmq-it-ended", how = ended_in(lang, &how)),
        )
        .because(tr!(lang, "zmq-rep-loop-forever-try")));
    }
    let request = lab_core::exercise::probe_text(&mut rng);
    Ok(match client.ask(setup, request.as_bytes(), REPLY)? {
        Some(reply)
            if reply.len() == 1 && reply[0] == expected_reply(prefix, request.as_bytes()) =>
        {
            Check::pass(
                name,
                tr!(
                    lang,
                    "zmq-rep-still-answering",
                    ms = pause.as_millis() as u64
                ),
            )
        }
        Some(reply) => Check::differs(
            name,
            &expected_reply(prefix, request.as_bytes()),
            &reply.concat(),
        ),
        None => no_reply(lang, name, request.as_bytes()),
    })
}

fn in_a_row(setup: &CheckSetup, client: &mut Client, prefix: &[u8]) -> anyhow::Result<Check> {
    let lang = setup.lang;
    let mut rng = setup.probes("rep/in-a-row");
    let count: usize = rng.random_range(60..=120);
    let name = &CheckName::new(lang, |lang| tr!(lang, "zmq-rep-in-a-row", count = count));
    for number in 1..=count {
        // Drawn words, with spaces or tabs at the edges now and then: a reply is the prefix
        // and the request's bytes as they came.
        let request = format!(
            "request {number}:{}",
            lab_core::exercise::probe_text(&mut rng)
        );
        let Some(reply) = client.ask(setup, request.as_bytes(), REPLY)? else {
            return Ok(no_reply(lang, name, request.as_bytes()).because(tr!(
                lang,
                "zmq-rep-answered-before-try",
                count = number - 1
            )));
        };
        let expected = expected_reply(prefix, request.as_bytes());
        if reply.len() != 1 {
            return Ok(Check::fail(
                name,
                tr!(
                    lang,
                    "zmq-rep-reply-number",
                    number = number,
                    reply = quote(&expected)
                ),
                tr!(
                    lang,
                    "zmq-rep-reply-number",
                    number = number,
                    reply = describe(lang, &reply)
                ),
            ));
        }
        if reply[0] != expected {
            return Ok(Check::differs(name, &expected, &reply[0]).because(tr!(
                lang,
                "zmq-rep-exactly-try",
                number = number,
                request = quote(request.as_bytes())
            )));
        }
    }
    Ok(Check::pass(
        name,
        tr!(lang, "zmq-rep-all-correct", count = count),
    ))
}

/// Two clients send before either reads: a REP server answers them one after the other, each
/// to the right client (the REP socket keeps the return address for it).
fn two_clients(
    setup: &CheckSetup,
    zmq_context: &zmq::Context,
    endpoint: &str,
    prefix: &[u8],
) -> anyhow::Result<Check> {
    let lang = setup.lang;
    let name = &CheckName::new(lang, |lang| tr!(lang, "zmq-rep-two-clients"));
    let first = connected(zmq_context, endpoint)?;
    let second = connected(zmq_context, endpoint)?;
    first.send(&b"from the first client"[..], 0)?;
    second.send(&b"from the second client"[..], 0)?;
    for (socket, request) in [
        (&second, &b"from the second client"[..]),
        (&first, &b"from the first client"[..]),
    ] {
        let expected = expected_reply(prefix, request);
        match receive(setup, socket, REPLY)? {
            Some(reply) if reply.len() == 1 && reply[0] == expected => {}
            Some(reply) => return Ok(Check::fail(name, quote(&expected), describe(lang, &reply))),
            None => return Ok(no_reply(lang, name, request)),
        }
    }
    Ok(Check::pass(name, tr!(lang, "zmq-rep-two-clients-pass")))
}
