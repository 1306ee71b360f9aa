//! `workbench`: the one binary that hosts every lab.
//!
//! ```text
//! workbench                                   terminal UI: labs, parameter forms, live dashboards
//! workbench list [--json]                     the labs: id, topic, title
//! workbench lab <id> [--<param> <value>]...   one lab with its live dashboard in the terminal
//!     --headless                              no UI: one JSON snapshot per line, then a report line
//!     --duration <secs>                       stop by itself after this long
//!     --record <file.jsonl>                   also write the snapshots to a file
//! workbench replay <file.jsonl>               play a recording back in the dashboard
//! workbench serve [--addr 127.0.0.1:7878]     browser dashboard
//! workbench lesson [<topic>] [--lang en|zh]   print a lesson (no topic: the list)
//! workbench exercise list|show|hint|start|check|watch|export
//! workbench zmq probe <tcp-endpoint>          which ZeroMQ socket listens there, if any
//! workbench archive pack|list|verify|unpack|convert   Phar, zip and tar archives
//! ```
//!
//! Exit codes: 0 the lab ran and its checks passed; 1 it ran and failed (the report says why);
//! 2 the command line was wrong.

mod archive;
mod cli;
mod cli_text;
mod course;
mod data;
mod headless;
mod labs;
mod probe;
mod run_report;
mod tui;
mod web;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "workbench",
    version,
    about = "A teaching workbench for backend engineering: live labs of real systems.",
    long_about = "A teaching workbench for backend engineering: live labs of real systems.\n\nRun with no arguments for the terminal UI, or `workbench serve` for the browser dashboard."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The language of everything shown: en or zh (default: from LANGUAGE, LC_ALL,
    /// LC_MESSAGES, LANG).
    #[arg(long, global = true, value_enum)]
    lang: Option<course::Lang>,
}

#[derive(Subcommand)]
enum Command {
    /// List the labs: id, topic, title.
    List {
        /// One JSON array with each lab's parameter schema.
        #[arg(long)]
        json: bool,
    },
    /// Run one lab: `workbench lab <id> --help` lists its flags and their defaults.
    #[command(disable_help_flag = true)]
    Lab {
        /// The lab's id, e.g. zmq-pubsub (see `workbench list`).
        id: Option<String>,
        /// The lab's flags, and --headless, --duration <secs>, --record <file>.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
        args: Vec<String>,
    },
    /// Play a recording (from `--record`) back in the dashboard.
    Replay {
        /// The recording: a file written by `--record`.
        file: std::path::PathBuf,
        /// Print the recorded lines instead of showing them.
        #[arg(long)]
        headless: bool,
        /// Playback speed: 2 plays twice as fast.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Write the recorded run as one HTML page instead of playing it back.
        #[arg(long, value_name = "FILE.html")]
        report: Option<std::path::PathBuf>,
    },
    /// Print a lesson; without a topic, list them.
    Lesson {
        #[arg(help = format!("One of: {}.", course::TOPICS.join(", ")))]
        topic: Option<String>,
    },
    /// Classroom exercises: read the task, write a program, let the workbench check it.
    Exercise {
        #[command(subcommand)]
        command: course::cli::ExerciseCommand,
    },
    /// Dependent test suites: `workbench test run suite.toml`.
    Test {
        #[command(subcommand)]
        command: TestCommand,
    },
    /// Archives: pack, list, verify, unpack and convert Phar, zip and tar files.
    Archive {
        #[command(subcommand)]
        command: archive::ArchiveCommand,
    },
    /// ZeroMQ tools: `workbench zmq probe tcp://127.0.0.1:5559`.
    Zmq {
        #[command(subcommand)]
        command: ZmqCommand,
    },
    /// Serve the browser dashboard.
    Serve {
        /// Where to listen. Anything but loopback lets other machines reach it (they still
        /// need the token).
        #[arg(long, default_value = "127.0.0.1:7878")]
        addr: String,
        /// The secret every API request needs (default: a fresh one, printed in the address).
        #[arg(long, env = "WORKBENCH_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
}

/// The command line, with its help and its mistakes in the language asked for (`--lang`
/// anywhere before `--`, else the locale); a mistake is printed and ends with exit code 2.
fn parse_in_the_users_language() -> Result<Cli, ExitCode> {
    let arguments: Vec<String> = std::env::args()
        .skip(1)
        .take_while(|arg| arg != "--")
        .collect();
    // A `--lang` that cannot be read is reported after parsing, in the locale's language.
    let lang = cli::lang_flag(&arguments)
        .ok()
        .flatten()
        .unwrap_or_else(lab_i18n::Lang::from_env);
    let parsed = cli_text::localized(Cli::command(), lang)
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches));
    parsed.map_err(|error| {
        if matches!(
            error.kind(),
            clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
        ) {
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        eprint!("{}", cli_text::error_message(&error, lang));
        ExitCode::from(2)
    })
}

