//! The `archive` lab run for real: every round packs and unpacks every file unchanged, and the
//! layout it shows is where the parts of the phar really are.

use std::time::Duration;

use lab_archive::Format;
use lab_archive::lab::{ArchiveLab, layout};
use lab_core::{LabRun, Report, Snapshot};

/// Runs the lab to its end; returns its report and last snapshot.
fn run(flags: &[(&str, &str)]) -> (Report, Snapshot) {
    LabRun::to_end(ArchiveLab, flags, Duration::from_secs(60)).unwrap()
}

#[test]
fn every_format_packs_and_unpacks_every_file_unchanged() {
    for format in ["phar", "zip", "tar", "tar.gz"] {
        let (report, last) = run(&[("format", format), ("files", "300"), ("rounds", "2")]);
        assert!(report.ok, "{format}: {}", report.verdict);
        assert_eq!(report.counters["files packed"], 600, "{format}");
        assert_eq!(report.counters["files unpacked"], 600, "{format}");
        assert_eq!(report.counters["rounds"], 2);
        assert!(last.tables.contains_key("layout"), "{format}");
    }
}

#[test]
fn the_layout_shows_where_each_part_of_the_phar_is() {
    let folder = tempfile::tempdir().unwrap();
    let app = folder.path().join("app");
    lab_archive::lab::sample_application(&app, 20).unwrap();
    let output = folder.path().join("app.phar");
    lab_archive::tool::pack(&app, &output, &Default::default(), &mut |_| {}).unwrap();
    let bytes = std::fs::read(&output).unwrap();
    let parts = layout(&bytes, Format::Phar);
    let names: Vec<&str> = parts.iter().map(|part| part.name).collect();
    assert_eq!(names, ["stub", "manifest", "contents", "signature"]);
    // Back to back, from the first byte to the last.
    assert_eq!(parts[0].from, 0);
    for pair in parts.windows(2) {
        assert_eq!(pair[0].to, pair[1].from, "{parts:?}");
    }
    assert_eq!(parts[3].to, bytes.len());
    // Checked against the bytes themselves, not the reader: the stub ends where PHP's
    // "__HALT_COMPILER(); ?>\r\n" does, and the file ends with the SHA-256 signature.
    let halt = b"__HALT_COMPILER(); ?>\r\n";
    assert_eq!(&bytes[parts[0].to - halt.len()..parts[0].to], halt);
    assert_eq!(parts[3].to - parts[3].from, 32 + 4 + 4);
    assert_eq!(&bytes[bytes.len() - 4..], b"GBMB");
    // The manifest's first four bytes give its own length.
    let said = u32::from_le_bytes(bytes[parts[1].from..parts[1].from + 4].try_into().unwrap());
    assert_eq!(parts[1].to - parts[1].from, said as usize + 4);
    assert_eq!(parts[1].holds, "20 records");
}
