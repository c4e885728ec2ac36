//! A per-project lock, so two `devstack up` (or `down`) runs on the same
//! project take turns instead of racing each other's containers.

use std::fs::File;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;

/// Held while a command changes a project's containers; released on drop
/// (also when the process dies, since the OS drops the lock with the file).
pub struct ProjectLock {
    _file: File,
}

/// Where the project's lock file lives: the user's runtime folder, or the
/// system's temporary folder.
pub fn lock_path(project: &str) -> PathBuf {
    let dir = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    dir.join(format!("devstack-{project}.lock"))
}

impl ProjectLock {
    /// Takes the lock, waiting up to `timeout` for another run to finish;
    /// `waiting` is called once if it has to wait.
    pub async fn acquire(
        project: &str,
        timeout: Duration,
        waiting: impl FnOnce(),
    ) -> anyhow::Result<ProjectLock> {
        let path = lock_path(project);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open the lock file `{}`", path.display()))?;
        let started = Instant::now();
        let mut waiting = Some(waiting);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(ProjectLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) => {
                    if let Some(notify) = waiting.take() {
                        notify();
                    }
                    anyhow::ensure!(
                        started.elapsed() < timeout,
                        "another devstack command has held project `{project}` for {} s (lock `{}`)",
                        timeout.as_secs(),
                        path.display()
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(std::fs::TryLockError::Error(err)) => {
                    return Err(err).with_context(|| format!("cannot lock `{}`", path.display()));
                }
            }
        }
    }
}
