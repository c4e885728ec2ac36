//! `devstack ls`: every devstack project on this machine, from Docker's
//! labels and the embedded engines' folders, with its engine, state and
//! endpoint, and whether it is a `run`'s (still going, kept, or left
//! behind for `gc`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::output::{Column, Printer, columns};
use crate::service::{Engine, ServiceKind};
use crate::settings::Settings;
use crate::stack::docker::{Docker, LABEL_SERVICE};
use crate::stack::embedded;
use crate::stack::spec;
use crate::state;

#[derive(Debug, Serialize)]
struct Row {
    project: String,
    engine: String,
    state: String,
    endpoint: Option<String>,
    /// `-`, `run (pid N)`, `kept run`, or `left behind` (for `gc`).
    run: String,
}

pub async fn run(settings: &Settings, json: bool, printer: &Printer) -> anyhow::Result<()> {
    let folders = &settings.folders;
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let runs: BTreeMap<String, state::RunRecord> = folders
        .runs_recorded()
        .into_iter()
        .map(|r| (r.project.clone(), r))
        .collect();
    let run_of = |project: &str, owner: Option<&str>| -> String {
        let owner = runs.get(project).map(|r| r.owner.as_str()).or(owner);
        match (runs.get(project), owner) {
            (Some(run), _) if run.kept => "kept run".to_string(),
            (_, Some(owner)) if state::is_alive(owner) => {
                format!("run (pid {})", owner.split(':').next().unwrap_or_default())
            }
            (_, Some(_)) => "left behind (`devstack gc`)".to_string(),
            (_, None) => "-".to_string(),
        }
    };

    if let Some(docker) = Docker::connect_if_there().await {
        for objects in docker.all_projects().await? {
            let engine = objects.containers.iter().find(|c| {
                c.labels
                    .get(LABEL_SERVICE)
                    .and_then(|s| ServiceKind::from_name(s))
                    .is_some_and(|s| s != ServiceKind::DynamodbAdmin)
            });
            let (engine_name, state, endpoint) = match engine {
                Some(c) => {
                    let kind = c
                        .labels
                        .get(LABEL_SERVICE)
                        .and_then(|s| ServiceKind::from_name(s));
                    let endpoint = kind
                        .and_then(|k| c.host_port(k.port()))
                        .filter(|_| c.is_running())
                        .map(|port| {
                            let ip = c
                                .ports
                                .iter()
                                .find(|(_, _, host)| *host == port)
                                .and_then(|(_, ip, _)| ip.parse().ok())
                                .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
                            spec::host_url(ip, port)
                        });
                    (
                        kind.map_or("?".to_string(), |k| k.name().to_string()),
                        c.status.to_string(),
                        endpoint,
                    )
                }
                None => ("-".to_string(), "no engine container".to_string(), None),
            };
            let run = run_of(&objects.project, objects.owner.as_deref());
            rows.insert(
                objects.project.clone(),
                Row {
                    project: objects.project,
                    engine: engine_name,
                    state,
                    endpoint,
                    run,
                },
            );
        }
    }
    for (project, files) in embedded::projects(folders) {
        let (state, endpoint) = match embedded::find(&files)? {
            embedded::Found::Running(record) => ("running".to_string(), Some(record.url())),
            embedded::Found::Starting => ("starting".to_string(), None),
            embedded::Found::Stopped if files.database().exists() => {
                ("stopped (database kept)".to_string(), None)
            }
            embedded::Found::Stopped => continue,
        };
        let run = run_of(&project, None);
        rows.insert(
            project.clone(),
            Row {
                project,
                engine: Engine::Embedded.to_string(),
                state,
                endpoint,
                run,
            },
        );
    }
    let rows: Vec<Row> = rows.into_values().collect();
    if json {
        printer.data(&serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    if rows.is_empty() {
        printer.info("no devstack project on this machine");
        return Ok(());
    }
    printer.data(&render(&rows))?;
    Ok(())
}

fn render(rows: &[Row]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.project.clone(),
                r.engine.clone(),
                r.state.clone(),
                r.endpoint.clone().unwrap_or_else(|| "-".to_string()),
                r.run.clone(),
            ]
        })
        .collect();
    let headers = ["PROJECT", "ENGINE", "STATE", "ENDPOINT", "RUN"];
    columns(&headers.map(Column::left), &cells)
}
