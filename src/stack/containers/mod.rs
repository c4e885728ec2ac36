//! The project's services as Docker containers: what each should look like
//! (`spec`, pure), what to do about the one that exists (`plan`, pure), the
//! check of a persistent data volume (`volume`), and here the orchestration:
//! bring the containers to the manifest for `up` (decide, check, act;
//! nothing is created before every check has passed), find the engine's
//! container again, and read the services' logs.

pub mod plan;
pub mod spec;
pub mod volume;
mod watch;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::StreamExt;

use super::docker::{ContainerSpec, ContainerState, ContainerStatus, DEFAULT_NETWORK, Docker};
use super::health::{self, Watch};
use super::net::{PortBusy, container_url};
use super::ports;
use super::{LogLine, ServiceUp};
use crate::manifest::{Manifest, PullPolicy};
use crate::output::Printer;
use crate::service::{Engine, ServiceKind};
use plan::{Action, Joins, Why};
pub use watch::EngineContainer;

/// How long `down` lets a service shut down before it is killed. MiniStack
/// writes its persistent state only on a graceful stop.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// What the other services' start needs, once the tables are made.
pub(super) struct Companions {
    docker: Docker,
    /// Each with the container found when `up` began, and what to do.
    steps: Vec<(ContainerSpec, Option<ContainerState>, Action)>,
    /// The project network's name, the id of the one the engine is on,
    /// and its labels.
    network: (String, String, BTreeMap<String, String>),
    region: String,
    ready_timeout: Duration,
    printer: Printer,
}

impl Companions {
    /// Starts the other services and waits until they are usable too.
    pub(super) async fn start(self) -> anyhow::Result<Vec<ServiceUp>> {
        // Their ports were free when `up` began; the tables took a while since.
        for (spec, observed, action) in &self.steps {
            if action.binds_port() {
                check_port(&self.docker, spec, observed.as_ref()).await?;
            }
        }
        // The project network exists: the engine is on it. They join it by
        // name: a twin made late by a killed `up` would make it ambiguous.
        if self.steps.iter().any(|(_, _, action)| !action.is_keep()) {
            let (name, id, labels) = &self.network;
            self.docker.remove_network_twins(name, labels, id).await?;
        }
        let mut started = Vec::new();
        for (spec, _, action) in &self.steps {
            let id = apply(&self.docker, spec, action, Joins::AtStart, &self.printer).await?;
            started.push((spec, id, !action.is_keep()));
        }
        let this = &self;
        let waits = started.iter().map(|(spec, id, changed)| async move {
            let (up, _) = wait_one(
                &this.docker,
                spec,
                id,
                *changed,
                &this.region,
                this.ready_timeout,
                &this.printer,
            )
            .await?;
            anyhow::Ok(up)
        });
        futures_util::future::try_join_all(waits).await
    }
}