/// Course commands fail with a one-line message and exit code 2.
fn course_result(result: Result<ExitCode, course::cli::UsageError>) -> anyhow::Result<ExitCode> {
    match result {
        Ok(code) => Ok(code),
        Err(course::cli::UsageError(message)) => {
            eprintln!("workbench: {message}");
            Ok(ExitCode::from(2))
        }
    }
}

#[derive(Subcommand)]
enum TestCommand {
    /// Run suite files (TOML): tests in dependency order, independent ones in parallel, a test
    /// whose dependency did not pass skipped. Exit code 0 all passed, 1 failures or errors,
    /// 2 a bad suite file. With --phpunit, a real PHPUnit suite, run by PHPUnit.
    Run {
        /// Suite files.
        #[arg(required_unless_present = "phpunit", conflicts_with = "phpunit")]
        files: Vec<std::path::PathBuf>,
        /// Run a real PHPUnit suite instead (a folder of *Test.php files, or its phpunit.xml or
        /// phpunit.xml.dist): PHPUnit's own output, then the graph of its @depends with each
        /// test's outcome from PHPUnit's JUnit log. Exit code: PHPUnit's.
        #[arg(long, conflicts_with_all = ["jobs", "filter", "junit", "tap"])]
        phpunit: Option<std::path::PathBuf>,
        /// With --phpunit: the PHPUnit to run, a program or a phpunit.phar (default:
        /// vendor/bin/phpunit in the suite's folder or above, else phpunit on PATH).
        #[arg(long, requires = "phpunit")]
        phpunit_bin: Option<std::path::PathBuf>,
        /// Tests run at once (default: the number of cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Run only the tests whose name contains this, and what they depend on.
        #[arg(long)]
        filter: Option<String>,
        /// Also write the results as JUnit XML to this file.
        #[arg(long)]
        junit: Option<std::path::PathBuf>,
        /// Print TAP (the Test Anything Protocol) instead.
        #[arg(long, conflicts_with = "json")]
        tap: bool,
        /// Print one JSON document instead.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ZmqCommand {
    /// Which ZeroMQ socket listens on a TCP endpoint (version, security, socket type), or that
    /// what listens is not ZeroMQ. Exit code 0 only for ZeroMQ.
    Probe {
        /// tcp://host:port
        #[arg(required_unless_present = "help_troubleshoot")]
        endpoint: Option<String>,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 3.0)]
        timeout: f64,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Print the checklist for messages that do not arrive, from the messaging lesson.
        #[arg(long)]
        help_troubleshoot: bool,
    },
}

