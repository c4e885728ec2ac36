//! The engine's container watched while devstack works on its tables: one
//! that stops, is paused or is removed ends the work at once with that
//! reason, and a failed request is told apart from a full data volume.

use std::time::Duration;

use super::volume;
use crate::stack::docker::{ContainerSpec, ContainerState, ContainerStatus, Docker};
use crate::stack::handle::EngineLost;
use crate::stack::health;

/// The engine's container as found or started: the client that found it,
/// its spec and its id.
#[derive(Clone)]
pub struct EngineContainer {
    pub docker: Docker,
    pub spec: ContainerSpec,
    pub state: ContainerState,
}

/// How long after a container is seen stopped it is looked at again, to
/// tell `docker rm --force` (stop, then remove) from a stop.
const REMOVAL_GRACE: Duration = Duration::from_millis(200);

impl EngineContainer {
    /// Resolves once the container stops being usable; never while the
    /// daemon does not answer (the tables need only the engine).
    pub async fn lost(&self) -> EngineLost {
        loop {
            tokio::time::sleep(crate::stack::handle::ENGINE_WATCH).await;
            if let Some(lost) = self.lost_now().await {
                return lost;
            }
        }
    }

    /// Why table work failed, when the container is the cause: it stopped,
    /// was paused or removed, or its data volume is full or not writable.
    pub async fn with_cause(&self, err: anyhow::Error) -> anyhow::Error {
        if let Some(lost) = self.lost_now().await {
            return err.context(lost);
        }
        match volume::check(&self.docker, &self.spec).await {
            Ok(()) => err,
            Err(problem) => err.context(problem),
        }
    }

    /// Whether the engine's container is unusable now; `None` also when the
    /// daemon does not answer.
    async fn lost_now(&self) -> Option<EngineLost> {
        let (docker, spec, id) = (&self.docker, &self.spec, &self.state.id);
        let service = spec.service.name().to_string();
        let container = spec.name.clone();
        let state = match docker.inspect_container(id).await {
            Ok(Some(state)) => state,
            Ok(None) => return Some(EngineLost::Gone { service, container }),
            Err(_) => return None,
        };
        match state.status {
            ContainerStatus::Running | ContainerStatus::Created => None,
            ContainerStatus::Paused => Some(EngineLost::Paused { service, container }),
            ContainerStatus::Removing => Some(EngineLost::Gone { service, container }),
            _ => {
                // `docker rm --force` stops the container first: one that is
                // gone, or going, a moment later was removed, not stopped.
                tokio::time::sleep(REMOVAL_GRACE).await;
                match docker.inspect_container(id).await {
                    Ok(None) => Some(EngineLost::Gone { service, container }),
                    Ok(Some(now)) if now.status == ContainerStatus::Removing => {
                        Some(EngineLost::Gone { service, container })
                    }
                    _ => Some(EngineLost::Exited {
                        service,
                        exit: health::Exit::read(docker, &container, &state).await,
                        container,
                    }),
                }
            }
        }
    }
}
