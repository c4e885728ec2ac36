//! What devstack remembers between runs under the user's cache folder
//! (`$XDG_CACHE_HOME/devstack`, else `~/.cache/devstack`): which seed files
//! passed validation, and which tables got all their seed data. Both notes are best effort: one that
//! cannot be read or written only costs time (files are read again, seed
//! data is loaded again), never correctness. The functions take plain
//! values; deciding what to remember is the callers' business.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The cache folder, or none (no `HOME`): then nothing is remembered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    dir: Option<PathBuf>,
}

impl Cache {
    /// A cache in `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Cache {
        Cache {
            dir: Some(dir.into()),
        }
    }

    /// A cache that remembers nothing.
    pub fn none() -> Cache {
        Cache { dir: None }
    }

    /// The folder, if there is one.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn validated_path(&self, key: &str) -> Option<PathBuf> {
        Some(self.dir.as_ref()?.join("validated-seeds").join(key))
    }

    /// The item count remembered for seed files that passed validation
    /// under `key`.
    pub fn validated_items(&self, key: &str) -> Option<u64> {
        let text = std::fs::read_to_string(self.validated_path(key)?).ok()?;
        text.trim().parse().ok()
    }

    /// Remembers that the seed files under `key` passed, with their count.
    pub fn remember_validated(&self, key: &str, items: u64) {
        if let Some(path) = self.validated_path(key) {
            write(&path, &items.to_string());
        }
    }

    /// Where the note "this table got all its seed data" lives. The note
    /// names the table by project, name and creation time (milliseconds
    /// since the epoch), so a table deleted and created again is a new table.
    fn seeded_path(&self, project: &str, table: &str, created: i64) -> Option<PathBuf> {
        let digest = Sha256::digest(format!("{project}\0{table}\0{created}"));
        Some(self.project_dir(project)?.join(format!("{digest:x}")))
    }

    /// The seeded notes of one project live together, so a project that
    /// goes (a `run`'s) takes its notes with it.
    fn project_dir(&self, project: &str) -> Option<PathBuf> {
        Some(self.dir.as_ref()?.join("seeded").join(project))
    }

    /// Forgets everything noted about a project.
    pub fn forget_project(&self, project: &str) {
        if let Some(dir) = self.project_dir(project) {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    /// Whether the table created at `created` got all its seed data.
    pub fn is_seeded(&self, project: &str, table: &str, created: i64) -> bool {
        self.seeded_path(project, table, created)
            .is_some_and(|path| path.is_file())
    }

    /// Notes that the table got all its seed data (or is empty on purpose).
    pub fn mark_seeded(&self, project: &str, table: &str, created: i64) {
        if let Some(path) = self.seeded_path(project, table, created) {
            write(&path, "");
        }
    }

    /// Forgets the note of a table that is about to be replaced.
    pub fn unmark_seeded(&self, project: &str, table: &str, created: i64) {
        if let Some(path) = self.seeded_path(project, table, created) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Best effort: a note that cannot be written is only a lost shortcut.
fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent()
        && std::fs::create_dir_all(dir).is_ok()
    {
        let _ = std::fs::write(path, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validated_counts_are_remembered_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path());
        assert_eq!(cache.validated_items("k1"), None);
        cache.remember_validated("k1", 350);
        assert_eq!(cache.validated_items("k1"), Some(350));
        assert_eq!(cache.validated_items("k2"), None);
    }

    #[test]
    fn a_seeded_note_names_project_table_and_creation_time() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path());
        cache.mark_seeded("p", "t", 1);
        assert!(cache.is_seeded("p", "t", 1));
        assert!(
            !cache.is_seeded("p", "t", 2),
            "a new table of the same name"
        );
        assert!(!cache.is_seeded("q", "t", 1), "another project");
        cache.unmark_seeded("p", "t", 1);
        assert!(!cache.is_seeded("p", "t", 1));
    }

    #[test]
    fn without_a_folder_nothing_is_remembered() {
        let cache = Cache::none();
        cache.remember_validated("k", 1);
        cache.mark_seeded("p", "t", 1);
        assert_eq!(cache.validated_items("k"), None);
        assert!(!cache.is_seeded("p", "t", 1));
    }
}
