//! What the tests share. Here: running the real `devstack` binary in a
//! home of its own and reading what it did. Beside it: `watch`, a process
//! read while it runs; `stack`, a project of one test's own, removed when
//! dropped; `engines`, one scenario made a test per engine; `docker`, the
//! daemon and its command line; `process`, engine processes found in
//! `/proc`; `tables`, tables checked against a manifest, and the bundled
//! CodeMetrics project; `fake` and `fake_docker`, fake endpoints.

use std::ffi::OsStr;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

pub mod docker;
pub mod engines;
pub mod fake;
pub mod fake_docker;
pub mod process;
pub mod stack;
pub mod tables;
pub mod watch;

pub use docker::{
    assert_nothing_left, context_meta, create_context, docker, docker_cli, leftovers, pause,
    use_context,
};
pub(crate) use engines::per_engine;
pub use process::{engine_pid, process_alive, processes_naming, send_signal};
pub use stack::Stack;
pub use tables::{CODEMETRICS_TABLES, client_from_env, codemetrics_with, table_names};
pub use watch::{Lines, Watched};

/// The repository root, where `tests/` and `bootstrap/` live.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One finished run of a program: what ran, its exit code and output.
pub struct Run {
    /// What ran, to name the run when an assertion fails: its command line,
    /// and the circumstances a test added with [`Run::context`].
    pub what: String,
    /// The exit code, or -1 when a signal ended it.
    pub code: i32,
    /// The signal that ended it, if one did.
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    /// A run of `devstack` whose command line is not at hand (a spawned
    /// child's).
    fn from(output: Output) -> Self {
        Run {
            what: "devstack".to_string(),
            code: output.status.code().unwrap_or(-1),
            signal: output.status.signal(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Assertions that show the whole run when they fail: the command line,
/// the exit code, stdout and stderr. Each returns the run, so they chain.
impl Run {
    /// What `command` did, named by its command line: the program's file
    /// name and its arguments.
    fn of(command: &Command, output: Output) -> Run {
        Run {
            what: command_line(command),
            ..Run::from(output)
        }
    }

    /// Adds the circumstances of the run to what names it.
    pub fn context(mut self, context: impl std::fmt::Display) -> Run {
        self.what = format!("{} ({context})", self.what);
        self
    }

    /// It exited with `code`.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Run {
        self.assert(
            self.code == code,
            format_args!("exited with {}, not {code}", self.code),
        )
    }

    /// Its stdout has `text`.
    #[track_caller]
    pub fn assert_stdout_has(&self, text: impl AsRef<str>) -> &Run {
        self.assert_holds("stdout", &self.stdout, text.as_ref(), true)
    }

    /// Its stdout does not have `text`.
    #[track_caller]
    pub fn assert_stdout_lacks(&self, text: impl AsRef<str>) -> &Run {
        self.assert_holds("stdout", &self.stdout, text.as_ref(), false)
    }

    /// Its stderr has `text`.
    #[track_caller]
    pub fn assert_stderr_has(&self, text: impl AsRef<str>) -> &Run {
        self.assert_holds("stderr", &self.stderr, text.as_ref(), true)
    }

    /// Its stderr does not have `text`.
    #[track_caller]
    pub fn assert_stderr_lacks(&self, text: impl AsRef<str>) -> &Run {
        self.assert_holds("stderr", &self.stderr, text.as_ref(), false)
    }

    /// `stream` (`output`) has `text`, or lacks it, as `has` says.
    #[track_caller]
    fn assert_holds(&self, stream: &str, output: &str, text: &str, has: bool) -> &Run {
        let says = if has { "lacks" } else { "has" };
        self.assert(
            output.contains(text) == has,
            format_args!("{stream} {says} `{text}`"),
        )
    }

    #[track_caller]
    fn assert(&self, holds: bool, failure: std::fmt::Arguments) -> &Run {
        assert!(
            holds,
            "{}: {failure}\nexit code: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.what,
            self.code,
            shown(&self.stdout),
            shown(&self.stderr)
        );
        self
    }
}

/// `command` as a person would type it: the program's file name and its
/// arguments, in backticks.
fn command_line(command: &Command) -> String {
    let program = Path::new(command.get_program());
    let words: Vec<String> = std::iter::once(program.file_name().unwrap_or(program.as_os_str()))
        .chain(command.get_args())
        .map(|word| word.to_string_lossy().into_owned())
        .collect();
    format!("`{}`", words.join(" "))
}

/// Output as it is, or quoted where it has escape codes, so they show.
fn shown(output: &str) -> String {
    if output.contains('\u{1b}') {
        format!("{output:?}")
    } else {
        output.to_string()
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
    /// environment the tests were started in (see [`command`]).
    pub fn command(&self, program: impl AsRef<OsStr>, cwd: &Path) -> Command {
        let mut command = command(program);
        let at = |sub: &str| self.0.path().join(sub);
        command
            .current_dir(cwd)
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

/// The one way a test starts a program (devstack, a shell, `docker`, `kill`,
/// a browser): with none of the settings of the environment the tests were
/// started in that could point it at something not the test's own. Every
/// `DEVSTACK_*` and `AWS_*` variable, `DOCKER_HOST`, `DOCKER_CONTEXT` and
/// `DOCKER_CONFIG` (whose config file names the current context) are
/// removed, so no test reads the developer's project, engine, manifest,
/// endpoint, credentials or daemon; a test that needs one sets it on the
/// command. `isolation.rs` checks that no test builds a command otherwise,
/// and that a run with all of them exported leaves a stack they name alone.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new(program);
    command
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_CONFIG");
    for (name, _) in std::env::vars_os() {
        let text = name.to_string_lossy();
        if text.starts_with("DEVSTACK_") || text.starts_with("AWS_") {
            command.env_remove(&name);
        }
    }
    command
}

/// Runs `command` to its end.
pub fn run(command: &mut Command) -> Run {
    match command.output() {
        Ok(output) => Run::of(command, output),
        Err(err) => panic!("cannot run {:?}: {err}", command.get_program()),
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
            let out = Run::of(command, child.wait_with_output().unwrap());
            panic!(
                "{} still running after {deadline:?}, killed; it said:\n{}",
                out.what, out.stderr
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Run::of(command, child.wait_with_output().unwrap())
}

/// Waits until `child` ends; fails the test (killing it) if it still runs
/// after `deadline`, a bound far above the expected time that only catches
/// a hang.
pub fn wait_within(
    child: &mut std::process::Child,
    deadline: Duration,
) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {deadline:?}, killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
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
