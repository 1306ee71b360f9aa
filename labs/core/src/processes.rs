//! Keeping the programs we start (a student's program, a suite's commands) from outliving us.
//!
//! A process group is the first fence: the program starts in a group of its own and the whole
//! group is signalled at the end. But a program can leave its group (`setsid`, `setpgid`) and
//! fork twice, so that its daemon's parent dies and the daemon is adopted by init: nothing we
//! hold points at it any more, and it keeps serving the port. Three more fences catch that:
//!
//! - **the tree**: before stopping, every process whose chain of parents leads to the program
//!   (read from `/proc/<pid>/stat`) is noted and killed, wherever its group is;
//! - **the subreaper**: a process that calls `prctl(PR_SET_CHILD_SUBREAPER)` adopts the orphans
//!   of its descendants instead of init, so a double-forked daemon becomes *our* child. Commands
//!   that run nothing else of their own (`exercise check`, `test run`) become subreapers, and
//!   at the end of each program they kill and reap every adopted orphan;
//! - **the mark**: every program gets `WORKBENCH_RUN_MARK=<unique value>` in its environment,
//!   which its descendants inherit; at the end every process carrying the mark is killed, even
//!   one that init adopted.
//!
//! Linux only (other systems keep the process-group fence).

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// The environment variable that marks the processes of one run.
pub const MARK_VARIABLE: &str = "WORKBENCH_RUN_MARK";

/// A mark for the processes of one program: given to it in its environment, inherited by all
/// it starts, and used at the end to find and kill them wherever they went.
pub struct Marker {
    value: String,
}

impl Marker {
    pub fn new() -> Marker {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Marker {
            value: format!(
                "{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ),
        }
    }

    /// Puts the mark into `command`'s environment.
    pub fn apply(&self, command: &mut Command) {
        command.env(MARK_VARIABLE, &self.value);
    }

    /// Ends a program that ran in process group `group` (whose leader has been waited for):
    /// SIGKILLs the group, then every marked process left. Cheap in the common case: when the
    /// group was already empty and this process is a subreaper, anything left must be one of
    /// its adopted children, so only those are looked at, not every process on the machine.
    pub fn end_group(&self, group: i32) {
        // SAFETY: kill(2) on a process group we started; ESRCH says it was empty.
        let group_was_empty = unsafe { libc::kill(-group, libc::SIGKILL) } != 0;
        match own_children() {
            Some(children) if group_was_empty && is_subreaper() => {
                let wanted = self.entry();
                if children.iter().any(|pid| carries(*pid, &wanted)) {
                    // Something escaped: find it and all it started, wherever they are.
                    self.kill_marked();
                }
            }
            _ => {
                self.kill_marked();
            }
        }
    }

    fn entry(&self) -> Vec<u8> {
        format!("{MARK_VARIABLE}={}", self.value).into_bytes()
    }

    /// SIGKILLs every process that carries the mark, and reaps those that are our children
    /// (adopted orphans). Returns how many there were.
    pub fn kill_marked(&self) -> usize {
        let wanted = self.entry();
        let me = std::process::id() as i32;
        let mut killed = 0;
        // A marked process may fork while it is being killed: a few rounds until none is left.
        for _ in 0..5 {
            let marked: Vec<i32> = all_pids()
                .into_iter()
                .filter(|pid| *pid != me && carries(*pid, &wanted))
                .collect();
            if marked.is_empty() {
                break;
            }
            kill_all(&marked);
            for pid in &marked {
                if parent_of(*pid) == Some(me) {
                    let mut status = 0;
                    // SAFETY: waitpid on a child of ours that std::process::Child does not
                    // hold (marked processes other than the ones we spawned are adopted).
                    unsafe { libc::waitpid(*pid, &mut status, libc::WNOHANG) };
                }
            }
            killed += marked.len();
            std::thread::sleep(Duration::from_millis(5));
        }
        killed
    }
}

impl Default for Marker {
    fn default() -> Marker {
        Marker::new()
    }
}

/// Whether process `pid` has `entry` (`NAME=value`) in its environment.
///
/// A process in the middle of `execve` reads as having no environment at all for a moment
/// (the new image's is not set up yet), and so does one that is being forked. On a loaded
/// machine that moment can last tens of milliseconds (the process is preempted halfway), so
/// an empty answer from a live user process is asked again, waiting a little longer each
/// time, for up to two seconds, before the process is taken for a stranger. Zombies and
/// kernel threads truly have none and are answered at once.
fn carries(pid: i32, entry: &[u8]) -> bool {
    let give_up = std::time::Instant::now() + Duration::from_secs(2);
    let mut wait = Duration::from_millis(1);
    loop {
        match std::fs::read(format!("/proc/{pid}/environ")) {
            Ok(environ) if !environ.is_empty() => {
                return environ.split(|byte| *byte == 0).any(|found| found == entry);
            }
            Ok(_) if std::time::Instant::now() < give_up && may_be_between_images(pid) => {
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_millis(50));
            }
            _ => return false,
        }
    }
}

