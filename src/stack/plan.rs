//! What `up` must do to each container, decided from the wanted spec and
//! what Docker reports. Pure: the tests need no daemon.

use crate::stack::docker::{ContainerSpec, ContainerState, LABEL_CONFIG_HASH, LABEL_PROJECT};

/// The step that brings one container to its spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Running with the same configuration: leave it alone.
    Keep,
    /// Stopped or never started: start it as it is.
    Start,
    /// Paused: resume it.
    Unpause,
    /// No such container: create and start it.
    Create,
    /// The configuration changed: replace the container (volumes are kept).
    Recreate,
}

impl Action {
    /// Whether the step needs the container's host port to be free.
    pub fn binds_port(&self) -> bool {
        !matches!(self, Action::Keep | Action::Unpause)
    }

    /// Whether the step needs the image.
    pub fn needs_image(&self) -> bool {
        matches!(self, Action::Create | Action::Recreate)
    }
}

/// A container devstack must not touch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a container named `{name}` exists but devstack did not create it for project `{project}` (it has no `{LABEL_PROJECT}={project}` label); devstack will not touch it\n  hint: remove or rename it (`docker rm -f {name}`), or choose another project `name` in the manifest"
)]
pub struct Foreign {
    pub name: String,
    pub project: String,
}

/// Decides the step for one container.
pub fn decide(spec: &ContainerSpec, observed: Option<&ContainerState>) -> Result<Action, Foreign> {
    let Some(observed) = observed else {
        return Ok(Action::Create);
    };
    let project = spec.labels.get(LABEL_PROJECT).cloned().unwrap_or_default();
    if observed.labels.get(LABEL_PROJECT) != Some(&project) {
        return Err(Foreign {
            name: spec.name.clone(),
            project,
        });
    }
    if observed.labels.get(LABEL_CONFIG_HASH) != spec.labels.get(LABEL_CONFIG_HASH) {
        return Ok(Action::Recreate);
    }
    Ok(match observed.status.as_str() {
        "running" => Action::Keep,
        "paused" => Action::Unpause,
        "created" | "exited" => Action::Start,
        // `dead`, `removing`, `restarting`: a new container is the sure way.
        _ => Action::Recreate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Manifest;
    use crate::service::ServiceKind;
    use crate::stack::spec::container_spec;
    use std::collections::HashMap;
    use std::path::Path;

    fn spec(port: u16) -> ContainerSpec {
        let text = format!(
            "[project]\nname = \"demo\"\nengine = \"ministack\"\n[services.ministack]\nport = {port}\n"
        );
        let manifest =
            Manifest::from_text(Path::new("devstack.toml"), text).unwrap_or_else(|e| panic!("{e}"));
        container_spec(&manifest, ServiceKind::Ministack)
    }

    fn observed(spec: &ContainerSpec, status: &str) -> ContainerState {
        ContainerState {
            id: "abc".into(),
            name: spec.name.clone(),
            image: spec.image.clone(),
            image_id: "sha256:1".into(),
            labels: spec.labels.clone().into_iter().collect(),
            status: status.into(),
            exit_code: None,
            oom_killed: false,
            ports: Vec::new(),
        }
    }

    #[test]
    fn a_running_container_with_the_same_hash_is_kept() {
        let s = spec(4566);
        assert_eq!(decide(&s, Some(&observed(&s, "running"))), Ok(Action::Keep));
    }

    #[test]
    fn stopped_containers_are_started_and_paused_ones_resumed() {
        let s = spec(4566);
        assert_eq!(decide(&s, Some(&observed(&s, "exited"))), Ok(Action::Start));
        assert_eq!(
            decide(&s, Some(&observed(&s, "created"))),
            Ok(Action::Start)
        );
        assert_eq!(
            decide(&s, Some(&observed(&s, "paused"))),
            Ok(Action::Unpause)
        );
        assert_eq!(
            decide(&s, Some(&observed(&s, "dead"))),
            Ok(Action::Recreate)
        );
    }

    #[test]
    fn a_changed_configuration_recreates() {
        let old = spec(4566);
        let new = spec(4567);
        assert_eq!(
            decide(&new, Some(&observed(&old, "running"))),
            Ok(Action::Recreate)
        );
    }

    #[test]
    fn a_missing_container_is_created() {
        assert_eq!(decide(&spec(4566), None), Ok(Action::Create));
    }

    #[test]
    fn a_container_without_our_labels_is_refused() {
        let s = spec(4566);
        let mut foreign = observed(&s, "running");
        foreign.labels = HashMap::new();
        let refused = decide(&s, Some(&foreign));
        assert!(
            matches!(refused, Err(Foreign { ref name, .. }) if name == "devstack-demo-ministack")
        );
    }
}
