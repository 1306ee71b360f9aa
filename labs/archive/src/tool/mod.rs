//! What `workbench archive` does: pack, list, verify, unpack and convert.
//!
//! Nothing is ever half-written: an archive is built in memory and written to a temporary file
//! beside its destination, then renamed into place; unpacking reads and checks the whole archive
//! first, writes into a temporary directory beside the target, and renames that into place.

//!
//! `pack.rs` gathers a folder and builds an archive (and converts one to another format),
//! `unpack.rs` checks an archive whole and writes it out, `inspect.rs` lists and verifies.

mod inspect;
mod pack;
mod unpack;

pub use inspect::{hex, listing, listing_text, verify};
pub use pack::{PackOptions, Packed, collect, convert, pack, phar_options};
pub use unpack::{check_names, unpack};

use std::path::Path;

use anyhow::Context;

/// Writes `bytes` to `path` through a temporary file beside it: `path` is either the whole new
/// file or left as it was.
pub fn write_atomically(path: &Path, bytes: &[u8], executable: bool) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::Builder::new()
        .prefix(".workbench-")
        .tempfile_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    temporary.write_all(bytes)?;
    let mode = if executable { 0o755 } else { 0o644 };
    temporary
        .as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))?;
    temporary
        .persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Reads an archive file whole.
pub fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Runs `work(0..count)` on several threads; `done` sees each result on this thread, in the
/// order they finish. The first error stops the rest. At least four threads even on two cores:
/// the work is mostly system calls that wait on the file system's locks.
pub fn in_parallel<T: Send>(
    count: usize,
    work: &(dyn Fn(usize) -> anyhow::Result<T> + Sync),
    done: &mut dyn FnMut(usize, T),
) -> anyhow::Result<()> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    const RUN: usize = 64;
    let threads = std::thread::available_parallelism()
        .map_or(4, usize::from)
        .clamp(4, 8)
        .min(count.max(1));
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let sender = sender.clone();
            let (next, failed) = (&next, &failed);
            scope.spawn(move || {
                // Runs of neighbours, so that threads mostly work in different directories
                // (creating files in one directory takes turns on its lock).
                while !failed.load(Ordering::Relaxed) {
                    let start = next.fetch_add(RUN, Ordering::Relaxed);
                    if start >= count {
                        break;
                    }
                    for index in start..(start + RUN).min(count) {
                        let result = work(index);
                        if result.is_err() {
                            failed.store(true, Ordering::Relaxed);
                        }
                        if sender.send((index, result)).is_err() || failed.load(Ordering::Relaxed) {
                            break;
                        }
                    }
                }
            });
        }
        drop(sender);
        let mut first_error = None;
        for (index, result) in receiver {
            match result {
                Ok(value) => done(index, value),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    })
}
