//! What runs, as `status` and `ls` show it: each service of a project with
//! its state, health, image, ports and URL; and every devstack project on
//! this machine, found by Docker's labels and the embedded engines' folders.

use std::collections::BTreeMap;

use serde::Serialize;

use super::containers::{discover, spec};
use super::docker::{ContainerState, ContainerStatus, Docker};
use super::embedded::{self, EngineFiles, Found};
use super::handle::EngineHandle;
use super::health::{Health, readiness};
use super::net::container_url;
use crate::dirs::{BaseDirs, ProjectDirs};
use crate::manifest::Manifest;
use crate::service::{Engine, ServiceKind};

/// One service of a project, as found.
#[derive(Debug, Serialize)]
pub struct ServiceState {
    pub service: String,
    /// The container's name, `pid N` for the embedded engine, or `-`.
    pub container: String,
    /// `running`, `exited`, `paused`, … or `missing`.
    pub state: String,
    /// `ready`, `not ready: …`, or `-` when not running.
    pub health: Health,
    pub image: String,
    pub ports: Vec<String>,
    pub url: Option<String>,
    /// A running engine of the project other than the one in use (started
    /// with another `--engine`): shown, but not the stack's health.
    #[serde(skip)]
    pub beside: bool,
}

/// Each service of the project, and the URL of its engine when it answers.
/// The embedded engine is shown whenever it runs: `up --engine embedded`
/// starts it whatever the manifest says.
pub async fn services(
    manifest: &Manifest,
    project: &ProjectDirs,
) -> anyhow::Result<(Vec<ServiceState>, Option<String>)> {
    // A warm run's engine is the warm engine's container.
    let on;
    let manifest = match &manifest.project.warm {
        Some(warm) => {
            on = super::warm::engine_manifest(manifest, &warm.engine);
            &on
        }
        None => manifest,
    };
    let mut rows = Vec::new();
    let mut endpoint = None;
    let engine = manifest.project.engine;
    let embedded_runs = embedded::find_in(project)?;
    if engine == Engine::Embedded || !matches!(embedded_runs, Found::Stopped | Found::Exiting) {
        let row = embedded_row(manifest, &embedded_runs).await;
        if engine == Engine::Embedded && row.health.is_ready() {
            endpoint = row.url.clone();
        }
        rows.push(row);
    }
    if engine == Engine::Embedded {
        // The project's stack on a container engine, brought up with
        // `--engine`, runs beside it: shown too.
        if let Some(docker) = Docker::connect_if_there().await {
            let containers = docker.project_containers(&manifest.project.name).await?;
            for state in containers.iter().filter(|c| c.is_running()) {
                let Some(service) = state.service() else {
                    continue;
                };
                let mut row = container_row(state, service, &manifest.project.region).await;
                if service != ServiceKind::DynamodbAdmin {
                    row.state.push_str(NOT_IN_USE);
                }
                row.beside = true;
                rows.push(row);
            }
        }
        return Ok((rows, endpoint));
    }
    let docker = match Docker::connect().await {
        Ok(docker) => docker,
        // The embedded engine was shown; the containers cannot be looked at.
        Err(err) if !rows.is_empty() => {
            let why = err.to_string();
            let why = why.lines().next().unwrap_or_default();
            for spec in manifest
                .containers()
                .into_iter()
                .filter_map(|service| spec::container_spec(manifest, service))
            {
                rows.push(ServiceState {
                    service: spec.service.name().to_string(),
                    container: spec.name.clone(),
                    state: format!("unknown: {why}"),
                    health: Health::NotRunning,
                    image: spec.image.clone(),
                    ports: Vec::new(),
                    url: None,
                    beside: false,
                });
            }
            let ready = rows.iter().find(|r| r.health.is_ready());
            let endpoint = ready.and_then(|r| r.url.clone());
            return Ok((rows, endpoint));
        }
        Err(err) => return Err(err.into()),
    };
    for (spec, state) in discover(&docker, manifest).await? {
        let Some(state) = state else {
            rows.push(ServiceState {
                service: spec.service.name().to_string(),
                container: spec.name.clone(),
                state: "missing".to_string(),
                health: Health::NotRunning,
                image: spec.image.clone(),
                ports: Vec::new(),
                url: None,
                beside: false,
            });
            continue;
        };
        let row = container_row(&state, spec.service, &manifest.project.region).await;
        if spec.service == engine.service() && row.health.is_ready() {
            endpoint = row.url.clone();
        }
        rows.push(row);
    }
    // Started with `--engine embedded` and still running: its tables.
    if endpoint.is_none()
        && let Some(row) = rows
            .iter()
            .find(|r| r.service == ServiceKind::Embedded.name())
        && row.health.is_ready()
    {
        endpoint = row.url.clone();
    }
    Ok((rows, endpoint))
}

/// Said of a running engine of the project other than the one in use.
const NOT_IN_USE: &str = " (not the engine in use; see `--engine`)";

