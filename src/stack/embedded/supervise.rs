//! The embedded engine's process, seen from the commands that start and
//! stop it: what the manifest wants of it, starting it detached (the hidden
//! `serve-engine` subcommand of devstack's own executable) and waiting
//! until it listens, and stopping it gracefully.

use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use sha2::{Digest, Sha256};

use super::files::{EngineFiles, Found, Record, find, is_locked, read_record};
use super::log::{LOG_TAIL, tail};
use crate::manifest::Manifest;
use crate::process::Liveness;
use crate::service::ServiceKind;
use crate::stack::net::{PortBusy, PortHolder};
use crate::wait::poll_until;

/// The hidden subcommand that hosts the engine.
pub const SUBCOMMAND: &str = "serve-engine";
/// How long `down` lets the engine finish its requests and close its
/// database before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// How often the start and the stop are checked on.
pub(super) const POLL: Duration = Duration::from_millis(5);
/// How often a starting engine is looked at: it says where it listens a
/// few milliseconds after it starts, and a look is a small file read.
const START_POLL: Duration = Duration::from_millis(1);

/// This devstack was built without the embedded engine.
#[derive(Debug, thiserror::Error)]
#[error(
    "this devstack was built without the embedded engine\n  hint: build it with the default features (`cargo install --path .`), or use `engine = \"dynamodb-local\"`"
)]
pub struct NotBuiltIn;

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
    pub fn of(manifest: &Manifest, files: &EngineFiles) -> EngineSpec {
        let overrides = manifest
            .services
            .get(&ServiceKind::Embedded)
            .cloned()
            .unwrap_or_default();
        let bind = overrides.bind.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let port = overrides.port.unwrap_or(ServiceKind::Embedded.port());
        let database = manifest.project.persist.then(|| files.database());
        let digest = Sha256::digest(format!(
            "{}\0{bind}\0{port}\0{}",
            env!("CARGO_PKG_VERSION"),
            database
                .as_deref()
                .map_or_else(String::new, |p| p.display().to_string())
        ));
        EngineSpec {
            bind,
            port,
            database,
            config: format!("{digest:x}")[..16].to_string(),
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
    /// What the starter wrote to `EngineFiles::ticket`; `None` for an
    /// engine started by hand, which serves once it has the lock.
    pub ticket: Option<String>,
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
pub async fn spawn(
    files: &EngineFiles,
    spec: &EngineSpec,
    timeout: Duration,
) -> anyhow::Result<Record> {
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
        return Err(PortBusy {
            service: ServiceKind::Embedded,
            ip: spec.bind,
            port: spec.port,
            // Named by `stack::up`, which knows the other projects.
            holder: PortHolder::Unknown,
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
    let listening = poll_until(timeout, START_POLL, || {
        let looked = match child.try_wait() {
            Ok(Some(status)) => Err(Exited {
                status: status.to_string(),
                log: files.log().display().to_string(),
                lines: tail(&files.log(), from, LOG_TAIL),
            }
            .into()),
            Ok(None) => Ok(read_record(files).filter(|r| r.pid == pid)),
            Err(err) => Err(anyhow::Error::new(err)),
        };
        async move { looked }
    })
    .await?;
    listening.with_context(|| {
        format!(
            "the embedded engine did not start listening within {} s\n--- last lines of its log `{}` ---\n{}",
            timeout.as_secs(),
            files.log().display(),
            tail(&files.log(), from, LOG_TAIL)
        )
    })
}

/// Starts the engine; if another one won the lock meanwhile (one that an
/// `up` killed a moment after starting it was still coming up when this
/// one looked), that one is used when it runs as wanted.
pub(super) async fn spawn_or_join(
    files: &EngineFiles,
    spec: &EngineSpec,
    timeout: Duration,
) -> anyhow::Result<Record> {
    match spawn(files, spec, timeout).await {
        Ok(record) => Ok(record),
        Err(err) => match find(files)? {
            Found::Running(record) if record.config == spec.config => Ok(record),
            _ => Err(err),
        },
    }
}

/// What `find` says once the engine is neither starting nor letting go of
/// its lock; what it says then if it still is after `limit`.
pub(super) async fn settled(files: &EngineFiles, limit: Duration) -> anyhow::Result<Found> {
    let found = poll_until(limit, POLL, || {
        let found = find(files).map(|found| (!found.is_passing()).then_some(found));
        async move { found }
    })
    .await?;
    match found {
        Some(found) => Ok(found),
        None => find(files),
    }
}

/// An engine process of `project` that holds the lock and never said where
/// it listens.
pub(super) fn never_listened(project: &str, files: &EngineFiles) -> anyhow::Error {
    anyhow::anyhow!(
        "the embedded engine of `{project}` holds its lock but never said where it listens\n  hint: look at its log `{}`",
        files.log().display()
    )
}

/// Stops the engine gracefully (it finishes its requests and closes its
/// database), killing it after a grace period; waits until it is gone.
/// Returns the record of the engine it stopped, if one ran.
pub async fn stop(files: &EngineFiles) -> anyhow::Result<Option<Record>> {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    // An engine still waiting for the lock must not take over from this one.
    let _ = std::fs::remove_file(files.ticket());
    // Give a starting engine the time to say who it is, and a dying one
    // the time to let go.
    let record = match settled(files, STOP_GRACE).await? {
        Found::Stopped => return Ok(None),
        Found::Running(record) => record,
        Found::Starting | Found::Exiting => {
            return Err(never_listened(&files.dir.display().to_string(), files));
        }
    };
    // Its pid means another process here, or none: never signalled.
    if let Liveness::CannotTell(_) = record.liveness() {
        anyhow::bail!(
            "the embedded engine in `{}` (pid {} where it runs) runs in another PID namespace or boot, and cannot be stopped from here\n  hint: run `devstack down` where it was started",
            files.dir.display(),
            record.pid
        );
    }
    let pid = Pid::from_raw(i32::try_from(record.pid).unwrap_or(i32::MAX));
    let _ = kill(pid, Signal::SIGTERM);
    let signalled = Instant::now();
    let mut killed = false;
    // The engine lets go of its lock just before its process ends: stopped
    // means both, so its port, files and pid are free once this returns.
    let gone = poll_until(STOP_GRACE * 2, POLL * 4, || {
        if !killed && signalled.elapsed() >= STOP_GRACE {
            let _ = kill(pid, Signal::SIGKILL);
            killed = true;
        }
        let gone = is_locked(files).map(|locked| (!locked && !record.is_alive()).then_some(()));
        async move { gone }
    })
    .await?;
    anyhow::ensure!(
        gone.is_some(),
        "the embedded engine (pid {}) did not stop",
        record.pid
    );
    Ok(Some(record))
}

/// Asks the engine to stop (SIGTERM) and does not wait: for a command cut
/// short that must not leave behind an engine it started.
pub fn signal_stop(files: &EngineFiles) {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    let _ = std::fs::remove_file(files.ticket());
    if let Ok(Found::Running(record)) = find(files)
        && record.liveness() == Liveness::Alive
        && let Ok(pid) = i32::try_from(record.pid)
    {
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_follows_port_bind_and_persistence() {
        let (_dir, files) = super::super::files::tests::files();
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
        assert_eq!(plain.config.len(), 16);
        let persistent = spec("persist = true\n");
        assert_eq!(persistent.database, Some(files.database()));
        assert_ne!(plain.config, persistent.config);
        let other_port = spec("[services.embedded]\nport = 0\n");
        assert_eq!(other_port.port, 0);
        assert_ne!(plain.config, other_port.config);
    }
}
