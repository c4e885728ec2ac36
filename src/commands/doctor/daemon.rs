//! The Docker daemon, the images and the host ports.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;

use crate::manifest::PullPolicy;
use crate::service::ServiceKind;
use crate::settings::Settings;
use crate::stack::containers::spec;
use crate::stack::docker::Docker;
use crate::stack::embedded;
use crate::stack::{self, PortHolder};

use super::{Asked, Check, Need, Part, Subject, Verdict, asked};

/// The daemon: which one (and what named it), reachable, allowed,
/// answering, and its version.
pub(super) async fn docker_check(
    subject: &Subject,
    docker: &Result<Docker, crate::stack::docker::Unreachable>,
) -> (Check, Option<Asked>) {
    const NAME: &str = "docker socket";
    let need = subject.docker();
    match docker {
        Ok(docker) => match asked(docker).await {
            Ok(info) => {
                let detail = format!(
                    "{} answers ({}; Docker {}, API {})",
                    docker.address.host,
                    docker.address.source,
                    info.daemon.version,
                    info.daemon.api_version
                );
                (Check::new(NAME, Verdict::Ok, detail), Some(info))
            }
            Err(err) => (
                Check::new(
                    NAME,
                    need.problem(),
                    format!(
                        "{} ({}) answers, but not to `info`: {err:#}",
                        docker.address.host, docker.address.source
                    ),
                )
                .fix("check the daemon with `docker info`"),
                None,
            ),
        },
        Err(err) => {
            let text = err.to_string();
            let (what, hint) = match text.split_once("\n  hint: ") {
                Some((what, hint)) => (what.to_string(), hint.to_string()),
                None => (
                    text.clone(),
                    "check that the daemon runs (`docker info`), and that `DOCKER_HOST` or the active `docker context` (`docker context ls`) points at it"
                        .to_string(),
                ),
            };
            let check = match need {
                Need::NotNeeded => Check::new(
                    NAME,
                    Verdict::Note,
                    format!("not needed by the `embedded` engine; {what}"),
                ),
                Need::Unknown => Check::new(
                    NAME,
                    Verdict::Warning,
                    format!(
                        "{what}; `dynamodb-local` and `ministack` need it, `embedded` does not"
                    ),
                )
                .fix(hint),
                Need::Needed => Check::new(NAME, Verdict::Failed, what).fix(hint),
            };
            (check, None)
        }
    }
}

/// Each container's image: present, or pullable under the pull policy.
/// Nothing is pulled.
pub(super) async fn images_check(subject: &Subject, docker: Option<&Docker>) -> Check {
    const NAME: &str = "images";
    let manifest = &subject.manifest;
    let specs: Vec<_> = manifest
        .containers()
        .into_iter()
        .filter_map(|service| spec::container_spec(manifest, service))
        .collect();
    if specs.is_empty() {
        return Check::new(
            NAME,
            Verdict::Note,
            "none needed: the `embedded` engine is part of devstack",
        );
    }
    let Some(docker) = docker else {
        return Check::new(NAME, Verdict::Note, "not checked: Docker cannot be reached");
    };
    let pull = manifest.project.pull;
    let mut parts = Vec::new();
    for spec in &specs {
        let image = &spec.image;
        parts.push(match docker.image_exists(image).await {
            Err(err) => Part::new(
                Verdict::Warning,
                format!("`{image}`: cannot tell whether it is present: {err:#}"),
            )
            .fix("check the daemon with `docker info`"),
            Ok(true) if pull == PullPolicy::Always => Part::new(
                Verdict::Ok,
                format!("`{image}` present (`up` pulls it again: `pull = \"always\"`)"),
            ),
            Ok(true) => Part::new(Verdict::Ok, format!("`{image}` present")),
            Ok(false) if pull == PullPolicy::Never => Part::new(
                Verdict::Failed,
                format!("`{image}` is not present and the pull policy is `never`"),
            )
            .fix(format!(
                "pull it (`docker pull {image}`), or set `pull = \"missing\"` under `[project]`"
            )),
            Ok(false) => Part::new(
                Verdict::Warning,
                format!("`{image}` is not present; `up` will pull it"),
            )
            .fix(format!("pull it ahead with `docker pull {image}`")),
        });
    }
    Check::of_parts(NAME, parts)
}

/// Each service's host port can be bound, unless the project's own
/// container or engine holds it.
pub(super) async fn ports_check(
    settings: &Settings,
    subject: &Subject,
    docker: Option<&Docker>,
) -> Check {
    let manifest = &subject.manifest;
    let project = &manifest.project.name;
    let files = embedded::EngineFiles::of(&settings.dirs.project(project)).ok();
    // Who of the project holds which host port now.
    let mut own: BTreeMap<u16, String> = BTreeMap::new();
    if let Some(docker) = docker
        && let Ok(containers) = docker.project_containers(project).await
    {
        for container in containers.iter().filter(|c| c.is_running()) {
            for (_, _, host) in &container.ports {
                own.insert(
                    *host,
                    format!("the project's own container `{}`", container.name),
                );
            }
        }
    }
    if let Some(files) = &files
        && let Ok(embedded::Found::Running(record)) = embedded::find(files)
    {
        own.insert(
            record.port,
            format!("the project's own embedded engine (pid {})", record.pid),
        );
    }
    let mut wanted: Vec<(ServiceKind, IpAddr, u16)> = Vec::new();
    for service in manifest.services() {
        if let Some(spec) = spec::container_spec(manifest, service) {
            wanted.push((service, spec.host_ip, spec.host_port));
        } else {
            // Only the bind address and port are read; the folders need not exist.
            let files = files.clone().unwrap_or_else(|| embedded::EngineFiles {
                dir: PathBuf::new(),
                data_dir: PathBuf::new(),
            });
            let engine = embedded::EngineSpec::of(manifest, &files);
            wanted.push((service, engine.bind, engine.port));
        }
    }
    let mut parts = Vec::new();
    for (service, ip, port) in wanted {
        let at = SocketAddr::new(ip, port);
        let change = format!(
            "stop what holds it, or set another `port` under `[services.{service}]` (0 picks a free one)"
        );
        parts.push(if port == 0 {
            Part::new(
                Verdict::Ok,
                format!("any free port on {ip} for `{service}`"),
            )
        } else if let Some(holder) = own.get(&port) {
            Part::new(
                Verdict::Ok,
                format!("{at} for `{service}` is in use by {holder}"),
            )
        } else {
            match TcpListener::bind(at) {
                Ok(_) => Part::new(Verdict::Ok, format!("{at} is free for `{service}`")),
                Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => {
                    let holder =
                        stack::port_holder(port, docker, Some(&settings.dirs.project(project)))
                            .await;
                    let fix = match &holder {
                        PortHolder::Project { project, .. } => format!(
                            "`devstack -p {project} down` frees it, or set another `port` under `[services.{service}]` (0 picks a free one)"
                        ),
                        _ => change,
                    };
                    Part::new(
                        Verdict::Failed,
                        format!(
                            "port {port} on {ip}, which `{service}` needs, is in use by {holder}"
                        ),
                    )
                    .fix(fix)
                }
                Err(err) => Part::new(
                    Verdict::Failed,
                    format!("cannot listen on port {port} on {ip} for `{service}`: {err}"),
                )
                .fix(format!(
                    "set another `port` or `bind` under `[services.{service}]`"
                )),
            }
        });
    }
    Check::of_parts("ports", parts)
}
