//! The dashboard's door: a secret per server, as Jupyter does it.
//!
//! Anyone who can reach the port can send any `Host` header, so checking where a request says
//! it comes from is not enough: another user on this machine (or on the network, when the
//! dashboard listens there) could start labs as you. So `workbench serve` makes a token (or takes
//! `--token` / `WORKBENCH_TOKEN`), prints the address with `?token=...`, and keeps it in a file
//! only you can read. The page trades the token for a cookie (HttpOnly: scripts cannot read it;
//! SameSite=Strict: other sites' pages do not send it), and every `/api/` request without the
//! token, in the cookie or as `Authorization: Bearer <token>`, is answered 401.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The token every API request must carry.
pub struct Door {
    token: String,
    /// The cookie's name carries the port, so two dashboards on one machine keep their own.
    cookie: String,
}

/// A fresh token: 24 random bytes as hex.
pub fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes)
        .map_err(|error| anyhow::anyhow!("cannot make a token for the dashboard: {error}"))?;
    let mut token = String::with_capacity(48);
    for byte in bytes {
        let _ = write!(token, "{byte:02x}");
    }
    Ok(token)
}

/// Compares without stopping at the first difference, so the time taken does not tell an
/// attacker how much of a guess was right.
fn same_secret(given: &str, token: &str) -> bool {
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}

impl Door {
    pub fn new(token: String, port: u16) -> Door {
        Door {
            token,
            cookie: format!("workbench_token_{port}"),
        }
    }

    /// Whether the request carries the token (cookie or bearer header).
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        let bearer = headers
            .get_all(header::AUTHORIZATION)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|value| value.strip_prefix("Bearer "));
        let cookies = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(name, _)| *name == self.cookie)
            .map(|(_, value)| value);
        bearer
            .chain(cookies)
            .any(|given| same_secret(given.trim(), &self.token))
    }

    /// `/?token=...&lab=x`: the token as a cookie, and the same page again without it in the
    /// address bar (so it is not left in the history or a screenshot).
    fn trade(&self, query: &str) -> Option<Response> {
        let pairs: Vec<(String, String)> = form_urlencoded(query);
        let given = pairs.iter().find(|(name, _)| name == "token")?;
        if !same_secret(&given.1, &self.token) {
            return Some(unauthorized());
        }
        let rest: Vec<String> = pairs
            .iter()
            .filter(|(name, _)| name != "token")
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect();
        let location = if rest.is_empty() {
            "/".to_string()
        } else {
            format!("/?{}", rest.join("&"))
        };
        let cookie = format!(
            "{}={}; HttpOnly; SameSite=Strict; Path=/",
            self.cookie, self.token
        );
        let mut response = StatusCode::SEE_OTHER.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::LOCATION,
            HeaderValue::from_str(&location).unwrap_or(HeaderValue::from_static("/")),
        );
        if let Ok(cookie) = HeaderValue::from_str(&cookie) {
            headers.insert(header::SET_COOKIE, cookie);
        }
        Some(response)
    }
}

fn form_urlencoded(query: &str) -> Vec<(String, String)> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
        &format!("/?{query}").parse().unwrap_or_default(),
    )
    .map(|query| query.0)
    .unwrap_or_default()
}

/// Percent-encodes everything but unreserved characters.
fn encode(text: &str) -> String {
    let mut encoded = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

fn unauthorized() -> Response {
    super::error(
        StatusCode::UNAUTHORIZED,
        "this dashboard needs its token: open the address `workbench serve` printed (it ends in ?token=...), or send Authorization: Bearer <token>",
    )
}

/// The middleware: `/api/` needs the token; `/?token=` trades it for the cookie.
pub async fn require_token(
    State(door): State<Arc<Door>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path == "/"
        && let Some(query) = request.uri().query()
        && let Some(response) = door.trade(query)
    {
        return response;
    }
    if path.starts_with("/api/") && !door.admits(request.headers()) {
        return unauthorized();
    }
    next.run(request).await
}

/// The token file, `<data>/serve-<port>.token`: the dashboard's address with its token, readable
/// by its owner only, removed when the server stops.
pub struct TokenFile(PathBuf);

impl TokenFile {
    pub fn write(folder: &Path, port: u16, url: &str) -> anyhow::Result<TokenFile> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        crate::data::create_private(folder)?;
        let path = folder.join(format!("serve-{port}.token"));
        // A file left by a server that was killed is ours to replace, but never through a link.
        let _ = std::fs::remove_file(&path);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|error| {
                anyhow::anyhow!("cannot write the token file {}: {error}", path.display())
            })?;
        writeln!(file, "{url}")?;
        Ok(TokenFile(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TokenFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn door() -> Door {
        Door::new("abc123".to_string(), 7878)
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_cookie_or_the_bearer_header_admits() {
        assert!(door().admits(&headers(&[("cookie", "a=b; workbench_token_7878=abc123")])));
        assert!(door().admits(&headers(&[("authorization", "Bearer abc123")])));
    }

    #[test]
    fn a_wrong_missing_or_other_ports_token_does_not() {
        assert!(!door().admits(&headers(&[])));
        assert!(!door().admits(&headers(&[("cookie", "workbench_token_7878=abc12")])));
        assert!(!door().admits(&headers(&[("cookie", "workbench_token_7879=abc123")])));
        assert!(!door().admits(&headers(&[("authorization", "Basic abc123")])));
    }

    #[test]
    fn the_token_in_the_address_becomes_a_strict_cookie_and_leaves_the_address() {
        let response = door().trade("token=abc123&lab=zmq-pubsub").unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], "/?lab=zmq-pubsub");
        let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(
            cookie.starts_with("workbench_token_7878=abc123;"),
            "{cookie}"
        );
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        assert_eq!(
            door().trade("token=nope").unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
        assert!(door().trade("lab=x").is_none());
    }
}
