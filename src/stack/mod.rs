//! The project's services as containers: what each should look like
//! (`spec`), what to do about it (`plan`, pure), the only Docker client
//! (`docker`), readiness (`health`), and the stack as a whole: bring it to
//! the manifest (`up`), and find it again (`status`, `env`, `logs`).

pub mod docker;
pub mod health;
pub mod plan;
pub mod spec;

use std::net::{IpAddr, TcpListener};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::manifest::{Manifest, PullPolicy};
use crate::output::Printer;
use crate::service::ServiceKind;
use docker::{ContainerSpec, ContainerState, Docker, LABEL_SERVICE};
use plan::Action;

/// How long `down` lets a service shut down before it is killed. MiniStack
/// writes its persistent state only on a graceful stop.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// A service of a running stack.
#[derive(Debug, Clone)]
pub struct Running {
    pub service: ServiceKind,
    /// How this machine reaches it, e.g. `http://127.0.0.1:4566`.
    pub url: String,
    pub action: Action,
}

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

/// Brings the project's containers to the manifest: decide, check, act,
/// then wait until every service is usable. Nothing is created before every
/// check (foreign objects, images, ports) has passed.
pub async fn converge(
    docker: &Docker,
    manifest: &Manifest,
    pull: PullPolicy,
    ready_timeout: Duration,
    printer: &Printer,
) -> anyhow::Result<Vec<Running>> {
    let project = &manifest.project.name;
    let specs: Vec<ContainerSpec> = manifest
        .services()
        .into_iter()
        .map(|service| spec::container_spec(manifest, service))
        .collect();

    // Containers of services the manifest no longer has (the engine was
    // switched, the admin UI turned off) would hold their ports unseen.
    for container in docker.project_containers(project).await? {
        let service = container.labels.get(LABEL_SERVICE);
        if !specs
            .iter()
            .any(|spec| Some(&spec.service.name().to_string()) == service)
        {
            printer.info(&format!(
                "removing the container `{}`: its service is no longer in the manifest",
                container.name
            ));
            if container.is_running() {
                docker.stop_container(&container.id, STOP_GRACE).await?;
            }
            docker.remove_container(&container.id).await?;
        }
    }

    let mut steps = Vec::new();
    for spec in &specs {
        let observed = docker.inspect_container(&spec.name).await?;
        let action = plan::decide(spec, observed.as_ref())?;
        steps.push((spec, observed, action));
    }

    for (spec, observed, action) in &mut steps {
        ensure_image(docker, spec, pull, action.needs_image(), printer).await?;
        // A container made from an older image under the same name (pulled
        // anew, or rebuilt locally) is replaced, as docker compose does.
        if let Some(container) = observed
            && !action.needs_image()
            && let Some(current) = docker.image_id(&spec.image).await?
            && current != container.image_id
        {
            printer.info(&format!(
                "{}: `{}` is a newer image than the container's",
                spec.service, spec.image
            ));
            *action = Action::Recreate;
        }
    }
    for (spec, observed, action) in &steps {
        if action.binds_port() {
            check_port(docker, spec, observed.as_ref()).await?;
        }
    }

    docker
        .ensure_network(&spec::network_name(project), &spec::labels(project, None))
        .await?;
    for (spec, _, _) in &steps {
        if let Some(volume) = &spec.volume {
            docker
                .ensure_volume(&volume.name, &spec::labels(project, Some(spec.service)))
                .await?;
        }
    }

    let mut started = Vec::new();
    for (spec, observed, action) in &steps {
        let id = apply(docker, spec, observed.as_ref(), action, printer).await?;
        started.push((*spec, id, action.clone()));
    }

    // Every service waits under one deadline, all at once.
    let waits = started.iter().map(|(spec, id, action)| {
        wait_one(docker, spec, id, action.clone(), ready_timeout, printer)
    });
    futures_util::future::try_join_all(waits).await
}

async fn ensure_image(
    docker: &Docker,
    spec: &ContainerSpec,
    pull: PullPolicy,
    needed: bool,
    printer: &Printer,
) -> anyhow::Result<()> {
    let present = docker.image_exists(&spec.image).await?;
    let must_pull = match pull {
        PullPolicy::Always => true,
        PullPolicy::Missing => needed && !present,
        PullPolicy::Never => false,
    };
    if !must_pull {
        anyhow::ensure!(
            present || !needed,
            "image `{}` for `{}` is not present and the pull policy is `never`\n  hint: pull it (`docker pull {}`) or set `pull = \"missing\"`",
            spec.image,
            spec.service,
            spec.image
        );
        return Ok(());
    }
    let task = printer.task(spec.service.name(), &format!("pulling {}", spec.image));
    let started = Instant::now();
    match docker
        .pull_image(&spec.image, |done, total| task.bytes(done, total))
        .await
    {
        Ok(()) => {
            task.finish(&format!(
                "pulled {} in {:.1}s",
                spec.image,
                started.elapsed().as_secs_f64()
            ));
            Ok(())
        }
        Err(err) => {
            task.fail(&format!("could not pull {}", spec.image));
            Err(err.into())
        }
    }
}

