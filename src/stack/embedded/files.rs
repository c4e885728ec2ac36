//! The embedded engine's files for one project, in the project's own
//! folders: the process's lock (held for as long as it runs, so a live
//! engine is told from a stale record), the record it writes once it
//! listens (its process, port and configuration), the ticket naming the
//! start that is wanted, its log, and with `persist = true` its database.

use std::fs::File;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::dirs::ProjectDirs;
use crate::process::{Elsewhere, Identity, Liveness};
use crate::stack::net::host_url;

/// The engine's files for one project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineFiles {
    /// Lock, record, ticket and log.
    pub dir: PathBuf,
    /// Where the database file goes with `persist = true`.
    pub data_dir: PathBuf,
}

/// Neither a state folder nor `HOME` is known.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot tell where to keep the embedded engine's files\n  hint: set `HOME`, or `XDG_STATE_HOME` and `XDG_DATA_HOME`"
)]
pub struct NoFolders;

impl EngineFiles {
    pub fn of(project: &ProjectDirs) -> Result<EngineFiles, NoFolders> {
        let (Some(dir), Some(data_dir)) = (&project.state, &project.data) else {
            return Err(NoFolders);
        };
        Ok(EngineFiles {
            dir: dir.clone(),
            data_dir: data_dir.clone(),
        })
    }

    pub(super) fn lock(&self) -> PathBuf {
        self.dir.join("engine.lock")
    }

    pub(super) fn record(&self) -> PathBuf {
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

/// What the engine process writes once it listens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub pid: u32,
    /// Its process ([`process::Identity`]): a pid that another process got
    /// since, or that means another process here, is never taken for the
    /// engine.
    #[serde(default)]
    pub process: String,
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
        host_url(self.bind, self.port)
    }

    /// What can be told of its process from here. A record of a devstack
    /// that noted no process is judged by its pid alone, one that noted no
    /// place by pid and start time here, as that devstack did.
    pub fn liveness(&self) -> Liveness {
        let Some(process) = Identity::parse(&self.process) else {
            let runs = self.process.is_empty() && Identity::of(self.pid).is_some();
            return if runs {
                Liveness::Alive
            } else {
                Liveness::Gone
            };
        };
        match process.judge() {
            Liveness::CannotTell(Elsewhere::NotNoted) => process.judge_by_pid_here(),
            judged => judged,
        }
    }

    /// Whether its process may still run: alive here, or where this
    /// process cannot see it (another PID namespace sharing this home),
    /// where the held lock is all there is to go by.
    pub fn is_alive(&self) -> bool {
        self.liveness() != Liveness::Gone
    }
}

/// The engine of a project as found on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A live process holds the lock and has said where it listens.
    Running(Record),
    /// A live process holds the lock but has not said where it listens yet.
    Starting,
    /// The process the record names has ended (`kill -9`), and its last
    /// threads still hold the lock (and its port) for a moment.
    Exiting,
    /// No process: whatever record is left is stale, and was removed.
    Stopped,
}

impl Found {
    /// Whether it is on its way to another state: starting, or letting go.
    pub fn is_passing(&self) -> bool {
        matches!(self, Found::Starting | Found::Exiting)
    }
}

/// Looks for the project's engine. A record is believed only while a live
/// process holds the engine lock and the record names that live process;
/// a record without one (the process died, its pid may belong to something
/// else by now) is removed, never acted on.
pub fn find(files: &EngineFiles) -> anyhow::Result<Found> {
    if !is_locked(files)? {
        remove(&files.record());
        return Ok(Found::Stopped);
    }
    Ok(match read_record(files) {
        Some(record) if record.is_alive() => Found::Running(record),
        Some(_) => Found::Exiting,
        None => Found::Starting,
    })
}

/// The engine of `project` as found here; stopped when its folders are not
/// known (no `HOME`), since then none can have been started.
pub fn find_in(project: &ProjectDirs) -> anyhow::Result<Found> {
    match EngineFiles::of(project) {
        Ok(files) => find(&files),
        Err(NoFolders) => Ok(Found::Stopped),
    }
}