/// Whether `pid` is a live user process (not a zombie, not a kernel thread), from the state
/// and flags in `/proc/<pid>/stat`.
fn may_be_between_images(pid: i32) -> bool {
    /// `PF_KTHREAD` in the kernel's per-task flags.
    const KERNEL_THREAD: u64 = 0x0020_0000;
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let Some(after_name) = stat.rfind(')').map(|end| &stat[end + 1..]) else {
        return false;
    };
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields after the name: state, ppid, pgrp, session, tty, tpgid, flags.
    let state = fields.first().copied().unwrap_or("Z");
    let flags: u64 = fields
        .get(6)
        .and_then(|flags| flags.parse().ok())
        .unwrap_or(0);
    !matches!(state, "Z" | "X") && flags & KERNEL_THREAD == 0
}

/// This process's children: every process whose parent (in `/proc/<pid>/stat`) is us.
///
/// Not from `/proc/self/task/*/children`: that list is per thread and read by position, so a
/// child moved to another thread (its adopting thread ended) or an entry shifted by another
/// child's exit between two reads is missed, and a missed daemon is never killed. Walking
/// `/proc` by pid never skips a process that lives throughout. `None` without `/proc`.
fn own_children() -> Option<Vec<i32>> {
    std::fs::metadata("/proc/self/stat").ok()?;
    let me = std::process::id() as i32;
    Some(
        all_pids()
            .into_iter()
            .filter(|pid| parent_of(*pid) == Some(me))
            .collect(),
    )
}

/// The processes that hold a socket listening on TCP `port` (any local address, IPv4 or
/// IPv6), found as the socket's inode in `/proc/net/tcp{,6}` and then among the open files of
/// every process we may look at. A listener whose owner cannot be seen (another user's) gives
/// `Some(vec![])`; no listener at all gives `None`.
pub fn listener_owners(port: u16) -> Option<Vec<i32>> {
    let mut inodes = HashSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) =
                (fields.get(1), fields.get(3), fields.get(9))
            else {
                continue;
            };
            let listening = *state == "0A";
            let on_port = local
                .rsplit_once(':')
                .and_then(|(_, hex)| u16::from_str_radix(hex, 16).ok())
                == Some(port);
            if listening && on_port && *inode != "0" {
                inodes.insert(format!("socket:[{inode}]"));
            }
        }
    }
    if inodes.is_empty() {
        return None;
    }
    let owners = all_pids()
        .into_iter()
        .filter(|pid| {
            std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
                fds.flatten().any(|fd| {
                    std::fs::read_link(fd.path())
                        .is_ok_and(|target| inodes.contains(&*target.to_string_lossy()))
                })
            })
        })
        .collect();
    Some(owners)
}

/// The program a process runs (`/proc/<pid>/exe`), and its command line, for messages.
pub fn describe(pid: i32) -> (Option<std::path::PathBuf>, String) {
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
    let command_line = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|bytes| {
            String::from_utf8_lossy(&bytes)
                .trim_end_matches('\0')
                .replace('\0', " ")
        })
        .unwrap_or_default();
    (exe, command_line)
}

impl Marker {
    /// Whether process `pid` carries this mark (it or an ancestor was started with it).
    pub fn is_on(&self, pid: i32) -> bool {
        carries(pid, &self.entry())
    }
}