/// Fails when the host port a service wants is taken by anything but the
/// service's own current container.
async fn check_port(
    docker: &Docker,
    spec: &ContainerSpec,
    observed: Option<&ContainerState>,
) -> anyhow::Result<()> {
    if spec.host_port == 0 {
        return Ok(());
    }
    let held_by_itself = observed.is_some_and(|c| {
        c.is_running() || c.status == "paused"
    } && c.ports.iter().any(|(_, _, host)| *host == spec.host_port));
    if held_by_itself {
        return Ok(());
    }
    if TcpListener::bind((spec.host_ip, spec.host_port)).is_ok() {
        return Ok(());
    }
    let holder = match docker.container_publishing(spec.host_port).await? {
        Some(name) => format!(" by container `{name}`"),
        None => " by another program".to_string(),
    };
    Err(PortBusy {
        service: spec.service,
        ip: spec.host_ip,
        port: spec.host_port,
        holder,
    }
    .into())
}

/// Carries out one step; returns the container id.
async fn apply(
    docker: &Docker,
    spec: &ContainerSpec,
    observed: Option<&ContainerState>,
    action: &Action,
    printer: &Printer,
) -> anyhow::Result<String> {
    let existing = observed.map(|c| c.id.clone()).unwrap_or_default();
    let say = |message: &str| printer.info(&format!("{}: {message}", spec.service));
    match action {
        Action::Keep => Ok(existing),
        Action::Unpause => {
            say("resuming the paused container");
            docker.unpause_container(&existing).await?;
            Ok(existing)
        }
        Action::Start => {
            say(&format!("starting the existing container `{}`", spec.name));
            docker.start_container(&existing).await?;
            Ok(existing)
        }
        Action::Create | Action::Recreate => {
            if *action == Action::Recreate {
                say(&format!(
                    "configuration changed; replacing the container `{}` (volumes are kept)",
                    spec.name
                ));
                docker.stop_container(&existing, STOP_GRACE).await?;
                docker.remove_container(&existing).await?;
            } else {
                say(&format!(
                    "creating the container `{}` from {}",
                    spec.name, spec.image
                ));
            }
            let id = docker
                .create_container(spec)
                .await
                .with_context(|| format!("cannot create the container for `{}`", spec.service))?;
            docker
                .start_container(&id)
                .await
                .with_context(|| format!("cannot start the container for `{}`", spec.service))?;
            Ok(id)
        }
    }
}

async fn wait_one(
    docker: &Docker,
    spec: &ContainerSpec,
    id: &str,
    action: Action,
    timeout: Duration,
    printer: &Printer,
) -> anyhow::Result<Running> {
    let task = printer.task(
        spec.service.name(),
        if action == Action::Keep {
            "checking"
        } else {
            "waiting until usable"
        },
    );
    let container = docker
        .inspect_container(id)
        .await?
        .with_context(|| format!("the container of `{}` disappeared", spec.service))?;
    let Some(port) = container.host_port(spec.container_port) else {
        task.fail("not ready");
        // A container that already stopped has no published port.
        if !container.is_running() {
            return Err(health::NotReady::Exited {
                service: spec.service.name().to_string(),
                container: spec.name.clone(),
                code: container.exit_code.unwrap_or(-1),
                oom: if container.oom_killed {
                    ", killed: out of memory"
                } else {
                    ""
                },
                logs: docker
                    .tail_logs(&spec.name, health::LOG_TAIL)
                    .await
                    .trim_end()
                    .to_string(),
            }
            .into());
        }
        anyhow::bail!(
            "the container `{}` publishes no port for {}",
            spec.name,
            spec.container_port
        );
    };
    let url = spec::host_url(spec.host_ip, port);
    let probes = spec::readiness(spec.service, &url, region_of(spec));
    // By name, so messages name the container the user can look at.
    match health::wait_ready(docker, spec.service.name(), &spec.name, &probes, timeout).await {
        Ok(took) => {
            let what = match action {
                Action::Keep => "running".to_string(),
                _ => format!("ready in {:.1}s", took.as_secs_f64()),
            };
            task.finish(&format!("{what} at {url}"));
            Ok(Running {
                service: spec.service,
                url,
                action,
            })
        }
        Err(err) => {
            task.fail("not ready");
            Err(err.into())
        }
    }
}

/// The region a probe signs with: the one the engine was configured for.
fn region_of(spec: &ContainerSpec) -> &str {
    spec.env
        .iter()
        .find(|(k, _)| k == "MINISTACK_REGION" || k == "AWS_REGION")
        .map_or("us-east-1", |(_, v)| v.as_str())
}

/// Each of the manifest's services with its container, if there is one.
pub async fn discover(
    docker: &Docker,
    manifest: &Manifest,
) -> anyhow::Result<Vec<(ContainerSpec, Option<ContainerState>)>> {
    let mut found = Vec::new();
    for service in manifest.services() {
        let spec = spec::container_spec(manifest, service);
        let state = docker
            .inspect_container(&spec.name)
            .await?
            .filter(|c| plan::decide(&spec, Some(c)).is_ok());
        found.push((spec, state));
    }
    Ok(found)
}

/// The URL of the running engine, or an error that says to run `up`.
pub async fn engine_url(docker: &Docker, manifest: &Manifest) -> anyhow::Result<String> {
    let engine = manifest.project.engine.service();
    let spec = spec::container_spec(manifest, engine);
    let state = docker.inspect_container(&spec.name).await?;
    let port = state
        .as_ref()
        .filter(|c| c.is_running() && plan::decide(&spec, Some(c)).is_ok())
        .and_then(|c| c.host_port(spec.container_port));
    match port {
        Some(port) => Ok(spec::host_url(spec.host_ip, port)),
        None => anyhow::bail!(
            "`{engine}` of project `{}` is not running\n  hint: start it with `devstack up`",
            manifest.project.name
        ),
    }
}