/// Whether a process holds the engine lock.
pub(super) fn is_locked(files: &EngineFiles) -> anyhow::Result<bool> {
    let lock = match File::open(files.lock()) {
        Ok(lock) => lock,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(err) => {
            return Err(err).with_context(|| format!("cannot open `{}`", files.lock().display()));
        }
    };
    match lock.try_lock() {
        Ok(()) => {
            // Let go at once, so an engine starting now is not kept waiting.
            let _ = lock.unlock();
            Ok(false)
        }
        Err(std::fs::TryLockError::WouldBlock) => Ok(true),
        Err(std::fs::TryLockError::Error(err)) => {
            Err(err).with_context(|| format!("cannot lock `{}`", files.lock().display()))
        }
    }
}

pub(super) fn read_record(files: &EngineFiles) -> Option<Record> {
    let text = std::fs::read_to_string(files.record()).ok()?;
    serde_json::from_str(&text).ok()
}

fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
}

/// Deletes the database file (and SQLite's companions); returns the path
/// when there was one.
pub fn remove_database(files: &EngineFiles) -> anyhow::Result<Option<PathBuf>> {
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

#[cfg(test)]
pub(super) mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::process;

    pub fn files() -> (tempfile::TempDir, EngineFiles) {
        let dir = tempfile::tempdir().unwrap();
        let files = EngineFiles {
            dir: dir.path().join("state"),
            data_dir: dir.path().join("data"),
        };
        std::fs::create_dir_all(&files.dir).unwrap();
        (dir, files)
    }

    fn record(process: String) -> Record {
        Record {
            pid: process::pid_of(&process).unwrap_or(0),
            process,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8000,
            config: "c".into(),
            database: "memory".into(),
        }
    }

    #[test]
    fn a_record_without_a_live_lock_holder_is_stale_and_removed() {
        let (_dir, files) = files();
        // This test's own process: alive, but not holding the engine's lock.
        let stale = record(process::own_identity().unwrap());
        std::fs::write(files.record(), serde_json::to_string(&stale).unwrap()).unwrap();
        std::fs::write(files.lock(), "").unwrap();
        assert_eq!(find(&files).unwrap(), Found::Stopped);
        assert!(!files.record().exists(), "the stale record is gone");
    }

    #[test]
    fn a_held_lock_with_a_record_of_a_process_that_is_gone_is_not_believed() {
        let (_dir, files) = files();
        let held = File::create(files.lock()).unwrap();
        held.lock().unwrap();
        assert_eq!(find(&files).unwrap(), Found::Starting, "no record yet");
        // The pid is alive (this test), but it started at another time: a
        // pid reused since the record was written.
        let reused = record(format!("{}:0", std::process::id()));
        std::fs::write(files.record(), serde_json::to_string(&reused).unwrap()).unwrap();
        assert_eq!(find(&files).unwrap(), Found::Exiting);
        let live = record(process::own_identity().unwrap());
        std::fs::write(files.record(), serde_json::to_string(&live).unwrap()).unwrap();
        assert_eq!(find(&files).unwrap(), Found::Running(live));
    }

    #[test]
    fn a_held_lock_of_an_engine_elsewhere_is_believed_but_its_pid_is_not_ours() {
        let (_dir, files) = files();
        let held = File::create(files.lock()).unwrap();
        held.lock().unwrap();
        // This very pid and start time, in another PID namespace.
        let me = process::own_identity().unwrap();
        let (boot, _) = me.split_once('@').unwrap().1.split_once(':').unwrap();
        let (pid_start, _) = me.split_once('@').unwrap();
        let elsewhere = record(format!("{pid_start}@{boot}:1"));
        std::fs::write(files.record(), serde_json::to_string(&elsewhere).unwrap()).unwrap();
        assert_eq!(find(&files).unwrap(), Found::Running(elsewhere.clone()));
        assert_eq!(
            elsewhere.liveness(),
            Liveness::CannotTell(Elsewhere::AnotherPidNamespace)
        );
    }

    #[test]
    fn no_files_at_all_is_stopped() {
        let (_dir, files) = files();
        assert_eq!(find(&files).unwrap(), Found::Stopped);
    }
}
