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
pub mod status;
mod table_sources;
pub mod tables;
pub mod up;
pub mod validate;

use std::time::Duration;

use crate::dynamo::client::{self, Profile};
use crate::dynamo::reconcile::{self, Outcome};
use crate::lock::ProjectLock;
use crate::manifest::{Manifest, PullPolicy};
use crate::origin::Origin;
use crate::output::Printer;
use crate::seed::SeedCounts;
use crate::settings::Settings;
use crate::stack::{self, RunningStack};

/// The engine, then the tables (they need only the engine), then the
/// other services (the admin UI), under the project's lock.
pub async fn bring_up(
    settings: &Settings,
    manifest: &Manifest,
    seeds: &SeedCounts,
    pull: PullPolicy,
    timeout: Duration,
    reseed: bool,
    printer: &Printer,
) -> anyhow::Result<RunningStack> {
    let project = &manifest.project;
    let dirs = settings.dirs.project(&project.name);
    let _lock = ProjectLock::take(&dirs, printer).await?;
    // Noted first: a command naming the project finds this stack from any
    // folder, also while it comes up.
    let _ = dirs.note_origin(&Origin::of(manifest));
    let mut stack = stack::up(manifest, pull, timeout, &dirs, printer).await?;
    let engine = &stack.engine;
    let client = client::client(engine.url(), &project.region, Profile::Command);
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
    Ok(stack)
}
