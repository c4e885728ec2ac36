//! Where devstack keeps things on this machine, and what it remembers
//! between runs under the user's cache folder (`$XDG_CACHE_HOME/devstack`,
//! else `~/.cache/devstack`): which seed files passed validation, and which
//! tables got all their seed data. Both notes are best effort: one that
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
    /// `$XDG_CACHE_HOME/devstack` when that is an absolute path, else
    /// `$HOME/.cache/devstack`.
    pub fn from_env() -> Cache {
        Cache {
            dir: xdg("XDG_CACHE_HOME", ".cache"),
        }
    }

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
        Some(self.project_dir(project)?.join(hex(&digest)))
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

/// The folders devstack keeps things in, from the XDG base directory
/// variables (absolute paths only) or under `$HOME`: the cache (notes that
/// only save time), the state (the embedded engine's process files and
/// log) and the data (the embedded engine's database with `persist = true`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folders {
    pub cache: Cache,
    /// `$XDG_STATE_HOME/devstack`, else `~/.local/state/devstack`.
    pub state: Option<PathBuf>,
    /// `$XDG_DATA_HOME/devstack`, else `~/.local/share/devstack`.
    pub data: Option<PathBuf>,
}

impl Folders {
    pub fn from_env() -> Folders {
        Folders {
            cache: Cache::from_env(),
            state: xdg("XDG_STATE_HOME", ".local/state"),
            data: xdg("XDG_DATA_HOME", ".local/share"),
        }
    }

    fn runs(&self) -> Option<PathBuf> {
        Some(self.state.as_ref()?.join("runs"))
    }

    fn run_path(&self, project: &str) -> Option<PathBuf> {
        Some(self.runs()?.join(format!("{project}.json")))
    }

    /// Notes that a `run` owns the project, before it makes anything.
    pub fn record_run(&self, run: &RunRecord) -> std::io::Result<()> {
        let Some(path) = self.run_path(&run.project) else {
            return Err(std::io::Error::other("no state folder (set HOME)"));
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_string(run).unwrap_or_default())
    }

    /// Every run noted on this machine.
    pub fn runs_recorded(&self) -> Vec<RunRecord> {
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

    pub fn forget_run(&self, project: &str) {
        if let Some(path) = self.run_path(project) {
            let _ = std::fs::remove_file(path);
        }
    }

    /// A kept run stays until `down`: `gc` leaves it alone.
    pub fn forget_kept(&self, project: &str) {
        self.forget_run(project);
    }
}

/// What `run` notes about the stack it owns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    pub project: String,
    /// The manifest's engine (after `--engine`).
    pub engine: String,
    /// The `run` process, as `pid:start`: see [`process_identity`].
    pub owner: String,
    /// Left up on purpose (`--keep`): not collected.
    pub kept: bool,
}

/// A process's identity, `pid:start`: its pid and its start time, so a pid
/// reused by another process is not taken for it. `None` when no such
/// process runs.
pub fn process_identity(pid: u32) -> Option<String> {
    // Linux: the 22nd field of /proc/PID/stat, in clock ticks since boot
    // (after the command name, which is in parentheses and may hold spaces).
    if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        let after_name = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // fields[0] is the state (field 3); a zombie has finished.
        if fields.first() == Some(&"Z") {
            return None;
        }
        return Some(format!("{pid}:{}", fields.get(19)?));
    }
    let out = std::process::Command::new("ps")
        .args(["-o", "lstart=", "-p", &pid.to_string()])
        .output()
        .ok()?;
    let start = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!start.is_empty()).then(|| format!("{pid}:{start}"))
}

/// Whether the process an identity names still runs.
pub fn is_alive(identity: &str) -> bool {
    identity
        .split_once(':')
        .and_then(|(pid, _)| pid.parse::<u32>().ok())
        .and_then(process_identity)
        .is_some_and(|now| now == identity)
}

fn xdg(variable: &str, under_home: &str) -> Option<PathBuf> {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(under_home)))
        .map(|base| base.join("devstack"))
}

/// Best effort: a note that cannot be written is only a lost shortcut.
fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent()
        && std::fs::create_dir_all(dir).is_ok()
    {
        let _ = std::fs::write(path, text);
    }
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
    fn a_process_is_known_by_pid_and_start_time() {
        let me = process_identity(std::process::id()).unwrap();
        assert!(me.starts_with(&format!("{}:", std::process::id())), "{me}");
        assert!(is_alive(&me));
        // The same pid with another start time is another process.
        assert!(!is_alive(&format!("{}:0", std::process::id())));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = process_identity(child.id()).unwrap_or_else(|| format!("{}:1", child.id()));
        child.wait().unwrap();
        assert!(!is_alive(&gone), "a finished process is not alive");
    }

    #[test]
    fn runs_are_recorded_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let folders = Folders {
            cache: Cache::none(),
            state: Some(dir.path().to_path_buf()),
            data: None,
        };
        let run = RunRecord {
            project: "demo-run-1".into(),
            engine: "embedded".into(),
            owner: "1:2".into(),
            kept: false,
        };
        folders.record_run(&run).unwrap();
        assert_eq!(folders.runs_recorded(), [run]);
        folders.forget_run("demo-run-1");
        assert!(folders.runs_recorded().is_empty());
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
