//! Bringing the manifest's tables to an endpoint: created, updated,
//! unchanged or reported as drift, and seeded when devstack created them
//! (or when an earlier run never finished seeding them); and `reset`.

use std::time::Instant;

use aws_sdk_dynamodb::Client;

use super::client::{Profile, with_profile};
use super::load::{self, RetryPolicy};
use super::tables::{self, TablePlan, TableState};
use crate::cache::Cache;
use crate::manifest::{Manifest, TableSpec};
use crate::output::{Printer, Task, plural};
use crate::seed::SeedCounts;

/// What happened to one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created { items: u64 },
    Updated { changes: Vec<String>, items: u64 },
    Unchanged { items: u64 },
    Drift(Vec<String>),
}

/// Some tables differ from the manifest in ways devstack will not change in place.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Drift(String);

/// The endpoint's tables as one project sees them: the client, the
/// project's name (the seeded notes are per project) and the notes.
#[derive(Clone, Copy)]
pub struct ProjectTables<'a> {
    pub client: &'a Client,
    pub project: &'a str,
    pub cache: &'a Cache,
}

impl ProjectTables<'_> {
    fn mark_seeded(&self, state: &TableState) {
        if let Some(created) = state.created {
            self.cache.mark_seeded(self.project, &state.name, created);
        }
    }

    fn is_seeded(&self, state: &TableState) -> bool {
        state
            .created
            .is_some_and(|created| self.cache.is_seeded(self.project, &state.name, created))
    }

    fn unmark_seeded(&self, state: &TableState) {
        if let Some(created) = state.created {
            self.cache.unmark_seeded(self.project, &state.name, created);
        }
    }
}

/// Reconciles every manifest table, concurrently. Seeds load into tables
/// created now, or into every table with `reseed`. Drift fails the whole
/// run (exit 1) after the other tables are done.
pub async fn reconcile(
    at: ProjectTables<'_>,
    manifest: &Manifest,
    seeds: &SeedCounts,
    reseed: bool,
    printer: &Printer,
) -> anyhow::Result<Vec<(String, Outcome)>> {
    let work = manifest.tables.iter().map(|table| async move {
        let task = printer.task(&table.name, "checking");
        let expected = seeds.get(&table.physical).copied().unwrap_or(0);
        let result = reconcile_one(at, table, expected, reseed, &task).await;
        match &result {
            Ok(outcome) => report(task, outcome),
            Err(_) => task.fail("failed"),
        }
        result.map(|outcome| (table.name.clone(), outcome))
    });
    // Every table runs to its end even when another fails, so no load is
    // cut off half-way by a neighbour's error.
    let outcomes = futures_util::future::join_all(work)
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?;
    let drifted: Vec<String> = outcomes
        .iter()
        .filter_map(|(name, outcome)| match outcome {
            Outcome::Drift(lines) => Some(drift_report(manifest, name, lines)),
            _ => None,
        })
        .collect();
    if drifted.is_empty() {
        return Ok(outcomes);
    }
    Err(Drift(format!(
        "schema drift: {} differ{} from the manifest; devstack never drops a table by itself\n{}",
        plural(drifted.len(), "table"),
        if drifted.len() == 1 { "s" } else { "" },
        drifted.join("\n")
    ))
    .into())
}

fn drift_report(manifest: &Manifest, name: &str, lines: &[String]) -> String {
    let physical = manifest.table(name).map_or(name, |t| t.physical.as_str());
    let mut out = format!("  table `{physical}`:");
    for line in lines {
        out.push_str(&format!("\n    - {line}"));
    }
    out.push_str(&format!(
        "\n    hint: `devstack reset {name}` recreates it as the manifest says (its data is replaced by the seed data)"
    ));
    out
}

fn report(task: Task, outcome: &Outcome) {
    let items = |n: &u64| plural(*n, "item");
    match outcome {
        Outcome::Created { items: n } => task.finish(&format!("created, {}", items(n))),
        Outcome::Updated { changes, items: n } => {
            task.finish(&format!("updated ({}), {}", changes.join(", "), items(n)))
        }
        Outcome::Unchanged { items: n } => task.finish(&format!("unchanged, {}", items(n))),
        Outcome::Drift(_) => task.fail("schema drift"),
    }
}

