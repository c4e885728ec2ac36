//! Bringing the manifest's tables to an endpoint: created, updated,
//! unchanged or reported as drift, and seeded when devstack created them
//! (or when an earlier run never finished seeding them, as the notes on the
//! engine say); and `reset`.

use std::time::Instant;

use aws_sdk_dynamodb::Client;

use super::client::{Profile, with_profile};
use super::load::{self, RetryPolicy};
use super::notes::{Notes, Seeding, Stage};
use super::tables::{self, TablePlan};
use crate::manifest::{Manifest, TableSpec};
use crate::output::{Printer, Task, plural};
use crate::seed::SeedCounts;

/// What happened to one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created {
        items: u64,
    },
    Updated {
        changes: Vec<String>,
        items: u64,
    },
    /// `not_ours`: devstack did not make it, so its seed data was not
    /// loaded.
    Unchanged {
        items: u64,
        not_ours: bool,
    },
    Drift(Vec<String>),
}

/// Why a table's seed data was left out, in its line.
const NOT_OURS: &str = "not made by devstack: seed data not loaded; --reseed loads it";

/// Some tables differ from the manifest in ways devstack will not change in place.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Drift(String);

/// Reconciles every manifest table, concurrently. Seeds load into tables
/// created now and tables whose load an earlier run left unfinished, or
/// into every table with `reseed`. Drift fails the whole run (exit 1) after
/// the other tables are done. `notes`: whether the endpoint keeps
/// devstack's notes (see [`Notes::off`]).
pub async fn reconcile(
    client: &Client,
    manifest: &Manifest,
    seeds: &SeedCounts,
    reseed: bool,
    notes: bool,
    printer: &Printer,
) -> anyhow::Result<Vec<(String, Outcome)>> {
    let notes = &Notes::at(client, notes).await?;
    let work = manifest.tables.iter().map(|table| async move {
        let task = printer.task(&table.name, "checking");
        let expected = seeds.get(&table.physical).copied().unwrap_or(0);
        let result = reconcile_one(client, notes, table, expected, reseed, &task).await;
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
        Outcome::Unchanged {
            items: n,
            not_ours: false,
        } => task.finish(&format!("unchanged, {}", items(n))),
        Outcome::Unchanged {
            items: n,
            not_ours: true,
        } => task.finish(&format!("unchanged ({NOT_OURS}), {}", items(n))),
        Outcome::Drift(_) => task.fail("schema drift"),
    }
}

async fn reconcile_one(
    client: &Client,
    notes: &Notes<'_>,
    table: &TableSpec,
    expected: u64,
    reseed: bool,
    task: &Task,
) -> anyhow::Result<Outcome> {
    let mut observed = tables::describe(client, &table.physical).await?;
    let mut plan = tables::plan(table, observed.as_ref());
    let mut created_now = false;
    if let TablePlan::Create = plan {
        task.update("creating");
        notes.write(&table.physical, Stage::Creating, None).await?;
        let made = match tables::create(client, table).await {
            Ok(made) => made,
            Err(err) => {
                notes.forget(&table.physical).await;
                return Err(err);
            }
        };
        if let Some(made) = made {
            let items =
                seed_table(client, notes, table, made.created, expected, true, task).await?;
            return Ok(Outcome::Created { items });
        }
        // Someone else created it meanwhile (another up, or the request of
        // a run that was stopped after sending it): once it is ACTIVE,
        // compare and change it like any table found at the start. Its
        // note says `creating`: it is taken as this run's.
        created_now = true;
        observed = Some(tables::wait_active(client, &table.physical).await?);
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
                state = Some(tables::apply_change(client, table, change).await?);
            }
            (
                state,
                changes.iter().map(tables::Change::describe).collect(),
            )
        }
    };
    let seeding = match &state {
        Some(state) if !created_now => notes.seeding(state),
        _ => Seeding::Unfinished,
    };
    // A table whose seeding never finished (an earlier run was stopped or
    // failed while loading) gets its seed data now; one devstack did not
    // make gets it only when asked.
    let not_ours = !reseed && seeding == Seeding::NotOurs && expected > 0;
    let items = if reseed || seeding == Seeding::Unfinished {
        if seeding == Seeding::Unfinished && !reseed && expected > 0 {
            changes.push("seed data loaded: no earlier run finished loading it".to_string());
        }
        let created = state.as_ref().and_then(|s| s.created);
        seed_table(client, notes, table, created, expected, false, task).await?
    } else {
        state
            .and_then(|s| s.item_count)
            .map_or(0, |n| n.unsigned_abs())
    };
    Ok(if changes.is_empty() {
        Outcome::Unchanged { items, not_ours }
    } else {
        if not_ours {
            changes.push(NOT_OURS.to_string());
        }
        Outcome::Updated { changes, items }
    })
}

