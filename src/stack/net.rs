//! Where a service answers: the URL made from an address and a port (the
//! one way devstack works it out, for containers and the embedded engine
//! alike), the URL containers on the project network use, and the error
//! for a host port that is taken, naming who holds it.

use std::fmt;
use std::net::IpAddr;

use super::docker::ContainerState;
use crate::service::ServiceKind;

/// Who holds a host port, as far as devstack can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortHolder {
    /// Neither a container nor an embedded engine devstack can see.
    Unknown,
    /// A container that is not devstack's.
    Container(String),
    /// A devstack project: `what` of it holds the port (its container, or
    /// its embedded engine).
    Project { project: String, what: String },
}

impl fmt::Display for PortHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortHolder::Unknown => f.write_str("another program"),
            PortHolder::Container(name) => write!(f, "container `{name}`"),
            PortHolder::Project { project, what } => {
                write!(f, "devstack project `{project}` ({what})")
            }
        }
    }
}

/// A host port that is already taken.
#[derive(Debug, Clone, thiserror::Error)]
pub struct PortBusy {
    pub service: ServiceKind,
    pub ip: IpAddr,
    pub port: u16,
    pub holder: PortHolder,
}

impl fmt::Display for PortBusy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let PortBusy {
            service,
            ip,
            port,
            holder,
        } = self;
        let other_port =
            format!("set another `port` under `[services.{service}]` (0 picks a free one)");
        match holder {
            PortHolder::Project { project, .. } => write!(
                f,
                "port {port} on {ip} is taken by {holder}; `{service}` needs it\n  hint: `devstack -p {project} down` frees it, or {other_port}"
            ),
            _ => write!(
                f,
                "port {port} on {ip} is already in use by {holder}; `{service}` needs it\n  hint: stop what holds it, or {other_port}"
            ),
        }
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

/// Where containers on the project network reach `service`: its alias and
/// its port in the container; `None` for the embedded engine.
pub fn network_url(service: ServiceKind) -> Option<String> {
    service
        .alias()
        .map(|alias| format!("http://{alias}:{}", service.port()))
}

/// The URL of `service` in a running container, from the port it publishes.
pub fn container_url(state: &ContainerState, service: ServiceKind) -> Option<String> {
    if !state.is_running() {
        return None;
    }
    let (ip, port) = published(state, service.port())?;
    Some(host_url(ip, port))
}

/// Where this machine reaches `container_port` of a container: the host
/// address and port it is published on (loopback when published on every
/// interface).
pub fn published(state: &ContainerState, container_port: u16) -> Option<(IpAddr, u16)> {
    let (_, ip, port) = state
        .ports
        .iter()
        .find(|(port, _, _)| *port == container_port)?;
    let ip = match ip.parse() {
        Ok(ip) if !IpAddr::is_unspecified(&ip) => ip,
        _ => IpAddr::from([127, 0, 0, 1]),
    };
    Some((ip, *port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::docker::ContainerStatus;

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
            addresses: Default::default(),
            networks: Default::default(),
        }
    }

    #[test]
    fn a_taken_port_names_its_holder_and_how_to_free_it() {
        let busy = |holder| PortBusy {
            service: ServiceKind::DynamodbLocal,
            ip: IpAddr::from([127, 0, 0, 1]),
            port: 8000,
            holder,
        };
        assert_eq!(
            busy(PortHolder::Project {
                project: "other".into(),
                what: "container `devstack-other-dynamodb-local`".into(),
            })
            .to_string(),
            "port 8000 on 127.0.0.1 is taken by devstack project `other` (container `devstack-other-dynamodb-local`); `dynamodb-local` needs it\n  hint: `devstack -p other down` frees it, or set another `port` under `[services.dynamodb-local]` (0 picks a free one)"
        );
        assert_eq!(
            busy(PortHolder::Unknown).to_string(),
            "port 8000 on 127.0.0.1 is already in use by another program; `dynamodb-local` needs it\n  hint: stop what holds it, or set another `port` under `[services.dynamodb-local]` (0 picks a free one)"
        );
        assert!(
            busy(PortHolder::Container("web".into()))
                .to_string()
                .starts_with("port 8000 on 127.0.0.1 is already in use by container `web`;")
        );
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
