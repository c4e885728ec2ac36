//! `devstack status`: each service's container state, health, image and
//! ports, then each manifest table's state and item count. Exits 1 when
//! anything is missing or not usable. With `--endpoint`, only the tables
//! at that endpoint.

use serde::Serialize;

use crate::dynamo::client::{self, Profile};
use crate::dynamo::tables::{self, Condition, Status, TablePlan};
use crate::manifest::Manifest;
use crate::output::{Column, Printer, columns};
use crate::service::{Engine, ServiceKind};
use crate::settings::Settings;
use crate::stack;
use crate::stack::docker::{ContainerStatus, Docker};
use crate::stack::embedded;
use crate::stack::health::{Health, Probe};
use crate::stack::spec;
use crate::state::Folders;

#[derive(Debug, Serialize)]
struct Report {
    project: String,
    /// The DynamoDB endpoint the tables were read from, if one answered.
    endpoint: Option<String>,
    services: Vec<ServiceStatus>,
    tables: Vec<TableStatus>,
}

#[derive(Debug, Serialize)]
struct TableStatus {
    table: String,
    /// `ACTIVE`, `CREATING`, …, `missing`, `drift`, or `unknown` when the
    /// endpoint cannot be asked.
    status: Condition,
    items: Option<i64>,
    global_indexes: usize,
    local_indexes: usize,
}

#[derive(Debug, Serialize)]
struct ServiceStatus {
    service: String,
    container: String,
    /// `running`, `exited`, `paused`, … or `missing`.
    state: String,
    /// `ready`, `not ready: …`, or `-` when not running.
    health: Health,
    image: String,
    ports: Vec<String>,
    url: Option<String>,
}

/// The stack is not (fully) usable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unhealthy(String);

pub async fn run(settings: &Settings, json: bool, printer: &Printer) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let (services, endpoint) = match &settings.endpoint {
        Some(url) => {
            let probe = Probe::ListTables {
                endpoint: url.clone(),
                region: manifest.project.region.clone(),
            };
            match probe.check().await {
                Ok(()) => (Vec::new(), Some(url.clone())),
                Err(err) => anyhow::bail!("{}: {err}", probe.describe()),
            }
        }
        None => services(&manifest, &settings.folders).await?,
    };
    let tables = match &endpoint {
        Some(url) => tables_at(&manifest, url).await,
        None => manifest
            .tables
            .iter()
            .map(|t| TableStatus {
                table: t.physical.clone(),
                status: Condition::Unknown,
                items: None,
                global_indexes: t.global_indexes.len(),
                local_indexes: t.local_indexes.len(),
            })
            .collect(),
    };
    let report = Report {
        project: manifest.project.name.clone(),
        endpoint,
        services,
        tables,
    };
    if json {
        printer.data(&serde_json::to_string_pretty(&report)?)?;
    } else {
        printer.data(&render(&report))?;
    }

    let mut bad: Vec<&str> = report
        .services
        .iter()
        .filter(|r| !r.health.is_ready())
        .map(|r| r.service.as_str())
        .collect();
    bad.extend(
        report
            .tables
            .iter()
            // `unknown` counts only when there was no endpoint to ask.
            .filter(|t| match t.status {
                Condition::Present(Status::Active) => false,
                Condition::Unknown => report.endpoint.is_some(),
                _ => true,
            })
            .map(|t| t.table.as_str()),
    );
    if bad.is_empty() {
        return Ok(());
    }
    let hint = if report.services.iter().any(|r| !r.health.is_ready()) {
        format!(
            "`devstack up` starts or repairs it; `devstack logs {}` shows why it stopped",
            bad[0]
        )
    } else {
        "`devstack up` creates missing tables; `devstack reset TABLE` recreates a drifted one"
            .to_string()
    };
    let err = anyhow::Error::new(Unhealthy(format!(
        "project `{}`: {} not running, not ready or missing\n  hint: {hint}",
        manifest.project.name,
        bad.join(", "),
    )));
    // With --json the report already says it; only the exit code is left.
    Err(if json {
        err.context(crate::error::Reported)
    } else {
        err
    })
}

/// Each manifest table at the endpoint.
async fn tables_at(manifest: &Manifest, url: &str) -> Vec<TableStatus> {
    let client = client::client(url, &manifest.project.region, Profile::Status);
    let mut rows = Vec::new();
    for spec in &manifest.tables {
        let (status, items) = match tables::describe(&client, &spec.physical).await {
            Ok(None) => (Condition::Missing, None),
            Ok(Some(state)) => {
                let status = match tables::plan(spec, Some(&state)) {
                    TablePlan::Drift(_) => Condition::Drift,
                    _ => Condition::Present(state.status.clone()),
                };
                (status, state.item_count)
            }
            Err(_) => (Condition::Unknown, None),
        };
        rows.push(TableStatus {
            table: spec.physical.clone(),
            status,
            items,
            global_indexes: spec.global_indexes.len(),
            local_indexes: spec.local_indexes.len(),
        });
    }
    rows
}

