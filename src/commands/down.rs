//! `devstack down`: stop and remove the project's services: its containers
//! and network (volumes only when asked), and its embedded engine (its
//! database file only when asked), whichever engine the manifest names now.
//! Only ever touches objects with the project's label.

use crate::error::UsageError;
use crate::output::Printer;
use crate::service::Engine;
use crate::settings::Settings;
use crate::stack;
use crate::stack::docker::Docker;
use crate::stack::embedded;

pub async fn run(settings: &Settings, volumes: bool, printer: &Printer) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let project = &manifest.project.name;
    let files = embedded::Files::of(&settings.folders, project);
    let _lock = super::lock_project(project, printer).await?;
    // What was stopped or removed, said once everything is done.
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
    if done.is_empty() {
        printer.info(&format!("project `{project}`: nothing to remove"));
        return Ok(());
    }
    for line in &done {
        printer.info(line);
    }
    if !volumes && manifest.project.persist {
        printer.info(match manifest.project.engine {
            Engine::Embedded => "kept the database file; `devstack down --volumes` deletes it",
            _ => "kept the data volumes; `devstack down --volumes` deletes them",
        });
    }
    Ok(())
}
