//! Running the real `devstack` binary and reading what it did.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use devstack::stack::docker::Docker;

/// The six tables of the bundled CodeMetrics manifest, by manifest name.
pub const CODEMETRICS_TABLES: [&str; 6] = [
    "github-issues",
    "vcs-cache",
    "queries",
    "pipeline-cache",
    "views",
    "remote-config",
];

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

    /// Points `command` at this home.
    pub fn apply(&self, command: &mut Command) {
        let at = |sub: &str| self.0.path().join(sub);
        command
            .env("HOME", self.0.path())
            .env("XDG_CACHE_HOME", at("cache"))
            .env("XDG_STATE_HOME", at("state"))
            .env("XDG_DATA_HOME", at("data"))
            .env("XDG_CONFIG_HOME", at("config"))
            .env("XDG_RUNTIME_DIR", at("runtime"));
    }

    /// A `devstack` invocation in `cwd` with this home and a clean,
    /// predictable environment.
    pub fn devstack(&self, cwd: &Path) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_devstack"));
        command
            .current_dir(cwd)
            .env_remove("DEVSTACK_FILE")
            .env_remove("DEVSTACK_ENDPOINT")
            .env_remove("DOCKER_HOST")
            // Help text wraps at a fixed width, terminal or not.
            .env("COLUMNS", "100")
            .env("NO_COLOR", "1");
        self.apply(&mut command);
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

