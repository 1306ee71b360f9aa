//! zmq-transports run for real: every transport and size measured, the table filled in, and
//! nothing left behind in the temporary directory.

mod common;

use lab_zmq::transports::TransportsLab;

use common::count;

#[test]
fn every_transport_and_size_gets_a_row_with_its_figures() {
    let watched = common::watch(common::start(
        TransportsLab,
        &[("sizes", "16,4096"), ("time-ms", "100")],
    ));
    assert!(watched.report.ok, "{}", watched.report.verdict);
    assert!(count(&watched.report, "messages") > 0);
    assert!(count(&watched.report, "round trips") > 0);
    let table = &watched.last.tables["transports"];
    let measured: Vec<(String, u64)> = table
        .rows
        .iter()
        .map(|row| {
            (
                row[0].as_str().unwrap().to_string(),
                row[1].as_f64().unwrap() as u64,
            )
        })
        .collect();
    let expected: Vec<(String, u64)> = ["inproc", "ipc", "tcp"]
        .iter()
        .flat_map(|transport| [16, 4096].map(|size| (transport.to_string(), size)))
        .collect();
    assert_eq!(measured, expected);
    for row in &table.rows {
        let number = |column: usize| row[column].as_f64().unwrap();
        assert!(number(2) > 0.0, "no messages/s: {row:?}");
        assert!(number(4) > 0.0, "no round trip: {row:?}");
        assert!(number(5) >= number(4), "p99 below p50: {row:?}");
    }
    // The ipc measurements' socket files are gone.
    let prefix = format!("workbench-transports-{}-", std::process::id());
    let left: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
