//! Where `import` and `init` read tables from: the files that define them
//! (through the manifest's readers), or a running DynamoDB, whose items may
//! be written out as seed files on the way.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::dynamo::client::{self, Profile, describe_error};
use crate::dynamo::tables;
use crate::error::UsageError;
use crate::item::{self, JsonForm};
use crate::manifest::imported::{self, FileTables, Uncarried};
use crate::manifest::{TableSpec, is_project_name};
use crate::output::{Printer, plural};
use crate::service::STATE_TABLE;
use crate::settings::TableSources;

/// The tables found: by file, and on the endpoint, with the seed files
/// written for the latter, by physical name.
pub(super) struct Found {
    pub files: Vec<FileTables>,
    pub endpoint: Vec<TableSpec>,
    pub not_carried: Vec<Uncarried>,
    pub seeds: BTreeMap<String, PathBuf>,
}

impl Found {
    /// Every table, the files' first.
    pub fn tables(&self) -> impl Iterator<Item = &TableSpec> {
        self.files
            .iter()
            .flat_map(|f| &f.tables)
            .chain(&self.endpoint)
    }

    /// The seed files to name for `table`, as `--seeds` was given.
    pub fn seeds_of(&self, table: &TableSpec) -> Vec<String> {
        self.seeds
            .get(&table.physical)
            .map(|p| vec![p.display().to_string()])
            .unwrap_or_default()
    }

    /// Says which properties are not carried, one line each.
    pub fn say_not_carried(&self, printer: &Printer) {
        for n in &self.not_carried {
            printer.info(&format!(
                "not carried (no effect on a local engine): {} {}",
                n.place, n.field
            ));
        }
    }
}

/// Reads the tables of the files, then those of the endpoint. `stack_name`
/// stands in for `AWS::StackName`.
pub(super) async fn read(
    sources: &TableSources,
    stack_name: &str,
    printer: &Printer,
) -> anyhow::Result<Found> {
    let (files, not_carried) = imported::read_files(
        &sources.files,
        sources.format,
        &sources.values,
        &sources.region,
        stack_name,
    )?;
    let (endpoint, seeds) = match &sources.endpoint {
        Some(url) => from_endpoint(url, sources, printer).await?,
        None => (Vec::new(), BTreeMap::new()),
    };
    Ok(Found {
        files,
        endpoint,
        not_carried,
        seeds,
    })
}

/// Every table of the endpoint but devstack's own, as described; with
/// `--seeds`, each table's items written there as DynamoDB JSON lines.
async fn from_endpoint(
    url: &str,
    sources: &TableSources,
    printer: &Printer,
) -> anyhow::Result<(Vec<TableSpec>, BTreeMap<String, PathBuf>)> {
    let seeds = sources.seeds.as_deref();
    if !url.starts_with("http://") && !url.starts_with("https://") {
        return Err(UsageError(format!(
            "`{url}` is not an endpoint URL\n  hint: write it as `http://localhost:8000`"
        ))
        .into());
    }
    let client = match &sources.access_key_id {
        Some(key) => client::with_access_key(url, &sources.region, key, Profile::Command),
        None => client::client(url, &sources.region, Profile::Command),
    };
    let mut names = Vec::new();
    let mut pages = client.list_tables().into_paginator().items().send();
    while let Some(name) = pages.next().await {
        let name =
            name.map_err(|err| anyhow::anyhow!("ListTables at {url}: {}", describe_error(&err)))?;
        if name != STATE_TABLE {
            names.push(name);
        }
    }
    let mut specs = Vec::new();
    for name in &names {
        let Some(state) = tables::describe(&client, name).await? else {
            continue;
        };
        match state.to_spec() {
            Some(mut spec) => {
                let kept = spec.global_indexes.len() + spec.local_indexes.len();
                let described = state.global_indexes.len() + state.local_indexes.len();
                if kept < described {
                    printer.info(&format!(
                        "`{name}`: {} left out, their key schema cannot be read",
                        plural(described - kept, "index")
                    ));
                }
                spec.from = Some(format!("{url} table `{name}`"));
                specs.push(spec);
            }
            None => printer.info(&format!(
                "skipped table `{name}`: its key schema cannot be read"
            )),
        }
    }
    let mut written = BTreeMap::new();
    if let Some(dir) = seeds {
        // Every file is new, or none is written.
        let paths: Vec<PathBuf> = specs
            .iter()
            .map(|spec| dir.join(format!("{}.jsonl", spec.physical)))
            .collect();
        if let Some(there) = paths.iter().find(|p| p.exists()) {
            return Err(UsageError(format!(
                "`{}` already exists; devstack does not overwrite seed files\n  hint: move it away or pass another `--seeds` folder",
                there.display()
            ))
            .into());
        }
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot make the folder `{}`", dir.display()))?;
        for (spec, path) in specs.iter().zip(paths) {
            let count = write_items(&client, spec, &path).await?;
            if count == 0 {
                // An empty table needs no seed file.
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove `{}`", path.display()))?;
                continue;
            }
            printer.info(&format!(
                "wrote {} of `{}` to {}",
                plural(count, "item"),
                spec.physical,
                path.display()
            ));
            written.insert(spec.physical.clone(), path);
        }
    }
    Ok((specs, written))
}

/// Writes every item of the table to a new file at `path`, one DynamoDB
/// JSON object a line, keys first: to a file beside it first, renamed once
/// complete, so a failed scan leaves no partial seed file.
async fn write_items(
    client: &aws_sdk_dynamodb::Client,
    spec: &TableSpec,
    path: &Path,
) -> anyhow::Result<u64> {
    let partial = path.with_extension("jsonl.partial");
    let written = write_items_to(client, spec, &partial).await;
    match written {
        Ok(count) => {
            std::fs::rename(&partial, path)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            Ok(count)
        }
        Err(err) => {
            let _ = std::fs::remove_file(&partial);
            Err(err)
        }
    }
}

async fn write_items_to(
    client: &aws_sdk_dynamodb::Client,
    spec: &TableSpec,
    path: &Path,
) -> anyhow::Result<u64> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let mut keys = vec![spec.partition_key.name.clone()];
    keys.extend(spec.sort_key.as_ref().map(|k| k.name.clone()));
    let mut count = 0;
    let mut pages = client
        .scan()
        .table_name(&spec.physical)
        .into_paginator()
        .items()
        .send();
    while let Some(item) = pages.next().await {
        let item = item
            .map_err(|err| anyhow::anyhow!("Scan `{}`: {}", spec.physical, describe_error(&err)))?;
        serde_json::to_writer(&mut out, &item::to_json(&item, &keys, JsonForm::Typed))?;
        out.write_all(b"\n")?;
        count += 1;
    }
    out.flush()?;
    Ok(count)
}

/// The project name a folder suggests: its name in lower case, with
/// anything else than `a-z 0-9 _ -` made `-`; `devstack` when that is no
/// name.
pub(super) fn folder_name(folder: &Path) -> String {
    let raw = folder
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let mut name: String = raw
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '_' | '-' => c,
            _ => '-',
        })
        .collect();
    name = name
        .trim_start_matches(['-', '_'])
        .chars()
        .take(63)
        .collect();
    if is_project_name(&name) {
        name
    } else {
        "devstack".to_string()
    }
}