fn main() -> ExitCode {
    let cli = match parse_in_the_users_language() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // The language is settled before anything is shown; a lab's flags come unparsed.
    let asked = match &cli.command {
        Some(Command::Lab { args, .. }) => match cli::lang_flag(args) {
            Ok(in_lab_flags) => cli.lang.or(in_lab_flags),
            Err(message) => {
                eprintln!("workbench: {message}");
                return ExitCode::from(2);
            }
        },
        _ => cli.lang,
    };
    let (lang, note) = lab_i18n::choose(asked);
    if let Some(note) = note {
        eprintln!("workbench: {note}");
    }
    let registry = labs::registry();
    let outcome = match cli.command {
        None => tui::run_home(&registry),
        Some(Command::List { json }) => {
            end_quietly_when_the_reader_leaves();
            cli::list(&registry, json)
        }
        Some(Command::Lab { id, args }) => match cli::parse_lab(&registry, id, &args) {
            Ok(cli::LabCommand::Help(text)) => {
                print!("{text}");
                Ok(ExitCode::SUCCESS)
            }
            Ok(cli::LabCommand::Run(request)) => {
                if request.headless || !std::io::stdout().is_terminal() {
                    headless::run(request)
                } else {
                    tui::run_lab(&registry, request)
                }
            }
            Err(message) => {
                eprintln!("workbench: {message}");
                return ExitCode::from(2);
            }
        },
        Some(Command::Replay {
            file,
            report: Some(page),
            ..
        }) => lab_core::jsonl::read_recording(&file)
            .and_then(|events| headless::write_report(&page, &events))
            .map(|()| ExitCode::SUCCESS),
        Some(Command::Replay {
            file,
            headless,
            speed,
            report: None,
        }) => {
            if !(speed > 0.0 && speed.is_finite()) {
                eprintln!(
                    "workbench: invalid value '{speed}' for --speed: expected a number above 0"
                );
                return ExitCode::from(2);
            }
            if headless || !std::io::stdout().is_terminal() {
                headless::replay(&file, speed)
            } else {
                tui::run_replay(&registry, &file, speed)
            }
        }
        Some(Command::Serve { addr, token }) => {
            web::serve(registry, web::ServeOptions { addr, token })
        }
        Some(Command::Lesson { topic }) => {
            end_quietly_when_the_reader_leaves();
            course_result(course::cli::lesson(&registry, topic, lang))
        }
        Some(Command::Exercise { command }) => {
            end_quietly_when_the_reader_leaves();
            course_result(course::cli::exercise(&registry, command))
        }
        Some(Command::Test {
            command:
                TestCommand::Run {
                    files,
                    phpunit,
                    phpunit_bin,
                    jobs,
                    filter,
                    junit,
                    tap,
                    json,
                },
        }) => {
            // Ctrl-C stops the commands under way (each runs in a process group of its own) and
            // still prints the report; what a command leaves behind by double-forking is
            // adopted by this process and stopped with its test.
            headless::catch_interrupts();
            lab_core::processes::become_subreaper();
            let style = lab_testdeps::report::Style {
                colour: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            if let Some(suite) = phpunit {
                let options = lab_testdeps::PhpunitOptions {
                    suite,
                    bin: phpunit_bin,
                    json,
                    style,
                    interrupted: headless::interrupted,
                };
                let code = lab_testdeps::run_phpunit_suite(
                    &options,
                    &mut std::io::stdout(),
                    &mut std::io::stderr(),
                );
                Ok(ExitCode::from(code.clamp(0, 255) as u8))
            } else {
                let options = lab_testdeps::Options {
                    interrupted: headless::interrupted,
                    files,
                    jobs: jobs.filter(|jobs| *jobs > 0).unwrap_or_else(|| {
                        std::thread::available_parallelism().map_or(2, usize::from)
                    }),
                    filter,
                    junit,
                    format: match (tap, json) {
                        (true, _) => lab_testdeps::Format::Tap,
                        (_, true) => lab_testdeps::Format::Json,
                        _ => lab_testdeps::Format::Phpunit,
                    },
                    style,
                };
                let code = lab_testdeps::run_suites(
                    &options,
                    &mut std::io::stdout(),
                    &mut std::io::stderr(),
                );
                Ok(ExitCode::from(code as u8))
            }
        }
        Some(Command::Archive { command }) => archive::run(command),
        Some(Command::Zmq {
            command:
                ZmqCommand::Probe {
                    endpoint,
                    timeout,
                    json,
                    help_troubleshoot,
                },
        }) => course_result(match (help_troubleshoot, endpoint) {
            (true, _) | (false, None) => probe::troubleshoot(&registry, lang),
            (false, Some(endpoint)) => probe::run(&endpoint, timeout, json),
        }),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("workbench: {error:#}");
            ExitCode::from(1)
        }
    }
}

/// For the commands that print and end: when whoever reads the output goes away (`| head`), end
/// as other Unix tools do, without a panic about a broken pipe. Sockets are unaffected: Rust and
/// libzmq send with MSG_NOSIGNAL, and the servers (`serve`, labs) keep ignoring SIGPIPE.
fn end_quietly_when_the_reader_leaves() {
    // SAFETY: setting a signal's disposition to its default touches no memory of ours.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
