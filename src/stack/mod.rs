//! The project's services: as containers, what each should look like
//! (`spec`), what to do about it (`plan`, pure) and the only Docker client
//! (`docker`); the engine devstack runs itself, without Docker
//! (`embedded`); readiness (`health`); and the stack as a whole: bring it to
//! the manifest (`up`), and find it again (`status`, `env`, `logs`).

pub mod docker;
pub mod embedded;
pub mod health;
pub mod plan;
pub mod spec;
pub mod volume;

use std::net::{IpAddr, TcpListener};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::manifest::{Manifest, PullPolicy};
use crate::output::Printer;
use crate::service::{Engine, ServiceKind};
use crate::state::Folders;
use docker::{ContainerSpec, ContainerState, ContainerStatus, Docker, LABEL_SERVICE};
use health::Watch;
use plan::{Action, Why};

/// How long `down` lets a service shut down before it is killed. MiniStack
/// writes its persistent state only on a graceful stop.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// A service of a running stack.
#[derive(Debug, Clone)]
pub struct Running {
    pub service: ServiceKind,
    /// How this machine reaches it, e.g. `http://127.0.0.1:4566`.
    pub url: String,
    /// Whether `up` changed anything about it.
    pub changed: bool,
}

/// The stack `up` brought to the manifest: every service, usable.
#[derive(Debug, Clone)]
pub struct RunningStack {
    /// The engine first.
    pub services: Vec<Running>,
}

impl RunningStack {
    /// Whether `up` changed anything.
    pub fn changed(&self) -> bool {
        self.services.iter().any(|s| s.changed)
    }
}

/// The stack once its engine answers: the tables can be made. The other
/// services (the admin UI) start only when [`Converged::finish`] is
/// called, once the tables are made: they never hold up the tables.
/// Dropped without `finish` (the tables failed), it starts none of them;
/// `finish` cut short (Ctrl-C) stops where it is.
pub struct Converged {
    pub engine: Running,
    companions: Option<Companions>,
}

/// What the other services' start needs.
struct Companions {
    docker: Docker,
    /// Each with the container found when `up` began, and what to do.
    steps: Vec<(ContainerSpec, Option<ContainerState>, Action)>,
    region: String,
    ready_timeout: Duration,
    printer: Printer,
}

