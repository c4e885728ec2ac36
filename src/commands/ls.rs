//! `devstack ls`: every devstack project on this machine, from Docker's
//! labels and the embedded engines' folders, with its engine, state and
//! endpoint, and whether it is a `run`'s (still going, kept, left behind
//! for `gc`, or owned where this process cannot tell), as `gc` judges it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::output::{Column, Printer, columns};
use crate::runs::{self, RunRecord};
use crate::settings::Settings;
use crate::stack;

#[derive(Debug, Serialize)]
struct Row {
    project: String,
    engine: String,
    state: String,
    endpoint: Option<String>,
    /// `-`, `run (pid N)`, `kept run`, `left behind` (for `gc`), or
    /// `cannot tell from here (…)`: the judgement `gc` acts on.
    run: String,
}

pub async fn run(settings: &Settings, json: bool, printer: &Printer) -> anyhow::Result<()> {
    let dirs = &settings.dirs;
    let notes: BTreeMap<String, RunRecord> = dirs
        .runs_noted()
        .into_iter()
        .map(|r| (r.project.clone(), r))
        .collect();
    let run_of =
        |project: &str, owner: Option<&str>| runs::judge(notes.get(project), owner).to_string();
    let rows: Vec<Row> = stack::projects(dirs)
        .await?
        .into_iter()
        .map(|found| Row {
            run: run_of(&found.project, found.owner.as_deref()),
            project: found.project,
            engine: found.engine,
            state: found.state,
            endpoint: found.endpoint,
        })
        .collect();
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
