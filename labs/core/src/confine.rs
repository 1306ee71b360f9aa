//! Where parameters that arrive from the browser may point.
//!
//! On the command line and in the terminal UI the student types the values themselves, so a
//! path or an address is taken as typed. A value that arrives over HTTP is different: whoever
//! sent it may not be the student (another user of the machine, a machine on the network), so
//! it must not name a file or an interface the student did not mean to hand out:
//!
//! - a **path** ([`ParamKind::Path`]) is a plain name inside the workbench's runs folder
//!   (`<data>/runs/`): `sale.db` or `suites/my.toml`, never `/etc/passwd` or `../progress.sqlite`;
//! - an **address** ([`ParamKind::Address`]) and the host of a `tcp://` endpoint are loopback,
//!   unless the dashboard itself was started on another address, which then is allowed too;
//! - an **`ipc://` endpoint** names a socket file, so it is a path like the others.
//!
//! Confining rewrites accepted paths to where they really are (inside the runs folder), so the
//! lab opens exactly the file that was checked.

use std::net::IpAddr;
use std::path::{Component, Path, PathBuf};

use crate::params::{ParamError, ParamKind, ParamSpec, Params, Value};

/// What values from the web may name.
#[derive(Clone, Debug)]
pub struct WebLimits {
    /// The only folder a path from the web may point into.
    pub runs_dir: PathBuf,
    /// The address the dashboard listens on when it is not loopback: a value may bind there too
    /// (an unspecified address, `0.0.0.0`, allows any).
    pub listening: Option<IpAddr>,
}

impl WebLimits {
    fn refuse(&self, spec: &ParamSpec, value: &str, why: &str) -> ParamError {
        ParamError::Invalid {
            name: spec.name.to_string(),
            value: value.to_string(),
            expected: why.to_string(),
        }
    }

    /// A name inside the runs folder, as the full path there.
    fn path(&self, spec: &ParamSpec, text: &str) -> Result<PathBuf, ParamError> {
        let relative = Path::new(text);
        let plain = relative
            .components()
            .all(|component| matches!(component, Component::Normal(_)));
        if !plain || text.contains('\0') {
            return Err(self.refuse(
                spec,
                text,
                &format!(
                    "from the browser, a file is a name inside {} (no absolute path, no ..)",
                    self.runs_dir.display()
                ),
            ));
        }
        Ok(self.runs_dir.join(relative))
    }

    /// Whether a host (an IP or a name) may be bound or connected to from the web.
    fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.eq_ignore_ascii_case("localhost") {
            return true;
        }
        let Ok(ip) = host.parse::<IpAddr>() else {
            // A name other than localhost could resolve anywhere.
            return self
                .listening
                .is_some_and(|listening| listening.is_unspecified());
        };
        ip.is_loopback()
            || self
                .listening
                .is_some_and(|listening| listening.is_unspecified() || listening == ip)
    }

    fn address(&self, spec: &ParamSpec, text: &str) -> Result<(), ParamError> {
        let host = match text.trim().rsplit_once(':') {
            Some((host, _port)) => host,
            None => text.trim(),
        };
        if text.trim().is_empty() || self.host_allowed(host) {
            Ok(())
        } else {
            Err(self.refuse(spec, text, self.loopback_only()))
        }
    }

    fn loopback_only(&self) -> &'static str {
        if self.listening.is_some() {
            "from the browser, an address is loopback (127.0.0.1) or the dashboard's own"
        } else {
            "from the browser, an address is loopback (127.0.0.1:PORT): start `workbench serve` on another address to allow it"
        }
    }

    fn endpoint(&self, spec: &ParamSpec, endpoint: &str) -> Result<String, ParamError> {
        if let Some(address) = endpoint.strip_prefix("tcp://") {
            // `tcp://*:5555` binds every interface.
            let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
            if host == "*" && !self.listening.is_some_and(|ip| ip.is_unspecified()) {
                return Err(self.refuse(spec, endpoint, self.loopback_only()));
            }
            if host != "*" && !self.host_allowed(host) {
                return Err(self.refuse(spec, endpoint, self.loopback_only()));
            }
            return Ok(endpoint.to_string());
        }
        if let Some(path) = endpoint.strip_prefix("ipc://") {
            if let Ok(inside) = Path::new(path).strip_prefix(&self.runs_dir) {
                let inside = inside.to_string_lossy().into_owned();
                return Ok(format!("ipc://{}", self.path(spec, &inside)?.display()));
            }
            return Ok(format!("ipc://{}", self.path(spec, path)?.display()));
        }
        Ok(endpoint.to_string())
    }
}

