//! `devstack snapshot save|load|ls|rm`: the tables' schema and items saved
//! in the layout of a DynamoDB export to S3, and brought back, exactly, on
//! any engine. A snapshot is kept per project (or in a folder given with
//! `--path`); a real export copied down from S3 loads as one too.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::dynamo::client::{self, Profile};
use crate::error::UsageError;
use crate::output::{Column, Printer, bytes, columns, plural};
use crate::seed;
use crate::settings::{Settings, SnapshotJob};
use crate::snapshot::store::{self, Info, Snapshot};
use crate::snapshot::{save, seed_from, write};

pub async fn run(settings: &Settings, job: &SnapshotJob, printer: &Printer) -> anyhow::Result<()> {
    match job {
        SnapshotJob::Save {
            name,
            tables,
            path,
            force,
        } => save(settings, name, tables, path.as_deref(), *force, printer).await,
        SnapshotJob::Load { snapshot, tables } => load(settings, snapshot, tables, printer).await,
        SnapshotJob::Ls { path, json } => ls(settings, path.as_deref(), *json, printer),
        SnapshotJob::Rm { names, path } => rm(settings, names, path.as_deref(), printer),
    }
}

async fn save(
    settings: &Settings,
    name: &str,
    names: &[String],
    path: Option<&Path>,
    force: bool,
    printer: &Printer,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let when = SystemTime::now();
    store::check_name(name)?;
    let manifest = settings.manifest_without_seed_files()?;
    let tables = super::chosen_tables(&manifest, names)?;
    let dir = super::snapshot_dir(settings, &manifest, path)?;
    let target = dir.join(name);
    if target.exists() {
        if !force {
            return Err(UsageError(format!(
                "snapshot `{name}` exists already (`{}`)\n  hint: `--force` replaces it, or `devstack snapshot rm {name}` removes it",
                target.display()
            ))
            .into());
        }
        // Only a snapshot of devstack's own is replaced, never another folder.
        Snapshot::own(&target, name)?;
    }
    let endpoint = settings.endpoint(&manifest).await?;
    let client = client::for_project(endpoint.url(), &manifest.project, Profile::Command);
    std::fs::create_dir_all(&dir)?;
    store::remove_abandoned(&dir);
    // Written aside and renamed into place: a save cut off half-way (an
    // error, Ctrl-C) leaves no snapshot that looks whole, and no folder.
    let partial = Aside::make(dir.join(store::partial_name(name, "partial")))?;
    let saved = save::save_tables(
        &client,
        &manifest,
        endpoint.url(),
        &tables,
        &partial.0,
        printer,
    )
    .await?;
    let info = Info {
        devstack: env!("CARGO_PKG_VERSION").to_string(),
        project: manifest.project.name.clone(),
        engine: match endpoint.engine() {
            Some(_) => manifest.project.engine.to_string(),
            None => "endpoint".to_string(),
        },
        manifest_sha256: std::fs::read(&manifest.path)
            .map(|bytes| format!("{:x}", Sha256::digest(bytes)))
            .unwrap_or_default(),
        saved_at: write::timestamp(when),
        tables: saved,
    };
    std::fs::write(
        partial.0.join(store::INFO_FILE),
        serde_json::to_string_pretty(&info)?,
    )?;
    if target.exists() {
        // The old snapshot goes only once the new one is in its place.
        let old = Aside(dir.join(store::partial_name(name, "old")));
        std::fs::rename(&target, &old.0)?;
        if let Err(err) = std::fs::rename(&partial.0, &target) {
            let _ = std::fs::rename(&old.0, &target);
            return Err(err.into());
        }
    } else {
        std::fs::rename(&partial.0, &target)?;
    }
    let items: u64 = info.tables.iter().map(|t| t.items).sum();
    printer.info(&format!(
        "saved snapshot `{name}` ({}, {}, {}) from {} in {:.1}s: {}",
        plural(info.tables.len(), "table"),
        plural(items, "item"),
        bytes(store::size_of(&target)),
        endpoint.url(),
        started.elapsed().as_secs_f64(),
        target.display()
    ));
    Ok(())
}

