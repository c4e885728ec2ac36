//! `devstack validate`: check a manifest and its seed files without Docker.

use serde::Serialize;

use crate::manifest::{DiagnosticJson, Invalid, Manifest, Projection};
use crate::output::{Printer, plural};
use crate::seed::{self, InvalidSeedFiles, SeedCounts};
use crate::settings::Settings;

#[derive(Serialize)]
struct Report<'a> {
    valid: bool,
    manifest: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    project: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    engine: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tables: Vec<TableReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<DiagnosticJson>,
    /// Properties of tables from other files that have no local effect.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_carried: Vec<NotCarriedReport>,
}

#[derive(Serialize)]
struct NotCarriedReport {
    place: String,
    field: String,
}

#[derive(Serialize)]
struct TableReport {
    name: String,
    physical: String,
    global_indexes: usize,
    local_indexes: usize,
    seed_files: usize,
    /// The file and line a table taken from another file comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
}

pub fn run(settings: &Settings, json: bool, printer: &Printer) -> anyhow::Result<()> {
    let path = settings.manifest_path()?;
    // The manifest first, then every item of every seed file.
    let loaded = Manifest::load(&path, settings.engine).and_then(|manifest| {
        let counts = seed::validate_tables(&manifest.tables, &settings.dirs.cache)
            .map_err(InvalidSeedFiles::found_by_a_check)?;
        Ok((manifest, counts))
    });
    if !json {
        let (manifest, counts) = loaded?;
        for note in &manifest.notes {
            printer.info(note);
        }
        return Ok(printer.data(&summary(&manifest, &counts))?);
    }
    let report = match &loaded {
        Ok((manifest, _)) => Report {
            valid: true,
            manifest: path.display().to_string(),
            project: Some(&manifest.project.name),
            engine: Some(manifest.project.engine.to_string()),
            tables: manifest
                .tables
                .iter()
                .map(|t| TableReport {
                    name: t.name.clone(),
                    physical: t.physical.clone(),
                    global_indexes: t.global_indexes.len(),
                    local_indexes: t.local_indexes.len(),
                    seed_files: t.seeds.len(),
                    from: t.from.clone(),
                })
                .collect(),
            errors: Vec::new(),
            not_carried: manifest
                .not_carried
                .iter()
                .map(|n| NotCarriedReport {
                    place: n.place.clone(),
                    field: n.field.clone(),
                })
                .collect(),
        },
        Err(err) => {
            let errors = if let Some(invalid) = err.downcast_ref::<Invalid>() {
                invalid.to_json()
            } else if let Some(seeds) = err.downcast_ref::<InvalidSeedFiles>() {
                seed_errors(seeds)
            } else {
                return loaded.map(|_| ());
            };
            Report {
                valid: false,
                manifest: path.display().to_string(),
                project: None,
                engine: None,
                tables: Vec::new(),
                errors,
                not_carried: Vec::new(),
            }
        }
    };
    printer.data(&serde_json::to_string_pretty(&report)?)?;
    // The JSON already says what is wrong; the exit code still must.
    loaded
        .map(|_| ())
        .map_err(|err| err.context(crate::error::Reported))
}

/// Seed problems in the same shape as manifest problems.
fn seed_errors(seeds: &InvalidSeedFiles) -> Vec<DiagnosticJson> {
    seeds
        .0
        .iter()
        .flat_map(|table| {
            table.problems.iter().map(move |p| DiagnosticJson {
                file: p.file.display().to_string(),
                line: p.line,
                column: p.column.unwrap_or(0),
                field: format!("table `{}` seed data", table.table),
                message: p.message.clone(),
                help: None,
            })
        })
        .collect()
}

/// The human summary: what `up` would run and create.
pub fn summary(manifest: &Manifest, counts: &SeedCounts) -> String {
    let p = &manifest.project;
    let mut out = format!(
        "{} is valid\n  project  {}\n  engine   {} ({}, region {}){}\n",
        manifest.path.display(),
        p.name,
        p.engine,
        if p.persist { "persistent" } else { "in memory" },
        p.region,
        if p.admin { " + dynamodb-admin" } else { "" },
    );
    let indexes: usize = manifest
        .tables
        .iter()
        .map(|t| t.global_indexes.len() + t.local_indexes.len())
        .sum();
    let seeds: usize = manifest.tables.iter().map(|t| t.seeds.len()).sum();
    let items: u64 = counts.values().sum();
    out.push_str(&format!(
        "  tables   {} ({}, {}, {})\n",
        manifest.tables.len(),
        plural(indexes, "index"),
        plural(seeds, "seed file"),
        plural(items, "seed item")
    ));
    let width = manifest
        .tables
        .iter()
        .map(|t| t.physical.len())
        .max()
        .unwrap_or(0);
    for t in &manifest.tables {
        let mut keys = t.partition_key.to_string();
        if let Some(sort) = &t.sort_key {
            keys.push_str(&format!(" / {sort}"));
        }
        let mut extras = Vec::new();
        for index in &t.global_indexes {
            extras.push(format!(
                "gsi {}{}",
                index.name,
                projection_note(&index.projection)
            ));
        }
        for index in &t.local_indexes {
            extras.push(format!(
                "lsi {}{}",
                index.name,
                projection_note(&index.projection)
            ));
        }
        if let Some(ttl) = &t.ttl {
            extras.push(format!("ttl {ttl}"));
        }
        if let Some(stream) = t.stream {
            extras.push(format!("stream {}", stream.as_str()));
        }
        for seed in &t.seeds {
            extras.push(format!("seed {}", seed.shown));
        }
        if let Some(from) = &t.from {
            extras.push(format!("from {from}"));
        }
        out.push_str(&format!("    {:width$}  {keys}", t.physical));
        if !extras.is_empty() {
            out.push_str(&format!("  [{}]", extras.join(", ")));
        }
        out.push('\n');
    }
    if !manifest.not_carried.is_empty() {
        out.push_str("  not carried (no effect on a local engine):\n");
        let width = manifest
            .not_carried
            .iter()
            .map(|n| n.place.len())
            .max()
            .unwrap_or(0);
        for n in &manifest.not_carried {
            out.push_str(&format!("    {:width$}  {}\n", n.place, n.field));
        }
    }
    out
}

fn projection_note(projection: &Projection) -> &'static str {
    match projection {
        Projection::All => "",
        Projection::KeysOnly => " (keys only)",
        Projection::Include(_) => " (include)",
    }
}