/// `docker pause container`, tried again while the kernel cannot freeze it
/// yet. Under cgroup v1 a container whose processes keep starting threads
/// (any engine under load) can stay in FREEZING; runc then thaws it and
/// gives up with "unable to freeze", and a later try usually takes.
/// Returns how many tries it took, or the last error after `deadline`.
pub fn pause(container: &str, deadline: Duration) -> Result<u32, String> {
    let started = std::time::Instant::now();
    let mut tries = 0;
    loop {
        tries += 1;
        let out = run(Command::new("docker").args(["pause", container]));
        if out.code == 0 {
            return Ok(tries);
        }
        if !out.stderr.contains("unable to freeze") || started.elapsed() > deadline {
            return Err(format!(
                "docker pause {container} (try {tries}): {}",
                out.stderr
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A devstack process whose stderr is read line by line as it comes, so a
/// test can act at one progress line (kill it, pause its engine, press
/// Ctrl-C), then see how it ended and everything it said. Dropped early (a
/// failed assertion), it kills the process.
pub struct Watched {
    child: std::process::Child,
    said: std::sync::Arc<std::sync::Mutex<String>>,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Watched {
    pub fn spawn(mut command: Command) -> Self {
        use std::io::{BufRead, BufReader};
        use std::process::Stdio;
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot run devstack");
        let stderr = child.stderr.take().unwrap();
        let said = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn({
            let said = said.clone();
            move || {
                let mut stderr = BufReader::new(stderr);
                let mut bytes = Vec::new();
                while stderr.read_until(b'\n', &mut bytes).is_ok_and(|n| n > 0) {
                    let line = String::from_utf8_lossy(&bytes)
                        .trim_end_matches(['\r', '\n'])
                        .to_string();
                    bytes.clear();
                    {
                        let mut said = said.lock().unwrap();
                        said.push_str(&line);
                        said.push('\n');
                    }
                    let _ = send.send(line);
                }
            }
        });
        Self { child, said, lines }
    }

    /// Everything it said so far.
    pub fn said(&self) -> String {
        self.said.lock().unwrap().clone()
    }

    /// Blocks until it says a line containing `marker`; fails the test if
    /// it ends first or `within` passes.
    pub fn until(&mut self, marker: &str, within: Duration) {
        use std::sync::mpsc::RecvTimeoutError;
        let deadline = std::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(marker) => return,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "devstack did not say `{marker}` within {within:?}:\n{}",
                        self.said()
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait().unwrap();
                    panic!(
                        "devstack ended ({status}) before `{marker}`:\n{}",
                        self.said()
                    )
                }
            }
        }
    }

    /// Sends it a signal: `"-9"`, `"-INT"`.
    pub fn signal(&self, signal: &str) {
        let out = run(Command::new("kill").args([signal, &self.child.id().to_string()]));
        assert_eq!(out.code, 0, "kill {signal}: {}", out.stderr);
    }

    /// Waits until it ends; fails the test (killing it) if it still runs
    /// after `within`. Returns how it ended and everything it said.
    pub fn wait(mut self, within: Duration) -> (std::process::ExitStatus, String) {
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > within {
                panic!(
                    "devstack still ran after {within:?}, killed; it said:\n{}",
                    self.said()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader ends when stderr closes, which a process it started
        // (an embedded engine) may keep open: it gets a moment, not more.
        let drained = std::time::Instant::now() + Duration::from_secs(2);
        while self
            .lines
            .recv_timeout(drained.saturating_duration_since(std::time::Instant::now()))
            .is_ok()
        {}
        (status, self.said())
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A unique project name for one test.
pub fn project_name(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("t-{test}-{}-{nanos:x}", std::process::id())
}

/// The daemon. Tests that need one are `#[ignore = "needs a Docker
/// daemon"]`, so they run only when asked (`scripts/test.sh` asks), and
/// then a missing daemon is a failure.
pub async fn connect_docker() -> Docker {
    match Docker::connect().await {
        Ok(docker) => docker,
        Err(err) => panic!("this test needs a Docker daemon: {err}"),
    }
}

/// Removes every object of the project when dropped, also after a panic.
pub struct Cleanup(pub String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let project = self.0.clone();
        let done = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                // No daemon: a Docker-free test made no Docker objects.
                let Some(docker) = Docker::connect_if_there().await else {
                    return Ok(Default::default());
                };
                docker
                    .remove_project(&project, Duration::from_secs(2), true)
                    .await
                    .map_err(|e| format!("{e:#}"))
            })
        })
        .join();
        if let Ok(Err(err)) = done {
            eprintln!("cleanup of `{}` failed: {err}", self.0);
        }
    }
}

/// Fails the test if any container, network or volume of the project is
/// left, found by its name or by its label, whichever it has: asked of the
/// `docker` command line, not of the code under test.
pub fn assert_nothing_left(project: &str) {
    let left = leftovers(project);
    assert!(left.is_empty(), "objects left behind: {left:?}");
}

/// Every container, network and volume named for `project` or labelled
/// with it, as `kind name`.
pub fn leftovers(project: &str) -> Vec<String> {
    let prefix = format!("devstack-{project}");
    let mut found = Vec::new();
    for (kind, args) in [
        ("container", &["ps", "-a", "--format"][..]),
        ("network", &["network", "ls", "--format"][..]),
        ("volume", &["volume", "ls", "--format"][..]),
    ] {
        let name = if kind == "container" {
            ".Names"
        } else {
            ".Name"
        };
        let format = format!("{{{{{name}}}}}\t{{{{.Label \"dev.devstack.project\"}}}}");
        let out = run(Command::new("docker").args(args).arg(format));
        assert_eq!(out.code, 0, "docker {args:?}: {}", out.stderr);
        for line in out.stdout.lines() {
            let (name, label) = line.split_once('\t').unwrap_or((line, ""));
            let named = name == prefix || name.starts_with(&format!("{prefix}-"));
            if named || label == project {
                found.push(format!("{kind} {name}"));
            }
        }
    }
    found
}

/// Stops every embedded engine of a test's home when dropped (the stack's
/// own, and those of its `run`s), each found by the record in its state
/// folder and checked to be that engine by its command line; killed if it
/// does not stop.
pub struct StopEngine(pub PathBuf);

impl Drop for StopEngine {
    fn drop(&mut self) {
        let dirs = std::fs::read_dir(&self.0).into_iter().flatten().flatten();
        for dir in dirs {
            stop_engine(&dir.path());
        }
    }
}

fn stop_engine(dir: &Path) {
    let Some(pid) = engine_pid(dir) else {
        return;
    };
    let signal = |name: &str| {
        let _ = Command::new("kill").args([name, &pid.to_string()]).output();
    };
    signal("-TERM");
    let started = std::time::Instant::now();
    while process_alive(pid) {
        if started.elapsed() > Duration::from_secs(10) {
            signal("-KILL");
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The pid of the live embedded engine whose state folder is `dir`.
pub fn engine_pid(dir: &Path) -> Option<u32> {
    let record = std::fs::read_to_string(dir.join("engine.json")).ok()?;
    let record: serde_json::Value = serde_json::from_str(&record).ok()?;
    let pid = u32::try_from(record["pid"].as_u64()?).ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    String::from_utf8_lossy(&cmdline)
        .contains(&*dir.to_string_lossy())
        .then_some(pid)
}

/// Whether a process with this pid runs (and is not a zombie).
pub fn process_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
    })
}

/// Every process whose command line names `needle`.
pub fn processes_naming(needle: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline"))
            && String::from_utf8_lossy(&cmdline).contains(needle)
            && process_alive(pid)
        {
            found.push(pid);
        }
    }
    found
}

/// A project in a temporary folder with a home of its own; everything it
/// made is removed when dropped (the engine first, then its folders).
pub struct Stack {
    _stop: StopEngine,
    _cleanup: Cleanup,
    pub dir: tempfile::TempDir,
    pub project: String,
    pub home: Home,
    /// The engine the manifest names.
    pub engine: String,
}

pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// The daemon; see `connect_docker`.
pub fn docker() -> Docker {
    block_on(connect_docker())
}

impl Stack {
    /// Every service on a free port, so tests never collide with each other
    /// or with a developer's own stack.
    /// With the embedded engine, no admin UI (it needs a container engine)
    /// and no Docker: `DOCKER_HOST` points at a socket that does not exist.
    pub fn new(test: &str, engine: &str, extra: &str) -> Stack {
        let project = project_name(test);
        let cleanup = Cleanup(project.clone());
        let dir = tempfile::tempdir().unwrap();
        let admin = engine != "embedded";
        let manifest = format!(
            "[project]\nname = \"{project}\"\nengine = \"{engine}\"\nadmin = {admin}\nready_timeout = 90\n{extra}\n\
             [services.{engine}]\nport = 0\n\n[services.dynamodb-admin]\nport = 0\n"
        );
        std::fs::write(dir.path().join("devstack.toml"), manifest).unwrap();
        let home = Home::new();
        Stack {
            _stop: StopEngine(home.path().join("state/devstack/projects")),
            _cleanup: cleanup,
            dir,
            project,
            home,
            engine: engine.to_string(),
        }
    }

    /// The embedded engine's state folder: lock, record, log.
    pub fn engine_dir(&self) -> PathBuf {
        self.home.engine_dir(&self.project)
    }

    /// Replaces the manifest: `[project]` with this stack's name, then `rest`.
    pub fn write_manifest(&self, rest: &str) {
        let text = format!("[project]\nname = \"{}\"\n{rest}", self.project);
        std::fs::write(self.manifest(), text).unwrap();
    }

    pub fn manifest(&self) -> PathBuf {
        self.dir.path().join("devstack.toml")
    }

    /// Adds the table `orders` to the manifest, seeded with `items` small
    /// items from `orders.jsonl`: enough of them and seeding takes long
    /// enough to be cut into.
    pub fn add_seeded_orders(&self, items: usize) {
        let lines: String = (0..items)
            .map(|i| format!("{{\"pk\": \"ORDER#{i:06}\", \"total\": {i}}}\n"))
            .collect();
        std::fs::write(self.dir.path().join("orders.jsonl"), lines).unwrap();
        let mut manifest = std::fs::read_to_string(self.manifest()).unwrap();
        manifest.push_str(
            "\n[[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nseed = [\"orders.jsonl\"]\n",
        );
        std::fs::write(self.manifest(), manifest).unwrap();
    }

    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = self.home.devstack(self.dir.path());
        if self.engine == "embedded" {
            command.env(
                "DOCKER_HOST",
                "unix:///nonexistent/devstack-test-docker.sock",
            );
        }
        command.args(args);
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        run(&mut self.command(args))
    }

    pub fn up(&self) -> Run {
        let out = self.run(&["up"]);
        assert_eq!(out.code, 0, "up failed:\n{}", out.stderr);
        out
    }

    pub fn status(&self) -> (i32, serde_json::Value) {
        let out = self.run(&["status", "--json"]);
        let json = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("status --json: {e}\n{}\n{}", out.stdout, out.stderr));
        (out.code, json)
    }

    pub fn env(&self) -> BTreeMap<String, String> {
        let out = self.run(&["env", "--format", "json"]);
        assert_eq!(out.code, 0, "env failed:\n{}", out.stderr);
        serde_json::from_str(&out.stdout).unwrap()
    }

    pub fn containers(&self, docker: &Docker) -> Vec<devstack::stack::docker::ContainerState> {
        block_on(docker.project_containers(&self.project)).unwrap()
    }
}

/// An SDK client built from nothing but `devstack env`'s output.
pub async fn client_from_env(env: &BTreeMap<String, String>) -> aws_sdk_dynamodb::Client {
    let credentials = aws_sdk_dynamodb::config::Credentials::new(
        &env["AWS_ACCESS_KEY_ID"],
        &env["AWS_SECRET_ACCESS_KEY"],
        None,
        None,
        "devstack-env",
    );
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .endpoint_url(&env["AWS_ENDPOINT_URL_DYNAMODB"])
        .region(aws_sdk_dynamodb::config::Region::new(
            env["AWS_REGION"].clone(),
        ))
        .credentials_provider(credentials)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// Every subcommand a user may type (not the hidden `serve-engine`).
pub const COMMANDS: &[&str] = &[
    "up",
    "down",
    "reset",
    "status",
    "logs",
    "env",
    "scan",
    "query",
    "tables",
    "validate",
    "run",
    "ls",
    "gc",
    "doctor",
    "completions",
];
