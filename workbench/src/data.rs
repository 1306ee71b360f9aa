//! The workbench's own data folder (`~/.local/share/workbench/` on Linux, `WORKBENCH_DATA_DIR`
//! elsewhere): the student's progress, the dashboard's token, and `runs/`, the one folder that
//! files named from the browser may live in.

use std::path::PathBuf;

use anyhow::Context;

/// The data folder (not created here).
pub fn folder() -> anyhow::Result<PathBuf> {
    match std::env::var_os("WORKBENCH_DATA_DIR") {
        Some(folder) if !folder.is_empty() => Ok(PathBuf::from(folder)),
        _ => dirs::data_dir()
            .map(|data| data.join("workbench"))
            .context("no data folder: set HOME, or WORKBENCH_DATA_DIR to a folder"),
    }
}

/// Creates `folder` (and its parents) readable by its owner only, as everything the workbench
/// keeps for one student is.
pub fn create_private(folder: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(folder)
        .with_context(|| format!("cannot create the folder {}", folder.display()))
}

/// `<data>/runs/`, created: where suites, databases, plots and sockets named from the browser
/// are.
pub fn runs_folder() -> anyhow::Result<PathBuf> {
    let runs = folder()?.join("runs");
    create_private(&runs)?;
    Ok(runs)
}
