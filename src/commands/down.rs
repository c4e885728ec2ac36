//! `devstack down`: stop and remove the project's services: its containers
//! and network (volumes only when asked), and its embedded engine (its
//! database file only when asked), whichever engine the manifest names now.
//! Only ever touches objects with the project's label.

use crate::output::Printer;
use crate::service::Engine;
use crate::settings::Settings;

pub async fn run(settings: &Settings, volumes: bool, printer: &Printer) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let project = &manifest.project.name;
    let done = super::take_down(settings, &manifest, volumes, printer).await?;
    settings.folders.forget_kept(project);
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
