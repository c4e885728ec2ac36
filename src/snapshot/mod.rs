//! Snapshots: a project's tables saved in the layout of a DynamoDB export
//! to S3, so a snapshot is readable by other tools and a real export is
//! readable by devstack.
//!
//! `layout` holds the two manifest files' types, `read` reads an export
//! folder back as a table's items (following its manifests, checking every
//! data file's MD5 and item count), and `ion` reads the Amazon Ion text of
//! exports made with `outputFormat` `ION`. `write` writes a table's items
//! in that layout, `save` reads them from an endpoint to write them,
//! `schema` keeps a table's schema beside its items, and `store` is the
//! snapshot folders on disk.

pub mod ion;
pub mod layout;
pub mod read;
pub mod save;
pub mod schema;
pub mod store;
#[cfg(test)]
pub(crate) mod testing;
pub mod write;

use std::path::Path;

use crate::error::UsageError;
use crate::manifest::{Manifest, SeedFormat, SeedSpec};
use store::Snapshot;

/// Makes a snapshot's items the seed data of the manifest's tables it
/// holds (of the tables in `names` only, when given): each such table's
/// seeds become its export in the snapshot, checked and loaded as any seed
/// is. Returns the physical names of the tables it changed. Refuses a
/// snapshot table the manifest does not have, a named table the snapshot
/// does not have, and a key schema that differs from the manifest's.
/// `shown` is how messages name the snapshot.
pub fn seed_from(
    snapshot: &Snapshot,
    manifest: &mut Manifest,
    names: &[String],
    shown: &str,
) -> anyhow::Result<Vec<String>> {
    let saved = snapshot.tables()?;
    let listed = || {
        saved
            .iter()
            .map(|t| format!("`{}`", t.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Which manifest table each saved table goes to.
    let mut pairs: Vec<(String, &store::TableData)> = Vec::new();
    if names.is_empty() {
        for data in &saved {
            let Some(table) = manifest.table(&data.name) else {
                return Err(UsageError(format!(
                    "snapshot `{shown}` holds table `{}`, which the manifest does not have\n  hint: load it into a table of the manifest by name: `devstack snapshot load {shown} TABLE`",
                    data.name
                ))
                .into());
            };
            pairs.push((table.physical.clone(), data));
        }
    } else {
        for name in names {
            let Some(table) = manifest.table(name) else {
                return Err(UsageError(format!("the manifest has no table `{name}`")).into());
            };
            let data = saved
                .iter()
                .find(|d| d.name == table.name || d.name == table.physical)
                // A real export of one table, loaded into the one table named.
                .or_else(|| {
                    (snapshot.info.is_none() && names.len() == 1)
                        .then(|| saved.first())
                        .flatten()
                });
            let Some(data) = data else {
                return Err(UsageError(format!(
                    "snapshot `{shown}` has no table `{name}`; it has {}",
                    listed()
                ))
                .into());
            };
            pairs.push((table.physical.clone(), data));
        }
    }
    let mut changed = Vec::new();
    for (physical, data) in pairs {
        let Some(table) = manifest.tables.iter_mut().find(|t| t.physical == physical) else {
            continue;
        };
        if let Some(schema_file) = &data.schema {
            let shown_file = shown_in(shown, snapshot, schema_file);
            let keys = schema::keys(schema_file, &shown_file)?;
            if let Some(difference) = schema::key_difference(&keys, table) {
                return Err(UsageError(format!(
                    "snapshot `{shown}` cannot load into table `{}`: its {difference}",
                    table.name
                ))
                .into());
            }
        }
        table.seeds = vec![SeedSpec {
            path: data.dir.clone(),
            shown: shown_in(shown, snapshot, &data.dir),
            format: SeedFormat::DynamodbExport,
            sets: Vec::new(),
            binary: Vec::new(),
            csv: None,
        }];
        changed.push(physical);
    }
    Ok(changed)
}

/// A table's folder as messages show it: under the snapshot's name.
fn shown_in(shown: &str, snapshot: &Snapshot, dir: &Path) -> String {
    match dir.strip_prefix(&snapshot.dir) {
        Ok(rest) if !rest.as_os_str().is_empty() => format!("{shown}/{}", rest.display()),
        _ => shown.to_string(),
    }
}