async fn reconcile_one(
    at: ProjectTables<'_>,
    table: &TableSpec,
    expected: u64,
    reseed: bool,
    task: &Task,
) -> anyhow::Result<Outcome> {
    let mut observed = tables::describe(at.client, &table.physical).await?;
    let mut plan = tables::plan(table, observed.as_ref());
    if let TablePlan::Create = plan {
        task.update("creating");
        if tables::create(at.client, table).await?.is_some() {
            let items = seed_table(at, table, expected, true, task).await?;
            return Ok(Outcome::Created { items });
        }
        // Someone else created it meanwhile (another up, or the request of
        // a run that was stopped after sending it): once it is ACTIVE,
        // compare and change it like any table found at the start.
        observed = Some(tables::wait_active(at.client, &table.physical).await?);
        plan = tables::plan(table, observed.as_ref());
    }
    // The table's state after this run's changes, as the last call saw it.
    let (state, mut changes) = match plan {
        TablePlan::Create => anyhow::bail!(
            "table `{}`: CreateTable said it exists, then DescribeTable found none",
            table.physical
        ),
        TablePlan::Drift(lines) => return Ok(Outcome::Drift(lines)),
        TablePlan::Unchanged => (observed, Vec::new()),
        TablePlan::Update(changes) => {
            let mut state = observed;
            for change in &changes {
                task.update(&change.describe());
                state = Some(tables::apply_change(at.client, table, change).await?);
            }
            (
                state,
                changes.iter().map(tables::Change::describe).collect(),
            )
        }
    };
    // A table whose seeding never finished (an earlier run was stopped or
    // failed while loading) gets its seed data now.
    let unfinished = expected > 0 && !state.as_ref().is_some_and(|s| at.is_seeded(s));
    let items = if reseed || unfinished {
        if unfinished && !reseed {
            changes.push("seed data loaded: no earlier run finished loading it".to_string());
        }
        seed_table(at, table, expected, false, task).await?
    } else {
        state
            .and_then(|s| s.item_count)
            .map_or(0, |n| n.unsigned_abs())
    };
    Ok(if changes.is_empty() {
        Outcome::Unchanged { items }
    } else {
        Outcome::Updated { changes, items }
    })
}

/// Loads the table's `expected` seed items. Into a table created empty
/// (`fresh`), checks it then holds exactly as many items as were written;
/// otherwise (`--reseed`) at least as many. Notes that the table got all
/// its seed data, and returns its item count.
pub async fn seed_table(
    at: ProjectTables<'_>,
    table: &TableSpec,
    expected: u64,
    fresh: bool,
    task: &Task,
) -> anyhow::Result<u64> {
    if table.seeds.is_empty() {
        return Ok(0);
    }
    let started = Instant::now();
    task.update("loading seed data");
    let loader = with_profile(at.client, Profile::Loading);
    let written = load::load_table(&loader, table, RetryPolicy::default(), |n| {
        task.items(n, expected);
    })
    .await?;
    let state = tables::describe(at.client, &table.physical)
        .await?
        .ok_or_else(|| anyhow::anyhow!("table `{}` vanished while loading", table.physical))?;
    let counted = match state.item_count {
        Some(count) => count.unsigned_abs(),
        None => load::count_items(at.client, &table.physical).await?,
    };
    anyhow::ensure!(
        counted == written || (!fresh && counted > written),
        "table `{}` holds {} after loading {}",
        table.physical,
        plural(counted, "item"),
        plural(written, "seed item")
    );
    at.mark_seeded(&state);
    task.update(&format!(
        "loaded {} in {:.1}s",
        plural(written, "item"),
        started.elapsed().as_secs_f64()
    ));
    Ok(counted)
}

/// Deletes and recreates the tables, then loads their seeds unless `seeds`
/// is `None`. Touches no container and no other table.
pub async fn reset(
    at: ProjectTables<'_>,
    tables: &[&TableSpec],
    seeds: Option<&SeedCounts>,
    printer: &Printer,
) -> anyhow::Result<Vec<(String, u64)>> {
    let work = tables.iter().map(|table| async move {
        let task = printer.task(&table.name, "deleting");
        let result = async {
            // The new table may get the same creation time (some emulators
            // count whole seconds): forget the old one's note first.
            if let Some(old) = tables::describe(at.client, &table.physical).await? {
                at.unmark_seeded(&old);
            }
            tables::delete(at.client, &table.physical).await?;
            task.update("creating");
            let Some(created) = tables::create(at.client, table).await? else {
                anyhow::bail!(
                    "table `{}` was created by someone else while resetting it",
                    table.physical
                );
            };
            match seeds {
                Some(counts) => {
                    let expected = counts.get(&table.physical).copied().unwrap_or(0);
                    seed_table(at, table, expected, true, &task).await
                }
                None => {
                    // Empty on purpose: the next `up` must not fill it.
                    at.mark_seeded(&created);
                    Ok(0)
                }
            }
        }
        .await;
        match &result {
            Ok(n) => task.finish(&format!("reset, {}", plural(*n, "item"))),
            Err(_) => task.fail("failed"),
        }
        result.map(|n| (table.name.clone(), n))
    });
    futures_util::future::try_join_all(work).await
}