/// Brings the project's containers to the manifest and waits until the
/// engine is usable; the other services (the admin UI) are left to
/// [`Companions::start`]. Returns the engine's container, and the engine
/// as a service.
///
/// A new engine container is made on Docker's default network and started
/// there; the project network is made and the container connected to it
/// while the engine starts up (a container starts sooner on the default
/// network, and the engine needs the project network only for the other
/// services, which start later). It is on the project network before this
/// returns.
pub(super) async fn up(
    manifest: &Manifest,
    pull: PullPolicy,
    ready_timeout: Duration,
    printer: &Printer,
) -> anyhow::Result<(EngineContainer, ServiceUp, Companions)> {
    let project = &manifest.project.name;
    let docker = &Docker::connect().await?;
    let specs: Vec<ContainerSpec> = manifest
        .containers()
        .into_iter()
        .filter_map(|service| spec::container_spec(manifest, service))
        .collect();

    // Everything is looked at at once: the containers of services the
    // manifest dropped, each service's container, the image it names.
    let looks = specs.iter().map(|spec| async move {
        tokio::try_join!(
            docker.inspect_container(&spec.name),
            docker.image_id(&spec.image)
        )
    });
    let ((), looked) = tokio::try_join!(
        remove_dropped(docker, project, &specs, printer),
        futures_util::future::try_join_all(looks)
    )?;
    // A container with our name but not our label stops everything, before
    // anything is pulled or made.
    for (spec, (found, _)) in specs.iter().zip(&looked) {
        plan::decide(spec, found.as_ref(), None)?;
    }

    let mut steps = Vec::new();
    for (spec, (observed, mut image)) in specs.iter().zip(looked) {
        if pull == PullPolicy::Always {
            pull_image(docker, spec, printer).await?;
            image = docker.image_id(&spec.image).await?;
        }
        let action = plan::decide(spec, observed.as_ref(), image.as_deref())?;
        if action.needs_image() && image.is_none() {
            anyhow::ensure!(
                pull != PullPolicy::Never,
                "image `{}` for `{}` is not present and the pull policy is `never`\n  hint: pull it (`docker pull {}`) or set `pull = \"missing\"`",
                spec.image,
                spec.service,
                spec.image
            );
            pull_image(docker, spec, printer).await?;
        }
        steps.push((spec, observed, action));
    }
    let network = spec::network_name(project);
    let labels = spec::project_labels(&manifest.project, None);
    let ports = steps.iter().map(|(spec, observed, action)| async move {
        if action.binds_port() {
            check_port(docker, spec, observed.as_ref()).await?;
        }
        anyhow::Ok(())
    });
    let (_, networks) = tokio::try_join!(
        futures_util::future::try_join_all(ports),
        docker.look_at_networks(&network, &labels)
    )?;

    for (spec, _, _) in &steps {
        if let Some(volume) = &spec.volume {
            docker
                .ensure_volume(
                    &volume.name,
                    &spec::project_labels(&manifest.project, Some(spec.service)),
                )
                .await?;
        }
    }

    // The engine starts first, alone. The other services (the admin UI)
    // are not needed for the tables: started beside them, they would take
    // CPU from the engine's start and from the tables on a small machine.
    // They start once the tables are made (`Companions::start`), on the
    // project network.
    let region = manifest.project.region.clone();
    let engine = manifest.project.engine.service();
    let (engine_step, others): (Vec<_>, Vec<_>) = steps
        .into_iter()
        .map(|(spec, observed, action)| (spec.clone(), observed, action))
        .partition(|(spec, _, _)| spec.service == engine);
    let Some((spec, observed, action)) = engine_step.into_iter().next() else {
        anyhow::bail!("the manifest's engine `{engine}` has no container");
    };
    let joins = plan::joins(&spec, observed.as_ref(), &action, networks.default);
    // The network the engine is on, else the one found. Twins (an older
    // daemon makes them when two creations race: the late request of a
    // killed `up`, and this one's) are removed once the engine is on one.
    let on = observed
        .as_ref()
        .and_then(|c| c.networks.get(&network))
        .filter(|id| networks.project.contains(id));
    let mut network_id = on.or(networks.project.first()).cloned();
    let mut twins = networks.project.len() > 1;
    if joins == Joins::AtStart && network_id.is_none() {
        network_id = Some(docker.create_network(&network, &labels).await?);
        twins = true;
    }
    let id = apply(docker, &spec, &action, joins, printer).await?;
    let changed = !action.is_keep();
    let connect = async {
        // Made now, beside the engine's start, when it joins once running.
        let (network_id, made) = match network_id {
            Some(known) => (known, false),
            None => (docker.create_network(&network, &labels).await?, true),
        };
        if joins == Joins::OnceRunning {
            // By id: twins share the name.
            docker
                .connect_network(&network_id, &id, &spec.aliases)
                .await
                .with_context(|| format!("cannot put `{}` on the project network", spec.service))?;
        }
        if twins || made {
            docker
                .remove_network_twins(&network, &labels, &network_id)
                .await?;
        }
        anyhow::Ok(network_id)
    };
    let ((mut up, state), network_id) = tokio::try_join!(
        wait_one(docker, &spec, &id, changed, &region, ready_timeout, printer),
        connect
    )?;
    up.changed |= joins == Joins::OnceRunning;
    let engine = EngineContainer {
        docker: docker.clone(),
        spec,
        state,
    };
    let companions = Companions {
        docker: docker.clone(),
        steps: others,
        network: (network, network_id, labels),
        region,
        ready_timeout,
        printer: printer.clone(),
    };
    Ok((engine, up, companions))
}

