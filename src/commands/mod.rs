//! One module per subcommand. Each takes resolved settings and the printer.
//! What several of them do (bring a stack up with its tables) lives here, so
//! that no command imports another.

pub mod completions;
pub mod delete;
pub mod doctor;
pub mod down;
pub mod env;
pub mod export;
pub mod gc;
pub mod get;
pub mod import;
pub mod init;
pub mod logs;
pub mod ls;
pub mod put;
pub mod query;
pub mod reset;
pub mod run;
pub mod scan;
pub mod snapshot;
pub mod status;
mod table_sources;
pub mod tables;
pub mod up;
pub mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::dynamo::client::{self, Profile};
use crate::dynamo::reconcile::{self, Outcome};
use crate::endpoint;
use crate::error::UsageError;
use crate::lock::ProjectLock;
use crate::manifest::{Manifest, PullPolicy, TableSpec};
use crate::origin::Origin;
use crate::output::Printer;
use crate::seed::SeedCounts;
use crate::settings::Settings;
use crate::snapshot::store::{self as snapshots, Snapshot};
use crate::stack::{self, RunningStack};

/// The folder the project's snapshots are kept in: `--path`, else the
/// project's own. A `run`'s stack keeps its snapshots with the project it
/// was made from.
pub fn snapshot_dir(
    settings: &Settings,
    manifest: &Manifest,
    path: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    if let Some(path) = path {
        return Ok(settings.cwd.join(path));
    }
    let project = &manifest.project.name;
    let own = match project.rfind("-run-") {
        Some(at) if manifest.project.throwaway => project.get(..at).unwrap_or(project),
        _ => project,
    };
    settings
        .dirs
        .project(own)
        .snapshots
        .ok_or_else(|| {
            UsageError(
                "no folder to keep snapshots in: neither `XDG_DATA_HOME` nor `HOME` is set\n  hint: give one with `--path DIR`"
                    .to_string(),
            )
            .into()
        })
}

/// The snapshot `arg` names: a folder (a path with a `/`), or one of the
/// project's.
pub fn find_snapshot(
    settings: &Settings,
    manifest: &Manifest,
    arg: &str,
) -> anyhow::Result<Snapshot> {
    if snapshots::is_path(arg) {
        return Snapshot::open(&settings.cwd.join(arg), arg);
    }
    snapshots::check_name(arg)?;
    let dir = snapshot_dir(settings, manifest, None)?;
    let path = dir.join(arg);
    if !path.exists() {
        let names: Vec<String> = snapshots::list(&dir)
            .into_iter()
            .map(|(name, _)| format!("`{name}`"))
            .collect();
        return Err(UsageError(format!(
            "project `{}` has no snapshot `{arg}`; {}",
            manifest.project.name,
            if names.is_empty() {
                "it has none (`devstack snapshot save NAME` makes one)".to_string()
            } else {
                format!("it has {}", names.join(", "))
            }
        ))
        .into());
    }
    Snapshot::open(&path, arg)
}

/// After `up --snapshot`: the snapshot's tables that were there already
/// (so did not start from its items) are replaced by them. Returns
/// whether there were any.
pub async fn load_into_existing(
    settings: &Settings,
    manifest: &Manifest,
    from_snapshot: &[String],
    outcomes: &[(String, Outcome)],
    seeds: &SeedCounts,
    printer: &Printer,
) -> anyhow::Result<bool> {
    let tables: Vec<&TableSpec> = manifest
        .tables
        .iter()
        .filter(|t| from_snapshot.contains(&t.physical))
        .filter(|t| {
            !outcomes
                .iter()
                .any(|(name, o)| *name == t.name && matches!(o, Outcome::Created { .. }))
        })
        .collect();
    if tables.is_empty() {
        return Ok(false);
    }
    replace_tables(
        settings,
        manifest,
        &tables,
        Some(seeds),
        "load a snapshot",
        printer,
    )
    .await?;
    Ok(true)
}

/// Makes the snapshot `arg` names the seed data of the tables it holds
/// (`up --snapshot`, `run --snapshot`); returns their physical names.
pub fn seed_from_snapshot(
    settings: &Settings,
    manifest: &mut Manifest,
    arg: &str,
) -> anyhow::Result<Vec<String>> {
    let snapshot = find_snapshot(settings, manifest, arg)?;
    crate::snapshot::seed_from(&snapshot, manifest, &[], arg)
}

