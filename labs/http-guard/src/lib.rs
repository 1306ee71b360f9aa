//! Refusing requests that do not come from the server's own pages: used by the browser
//! dashboard, and by any lab that serves HTTP on localhost (the flash sale's shop).
//!
//! Two attacks matter for a server on localhost:
//! - **cross-site requests**: a page on another site makes your browser POST to
//!   `http://127.0.0.1:7878/api/...`. The browser marks such requests with an `Origin` header
//!   naming the other site (and `Sec-Fetch-Site: cross-site`), so we refuse those.
//! - **DNS rebinding**: another site's name is made to resolve to 127.0.0.1, so the browser sees
//!   it as same-origin. The `Host` header still carries that other name, so we accept only the
//!   names this server is really reached by.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The hosts the dashboard answers to: its own address, and localhost names for its port.
pub struct SameOrigin {
    hosts: Vec<String>,
}

impl SameOrigin {
    pub fn new(bound: SocketAddr) -> SameOrigin {
        SameOrigin::with_hosts(bound, &[])
    }

    /// Also answers to `extra` hosts (`host:port`): the machine's own addresses and name when
    /// the server listens on every interface, as other machines reach it by those.
    pub fn with_hosts(bound: SocketAddr, extra: &[String]) -> SameOrigin {
        let port = bound.port();
        let mut hosts = vec![
            bound.to_string(),
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
        ];
        for host in extra {
            if !hosts.contains(host) {
                hosts.push(host.clone());
            }
        }
        SameOrigin { hosts }
    }

    /// Why a request is refused, or `None` if it may pass.
    pub fn refusal(&self, headers: &HeaderMap) -> Option<String> {
        if headers.get_all(header::HOST).iter().count() > 1 {
            return Some("refused: more than one Host header".to_string());
        }
        let host = headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        if !self.hosts.iter().any(|allowed| allowed == host) {
            return Some(format!(
                "refused: Host '{host}' is not this server; open http://{}/ instead",
                self.hosts[0]
            ));
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("");
            let own = self
                .hosts
                .iter()
                .any(|allowed| origin == format!("http://{allowed}"));
            if !own {
                return Some(format!(
                    "refused: a page from {origin} may not use this server's API"
                ));
            }
        }
        let fetch_site = headers
            .get("sec-fetch-site")
            .and_then(|value| value.to_str().ok());
        if fetch_site == Some("cross-site") {
            return Some("refused: cross-site request".to_string());
        }
        None
    }
}

pub async fn refuse_cross_site(
    State(guard): State<Arc<SameOrigin>>,
    request: Request,
    next: Next,
) -> Response {
    match guard.refusal(request.headers()) {
        Some(reason) => (StatusCode::FORBIDDEN, reason).into_response(),
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn guard() -> SameOrigin {
        SameOrigin::new("127.0.0.1:7878".parse().unwrap())
    }

    #[test]
    fn the_dashboards_own_requests_pass() {
        assert_eq!(
            guard().refusal(&headers(&[("host", "127.0.0.1:7878")])),
            None
        );
        assert_eq!(
            guard().refusal(&headers(&[
                ("host", "localhost:7878"),
                ("origin", "http://localhost:7878"),
                ("sec-fetch-site", "same-origin"),
            ])),
            None
        );
    }

    #[test]
    fn another_sites_origin_is_refused() {
        let reason = guard()
            .refusal(&headers(&[
                ("host", "127.0.0.1:7878"),
                ("origin", "http://evil.example"),
            ]))
            .unwrap();
        assert!(reason.contains("evil.example"), "{reason}");
    }

    #[test]
    fn a_rebound_host_name_is_refused() {
        let reason = guard()
            .refusal(&headers(&[("host", "evil.example:7878")]))
            .unwrap();
        assert!(reason.contains("Host 'evil.example:7878'"), "{reason}");
        assert!(
            guard()
                .refusal(&headers(&[("host", "127.0.0.1:9999")]))
                .is_some()
        );
    }
}
