//! `devstack status`: each service's container state, health, image and
//! ports, then each manifest table's state and item count. Exits 1 when
//! anything is missing or not usable. With `--endpoint`, only the tables
//! at that endpoint.

use serde::Serialize;

use crate::dynamo::client::{self, Profile};
use crate::dynamo::tables::{self, Condition, TablePlan, TableStatus};
use crate::manifest::Manifest;
use crate::output::{Column, Printer, columns};
use crate::settings::Settings;
use crate::stack::health::Probe;
use crate::stack::{self, ServiceState};

#[derive(Debug, Serialize)]
struct Report {
    project: String,
    /// The DynamoDB endpoint the tables were read from, if one answered.
    endpoint: Option<String>,
    services: Vec<ServiceState>,
    tables: Vec<TableRow>,
}

#[derive(Debug, Serialize)]
struct TableRow {
    table: String,
    /// `ACTIVE`, `CREATING`, …, `missing`, `drift`, or `unknown` when the
    /// endpoint cannot be asked.
    status: Condition,
    items: Option<i64>,
    global_indexes: usize,
    local_indexes: usize,
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
        None => {
            let project = settings.dirs.project(&manifest.project.name);
            stack::services(&manifest, &project).await?
        }
    };
    let tables = match &endpoint {
        Some(url) => tables_at(&manifest, url).await,
        None => manifest
            .tables
            .iter()
            .map(|t| TableRow {
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
        .filter(|r| !r.beside && !r.health.is_ready())
        .map(|r| r.service.as_str())
        .collect();
    bad.extend(
        report
            .tables
            .iter()
            // `unknown` counts only when there was no endpoint to ask.
            .filter(|t| match t.status {
                Condition::Present(TableStatus::Active) => false,
                Condition::Unknown => report.endpoint.is_some(),
                _ => true,
            })
            .map(|t| t.table.as_str()),
    );
    if bad.is_empty() {
        return Ok(());
    }
    let hint = if report
        .services
        .iter()
        .any(|r| !r.beside && !r.health.is_ready())
    {
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
async fn tables_at(manifest: &Manifest, url: &str) -> Vec<TableRow> {
    let client = client::for_project(url, &manifest.project, Profile::Status);
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
        rows.push(TableRow {
            table: spec.physical.clone(),
            status,
            items,
            global_indexes: spec.global_indexes.len(),
            local_indexes: spec.local_indexes.len(),
        });
    }
    rows
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
