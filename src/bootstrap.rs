//! Bringing the manifest's tables to the endpoint: created, updated,
//! unchanged or reported as drift, and seeded when devstack created them.

use std::time::Instant;

use aws_sdk_dynamodb::Client;

use crate::load::{self, RetryPolicy};
use crate::manifest::{Manifest, TableSpec};
use crate::output::{Printer, Task};
use crate::seed;
use crate::tables::{self, TablePlan};

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
        let result = reconcile_one(client, table, expected, reseed, &task).await;
        match &result {
            Ok(outcome) => finish(task, outcome),
            Err(_) => task.fail("failed"),
        }
        result.map(|outcome| (table.name.clone(), outcome))
    });
    let outcomes = futures_util::future::try_join_all(work).await?;
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
    table: &TableSpec,
    expected: u64,
    reseed: bool,
    task: &Task,
) -> anyhow::Result<Outcome> {
    let observed = tables::describe(client, &table.physical).await?;
    let outcome = match tables::plan(table, observed.as_ref()) {
        TablePlan::Create => {
            task.update("creating");
            if tables::create(client, table).await? {
                let items = seed_table(client, table, expected, true, task).await?;
                return Ok(Outcome::Created { items });
            }
            // Someone else created it meanwhile: compare what is there now.
            let observed = tables::describe(client, &table.physical).await?;
            return match tables::plan(table, observed.as_ref()) {
                TablePlan::Drift(lines) => Ok(Outcome::Drift(lines)),
                _ => Ok(Outcome::Unchanged {
                    items: item_count(client, &table.physical).await?,
                }),
            };
        }
        TablePlan::Drift(lines) => return Ok(Outcome::Drift(lines)),
        TablePlan::Unchanged => Outcome::Unchanged { items: 0 },
        TablePlan::Update(changes) => {
            for change in &changes {
                task.update(&change.describe());
                tables::apply_change(client, table, change).await?;
            }
            Outcome::Updated {
                changes: changes.iter().map(tables::Change::describe).collect(),
                items: 0,
            }
        }
    };
    let items = if reseed {
        seed_table(client, table, expected, false, task).await?
    } else {
        observed
            .and_then(|o| o.item_count)
            .map_or(0, |n| n.unsigned_abs())
    };
    Ok(match outcome {
        Outcome::Updated { changes, .. } => Outcome::Updated { changes, items },
        _ => Outcome::Unchanged { items },
    })
}

/// Loads the table's `expected` seed items. Into a table created empty
/// (`fresh`), checks it then holds exactly as many items as were written;
/// otherwise (`--reseed`) at least as many. Returns the item count.
pub async fn seed_table(
    client: &Client,
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
    let written = load::load_table(client, table, RetryPolicy::default(), |n| {
        task.items(n, expected);
    })
    .await?;
    let counted = item_count(client, &table.physical).await?;
    anyhow::ensure!(
        counted == written || (!fresh && counted > written),
        "table `{}` holds {counted} items after loading {written} seed items",
        table.physical
    );
    task.update(&format!(
        "loaded {written} items in {:.1}s",
        started.elapsed().as_secs_f64()
    ));
    Ok(counted)
}

/// The table's item count as the endpoint reports it; both emulators keep it
/// exact, unlike DynamoDB in the cloud. Counted with a scan if missing.
async fn item_count(client: &Client, table: &str) -> anyhow::Result<u64> {
    match tables::describe(client, table)
        .await?
        .and_then(|t| t.item_count)
    {
        Some(count) => Ok(count.unsigned_abs()),
        None => load::count_items(client, table).await,
    }
}

/// Deletes and recreates the tables, then loads their seeds unless `seed`
/// is false. Touches no container and no other table.
pub async fn reset(
    client: &Client,
    tables: &[&TableSpec],
    seeds: Option<&SeedCounts>,
    printer: &Printer,
) -> anyhow::Result<Vec<(String, u64)>> {
    let work = tables.iter().map(|table| async move {
        let task = printer.task(&table.name, "deleting");
        let result = async {
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
                    seed_table(client, table, expected, true, &task).await
                }
                None => Ok(0),
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
