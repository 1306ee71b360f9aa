//! The little HTTP the checkers speak: a request read through `httparse` (its body by length
//! or chunked), and a form posted to a student's server with its answer read back.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The most a request or an answer may be: a purchase is tiny.
pub const MOST_REQUEST: usize = 64 * 1024;

/// One request as it came.
pub struct Request {
    /// `POST /buy HTTP/1.1`, for messages.
    pub line: String,
    /// The path with its query (`/pay?user=7&order=12`).
    pub path: String,
    pub body: Vec<u8>,
}

/// Reads one request from `stream`: `None` when the client closed, stalled for `patience`,
/// or sent something that is not HTTP.
pub fn read_request(stream: &mut TcpStream, patience: Duration) -> Option<Request> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(patience)).ok()?;
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    let (line, path, head_length, length, chunked) = loop {
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 {
            return None;
        }
        bytes.extend_from_slice(&buffer[..read]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(&bytes) {
            Ok(httparse::Status::Complete(head_length)) => {
                let (chunked, length) = body_framing(request.headers);
                let path = request.path.unwrap_or("?").to_string();
                let line = format!(
                    "{} {path} HTTP/1.{}",
                    request.method.unwrap_or("?"),
                    request.version.unwrap_or(1)
                );
                break (line, path, head_length, length, chunked);
            }
            Ok(httparse::Status::Partial) if bytes.len() < MOST_REQUEST => {}
            _ => return None,
        }
    };
    let rest = bytes.split_off(head_length);
    let body = read_body(stream, rest, length, chunked)?;
    Some(Request { line, path, body })
}

/// Whether a body is chunked, and its length otherwise (0 without one).
fn body_framing(headers: &[httparse::Header<'_>]) -> (bool, Option<usize>) {
    let header = |name: &str| {
        headers
            .iter()
            .find(|header| header.name.eq_ignore_ascii_case(name))
            .map(|header| String::from_utf8_lossy(header.value).trim().to_string())
    };
    let chunked = header("transfer-encoding")
        .is_some_and(|coding| coding.to_ascii_lowercase().contains("chunked"));
    let length = header("content-length").and_then(|length| length.parse::<usize>().ok());
    (chunked, length)
}

/// The rest of a body after `rest`, by its length, chunked, or (for an answer without
/// either, `length` `None` and `until_close`) until the other side closes.
fn read_body_until(
    stream: &mut TcpStream,
    mut rest: Vec<u8>,
    length: Option<usize>,
    chunked: bool,
    until_close: bool,
) -> Option<Vec<u8>> {
    let mut buffer = [0u8; 4096];
    loop {
        if chunked {
            match dechunk(&rest) {
                Some(Ok(body)) => return Some(body),
                Some(Err(())) => return None,
                None => {}
            }
        } else if let Some(length) = length.or((!until_close).then_some(0))
            && rest.len() >= length.min(MOST_REQUEST)
        {
            rest.truncate(length.min(MOST_REQUEST));
            return Some(rest);
        }
        if rest.len() > MOST_REQUEST {
            return None;
        }
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 {
            return (until_close && !chunked && length.is_none()).then_some(rest);
        }
        rest.extend_from_slice(&buffer[..read]);
    }
}

fn read_body(
    stream: &mut TcpStream,
    rest: Vec<u8>,
    length: Option<usize>,
    chunked: bool,
) -> Option<Vec<u8>> {
    read_body_until(stream, rest, length, chunked, false)
}

/// An answer from a student's server.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// POSTs `form` (`user=7&product=2`) to `http://{address}{path}` and reads the answer, all
/// within `patience`. The error is what went wrong, for a check's "got".
pub fn post_form(
    address: &str,
    path: &str,
    form: &str,
    patience: Duration,
) -> Result<Reply, String> {
    let mut stream = TcpStream::connect(address)
        .map_err(|error| format!("cannot connect to {address}: {error}"))?;
    stream
        .set_read_timeout(Some(patience))
        .and_then(|()| stream.set_write_timeout(Some(patience)))
        .map_err(|error| error.to_string())?;
    // One write, so the request leaves in one piece.
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|error| format!("sending to {address}: {error}"))?;
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let read = stream.read(&mut buffer).map_err(|error| {
            if matches!(
                error.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) {
                format!("no answer within {} s", patience.as_secs())
            } else {
                format!("reading the answer: {error}")
            }
        })?;
        if read == 0 {
            return Err(if bytes.is_empty() {
                "the server closed the connection without answering".to_string()
            } else {
                format!("an answer cut short: {}", lab_core::exercise::quote(&bytes))
            });
        }
        bytes.extend_from_slice(&buffer[..read]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&bytes) {
            Ok(httparse::Status::Complete(head_length)) => {
                let status = response.code.unwrap_or(0);
                let (chunked, length) = body_framing(response.headers);
                let rest = bytes.split_off(head_length);
                let body = read_body_until(&mut stream, rest, length, chunked, true)
                    .ok_or_else(|| "an answer whose body was cut short".to_string())?;
                return Ok(Reply {
                    status,
                    body: String::from_utf8_lossy(&body).trim().to_string(),
                });
            }
            Ok(httparse::Status::Partial) if bytes.len() < MOST_REQUEST => {}
            _ => {
                return Err(format!(
                    "not an HTTP answer: {}",
                    lab_core::exercise::quote(&bytes[..bytes.len().min(80)])
                ));
            }
        }
    }
}

/// A chunked body, once all of it is there: `None` while more is to come, `Err` when it is
/// not chunked encoding.
pub fn dechunk(mut bytes: &[u8]) -> Option<Result<Vec<u8>, ()>> {
    let mut body = Vec::new();
    loop {
        let (used, size) = match httparse::parse_chunk_size(bytes) {
            Ok(httparse::Status::Complete(found)) => found,
            Ok(httparse::Status::Partial) => return None,
            Err(_) => return Some(Err(())),
        };
        let size = usize::try_from(size)
            .ok()
            .filter(|size| *size <= MOST_REQUEST);
        let Some(size) = size else {
            return Some(Err(()));
        };
        bytes = &bytes[used..];
        if size == 0 {
            return Some(Ok(body));
        }
        if bytes.len() < size + 2 {
            return None;
        }
        body.extend_from_slice(&bytes[..size]);
        bytes = &bytes[size + 2..];
    }
}

/// The value of `name` in a query or form (`user=7&order=12`).
pub fn form_value<'a>(form: &'a str, name: &str) -> Option<&'a str> {
    form.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::{dechunk, form_value};

    #[test]
    fn chunked_bodies_are_joined_and_partial_ones_wait() {
        let body = b"7\r\n{\"user\"\r\n12\r\n: 7, \"product\": 1}\r\n0\r\n\r\n";
        assert_eq!(
            dechunk(body),
            Some(Ok(b"{\"user\": 7, \"product\": 1}".to_vec()))
        );
        assert_eq!(dechunk(&body[..12]), None);
        assert_eq!(dechunk(b"zz\r\n"), Some(Err(())));
    }

    #[test]
    fn form_values_are_found_by_name() {
        assert_eq!(form_value("user=7&order=12", "order"), Some("12"));
        assert_eq!(form_value("user=7&order=12", "product"), None);
        assert_eq!(form_value("userx=7", "user"), None);
    }
}
