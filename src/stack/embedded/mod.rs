//! The engine that needs no Docker: devstack hosts a DynamoDB-compatible
//! engine (dynoxide, SQLite-backed) in a detached background process of its
//! own binary (the hidden `serve-engine` subcommand, in `host`).
//!
//! Its files live in a folder per project under the state folder: the
//! process's lock (held for as long as it runs, so a live engine is told
//! from a stale record without trusting a pid), the record it writes once
//! it listens (pid, port, configuration) and its log. With `persist = true`
//! the database is a file under the data folder.

#[cfg(feature = "embedded")]
pub mod host;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Running;
use super::health::Watch;
use crate::manifest::Manifest;
use crate::output::Printer;
use crate::service::ServiceKind;
use crate::state::{Folders, hex};

/// The hidden subcommand that hosts the engine.
pub const SUBCOMMAND: &str = "serve-engine";
/// How long `down` lets the engine finish its requests and close its
/// database before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// How often the start and the stop are checked on.
const POLL: Duration = Duration::from_millis(5);
/// Log lines shown when the engine does not come up.
pub const LOG_TAIL: usize = 20;

/// The engine's files for one project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    /// Lock, record and log.
    pub dir: PathBuf,
    /// Where the database file goes with `persist = true`.
    pub data_dir: PathBuf,
}

/// This devstack was built without the embedded engine.
#[derive(Debug, thiserror::Error)]
#[error(
    "this devstack was built without the embedded engine\n  hint: build it with the default features (`cargo install --path .`), or use `engine = \"dynamodb-local\"`"
)]
pub struct NotBuiltIn;

/// Neither a state folder nor `HOME` is known.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot tell where to keep the embedded engine's files\n  hint: set `HOME`, or `XDG_STATE_HOME` and `XDG_DATA_HOME`"
)]
pub struct NoFolders;

impl Files {
    pub fn of(folders: &Folders, project: &str) -> Result<Files, NoFolders> {
        let (Some(state), Some(data)) = (&folders.state, &folders.data) else {
            return Err(NoFolders);
        };
        Ok(Files {
            dir: state.join("projects").join(project),
            data_dir: data.join("projects").join(project),
        })
    }

    fn lock(&self) -> PathBuf {
        self.dir.join("engine.lock")
    }

    fn record(&self) -> PathBuf {
        self.dir.join("engine.json")
    }

    pub fn log(&self) -> PathBuf {
        self.dir.join("engine.log")
    }

    /// Names the one engine process the last start wanted. An engine that
    /// got the lock only after waiting for it serves only if it is still
    /// the one named here: one a killed `up` left waiting while the next
    /// `up` started another, or one a `down` cancelled, gives up.
    pub fn ticket(&self) -> PathBuf {
        self.dir.join("engine.ticket")
    }

    /// The database file with `persist = true`.
    pub fn database(&self) -> PathBuf {
        self.data_dir.join("embedded.sqlite")
    }
}

/// How the manifest wants the engine to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSpec {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// The database file, or `None` for a database in memory.
    pub database: Option<PathBuf>,
    /// A digest of the above: a running engine with another one is restarted.
    pub config: String,
}

impl EngineSpec {
    pub fn of(manifest: &Manifest, files: &Files) -> EngineSpec {
        let overrides = manifest
            .services
            .get(&ServiceKind::Embedded)
            .cloned()
            .unwrap_or_default();
        let bind = overrides.bind.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let port = overrides.port.unwrap_or(ServiceKind::Embedded.port());
        let database = manifest.project.persist.then(|| files.database());
        let config = hex(&Sha256::digest(format!(
            "{}\0{bind}\0{port}\0{}",
            env!("CARGO_PKG_VERSION"),
            database
                .as_deref()
                .map_or_else(String::new, |p| p.display().to_string())
        )))[..16]
            .to_string();
        EngineSpec {
            bind,
            port,
            database,
            config,
        }
    }
}