fn all_pids() -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .collect()
}

/// A pipe read to its end on a thread of its own, keeping at most `most` bytes. What was read
/// can be taken after a bounded wait, so a pipe held open by a process that outlived the
/// command (`sleep 40 &`) never holds up the caller.
pub struct Drain {
    kept: Arc<Mutex<Vec<u8>>>,
    ended: mpsc::Receiver<()>,
}

impl Drain {
    pub fn start(mut pipe: impl Read + Send + 'static, most: usize) -> Drain {
        let kept = Arc::new(Mutex::new(Vec::new()));
        let (done, ended) = mpsc::channel();
        let filling = kept.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(read) = pipe.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                let mut kept = crate::lock(&filling);
                let room = most.saturating_sub(kept.len());
                kept.extend_from_slice(&buffer[..read.min(room)]);
            }
            let _ = done.send(());
        });
        Drain { kept, ended }
    }

    /// A child's stdout and stderr, each drained (None where it was not piped).
    pub fn outputs(child: &mut std::process::Child, most: usize) -> [Option<Drain>; 2] {
        [
            child.stdout.take().map(|pipe| Drain::start(pipe, most)),
            child.stderr.take().map(|pipe| Drain::start(pipe, most)),
        ]
    }

    /// What was read, once the pipe ended or `wait` passed, whichever is first.
    pub fn finish(self, wait: Duration) -> Vec<u8> {
        let _ = self.ended.recv_timeout(wait);
        std::mem::take(&mut *crate::lock(&self.kept))
    }
}

/// Makes this process the subreaper of everything it starts. Returns whether it worked.
pub fn become_subreaper() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes one integer and touches no memory.
        let done = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } == 0;
        SUBREAPER.store(done, std::sync::atomic::Ordering::SeqCst);
        done
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

static SUBREAPER: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether [`become_subreaper`] succeeded in this process.
pub fn is_subreaper() -> bool {
    SUBREAPER.load(std::sync::atomic::Ordering::SeqCst)
}

/// Every process's parent, from `/proc`.
fn parents() -> HashMap<i32, i32> {
    all_pids()
        .into_iter()
        .filter_map(|pid| Some((pid, parent_of(pid)?)))
        .collect()
}

/// The parent of `pid`, from `/proc/<pid>/stat` (the field after the command's closing paren,
/// which may itself hold spaces and parentheses).
pub fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// Every descendant of `root` (not `root` itself).
pub fn descendants(root: i32) -> Vec<i32> {
    let parents = parents();
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    for (child, parent) in &parents {
        children.entry(*parent).or_default().push(*child);
    }
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        for child in children.get(&pid).into_iter().flatten() {
            if seen.insert(*child) {
                found.push(*child);
                stack.push(*child);
            }
        }
    }
    found
}

/// The sockets `pids` hold open between them (one socket shared by a fork counts once), read
/// from `/proc/<pid>/fd`; `None` where there is no `/proc` to read.
pub fn open_sockets(pids: &[i32]) -> Option<usize> {
    let mut sockets = HashSet::new();
    let mut readable = false;
    for pid in pids {
        let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        readable = true;
        for entry in entries.flatten() {
            if let Ok(target) = std::fs::read_link(entry.path()) {
                let target = target.to_string_lossy().into_owned();
                if target.starts_with("socket:[") {
                    sockets.insert(target);
                }
            }
        }
    }
    readable.then_some(sockets.len())
}

fn kill(pid: i32, signal: i32) {
    if pid > 1 {
        // SAFETY: kill(2) only sends a signal; a pid that is gone gives ESRCH, which is fine.
        unsafe { libc::kill(pid, signal) };
    }
}

/// SIGKILLs each of `pids`.
pub fn kill_all(pids: &[i32]) {
    for pid in pids {
        kill(*pid, libc::SIGKILL);
    }
}

