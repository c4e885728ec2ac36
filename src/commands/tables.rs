//! `devstack tables`: every table on the endpoint with its status, keys,
//! indexes, item count and size; the manifest's tables marked, the others
//! shown as foreign, and manifest tables that are missing listed too.
//! devstack's own table of notes is not shown.

use serde::Serialize;

use crate::dynamo::client::{self, Profile, describe_error};
use crate::dynamo::tables::{self, Condition, TableState};
use crate::output::{Column, Printer, bytes, columns, plural};
use crate::service::STATE_TABLE;
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Row {
    table: String,
    /// `manifest` (with its manifest name), or `foreign`.
    owner: String,
    status: Condition,
    keys: String,
    global_indexes: Vec<String>,
    local_indexes: Vec<String>,
    items: Option<i64>,
    size_bytes: Option<i64>,
}

pub async fn run(settings: &Settings, json: bool, printer: &Printer) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let endpoint = settings.endpoint(&manifest).await?;
    let client = client::for_project(endpoint.url(), &manifest.project, Profile::Command);
    let mut names = Vec::new();
    let mut pages = client.list_tables().into_paginator().items().send();
    while let Some(name) = pages.next().await {
        let name = name.map_err(|err| anyhow::anyhow!("ListTables: {}", describe_error(&err)))?;
        if name != STATE_TABLE {
            names.push(name);
        }
    }
    let mut rows = Vec::new();
    for name in &names {
        let owner = match manifest.tables.iter().find(|t| &t.physical == name) {
            Some(spec) => format!("manifest `{}`", spec.name),
            None => "foreign".to_string(),
        };
        let Some(state) = tables::describe(&client, name).await? else {
            continue;
        };
        rows.push(row(&state, owner));
    }
    for spec in &manifest.tables {
        if !names.contains(&spec.physical) {
            rows.push(Row {
                table: spec.physical.clone(),
                owner: format!("manifest `{}`", spec.name),
                status: Condition::Missing,
                keys: String::new(),
                global_indexes: Vec::new(),
                local_indexes: Vec::new(),
                items: None,
                size_bytes: None,
            });
        }
    }
    if json {
        printer.data(&serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    printer.data(&render(&rows))?;
    printer.info(&format!(
        "{} at {}",
        plural(names.len(), "table"),
        endpoint.url()
    ));
    Ok(())
}

fn render(rows: &[Row]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.table.clone(),
                r.status.to_string(),
                r.keys.clone(),
                r.items.map_or("-".to_string(), |n| n.to_string()),
                r.size_bytes
                    .map_or("-".to_string(), |b| bytes(b.max(0).unsigned_abs())),
                format!(
                    "{} global, {} local",
                    r.global_indexes.len(),
                    r.local_indexes.len()
                ),
                r.owner.clone(),
            ]
        })
        .collect();
    let headers = [
        Column::left("TABLE"),
        Column::left("STATUS"),
        Column::left("KEYS"),
        Column::right("ITEMS"),
        Column::right("SIZE").at_least(9),
        Column::left("INDEXES"),
        Column::left("OWNER"),
    ];
    columns(&headers, &cells)
}

fn row(state: &TableState, owner: String) -> Row {
    let keys = match (&state.partition_key, &state.sort_key) {
        (Some(p), Some(s)) => format!("{p} / {s}"),
        (Some(p), None) => p.to_string(),
        _ => "?".to_string(),
    };
    Row {
        table: state.name.clone(),
        owner,
        status: Condition::Present(state.status.clone()),
        keys,
        global_indexes: state
            .global_indexes
            .iter()
            .map(|i| i.name.clone())
            .collect(),
        local_indexes: state.local_indexes.iter().map(|i| i.name.clone()).collect(),
        items: state.item_count,
        size_bytes: state.size_bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamo::tables::TableStatus;

    #[test]
    fn every_header_sits_over_its_values() {
        let rows = [
            Row {
                table: "App_orders".to_string(),
                owner: "manifest `orders`".to_string(),
                status: Condition::Present(TableStatus::Active),
                keys: "pk:S / sk:N".to_string(),
                global_indexes: vec!["by-customer".to_string()],
                local_indexes: Vec::new(),
                items: Some(1200),
                size_bytes: Some(300_000),
            },
            Row {
                table: "App_users".to_string(),
                owner: "manifest `users`".to_string(),
                status: Condition::Missing,
                keys: String::new(),
                global_indexes: Vec::new(),
                local_indexes: Vec::new(),
                items: None,
                size_bytes: None,
            },
        ];
        let text = render(&rows);
        assert_eq!(
            text,
            "TABLE       STATUS   KEYS         ITEMS       SIZE  INDEXES            OWNER\n\
             App_orders  ACTIVE   pk:S / sk:N   1200  293.0 KiB  1 global, 0 local  manifest `orders`\n\
             App_users   missing                   -          -  0 global, 0 local  manifest `users`\n"
        );
        let lines: Vec<&str> = text.lines().collect();
        let owner = lines[0].find("OWNER");
        assert_eq!(owner, lines[1].find("manifest"));
        assert_eq!(owner, lines[2].find("manifest"));
    }
}
