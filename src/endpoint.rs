//! Which DynamoDB endpoint a command talks to, and whether it may destroy
//! data there. Destructive commands act only on loopback, `localhost`, or a
//! container of the project; anything else needs `--allow-remote`, and is
//! refused before a single request is sent.

use std::net::IpAddr;

use crate::manifest::Manifest;
use crate::settings::Settings;
use crate::stack;
use crate::stack::docker::Docker;

/// The endpoint of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    /// Given with `--endpoint` rather than found among devstack's containers.
    pub external: bool,
}

/// A destructive command aimed at an endpoint devstack does not own.
#[derive(Debug, thiserror::Error)]
#[error(
    "refusing to {action} at `{url}`: it is not on this machine's loopback nor a container of project `{project}`, and could be a real database\n  hint: pass `--allow-remote` if you really mean it"
)]
pub struct Refused {
    pub action: String,
    pub url: String,
    pub project: String,
}

/// The endpoint: `--endpoint` if given, else the project's running engine.
pub async fn endpoint(settings: &Settings, manifest: &Manifest) -> anyhow::Result<Endpoint> {
    if let Some(url) = &settings.endpoint {
        return Ok(Endpoint {
            url: url.clone(),
            external: true,
        });
    }
    let docker = Docker::connect().await?;
    Ok(Endpoint {
        url: stack::engine_url(&docker, manifest).await?,
        external: false,
    })
}

/// The host part of an endpoint URL, without IPv6 brackets.
pub fn host_of(url: &str) -> Option<String> {
    let uri: hyper::Uri = url.parse().ok()?;
    uri.host()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_string())
}

/// Loopback addresses and the exact name `localhost`.
pub fn is_local_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>()
        .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// Checks that `action` may run against `endpoint`; asks Docker only when
/// the host is neither loopback nor `localhost`.
pub async fn check_destructive(
    endpoint: &Endpoint,
    manifest: &Manifest,
    allow_remote: bool,
    action: &str,
) -> Result<(), Refused> {
    if !endpoint.external || allow_remote {
        return Ok(());
    }
    let host = host_of(&endpoint.url).unwrap_or_default();
    if is_local_host(&host) || is_project_container(&host, manifest).await {
        return Ok(());
    }
    Err(Refused {
        action: action.to_string(),
        url: endpoint.url.clone(),
        project: manifest.project.name.clone(),
    })
}

/// Whether `host` names a container of this project (its name or its
/// network alias), as seen from a container on the project network.
async fn is_project_container(host: &str, manifest: &Manifest) -> bool {
    let Ok(docker) = Docker::connect().await else {
        return false;
    };
    let Ok(found) = stack::discover(&docker, manifest).await else {
        return false;
    };
    found.iter().any(|(spec, state)| {
        state.is_some() && (spec.name == host || spec.aliases.iter().any(|a| a == host))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_and_localhost_are_local() {
        for local in [
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "localhost",
            "LOCALHOST",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_local_host(local), "{local}");
        }
        for remote in [
            "dynamodb.us-east-1.amazonaws.com",
            "10.0.0.5",
            "192.168.1.10",
            "0.0.0.0",
            "localhost.example.com",
            "my-localhost",
            "",
        ] {
            assert!(!is_local_host(remote), "{remote}");
        }
    }

    #[test]
    fn hosts_come_out_of_urls_without_brackets() {
        assert_eq!(host_of("http://[::1]:8000").as_deref(), Some("::1"));
        assert_eq!(
            host_of("http://127.0.0.1:4566/").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            host_of("https://dynamodb.eu-west-1.amazonaws.com").as_deref(),
            Some("dynamodb.eu-west-1.amazonaws.com")
        );
    }
}
