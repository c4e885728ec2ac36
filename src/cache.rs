//! What devstack remembers between runs under the user's cache folder
//! (`$XDG_CACHE_HOME/devstack`, else `~/.cache/devstack`): which seed files
//! passed validation. Best effort: a note that cannot be read or written
//! only costs time (the files are read again), never correctness. Whether a
//! table got its seed data is not kept here but on the engine, with the
//! table (`dynamo::notes`). The functions take plain values; deciding what
//! to remember is the callers' business.

use std::path::{Path, PathBuf};

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
    fn without_a_folder_nothing_is_remembered() {
        let cache = Cache::none();
        cache.remember_validated("k", 1);
        assert_eq!(cache.validated_items("k"), None);
    }
}