/// What `serve-engine` is told by the command that starts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostOptions {
    pub dir: PathBuf,
    pub bind: IpAddr,
    pub port: u16,
    pub database: Option<PathBuf>,
    pub config: String,
    /// What the starter wrote to `Files::ticket`; `None` for an engine
    /// started by hand, which serves once it has the lock.
    pub ticket: Option<String>,
}

/// What the engine process writes once it listens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub pid: u32,
    pub bind: IpAddr,
    pub port: u16,
    /// The `EngineSpec::config` it was started with.
    pub config: String,
    /// Where its data lives: a file, or `memory`.
    pub database: String,
}

impl Record {
    /// How this machine reaches it.
    pub fn url(&self) -> String {
        super::spec::host_url(self.bind, self.port)
    }
}

/// The engine of a project as found on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A live process holds the lock and has said where it listens.
    Running(Record),
    /// A live process holds the lock but has not said where it listens yet.
    Starting,
    /// No process: whatever record is left is stale, and was removed.
    Stopped,
}

/// Looks for the project's engine. A record is believed only while a live
/// process holds the engine lock; a record without one (the process died,
/// its pid may belong to something else by now) is removed, never acted on.
pub fn find(files: &Files) -> anyhow::Result<Found> {
    let lock = match File::open(files.lock()) {
        Ok(lock) => lock,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            remove(&files.record());
            return Ok(Found::Stopped);
        }
        Err(err) => {
            return Err(err).with_context(|| format!("cannot open `{}`", files.lock().display()));
        }
    };
    match lock.try_lock() {
        Ok(()) => {
            // Nobody holds it: no engine runs. Let go at once, so an engine
            // starting now is not kept waiting.
            let _ = lock.unlock();
            remove(&files.record());
            Ok(Found::Stopped)
        }
        Err(std::fs::TryLockError::WouldBlock) => match read_record(files) {
            Some(record) if is_engine_process(record.pid, &files.dir) => Ok(Found::Running(record)),
            _ => Ok(Found::Starting),
        },
        Err(std::fs::TryLockError::Error(err)) => {
            Err(err).with_context(|| format!("cannot lock `{}`", files.lock().display()))
        }
    }
}

fn read_record(files: &Files) -> Option<Record> {
    let text = std::fs::read_to_string(files.record()).ok()?;
    serde_json::from_str(&text).ok()
}

fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
}

/// Whether `pid` is an engine process of this state folder, by its command
/// line: a second check beside the lock before anything is signalled.
fn is_engine_process(pid: u32, dir: &Path) -> bool {
    let command_line = match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).replace('\0', " "),
        // No /proc (macOS): ask `ps`.
        Err(_) => match std::process::Command::new("ps")
            .args(["-o", "command=", "-p", &pid.to_string()])
            .output()
        {
            Ok(out) => String::from_utf8_lossy(&out.stdout).into_owned(),
            Err(_) => return false,
        },
    };
    command_line.contains(SUBCOMMAND) && command_line.contains(&*dir.to_string_lossy())
}

/// The engine stopped before it said where it listens.
#[derive(Debug, thiserror::Error)]
#[error(
    "the embedded engine exited before it was ready ({status})\n--- last lines of its log `{log}` ---\n{lines}"
)]
pub struct Exited {
    pub status: String,
    pub log: String,
    pub lines: String,
}