/// Containers of services the manifest no longer has (the admin UI turned
/// off) would hold their ports unseen: they are removed. Another engine's
/// container is not: it is the project's stack on that engine (an `up`
/// with another `--engine`, or before the manifest's engine changed), left
/// running and said so.
async fn remove_dropped(
    docker: &Docker,
    project: &str,
    wanted: &[ContainerSpec],
    printer: &Printer,
) -> anyhow::Result<()> {
    for container in docker.project_containers(project).await? {
        let service = container.service();
        if wanted.iter().any(|spec| Some(spec.service) == service) {
            continue;
        }
        if let Some(engine) = service.and_then(|s| Engine::from_name(s.name())) {
            if container.is_running() {
                let what = format!("container `{}`", container.name);
                printer.info(&super::left_running(project, engine, &what));
            }
            continue;
        }
        printer.info(&format!(
            "removing the container `{}`: its service is no longer in the manifest",
            container.name
        ));
        if container.is_running() {
            docker.stop_container(&container.id, STOP_GRACE).await?;
        }
        docker.remove_container(&container.id).await?;
    }
    Ok(())
}

async fn pull_image(
    docker: &Docker,
    spec: &ContainerSpec,
    printer: &Printer,
) -> anyhow::Result<()> {
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
        c.is_running() || c.status == ContainerStatus::Paused
    } && c.ports.iter().any(|(_, _, host)| *host == spec.host_port));
    if held_by_itself {
        return Ok(());
    }
    if TcpListener::bind((spec.host_ip, spec.host_port)).is_ok() {
        return Ok(());
    }
    Err(PortBusy {
        service: spec.service,
        ip: spec.host_ip,
        port: spec.host_port,
        holder: ports::holder(spec.host_port, Some(docker), None).await,
    }
    .into())
}

/// Carries out one step; returns the container id. A container made to
/// join the project network once it runs is made on Docker's default
/// network.
async fn apply(
    docker: &Docker,
    spec: &ContainerSpec,
    action: &Action,
    joins: Joins,
    printer: &Printer,
) -> anyhow::Result<String> {
    let say = |message: &str| printer.info(&format!("{}: {message}", spec.service));
    let old = match action {
        Action::Keep { id } => return Ok(id.clone()),
        Action::Unpause { id } => {
            say("resuming the paused container");
            docker.unpause_container(id).await?;
            return Ok(id.clone());
        }
        Action::Start { id } => {
            say(&format!("starting the existing container `{}`", spec.name));
            docker.start_container(id).await?;
            return Ok(id.clone());
        }
        Action::Create => {
            say(&format!(
                "creating the container `{}` from {}",
                spec.name, spec.image
            ));
            None
        }
        Action::Recreate { id, why } => {
            say(&match why {
                Why::NewerImage => format!(
                    "`{}` is a newer image than the container's; replacing the container `{}` (volumes are kept)",
                    spec.image, spec.name
                ),
                Why::Configuration | Why::Broken => format!(
                    "configuration changed; replacing the container `{}` (volumes are kept)",
                    spec.name
                ),
            });
            Some(id)
        }
    };
    if let Some(old) = old {
        docker.stop_container(old, STOP_GRACE).await?;
        docker.remove_container(old).await?;
    }
    let made = match joins {
        Joins::AtStart => create(docker, spec).await,
        Joins::OnceRunning => create(docker, &on_default_network(spec)).await,
    };
    let id = made.with_context(|| format!("cannot create the container for `{}`", spec.service))?;
    docker
        .start_container(&id)
        .await
        .with_context(|| format!("cannot start the container for `{}`", spec.service))?;
    Ok(id)
}

