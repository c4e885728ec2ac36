//! What `up` must do to each container, decided from the wanted spec, what
//! Docker reports of the container, and which image the spec's image name
//! points at now. Pure: the tests need no daemon.

use crate::stack::docker::{
    ContainerSpec, ContainerState, ContainerStatus, LABEL_CONFIG_HASH, LABEL_PROJECT,
};

/// The step that brings one container to its spec. Steps on an existing
/// container carry its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Running with the same configuration: leave it alone.
    Keep { id: String },
    /// Stopped or never started: start it as it is.
    Start { id: String },
    /// Paused: resume it.
    Unpause { id: String },
    /// No such container: create and start it.
    Create,
    /// Replace the container (volumes are kept).
    Recreate { id: String, why: Why },
}

/// Why a container is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Its configuration hash differs from the spec's.
    Configuration,
    /// The image name now points at another image (pulled anew, or rebuilt
    /// locally), as docker compose notices too.
    NewerImage,
    /// `dead`, `removing` or `restarting`: a new container is the sure way.
    Broken,
}

impl Action {
    /// Whether the step needs the container's host port to be free.
    pub fn binds_port(&self) -> bool {
        !matches!(self, Action::Keep { .. } | Action::Unpause { .. })
    }

    /// Whether the step needs the image.
    pub fn needs_image(&self) -> bool {
        matches!(self, Action::Create | Action::Recreate { .. })
    }

    /// Whether the step leaves the container as it was.
    pub fn is_keep(&self) -> bool {
        matches!(self, Action::Keep { .. })
    }
}

/// When a container joins the project network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joins {
    /// It is on the network (or is made on it): the network must exist
    /// before the container starts.
    AtStart,
    /// It is made on Docker's default network, where it starts sooner,
    /// and is connected to the project network once it runs, while the
    /// service inside starts up; or an `up` cut short left it off the
    /// project network, and it is connected now.
    OnceRunning,
}

