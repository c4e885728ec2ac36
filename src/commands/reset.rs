//! `devstack reset [TABLE...]`: delete and recreate tables and reload their
//! seed data, in about a second, without touching any container.

use std::time::Instant;

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
    let tables = super::chosen_tables(&manifest, &options.tables)?;
    let seeds = if options.seed {
        Some(seed::validate_tables(
            tables.iter().copied(),
            &settings.dirs.cache,
        )?)
    } else {
        None
    };
    let (url, done) = super::replace_tables(
        settings,
        &manifest,
        &tables,
        seeds.as_ref(),
        "reset tables",
        printer,
    )
    .await?;
    let items: u64 = done.iter().map(|(_, n)| n).sum();
    printer.info(&format!(
        "reset {} ({}) at {} in {:.1}s",
        plural(done.len(), "table"),
        plural(items, "item"),
        url,
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}
