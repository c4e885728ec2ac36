//! Every seed file of every table, checked before anything is written, and
//! what passed remembered, so an `up` that loads nothing does not read
//! hundreds of megabytes again.

use std::collections::BTreeMap;
use std::fmt;

use sha2::{Digest, Sha256};

use super::{InvalidSeeds, validate_table};
use crate::cache::Cache;
use crate::manifest::{SeedFormat, TableSpec};
use crate::output::plural;

/// Bumped whenever a rule of `validate_table` changes, so that files that
/// passed under the old rules are read again.
const RULES_VERSION: u32 = 1;

/// How many seed items each table (by physical name) has.
pub type SeedCounts = BTreeMap<String, u64>;

/// Problems in the seed files of one or more tables: a manifest-level
/// error, exit code 2. It says that nothing was written, for the commands
/// that were about to write (`up`, `reset`, `run`); a command that only
/// checks says what it found ([`InvalidSeedFiles::found_by_a_check`]).
#[derive(Debug, thiserror::Error)]
pub struct InvalidSeedFiles(pub Vec<InvalidSeeds>, StoppedWriting, Option<String>);

/// Whether the problems stopped a command that was about to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoppedWriting(bool);

impl InvalidSeedFiles {
    /// The same problems, found by a command that never writes
    /// (`validate`, `doctor`).
    pub fn found_by_a_check(self) -> InvalidSeedFiles {
        InvalidSeedFiles(self.0, StoppedWriting(false), self.2)
    }

    /// The same problems, in the data of the snapshot `shown` that a
    /// command was about to load.
    pub fn in_snapshot(self, shown: &str) -> InvalidSeedFiles {
        InvalidSeedFiles(self.0, self.1, Some(shown.to_string()))
    }
}

impl fmt::Display for InvalidSeedFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count: usize = self.0.iter().map(InvalidSeeds::count).sum();
        match &self.2 {
            Some(snapshot) => {
                write!(f, "snapshot `{snapshot}` has {}", plural(count, "problem"))?;
                if self.1.0 {
                    write!(f, "; no table was touched")?;
                }
            }
            None => {
                write!(f, "the seed files have {}", plural(count, "problem"))?;
                if self.1.0 {
                    write!(f, "; nothing was written")?;
                }
            }
        }
        for table in &self.0 {
            write!(f, "\n{table}")?;
        }
        Ok(())
    }
}

/// Checks every seed file of every table (files that passed before and did
/// not change since are taken from `cache`); returns each table's item
/// count, or every problem of every table.
pub fn validate_tables<'a>(
    tables: impl IntoIterator<Item = &'a TableSpec>,
    cache: &Cache,
) -> Result<SeedCounts, InvalidSeedFiles> {
    let mut invalid = Vec::new();
    let mut counts = SeedCounts::new();
    for table in tables {
        if table.seeds.is_empty() {
            continue;
        }
        let key = validation_key(table);
        if let Some(items) = key.as_deref().and_then(|k| cache.validated_items(k)) {
            counts.insert(table.physical.clone(), items);
            continue;
        }
        match validate_table(table) {
            Ok(summary) => {
                if let Some(key) = &key {
                    cache.remember_validated(key, summary.items);
                }
                counts.insert(table.physical.clone(), summary.items);
            }
            Err(err) => invalid.push(err),
        }
    }
    if invalid.is_empty() {
        Ok(counts)
    } else {
        Err(InvalidSeedFiles(invalid, StoppedWriting(true), None))
    }
}

/// What makes a validation result reusable: the rules (their version, the
/// package version, and this executable by size and modification time, so
/// a rebuilt binary with other rules never trusts an old result), the
/// table's definition, and each seed file by path, size and modification
/// time (for an export folder, each file its manifests name). Any change
/// makes a new key; `None` when a file cannot be looked at.
fn validation_key(table: &TableSpec) -> Option<String> {
    key_for(&rules_identity(), table)
}