impl Converged {
    /// Starts the other services and waits until they are usable too.
    pub async fn finish(self) -> anyhow::Result<RunningStack> {
        let mut services = vec![self.engine];
        if let Some(c) = self.companions {
            // Their ports were free when `up` began; the tables took a
            // while since.
            for (spec, observed, action) in &c.steps {
                if action.binds_port() {
                    check_port(&c.docker, spec, observed.as_ref()).await?;
                }
            }
            let mut started = Vec::new();
            for (spec, _, action) in &c.steps {
                let id = apply(&c.docker, spec, action, &c.printer).await?;
                started.push((spec, id, !action.is_keep()));
            }
            let waits = started.iter().map(|(spec, id, changed)| {
                wait_one(
                    &c.docker,
                    spec,
                    id,
                    *changed,
                    &c.region,
                    c.ready_timeout,
                    &c.printer,
                )
            });
            services.extend(futures_util::future::try_join_all(waits).await?);
        }
        Ok(RunningStack { services })
    }
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

/// Brings the project's services to the manifest: the embedded engine, or
/// the containers (decide, check, act; nothing is created before every
/// check has passed), and waits until the engine is usable; the other
/// services start in [`Converged::finish`]. An engine of
/// the project that the manifest no longer names is stopped first: it would
/// hold its port unseen.
pub async fn converge(
    manifest: &Manifest,
    pull: PullPolicy,
    ready_timeout: Duration,
    folders: &Folders,
    printer: &Printer,
) -> anyhow::Result<Converged> {
    let project = &manifest.project.name;
    let engine = manifest.project.engine;
    if engine == Engine::Embedded {
        let files = embedded::Files::of(folders, project)?;
        // Without Docker there can be no containers of this project to clear.
        if let Some(docker) = Docker::connect_if_there().await {
            remove_dropped(&docker, project, &[], printer).await?;
        }
        let engine = embedded::converge(manifest, &files, ready_timeout, printer).await?;
        return Ok(Converged {
            engine,
            companions: None,
        });
    }
    if let Ok(files) = embedded::Files::of(folders, project)
        && matches!(embedded::find(&files)?, embedded::Found::Running(_))
    {
        printer.info(&format!(
            "stopping the embedded engine of `{project}`: the manifest's engine is now {engine}"
        ));
        embedded::stop(&files).await?;
    }
    let docker = &Docker::connect().await?;
    let specs: Vec<ContainerSpec> = manifest
        .containers()
        .into_iter()
        .filter_map(|service| spec::container_spec(manifest, service))
        .collect();
    remove_dropped(docker, project, &specs, printer).await?;

    // A container with our name but not our label stops everything, before
    // anything is pulled or made.
    let mut observed = Vec::new();
    for spec in &specs {
        let found = docker.inspect_container(&spec.name).await?;
        plan::decide(spec, found.as_ref(), None)?;
        observed.push(found);
    }

    let mut steps = Vec::new();
    for (spec, observed) in specs.iter().zip(observed) {
        if pull == PullPolicy::Always {
            pull_image(docker, spec, printer).await?;
        }
        let image = docker.image_id(&spec.image).await?;
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
    for (spec, observed, action) in &steps {
        if action.binds_port() {
            check_port(docker, spec, observed.as_ref()).await?;
        }
    }

    docker
        .ensure_network(
            &spec::network_name(project),
            &spec::project_labels(&manifest.project, None),
        )
        .await?;
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
    // They start once the tables are made (`Converged::finish`).
    let region = manifest.project.region.clone();
    let engine = manifest.project.engine.service();
    let (engine_step, others): (Vec<_>, Vec<_>) = steps
        .into_iter()
        .map(|(spec, observed, action)| (spec.clone(), observed, action))
        .partition(|(spec, _, _)| spec.service == engine);
    let Some((spec, _, action)) = engine_step.into_iter().next() else {
        anyhow::bail!("the manifest's engine `{engine}` has no container");
    };
    let id = apply(docker, &spec, &action, printer).await?;
    let changed = !action.is_keep();
    let engine = wait_one(docker, &spec, &id, changed, &region, ready_timeout, printer).await?;
    Ok(Converged {
        engine,
        companions: Some(Companions {
            docker: docker.clone(),
            steps: others,
            region,
            ready_timeout,
            printer: printer.clone(),
        }),
    })
}

/// Containers of services the manifest no longer has (the engine was
/// switched, the admin UI turned off) would hold their ports unseen.
async fn remove_dropped(
    docker: &Docker,
    project: &str,
    wanted: &[ContainerSpec],
    printer: &Printer,
) -> anyhow::Result<()> {
    for container in docker.project_containers(project).await? {
        let service = container.labels.get(LABEL_SERVICE);
        if !wanted
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
    action: &Action,
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
    let id = create(docker, spec)
        .await
        .with_context(|| format!("cannot create the container for `{}`", spec.service))?;
    docker
        .start_container(&id)
        .await
        .with_context(|| format!("cannot start the container for `{}`", spec.service))?;
    Ok(id)
}

/// Creates the container. Its name may be taken although the plan saw no
/// container: an `up` killed just after it asked for the container, whose
/// request the daemon carried out after this `up` looked. A container of
/// this project's is then replaced; anyone else's is refused.
async fn create(docker: &Docker, spec: &ContainerSpec) -> anyhow::Result<String> {
    if let Some(id) = docker.create_container(spec).await? {
        return Ok(id);
    }
    if let Some(found) = docker.inspect_container(&spec.name).await? {
        if !plan::is_ours(spec, &found) {
            return Err(plan::Foreign::of(spec).into());
        }
        docker.remove_container(&found.id).await?;
    }
    docker.create_container(spec).await?.ok_or_else(|| {
        anyhow::anyhow!(
            "docker: create container `{}`: the name is still taken after its container was removed",
            spec.name
        )
    })
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
) -> anyhow::Result<Running> {
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
    let Some(url) = url_of(spec, &container) else {
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
    let probes = spec::readiness(spec.service, &url, region);
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
            Ok(Running {
                service: spec.service,
                url,
                changed,
            })
        }
        Err(err) => {
            task.fail("not ready");
            Err(err)
        }
    }
}

/// The URL a running container of `spec` answers on from this machine.
pub fn url_of(spec: &ContainerSpec, state: &ContainerState) -> Option<String> {
    state
        .host_port(spec.container_port)
        .filter(|_| state.is_running())
        .map(|port| spec::host_url(spec.host_ip, port))
}

/// Each of the manifest's container services with its container, if there
/// is one of this project.
pub async fn discover(
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

/// The URL of the running engine, or an error that says to run `up`.
pub async fn engine_url(manifest: &Manifest, folders: &Folders) -> anyhow::Result<String> {
    let engine = manifest.project.engine;
    let project = &manifest.project.name;
    let files = embedded::Files::of(folders, project);
    let embedded_runs = match &files {
        Ok(files) => match embedded::find(files)? {
            embedded::Found::Running(record) => Some(record),
            _ => None,
        },
        Err(_) => None,
    };
    if engine == Engine::Embedded {
        return match embedded_runs {
            Some(record) => Ok(record.url()),
            None => anyhow::bail!(
                "the embedded engine of project `{project}` is not running\n  hint: start it with `devstack up`"
            ),
        };
    }
    let docker = Docker::connect().await?;
    let spec = spec::container_spec(manifest, engine.service())
        .ok_or_else(|| anyhow::anyhow!("`{engine}` is not a container"))?;
    let state = docker.inspect_container(&spec.name).await?;
    let url = state
        .filter(|c| plan::is_ours(&spec, c))
        .and_then(|c| url_of(&spec, &c));
    match (url, embedded_runs) {
        (Some(url), _) => Ok(url),
        (None, Some(_)) => anyhow::bail!(
            "`{engine}` of project `{project}` is not running, but its embedded engine is\n  hint: pass `--engine embedded` (or set `DEVSTACK_ENGINE=embedded`) to use it"
        ),
        (None, None) => anyhow::bail!(
            "`{engine}` of project `{project}` is not running\n  hint: start it with `devstack up`"
        ),
    }
}

/// Why table work failed, when the engine's container is the cause: it
/// stopped, was paused or removed, or its data volume is full or not
/// writable (DynamoDB Local answers a full disk by leaving every item
/// unprocessed, which by itself says nothing). `err` comes back under the
/// cause, or alone when there is none to tell.
pub async fn with_engine_cause(manifest: &Manifest, err: anyhow::Error) -> anyhow::Error {
    let Some((docker, spec)) = engine_container(manifest).await else {
        return err;
    };
    if let Some(lost) = lost_now(&docker, &spec).await {
        return err.context(lost);
    }
    if !manifest.project.persist {
        return err;
    }
    match volume::check(&docker, &spec).await {
        Ok(()) => err,
        Err(problem) => err.context(problem),
    }
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

/// Resolves once the engine's container stops, is paused or is removed,
/// so that table work is cut short with the reason rather than waiting
/// out its requests' deadlines. Never resolves for the embedded engine, an
/// engine devstack did not start, or while the daemon does not answer
/// (the tables need only the engine).
pub async fn engine_lost(manifest: &Manifest) -> EngineLost {
    let Some((docker, spec)) = engine_container(manifest).await else {
        return std::future::pending().await;
    };
    loop {
        tokio::time::sleep(ENGINE_WATCH).await;
        if let Some(lost) = lost_now(&docker, &spec).await {
            return lost;
        }
    }
}

/// The engine's container, when devstack runs the engine in one, the
/// daemon answers, and the name is not someone else's container. One that
/// is gone counts: [`lost_now`] reports it as removed.
async fn engine_container(manifest: &Manifest) -> Option<(Docker, ContainerSpec)> {
    let engine = manifest.project.engine;
    if engine == Engine::Embedded {
        return None;
    }
    let spec = spec::container_spec(manifest, engine.service())?;
    let docker = Docker::connect_if_there().await?;
    match docker.inspect_container(&spec.name).await.ok()? {
        Some(found) if !plan::is_ours(&spec, &found) => None,
        _ => Some((docker, spec)),
    }
}

/// How long after a container is seen stopped it is looked at again, to
/// tell `docker rm --force` (stop, then remove) from a stop.
const REMOVAL_GRACE: Duration = Duration::from_millis(200);

/// Whether the engine's container is unusable now; `None` also when the
/// daemon does not answer.
async fn lost_now(docker: &Docker, spec: &ContainerSpec) -> Option<EngineLost> {
    let service = spec.service.name().to_string();
    let container = spec.name.clone();
    let state = match docker.inspect_container(&container).await {
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
            match docker.inspect_container(&container).await {
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
