//! Snapshots on disk: a folder per snapshot, kept per project (or anywhere,
//! given a path), holding devstack's own note and one folder per table:
//!
//! ```text
//! <snapshot>/devstack-snapshot.json                  engine, devstack version, manifest hash, time, tables
//! <snapshot>/<table>/table.json                      the table's schema, as `describe-table` prints it
//! <snapshot>/<table>/AWSDynamoDB/<ExportId>/...      the items, as a DynamoDB export to S3 lays them out
//! ```
//!
//! A folder that holds only `AWSDynamoDB/` (a real export, copied down from
//! S3) is a snapshot of one table too.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::layout::{EXPORTS_DIR, looks_like_export};
use super::read;
use crate::error::UsageError;

/// devstack's note in a snapshot's folder.
pub const INFO_FILE: &str = "devstack-snapshot.json";
/// A table's schema in its folder.
pub const SCHEMA_FILE: &str = "table.json";

/// What `snapshot save` notes beside the tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Info {
    /// The devstack version that saved it.
    pub devstack: String,
    pub project: String,
    /// The engine the items were read from: `embedded`, `dynamodb-local`,
    /// `ministack`, or `endpoint` for one devstack did not start.
    pub engine: String,
    /// SHA-256 of the manifest file's text when it was saved.
    pub manifest_sha256: String,
    /// When the save started (RFC 3339).
    pub saved_at: String,
    pub tables: Vec<SavedTable>,
}

/// One table of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedTable {
    /// The table's manifest name; its folder has this name.
    pub name: String,
    /// Its name on the endpoint it was saved from.
    pub physical: String,
    pub items: u64,
}

/// A snapshot found on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub dir: PathBuf,
    /// devstack's note; `None` for a real export.
    pub info: Option<Info>,
}

/// One table's items in a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct TableData {
    /// The table's name: its manifest name in a devstack snapshot, the
    /// exported table's name in a real export.
    pub name: String,
    /// The folder holding `AWSDynamoDB/`.
    pub dir: PathBuf,
    /// The schema file, when the snapshot has one.
    pub schema: Option<PathBuf>,
}

/// A snapshot name: letters, digits, `.`, `_` and `-`, not starting with `.`.
pub fn check_name(name: &str) -> Result<(), UsageError> {
    let good = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if good {
        return Ok(());
    }
    Err(UsageError(format!(
        "`{name}` is not a snapshot name: use letters, digits, `.`, `_` and `-`, not starting with `.`"
    )))
}

/// Whether `arg` names a folder rather than a snapshot of the project.
pub fn is_path(arg: &str) -> bool {
    arg.contains('/') || arg == "." || arg == ".."
}

impl Snapshot {
    /// Opens the snapshot at `dir`: a folder `snapshot save` wrote, or a
    /// real export (a folder holding `AWSDynamoDB/`, or one export's own
    /// folder).
    pub fn open(dir: &Path, shown: &str) -> anyhow::Result<Snapshot> {
        if !dir.is_dir() {
            return Err(UsageError(format!("no snapshot at `{shown}`: it is not a folder")).into());
        }
        let info_path = dir.join(INFO_FILE);
        if info_path.is_file() {
            let text = std::fs::read_to_string(&info_path)?;
            let info: Info = serde_json::from_str(&text).map_err(|err| {
                UsageError(format!(
                    "{shown}/{INFO_FILE}:{}: not a devstack snapshot note: {err}",
                    err.line()
                ))
            })?;
            return Ok(Snapshot {
                dir: dir.to_path_buf(),
                info: Some(info),
            });
        }
        if looks_like_export(dir) {
            return Ok(Snapshot {
                dir: dir.to_path_buf(),
                info: None,
            });
        }
        Err(UsageError(format!(
            "no snapshot at `{shown}`: it has neither `{INFO_FILE}` (a snapshot devstack saved) nor `{EXPORTS_DIR}/` (a DynamoDB export)"
        ))
        .into())
    }

    /// The tables it holds.
    pub fn tables(&self) -> anyhow::Result<Vec<TableData>> {
        if let Some(info) = &self.info {
            return Ok(info
                .tables
                .iter()
                .map(|t| TableData {
                    name: t.name.clone(),
                    dir: self.dir.join(&t.name),
                    schema: Some(self.dir.join(&t.name).join(SCHEMA_FILE)),
                })
                .collect());
        }
        // A real export: one table, named in its (first) summary.
        let exports = read::exports_in(&self.dir).map_err(|p| UsageError(p.to_string()))?;
        let name = exports
            .first()
            .map(|e| e.summary.table_name().to_string())
            .unwrap_or_default();
        Ok(vec![TableData {
            name,
            dir: self.dir.clone(),
            schema: None,
        }])
    }

