//! A per-project lock, so two devstack commands that change the same
//! project (`up`, `down`, `run`, `gc`) take turns instead of racing each
//! other's containers and tables.

use std::fs::File;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;

use crate::dirs::ProjectDirs;
use crate::output::Printer;
use crate::wait::poll_until;

/// How long a command waits for another devstack command on the same project.
const LOCK_WAIT: Duration = Duration::from_secs(300);
/// How often a held lock is tried again.
const POLL: Duration = Duration::from_millis(100);

/// Held while a command changes a project; released on drop (also when the
/// process dies, since the OS drops the lock with the file).
pub struct ProjectLock {
    _file: File,
}

impl ProjectLock {
    /// Takes the project's lock, saying so if another command holds it.
    pub async fn take(project: &ProjectDirs, printer: &Printer) -> anyhow::Result<ProjectLock> {
        project.prepare_lock()?;
        ProjectLock::acquire(&project.lock, &project.name, LOCK_WAIT, || {
            printer.info(&format!(
                "waiting for another devstack command on project `{}` to finish…",
                project.name
            ));
        })
        .await
    }

    /// Takes the lock at `path`, waiting up to `timeout` for another run to
    /// finish; `waiting` is called once if it has to wait.
    pub async fn acquire(
        path: &Path,
        project: &str,
        timeout: Duration,
        waiting: impl FnOnce(),
    ) -> anyhow::Result<ProjectLock> {
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .with_context(|| format!("cannot open the lock file `{}`", path.display()))?;
        let mut waiting = Some(waiting);
        let locked = poll_until(timeout, POLL, || {
            let result = match file.try_lock() {
                Ok(()) => Ok(Some(())),
                Err(std::fs::TryLockError::WouldBlock) => {
                    if let Some(notify) = waiting.take() {
                        notify();
                    }
                    Ok(None)
                }
                Err(std::fs::TryLockError::Error(err)) => {
                    Err(err).with_context(|| format!("cannot lock `{}`", path.display()))
                }
            };
            async move { result }
        })
        .await?;
        anyhow::ensure!(
            locked.is_some(),
            "another devstack command has held project `{project}` for {} s (lock `{}`)",
            timeout.as_secs(),
            path.display()
        );
        Ok(ProjectLock { _file: file })
    }
}
