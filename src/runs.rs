//! What `run` notes about the stack it owns, so that `ls` can tell a run's
//! stack and `gc` can find one whose owner is gone. The notes live in the
//! state folder (`BaseDirs::runs_noted`, `ProjectDirs::note_run`).

/// What `run` notes about the stack it owns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    pub project: String,
    /// The manifest's engine (after `--engine`).
    pub engine: String,
    /// The `run` process, as `pid:start`: see [`crate::process::identity`].
    pub owner: String,
    /// Left up on purpose (`--keep`): not collected.
    pub kept: bool,
}
