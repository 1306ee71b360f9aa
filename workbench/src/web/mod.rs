use lab_core::Registry;
use std::process::ExitCode;
pub fn serve(_registry: Registry, _addr: &str) -> anyhow::Result<ExitCode> {
    todo!()
}
