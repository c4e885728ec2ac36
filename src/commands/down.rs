//! `devstack down`: stop and remove the project's containers and network;
//! volumes only when asked. Only ever touches objects with the project's label.

use crate::output::Printer;
use crate::settings::Settings;
use crate::stack;
use crate::stack::docker::Docker;

pub async fn run(settings: &Settings, volumes: bool, printer: &Printer) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let project = &manifest.project.name;
    let docker = Docker::connect().await?;
    let _lock = super::lock_project(project, printer).await?;
    let removed = docker
        .remove_project(project, stack::STOP_GRACE, volumes)
        .await?;
    if removed == Default::default() {
        printer.info(&format!("project `{project}`: nothing to remove"));
        return Ok(());
    }
    for name in &removed.containers {
        printer.info(&format!("removed container `{name}`"));
    }
    for name in &removed.networks {
        printer.info(&format!("removed network `{name}`"));
    }
    for name in &removed.volumes {
        printer.info(&format!("removed volume `{name}`"));
    }
    if !volumes && manifest.project.persist {
        printer.info("kept the data volumes; `devstack down --volumes` deletes them");
    }
    Ok(())
}
