//! The terminal UI in a real pseudo-terminal: start zmq-pubsub from the keyboard, see a rate
//! above zero on screen, quit, and find the terminal restored.

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const ROWS: u16 = 30;
const COLUMNS: u16 = 100;

/// The screen as a terminal emulator would show it, fed by a thread reading the pty.
struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.text();
            if check(&text) {
                return text;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}; the screen shows:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The per-second rate printed beside `counter` in the totals panel, if it is on screen.
fn rate_on_screen(text: &str, counter: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let start = line.find(&format!("│{counter} "))?;
        let fields: Vec<&str> = line[start + counter.len() + 3..]
            .split_whitespace()
            .take(2)
            .collect();
        let rate = fields.get(1)?.trim_end_matches('│').trim_end_matches("/s");
        let (number, scale) = match rate.chars().last()? {
            'k' => (&rate[..rate.len() - 1], 1e3),
            'M' => (&rate[..rate.len() - 1], 1e6),
            _ => (rate, 1.0),
        };
        number.parse::<f64>().ok().map(|value| value * scale)
    })
}

/// The workbench running in a pseudo-terminal, with a terminal emulator reading its screen.
struct Terminal {
    screen: Screen,
    raw_output: Arc<Mutex<Vec<u8>>>,
    /// `None` once the terminal was closed (see [`Terminal::hang_up`]).
    keyboard: Option<Box<dyn Write + Send>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    master: Option<Box<dyn portable_pty::MasterPty + Send>>,
    /// Tells the reading thread to let go of its end of the terminal.
    stop_reading: Arc<std::sync::atomic::AtomicBool>,
    reading: Option<std::thread::JoinHandle<()>>,
}

impl Terminal {
    fn start(args: &[&str]) -> Terminal {
        Terminal::start_with(args, &[])
    }

