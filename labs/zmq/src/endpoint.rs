//! Endpoints and sockets: the small things every ZeroMQ lab needs to get right.
//!
//! An endpoint is `transport://address`: `tcp://127.0.0.1:5563`, `ipc:///tmp/feed.ipc`,
//! `inproc://feed`. Servers bind, clients connect; the two sides must name the same transport
//! and address. Most "my messages never arrive" problems are a typo here, so the errors below
//! say exactly which endpoint failed and what usually causes it.

use std::time::Duration;

/// How long a closing socket may keep trying to deliver what it still holds. ZeroMQ's default
/// is forever, which would hang the lab on exit while a peer is gone.
pub const LINGER: Duration = Duration::from_millis(200);

/// How often a blocking receive wakes up to check whether the lab was stopped.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How the two sides talk when both run in this process (`--transport` with `--role both`): tcp
/// on a free loopback port, a unix socket file, or in-process.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Transport {
    Tcp,
    Ipc,
    Inproc,
}

const TRANSPORTS: &[&str] = &["tcp://", "ipc://", "inproc://", "pgm://", "epgm://"];

/// Checks the shape of an endpoint before anything starts.
pub fn check(endpoint: &str, flag: &str) -> Result<(), String> {
    let Some(transport) = TRANSPORTS
        .iter()
        .find(|prefix| endpoint.starts_with(**prefix))
    else {
        return Err(format!(
            "invalid endpoint '{endpoint}' for --{flag}: expected transport://address such as tcp://127.0.0.1:5563, ipc:///tmp/feed.ipc or inproc://feed"
        ));
    };
    if endpoint.len() == transport.len() {
        return Err(format!(
            "invalid endpoint '{endpoint}' for --{flag}: the address after {transport} is missing"
        ));
    }
    if *transport == "tcp://" && !endpoint[transport.len()..].contains(':') {
        return Err(format!(
            "invalid endpoint '{endpoint}' for --{flag}: a tcp endpoint needs a port, e.g. tcp://127.0.0.1:5563"
        ));
    }
    Ok(())
}

/// Checks every endpoint of a list flag (`--bind`, `--connect`, ...), which must not be empty.
pub fn check_list(endpoints: &[String], flag: &str) -> Result<(), String> {
    if endpoints.is_empty() {
        return Err(format!(
            "--{flag} is empty: give an endpoint such as tcp://127.0.0.1:5559"
        ));
    }
    endpoints
        .iter()
        .try_for_each(|endpoint| check(endpoint, flag))
}

/// Applies the options every lab socket gets: a bounded linger and a receive timeout so loops
/// can notice cancellation.
pub fn prepare(socket: &zmq::Socket) -> anyhow::Result<()> {
    socket.set_linger(LINGER.as_millis() as i32)?;
    socket.set_rcvtimeo(POLL_INTERVAL.as_millis() as i32)?;
    Ok(())
}

/// Binds and returns the endpoint actually bound (a `tcp://127.0.0.1:*` wildcard becomes the
/// port the system chose), with a one-line explanation on failure.
pub fn bind(socket: &zmq::Socket, endpoint: &str) -> anyhow::Result<String> {
    socket.bind(endpoint).map_err(|error| {
        let cause = match error {
            zmq::Error::EADDRINUSE => format!(
                "{} is already in use, probably by another publisher or an earlier workbench run still going; stop it or choose another endpoint",
                port_of(endpoint)
            ),
            zmq::Error::EADDRNOTAVAIL => {
                "that address is not on this machine; use 127.0.0.1 or * for the host".to_string()
            }
            zmq::Error::EPROTONOSUPPORT => {
                "this transport is not available in this libzmq build".to_string()
            }
            other => other.to_string(),
        };
        anyhow::anyhow!("cannot bind {endpoint}: {cause}")
    })?;
    Ok(match socket.get_last_endpoint() {
        Ok(Ok(bound)) => bound,
        _ => endpoint.to_string(),
    })
}

/// Binds every endpoint of a list; returns them as bound (see [`bind`]).
pub fn bind_all(socket: &zmq::Socket, endpoints: &[String]) -> anyhow::Result<Vec<String>> {
    endpoints
        .iter()
        .map(|requested| bind(socket, requested))
        .collect()
}

/// Connects; ZeroMQ connects in the background, so this only fails for a malformed endpoint.
pub fn connect(socket: &zmq::Socket, endpoint: &str) -> anyhow::Result<()> {
    socket
        .connect(endpoint)
        .map_err(|error| anyhow::anyhow!("cannot connect to {endpoint}: {error}"))
}

fn port_of(endpoint: &str) -> String {
    match endpoint.rsplit_once(':') {
        Some((_, port)) if endpoint.starts_with("tcp://") => format!("port {port}"),
        _ => format!("the address {endpoint}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_endpoints_are_explained() {
        assert!(check("tcp://127.0.0.1:5563", "bind").is_ok());
        assert!(check("ipc:///tmp/x.ipc", "bind").is_ok());
        let error = check("127.0.0.1:5563", "bind").unwrap_err();
        assert!(
            error.starts_with("invalid endpoint '127.0.0.1:5563' for --bind"),
            "{error}"
        );
        assert!(
            check("tcp://localhost", "connect")
                .unwrap_err()
                .contains("needs a port")
        );
        assert!(
            check("inproc://", "connect")
                .unwrap_err()
                .contains("missing")
        );
    }

    #[test]
    fn a_port_in_use_is_named() {
        let context = zmq::Context::new();
        let first = context.socket(zmq::PUB).unwrap();
        prepare(&first).unwrap();
        let bound = bind(&first, "tcp://127.0.0.1:*").unwrap();
        let second = context.socket(zmq::PUB).unwrap();
        prepare(&second).unwrap();
        let error = bind(&second, &bound).unwrap_err().to_string();
        let port = bound.rsplit_once(':').unwrap().1;
        assert!(
            error.contains(&format!("port {port} is already in use")),
            "{error}"
        );
    }
}
