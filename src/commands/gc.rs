//! `devstack gc`: removes what `run`s left behind when they could not clean
//! up (`kill -9`, a crash): the stacks of runs whose process is gone. A run
//! still going, a kept run (`--keep`) and every other project are never
//! touched.

use std::collections::BTreeSet;

use crate::output::Printer;
use crate::settings::Settings;
use crate::stack;
use crate::stack::docker::Docker;
use crate::stack::embedded;
use crate::state;

pub async fn run(settings: &Settings, dry_run: bool, printer: &Printer) -> anyhow::Result<()> {
    let folders = &settings.folders;
    let docker = Docker::connect_if_there().await;
    // Abandoned: a run noted here whose process is gone, or Docker objects
    // whose owner label names a process that is gone (a run noted under
    // another home), unless a note says the run was kept.
    let mut abandoned = BTreeSet::new();
    let mut kept = BTreeSet::new();
    for run in folders.runs_recorded() {
        if run.kept {
            kept.insert(run.project);
        } else if !state::is_alive(&run.owner) {
            abandoned.insert(run.project);
        }
    }
    if let Some(docker) = &docker {
        for objects in docker.all_projects().await? {
            if let Some(owner) = &objects.owner
                && !state::is_alive(owner)
                && !kept.contains(&objects.project)
            {
                abandoned.insert(objects.project);
            }
        }
    }
    if abandoned.is_empty() {
        printer.info("nothing to collect: no run was left behind");
        return Ok(());
    }
    for project in &abandoned {
        if dry_run {
            printer.data(project)?;
            continue;
        }
        let mut removed = Vec::new();
        if let Ok(files) = embedded::Files::of(folders, project) {
            if let Some(record) = embedded::stop(&files).await? {
                removed.push(format!("the embedded engine (pid {})", record.pid));
            }
            let _ = embedded::remove_database(&files);
        }
        if let Some(docker) = &docker {
            let gone = docker
                .remove_project(project, stack::STOP_GRACE, true)
                .await?;
            let count = gone.containers.len() + gone.networks.len() + gone.volumes.len();
            if count > 0 {
                removed.push(format!(
                    "{count} Docker object{}",
                    if count == 1 { "" } else { "s" }
                ));
            }
        }
        folders.cache.forget_project(project);
        if let Ok(files) = embedded::Files::of(folders, project) {
            embedded::forget(&files);
        }
        let _ = std::fs::remove_file(crate::lock::lock_path(project));
        folders.forget_run(project);
        printer.data(&format!(
            "removed run `{project}`{}",
            if removed.is_empty() {
                String::new()
            } else {
                format!(": {}", removed.join(", "))
            }
        ))?;
    }
    Ok(())
}
