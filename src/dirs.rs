//! Where devstack keeps things on this machine: the base folders (from the
//! XDG variables, or under `HOME`), and for each project the places that
//! are its own. One type, [`ProjectDirs`], names every one of them, so a
//! project that goes for good (a `run`'s) is forgotten in one call.

use std::path::{Path, PathBuf};

use crate::cache::Cache;
use crate::origin::Origin;
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
    /// `$XDG_RUNTIME_DIR` when it is a folder, else `devstack-UID` in the
    /// system's temporary folder.
    pub runtime: PathBuf,
    /// Whether `runtime` is in the system's temporary folder, where anyone
    /// may have made it first: it is then made private, and refused when
    /// it is not, before a lock is taken in it ([`private_dir`]).
    pub runtime_in_temp: bool,
}

impl BaseDirs {
    pub fn from_env() -> BaseDirs {
        let given = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|d| d.is_dir());
        BaseDirs {
            cache: xdg("XDG_CACHE_HOME", ".cache").map_or_else(Cache::none, Cache::at),
            state: xdg("XDG_STATE_HOME", ".local/state"),
            data: xdg("XDG_DATA_HOME", ".local/share"),
            runtime_in_temp: given.is_none(),
            runtime: given.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("devstack-{}", nix::unistd::geteuid()))
            }),
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
            private_lock_dir: self.runtime_in_temp.then(|| self.runtime.clone()),
            run_note: self.runs().map(|dir| dir.join(format!("{name}.json"))),
            origin_note: (self.state.as_ref())
                .map(|state| state.join("stacks").join(format!("{name}.json"))),
            snapshots: self.data.as_ref().map(|d| d.join("snapshots").join(name)),
            base: Box::new(self.clone()),
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
    /// The lock's folder, when it must be made private first.
    private_lock_dir: Option<PathBuf>,
    run_note: Option<PathBuf>,
    origin_note: Option<PathBuf>,
    /// `<data>/snapshots/<name>`: the project's snapshots, outside its
    /// own folders, so that no `down` or `run`'s end removes them.
    pub snapshots: Option<PathBuf>,
    /// The base folders it is in.
    base: Box<BaseDirs>,
}

impl ProjectDirs {
    /// Makes the lock's folder ready: one of this user's own when it is in
    /// the system's temporary folder.
    pub fn prepare_lock(&self) -> Result<(), UnsafeDir> {
        match &self.private_lock_dir {
            Some(dir) => private_dir(dir),
            None => Ok(()),
        }
    }

    /// Notes that a `run` owns the project, before it makes anything.
    pub fn note_run(&self, run: &RunRecord) -> std::io::Result<()> {
        write_note(self.run_note.as_deref(), run)
    }

    /// The note of the `run` that owns the project, if one does.
    pub fn run(&self) -> Option<RunRecord> {
        let text = std::fs::read_to_string(self.run_note.as_ref()?).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The base folders the project's are in: where another project's are.
    pub fn base(&self) -> &BaseDirs {
        &self.base
    }

    /// Forgets that a `run` owns the project (a kept run, taken down).
    pub fn forget_run(&self) {
        if let Some(path) = &self.run_note {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Notes where the project's stack comes from, as it is brought up.
    pub fn note_origin(&self, origin: &Origin) -> std::io::Result<()> {
        write_note(self.origin_note.as_deref(), origin)
    }

    /// Where the project's stack came from, if it was brought up here.
    pub fn origin(&self) -> Option<Origin> {
        let text = std::fs::read_to_string(self.origin_note.as_ref()?).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Forgets where the stack came from, once it is taken down.
    pub fn forget_origin(&self) {
        if let Some(path) = &self.origin_note {
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
        self.forget_origin();
    }
}

/// A folder devstack will not use: someone else could have made it, or
/// could change what is in it.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{}` is not a folder of this user's own: {why}\n  hint: remove it, or set `XDG_RUNTIME_DIR` to a folder of your own",
    path.display()
)]
pub struct UnsafeDir {
    pub path: PathBuf,
    pub why: String,
}

/// Makes `dir` a folder of this user's own, or refuses it: made with mode
/// 0700 when missing (its parent must exist), and accepted only when it is
/// a folder itself (not a symbolic link to one), owned by this user and
/// closed to everyone else. For a name in a folder anyone may write to,
/// such as `/tmp`, where another user could have made it first to read or
/// redirect what devstack writes there.
pub fn private_dir(dir: &Path) -> Result<(), UnsafeDir> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};

    let refuse = |why: String| UnsafeDir {
        path: dir.to_path_buf(),
        why,
    };
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(err) => return Err(refuse(format!("cannot create it: {err}"))),
    }
    // Of the name itself, never of what a link points at.
    let meta = std::fs::symlink_metadata(dir).map_err(|err| refuse(err.to_string()))?;
    if meta.file_type().is_symlink() {
        return Err(refuse("it is a symbolic link".to_string()));
    }
    if !meta.is_dir() {
        return Err(refuse("it is not a folder".to_string()));
    }
    let me = nix::unistd::geteuid().as_raw();
    if meta.uid() != me {
        return Err(refuse(format!(
            "it belongs to user {} (this is user {me})",
            meta.uid()
        )));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(refuse(format!(
            "others may use it (mode {mode:o}, not 700)"
        )));
    }
    Ok(())
}

