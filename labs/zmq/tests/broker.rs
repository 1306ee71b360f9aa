//! zmq-broker run for real: requests spread over the workers behind a ROUTER/DEALER proxy, and
//! the roles work apart as separate parts over TCP.

mod common;

use lab_zmq::broker::BrokerLab;

use common::count;

#[test]
fn requests_spread_over_every_worker_and_all_come_back() {
    let report = common::run(
        BrokerLab,
        &[
            ("requests", "50"),
            ("concurrency", "8"),
            ("workers", "4"),
            ("work", "500"),
        ],
    );
    assert!(report.ok, "{}", report.verdict);
    assert_eq!(count(&report, "replies"), 400);
    assert_eq!(count(&report, "served"), 400);
    for worker in 1..=4 {
        let served = count(&report, &format!("worker-{worker}/served"));
        // The DEALER deals requests out in turn: no worker is left idle.
        assert!(
            served >= 50,
            "worker-{worker} served {served}: {:?}",
            report.counters
        );
    }
    // Every request and every reply passed through the proxy's capture.
    assert!(
        count(&report, "through broker") >= 800,
        "{:?}",
        report.counters
    );
}

#[test]
fn broker_workers_and_clients_run_as_separate_roles() {
    let frontend = common::free_endpoint();
    let backend = common::free_endpoint();
    let broker = common::start(
        BrokerLab,
        &[
            ("role", "broker"),
            ("frontend", &frontend),
            ("backend", &backend),
        ],
    );
    let workers = common::start(
        BrokerLab,
        &[
            ("role", "worker"),
            ("connect", &backend),
            ("workers", "2"),
            ("work", "0"),
        ],
    );
    let clients = common::run(
        BrokerLab,
        &[
            ("role", "client"),
            ("connect", &frontend),
            ("concurrency", "3"),
            ("requests", "30"),
        ],
    );
    assert!(clients.ok, "{}", clients.verdict);
    assert_eq!(count(&clients, "replies"), 90);
    workers.stop();
    let workers = workers.wait();
    assert_eq!(count(&workers, "served"), 90);
    broker.stop();
    let broker = broker.wait();
    assert!(broker.ok, "{}", broker.verdict);
    assert!(count(&broker, "through broker") >= 180);
}
