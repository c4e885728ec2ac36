//! Where a service answers: the URL made from an address and a port (the
//! one way devstack works it out, for containers and the embedded engine
//! alike), the URL containers on the project network use, and the error
//! for a host port that is taken.

use std::net::IpAddr;

use super::docker::ContainerState;
use crate::service::ServiceKind;

/// A host port that is already taken.
#[derive(Debug, thiserror::Error)]
#[error(
    "port {port} on {ip} is already in use{holder}; `{service}` needs it\n  hint: stop what holds it, or set another `port` under `[services.{service}]` (0 picks a free one)"
)]
pub struct PortBusy {
    pub service: ServiceKind,
    pub ip: IpAddr,
    pub port: u16,
    /// ` by container `name`` or ` by another program`.
    pub holder: String,
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
    let (_, ip, port) = state
        .ports
        .iter()
        .find(|(port, _, _)| *port == service.port())?;
    let ip = ip.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]));
    Some(host_url(ip, *port))
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