/// The services' rows, and the engine's URL when it answers.
async fn services(
    manifest: &Manifest,
    folders: &Folders,
) -> anyhow::Result<(Vec<ServiceStatus>, Option<String>)> {
    let mut rows = Vec::new();
    let mut endpoint = None;
    let engine = manifest.project.engine;
    let files = embedded::Files::of(folders, &manifest.project.name);
    // The embedded engine runs whatever the manifest says now, if `up` was
    // run with `--engine embedded`: it is shown either way.
    let embedded_runs = match &files {
        Ok(files) => embedded::find(files)?,
        Err(_) => embedded::Found::Stopped,
    };
    if engine == Engine::Embedded || embedded_runs != embedded::Found::Stopped {
        let row = embedded_row(manifest, engine, &embedded_runs).await;
        if engine == Engine::Embedded && row.health.is_ready() {
            endpoint = row.url.clone();
        }
        rows.push(row);
    }
    if engine == Engine::Embedded {
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
                rows.push(ServiceStatus {
                    service: spec.service.name().to_string(),
                    container: spec.name.clone(),
                    state: format!("unknown: {why}"),
                    health: Health::NotRunning,
                    image: spec.image.clone(),
                    ports: Vec::new(),
                    url: None,
                });
            }
            let ready = rows.iter().find(|r| r.health.is_ready());
            let endpoint = ready.and_then(|r| r.url.clone());
            return Ok((rows, endpoint));
        }
        Err(err) => return Err(err.into()),
    };
    for (spec, state) in stack::discover(&docker, manifest).await? {
        let Some(state) = state else {
            rows.push(ServiceStatus {
                service: spec.service.name().to_string(),
                container: spec.name.clone(),
                state: "missing".to_string(),
                health: Health::NotRunning,
                image: spec.image.clone(),
                ports: Vec::new(),
                url: None,
            });
            continue;
        };
        let url = stack::url_of(&spec, &state);
        let health = match &url {
            None => Health::NotRunning,
            Some(url) => {
                Health::check(&spec::readiness(
                    spec.service,
                    url,
                    &manifest.project.region,
                ))
                .await
            }
        };
        if spec.service == manifest.project.engine.service() && health.is_ready() {
            endpoint = url.clone();
        }
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
        rows.push(ServiceStatus {
            service: spec.service.name().to_string(),
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
        });
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

/// The embedded engine's row: its process, health and port.
async fn embedded_row(
    manifest: &Manifest,
    engine: Engine,
    found: &embedded::Found,
) -> ServiceStatus {
    let service = ServiceKind::Embedded.name().to_string();
    let image = format!("devstack {} (dynoxide)", env!("CARGO_PKG_VERSION"));
    let mut row = ServiceStatus {
        service,
        container: "-".to_string(),
        state: "missing".to_string(),
        health: Health::NotRunning,
        image,
        ports: Vec::new(),
        url: None,
    };
    match found {
        embedded::Found::Stopped => {}
        embedded::Found::Starting => row.state = "starting".to_string(),
        embedded::Found::Running(record) => {
            let url = record.url();
            row.container = format!("pid {}", record.pid);
            row.state = "running".to_string();
            row.health = Health::check(&spec::readiness(
                ServiceKind::Embedded,
                &url,
                &manifest.project.region,
            ))
            .await;
            row.ports = vec![format!("{}:{}", record.bind, record.port)];
            row.url = Some(url);
        }
    }
    if engine != Engine::Embedded {
        // Started with `--engine embedded`; not the manifest's engine.
        row.state
            .push_str(" (not the manifest's engine; see `--engine`)");
    }
    row
}

fn render(report: &Report) -> String {
    let mut out = String::new();
    if !report.services.is_empty() {
        let rows: Vec<Vec<String>> = report
            .services
            .iter()
            .map(|r| {
                vec![
                    r.service.clone(),
                    r.state.clone(),
                    r.health.to_string(),
                    r.image.clone(),
                    if r.ports.is_empty() {
                        "-".to_string()
                    } else {
                        r.ports.join(", ")
                    },
                ]
            })
            .collect();
        let headers = ["SERVICE", "STATE", "HEALTH", "IMAGE", "PORTS"];
        out.push_str(&columns(&headers.map(Column::left), &rows));
    }
    if let Some(endpoint) = &report.endpoint
        && report.services.is_empty()
    {
        out.push_str(&format!("endpoint {endpoint}: ready\n"));
    }
    if !report.tables.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        let rows: Vec<Vec<String>> = report
            .tables
            .iter()
            .map(|t| {
                vec![
                    t.table.clone(),
                    t.status.to_string(),
                    t.items.map_or("-".to_string(), |n| n.to_string()),
                    format!("{} global, {} local", t.global_indexes, t.local_indexes),
                ]
            })
            .collect();
        let headers = ["TABLE", "STATUS", "ITEMS", "INDEXES"];
        out.push_str(&columns(&headers.map(Column::left), &rows));
    }
    out
}
