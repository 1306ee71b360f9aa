//! The terminal UI: `workbench` (labs, forms, dashboards) and `workbench lab <id>` (one
//! dashboard). Ratatui draws; crossterm reads keys.
//!
//! The loop is simple on purpose: every 100 ms it takes whatever the lab sent, redraws (ratatui
//! only writes the cells that changed, so there is no flicker), and handles the keys pressed
//! meanwhile. The terminal is restored however the UI ends: normally, on an error, or on a panic.

mod app;
mod screens;
pub mod widgets;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lab_core::jsonl::{self, Recording};
use lab_core::{LabEvent, LabRun, Registry, Report, RunOptions, Subscription};
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event};

use crate::cli::LabRequest;
use app::{Action, App};

/// How often the screen is redrawn.
const FRAME: Duration = Duration::from_millis(100);

/// Where the dashboard's events come from.
enum Source {
    Idle,
    Live {
        run: LabRun,
        subscription: Subscription,
        recording: Option<Recording>,
    },
    Replay {
        events: std::vec::IntoIter<LabEvent>,
        pending: Option<LabEvent>,
        started: Instant,
        speed: f64,
    },
}

impl Source {
    fn live(run: LabRun, recording: Option<Recording>) -> Source {
        let subscription = run.subscribe();
        Source::Live {
            run,
            subscription,
            recording,
        }
    }

    /// Events due now.
    fn drain(&mut self) -> anyhow::Result<Vec<LabEvent>> {
        let mut due = Vec::new();
        match self {
            Source::Idle => {}
            Source::Live {
                subscription,
                recording,
                ..
            } => {
                while let Some(event) = subscription.try_next() {
                    if let Some(recording) = recording.as_mut() {
                        recording.write(&event)?;
                    }
                    let finished = matches!(event, LabEvent::Report(_));
                    due.push(event);
                    if finished {
                        if let Some(recording) = recording.take() {
                            recording.finish()?;
                        }
                    }
                }
            }
            Source::Replay {
                events,
                pending,
                started,
                speed,
            } => {
                while let Some(event) = pending.take().or_else(|| events.next()) {
                    if event.t() / *speed > started.elapsed().as_secs_f64() {
                        *pending = Some(event);
                        break;
                    }
                    due.push(event);
                }
            }
        }
        Ok(due)
    }

    fn stop(&self) {
        if let Source::Live { run, .. } = self {
            run.stop();
        }
    }

    /// Stops a live lab and waits for its report.
    fn finish(self) -> anyhow::Result<Option<Report>> {
        match self {
            Source::Live {
                run,
                mut subscription,
                recording,
            } => {
                run.stop();
                // Everything not yet drawn goes into the recording too, up to the report.
                if let Some(mut recording) = recording {
                    while let Some(event) = subscription.next_blocking() {
                        recording.write(&event)?;
                    }
                    recording.finish()?;
                }
                Ok(Some(run.wait()))
            }
            _ => Ok(None),
        }
    }
}

/// Restores the terminal when dropped, whatever path the UI leaves by.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Watches for the terminal going away (its window closed, the ssh connection dropped) and then
/// stops the lab and ends the process.
///
/// The UI thread cannot be relied on to notice: once the terminal is gone, crossterm's event
/// reader keeps reading an end of file that is always ready, inside `event::poll`, and never
/// returns (crossterm issue #793). So this thread asks the kernel every 200 ms whether standard
/// input has hung up; if so it does what Ctrl-C does (the lab stops, its ports close, its
/// children are reaped), gives that two seconds, and exits. A UI that is not stuck has quit
/// by then on its own.
fn watch_for_a_vanished_terminal() {
    std::thread::Builder::new()
        .name("terminal-watch".to_string())
        .spawn(|| {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                let mut input = libc::pollfd {
                    fd: libc::STDIN_FILENO,
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one pollfd on a stack variable that outlives the call; no wait.
                let ready = unsafe { libc::poll(&mut input, 1, 0) };
                let gone = libc::POLLHUP | libc::POLLERR | libc::POLLNVAL;
                if ready > 0 && input.revents & gone != 0 {
                    crate::headless::interrupt_now();
                    std::thread::sleep(Duration::from_secs(2));
                    std::process::exit(129);
                }
            }
        })
        .expect("a thread starts");
}

fn open_terminal() -> anyhow::Result<(DefaultTerminal, TerminalGuard)> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(lab_i18n::tr!(lab_i18n::current(), "tui-needs-terminal"));
    }
    let terminal = ratatui::try_init().map_err(|error| {
        anyhow::anyhow!(
            "cannot open the terminal UI ({error}); run a lab with --headless or use `workbench serve`"
        )
    })?;
    // ratatui's hook restores the terminal before printing a panic. A lab thread's panic must
    // not do that (the UI goes on and shows it as a failed run), so only the UI thread's does.
    let restore_then_report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("main") {
            restore_then_report(info);
        }
    }));
    Ok((terminal, TerminalGuard))
}

