//! ZeroMQ messaging labs, on real libzmq through the `zmq` crate.
//!
//! ZeroMQ is a messaging library, not a broker: sockets with patterns built in (publish/subscribe,
//! request/reply, push/pull) that talk over `inproc://`, `ipc://` and `tcp://`. Every lab here
//! lets each role run on its own, so a student's PHP or Python program can take any other role.

pub mod broker;
pub mod checks;
pub mod endpoint;
pub mod message;
pub mod pipeline;
pub mod probe;
pub mod pubsub;
pub mod reqrep;
pub mod transports;

use lab_core::Registry;

/// A thread's outcome, with a panic turned into an error naming `what` the thread was.
pub(crate) fn joined<T>(
    outcome: std::thread::Result<anyhow::Result<T>>,
    what: &str,
) -> anyhow::Result<T> {
    outcome.unwrap_or_else(|_| Err(anyhow::anyhow!("the {what} thread panicked")))
}

/// Adds this crate's labs to the registry.
pub fn register(registry: &mut Registry) {
    registry.add(pubsub::PubSubLab);
    registry.add(reqrep::ReqRepLab);
    registry.add(broker::BrokerLab);
    registry.add(pipeline::PipelineLab);
    registry.add(transports::TransportsLab);
    registry.add_checker(checks::SubscriberChecker);
    registry.add_checker(checks::RepServerChecker);
    registry.add_checker(checks::PublisherChecker);
    registry.add_checker(checks::LazyPirateChecker);
    registry.add_checker(checks::BrokerWorkerChecker);
    registry.add_checker(checks::PipelineWorkerChecker);
}