/// Writes a note as JSON at `path`, making its folder; none without a
/// state folder.
fn write_note(path: Option<&Path>, note: &impl serde::Serialize) -> std::io::Result<()> {
    let Some(path) = path else {
        return Err(std::io::Error::other("no state folder (set HOME)"));
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, serde_json::to_string(note).unwrap_or_default())
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
            runtime_in_temp: false,
        }
    }

    #[test]
    fn a_private_folder_is_made_or_refused_when_it_is_not_ours_alone() {
        use std::os::unix::fs::PermissionsExt;

        let dir = tempfile::tempdir().unwrap();
        let made = dir.path().join("devstack-made");
        private_dir(&made).unwrap();
        let mode = std::fs::metadata(&made).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        private_dir(&made).expect("made before: still fine");

        let open = dir.path().join("devstack-open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = private_dir(&open).unwrap_err();
        assert_eq!(err.why, "others may use it (mode 777, not 700)");

        // A link to a folder of our own is refused all the same: it could
        // be changed to point anywhere.
        let link = dir.path().join("devstack-link");
        std::os::unix::fs::symlink(&made, &link).unwrap();
        assert_eq!(private_dir(&link).unwrap_err().why, "it is a symbolic link");
        let dangling = dir.path().join("devstack-dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert_eq!(
            private_dir(&dangling).unwrap_err().why,
            "it is a symbolic link"
        );
        assert!(
            !dir.path().join("nowhere").exists(),
            "the link is not followed"
        );

        let file = dir.path().join("devstack-file");
        std::fs::write(&file, "").unwrap();
        assert_eq!(private_dir(&file).unwrap_err().why, "it is not a folder");

        // Another user's folder: as root, make one and give it away.
        if nix::unistd::geteuid().is_root() {
            let theirs = dir.path().join("devstack-theirs");
            std::fs::DirBuilder::new().create(&theirs).unwrap();
            std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o700)).unwrap();
            std::os::unix::fs::chown(&theirs, Some(65534), None).unwrap();
            assert_eq!(
                private_dir(&theirs).unwrap_err().why,
                "it belongs to user 65534 (this is user 0)"
            );
        }
        assert_eq!(
            private_dir(&open).unwrap_err().to_string(),
            format!(
                "`{}` is not a folder of this user's own: others may use it (mode 777, not 700)\n  hint: remove it, or set `XDG_RUNTIME_DIR` to a folder of your own",
                open.display()
            )
        );
    }

    #[test]
    fn without_a_runtime_folder_locks_go_to_a_private_one_in_temp() {
        let dir = tempfile::tempdir().unwrap();
        let in_temp = BaseDirs {
            runtime: dir.path().join("devstack-1000"),
            runtime_in_temp: true,
            ..base(dir.path())
        };
        let project = in_temp.project("demo");
        assert_eq!(
            project.lock,
            dir.path().join("devstack-1000/devstack-demo.lock")
        );
        project.prepare_lock().unwrap();
        assert!(dir.path().join("devstack-1000").is_dir());
        // A given runtime folder is the user's to keep: not checked.
        let given = base(dir.path()).project("demo");
        given.prepare_lock().unwrap();
        assert!(!dir.path().join("runtime").exists());
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
            warm: None,
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
                    warm: None,
                })
                .unwrap();
            project
                .note_origin(&Origin {
                    manifest: PathBuf::from("/p/devstack.toml"),
                    engine: "embedded".into(),
                    throwaway: false,
                    run_owner: None,
                    warm: None,
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
        assert!(gone.origin().is_none());
        assert_eq!(
            kept.origin().map(|o| o.manifest),
            Some(PathBuf::from("/p/devstack.toml"))
        );
    }
}
