//! `devstack gc`: removes what `run`s left behind when they could not clean
//! up (`kill -9`, a crash): the stacks of runs whose process is proved
//! gone. A run still going, a kept run (`--keep`), a run whose owner lives
//! where this process cannot see it (another container sharing the Docker
//! daemon, another boot) and every other project are never touched; the
//! judgement is `runs::judge`, the one `ls` shows. A run on a warm engine
//! is its tables there, deleted; a warm engine is removed when no stack
//! uses it and its keeper is gone.

use std::collections::BTreeMap;

use crate::output::{Printer, plural};
use crate::runs::{self, RunState};
use crate::settings::Settings;
use crate::stack;
use crate::stack::warm::Removal;

pub async fn run(settings: &Settings, dry_run: bool, printer: &Printer) -> anyhow::Result<()> {
    let dirs = &settings.dirs;
    // Every run noted in this home, and every project found (Docker's
    // objects carry their run's owner, also a run noted in another home).
    let notes: BTreeMap<String, runs::RunRecord> = dirs
        .runs_noted()
        .into_iter()
        .map(|run| (run.project.clone(), run))
        .collect();
    let mut labels: BTreeMap<String, Option<String>> = notes
        .keys()
        .map(|project| (project.clone(), None))
        .collect();
    for found in stack::projects(dirs).await? {
        let label = labels.entry(found.project).or_default();
        if found.owner.is_some() {
            *label = found.owner;
        }
    }
    // `--project NAME`: only the runs of NAME's manifest, and NAME itself.
    if let Some(name) = &settings.project {
        let runs_of = runs::runs_prefix(name);
        labels.retain(|project, _| project == name || project.starts_with(&runs_of));
    }
    let mut abandoned = Vec::new();
    for (project, label) in &labels {
        match runs::judge(notes.get(project), label.as_deref()) {
            RunState::Abandoned => abandoned.push(project.clone()),
            RunState::CannotTell(why) => printer.info(&format!(
                "left `{project}` alone: cannot tell from here whether its run still goes on ({why})"
            )),
            _ => {}
        }
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
    let engines = match settings.project {
        None => warm_engines(settings, dry_run, printer).await?,
        Some(_) => 0,
    };
    if abandoned.is_empty() && engines == 0 {
        printer.info("nothing to collect: no run was left behind");
    }
    Ok(())
}

/// The warm engines nothing would remove: no stack uses them, and their
/// keeper is gone (killed, or the machine restarted). One whose keeper runs
/// is its keeper's to remove once it is idle.
/// Returns how many it removed (with `dry_run`, would remove).
async fn warm_engines(
    settings: &Settings,
    dry_run: bool,
    printer: &Printer,
) -> anyhow::Result<usize> {
    let mut removed = 0;
    for dirs in stack::warm::engines(&settings.dirs) {
        if dry_run {
            if stack::warm::is_abandoned(&dirs) {
                printer.data(&dirs.name)?;
                removed += 1;
            }
            continue;
        }
        if let Removal::Removed(done) = stack::warm::remove(&dirs, true, printer).await? {
            removed += 1;
            printer.data(&format!(
                "removed the warm engine `{}`, whose keeper is gone: {}",
                dirs.name,
                plural(done.docker_objects(), "Docker object")
            ))?;
        }
    }
    Ok(removed)
}