/// Starts the engine process and waits until it listens; returns its
/// record. Fails at once, with the last lines of its log, if it exits.
pub async fn start(files: &Files, spec: &EngineSpec, timeout: Duration) -> anyhow::Result<Record> {
    if !cfg!(feature = "embedded") {
        return Err(NotBuiltIn.into());
    }
    std::fs::create_dir_all(&files.dir)
        .with_context(|| format!("cannot create `{}`", files.dir.display()))?;
    if let Some(database) = &spec.database
        && let Some(dir) = database.parent()
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
    }
    if spec.port != 0 && TcpListener::bind((spec.bind, spec.port)).is_err() {
        return Err(super::PortBusy {
            service: ServiceKind::Embedded,
            ip: spec.bind,
            port: spec.port,
            holder: " by another program".to_string(),
        }
        .into());
    }
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(files.log())
        .with_context(|| format!("cannot open the engine log `{}`", files.log().display()))?;
    let from = log.metadata().map_or(0, |m| m.len());
    let ticket = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    std::fs::write(files.ticket(), &ticket)
        .with_context(|| format!("cannot write `{}`", files.ticket().display()))?;
    let program = std::env::current_exe().context("cannot find devstack's own executable")?;
    let mut command = std::process::Command::new(program);
    command
        .arg(SUBCOMMAND)
        .arg("--dir")
        .arg(&files.dir)
        .arg("--bind")
        .arg(spec.bind.to_string())
        .arg("--port")
        .arg(spec.port.to_string())
        .arg("--config")
        .arg(&spec.config)
        .arg("--ticket")
        .arg(&ticket)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    if let Some(database) = &spec.database {
        command.arg("--database").arg(database);
    }
    let mut child = command
        .spawn()
        .context("cannot start the embedded engine")?;
    // The child outlives this command: it is never waited for once it runs.
    let pid = child.id();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Err(Exited {
                status: status.to_string(),
                log: files.log().display().to_string(),
                lines: tail(&files.log(), from, LOG_TAIL),
            }
            .into());
        }
        if let Some(record) = read_record(files).filter(|r| r.pid == pid) {
            return Ok(record);
        }
        anyhow::ensure!(
            started.elapsed() < timeout,
            "the embedded engine did not start listening within {} s\n--- last lines of its log `{}` ---\n{}",
            timeout.as_secs(),
            files.log().display(),
            tail(&files.log(), from, LOG_TAIL)
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Brings the project's embedded engine to the manifest: keeps one that runs
/// as configured, restarts one that runs otherwise, starts one that does
/// not run; then waits until it answers.
pub async fn converge(
    manifest: &Manifest,
    files: &Files,
    timeout: Duration,
    printer: &Printer,
) -> anyhow::Result<Running> {
    let wanted = EngineSpec::of(manifest, files);
    let began = Instant::now();
    let say = |message: &str| printer.info(&format!("{}: {message}", ServiceKind::Embedded));
    let mut found = find(files)?;
    while found == Found::Starting && began.elapsed() < timeout {
        tokio::time::sleep(POLL).await;
        found = find(files)?;
    }
    let what = match &wanted.database {
        Some(path) => format!("database `{}`", path.display()),
        None => "in memory".to_string(),
    };
    let (record, changed) = match found {
        Found::Running(record) if record.config == wanted.config => (record, false),
        Found::Running(_) => {
            say(&format!(
                "configuration changed; restarting the engine ({what}; a database file is kept)"
            ));
            stop(files).await?;
            (start_or_join(files, &wanted, timeout).await?, true)
        }
        Found::Starting => anyhow::bail!(
            "the embedded engine of `{}` holds its lock but never said where it listens\n  hint: look at its log `{}`",
            manifest.project.name,
            files.log().display()
        ),
        Found::Stopped => {
            say(&format!("starting the engine ({what})"));
            (start_or_join(files, &wanted, timeout).await?, true)
        }
    };
    let url = record.url();
    let task = printer.task(
        ServiceKind::Embedded.name(),
        if changed {
            "waiting until usable"
        } else {
            "checking"
        },
    );
    let probes = super::spec::readiness(ServiceKind::Embedded, &url, &manifest.project.region);
    let left = timeout.saturating_sub(began.elapsed());
    match super::health::wait_ready(ServiceKind::Embedded.name(), &probes, left, Watch::Nothing)
        .await
    {
        Ok(_) => {
            let what = if changed {
                format!("ready in {:.1}s", began.elapsed().as_secs_f64())
            } else {
                "running".to_string()
            };
            task.finish(&format!("{what} at {url}"));
            Ok(Running {
                service: ServiceKind::Embedded,
                url,
                changed,
            })
        }
        Err(err) => {
            task.fail("not ready");
            Err(err.into())
        }
    }
}

/// Starts the engine; if another one won the lock meanwhile (one that an
/// `up` killed a moment after starting it was still coming up when this
/// one looked), that one is used when it runs as wanted.
async fn start_or_join(
    files: &Files,
    spec: &EngineSpec,
    timeout: Duration,
) -> anyhow::Result<Record> {
    match start(files, spec, timeout).await {
        Ok(record) => Ok(record),
        Err(err) => match find(files)? {
            Found::Running(record) if record.config == spec.config => Ok(record),
            _ => Err(err),
        },
    }
}

/// Stops the engine gracefully (it finishes its requests and closes its
/// database), killing it after a grace period; waits until it is gone.
/// Returns the record of the engine it stopped, if one ran.
pub async fn stop(files: &Files) -> anyhow::Result<Option<Record>> {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    // An engine still waiting for the lock must not take over from this one.
    let _ = std::fs::remove_file(files.ticket());
    let started = Instant::now();
    let record = loop {
        match find(files)? {
            Found::Stopped => return Ok(None),
            Found::Running(record) => break record,
            // Give a starting engine the time to say who it is.
            Found::Starting if started.elapsed() < STOP_GRACE => tokio::time::sleep(POLL).await,
            Found::Starting => anyhow::bail!(
                "the embedded engine of `{}` holds its lock but never said where it listens\n  hint: look at its log `{}`",
                files.dir.display(),
                files.log().display()
            ),
        }
    };
    let pid = Pid::from_raw(i32::try_from(record.pid).unwrap_or(i32::MAX));
    let _ = kill(pid, Signal::SIGTERM);
    let signalled = Instant::now();
    let mut killed = false;
    // The engine lets go of its lock just before its process ends: stopped
    // means both, so its port, files and pid are free once this returns.
    while !matches!(find(files)?, Found::Stopped) || is_engine_process(record.pid, &files.dir) {
        if !killed && signalled.elapsed() >= STOP_GRACE {
            let _ = kill(pid, Signal::SIGKILL);
            killed = true;
        }
        anyhow::ensure!(
            signalled.elapsed() < STOP_GRACE * 2,
            "the embedded engine (pid {}) did not stop",
            record.pid
        );
        tokio::time::sleep(POLL * 4).await;
    }
    Ok(Some(record))
}

/// Asks the engine to stop (SIGTERM) and does not wait: for a command cut
/// short that must not leave behind an engine it started.
pub fn signal_stop(files: &Files) {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    let _ = std::fs::remove_file(files.ticket());
    if let Ok(Found::Running(record)) = find(files)
        && let Ok(pid) = i32::try_from(record.pid)
    {
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
    }
}

/// Deletes the database file (and SQLite's companions); returns the path
/// when there was one.
pub fn remove_database(files: &Files) -> anyhow::Result<Option<PathBuf>> {
    let database = files.database();
    if !database.exists() {
        return Ok(None);
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut path = database.clone().into_os_string();
        path.push(suffix);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(err)
                    .with_context(|| format!("cannot delete `{}`", PathBuf::from(path).display()));
            }
        }
    }
    Ok(Some(database))
}