/// The rules a result is reached under: their version, the package version
/// and this executable.
fn rules_identity() -> String {
    format!(
        "rules {RULES_VERSION}\0{}\0{}",
        env!("CARGO_PKG_VERSION"),
        executable_identity().unwrap_or_default()
    )
}

fn key_for(rules: &str, table: &TableSpec) -> Option<String> {
    let mut hasher = Sha256::new();
    hasher.update(rules);
    hasher.update(format!("{table:?}"));
    for spec in &table.seeds {
        // An export folder's own time says nothing of its files: each file
        // its manifests name counts, the manifests included.
        let files = match spec.format {
            SeedFormat::DynamodbExport => crate::snapshot::read::files_of(&spec.path)?,
            _ => vec![spec.path.clone()],
        };
        for file in files {
            let meta = std::fs::metadata(&file).ok()?;
            let path = std::fs::canonicalize(&file).ok()?;
            hasher.update(format!(
                "{}\0{}\0{}",
                path.display(),
                meta.len(),
                modified_nanos(&meta)?
            ));
        }
    }
    Some(format!("{:x}", hasher.finalize()))
}

/// This executable's size and modification time: cheap, and different for
/// every build.
fn executable_identity() -> Option<String> {
    let meta = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
    Some(format!("{}\0{}", meta.len(), modified_nanos(&meta)?))
}

fn modified_nanos(meta: &std::fs::Metadata) -> Option<u128> {
    let modified = meta.modified().ok()?;
    Some(
        modified
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Manifest;

    fn manifest(dir: &std::path::Path, lines: &str) -> Manifest {
        std::fs::write(dir.join("orders.jsonl"), lines).unwrap();
        let path = dir.join("devstack.toml");
        std::fs::write(
            &path,
            "[project]\nname = \"demo\"\nengine = \"ministack\"\n\
             [[table]]\nname = \"orders\"\npartition_key = \"pk:S\"\nseed = [\"orders.jsonl\"]\n",
        )
        .unwrap();
        Manifest::load(&path, None).unwrap()
    }

    #[test]
    fn a_result_is_reused_until_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("cache"));
        let m = manifest(dir.path(), "{\"pk\": \"a\"}\n{\"pk\": \"b\"}\n");
        let counts = validate_tables(&m.tables, &cache).unwrap();
        assert_eq!(counts["orders"], 2);
        let key = validation_key(&m.tables[0]).unwrap();
        assert_eq!(cache.validated_items(&key), Some(2));

        // A changed file (another size) makes a new key, and is read again.
        let m = manifest(
            dir.path(),
            "{\"pk\": \"a\"}\n{\"total\": 1}\n{\"pk\": \"c\"}\n",
        );
        assert_ne!(validation_key(&m.tables[0]).unwrap(), key);
        let err = validate_tables(&m.tables, &cache).unwrap_err();
        assert_eq!(err.0[0].count(), 1, "{err}");
    }

    #[test]
    fn the_key_names_the_rules_and_this_executable() {
        let dir = tempfile::tempdir().unwrap();
        let m = manifest(dir.path(), "{\"pk\": \"a\"}\n");
        let table = &m.tables[0];
        let exe = executable_identity().unwrap();
        let rules = rules_identity();
        assert!(
            rules.starts_with(&format!("rules {RULES_VERSION}\0")),
            "{rules:?}"
        );
        assert!(rules.ends_with(&format!("\0{exe}")), "{rules:?}");
        // The same inputs give the same key; the key is a SHA-256 in hex.
        let key = validation_key(table).unwrap();
        assert_eq!(validation_key(table).unwrap(), key);
        assert_eq!(key_for(&rules, table).unwrap(), key);
        assert_eq!(key.len(), 64);
        // Another build of devstack, or other rules: another key.
        assert_ne!(
            key_for(&rules.replace(&exe, "1\u{0}1"), table).unwrap(),
            key
        );
        let other_rules = rules.replacen(&RULES_VERSION.to_string(), "0", 1);
        assert_ne!(key_for(&other_rules, table).unwrap(), key);
    }
}
