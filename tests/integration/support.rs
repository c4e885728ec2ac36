//! Running the real `devstack` binary and reading what it did.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root, where `tests/` and `bootstrap/` live.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One finished run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Builds a `devstack` invocation with a clean, predictable environment.
pub fn devstack(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_devstack"));
    command
        .current_dir(cwd)
        .env_remove("DEVSTACK_FILE")
        .env("NO_COLOR", "1");
    command
}

pub fn run(command: &mut Command) -> Run {
    match command.output() {
        Ok(output) => output.into(),
        Err(err) => panic!("cannot run devstack: {err}"),
    }
}
