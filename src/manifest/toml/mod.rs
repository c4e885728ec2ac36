//! The TOML reader: turns `devstack.toml` into the validated model,
//! collecting every problem.
//!
//! The TOML is parsed into toml's spanned document tree and walked by hand
//! rather than through serde: serde stops at the first unknown key or wrong
//! type, and users deserve the whole list with a position for each.
//!
//! This file holds the entry point and the whole-manifest checks; each
//! top-level table has its own file (`project`, `services`, `env`, `table`
//! with `seeds`), and `fields` the generic field readers they share.

mod env;
mod fields;
mod project;
mod seeds;
mod services;
mod table;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;

use toml::de::DeTable;

use self::fields::{Fields, Reader};
use self::table::Table;
use super::template::Template;
use super::{Diagnostic, Project, ServiceOverride, TableSpec};
use crate::service::{Engine, ServiceKind};

pub use self::project::is_project_name;

pub struct Parsed {
    pub project: Project,
    pub services: BTreeMap<ServiceKind, ServiceOverride>,
    pub env: Vec<(String, Template)>,
    pub tables: Vec<TableSpec>,
    pub notes: Vec<String>,
}

/// Parses and checks a manifest. `engine`, when given (`--engine`), stands
/// in for the manifest's engine in every rule that depends on it.
pub fn parse(
    text: &str,
    dir: &Path,
    check_files: bool,
    engine: Option<Engine>,
) -> Result<Parsed, Vec<Diagnostic>> {
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(err) => {
            let span = err.span().unwrap_or(0..0);
            let message = err.message().trim_end().to_string();
            return Err(vec![Diagnostic::new(
                span,
                "",
                format!("invalid TOML: {message}"),
            )]);
        }
    };
    let mut reader = Reader::new(text, dir, check_files);
    let mut top = Fields::new(root.get_ref(), root.span(), "");

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
    let mut tables = Vec::new();
    for fields in top.tables("table", &mut reader) {
        tables.push(reader.table(fields, project.as_ref()));
    }
    top.finish(&["project", "services", "env", "table"], &mut reader);

    if let Some(project) = &project {
        reader.check_ports(project, &services);
        reader.check_duplicate_tables(&tables);
    }
    reader.check_env_tables(&env, &tables);
    if !reader.diagnostics.is_empty() {
        return Err(reader.diagnostics);
    }
    let (Some(project), Some(tables)) = (project, tables.into_iter().collect::<Option<Vec<_>>>())
    else {
        // Every path that yields `None` recorded a diagnostic.
        return Err(vec![Diagnostic::new(0..0, "", "invalid manifest")]);
    };
    Ok(Parsed {
        project,
        services: services.into_iter().map(|(k, (_, v))| (k, v)).collect(),
        env: env
            .into_iter()
            .map(|(name, value, _)| (name, value))
            .collect(),
        tables: tables.into_iter().map(|t| t.spec).collect(),
        notes,
    })
}

impl Reader<'_> {
    fn check_duplicate_tables(&mut self, tables: &[Option<Table>]) {
        let mut seen: HashMap<&str, &Range<usize>> = HashMap::new();
        for (index, table) in tables.iter().enumerate() {
            let Some(table) = table else { continue };
            if let Some(first) = seen.get(table.spec.physical.as_str()) {
                let line = self.line(first);
                self.push(Diagnostic::new(
                    table.name_span.clone(),
                    format!("table[{index}].name"),
                    format!(
                        "duplicate table `{}`, first declared on line {line}",
                        table.spec.physical
                    ),
                ));
            } else {
                seen.insert(&table.spec.physical, &table.name_span);
            }
        }
    }
}