    /// The items it holds, from devstack's note or the exports' summaries.
    pub fn items(&self) -> Option<u64> {
        match &self.info {
            Some(info) => Some(info.tables.iter().map(|t| t.items).sum()),
            None => read::exports_in(&self.dir)
                .ok()?
                .first()
                .map(|e| e.summary.item_count),
        }
    }

    /// Refuses a folder that is not a snapshot devstack saved (a real
    /// export, anything else), before `save --force` or `rm` removes it.
    pub fn own(dir: &Path, shown: &str) -> anyhow::Result<Snapshot> {
        match Snapshot::open(dir, shown) {
            Ok(snapshot) if snapshot.info.is_some() => Ok(snapshot),
            Ok(_) => Err(UsageError(format!(
                "`{}` is a DynamoDB export, not a snapshot devstack saved: devstack removes only its own snapshots",
                dir.display()
            ))
            .into()),
            Err(err) => Err(err),
        }
    }
}

/// The folder a snapshot is written in before it takes its name (`kind`
/// `partial`), or the one it replaces waits in (`old`): hidden, and named
/// with this process's id.
pub fn partial_name(name: &str, kind: &str) -> String {
    format!(".{name}.{kind}-{}", std::process::id())
}

/// Tidies the folders that saves which no longer run (killed before they
/// could) left beside the snapshots in `dir`: a snapshot half-written is
/// removed; one that was being replaced is put back when no new one took
/// its place, and removed when one did.
pub fn remove_abandoned(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some((snapshot, kind, pid)) = file_name.to_str().and_then(aside_parts) else {
            continue;
        };
        let alive = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None)
            != Err(nix::errno::Errno::ESRCH);
        if alive {
            continue;
        }
        let target = dir.join(snapshot);
        if kind == "old" && !target.exists() {
            let _ = std::fs::rename(entry.path(), target);
        } else {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// `.NAME.KIND-PID` as (NAME, KIND, PID), for the two kinds `partial_name` makes.
fn aside_parts(file_name: &str) -> Option<(&str, &str, i32)> {
    let (head, pid) = file_name.strip_prefix('.')?.rsplit_once('-')?;
    let (name, kind) = head.rsplit_once('.')?;
    let pid = pid.parse().ok()?;
    matches!(kind, "partial" | "old").then_some((name, kind, pid))
}

/// A folder's size in bytes, everything under it counted.
pub fn size_of(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => size_of(&entry.path()),
            Ok(_) => entry.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}

/// The snapshots kept in `dir` (a project's snapshot folder), by name;
/// folders being written (`.NAME.partial-…`) are left out.
pub fn list(dir: &Path) -> Vec<(String, Snapshot)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(String, Snapshot)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_string();
            if name.starts_with('.') {
                return None;
            }
            let snapshot = Snapshot::open(&entry.path(), &name).ok()?;
            Some((name, snapshot))
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_words_and_paths_have_a_slash() {
        for good in ["bug-123", "demo.v2", "after_migration"] {
            assert!(check_name(good).is_ok(), "{good}");
            assert!(!is_path(good));
        }
        for bad in ["", ".hidden", "a b", "ä"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(is_path("./exports/orders"));
        assert!(is_path("/tmp/snap"));
    }

    #[test]
    fn folders_set_aside_by_a_save_are_told_by_name() {
        assert_eq!(
            aside_parts(".bug-1.partial-42"),
            Some(("bug-1", "partial", 42))
        );
        assert_eq!(aside_parts(".demo.v2.old-7"), Some(("demo.v2", "old", 7)));
        for other in [
            "bug-1",
            ".bug-1.other-42",
            ".bug-1.partial-x",
            ".partial-42",
        ] {
            assert_eq!(aside_parts(other), None, "{other}");
        }
    }

    #[test]
    fn a_folder_that_is_neither_is_refused_by_name() -> anyhow::Result<()> {
        let folder = tempfile::tempdir()?;
        let err = Snapshot::open(folder.path(), "snaps/x")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "no snapshot at `snaps/x`: it has neither `devstack-snapshot.json` (a snapshot devstack saved) nor `AWSDynamoDB/` (a DynamoDB export)"
            )
        );
        Ok(())
    }
}