impl Params {
    /// Checks every path, address and endpoint against `limits`, as for values sent from the
    /// browser, and rewrites accepted paths to their place in the runs folder. An empty path
    /// (the lab's own temporary file) stays empty.
    pub fn confine(&mut self, schema: &[ParamSpec], limits: &WebLimits) -> Result<(), ParamError> {
        for spec in schema {
            let Some(value) = self.get_mut(spec.name) else {
                continue;
            };
            match (&spec.kind, value) {
                (ParamKind::Path, Value::Text(text)) if !text.is_empty() => {
                    let inside = limits.path(spec, text)?;
                    *text = inside.to_string_lossy().into_owned();
                }
                (ParamKind::Address, Value::Text(text)) => limits.address(spec, text)?,
                (ParamKind::Endpoints, Value::List(endpoints)) => {
                    for endpoint in endpoints.iter_mut() {
                        *endpoint = limits.endpoint(spec, endpoint)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Vec<ParamSpec> {
        vec![
            ParamSpec {
                name: "db",
                kind: ParamKind::Path,
                default: "",
                help: "a file",
                roles: &[],
            },
            ParamSpec {
                name: "bind",
                kind: ParamKind::Address,
                default: "127.0.0.1:25003",
                help: "an address",
                roles: &[],
            },
            ParamSpec {
                name: "connect",
                kind: ParamKind::Endpoints,
                default: "tcp://127.0.0.1:5559",
                help: "endpoints",
                roles: &[],
            },
        ]
    }

    fn limits(listening: Option<&str>) -> WebLimits {
        WebLimits {
            runs_dir: PathBuf::from("/data/runs"),
            listening: listening.map(|ip| ip.parse().unwrap()),
        }
    }

    fn confined(json: serde_json::Value, listening: Option<&str>) -> Result<Params, String> {
        let schema = schema();
        let mut params = Params::from_json("demo", &schema, json.as_object().unwrap()).unwrap();
        params
            .confine(&schema, &limits(listening))
            .map_err(|error| error.to_string())?;
        Ok(params)
    }

    #[test]
    fn defaults_pass_unchanged() {
        let params = confined(serde_json::json!({}), None).unwrap();
        assert_eq!(params, Params::defaults(&schema()));
    }

    #[test]
    fn a_name_lands_in_the_runs_folder() {
        let params = confined(serde_json::json!({"db": "sale.db"}), None).unwrap();
        assert_eq!(params.text("db"), "/data/runs/sale.db");
        let params = confined(serde_json::json!({"db": "class/a.db"}), None).unwrap();
        assert_eq!(params.text("db"), "/data/runs/class/a.db");
    }

    #[test]
    fn paths_that_leave_the_runs_folder_are_refused() {
        for path in [
            "/etc/passwd",
            "../progress.sqlite",
            "a/../../b",
            "./x",
            "a\0b",
        ] {
            let error = confined(serde_json::json!({"db": path}), None).unwrap_err();
            assert!(
                error.contains("--db") && error.contains("no absolute path"),
                "{error}"
            );
        }
    }

    #[test]
    fn addresses_are_loopback_unless_the_dashboard_listens_elsewhere() {
        for good in ["127.0.0.1:1", "localhost:80", "[::1]:9", "127.9.9.9:5"] {
            assert!(
                confined(serde_json::json!({"bind": good}), None).is_ok(),
                "{good}"
            );
        }
        for bad in ["0.0.0.0:25003", "192.168.1.5:80", "example.com:80"] {
            let error = confined(serde_json::json!({"bind": bad}), None).unwrap_err();
            assert!(error.contains("loopback"), "{error}");
        }
        assert!(
            confined(
                serde_json::json!({"bind": "192.168.1.5:80"}),
                Some("192.168.1.5")
            )
            .is_ok()
        );
        assert!(
            confined(
                serde_json::json!({"bind": "10.0.0.1:80"}),
                Some("192.168.1.5")
            )
            .is_err()
        );
        assert!(confined(serde_json::json!({"bind": "0.0.0.0:80"}), Some("0.0.0.0")).is_ok());
    }

    #[test]
    fn endpoints_keep_tcp_on_loopback_and_ipc_in_the_runs_folder() {
        let params = confined(
            serde_json::json!({"connect": "tcp://127.0.0.1:1,ipc://q.ipc,inproc://x"}),
            None,
        )
        .unwrap();
        assert_eq!(
            params.list("connect"),
            ["tcp://127.0.0.1:1", "ipc:///data/runs/q.ipc", "inproc://x"]
        );
        let params = confined(
            serde_json::json!({"connect": "ipc:///data/runs/q.ipc"}),
            None,
        )
        .unwrap();
        assert_eq!(params.list("connect"), ["ipc:///data/runs/q.ipc"]);
        for bad in [
            "tcp://*:5559",
            "tcp://0.0.0.0:1",
            "ipc:///tmp/x",
            "ipc://../x",
        ] {
            assert!(
                confined(serde_json::json!({"connect": bad}), None).is_err(),
                "{bad}"
            );
        }
    }
}