/// Kills every orphan this subreaper adopted (its children other than `own`, the ones it started
/// itself and waits for) together with their descendants, and reaps them, so none is left
/// running or as a zombie. Returns how many were found. Does nothing unless this process is a
/// subreaper.
pub fn kill_adopted_orphans(own: &[i32]) -> usize {
    if !is_subreaper() {
        return 0;
    }
    let me = std::process::id() as i32;
    let mut total = 0;
    // An orphan may fork while it is being killed: a few rounds until none is left.
    for _ in 0..5 {
        let adopted: Vec<i32> = parents()
            .into_iter()
            .filter(|(pid, parent)| *parent == me && !own.contains(pid))
            .map(|(pid, _)| pid)
            .collect();
        if adopted.is_empty() {
            break;
        }
        for orphan in &adopted {
            kill_all(&descendants(*orphan));
            kill(*orphan, libc::SIGKILL);
        }
        for orphan in &adopted {
            let mut status = 0;
            // SAFETY: waitpid on a pid that is our child (adopted), with a valid status pointer;
            // it never touches the children `std::process::Child` waits for (`own`).
            unsafe { libc::waitpid(*orphan, &mut status, 0) };
        }
        total += adopted.len();
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_sockets_are_counted_once_each() {
        let me = std::process::id() as i32;
        let before = open_sockets(&[me]).expect("/proc is readable");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        // The same process named twice counts its sockets once.
        assert!(open_sockets(&[me, me]).unwrap() >= before + 3);
        drop((listener, client, accepted));
        assert_eq!(open_sockets(&[-5]), None);
    }

    #[test]
    fn descendants_are_found_through_every_generation() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & sh -c 'sleep 30' & wait"])
            .spawn()
            .unwrap();
        let root = child.id() as i32;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut found = descendants(root);
        while found.len() < 3 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
            found = descendants(root);
        }
        assert!(found.len() >= 3, "two sleeps and a shell: {found:?}");
        kill_all(&found);
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn a_marked_process_is_found_after_it_left_its_group_and_parent() {
        let folder = tempfile_like_dir();
        let pid_file = folder.join("daemon.pid");
        let marker = Marker::new();
        let mut command = std::process::Command::new("sh");
        // Double fork into a new session: the daemon's parent exits at once.
        command.args([
            "-c",
            &format!(
                "setsid sh -c 'echo $$ > {}; exec sleep 60' > /dev/null 2>&1 < /dev/null &",
                pid_file.display()
            ),
        ]);
        marker.apply(&mut command);
        command.status().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let daemon: i32 = loop {
            if let Some(pid) = std::fs::read_to_string(&pid_file)
                .ok()
                .and_then(|text| text.trim().parse().ok())
            {
                break pid;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the daemon never started"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(marker.kill_marked() >= 1);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let alive = || {
            std::fs::read_to_string(format!("/proc/{daemon}/stat")).is_ok_and(|stat| {
                // A zombie waiting for init to reap it is gone as far as we care.
                stat.rsplit(')')
                    .next()
                    .and_then(|rest| rest.split_whitespace().next())
                    != Some("Z")
            })
        };
        while alive() {
            assert!(std::time::Instant::now() < deadline, "the daemon survived");
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = std::fs::remove_dir_all(&folder);
    }

    fn tempfile_like_dir() -> std::path::PathBuf {
        let folder = std::env::temp_dir().join(format!(
            "lab-core-processes-{}-{}",
            std::process::id(),
            Marker::new().value
        ));
        std::fs::create_dir_all(&folder).unwrap();
        folder
    }

    #[test]
    fn a_drain_hands_over_what_it_read_while_the_pipe_is_still_held() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "echo started; sleep 30"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let drain = Drain::start(child.stdout.take().unwrap(), 1 << 20);
        // The pipe stays open (the sleep holds it): finish returns after its wait with what came.
        assert_eq!(drain.finish(Duration::from_secs(3)), b"started\n");
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn the_owner_of_a_listening_socket_is_found() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let owners = listener_owners(port).expect("a listener");
        assert_eq!(owners, [std::process::id() as i32]);
        drop(listener);
        assert_eq!(listener_owners(port), None);
    }

    #[test]
    fn a_command_name_with_spaces_and_parens_still_gives_the_parent() {
        assert_eq!(
            parent_of(std::process::id() as i32),
            Some(unsafe { libc::getppid() })
        );
    }
}