async fn load(
    settings: &Settings,
    arg: &str,
    names: &[String],
    printer: &Printer,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut manifest = settings.manifest_without_seed_files()?;
    let snapshot = super::find_snapshot(settings, &manifest, arg)?;
    let physical = seed_from(&snapshot, &mut manifest, names, arg)?;
    let tables: Vec<_> = manifest
        .tables
        .iter()
        .filter(|t| physical.contains(&t.physical))
        .collect();
    // Every data file is read and checked before any table is touched.
    let counts = seed::validate_tables(tables.iter().copied(), &settings.dirs.cache)
        .map_err(|invalid| invalid.in_snapshot(arg))?;
    let (url, done) = super::replace_tables(
        settings,
        &manifest,
        &tables,
        Some(&counts),
        "load a snapshot",
        printer,
    )
    .await?;
    let items: u64 = done.iter().map(|(_, n)| n).sum();
    printer.info(&format!(
        "loaded snapshot `{arg}` ({}, {}) at {url} in {:.1}s",
        plural(done.len(), "table"),
        plural(items, "item"),
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

#[derive(Debug, Serialize)]
struct Row {
    name: String,
    tables: usize,
    items: Option<u64>,
    bytes: u64,
    saved_at: Option<String>,
    engine: Option<String>,
    path: PathBuf,
}

fn ls(
    settings: &Settings,
    path: Option<&Path>,
    json: bool,
    printer: &Printer,
) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let dir = super::snapshot_dir(settings, &manifest, path)?;
    let rows: Vec<Row> = store::list(&dir)
        .into_iter()
        .map(|(name, snapshot)| Row {
            tables: snapshot.tables().map_or(0, |t| t.len()),
            items: snapshot.items(),
            bytes: store::size_of(&snapshot.dir),
            saved_at: snapshot.info.as_ref().map(|i| i.saved_at.clone()),
            engine: snapshot.info.as_ref().map(|i| i.engine.clone()),
            path: snapshot.dir,
            name,
        })
        .collect();
    if json {
        printer.data(&serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    if rows.is_empty() {
        printer.info(&format!("no snapshot in `{}`", dir.display()));
        return Ok(());
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.tables.to_string(),
                r.items.map_or("-".to_string(), |n| n.to_string()),
                bytes(r.bytes),
                r.saved_at.clone().unwrap_or_else(|| "-".to_string()),
                r.engine.clone().unwrap_or_else(|| "export".to_string()),
            ]
        })
        .collect();
    let headers = [
        Column::left("NAME"),
        Column::right("TABLES"),
        Column::right("ITEMS"),
        Column::right("SIZE"),
        Column::left("SAVED"),
        Column::left("ENGINE"),
    ];
    printer.data(&columns(&headers, &cells))?;
    Ok(())
}

fn rm(
    settings: &Settings,
    names: &[String],
    path: Option<&Path>,
    printer: &Printer,
) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let dir = super::snapshot_dir(settings, &manifest, path)?;
    // Every name is checked before anything is removed.
    let mut found = Vec::new();
    for name in names {
        store::check_name(name)?;
        let target = dir.join(name);
        if !target.exists() {
            return Err(UsageError(format!(
                "no snapshot `{name}` in `{}`; `devstack snapshot ls` lists them",
                dir.display()
            ))
            .into());
        }
        Snapshot::own(&target, name)?;
        found.push((name, target));
    }
    for (name, target) in found {
        std::fs::remove_dir_all(&target)?;
        printer.info(&format!("removed snapshot `{name}`"));
    }
    Ok(())
}

/// A folder beside the snapshots, removed when dropped: a snapshot being
/// written, or the one it replaces.
struct Aside(PathBuf);

impl Aside {
    fn make(path: PathBuf) -> std::io::Result<Aside> {
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)?;
        Ok(Aside(path))
    }
}

impl Drop for Aside {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
