//! `zmq-broker`: REQ clients and REP workers meet at a broker, so nobody waits for a busy
//! worker.
//!
//! With a plain REP server, clients queue behind whatever request it is working on. A broker
//! puts a ROUTER socket in front of the clients and a DEALER socket in front of the workers, and
//! `zmq_proxy` passes messages between them:
//!
//! ```text
//!   REQ client ──┐                                   ┌──▶ REP worker-1
//!   REQ client ──┼──▶ ROUTER │ zmq_proxy │ DEALER ───┼──▶ REP worker-2
//!   REQ client ──┘   frontend (bind)   backend (bind) └──▶ REP worker-3 (connect)
//! ```
//!
//! The ROUTER puts the client's identity in front of each request; the DEALER hands requests to
//! the workers in turn (round robin); a worker's REP socket keeps that identity and sends it
//! back with the reply; the ROUTER strips it and delivers the reply to that client. Workers
//! connect to the broker instead of binding, so they can come and go.
//!
//! This file is the idea: bind the two sockets, run the proxy. The lab around it (`lab.rs`:
//! roles, workers, clients, the verdict) and the dashboard's view of the traffic
//! (`capture.rs`: the proxy copies every message to a capture socket, which is counted) live
//! beside it.

mod capture;
mod lab;

pub use lab::{BrokerLab, BrokerParams, Role};
pub(crate) use lab::{OutsideWorker, run_with_backend};

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lab_core::CancelToken;

use crate::endpoint;

/// Names for the in-process sockets of one broker, unique in this process.
fn inproc_name(what: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "inproc://workbench-broker-{what}-{}",
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The broker's sockets, bound and ready.
pub(crate) struct Broker {
    frontend: zmq::Socket,
    backend: zmq::Socket,
    /// Where clients and workers reach it, as bound.
    pub frontend_endpoints: Vec<String>,
    pub backend_endpoints: Vec<String>,
}

impl Broker {
    /// Binds both sides. With `monitor`, every worker connection the backend accepts is
    /// reported there (set before binding, so none is missed).
    pub fn bind(
        zmq_context: &zmq::Context,
        frontends: &[String],
        backends: &[String],
        monitor: Option<&str>,
    ) -> anyhow::Result<Broker> {
        let frontend = zmq_context.socket(zmq::ROUTER)?;
        let backend = zmq_context.socket(zmq::DEALER)?;
        if let Some(monitor) = monitor {
            backend.monitor(monitor, zmq::SocketEvent::ACCEPTED as i32)?;
        }
        for socket in [&frontend, &backend] {
            endpoint::prepare(socket)?;
            socket.set_rcvhwm(10_000)?;
            socket.set_sndhwm(10_000)?;
        }
        Ok(Broker {
            frontend_endpoints: endpoint::bind_all(&frontend, frontends)?,
            backend_endpoints: endpoint::bind_all(&backend, backends)?,
            frontend,
            backend,
        })
    }

    /// Runs the proxy until `stop` is cancelled; with `capture`, a copy of every message it
    /// passes goes there too.
    pub fn run(
        self,
        zmq_context: &zmq::Context,
        stop: &CancelToken,
        capture: Option<&mut zmq::Socket>,
    ) -> anyhow::Result<()> {
        let Broker {
            mut frontend,
            mut backend,
            ..
        } = self;
        // zmq_proxy blocks until told TERMINATE on its control socket.
        let control_endpoint = inproc_name("control");
        let mut control = zmq_context.socket(zmq::PAIR)?;
        control.set_linger(0)?;
        control.bind(&control_endpoint)?;
        let proxy_done = CancelToken::default();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let steer = zmq_context.socket(zmq::PAIR).and_then(|steer| {
                    steer.set_linger(0)?;
                    steer.connect(&control_endpoint)?;
                    Ok(steer)
                });
                // Woken by the stop at once; the proxy's own end is noticed within 50 ms.
                while !stop.is_cancelled() && !proxy_done.is_cancelled() {
                    stop.sleep(Duration::from_millis(50));
                }
                if let Ok(steer) = steer {
                    let _ = steer.send("TERMINATE", 0);
                }
            });
            let outcome = match capture {
                Some(capture) => zmq::proxy_steerable_with_capture(
                    &mut frontend,
                    &mut backend,
                    capture,
                    &mut control,
                ),
                None => zmq::proxy_steerable(&mut frontend, &mut backend, &mut control),
            };
            proxy_done.cancel();
            outcome.map_err(|error| anyhow::anyhow!("the broker's proxy stopped: {error}"))
        })
    }
}
