//! `devstack gc`: removes what `run`s left behind when they could not clean
//! up (`kill -9`, a crash): the stacks of runs whose process is gone. A run
//! still going, a kept run (`--keep`) and every other project are never
//! touched.

use std::collections::BTreeSet;

use crate::output::{Printer, plural};
use crate::process;
use crate::settings::Settings;
use crate::stack;

pub async fn run(settings: &Settings, dry_run: bool, printer: &Printer) -> anyhow::Result<()> {
    let dirs = &settings.dirs;
    // Abandoned: a run noted here whose process is gone, or Docker objects
    // whose owner label names a process that is gone (a run noted under
    // another home), unless a note says the run was kept.
    let mut abandoned = BTreeSet::new();
    let mut kept = BTreeSet::new();
    for run in dirs.runs_noted() {
        if run.kept {
            kept.insert(run.project);
        } else if !process::is_alive(&run.owner) {
            abandoned.insert(run.project);
        }
    }
    for found in stack::projects(dirs).await? {
        if let Some(owner) = &found.owner
            && !process::is_alive(owner)
            && !kept.contains(&found.project)
        {
            abandoned.insert(found.project);
        }
    }
    if abandoned.is_empty() {
        printer.info("nothing to collect: no run was left behind");
        return Ok(());
    }
    for name in &abandoned {
        if dry_run {
            printer.data(name)?;
            continue;
        }
        let project = dirs.project(name);
        let done = stack::down(&project, None, true, printer).await?;
        project.forget();
        let mut removed = Vec::new();
        if let Some((pid, _)) = done.engine {
            removed.push(format!("the embedded engine (pid {pid})"));
        }
        if done.docker_objects() > 0 {
            removed.push(plural(done.docker_objects(), "Docker object"));
        }
        printer.data(&format!(
            "removed run `{name}`{}",
            if removed.is_empty() {
                String::new()
            } else {
                format!(": {}", removed.join(", "))
            }
        ))?;
    }
    Ok(())
}
