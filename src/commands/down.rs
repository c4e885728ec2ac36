//! `devstack down`: stop and remove the project's services: its containers
//! and network (volumes only when asked), and its embedded engine (its
//! database file only when asked), whichever engine the manifest names now.
//! Only ever touches objects with the project's label.

use crate::output::Printer;
use crate::settings::Settings;
use crate::stack;

pub async fn run(settings: &Settings, volumes: bool, printer: &Printer) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let project = settings.dirs.project(&manifest.project.name);
    let engine = manifest.project.engine;
    let done = stack::down(&project, Some(engine), volumes, printer)
        .await?
        .lines();
    project.forget_run();
    project.forget_origin();
    if done.is_empty() {
        printer.info(&format!("project `{}`: nothing to remove", project.name));
        return Ok(());
    }
    for line in &done {
        printer.info(line);
    }
    if !volumes && manifest.project.persist {
        printer.info(stack::kept_data(engine));
    }
    Ok(())
}