/// The container as made off the project network: on Docker's default
/// network, which has no aliases. Its labels (and so its configuration
/// hash) are those of `spec`.
fn on_default_network(spec: &ContainerSpec) -> ContainerSpec {
    ContainerSpec {
        network: DEFAULT_NETWORK.to_string(),
        aliases: Vec::new(),
        ..spec.clone()
    }
}

/// How long a name taken by a killed `up`'s create may stay taken: the
/// daemon may still be carrying that request out when this `up` looks.
const NAME_TAKEN_DEADLINE: Duration = Duration::from_secs(10);

/// Creates the container. Its name may be taken although the plan saw no
/// container: an `up` killed just after it asked for the container, whose
/// request the daemon carried out (or is still carrying out) after this
/// `up` looked. A container of this project's is then replaced; anyone
/// else's is refused; a name taken by nothing to be seen yet is tried
/// again until the daemon has finished with it.
async fn create(docker: &Docker, spec: &ContainerSpec) -> anyhow::Result<String> {
    let started = Instant::now();
    loop {
        if let Some(id) = docker.create_container(spec).await? {
            return Ok(id);
        }
        match docker.inspect_container(&spec.name).await? {
            Some(found) if !plan::is_ours(spec, &found) => {
                return Err(plan::Foreign::of(spec).into());
            }
            Some(found) => docker.remove_container(&found.id).await?,
            None => tokio::time::sleep(Duration::from_millis(100)).await,
        }
        if started.elapsed() > NAME_TAKEN_DEADLINE {
            anyhow::bail!(
                "docker: create container `{}`: the name is still taken {} s after its container was removed",
                spec.name,
                NAME_TAKEN_DEADLINE.as_secs()
            );
        }
    }
}

/// Waits until one service is usable; `changed` when `up` just made,
/// started or replaced its container.
async fn wait_one(
    docker: &Docker,
    spec: &ContainerSpec,
    id: &str,
    changed: bool,
    region: &str,
    timeout: Duration,
    printer: &Printer,
) -> anyhow::Result<(ServiceUp, ContainerState)> {
    let service = spec.service.name();
    let task = printer.task(
        service,
        if changed {
            "waiting until usable"
        } else {
            "checking"
        },
    );
    let container = docker
        .inspect_container(id)
        .await?
        .with_context(|| format!("the container of `{}` disappeared", spec.service))?;
    let Some(url) = container_url(&container, spec.service) else {
        task.fail("not ready");
        // A container that already stopped has no published port.
        if !container.is_running() {
            return Err(
                health::NotReady::exited(docker, service, &spec.name, &container)
                    .await
                    .into(),
            );
        }
        anyhow::bail!(
            "the container `{}` publishes no port for {}",
            spec.name,
            spec.container_port
        );
    };
    let probes = health::readiness(spec.service, &url, region);
    let watch = Watch::Container {
        docker,
        name: &spec.name,
    };
    // Runs beside the wait, so only a volume with a problem costs time.
    let checked = async {
        let (took, ()) = tokio::try_join!(
            async {
                health::wait_ready(service, &probes, timeout, watch)
                    .await
                    .map_err(anyhow::Error::from)
            },
            async {
                volume::check(docker, spec)
                    .await
                    .map_err(anyhow::Error::from)
            },
        )?;
        anyhow::Ok(took)
    };
    match checked.await {
        Ok(took) => {
            let what = if changed {
                format!("ready in {:.1}s", took.as_secs_f64())
            } else {
                "running".to_string()
            };
            task.finish(&format!("{what} at {url}"));
            let up = ServiceUp {
                service: spec.service,
                url,
                changed,
            };
            Ok((up, container))
        }
        Err(err) => {
            task.fail("not ready");
            Err(err)
        }
    }
}

