//! The TOML reader: turns `devstack.toml` into the validated model,
//! collecting every problem.
//!
//! The TOML is parsed into toml's spanned document tree and walked by hand
//! rather than through serde: serde stops at the first unknown key or wrong
//! type, and users deserve the whole list with a position for each.
//!
//! This file holds the entry point; each top-level table has its own file
//! (`project`, `services`, `env`, `table` with `seeds`), and `fields` the
//! generic field readers they share. The tables' rules are not about TOML:
//! `table` reads `[[table]]` into drafts for `manifest::rules` and maps
//! the problems found back to places in the file.

mod env;
mod fields;
mod project;
mod seed_csv;
mod seeds;
mod services;
mod table;
mod tables_from;
pub mod write;

use std::collections::BTreeMap;
use std::path::Path;

use toml::de::DeTable;

use self::fields::{Fields, Reader};
use self::table::Tables;
use super::imported::Uncarried;
use super::path::FieldPath;
use super::template::Template;
use super::{Diagnostic, FileProblems, Project, ServiceOverride, TableSpec};
use crate::service::{Engine, ServiceKind};

pub use self::project::is_project_name;

pub struct Parsed {
    pub project: Project,
    pub services: BTreeMap<ServiceKind, ServiceOverride>,
    pub env: Vec<(String, Template)>,
    pub tables: Vec<TableSpec>,
    pub notes: Vec<String>,
    pub not_carried: Vec<Uncarried>,
}

/// What is wrong: in the manifest, and in the files it takes tables from.
pub struct Problems {
    pub manifest: Vec<Diagnostic>,
    pub others: Vec<FileProblems>,
}

impl From<Vec<Diagnostic>> for Problems {
    fn from(manifest: Vec<Diagnostic>) -> Problems {
        Problems {
            manifest,
            others: Vec::new(),
        }
    }
}

/// Parses and checks a manifest. `engine`, when given (`--engine`), stands
/// in for the manifest's engine in every rule that depends on it.
pub fn parse(
    text: &str,
    dir: &Path,
    check_files: bool,
    engine: Option<Engine>,
) -> Result<Parsed, Problems> {
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(err) => {
            let span = err.span().unwrap_or(0..0);
            let message = err.message().trim_end().to_string();
            return Err(vec![Diagnostic::new(
                span,
                "",
                format!("invalid TOML: {message}"),
            )]
            .into());
        }
    };
    let mut reader = Reader::new(dir, check_files);
    let mut top = Fields::new(root.get_ref(), root.span(), FieldPath::default());

    let mut notes = Vec::new();
    let project = match top.table("project", &mut reader) {
        Some(fields) => reader.project(fields, engine, &mut notes),
        None => {
            reader.error(0..0, "project", "missing `[project]` table");
            None
        }
    };
    let services = top
        .table("services", &mut reader)
        .map(|fields| reader.services(fields))
        .unwrap_or_default();
    let env = top
        .table("env", &mut reader)
        .map(|fields| reader.env(fields))
        .unwrap_or_default();
    let mut tables = Tables::new(text);
    for fields in top.tables("table", &mut reader) {
        reader.table(fields, &mut tables);
    }
    let sources: Vec<_> = top
        .tables("tables_from", &mut reader)
        .into_iter()
        .filter_map(|fields| reader.tables_from(fields, project.as_ref()))
        .collect();
    top.reject_unknown(
        &["project", "services", "env", "table", "tables_from"],
        &mut reader,
    );

    if let Some(project) = &project {
        reader.check_ports(project, &services);
    }
    let prefix = project.as_ref().map(|p| p.table_prefix.as_str());
    let mut tables = tables.check(prefix, &mut reader);
    let mut others = Vec::new();
    let mut not_carried = Vec::new();
    if let Some(project) = &project {
        let mut places: Vec<(String, String)> = tables
            .iter()
            .flatten()
            .map(|t| {
                (
                    t.physical.clone(),
                    format!("line {} of the manifest", t.line),
                )
            })
            .collect();
        for source in &sources {
            let loaded = source.load(&project.region, &project.name);
            for table in loaded.tables {
                let place = table.from.clone().unwrap_or_default();
                match places
                    .iter()
                    .find(|(physical, _)| *physical == table.physical)
                {
                    Some((_, first)) => {
                        let (span, field) = source.place();
                        reader.push(
                            Diagnostic::new(
                                span,
                                field.to_string(),
                                format!(
                                    "duplicate table `{}` ({place}), first declared on {first}",
                                    table.physical
                                ),
                            )
                            .help("leave one out with `only = [...]`, or give one another name under `[tables_from.table.ID]`"),
                        );
                    }
                    None => {
                        places.push((table.physical.clone(), place));
                        tables.push(Some(table));
                    }
                }
            }
            reader.diagnostics.extend(loaded.manifest);
            others.extend(loaded.files);
            not_carried.extend(loaded.not_carried);
        }
    }
    reader.check_env_tables(&env, &tables);
    if !reader.diagnostics.is_empty() || !others.is_empty() {
        return Err(Problems {
            manifest: reader.diagnostics,
            others,
        });
    }
    let (Some(project), Some(tables)) = (project, tables.into_iter().collect::<Option<Vec<_>>>())
    else {
        // Every path that yields `None` recorded a diagnostic.
        return Err(vec![Diagnostic::new(0..0, "", "invalid manifest")].into());
    };
    Ok(Parsed {
        project,
        services: services.into_iter().map(|(k, (_, v))| (k, v)).collect(),
        env: env
            .into_iter()
            .map(|(name, value, _)| (name, value))
            .collect(),
        tables,
        notes,
        not_carried,
    })
}