/// When the container `action` leaves joins the project network; made
/// anew, it starts on Docker's default network when the daemon has one.
pub fn joins(
    spec: &ContainerSpec,
    observed: Option<&ContainerState>,
    action: &Action,
    default_network: bool,
) -> Joins {
    let on_it = match action {
        Action::Create | Action::Recreate { .. } => !default_network,
        _ => observed.is_some_and(|c| c.networks.contains_key(&spec.network)),
    };
    if on_it {
        Joins::AtStart
    } else {
        Joins::OnceRunning
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

impl Foreign {
    /// The container `spec` names, found without this project's label.
    pub fn of(spec: &ContainerSpec) -> Foreign {
        Foreign {
            name: spec.name.clone(),
            project: spec.labels.get(LABEL_PROJECT).cloned().unwrap_or_default(),
        }
    }
}

/// Whether an existing container is one of this project's, by its label.
pub fn is_ours(spec: &ContainerSpec, observed: &ContainerState) -> bool {
    let project = spec.labels.get(LABEL_PROJECT);
    project.is_some() && observed.labels.get(LABEL_PROJECT) == project
}

/// Decides the step for one container. `image` is the id of the local
/// image the spec's image name points at, if there is one.
pub fn decide(
    spec: &ContainerSpec,
    observed: Option<&ContainerState>,
    image: Option<&str>,
) -> Result<Action, Foreign> {
    let Some(observed) = observed else {
        return Ok(Action::Create);
    };
    if !is_ours(spec, observed) {
        return Err(Foreign::of(spec));
    }
    let id = observed.id.clone();
    if observed.labels.get(LABEL_CONFIG_HASH) != spec.labels.get(LABEL_CONFIG_HASH) {
        return Ok(Action::Recreate {
            id,
            why: Why::Configuration,
        });
    }
    if image.is_some_and(|image| image != observed.image_id) {
        return Ok(Action::Recreate {
            id,
            why: Why::NewerImage,
        });
    }
    Ok(match observed.status {
        ContainerStatus::Running => Action::Keep { id },
        ContainerStatus::Paused => Action::Unpause { id },
        ContainerStatus::Created | ContainerStatus::Exited => Action::Start { id },
        ContainerStatus::Dead
        | ContainerStatus::Removing
        | ContainerStatus::Restarting
        | ContainerStatus::Unknown => Action::Recreate {
            id,
            why: Why::Broken,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Manifest;
    use crate::service::ServiceKind;
    use crate::stack::containers::spec::container_spec;
    use std::collections::HashMap;

    fn spec(port: u16) -> ContainerSpec {
        let manifest = Manifest::for_test(&format!(
            "[project]\nname = \"demo\"\nengine = \"ministack\"\n[services.ministack]\nport = {port}\n"
        ));
        container_spec(&manifest, ServiceKind::Ministack).unwrap()
    }

    const IMAGE: &str = "sha256:1";

    fn observed(spec: &ContainerSpec, status: ContainerStatus) -> ContainerState {
        ContainerState {
            id: "abc".into(),
            name: spec.name.clone(),
            image: spec.image.clone(),
            image_id: IMAGE.into(),
            labels: spec.labels.clone().into_iter().collect(),
            status,
            exit_code: None,
            oom_killed: false,
            ports: Vec::new(),
            addresses: Default::default(),
            networks: Default::default(),
        }
    }

    fn id() -> String {
        "abc".to_string()
    }

    #[test]
    fn a_running_container_with_the_same_hash_and_image_is_kept() {
        let s = spec(4566);
        let running = observed(&s, ContainerStatus::Running);
        assert_eq!(
            decide(&s, Some(&running), Some(IMAGE)),
            Ok(Action::Keep { id: id() })
        );
        // An image no longer present locally does not replace a working container.
        assert_eq!(
            decide(&s, Some(&running), None),
            Ok(Action::Keep { id: id() })
        );
    }

    #[test]
    fn stopped_containers_are_started_paused_ones_resumed_and_broken_ones_replaced() {
        let s = spec(4566);
        let decided = |status| decide(&s, Some(&observed(&s, status)), Some(IMAGE));
        assert_eq!(
            decided(ContainerStatus::Exited),
            Ok(Action::Start { id: id() })
        );
        assert_eq!(
            decided(ContainerStatus::Created),
            Ok(Action::Start { id: id() })
        );
        assert_eq!(
            decided(ContainerStatus::Paused),
            Ok(Action::Unpause { id: id() })
        );
        for broken in [
            ContainerStatus::Dead,
            ContainerStatus::Removing,
            ContainerStatus::Restarting,
        ] {
            assert_eq!(
                decided(broken),
                Ok(Action::Recreate {
                    id: id(),
                    why: Why::Broken
                })
            );
        }
    }

    #[test]
    fn a_changed_configuration_recreates() {
        let old = spec(4566);
        let new = spec(4567);
        assert_eq!(
            decide(
                &new,
                Some(&observed(&old, ContainerStatus::Running)),
                Some(IMAGE)
            ),
            Ok(Action::Recreate {
                id: id(),
                why: Why::Configuration
            })
        );
    }

    #[test]
    fn a_newer_image_under_the_same_name_recreates() {
        let s = spec(4566);
        assert_eq!(
            decide(
                &s,
                Some(&observed(&s, ContainerStatus::Running)),
                Some("sha256:2")
            ),
            Ok(Action::Recreate {
                id: id(),
                why: Why::NewerImage
            })
        );
    }

    #[test]
    fn a_missing_container_is_created() {
        assert_eq!(decide(&spec(4566), None, None), Ok(Action::Create));
    }

    #[test]
    fn a_new_container_joins_the_project_network_once_it_runs_unless_there_is_no_default_one() {
        let s = spec(4566);
        for action in [
            Action::Create,
            Action::Recreate {
                id: id(),
                why: Why::Configuration,
            },
        ] {
            assert_eq!(joins(&s, None, &action, true), Joins::OnceRunning);
            assert_eq!(joins(&s, None, &action, false), Joins::AtStart);
        }
    }

    #[test]
    fn an_existing_container_off_the_project_network_is_connected_once_it_runs() {
        let s = spec(4566);
        let mut found = observed(&s, ContainerStatus::Running);
        found.networks = [("bridge".to_string(), "b1".to_string())].into();
        for action in [
            Action::Keep { id: id() },
            Action::Start { id: id() },
            Action::Unpause { id: id() },
        ] {
            assert_eq!(
                joins(&s, Some(&found), &action, true),
                Joins::OnceRunning,
                "{action:?}"
            );
        }
        found.networks.insert(s.network.clone(), "n1".to_string());
        assert_eq!(
            joins(&s, Some(&found), &Action::Start { id: id() }, true),
            Joins::AtStart
        );
        assert_eq!(
            joins(&s, Some(&found), &Action::Keep { id: id() }, false),
            Joins::AtStart
        );
    }

    #[test]
    fn a_container_without_our_labels_is_refused() {
        let s = spec(4566);
        let mut foreign = observed(&s, ContainerStatus::Running);
        foreign.labels = HashMap::new();
        let refused = decide(&s, Some(&foreign), Some(IMAGE));
        assert!(
            matches!(refused, Err(Foreign { ref name, .. }) if name == "devstack-demo-ministack")
        );
        assert!(!is_ours(&s, &foreign));
    }
}
