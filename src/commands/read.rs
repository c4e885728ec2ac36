//! What `scan` and `query` share: finding the table (with a helpful error
//! when it is not there) and writing items as they arrive.

use std::io::{BufWriter, IsTerminal, Stdout, Write};
use std::time::Duration;

use aws_sdk_dynamodb::Client;

use crate::cli::OutputFormat;
use crate::dynamo::items::{self, Item, TableView};
use crate::dynamo::tables::{self, TableState};
use crate::endpoint;
use crate::manifest::Manifest;
use crate::service::{ACCESS_KEY_ID, Engine};
use crate::settings::Settings;

/// A table being read, with its key attributes in display order.
pub struct Source {
    pub client: Client,
    pub state: TableState,
    /// Key attributes of the index (if any), then of the table.
    pub keys: Vec<String>,
}

/// The table is not on the endpoint.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MissingTable(String);

/// Finds `name` (a manifest name or a physical one) on the endpoint.
pub async fn source(
    settings: &Settings,
    manifest: &Manifest,
    name: &str,
    index: Option<&str>,
) -> anyhow::Result<Source> {
    let physical = manifest
        .table(name)
        .map_or_else(|| name.to_string(), |t| t.physical.clone());
    let endpoint = endpoint::endpoint(settings, manifest).await?;
    let client = crate::dynamo::client::client(
        &endpoint.url,
        &manifest.project.region,
        Duration::from_secs(30),
        3,
    );
    let Some(state) = tables::describe(&client, &physical).await? else {
        return Err(missing(&client, manifest, &endpoint.url, &physical)
            .await
            .into());
    };
    let mut keys = Vec::new();
    if let Some(index) = index {
        let found = state
            .global_indexes
            .iter()
            .chain(&state.local_indexes)
            .find(|i| i.name == index);
        let Some(found) = found else {
            let names: Vec<String> = state
                .global_indexes
                .iter()
                .chain(&state.local_indexes)
                .map(|i| format!("`{}`", i.name))
                .collect();
            anyhow::bail!(
                "table `{physical}` has no index `{index}`; its indexes: {}",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            );
        };
        keys.extend(found.partition_key.iter().map(|k| k.name.clone()));
        keys.extend(found.sort_key.iter().map(|k| k.name.clone()));
    }
    for key in state.partition_key.iter().chain(&state.sort_key) {
        if !keys.contains(&key.name) {
            keys.push(key.name.clone());
        }
    }
    Ok(Source {
        client,
        state,
        keys,
    })
}

/// The message for a table that is not there: where devstack looked, close
/// names, and on MiniStack why a table may seem to vanish.
async fn missing(
    client: &Client,
    manifest: &Manifest,
    endpoint: &str,
    physical: &str,
) -> MissingTable {
    let mut names = Vec::new();
    let mut pages = client.list_tables().into_paginator().items().send();
    while let Some(Ok(name)) = pages.next().await {
        names.push(name);
    }
    // Compare with and without the table prefix, so a logical name with a
    // typo still finds its table.
    let prefix = &manifest.project.table_prefix;
    let wanted = physical
        .strip_prefix(prefix.as_str())
        .unwrap_or(physical)
        .to_lowercase();
    let mut close: Vec<(f64, &String)> = names
        .iter()
        .map(|n| {
            let bare = n.strip_prefix(prefix.as_str()).unwrap_or(n).to_lowercase();
            (strsim::jaro_winkler(&bare, &wanted), n)
        })
        .filter(|(score, _)| *score > 0.8)
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut message = format!("table `{physical}` does not exist at {endpoint}");
    if !close.is_empty() {
        let shown: Vec<String> = close
            .iter()
            .take(3)
            .map(|(_, n)| format!("`{n}`"))
            .collect();
        message.push_str(&format!("\n  did you mean {}?", shown.join(" or ")));
    } else if names.is_empty() {
        message.push_str("\n  the endpoint has no tables; `devstack up` creates the manifest's");
    } else {
        message.push_str(&format!("\n  tables there: {}", names.len()));
    }
    if manifest.project.engine == Engine::Ministack {
        message.push_str(&format!(
            "\n  hint: MiniStack keeps tables per region and access key; devstack used region `{}` and access key `{ACCESS_KEY_ID}`, so tables made with other ones are not seen here",
            manifest.project.region
        ));
    }
    MissingTable(message)
}

/// Writes items to stdout in the chosen format as they come; the table
/// view fixes its columns from the first items.
pub struct ItemWriter {
    format: OutputFormat,
    keys: Vec<String>,
    out: BufWriter<Stdout>,
    count: u64,
    sample: Vec<Item>,
    view: Option<TableView>,
}

/// Items the table view looks at before it fixes its columns.
const SAMPLE: usize = 50;

impl ItemWriter {
    /// `None` picks the table view on a terminal and JSON Lines otherwise.
    pub fn new(format: Option<OutputFormat>, keys: Vec<String>) -> ItemWriter {
        let format = format.unwrap_or(if std::io::stdout().is_terminal() {
            OutputFormat::Table
        } else {
            OutputFormat::Jsonl
        });
        ItemWriter {
            format,
            keys,
            out: BufWriter::new(std::io::stdout()),
            count: 0,
            sample: Vec::new(),
            view: None,
        }
    }

    pub fn write(&mut self, item: Item) -> std::io::Result<()> {
        self.count += 1;
        match self.format {
            OutputFormat::Jsonl | OutputFormat::DynamodbJson => {
                let typed = self.format == OutputFormat::DynamodbJson;
                writeln!(self.out, "{}", items::to_json(&item, &self.keys, typed))
            }
            OutputFormat::Json => {
                let prefix = if self.count == 1 { "[\n  " } else { ",\n  " };
                write!(
                    self.out,
                    "{prefix}{}",
                    items::to_json(&item, &self.keys, false)
                )
            }
            OutputFormat::Table => match &self.view {
                Some(view) => writeln!(self.out, "{}", view.render(&item)),
                None => {
                    self.sample.push(item);
                    if self.sample.len() >= SAMPLE {
                        self.flush_sample()?;
                    }
                    Ok(())
                }
            },
        }
    }

    fn flush_sample(&mut self) -> std::io::Result<()> {
        let width = console::Term::stdout()
            .size_checked()
            .map_or(120, |(_, w)| usize::from(w));
        let view = TableView::plan(&self.sample, &self.keys, width);
        writeln!(self.out, "{}", view.header())?;
        for item in std::mem::take(&mut self.sample) {
            writeln!(self.out, "{}", view.render(&item))?;
        }
        self.view = Some(view);
        Ok(())
    }

    /// Ends the output; returns how many items were written and, for the
    /// table view, how many attributes did not fit.
    pub fn finish(mut self) -> std::io::Result<(u64, usize)> {
        match self.format {
            OutputFormat::Json if self.count == 0 => writeln!(self.out, "[]")?,
            OutputFormat::Json => writeln!(self.out, "\n]")?,
            OutputFormat::Table if self.view.is_none() && self.count > 0 => self.flush_sample()?,
            _ => {}
        }
        self.out.flush()?;
        Ok((self.count, self.view.map_or(0, |v| v.hidden)))
    }
}
