//! Bringing the manifest's tables to the endpoint: created, updated,
//! unchanged or reported as drift, and seeded when devstack created them.

use std::time::Instant;

use aws_sdk_dynamodb::Client;

use crate::dynamo::load::{self, RetryPolicy};
use crate::dynamo::tables::{self, TablePlan, TableState};
use crate::manifest::{Manifest, TableSpec};
use crate::output::{Printer, Task};
use crate::seed;

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

/// How many seed items each table (by physical name) has.
pub type SeedCounts = std::collections::BTreeMap<String, u64>;

/// Every seed file of every table is checked before anything is written;
/// returns each table's item count.
pub fn validate_seeds<'a>(
    tables: impl IntoIterator<Item = &'a TableSpec>,
) -> anyhow::Result<SeedCounts> {
    let mut invalid = Vec::new();
    let mut counts = SeedCounts::new();
    for table in tables {
        if table.seeds.is_empty() {
            continue;
        }
        let key = validation_key(table);
        if let Some(items) = key.as_deref().and_then(cached_validation) {
            counts.insert(table.physical.clone(), items);
            continue;
        }
        match seed::validate_table(table) {
            Ok(summary) => {
                if let Some(key) = &key {
                    remember_validation(key, summary.items);
                }
                counts.insert(table.physical.clone(), summary.items);
            }
            Err(err) => invalid.push(err),
        }
    }
    if invalid.is_empty() {
        return Ok(counts);
    }
    Err(InvalidSeedFiles(invalid).into())
}

/// Seed files that passed validation are remembered by their path, size and
/// modification time (with the table's definition), so an `up` that loads
/// nothing does not read hundreds of megabytes again. Any change to a file
/// or to the table makes a new key.
fn validation_key(table: &TableSpec) -> Option<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(env!("CARGO_PKG_VERSION"));
    hasher.update(format!("{table:?}"));
    for spec in &table.seeds {
        let meta = std::fs::metadata(&spec.path).ok()?;
        let modified = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        let path = std::fs::canonicalize(&spec.path).ok()?;
        hasher.update(format!(
            "{}\0{}\0{}",
            path.display(),
            meta.len(),
            modified.as_nanos()
        ));
    }
    Some(
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

fn cache_dir() -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cache")))?;
    Some(base.join("devstack").join("validated-seeds"))
}

fn cached_validation(key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(cache_dir()?.join(key)).ok()?;
    text.trim().parse().ok()
}

/// Best effort: a cache that cannot be written only costs time.
fn remember_validation(key: &str, items: u64) {
    if let Some(dir) = cache_dir()
        && std::fs::create_dir_all(&dir).is_ok()
    {
        let _ = std::fs::write(dir.join(key), items.to_string());
    }
}

/// Problems in the seed files of one or more tables: a manifest-level
/// error, exit code 2.
#[derive(Debug, thiserror::Error)]
pub struct InvalidSeedFiles(pub Vec<seed::InvalidSeeds>);

impl std::fmt::Display for InvalidSeedFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count: usize = self.0.iter().map(seed::InvalidSeeds::count).sum();
        write!(
            f,
            "the seed files have {count} problem{}; nothing was written",
            if count == 1 { "" } else { "s" }
        )?;
        for table in &self.0 {
            write!(f, "\n{table}")?;
        }
        Ok(())
    }
}