/// The manifest's tables named (by manifest or physical name; each once),
/// or all of them when none is named.
pub fn chosen_tables<'m>(
    manifest: &'m Manifest,
    names: &[String],
) -> Result<Vec<&'m TableSpec>, UsageError> {
    if names.is_empty() {
        return Ok(manifest.tables.iter().collect());
    }
    let mut chosen: Vec<&TableSpec> = Vec::new();
    for name in names {
        match manifest.table(name) {
            // Named twice (`t` and its full name): once.
            Some(table) if chosen.iter().any(|t| t.physical == table.physical) => {}
            Some(table) => chosen.push(table),
            None => {
                let valid: Vec<String> = manifest
                    .tables
                    .iter()
                    .map(|t| format!("`{}`", t.name))
                    .collect();
                return Err(UsageError(format!(
                    "the manifest has no table `{name}`; its tables are {}",
                    if valid.is_empty() {
                        "none".to_string()
                    } else {
                        valid.join(", ")
                    }
                )));
            }
        }
    }
    Ok(chosen)
}

/// Deletes and recreates `tables` at the command's endpoint, then loads
/// their seeds (already validated; none when `seeds` is `None`), behind the
/// endpoint guard (`action` names what would be done, for its refusal).
/// The project's engine is watched while it works. Returns the endpoint's
/// URL and each table's item count.
pub async fn replace_tables(
    settings: &Settings,
    manifest: &Manifest,
    tables: &[&TableSpec],
    seeds: Option<&SeedCounts>,
    action: &str,
    printer: &Printer,
) -> anyhow::Result<(String, Vec<(String, u64)>)> {
    let endpoint = settings.endpoint(manifest).await?;
    let endpoint =
        endpoint::check_destructive(endpoint, manifest, settings.allow_remote, action).await?;
    let client = client::for_project(endpoint.url(), &manifest.project, Profile::Command);
    // The project's engine is watched only when it is the endpoint: an
    // `--endpoint` elsewhere does not care how that container is doing.
    let engine = endpoint.engine();
    // devstack's notes on its own engine, or one on this machine; never a
    // table of its own in an account somewhere else (`--allow-remote`).
    let notes = engine.is_some() || endpoint::is_on_this_machine(endpoint.url());
    let watch = async {
        match engine {
            Some(engine) => engine.lost().await,
            None => std::future::pending().await,
        }
    };
    let reset = tokio::select! {
        done = reconcile::reset(&client, tables, seeds, notes, printer) => done,
        lost = watch => Err(lost.into()),
    };
    match (reset, engine) {
        (Ok(done), _) => Ok((endpoint.url().to_string(), done)),
        (Err(err), Some(engine)) => Err(engine.with_cause(err).await),
        (Err(err), None) => Err(err),
    }
}

/// The engine, then the tables (they need only the engine), then the
/// other services (the admin UI), under the project's lock. Returns the
/// stack and what became of each table.
pub async fn bring_up(
    settings: &Settings,
    manifest: &Manifest,
    seeds: &SeedCounts,
    pull: PullPolicy,
    timeout: Duration,
    reseed: bool,
    printer: &Printer,
) -> anyhow::Result<(RunningStack, Vec<(String, Outcome)>)> {
    let project = &manifest.project;
    let dirs = settings.dirs.project(&project.name);
    let _lock = ProjectLock::take(&dirs, printer).await?;
    // Noted first: a command naming the project finds this stack from any
    // folder, also while it comes up.
    let _ = dirs.note_origin(&Origin::of(manifest));
    let mut stack = stack::up(manifest, pull, timeout, &dirs, printer).await?;
    let engine = &stack.engine;
    let client = client::for_project(engine.url(), project, Profile::Command);
    let outcomes = tokio::select! {
        outcomes = reconcile::reconcile(&client, manifest, seeds, reseed, true, printer) => outcomes,
        lost = engine.lost() => Err(lost.into()),
    };
    let outcomes = match outcomes {
        Ok(outcomes) => outcomes,
        // The other services are not started: dropped, they never start.
        Err(err) => return Err(engine.with_cause(err).await),
    };
    stack.changed |= outcomes
        .iter()
        .any(|(_, o)| !matches!(o, Outcome::Unchanged { .. }));
    stack.start_companions().await?;
    Ok((stack, outcomes))
}
