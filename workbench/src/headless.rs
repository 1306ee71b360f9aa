//! Headless mode: no UI, one JSON object per line on stdout, for scripts and tests.
//!
//! Every snapshot is a line `{"type":"snapshot",...}`; the last line is the report,
//! `{"type":"report","ok":...}`. Ctrl-C stops the lab, which still prints its report.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use lab_core::jsonl::{self, Recording};
use lab_core::{CancelToken, LabEvent, LabRun, RunOptions};

use crate::cli::LabRequest;

/// The token Ctrl-C cancels; a process has one handler, so it points at the current run.
static ON_INTERRUPT: Mutex<Option<CancelToken>> = Mutex::new(None);

/// Set once SIGINT or SIGTERM arrived, for the terminal UI to quit cleanly at its next frame.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Catches SIGINT (Ctrl-C) and SIGTERM so the process can stop its lab, print its report and
/// restore the terminal instead of dying mid-write. Safe to call more than once.
pub fn catch_interrupts() {
    // Setting the handler a second time fails harmlessly: the first one does the same.
    let _ = ctrlc::set_handler(interrupt_now);
}

/// What Ctrl-C, SIGTERM and SIGHUP do: note it, and stop the current lab.
pub fn interrupt_now() {
    INTERRUPTED.store(true, Ordering::SeqCst);
    let token = lab_core::lock(&ON_INTERRUPT);
    if let Some(token) = token.as_ref() {
        token.cancel();
    }
}

/// Makes Ctrl-C (and SIGTERM) stop `token`'s lab.
pub fn stop_on_interrupt(token: CancelToken) {
    *lab_core::lock(&ON_INTERRUPT) = Some(token);
    catch_interrupts();
}

/// Whether SIGINT or SIGTERM arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

pub fn run(request: LabRequest) -> anyhow::Result<ExitCode> {
    let mut recording = request
        .record
        .as_deref()
        .map(Recording::create)
        .transpose()?;
    let options = RunOptions {
        duration: request.duration,
        ..RunOptions::default()
    };
    let run = LabRun::start(request.lab, request.params, options);
    stop_on_interrupt(run.cancel_token());
    let mut subscription = run.subscribe();
    let stdout = std::io::stdout();
    let mut reader_gone = false;
    let mut kept = Vec::new();
    while let Some(event) = subscription.next_blocking() {
        if let Some(recording) = recording.as_mut() {
            recording.write(&event)?;
        }
        if request.report.is_some() {
            kept.push(event.clone());
        }
        // A closed pipe (`| head`) stops the printing, not the lab's clean shutdown.
        if !reader_gone && jsonl::write_event(&mut stdout.lock(), &event).is_err() {
            reader_gone = true;
            run.stop();
        }
    }
    if let Some(recording) = recording {
        recording.finish()?;
    }
    let report = run.wait();
    if let Some(path) = &request.report {
        write_report(path, &kept)?;
    }
    if report.ok {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("workbench: {} failed: {}", report.lab, report.verdict);
        Ok(ExitCode::from(1))
    }
}

/// Writes a run's events as its HTML page, and says where (on stderr: stdout may be JSON).
pub fn write_report(path: &Path, events: &[LabEvent]) -> anyhow::Result<()> {
    crate::run_report::write(path, events, &crate::labs::registry(), lab_i18n::current())?;
    eprintln!(
        "workbench: {}",
        lab_i18n::tr!(
            lab_i18n::current(),
            "report-written",
            path = path.display().to_string()
        )
    );
    Ok(())
}

/// Prints a recording at its recorded pace (times `speed`).
pub fn replay(path: &Path, speed: f64) -> anyhow::Result<ExitCode> {
    let events = jsonl::read_recording(path)?;
    let started = Instant::now();
    let mut stdout = std::io::stdout().lock();
    for event in &events {
        let due = lab_core::seconds::clamped(event.t() / speed);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
        if jsonl::write_event(&mut stdout, event).is_err() {
            break;
        }
    }
    stdout.flush()?;
    let ok = events.iter().rev().find_map(|event| match event {
        LabEvent::Report(report) => Some(report.ok),
        LabEvent::Snapshot(_) => None,
    });
    Ok(if ok == Some(false) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