/// A container's row: its state (with its exit code), health, image, ports.
async fn container_row(state: &ContainerState, service: ServiceKind, region: &str) -> ServiceState {
    let url = container_url(state, service);
    let health = match &url {
        None => Health::NotRunning,
        Some(url) => Health::check(&readiness(service, url, region)).await,
    };
    let mut shown_state = state.status.to_string();
    if let Some(code) = state
        .exit_code
        .filter(|_| state.status == ContainerStatus::Exited)
    {
        shown_state.push_str(&format!(
            " ({code}{})",
            if state.oom_killed { ", OOM" } else { "" }
        ));
    }
    ServiceState {
        service: service.name().to_string(),
        container: state.name.clone(),
        state: shown_state,
        health,
        image: state.image.clone(),
        ports: state
            .ports
            .iter()
            .map(|(container, ip, host)| format!("{ip}:{host}->{container}"))
            .collect(),
        url,
        beside: false,
    }
}

/// The embedded engine's row: its process, health and port.
async fn embedded_row(manifest: &Manifest, found: &Found) -> ServiceState {
    let mut row = ServiceState {
        service: ServiceKind::Embedded.name().to_string(),
        container: "-".to_string(),
        state: "missing".to_string(),
        health: Health::NotRunning,
        image: format!("devstack {} (dynoxide)", env!("CARGO_PKG_VERSION")),
        ports: Vec::new(),
        url: None,
        beside: false,
    };
    match found {
        Found::Stopped | Found::Exiting => {}
        Found::Starting => row.state = "starting".to_string(),
        Found::Running(record) => {
            let handle = EngineHandle::embedded(record.clone(), None);
            let url = handle.url().to_string();
            row.container = handle.instance();
            row.state = "running".to_string();
            row.health = Health::check(&readiness(
                ServiceKind::Embedded,
                &url,
                &manifest.project.region,
            ))
            .await;
            row.ports = vec![format!("{}:{}", record.bind, record.port)];
            row.url = Some(url);
        }
    }
    if manifest.project.engine != Engine::Embedded {
        // Started with `--engine embedded`; not the engine in use.
        row.state.push_str(NOT_IN_USE);
        row.beside = true;
    }
    row
}

/// A devstack project found on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectState {
    pub project: String,
    /// The engine's service name, or `-` when no engine container is left.
    pub engine: String,
    pub state: String,
    pub endpoint: Option<String>,
    /// The `run` that made it, as its Docker objects' owner label says.
    pub owner: Option<String>,
}

/// Every devstack project on this machine: Docker's (when the daemon
/// answers), then the embedded engines that run or kept a database.
pub async fn projects(base: &BaseDirs) -> anyhow::Result<Vec<ProjectState>> {
    let mut found: BTreeMap<String, ProjectState> = BTreeMap::new();
    if let Some(docker) = Docker::connect_if_there().await {
        for objects in docker.all_projects().await? {
            let engine = objects.containers.iter().find_map(|c| {
                let kind = c.service()?;
                (kind != ServiceKind::DynamodbAdmin).then_some((c, kind))
            });
            let (engine, state, endpoint) = match engine {
                Some((c, kind)) => (
                    kind.name().to_string(),
                    c.status.to_string(),
                    container_url(c, kind),
                ),
                None => ("-".to_string(), "no engine container".to_string(), None),
            };
            found.insert(
                objects.project.clone(),
                ProjectState {
                    project: objects.project,
                    engine,
                    state,
                    endpoint,
                    owner: objects.owner,
                },
            );
        }
    }
    for project in base.projects_with_state() {
        let Ok(files) = EngineFiles::of(&project) else {
            continue;
        };
        let (state, endpoint) = match embedded::find(&files)? {
            Found::Running(record) => ("running".to_string(), Some(record.url())),
            Found::Starting => ("starting".to_string(), None),
            Found::Exiting => ("stopping".to_string(), None),
            Found::Stopped if files.database().exists() => {
                ("stopped (database kept)".to_string(), None)
            }
            Found::Stopped => continue,
        };
        found.insert(
            project.name.clone(),
            ProjectState {
                project: project.name,
                engine: Engine::Embedded.to_string(),
                state,
                endpoint,
                owner: None,
            },
        );
    }
    // Warm engines, and the runs whose tables are on them.
    for warm in super::warm::engines(base) {
        if let Some(engine) = found.get_mut(&warm.name) {
            engine.state = format!("{}, warm engine", engine.state);
        }
    }
    for run in base.runs_noted() {
        let Some(tables) = &run.warm else { continue };
        let endpoint = found.get(&tables.engine).and_then(|e| e.endpoint.clone());
        found.insert(
            run.project.clone(),
            ProjectState {
                project: run.project,
                engine: run.engine,
                state: format!("tables on `{}`", tables.engine),
                endpoint,
                owner: None,
            },
        );
    }
    Ok(found.into_values().collect())
}
