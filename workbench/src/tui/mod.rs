use crate::cli::LabRequest;
use lab_core::Registry;
use std::path::Path;
use std::process::ExitCode;
pub fn run_home(_registry: &Registry) -> anyhow::Result<ExitCode> {
    todo!()
}
pub fn run_lab(_registry: &Registry, _request: LabRequest) -> anyhow::Result<ExitCode> {
    todo!()
}
pub fn run_replay(_registry: &Registry, _file: &Path, _speed: f64) -> anyhow::Result<ExitCode> {
    todo!()
}
