//! Where devstack keeps things on this machine: the base folders (from the
//! XDG variables, or under `HOME`), and for each project the places that
//! are its own. One type, [`ProjectDirs`], names every one of them, so a
//! project that goes for good (a `run`'s) is forgotten in one call.

use std::path::{Path, PathBuf};

use crate::cache::Cache;
use crate::runs::RunRecord;

/// The folders devstack keeps things in: the cache (notes that only save
/// time), the state (the embedded engine's process files and log, the
/// notes of `run`s), the data (the embedded engine's database with
/// `persist = true`) and the runtime folder (the projects' locks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseDirs {
    /// `$XDG_CACHE_HOME/devstack`, else `~/.cache/devstack`.
    pub cache: Cache,
    /// `$XDG_STATE_HOME/devstack`, else `~/.local/state/devstack`.
    pub state: Option<PathBuf>,
    /// `$XDG_DATA_HOME/devstack`, else `~/.local/share/devstack`.
    pub data: Option<PathBuf>,
    /// `$XDG_RUNTIME_DIR` when it is a folder, else the system's temporary one.
    pub runtime: PathBuf,
}

impl BaseDirs {
    pub fn from_env() -> BaseDirs {
        BaseDirs {
            cache: xdg("XDG_CACHE_HOME", ".cache").map_or_else(Cache::none, Cache::at),
            state: xdg("XDG_STATE_HOME", ".local/state"),
            data: xdg("XDG_DATA_HOME", ".local/share"),
            runtime: std::env::var_os("XDG_RUNTIME_DIR")
                .map(PathBuf::from)
                .filter(|d| d.is_dir())
                .unwrap_or_else(std::env::temp_dir),
        }
    }

    /// The places of one project.
    pub fn project(&self, name: &str) -> ProjectDirs {
        let under = |base: &Option<PathBuf>| base.as_ref().map(|b| b.join("projects").join(name));
        ProjectDirs {
            name: name.to_string(),
            state: under(&self.state),
            data: under(&self.data),
            lock: self.runtime.join(format!("devstack-{name}.lock")),
            run_note: self.runs().map(|dir| dir.join(format!("{name}.json"))),
        }
    }

    /// Every project with a folder in the state folder (its embedded engine
    /// ran here), by name.
    pub fn projects_with_state(&self) -> Vec<ProjectDirs> {
        let Some(state) = &self.state else {
            return Vec::new();
        };
        let mut names: Vec<String> = std::fs::read_dir(state.join("projects"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| entry.file_name().into_string().ok())
            .collect();
        names.sort();
        names.iter().map(|name| self.project(name)).collect()
    }

    fn runs(&self) -> Option<PathBuf> {
        Some(self.state.as_ref()?.join("runs"))
    }

    /// Every run noted on this machine, by project.
    pub fn runs_noted(&self) -> Vec<RunRecord> {
        let Some(dir) = self.runs() else {
            return Vec::new();
        };
        let mut runs: Vec<RunRecord> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
            .filter_map(|text| serde_json::from_str(&text).ok())
            .collect();
        runs.sort_by(|a, b| a.project.cmp(&b.project));
        runs
    }
}

/// Everything devstack keeps on this machine for one project: its folders
/// in the state and data folders (the embedded engine's), its lock, and the
/// note of the `run` that owns it. (Whether its tables got their seed data
/// is noted on the engine, with the tables.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectDirs {
    pub name: String,
    /// `<state>/projects/<name>`; `None` without `HOME`.
    pub state: Option<PathBuf>,
    /// `<data>/projects/<name>`; `None` without `HOME`.
    pub data: Option<PathBuf>,
    /// The lock two commands on the project take turns with.
    pub lock: PathBuf,
    run_note: Option<PathBuf>,
}

impl ProjectDirs {
    /// Notes that a `run` owns the project, before it makes anything.
    pub fn note_run(&self, run: &RunRecord) -> std::io::Result<()> {
        let Some(path) = &self.run_note else {
            return Err(std::io::Error::other("no state folder (set HOME)"));
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_string(run).unwrap_or_default())
    }

    /// Forgets that a `run` owns the project (a kept run, taken down).
    pub fn forget_run(&self) {
        if let Some(path) = &self.run_note {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Forgets the project altogether, once its services are gone: its
    /// folders (the embedded engine's lock, record, log and database), its
    /// lock and its run note. For a stack that is gone for good (a `run`'s).
    pub fn forget(&self) {
        for dir in [&self.state, &self.data].into_iter().flatten() {
            let _ = std::fs::remove_dir_all(dir);
        }
        let _ = std::fs::remove_file(&self.lock);
        self.forget_run();
    }
}

/// `$VARIABLE/devstack` when the variable is an absolute path, else
/// `$HOME/<under_home>/devstack`.
pub fn xdg(variable: &str, under_home: &str) -> Option<PathBuf> {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(under_home)))
        .map(|base| base.join("devstack"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(root: &Path) -> BaseDirs {
        BaseDirs {
            cache: Cache::at(root.join("cache")),
            state: Some(root.join("state")),
            data: Some(root.join("data")),
            runtime: root.join("runtime"),
        }
    }

    #[test]
    fn runs_are_noted_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let base = base(dir.path());
        let run = RunRecord {
            project: "demo-run-1".into(),
            engine: "embedded".into(),
            owner: "1:2".into(),
            kept: false,
        };
        let project = base.project("demo-run-1");
        project.note_run(&run).unwrap();
        assert_eq!(base.runs_noted(), [run]);
        project.forget_run();
        assert!(base.runs_noted().is_empty());
    }

    #[test]
    fn forgetting_a_project_leaves_nothing_of_it_and_nothing_of_others() {
        let dir = tempfile::tempdir().unwrap();
        let base = base(dir.path());
        std::fs::create_dir_all(&base.runtime).unwrap();
        let touch = |project: &ProjectDirs| {
            for folder in [&project.state, &project.data].into_iter().flatten() {
                std::fs::create_dir_all(folder).unwrap();
                std::fs::write(folder.join("file"), "x").unwrap();
            }
            std::fs::write(&project.lock, "").unwrap();
            project
                .note_run(&RunRecord {
                    project: project.name.clone(),
                    engine: "embedded".into(),
                    owner: "1:2".into(),
                    kept: false,
                })
                .unwrap();
        };
        let gone = base.project("gone");
        let kept = base.project("kept");
        touch(&gone);
        touch(&kept);
        assert_eq!(base.projects_with_state().len(), 2);
        gone.forget();
        assert!(!gone.state.as_ref().unwrap().exists());
        assert!(!gone.data.as_ref().unwrap().exists());
        assert!(!gone.lock.exists());
        assert_eq!(base.projects_with_state(), std::slice::from_ref(&kept));
        assert_eq!(base.runs_noted().len(), 1);
        assert!(kept.lock.exists());
    }
}
