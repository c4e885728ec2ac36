//! What `run` notes about the stack it owns, so that `ls` can tell a run's
//! stack and `gc` can find one whose owner is gone. The notes live in the
//! state folder (`BaseDirs::runs_noted`, `ProjectDirs::note_run`), and the
//! owner also on the stack's Docker objects (a label).
//!
//! Whether a run was abandoned is decided here once, for `gc` and `ls`
//! alike ([`judge`]): only an owner this process can see (same boot, same
//! PID namespace) that is proved gone makes a run abandoned.
//!
//! Why not a reaper, as testcontainers does (a container that removes a
//! session's objects once the session's connection to it drops)? It needs
//! an image to pull and a privileged socket mount in every environment, it
//! cannot watch the embedded engine, which needs no Docker at all, and
//! what it would remove is lost with it when the daemon restarts or the
//! reaper is killed. Noting the owner, with where it lives, works the same
//! for every engine and keeps working across daemon restarts. What it
//! costs: nothing is removed by itself (someone runs `gc`), and a run whose
//! owner lives elsewhere (another container sharing the daemon, another
//! boot) is only ever removed from where it ran, or by `down`.

use std::fmt;

use crate::process::{Elsewhere, Identity, Liveness};

/// How the projects of a manifest's `run`s begin: `PROJECT-run-`, the
/// project's name cut at 40 characters (a run's project is this and 8 hex
/// digits).
pub fn runs_prefix(project: &str) -> String {
    let base: String = project.chars().take(40).collect();
    format!("{base}-run-")
}

/// What `run` notes about the stack it owns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    pub project: String,
    /// The manifest's engine (after `--engine`).
    pub engine: String,
    /// The `run` process: see [`Identity`].
    pub owner: String,
    /// Left up on purpose (`--keep`): not collected.
    pub kept: bool,
    /// A `run --warm`'s: its tables live on this warm engine, under its own
    /// access key, in this region; collecting the run deletes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm: Option<WarmTables>,
}

/// Where a warm run's tables are: what `down` and `gc` delete.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WarmTables {
    /// The warm engine's project.
    pub engine: String,
    pub access_key: String,
    pub region: String,
    /// The warm engine's idle time in seconds, as the run asked.
    #[serde(default = "default_idle")]
    pub idle: u64,
}

fn default_idle() -> u64 {
    crate::manifest::Warm::DEFAULT_IDLE.as_secs()
}

impl WarmTables {
    /// Where the tables of `manifest`'s stack are, when it is a warm run's.
    pub fn of(manifest: &crate::manifest::Manifest) -> Option<WarmTables> {
        let project = &manifest.project;
        let warm = project.warm.as_ref()?;
        Some(WarmTables {
            engine: warm.engine.clone(),
            access_key: project.access_key.clone(),
            region: project.region.clone(),
            idle: warm.idle.as_secs(),
        })
    }
}

/// What a project is, as `gc` and `ls` judge it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunState {
    /// Not a run's stack.
    NotARun,
    /// A run left it up on purpose (`--keep`).
    Kept,
    /// Its run still goes on.
    Running { pid: u32 },
    /// Its run is proved gone: `gc` removes it.
    Abandoned,
    /// Its run lives where this process cannot see it: left alone.
    CannotTell(Elsewhere),
}

impl RunState {
    /// Only what is proved abandoned is collected.
    pub fn is_abandoned(&self) -> bool {
        *self == RunState::Abandoned
    }
}

impl fmt::Display for RunState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunState::NotARun => f.write_str("-"),
            RunState::Kept => f.write_str("kept run"),
            RunState::Running { pid } => write!(f, "run (pid {pid})"),
            RunState::Abandoned => f.write_str("left behind (`devstack gc`)"),
            RunState::CannotTell(why) => write!(f, "cannot tell from here ({why})"),
        }
    }
}

/// Judges a project from the run note of this home (`note`) and the owner
/// its Docker objects carry (`label`); the note wins when there are both.
/// An owner noted without where it lives (an earlier devstack), or living
/// in another boot or PID namespace, is never judged gone: its pid means
/// another process here, or none.
pub fn judge(note: Option<&RunRecord>, label: Option<&str>) -> RunState {
    let kept = note.is_some_and(|run| run.kept);
    let Some(owner) = note.map(|run| run.owner.as_str()).or(label) else {
        return RunState::NotARun;
    };
    let state = match Identity::parse(owner) {
        // Not an identity devstack writes: nothing can be told of it.
        None => RunState::CannotTell(Elsewhere::NotNoted),
        Some(owner) => match owner.judge() {
            Liveness::Alive => RunState::Running { pid: owner.pid },
            Liveness::Gone => RunState::Abandoned,
            Liveness::CannotTell(why) => RunState::CannotTell(why),
        },
    };
    // A run with `--keep` is kept from its start: killed before it ends,
    // its stack is left as asked, never collected.
    match state {
        RunState::Running { .. } => state,
        _ if kept => RunState::Kept,
        _ => state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(owner: &str, kept: bool) -> RunRecord {
        RunRecord {
            project: "p".into(),
            engine: "embedded".into(),
            owner: owner.into(),
            kept,
            warm: None,
        }
    }

    #[test]
    fn only_an_owner_seen_from_here_and_gone_is_abandoned() {
        let me = Identity::own().unwrap().to_string();
        let (process, place) = me.split_once('@').unwrap();
        let pid = std::process::id();
        let gone = format!("{pid}:0@{place}");
        assert_eq!(judge(None, None), RunState::NotARun);
        assert_eq!(
            judge(Some(&note(&me, false)), None),
            RunState::Running { pid }
        );
        assert_eq!(judge(None, Some(&me)), RunState::Running { pid });
        assert_eq!(judge(None, Some(&gone)), RunState::Abandoned);
        assert!(judge(Some(&note(&gone, false)), Some(&me)).is_abandoned());
        assert_eq!(judge(Some(&note(&gone, true)), None), RunState::Kept);
        assert_eq!(
            judge(Some(&note(&me, true)), None),
            RunState::Running { pid },
            "a kept run still going is shown going"
        );
        let (boot, _) = place.split_once(':').unwrap();
        let elsewhere = format!("{pid}:0@{boot}:1");
        assert_eq!(
            judge(None, Some(&elsewhere)),
            RunState::CannotTell(Elsewhere::AnotherPidNamespace)
        );
        // An earlier devstack's owner, even one gone: never judged.
        assert_eq!(
            judge(Some(&note(&format!("{pid}:0"), false)), None),
            RunState::CannotTell(Elsewhere::NotNoted)
        );
        assert_eq!(
            judge(None, Some(process)),
            RunState::CannotTell(Elsewhere::NotNoted)
        );
        assert_eq!(
            judge(None, Some("garbage")),
            RunState::CannotTell(Elsewhere::NotNoted)
        );
        assert_eq!(
            RunState::CannotTell(Elsewhere::AnotherPidNamespace).to_string(),
            "cannot tell from here (its owner runs in another PID namespace)"
        );
    }
}
