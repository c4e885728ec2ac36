//! `devstack status`: each service's container state, health, image and
//! ports. Exits 1 when anything is missing or not usable.

use serde::Serialize;

use crate::docker::Docker;
use crate::engine;
use crate::output::Printer;
use crate::settings::Settings;
use crate::stack;

#[derive(Debug, Serialize)]
struct ServiceStatus {
    service: String,
    container: String,
    /// `running`, `exited`, `paused`, … or `missing`.
    state: String,
    /// `ready`, `not ready: …`, or `-` when not running.
    health: String,
    image: String,
    ports: Vec<String>,
    url: Option<String>,
}

/// The stack is not (fully) usable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unhealthy(String);

pub async fn run(settings: &Settings, json: bool, printer: &Printer) -> anyhow::Result<()> {
    let manifest = settings.manifest()?;
    let docker = Docker::connect().await?;
    let mut rows = Vec::new();
    for (spec, state) in stack::discover(&docker, &manifest).await? {
        let Some(state) = state else {
            rows.push(ServiceStatus {
                service: spec.service.name().to_string(),
                container: spec.name.clone(),
                state: "missing".to_string(),
                health: "-".to_string(),
                image: spec.image.clone(),
                ports: Vec::new(),
                url: None,
            });
            continue;
        };
        let url = state
            .host_port(spec.container_port)
            .filter(|_| state.is_running())
            .map(|port| engine::host_url(spec.host_ip, port));
        let health = match &url {
            None => "-".to_string(),
            Some(url) => {
                let probes = engine::readiness(spec.service, url, &manifest.project.region);
                let mut health = "ready".to_string();
                for probe in probes {
                    if let Err(err) = probe.check().await {
                        health = format!("not ready: {err}");
                        break;
                    }
                }
                health
            }
        };
        let mut shown_state = state.status.clone();
        if let Some(code) = state.exit_code.filter(|_| state.status == "exited") {
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

    if json {
        printer.data(&serde_json::to_string_pretty(&rows)?)?;
    } else {
        printer.data(&table(&rows))?;
    }
    let bad: Vec<&str> = rows
        .iter()
        .filter(|r| r.health != "ready")
        .map(|r| r.service.as_str())
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    let err = anyhow::Error::new(Unhealthy(format!(
        "project `{}`: {} not running or not ready\n  hint: `devstack up` starts or repairs it; `devstack logs {}` shows why it stopped",
        manifest.project.name,
        bad.join(", "),
        bad[0]
    )));
    // With --json the report already says it; only the exit code is left.
    Err(if json {
        err.context(crate::error::Reported)
    } else {
        err
    })
}

fn table(rows: &[ServiceStatus]) -> String {
    let headers = ["SERVICE", "STATE", "HEALTH", "IMAGE", "PORTS"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.service.clone(),
                r.state.clone(),
                r.health.clone(),
                r.image.clone(),
                if r.ports.is_empty() {
                    "-".to_string()
                } else {
                    r.ports.join(", ")
                },
            ]
        })
        .collect();
    let mut widths = headers.map(str::len);
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |row: [&str; 5]| -> String {
        let mut out = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(headers);
    for row in &cells {
        out.push_str(&line([&row[0], &row[1], &row[2], &row[3], &row[4]]));
    }
    out
}
