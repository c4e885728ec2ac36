//! `devstack reset [TABLE...]`: delete and recreate tables and reload their
//! seed data, in about a second, without touching any container.

use std::time::Instant;

use crate::dynamo::client::{self, Profile};
use crate::dynamo::reconcile;
use crate::endpoint;
use crate::error::UsageError;
use crate::manifest::TableSpec;
use crate::output::{Printer, plural};
use crate::seed;
use crate::settings::{ResetOptions, Settings};

pub async fn run(
    settings: &Settings,
    options: &ResetOptions,
    printer: &Printer,
) -> anyhow::Result<()> {
    let started = Instant::now();
    // Without seed data, a seed file that is gone is no reason to refuse.
    let manifest = if options.seed {
        settings.manifest()?
    } else {
        settings.manifest_without_seed_files()?
    };
    let names = &options.tables;
    let tables: Vec<&TableSpec> = if names.is_empty() {
        manifest.tables.iter().collect()
    } else {
        let mut chosen = Vec::new();
        for name in names {
            match manifest.table(name) {
                // Named twice (`t` and its full name): reset once.
                Some(table)
                    if chosen
                        .iter()
                        .any(|t: &&TableSpec| t.physical == table.physical) => {}
                Some(table) => chosen.push(table),
                None => {
                    let valid: Vec<String> = manifest
                        .tables
                        .iter()
                        .map(|t| format!("`{}`", t.name))
                        .collect();
                    return Err(UsageError(format!(
                        "the manifest has no table `{name}`; its tables are {}",
                        if valid.is_empty() {
                            "none".to_string()
                        } else {
                            valid.join(", ")
                        }
                    ))
                    .into());
                }
            }
        }
        chosen
    };
    let seeds = if options.seed {
        Some(seed::validate_tables(
            tables.iter().copied(),
            &settings.dirs.cache,
        )?)
    } else {
        None
    };
    let endpoint = settings.endpoint(&manifest).await?;
    let endpoint =
        endpoint::check_destructive(endpoint, &manifest, settings.allow_remote, "reset tables")
            .await?;
    let client = client::client(endpoint.url(), &manifest.project.region, Profile::Command);
    // The project's engine is watched only when it is the endpoint: an
    // `--endpoint` elsewhere does not care how that container is doing.
    let engine = endpoint.engine();
    // devstack's notes on its own engine, or one on this machine; never a
    // table of its own in an account somewhere else (`--allow-remote`).
    let notes = engine.is_some() || endpoint::is_on_this_machine(endpoint.url());
    let watch = async {
        match engine {
            Some(engine) => engine.lost().await,
            None => std::future::pending().await,
        }
    };
    let reset = tokio::select! {
        done = reconcile::reset(&client, &tables, seeds.as_ref(), notes, printer) => done,
        lost = watch => Err(lost.into()),
    };
    let done = match (reset, engine) {
        (Ok(done), _) => done,
        (Err(err), Some(engine)) => return Err(engine.with_cause(err).await),
        (Err(err), None) => return Err(err),
    };
    let items: u64 = done.iter().map(|(_, n)| n).sum();
    printer.info(&format!(
        "reset {} ({}) at {} in {:.1}s",
        plural(done.len(), "table"),
        plural(items, "item"),
        endpoint.url(),
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}
