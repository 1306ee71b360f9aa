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

#[test]
fn start_pubsub_from_the_keyboard_see_a_rate_and_quit_cleanly() {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLUMNS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal");
    let mut program = CommandBuilder::new(common::workbench());
    program.env("TERM", "xterm-256color");
    let mut child = pty
        .slave
        .spawn_command(program)
        .expect("the workbench starts");
    drop(pty.slave);

    let parser = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLUMNS, 0)));
    let raw_output = Arc::new(Mutex::new(Vec::new()));
    let mut reader = pty.master.try_clone_reader().unwrap();
    {
        let (parser, raw_output) = (parser.clone(), raw_output.clone());
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(count) = reader.read(&mut buffer) {
                if count == 0 {
                    break;
                }
                parser.lock().unwrap().process(&buffer[..count]);
                raw_output
                    .lock()
                    .unwrap()
                    .extend_from_slice(&buffer[..count]);
            }
        });
    }
    let screen = Screen { parser };
    let mut keyboard = pty.master.take_writer().unwrap();

    screen.wait_for("the lab list", |text| {
        text.contains("zmq-pubsub") && text.contains("Enter start")
    });
    assert!(
        screen.parser.lock().unwrap().screen().alternate_screen(),
        "the UI uses the alternate screen"
    );

    // Enter starts the selected lab with its default form values.
    keyboard.write_all(b"\r").unwrap();
    let text = screen.wait_for("a sent rate above zero", |text| {
        rate_on_screen(text, "sent").is_some_and(|rate| rate > 0.0)
    });
    assert!(text.contains("running"), "{text}");
    assert!(
        text.contains("subscribers"),
        "the subscriber table is shown:\n{text}"
    );

    // q stops the lab and goes back to the list; q again quits.
    keyboard.write_all(b"q").unwrap();
    screen.wait_for("the lab list again", |text| text.contains("Enter start"));
    keyboard.write_all(b"q").unwrap();
    let status = common::wait_for(Duration::from_secs(10), "the workbench to exit", || {
        child.try_wait().unwrap()
    });
    assert!(status.success(), "{status:?}");

    // Restored: back on the normal screen, cursor visible, raw mode off (the last mode switch
    // written is the one that leaves the alternate screen).
    std::thread::sleep(Duration::from_millis(200));
    let parser = screen.parser.lock().unwrap();
    assert!(
        !parser.screen().alternate_screen(),
        "still on the alternate screen"
    );
    assert!(!parser.screen().hide_cursor(), "the cursor is still hidden");
    let raw = raw_output.lock().unwrap();
    let leave = b"\x1b[?1049l";
    assert!(
        raw.windows(leave.len()).any(|window| window == leave),
        "never left the alternate screen"
    );
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
