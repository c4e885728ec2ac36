//! One module per subcommand. Each takes resolved settings and the printer.
//! What several of them do (bring a stack up, take it down) lives here, so
//! that no command imports another.

pub mod completions;
pub mod doctor;
pub mod down;
pub mod env;
pub mod gc;
pub mod logs;
pub mod ls;
pub mod query;
pub mod reset;
pub mod run;
pub mod scan;
pub mod status;
pub mod tables;
pub mod up;
pub mod validate;

use std::time::Duration;

use crate::dynamo::client::{self, Profile};
use crate::dynamo::reconcile::{self, Outcome, Tables};
use crate::error::UsageError;
use crate::lock::ProjectLock;
use crate::manifest::{Manifest, PullPolicy};
use crate::output::Printer;
use crate::seed::SeedCounts;
use crate::service::Engine;
use crate::settings::Settings;
use crate::stack::docker::Docker;
use crate::stack::{self, RunningStack, embedded};

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

/// A stack `up` (or `run`) brought to the manifest.
pub struct Brought {
    pub engine_url: String,
    pub stack: RunningStack,
    /// Whether anything was made, started or changed.
    pub changed: bool,
}

/// The engine, then the tables (they need only the engine), then the
/// other services (the admin UI).
pub async fn bring_up(
    settings: &Settings,
    manifest: &Manifest,
    seeds: &SeedCounts,
    pull: PullPolicy,
    timeout: Duration,
    reseed: bool,
    printer: &Printer,
) -> anyhow::Result<Brought> {
    let project = &manifest.project;
    let _lock = lock_project(&project.name, printer).await?;
    let converged = stack::converge(manifest, pull, timeout, &settings.folders, printer).await?;
    let engine_url = converged.engine.url.clone();
    let client = client::client(&engine_url, &project.region, Profile::Command);
    let at = Tables {
        client: &client,
        project: &project.name,
        cache: &settings.folders.cache,
    };
    let outcomes = tokio::select! {
        outcomes = reconcile::reconcile(at, manifest, seeds, reseed, printer) => outcomes,
        lost = stack::engine_lost(manifest) => Err(lost.into()),
    };
    let outcomes = match outcomes {
        Ok(outcomes) => outcomes,
        // The other services are not started: dropped, they never start.
        Err(err) => return Err(stack::with_engine_cause(manifest, err).await),
    };
    let stack = converged.finish().await?;
    let changed = stack.changed()
        || outcomes
            .iter()
            .any(|(_, o)| !matches!(o, Outcome::Unchanged { .. }));
    Ok(Brought {
        engine_url,
        stack,
        changed,
    })
}

/// Stops and removes every service of the project, whichever engine the
/// manifest names now: its containers and network (volumes with
/// `volumes`), its embedded engine (its database file with `volumes`).
/// Returns what it did, a line each.
pub async fn take_down(
    settings: &Settings,
    manifest: &Manifest,
    volumes: bool,
    printer: &Printer,
) -> anyhow::Result<Vec<String>> {
    let project = &manifest.project.name;
    let files = embedded::Files::of(&settings.folders, project);
    let _lock = lock_project(project, printer).await?;
    let mut done = Vec::new();
    match &files {
        Ok(files) => {
            if let Some(record) = embedded::stop(files).await? {
                done.push(format!(
                    "stopped the embedded engine (pid {}, {})",
                    record.pid,
                    record.url()
                ));
            }
            if volumes && let Some(database) = embedded::remove_database(files)? {
                done.push(format!("removed the database `{}`", database.display()));
            }
        }
        Err(err) if manifest.project.engine == Engine::Embedded => {
            return Err(UsageError(err.to_string()).into());
        }
        Err(_) => {}
    }
    // A container engine needs Docker. With the embedded engine (named by
    // the manifest, or found running), Docker only matters if it answers:
    // an earlier run may have used a container.
    let docker = if manifest.project.engine == Engine::Embedded {
        Docker::connect_if_there().await
    } else {
        match Docker::connect().await {
            Ok(docker) => Some(docker),
            Err(err) if !done.is_empty() => {
                printer.info(&format!(
                    "no containers were looked for: {}",
                    err.to_string().lines().next().unwrap_or_default()
                ));
                None
            }
            Err(err) => return Err(err.into()),
        }
    };
    if let Some(docker) = &docker {
        let removed = docker
            .remove_project(project, stack::STOP_GRACE, volumes)
            .await?;
        for name in &removed.containers {
            done.push(format!("removed container `{name}`"));
        }
        for name in &removed.networks {
            done.push(format!("removed network `{name}`"));
        }
        for name in &removed.volumes {
            done.push(format!("removed volume `{name}`"));
        }
    }
    Ok(done)
}