/// The engine's log, line by line: the last `tail` lines (all without a
/// number), then with `follow` each new line as it comes, until interrupted.
pub async fn read_log(
    files: &Files,
    tail: Option<usize>,
    follow: bool,
    mut emit: impl FnMut(&str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let path = files.log();
    let mut file = match File::open(&path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            anyhow::bail!(
                "the embedded engine has no log yet (`{}`)\n  hint: start it with `devstack up`",
                path.display()
            )
        }
        Err(err) => return Err(err).with_context(|| format!("cannot read `{}`", path.display())),
    };
    let mut text = String::new();
    file.read_to_string(&mut text)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let lines: Vec<&str> = text.lines().collect();
    let skip = tail.map_or(0, |n| lines.len().saturating_sub(n));
    for line in &lines[skip..] {
        emit(line)?;
    }
    if !follow {
        return Ok(());
    }
    let mut pending = String::new();
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut more = String::new();
        file.read_to_string(&mut more)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        pending.push_str(&more);
        while let Some(end) = pending.find('\n') {
            let line: String = pending.drain(..=end).collect();
            emit(line.trim_end_matches('\n'))?;
        }
    }
}

/// Every project with an engine folder here, by name.
pub fn projects(folders: &Folders) -> Vec<(String, Files)> {
    let Some(state) = &folders.state else {
        return Vec::new();
    };
    let mut found: Vec<(String, Files)> = std::fs::read_dir(state.join("projects"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter_map(|name| Files::of(folders, &name).ok().map(|files| (name, files)))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// Deletes the project's engine folders (lock, record, log, database) once
/// its engine is stopped: for a stack that is gone for good (a `run`'s).
pub fn forget(files: &Files) {
    let _ = std::fs::remove_dir_all(&files.dir);
    let _ = std::fs::remove_dir_all(&files.data_dir);
}

/// The last `lines` lines of the log written since byte `from`.
pub fn tail(log: &Path, from: u64, lines: usize) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(log) {
        let _ = file.seek(SeekFrom::Start(from));
        let _ = file.read_to_string(&mut text);
    }
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> (tempfile::TempDir, Files) {
        let dir = tempfile::tempdir().unwrap();
        let files = Files {
            dir: dir.path().join("state"),
            data_dir: dir.path().join("data"),
        };
        std::fs::create_dir_all(&files.dir).unwrap();
        (dir, files)
    }

    fn record(pid: u32) -> Record {
        Record {
            pid,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8000,
            config: "c".into(),
            database: "memory".into(),
        }
    }

    #[test]
    fn a_record_without_a_live_lock_holder_is_stale_and_removed() {
        let (_dir, files) = files();
        // This test's own pid: alive, but not holding the engine's lock.
        let stale = record(std::process::id());
        std::fs::write(files.record(), serde_json::to_string(&stale).unwrap()).unwrap();
        std::fs::write(files.lock(), "").unwrap();
        assert_eq!(find(&files).unwrap(), Found::Stopped);
        assert!(!files.record().exists(), "the stale record is gone");
    }

    #[test]
    fn a_held_lock_with_a_record_of_another_process_is_not_believed() {
        let (_dir, files) = files();
        let held = File::create(files.lock()).unwrap();
        held.lock().unwrap();
        // The pid is alive (this test) but is no engine process.
        let foreign = record(std::process::id());
        std::fs::write(files.record(), serde_json::to_string(&foreign).unwrap()).unwrap();
        assert_eq!(find(&files).unwrap(), Found::Starting);
        assert!(!is_engine_process(std::process::id(), &files.dir));
    }

    #[test]
    fn no_files_at_all_is_stopped() {
        let (_dir, files) = files();
        assert_eq!(find(&files).unwrap(), Found::Stopped);
    }

    #[test]
    fn the_spec_follows_port_bind_and_persistence() {
        let (_dir, files) = files();
        let spec = |extra: &str| {
            let m = Manifest::for_test(&format!(
                "[project]\nname = \"demo\"\nengine = \"embedded\"\n{extra}"
            ));
            EngineSpec::of(&m, &files)
        };
        let plain = spec("");
        assert_eq!(plain.port, 8000);
        assert_eq!(plain.bind.to_string(), "127.0.0.1");
        assert_eq!(plain.database, None);
        let persistent = spec("persist = true\n");
        assert_eq!(persistent.database, Some(files.database()));
        assert_ne!(plain.config, persistent.config);
        let other_port = spec("[services.embedded]\nport = 0\n");
        assert_eq!(other_port.port, 0);
        assert_ne!(plain.config, other_port.config);
    }

    #[test]
    fn the_tail_shows_only_what_was_written_since() {
        let (_dir, files) = files();
        std::fs::write(files.log(), "old 1\nold 2\n").unwrap();
        let from = std::fs::metadata(files.log()).unwrap().len();
        std::fs::write(files.log(), "old 1\nold 2\nnew 1\nnew 2\nnew 3\n").unwrap();
        assert_eq!(tail(&files.log(), from, 2), "new 2\nnew 3");
        assert_eq!(tail(&files.log(), from, 10), "new 1\nnew 2\nnew 3");
    }
}