/// Loads the table's `expected` seed items. Into a table created empty
/// (`fresh`), checks it then holds exactly as many items as were written;
/// otherwise (`--reseed`) at least as many. Notes on the engine that the
/// load of the table created at `created` is under way, then that it
/// finished, and returns the item count.
pub async fn seed_table(
    client: &Client,
    notes: &Notes<'_>,
    table: &TableSpec,
    created: Option<i64>,
    expected: u64,
    fresh: bool,
    task: &Task,
) -> anyhow::Result<u64> {
    let name = &table.physical;
    if table.seeds.is_empty() {
        notes.write(name, Stage::Seeded, created).await?;
        return Ok(0);
    }
    let started = Instant::now();
    notes.write(name, Stage::Loading, created).await?;
    task.update("loading seed data");
    let loader = with_profile(client, Profile::Loading);
    let written = load::load_table(&loader, table, RetryPolicy::default(), |n| {
        task.items(n, expected);
    })
    .await?;
    // Its item count and creation time: the TTL does not matter here.
    let state = tables::describe_without_ttl(client, name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("table `{name}` vanished while loading"))?;
    let counted = match state.item_count {
        Some(count) => count.unsigned_abs(),
        None => load::count_items(client, name).await?,
    };
    anyhow::ensure!(
        counted == written || (!fresh && counted > written),
        "table `{}` holds {} after loading {}",
        table.physical,
        plural(counted, "item"),
        plural(written, "seed item")
    );
    notes.write(name, Stage::Seeded, state.created).await?;
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
    client: &Client,
    tables: &[&TableSpec],
    seeds: Option<&SeedCounts>,
    notes: bool,
    printer: &Printer,
) -> anyhow::Result<Vec<(String, u64)>> {
    let notes = &if notes {
        Notes::new(client)
    } else {
        Notes::off(client)
    };
    let work = tables.iter().map(|table| async move {
        let task = printer.task(&table.name, "deleting");
        let result = async {
            // Before the table goes, so that a note that cannot be written
            // (its table cannot be made) leaves the table in place; and
            // before the new table exists, so the old table's note never
            // stands for the new one (some engines count whole seconds:
            // both may have the same creation time).
            notes.write(&table.physical, Stage::Creating, None).await?;
            tables::delete(client, &table.physical).await?;
            task.update("creating");
            let created = match tables::create(client, table).await {
                Ok(created) => created,
                Err(err) => {
                    notes.forget(&table.physical).await;
                    return Err(err);
                }
            };
            let Some(created) = created else {
                anyhow::bail!(
                    "table `{}` was created by someone else while resetting it",
                    table.physical
                );
            };
            match seeds {
                Some(counts) => {
                    let expected = counts.get(&table.physical).copied().unwrap_or(0);
                    seed_table(client, notes, table, created.created, expected, true, &task).await
                }
                None => {
                    // Empty on purpose: the next `up` must not fill it.
                    notes
                        .write(&table.physical, Stage::Seeded, created.created)
                        .await?;
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
