//! JSON Lines: the headless printer, recordings, and reading recordings back for replay.
//!
//! Each [`LabEvent`] is one JSON object on one line, tagged with `"type"`. The same writer serves
//! stdout (`--headless`) and a file (`--record`); a recording is written beside its final name
//! and renamed into place when the run ends, so a crash never leaves half a recording behind.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::snapshot::LabEvent;

/// Writes one event as one line and flushes, so a reader sees it at once.
pub fn write_event(writer: &mut impl Write, event: &LabEvent) -> io::Result<()> {
    serde_json::to_writer(&mut *writer, event)?;
    writer.write_all(b"\n")?;
    writer.flush()
}

/// A recording being written.
pub struct Recording {
    final_path: PathBuf,
    partial_path: PathBuf,
    writer: BufWriter<File>,
}

impl Recording {
    pub fn create(path: &Path) -> anyhow::Result<Recording> {
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial_path = PathBuf::from(partial);
        let file = File::create(&partial_path).map_err(|error| {
            anyhow::anyhow!(
                "cannot write the recording {}: {error}; choose a writable path for --record",
                path.display()
            )
        })?;
        Ok(Recording {
            final_path: path.to_path_buf(),
            partial_path,
            writer: BufWriter::new(file),
        })
    }

    pub fn write(&mut self, event: &LabEvent) -> io::Result<()> {
        serde_json::to_writer(&mut self.writer, event)?;
        self.writer.write_all(b"\n")
    }

    /// Puts the finished recording in place.
    pub fn finish(mut self) -> io::Result<()> {
        self.writer.flush()?;
        std::fs::rename(&self.partial_path, &self.final_path)
    }
}

/// Reads a recording. Errors name the file and the line.
pub fn read_recording(path: &Path) -> anyhow::Result<Vec<LabEvent>> {
    let file = File::open(path).map_err(|error| {
        anyhow::anyhow!(
            "cannot open the recording {}: {error}; record one with `workbench lab <id> --record {}`",
            path.display(),
            path.display()
        )
    })?;
    let mut events = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let event: LabEvent = serde_json::from_str(&line).map_err(|error| {
            anyhow::anyhow!(
                "{} line {}: not a workbench snapshot or report ({error}); was it written by `workbench lab <id> --record`?",
                path.display(),
                index + 1
            )
        })?;
        events.push(event);
    }
    if events.is_empty() {
        anyhow::bail!(
            "{} holds no snapshots; record one with `workbench lab <id> --record <file>`",
            path.display()
        );
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{Report, Snapshot};

    fn sample_events() -> Vec<LabEvent> {
        let mut snapshot = Snapshot {
            lab: "demo".into(),
            t: 0.1,
            ..Snapshot::default()
        };
        snapshot.counters.insert("sent".into(), 5);
        snapshot.rates.insert("sent".into(), 50.0);
        let report = Report {
            lab: "demo".into(),
            ok: true,
            t: 0.2,
            counters: snapshot.counters.clone(),
            verdict: "fine".into(),
            ..Report::default()
        };
        vec![LabEvent::Snapshot(snapshot), LabEvent::Report(report)]
    }

    #[test]
    fn lines_carry_the_contract_fields() {
        let mut output = Vec::new();
        for event in sample_events() {
            write_event(&mut output, &event).unwrap();
        }
        let text = String::from_utf8(output).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["type"], "snapshot");
        assert_eq!(lines[0]["lab"], "demo");
        assert_eq!(lines[0]["t"], 0.1);
        assert_eq!(lines[0]["counters"]["sent"], 5);
        assert_eq!(lines[0]["rates"]["sent"], 50.0);
        assert_eq!(lines[1]["type"], "report");
        assert_eq!(lines[1]["ok"], true);
        assert_eq!(lines[1]["counters"]["sent"], 5);
    }

    #[test]
    fn a_recording_reads_back_as_written() {
        let directory = std::env::temp_dir().join(format!("lab-core-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let path = directory.join("run.jsonl");
        let mut recording = Recording::create(&path).unwrap();
        for event in sample_events() {
            recording.write(&event).unwrap();
        }
        assert!(!path.exists(), "the recording appears only when finished");
        recording.finish().unwrap();
        assert_eq!(read_recording(&path).unwrap(), sample_events());
        std::fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn a_bad_line_is_named() {
        let directory = std::env::temp_dir().join(format!("lab-core-bad-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let path = directory.join("bad.jsonl");
        std::fs::write(&path, "{\"type\":\"report\",\"lab\":\"x\",\"ok\":true,\"t\":1,\"counters\":{},\"verdict\":\"\"}\nnot json\n").unwrap();
        let error = read_recording(&path).unwrap_err().to_string();
        assert!(error.contains("bad.jsonl line 2"), "{error}");
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