/// Reconciles every manifest table, concurrently. Seeds load into tables
/// created now, or into every table with `reseed`. Drift fails the whole
/// run (exit 1) after the other tables are done.
pub async fn reconcile(
    client: &Client,
    manifest: &Manifest,
    seeds: &SeedCounts,
    reseed: bool,
    printer: &Printer,
) -> anyhow::Result<Vec<(String, Outcome)>> {
    let work = manifest.tables.iter().map(|table| async move {
        let task = printer.task(&table.name, "checking");
        let expected = seeds.get(&table.physical).copied().unwrap_or(0);
        let result = reconcile_one(
            client,
            &manifest.project.name,
            table,
            expected,
            reseed,
            &task,
        )
        .await;
        match &result {
            Ok(outcome) => finish(task, outcome),
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
        "schema drift: {} table{} differ{} from the manifest; devstack never drops a table by itself\n{}",
        drifted.len(),
        if drifted.len() == 1 { "" } else { "s" },
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

fn finish(task: Task, outcome: &Outcome) {
    let items = |n: &u64| {
        if *n == 1 {
            "1 item".to_string()
        } else {
            format!("{n} items")
        }
    };
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
    client: &Client,
    project: &str,
    table: &TableSpec,
    expected: u64,
    reseed: bool,
    task: &Task,
) -> anyhow::Result<Outcome> {
    let observed = tables::describe(client, &table.physical).await?;
    let mut changes = match tables::plan(table, observed.as_ref()) {
        TablePlan::Create => {
            task.update("creating");
            if tables::create(client, table).await? {
                let items = seed_table(client, project, table, expected, true, task).await?;
                return Ok(Outcome::Created { items });
            }
            // Someone else created it meanwhile: compare what is there now.
            let observed = tables::describe(client, &table.physical).await?;
            if let TablePlan::Drift(lines) = tables::plan(table, observed.as_ref()) {
                return Ok(Outcome::Drift(lines));
            }
            Vec::new()
        }
        TablePlan::Drift(lines) => return Ok(Outcome::Drift(lines)),
        TablePlan::Unchanged => Vec::new(),
        TablePlan::Update(changes) => {
            for change in &changes {
                task.update(&change.describe());
                tables::apply_change(client, table, change).await?;
            }
            changes.iter().map(tables::Change::describe).collect()
        }
    };
    // A table whose seeding never finished (an earlier run was stopped or
    // failed while loading) gets its seed data now.
    let state = tables::describe(client, &table.physical).await?;
    let unfinished = expected > 0 && !state.as_ref().is_some_and(|s| is_marked(project, s));
    let items = if reseed || unfinished {
        if unfinished && !reseed {
            changes.push("seed data loaded: no earlier run finished loading it".to_string());
        }
        seed_table(client, project, table, expected, false, task).await?
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

/// Where the note "this table got all its seed data" lives. The note names
/// the table by project, name and creation time, so a table deleted and
/// created again is a new table.
fn seeded_marker(project: &str, state: &TableState) -> Option<std::path::PathBuf> {
    use sha2::{Digest, Sha256};
    let created = state.created?;
    let digest = Sha256::digest(format!("{project}\0{}\0{created}", state.name));
    let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Some(cache_dir()?.join("seeded").join(name))
}

fn unmark(project: &str, state: &TableState) {
    if let Some(path) = seeded_marker(project, state) {
        let _ = std::fs::remove_file(path);
    }
}

fn is_marked(project: &str, state: &TableState) -> bool {
    seeded_marker(project, state).is_some_and(|p| p.is_file())
}

/// Best effort: without the note, the next `up` loads the seed data again,
/// which writes the same items.
fn mark_seeded(project: &str, state: &TableState) {
    if let Some(path) = seeded_marker(project, state)
        && let Some(dir) = path.parent()
        && std::fs::create_dir_all(dir).is_ok()
    {
        let _ = std::fs::write(path, "");
    }
}

/// Loads the table's `expected` seed items. Into a table created empty
/// (`fresh`), checks it then holds exactly as many items as were written;
/// otherwise (`--reseed`) at least as many. Notes that the table got all
/// its seed data, and returns its item count.
pub async fn seed_table(
    client: &Client,
    project: &str,
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
    let loader = load::loading_client(client);
    let written = load::load_table(&loader, table, RetryPolicy::default(), |n| {
        task.items(n, expected);
    })
    .await?;
    let state = tables::describe(client, &table.physical)
        .await?
        .ok_or_else(|| anyhow::anyhow!("table `{}` vanished while loading", table.physical))?;
    let counted = match state.item_count {
        Some(count) => count.unsigned_abs(),
        None => load::count_items(client, &table.physical).await?,
    };
    anyhow::ensure!(
        counted == written || (!fresh && counted > written),
        "table `{}` holds {counted} items after loading {written} seed items",
        table.physical
    );
    mark_seeded(project, &state);
    task.update(&format!(
        "loaded {written} items in {:.1}s",
        started.elapsed().as_secs_f64()
    ));
    Ok(counted)
}

/// Deletes and recreates the tables, then loads their seeds unless `seed`
/// is false. Touches no container and no other table.
pub async fn reset(
    client: &Client,
    project: &str,
    tables: &[&TableSpec],
    seeds: Option<&SeedCounts>,
    printer: &Printer,
) -> anyhow::Result<Vec<(String, u64)>> {
    let work = tables.iter().map(|table| async move {
        let task = printer.task(&table.name, "deleting");
        let result = async {
            // The new table may get the same creation time (some emulators
            // count whole seconds): forget the old one's note first.
            if let Some(old) = tables::describe(client, &table.physical).await? {
                unmark(project, &old);
            }
            tables::delete(client, &table.physical).await?;
            task.update("creating");
            anyhow::ensure!(
                tables::create(client, table).await?,
                "table `{}` was created by someone else while resetting it",
                table.physical
            );
            match seeds {
                Some(counts) => {
                    let expected = counts.get(&table.physical).copied().unwrap_or(0);
                    seed_table(client, project, table, expected, true, &task).await
                }
                None => {
                    // Empty on purpose: the next `up` must not fill it.
                    if let Some(state) = tables::describe(client, &table.physical).await? {
                        mark_seeded(project, &state);
                    }
                    Ok(0)
                }
            }
        }
        .await;
        match &result {
            Ok(n) => task.finish(&format!("reset, {n} items")),
            Err(_) => task.fail("failed"),
        }
        result.map(|n| (table.name.clone(), n))
    });
    futures_util::future::try_join_all(work).await
}