/// Each of the manifest's container services with its container, if there
/// is one of this project.
pub(super) async fn discover(
    docker: &Docker,
    manifest: &Manifest,
) -> anyhow::Result<Vec<(ContainerSpec, Option<ContainerState>)>> {
    let mut found = Vec::new();
    for service in manifest.containers() {
        let Some(spec) = spec::container_spec(manifest, service) else {
            continue;
        };
        let state = docker
            .inspect_container(&spec.name)
            .await?
            .filter(|c| plan::is_ours(&spec, c));
        found.push((spec, state));
    }
    Ok(found)
}

/// The project's engine containers that run, of every engine, with their
/// names; none when Docker does not answer.
pub(super) async fn running_engines(project: &str) -> anyhow::Result<Vec<(Engine, String)>> {
    let Some(docker) = Docker::connect_if_there().await else {
        return Ok(Vec::new());
    };
    let containers = docker.project_containers(project).await?;
    Ok(containers
        .into_iter()
        .filter(|c| c.is_running())
        .filter_map(|c| Some((Engine::from_name(c.service()?.name())?, c.name)))
        .collect())
}

/// The engine's container, when it is the project's.
pub(super) async fn find_engine(manifest: &Manifest) -> anyhow::Result<Option<EngineContainer>> {
    let engine = manifest.project.engine;
    let docker = Docker::connect().await?;
    let spec = spec::container_spec(manifest, engine.service())
        .ok_or_else(|| anyhow::anyhow!("`{engine}` is not a container"))?;
    let state = docker.inspect_container(&spec.name).await?;
    Ok(state
        .filter(|c| plan::is_ours(&spec, c))
        .map(|state| EngineContainer {
            docker,
            spec,
            state,
        }))
}

/// Where to reach `port` of the first of `named` that runs as a container
/// of the project, from what Docker reports: its address on the project
/// network when that answers from here (Linux, or a container on that
/// network), else the host port it publishes `port` on (Docker Desktop,
/// whose container addresses the host cannot reach).
pub(super) async fn address_of(
    named: &[ContainerSpec],
    project: &str,
    port: u16,
) -> Option<SocketAddr> {
    let docker = Docker::connect().await.ok()?;
    let network = spec::network_name(project);
    for spec in named {
        let Ok(Some(found)) = docker.inspect_container(&spec.name).await else {
            continue;
        };
        if !plan::is_ours(spec, &found) || !found.is_running() {
            continue;
        }
        let on_network = found
            .addresses
            .get(&network)
            .map(|ip| SocketAddr::new(*ip, port));
        if let Some(address) = on_network {
            let answers = tokio::time::timeout(
                Duration::from_millis(500),
                tokio::net::TcpStream::connect(address),
            )
            .await
            .is_ok_and(|connected| connected.is_ok());
            if answers {
                return Some(address);
            }
        }
        if let Some((ip, host_port)) = crate::stack::net::published(&found, port) {
            return Some(SocketAddr::new(ip, host_port));
        }
        if on_network.is_some() {
            return on_network;
        }
    }
    None
}

/// The output of the project's containers (`service`'s, or every one's),
/// line by line as it comes: the last `tail` lines of each, and with
/// `follow` what they print next, until they stop.
pub(super) async fn logs(
    manifest: &Manifest,
    service: Option<ServiceKind>,
    tail: Option<usize>,
    follow: bool,
    printer: &Printer,
) -> anyhow::Result<impl futures_util::Stream<Item = anyhow::Result<LogLine>> + use<>> {
    let docker = Docker::connect().await?;
    let mut streams = Vec::new();
    for (spec, state) in discover(&docker, manifest).await? {
        if service.is_some_and(|s| s != spec.service) {
            continue;
        }
        let Some(state) = state else {
            printer.info(&format!(
                "{}: no container (run `devstack up`)",
                spec.service
            ));
            continue;
        };
        let from = spec.service;
        streams.push(
            docker
                .log_lines(&state.id, follow, tail)
                .map(move |line| {
                    line.map(|text| LogLine {
                        service: from,
                        text,
                    })
                })
                .boxed(),
        );
    }
    Ok(futures_util::stream::select_all(streams))
}