pub fn run_home(registry: &Registry) -> anyhow::Result<ExitCode> {
    let app = App::new(registry.labs().iter().map(|lab| lab.info()).collect())
        .with_course(app::Course::new(registry));
    run_loop(registry, app, Source::Idle)?;
    Ok(ExitCode::SUCCESS)
}

pub fn run_lab(registry: &Registry, request: LabRequest) -> anyhow::Result<ExitCode> {
    // A report is written from the run's recording: the one asked for, or a scratch one.
    let scratch = tempfile::tempdir()?;
    let recorded = match (&request.record, &request.report) {
        (Some(path), _) => Some(path.clone()),
        (None, Some(_)) => Some(scratch.path().join("run.jsonl")),
        (None, None) => None,
    };
    let recording = recorded.as_deref().map(Recording::create).transpose()?;
    let mut app = App::new(registry.labs().iter().map(|lab| lab.info()).collect())
        .with_course(app::Course::new(registry));
    app.dashboard_only = true;
    let id = request.lab.info().id;
    app.open_dashboard(id, "live");
    let run = LabRun::start(
        request.lab,
        request.params,
        RunOptions {
            duration: request.duration,
            ..RunOptions::default()
        },
    );
    crate::headless::stop_on_interrupt(run.cancel_token());
    let report = run_loop(registry, app, Source::live(run, recording))?;
    if let (Some(page), Some(recorded)) = (&request.report, &recorded) {
        crate::headless::write_report(page, &jsonl::read_recording(recorded)?)?;
    }
    match report {
        Some(report) if !report.ok => {
            eprintln!("workbench: {} failed: {}", report.lab, report.verdict);
            Ok(ExitCode::from(1))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

pub fn run_replay(registry: &Registry, file: &Path, speed: f64) -> anyhow::Result<ExitCode> {
    let events = jsonl::read_recording(file)?;
    let lab = match &events[0] {
        LabEvent::Snapshot(snapshot) => snapshot.lab.clone(),
        LabEvent::Report(report) => report.lab.clone(),
    };
    let mut app = App::new(registry.labs().iter().map(|lab| lab.info()).collect());
    app.dashboard_only = true;
    app.open_dashboard(&lab, "replay");
    let source = Source::Replay {
        events: events.into_iter(),
        pending: None,
        started: Instant::now(),
        speed,
    };
    run_loop(registry, app, source)?;
    Ok(ExitCode::SUCCESS)
}

/// Draws and handles keys until the user quits. Returns the last live run's report.
fn run_loop(
    registry: &Registry,
    mut app: App,
    mut source: Source,
) -> anyhow::Result<Option<Report>> {
    let (mut terminal, _guard) = open_terminal()?;
    crate::headless::catch_interrupts();
    watch_for_a_vanished_terminal();
    let mut last_report = None;
    while !app.quit && !crate::headless::interrupted() {
        for event in source.drain()? {
            if let LabEvent::Report(report) = &event {
                last_report = Some(report.clone());
            }
            app.apply(&event);
        }
        terminal.draw(|frame| screens::draw(frame, &app))?;
        let deadline = Instant::now() + FRAME;
        while let Some(wait) = deadline.checked_duration_since(Instant::now()) {
            if !event::poll(wait)? {
                break;
            }
            // Resizes need nothing: the next draw uses the new size.
            let Event::Key(key) = event::read()? else {
                continue;
            };
            if !key.is_press() {
                continue;
            }
            match app.on_key(key) {
                Action::None => {}
                Action::Quit => break,
                Action::Stop => {
                    source.stop();
                    if app.screen == app::Screen::Home {
                        last_report = std::mem::replace(&mut source, Source::Idle).finish()?;
                    }
                }
                Action::Start { lab, params } => {
                    let Some(found) = registry.find(&lab) else {
                        continue;
                    };
                    if let Err(message) = found.validate(&params) {
                        app.form_error = Some(message);
                        app.screen = app::Screen::Home;
                        continue;
                    }
                    std::mem::replace(&mut source, Source::Idle).finish()?;
                    app.open_dashboard(&lab, "live");
                    let run = LabRun::start(Arc::clone(&found), params, RunOptions::default());
                    // Ctrl-C, SIGTERM or a vanished terminal stops this run too.
                    crate::headless::stop_on_interrupt(run.cancel_token());
                    source = Source::live(run, None);
                }
            }
        }
    }
    if let Some(report) = source.finish()? {
        last_report = Some(report);
    }
    Ok(last_report)
}
