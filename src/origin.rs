//! Where a project's running stack came from: the manifest it was brought
//! up from, its engine, and the `run` that owns it, if any. `up` and `run`
//! note it (in the state folder, `ProjectDirs::note_origin`); a command
//! given a project name (`--project`, `DEVSTACK_PROJECT`) reads it, so it
//! acts on that very stack from any folder, as `docker compose -p NAME`
//! does, and a command inside `run` acts on the run's stack.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::manifest::Manifest;
use crate::runs::WarmTables;
use crate::service::Engine;

/// What a stack records about itself when it is brought up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The manifest file, as an absolute path.
    pub manifest: PathBuf,
    /// The engine it runs (the manifest's, or `--engine`'s).
    pub engine: String,
    /// A `run`'s throwaway stack ([`Manifest::make_throwaway`])…
    #[serde(default)]
    pub throwaway: bool,
    /// …and the `run` that owns it (none when kept on purpose).
    #[serde(default)]
    pub run_owner: Option<String>,
    /// A `run --warm`'s stack: the warm engine its tables live on, and the
    /// run's own access key that keeps them apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm: Option<WarmTables>,
}

impl Origin {
    /// The origin of `manifest`'s stack, as `up` or `run` brings it up.
    pub fn of(manifest: &Manifest) -> Origin {
        Origin {
            manifest: manifest.file(),
            engine: manifest.project.engine.to_string(),
            throwaway: manifest.project.throwaway,
            run_owner: manifest.project.owner.clone(),
            warm: WarmTables::of(manifest),
        }
    }

    /// The engine it runs.
    pub fn engine(&self) -> Option<Engine> {
        self.engine.parse().ok()
    }

    /// `manifest` as the stack was brought up: its engine's, and a run's
    /// throwaway settings (the name is the caller's).
    pub fn apply(&self, manifest: &mut Manifest) {
        if self.throwaway {
            manifest.make_throwaway(self.run_owner.as_deref());
        }
        if let Some(warm) = &self.warm {
            manifest.project.warm = Some(crate::manifest::Warm {
                engine: warm.engine.clone(),
                idle: std::time::Duration::from_secs(warm.idle),
            });
            manifest.project.access_key = warm.access_key.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_gives_back_the_engine_and_a_runs_throwaway_settings() {
        let mut run = Manifest::for_test(
            "[project]\nname = \"demo-run-1\"\nengine = \"ministack\"\npersist = true\n",
        );
        run.make_throwaway(Some("1:2"));
        let origin = Origin::of(&run);
        assert_eq!(origin.engine(), Some(Engine::Ministack));
        assert!(origin.manifest.is_absolute());
        let mut again = Manifest::for_test(
            "[project]\nname = \"demo-run-1\"\nengine = \"ministack\"\npersist = true\n",
        );
        origin.apply(&mut again);
        assert!(!again.project.persist);
        assert_eq!(again.project.owner.as_deref(), Some("1:2"));
        let text = serde_json::to_string(&origin).unwrap();
        assert_eq!(serde_json::from_str::<Origin>(&text).unwrap(), origin);
    }
}
