//! One module per subcommand. Each takes resolved settings and the printer.

pub mod down;
pub mod env;
pub mod logs;
pub mod query;
pub mod reset;
pub mod scan;
pub mod status;
pub mod tables;
pub mod up;
pub mod validate;

use std::time::Duration;

use crate::lock::ProjectLock;
use crate::output::Printer;

/// How long a command waits for another devstack command on the same project.
const LOCK_WAIT: Duration = Duration::from_secs(300);

/// Takes the project's lock for a command that changes its containers,
/// saying so if another command holds it.
pub async fn lock_project(project: &str, printer: &Printer) -> anyhow::Result<ProjectLock> {
    ProjectLock::acquire(project, LOCK_WAIT, || {
        printer.info(&format!(
            "waiting for another devstack command on project `{project}` to finish…"
        ));
    })
    .await
}
