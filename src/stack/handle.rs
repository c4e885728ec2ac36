//! The running engine as one value: where it answers, and what was learned
//! when it was found or started (the Docker client, the container's spec
//! and id, or the embedded engine's record). Commands ask the handle for
//! its URL, to watch the engine while they work on its tables, and why
//! their work failed when the engine is the cause; they never branch on
//! which engine it is.

use std::net::IpAddr;
use std::time::Duration;

use super::containers::volume;
use super::docker::{ContainerSpec, ContainerState, ContainerStatus, Docker};
use super::embedded::Record;
use super::health;
use crate::service::ServiceKind;

/// The running engine of a project.
#[derive(Clone)]
pub struct EngineHandle {
    service: ServiceKind,
    url: String,
    runs_as: RunsAs,
}

#[derive(Clone)]
enum RunsAs {
    Container(Box<Container>),
    Embedded { record: Record },
}

/// The engine's container: the client that found it, its spec and its id.
#[derive(Clone)]
struct Container {
    docker: Docker,
    spec: ContainerSpec,
    id: String,
}

impl EngineHandle {
    /// The engine in a container that runs and publishes its port; `None`
    /// when it does not.
    pub(super) fn container(
        docker: &Docker,
        spec: &ContainerSpec,
        state: &ContainerState,
    ) -> Option<EngineHandle> {
        Some(EngineHandle {
            service: spec.service,
            url: container_url(state, spec.service)?,
            runs_as: RunsAs::Container(Box::new(Container {
                docker: docker.clone(),
                spec: spec.clone(),
                id: state.id.clone(),
            })),
        })
    }

    /// The embedded engine that wrote `record`.
    pub(super) fn embedded(record: Record) -> EngineHandle {
        EngineHandle {
            service: ServiceKind::Embedded,
            url: record.url(),
            runs_as: RunsAs::Embedded { record },
        }
    }

    /// How this machine reaches the engine, e.g. `http://127.0.0.1:4566`.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn service(&self) -> ServiceKind {
        self.service
    }

    /// What runs it: the container's name, or the engine's pid.
    pub fn instance(&self) -> String {
        match &self.runs_as {
            RunsAs::Container(container) => container.spec.name.clone(),
            RunsAs::Embedded { record } => format!("pid {}", record.pid),
        }
    }

    /// Resolves once the engine stops being usable: its container stops, is
    /// paused or is removed; so that table work is cut short with the
    /// reason rather than waiting out its requests' deadlines. Never
    /// resolves for the embedded engine, or while the daemon does not
    /// answer (the tables need only the engine).
    pub async fn lost(&self) -> EngineLost {
        let RunsAs::Container(container) = &self.runs_as else {
            return std::future::pending().await;
        };
        loop {
            tokio::time::sleep(ENGINE_WATCH).await;
            if let Some(lost) = container.lost_now().await {
                return lost;
            }
        }
    }

    /// Why table work failed, when the engine is the cause: its container
    /// stopped, was paused or removed, or its data volume is full or not
    /// writable (DynamoDB Local answers a full disk by leaving every item
    /// unprocessed, which by itself says nothing). `err` comes back under
    /// the cause, or alone when there is none to tell.
    pub async fn with_cause(&self, err: anyhow::Error) -> anyhow::Error {
        let RunsAs::Container(container) = &self.runs_as else {
            return err;
        };
        if let Some(lost) = container.lost_now().await {
            return err.context(lost);
        }
        match volume::check(&container.docker, &container.spec).await {
            Ok(()) => err,
            Err(problem) => err.context(problem),
        }
    }
}

#[cfg(test)]
impl EngineHandle {
    /// An embedded engine's handle at 127.0.0.1:`port`, for tests.
    pub fn embedded_for_test(port: u16) -> EngineHandle {
        EngineHandle::embedded(Record {
            pid: 0,
            process: String::new(),
            bind: IpAddr::from([127, 0, 0, 1]),
            port,
            config: String::new(),
            database: "memory".to_string(),
        })
    }
}

/// The URL a service answers on from this machine: the one way devstack
/// works it out, for containers and the embedded engine alike.
pub fn host_url(host_ip: IpAddr, host_port: u16) -> String {
    let host = match host_ip {
        // Published on every interface: loopback reaches it too.
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    format!("http://{host}:{host_port}")
}

/// The URL of `service` in a running container, from the port it publishes.
pub fn container_url(state: &ContainerState, service: ServiceKind) -> Option<String> {
    if !state.is_running() {
        return None;
    }
    let (_, ip, port) = state
        .ports
        .iter()
        .find(|(port, _, _)| *port == service.port())?;
    let ip = ip.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]));
    Some(host_url(ip, *port))
}

/// The engine stopped being usable while devstack worked on its tables.
#[derive(Debug, thiserror::Error)]
pub enum EngineLost {
    #[error(
        "`{service}` stopped while devstack worked on the tables (its container `{container}` ended: {exit})\n  hint: run `devstack up` again: it starts the container and finishes the tables\n--- last log lines of `{container}` ---\n{logs}",
        logs = .exit.logs
    )]
    Exited {
        service: String,
        container: String,
        exit: health::Exit,
    },
    #[error(
        "`{service}` was paused while devstack worked on the tables, so it cannot answer\n  hint: run `devstack up` again: it resumes the container and finishes the tables (or `docker unpause {container}`)"
    )]
    Paused { service: String, container: String },
    #[error(
        "`{service}`: its container `{container}` was removed while devstack worked on the tables\n  hint: run `devstack up` again"
    )]
    Gone { service: String, container: String },
}

/// How often the engine's container is looked at while tables are made.
const ENGINE_WATCH: Duration = Duration::from_millis(500);

/// How long after a container is seen stopped it is looked at again, to
/// tell `docker rm --force` (stop, then remove) from a stop.
const REMOVAL_GRACE: Duration = Duration::from_millis(200);

impl Container {
    /// Whether the engine's container is unusable now; `None` also when the
    /// daemon does not answer.
    async fn lost_now(&self) -> Option<EngineLost> {
        let Container { docker, spec, id } = self;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn state(running: bool, ports: Vec<(u16, &str, u16)>) -> ContainerState {
        ContainerState {
            id: "abc".into(),
            name: "devstack-demo-ministack".into(),
            image: "ministack".into(),
            image_id: "sha256:1".into(),
            labels: Default::default(),
            status: if running {
                ContainerStatus::Running
            } else {
                ContainerStatus::Exited
            },
            exit_code: None,
            oom_killed: false,
            ports: ports
                .into_iter()
                .map(|(c, ip, h)| (c, ip.to_string(), h))
                .collect(),
        }
    }

    #[test]
    fn a_container_answers_where_it_publishes_the_service_port() {
        let engine = ServiceKind::Ministack;
        assert_eq!(
            container_url(&state(true, vec![(4566, "127.0.0.1", 49153)]), engine).as_deref(),
            Some("http://127.0.0.1:49153")
        );
        assert_eq!(
            container_url(&state(true, vec![(4566, "0.0.0.0", 4566)]), engine).as_deref(),
            Some("http://127.0.0.1:4566")
        );
        assert_eq!(
            container_url(&state(true, vec![(4566, "::1", 4566)]), engine).as_deref(),
            Some("http://[::1]:4566")
        );
        assert_eq!(
            container_url(&state(true, vec![(8000, "127.0.0.1", 8000)]), engine),
            None,
            "another port"
        );
        assert_eq!(
            container_url(&state(false, vec![(4566, "127.0.0.1", 4566)]), engine),
            None,
            "not running"
        );
    }
}
