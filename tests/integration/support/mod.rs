//! What the tests share. Here: running the real `devstack` binary in a
//! home of its own and reading what it did. Beside it: `watch`, a process
//! read while it runs; `stack`, a project of one test's own, removed when
//! dropped; `docker`, the daemon and its command line; `process`, engine
//! processes found in `/proc`; `tables`, tables checked against a manifest,
//! and the bundled CodeMetrics project; `fake` and `fake_docker`, fake
//! endpoints.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

pub mod docker;
pub mod fake;
pub mod fake_docker;
pub mod process;
pub mod stack;
pub mod tables;
pub mod watch;

pub use docker::{assert_nothing_left, docker, docker_cli, pause};
pub use process::{engine_pid, process_alive, processes_naming};
pub use stack::Stack;
pub use tables::{CODEMETRICS_TABLES, client_from_env, codemetrics_with};
pub use watch::Watched;

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

/// A home of one test's own: `HOME`, the XDG folders and the runtime folder
/// (lock files) inside one temporary folder, removed when the test ends, so
/// tests never share devstack's notes, caches or locks, nor touch the
/// user's.
pub struct Home(tempfile::TempDir);

impl Home {
    pub fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["cache", "state", "data", "config", "runtime"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        Home(dir)
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    /// A project's embedded engine folder in this home.
    pub fn engine_dir(&self, project: &str) -> PathBuf {
        self.0.path().join("state/devstack/projects").join(project)
    }

    /// `program` in `cwd` with this home, and none of the settings of the
    /// environment the tests were started in: every `DEVSTACK_*` and
    /// `AWS_*` variable and `DOCKER_HOST` are removed, so no test reads the
    /// developer's endpoint, manifest, credentials or daemon.
    pub fn command(&self, program: impl AsRef<OsStr>, cwd: &Path) -> Command {
        let mut command = Command::new(program);
        command.current_dir(cwd).env_remove("DOCKER_HOST");
        for (name, _) in std::env::vars_os() {
            let text = name.to_string_lossy();
            if text.starts_with("DEVSTACK_") || text.starts_with("AWS_") {
                command.env_remove(&name);
            }
        }
        let at = |sub: &str| self.0.path().join(sub);
        command
            .env("HOME", self.0.path())
            .env("XDG_CACHE_HOME", at("cache"))
            .env("XDG_STATE_HOME", at("state"))
            .env("XDG_DATA_HOME", at("data"))
            .env("XDG_CONFIG_HOME", at("config"))
            .env("XDG_RUNTIME_DIR", at("runtime"));
        command
    }

    /// A `devstack` invocation in `cwd` with this home and a clean,
    /// predictable environment.
    pub fn devstack(&self, cwd: &Path) -> Command {
        let mut command = self.command(env!("CARGO_BIN_EXE_devstack"), cwd);
        // Help text wraps at a fixed width, terminal or not.
        command.env("COLUMNS", "100").env("NO_COLOR", "1");
        command
    }
}

pub fn run(command: &mut Command) -> Run {
    match command.output() {
        Ok(output) => output.into(),
        Err(err) => panic!("cannot run devstack: {err}"),
    }
}

/// Runs `command`, failing the test if it has not finished within
/// `deadline` (it is killed then): for "never hangs" checks, with a bound far
/// above the expected time, so a loaded machine does not make them flaky.
pub fn run_within(command: &mut Command, deadline: Duration) -> Run {
    use std::process::Stdio;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > deadline {
            let _ = child.kill();
            let out: Run = child.wait_with_output().unwrap().into();
            panic!(
                "still running after {deadline:?}, killed; it said:\n{}",
                out.stderr
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap().into()
}

pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// Every subcommand a user may type (not the hidden `serve-engine`), as
/// the command line defines them: a new one cannot be missed.
pub fn commands() -> Vec<String> {
    use clap::CommandFactory;
    devstack::cli::Cli::command()
        .get_subcommands()
        .filter(|command| !command.is_hide_set())
        .map(|command| command.get_name().to_string())
        .collect()
}