    /// Starts the workbench with these environment variables set as well.
    fn start_with(args: &[&str], environment: &[(&str, &std::ffi::OsStr)]) -> Terminal {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLUMNS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut program = CommandBuilder::new(common::workbench());
        program.args(args);
        program.env("TERM", "xterm-256color");
        program.env("LANG", "en_US.UTF-8");
        program.env_remove("LC_ALL");
        for (name, value) in environment {
            program.env(name, value);
        }
        let child = pty
            .slave
            .spawn_command(program)
            .expect("the workbench starts");
        drop(pty.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLUMNS, 0)));
        let raw_output = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pty.master.try_clone_reader().unwrap();
        let stop_reading = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reading = {
            let (parser, raw_output, stop) =
                (parser.clone(), raw_output.clone(), stop_reading.clone());
            std::thread::spawn(move || {
                let mut buffer = [0u8; 8192];
                while let Ok(count) = reader.read(&mut buffer) {
                    if count == 0 || stop.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    parser.lock().unwrap().process(&buffer[..count]);
                    raw_output
                        .lock()
                        .unwrap()
                        .extend_from_slice(&buffer[..count]);
                }
            })
        };
        let keyboard = pty.master.take_writer().unwrap();
        Terminal {
            screen: Screen { parser },
            raw_output,
            keyboard: Some(keyboard),
            child,
            master: Some(pty.master),
            stop_reading,
            reading: Some(reading),
        }
    }

    fn press(&mut self, keys: &[u8]) {
        let keyboard = self.keyboard.as_mut().expect("the terminal is open");
        keyboard.write_all(keys).unwrap();
        keyboard.flush().unwrap();
    }

    /// Closes the terminal, as closing its window does: every handle on our side of the
    /// pseudo-terminal is let go, and the program's side hangs up.
    fn hang_up(&mut self) {
        self.stop_reading
            .store(true, std::sync::atomic::Ordering::SeqCst);
        // The reader lets go after its next read; the program redraws ten times a second.
        if let Some(reading) = self.reading.take() {
            reading.join().unwrap();
        }
        self.keyboard = None;
        self.master = None;
    }

    fn resize(&mut self, rows: u16, columns: u16) {
        self.screen
            .parser
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(rows, columns);
        self.master
            .as_ref()
            .expect("the terminal is open")
            .resize(PtySize {
                rows,
                cols: columns,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }

    /// Waits for the program to exit and checks it left the terminal as it found it.
    fn expect_clean_exit(&mut self) {
        let status = common::wait_for(Duration::from_secs(10), "the workbench to exit", || {
            self.child.try_wait().unwrap()
        });
        assert!(status.success(), "{status:?}");
        std::thread::sleep(Duration::from_millis(200));
        let parser = self.screen.parser.lock().unwrap();
        assert!(
            !parser.screen().alternate_screen(),
            "still on the alternate screen"
        );
        assert!(!parser.screen().hide_cursor(), "the cursor is still hidden");
        let raw = self.raw_output.lock().unwrap();
        let leave = b"\x1b[?1049l";
        assert!(
            raw.windows(leave.len()).any(|window| window == leave),
            "never left the alternate screen"
        );
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn start_pubsub_from_the_keyboard_see_a_rate_and_quit_cleanly() {
    let mut terminal = Terminal::start(&[]);
    terminal.screen.wait_for("the lab list", |text| {
        text.contains("zmq-pubsub") && text.contains("Enter start")
    });
    assert!(
        terminal
            .screen
            .parser
            .lock()
            .unwrap()
            .screen()
            .alternate_screen(),
        "the UI uses the alternate screen"
    );

    // Enter starts the selected lab with its default form values.
    terminal.press(b"\r");
    let text = terminal.screen.wait_for("a sent rate above zero", |text| {
        rate_on_screen(text, "sent").is_some_and(|rate| rate > 0.0)
    });
    assert!(text.contains("running"), "{text}");
    assert!(
        text.contains("subscribers"),
        "the subscriber table is shown:\n{text}"
    );

    // A smaller window: the dashboard redraws to fit 80x24.
    terminal.resize(24, 80);
    terminal
        .screen
        .wait_for("the dashboard redrawn at 80x24", |text| {
            text.lines()
                .nth(23)
                .is_some_and(|footer| footer.contains("s stop"))
        });

    // q stops the lab and goes back to the list; q again quits.
    terminal.press(b"q");
    terminal
        .screen
        .wait_for("the lab list again", |text| text.contains("Enter start"));
    terminal.press(b"q");
    terminal.expect_clean_exit();
}

/// A Chinese student: under `LANG=zh_CN.UTF-8` the whole interface is Chinese, and a lab
/// started from the keyboard shows its dashboard with Chinese labels (the counters' ids stay
/// in the JSON, not on the screen).
#[test]
fn a_chinese_student_starts_a_lab_and_reads_chinese_labels() {
    let mut terminal = Terminal::start_with(&[], &[("LANG", "zh_CN.UTF-8".as_ref())]);
    terminal.screen.wait_for("the lab list in Chinese", |text| {
        text.contains("zmq-pubsub") && text.contains("Enter 启动") && text.contains("实验")
    });
    terminal.press(b"\r");
    let text = terminal
        .screen
        .wait_for("the dashboard in Chinese", |text| {
            text.contains("ZeroMQ 发布/订阅")
                && text.contains("运行中")
                && text.contains("发出")
                && text.contains("订阅者")
        });
    // (The events' sentences are the lab's own, English still.)
    for english in [
        "running",
        "totals",
        "per second",
        "subscribers",
        "publish/subscribe",
    ] {
        assert!(
            !text.contains(english),
            "'{english}' on a Chinese screen:\n{text}"
        );
    }
    terminal.press(b"q");
    terminal
        .screen
        .wait_for("the lab list again", |text| text.contains("Enter 启动"));
    terminal.press(b"q");
    terminal.expect_clean_exit();
}

#[test]
fn closing_the_terminal_stops_the_lab_and_ends_the_process() {
    let port = common::free_port();
    let address = format!("127.0.0.1:{port}");
    let mut terminal =
        Terminal::start(&["lab", "socket-echo", "--role", "server", "--bind", &address]);
    common::wait_for(Duration::from_secs(20), "the server to listen", || {
        std::net::TcpStream::connect(&address).ok().map(|_| ())
    });
    terminal.hang_up();
    // Without a terminal the UI cannot draw or read keys; it must not linger (or spin).
    common::wait_for(
        Duration::from_secs(15),
        "the workbench to end after its terminal closed",
        || terminal.child.try_wait().unwrap(),
    );
    common::wait_for(Duration::from_secs(5), "the port to be free", || {
        std::net::TcpListener::bind(&address).ok().map(|_| ())
    });
}

#[test]
fn sigterm_stops_the_lab_and_restores_the_terminal() {
    let mut terminal = Terminal::start(&["lab", "zmq-pubsub"]);
    terminal.screen.wait_for("a sent rate above zero", |text| {
        rate_on_screen(text, "sent").is_some_and(|rate| rate > 0.0)
    });
    let pid = terminal.child.process_id().expect("the child has a pid");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    terminal.expect_clean_exit();
}

#[test]
fn a_recording_replays_in_the_dashboard() {
    let directory =
        std::env::temp_dir().join(format!("workbench-tui-replay-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let file = directory.join("run.jsonl");
    let file_text = file.to_str().unwrap();
    let recorded = common::run(&[
        "lab",
        "zmq-pubsub",
        "--headless",
        "--duration",
        "1.5",
        "--record",
        file_text,
    ]);
    assert!(recorded.status.success());

    let mut terminal = Terminal::start(&["replay", file_text, "--speed", "4"]);
    let text = terminal
        .screen
        .wait_for("the replayed report", |text| text.contains("finished"));
    assert!(text.contains("[replay]"), "{text}");
    assert!(rate_on_screen(&text, "sent").is_some(), "{text}");
    terminal.press(b"q");
    terminal.expect_clean_exit();
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn the_rate_reader_understands_the_totals_panel() {
    let line = "│    │         ││sent               7798     2.0k/s│";
    assert_eq!(rate_on_screen(line, "sent"), Some(2000.0));
    assert_eq!(
        rate_on_screen("││sent   39.8k   2000/s   │", "sent"),
        Some(2000.0)
    );
    assert_eq!(rate_on_screen("│sent   0   0│", "sent"), Some(0.0));
    assert_eq!(rate_on_screen("nothing here", "sent"), None);
}

#[test]
fn read_the_lesson_beside_the_lab_run_its_link_and_take_a_hint() {
    let data = tempfile::tempdir().unwrap();
    let hint = common::command()
        .args(["exercise", "hint", "zmq-sub-topic-b"])
        .env("WORKBENCH_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert!(hint.status.success());
    let mut terminal =
        Terminal::start_with(&[], &[("WORKBENCH_DATA_DIR", data.path().as_os_str())]);
    terminal
        .screen
        .wait_for("the lab list", |text| text.contains("zmq-pubsub"));

    terminal.press(b"l");
    terminal
        .screen
        .wait_for("the lesson beside the labs", |text| {
            text.contains("Lesson · en") && text.contains("Messaging with ZeroMQ")
        });
    terminal.press(b"L");
    // `L` switches the whole interface, not only the lesson.
    terminal.screen.wait_for("everything in Chinese", |text| {
        text.contains("课程 · zh")
            && text.contains("用 ZeroMQ 传递消息")
            && text.contains("真实系统的实验")
            && !text.contains("Labs")
    });
    terminal.press(b"L");
    terminal
        .screen
        .wait_for("English again", |text| text.contains("Lesson · en"));

    // The third link (after the transports lab and the publisher) runs the lab with a slow
    // subscriber, a small high-water mark and large messages.
    terminal.press(b"nnn");
    terminal.screen.wait_for("the third link in view", |text| {
        text.contains("--slow-subscriber 2000")
    });
    terminal.press(b"\r");
    terminal
        .screen
        .wait_for("the lab running, the lesson beside it", |text| {
            text.contains("● running") && text.contains("Lesson · en")
        });
    terminal.press(b"q");
    // Back home the lesson pane closes (l) to show the form the link filled in.
    terminal
        .screen
        .wait_for("home with the lesson", |text| text.contains("Labs"));
    terminal.press(b"l");
    let form = terminal.screen.wait_for("the form", |text| {
        text.contains("Parameters") && !text.contains("Lesson ·")
    });
    let row = |name: &str| {
        form.lines()
            .find(|line| line.contains(&format!("│{name} ")) || line.contains(&format!(" {name} ")))
            .unwrap_or_else(|| panic!("no {name} row:\n{form}"))
            .to_string()
    };
    assert!(row("slow-subscriber").contains("2000"), "{form}");
    assert!(row("hwm").contains("100"), "{form}");
    assert!(row("size").contains("8192"), "{form}");

    // The exercises, with the hint taken on the command line, and one more from here.
    terminal.press(b"x");
    terminal
        .screen
        .wait_for("the exercises with progress", |text| {
            text.contains("zmq-sub-topic-b") && text.contains("hints used 1")
        });
    terminal.press(b"h");
    terminal.screen.wait_for("a second hint", |text| {
        text.contains("hints used 2") && text.contains("Hint 2:")
    });
    terminal.press(b"q");
    terminal
        .screen
        .wait_for("the labs again", |text| text.contains("zmq-pubsub"));
    terminal.press(b"q");
    terminal.expect_clean_exit();
}
