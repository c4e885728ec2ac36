//! The `devstack` binary: a shim around `devstack::run`.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(devstack::run(std::env::args_os()))
}
