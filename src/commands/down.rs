//! `devstack down`: stop and remove the project's services: its containers
//! and network (volumes only when asked), and its embedded engine (its
//! database file only when asked), whichever engine the manifest names now.
//! Only ever touches objects with the project's label.

use crate::output::Printer;
use crate::settings::Settings;
use crate::stack;
use crate::stack::warm::Removal;

pub async fn run(settings: &Settings, volumes: bool, printer: &Printer) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let project = settings.dirs.project(&manifest.project.name);
    let engine = manifest.project.engine;
    let done = stack::down(&project, Some(engine), volumes, printer).await?;
    if let Some((warm, _)) = &done.warm_tables {
        stack::warm::spawn_prepare(&project, warm);
    }
    let done = done.lines();
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

/// `devstack down --warm`: removes every warm engine of this home that no
/// stack uses; one that a stack uses is left, and said so.
pub async fn warm(settings: &Settings, printer: &Printer) -> anyhow::Result<()> {
    let engines = stack::warm::engines(&settings.dirs);
    if engines.is_empty() {
        printer.info("no warm engine to remove");
    }
    for dirs in engines {
        match stack::warm::remove(&dirs, false, printer).await? {
            Removal::Removed(done) => {
                printer.info(&format!("removed the warm engine `{}`", dirs.name));
                for line in done.lines() {
                    printer.info(&format!("  {line}"));
                }
            }
            Removal::InUse(by) => printer.info(&format!(
                "left the warm engine `{}`: used by {}",
                dirs.name,
                by.iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Removal::Kept => {}
        }
    }
    Ok(())
}
