//! Turns manifest text into the validated model, collecting every problem.
//!
//! The TOML is parsed into toml's spanned document tree and walked by hand
//! rather than through serde: serde stops at the first unknown key or wrong
//! type, and users deserve the whole list with a position for each.
//!
//! This file holds the entry point, the `[project]`, `[services]` and `[env]`
//! readers and the whole-manifest checks; the generic field readers are in
//! `fields`, the table rules in `table` and the seed entries in `seeds`.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::fields::{Context, Fields, did_you_mean, one_of, unknown, wrong_type};
use super::table::Table;
use super::template::{Placeholder, Template};
use super::{Diagnostic, Project, PullPolicy, ServiceOverride, TableSpec};
use crate::service::{Engine, ServiceKind};
use strum::VariantNames;

const PROJECT_FIELDS: &[&str] = &[
    "name",
    "engine",
    "region",
    "table_prefix",
    "admin",
    "persist",
    "ready_timeout",
    "pull",
];

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
    let mut cx = Context::new(text, dir, check_files);
    let mut top = Fields::new(root.get_ref(), root.span(), "");

    let mut notes = Vec::new();
    let project = match top.table("project", &mut cx) {
        Some(fields) => cx.project(fields, engine, &mut notes),
        None => {
            cx.error(0..0, "project", "missing `[project]` table");
            None
        }
    };
    let services = top
        .table("services", &mut cx)
        .map(|fields| cx.services(fields))
        .unwrap_or_default();
    let env = top
        .table("env", &mut cx)
        .map(|fields| cx.env(fields))
        .unwrap_or_default();
    let mut tables = Vec::new();
    for fields in top.tables("table", &mut cx) {
        tables.push(cx.table(fields, project.as_ref()));
    }
    top.finish(&["project", "services", "env", "table"], &mut cx);

    if let Some(project) = &project {
        cx.check_ports(project, &services);
        cx.check_duplicate_tables(&tables);
    }
    cx.check_env_tables(&env, &tables);
    if !cx.diagnostics.is_empty() {
        return Err(cx.diagnostics);
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

impl Context<'_> {
    fn project(
        &mut self,
        mut f: Fields<'_, '_>,
        engine_override: Option<Engine>,
        notes: &mut Vec<String>,
    ) -> Option<Project> {
        let name = f.string("name", self);
        let engine = f.string("engine", self);
        let region = f.string("region", self);
        let table_prefix = f.string("table_prefix", self);
        let admin = f.boolean("admin", self);
        let persist = f.boolean("persist", self);
        let ready_timeout = f.integer("ready_timeout", self);
        let pull = f.string("pull", self);
        f.finish(PROJECT_FIELDS, self);

        let name = match name {
            Some(name) if is_project_name(name.get_ref()) => Some(name.into_inner()),
            Some(name) => {
                self.push(
                    Diagnostic::new(
                        name.span(),
                        "project.name",
                        format!("invalid project name `{}`", name.get_ref()),
                    )
                    .help(
                        "use 1 to 63 characters of `a-z 0-9 _ -`, starting with a letter or digit",
                    ),
                );
                None
            }
            None => {
                f.missing(
                    "name",
                    PROJECT_FIELDS,
                    self,
                    Diagnostic::new(f.span.clone(), "project.name", "missing `name`"),
                );
                None
            }
        };
        let manifest_engine = match engine {
            Some(engine) => match Engine::from_name(engine.get_ref()) {
                Some(kind) => Some(kind),
                None => {
                    self.push(one_of(
                        &engine,
                        "project.engine",
                        "engine",
                        Engine::VARIANTS,
                    ));
                    None
                }
            },
            None => {
                f.missing(
                    "engine",
                    PROJECT_FIELDS,
                    self,
                    Diagnostic::new(f.span.clone(), "project.engine", "missing `engine`").help(
                        "set `engine = \"dynamodb-local\"`, `\"ministack\"` or `\"embedded\"`",
                    ),
                );
                None
            }
        };
        let region = match region {
            Some(region) if is_region(region.get_ref()) => region.into_inner(),
            Some(region) => {
                self.push(
                    Diagnostic::new(
                        region.span(),
                        "project.region",
                        format!("`{}` is not an AWS region name", region.get_ref()),
                    )
                    .help("use a name such as `us-east-1` or `eu-west-2`"),
                );
                String::new()
            }
            None => "us-east-1".to_string(),
        };
        let ready_timeout = match ready_timeout {
            Some(secs) if (1..=600).contains(secs.get_ref()) => {
                Duration::from_secs(secs.into_inner().unsigned_abs())
            }
            Some(secs) => {
                self.error(
                    secs.span(),
                    "project.ready_timeout",
                    format!(
                        "`ready_timeout` must be 1 to 600 seconds, not {}",
                        secs.get_ref()
                    ),
                );
                Duration::ZERO
            }
            None => Duration::from_secs(60),
        };
        let pull = match pull {
            Some(pull) => PullPolicy::from_name(pull.get_ref()).unwrap_or_else(|| {
                self.push(one_of(
                    &pull,
                    "project.pull",
                    "pull policy",
                    PullPolicy::VARIANTS,
                ));
                PullPolicy::Missing
            }),
            None => PullPolicy::Missing,
        };
        let engine = engine_override.or(manifest_engine);
        let mut wants_admin = admin.as_ref().is_some_and(|a| *a.get_ref());
        if wants_admin && engine == Some(Engine::Embedded) {
            match (engine_override, &admin) {
                // `--engine embedded` on a manifest written for a container
                // engine: run it, without the admin UI.
                (Some(_), _) if manifest_engine != Some(Engine::Embedded) => {
                    wants_admin = false;
                    notes.push(
                        "dynamodb-admin is not started: it runs in Docker and reaches a container engine on the project network, and `--engine embedded` runs outside Docker".to_string(),
                    );
                }
                (_, Some(admin)) => self.push(
                    Diagnostic::new(
                        admin.span(),
                        "project.admin",
                        "the admin UI needs a container engine: it runs in Docker and reaches the engine on the project network, and the embedded engine runs outside Docker",
                    )
                    .help("set `admin = false`, or use `engine = \"dynamodb-local\"` to browse the tables in dynamodb-admin"),
                ),
                _ => {}
            }
        }
        Some(Project {
            name: name?,
            engine: engine?,
            region,
            table_prefix: table_prefix.map(Spanned::into_inner).unwrap_or_default(),
            admin: wants_admin,
            persist: persist.is_some_and(Spanned::into_inner),
            ready_timeout,
            pull,
            owner: None,
        })
    }

    fn services(
        &mut self,
        f: Fields<'_, '_>,
    ) -> BTreeMap<ServiceKind, (Range<usize>, ServiceOverride)> {
        let mut services = BTreeMap::new();
        for (key, value) in f.table.iter() {
            let name = key.get_ref().as_ref();
            let path = format!("services.{name}");
            let Some(kind) = ServiceKind::from_name(name) else {
                let names = ServiceKind::VARIANTS;
                self.push(unknown(key.span(), &path, "service", name, names));
                continue;
            };
            let Some(mut s) = Fields::of(value, &path, self) else {
                continue;
            };
            let port =
                s.integer("port", self)
                    .and_then(|port| match u16::try_from(*port.get_ref()) {
                        Ok(p) => Some(p),
                        Err(_) => {
                            self.push(
                                Diagnostic::new(
                                    port.span(),
                                    format!("{path}.port"),
                                    format!("port {} is out of range", port.get_ref()),
                                )
                                .help("use 1 to 65535, or 0 to pick a free port"),
                            );
                            None
                        }
                    });
            let image = s.string("image", self).and_then(|image| {
                if !kind.is_container() {
                    self.push(
                        Diagnostic::new(
                            image.span(),
                            format!("{path}.image"),
                            "the embedded engine is part of devstack and has no image",
                        )
                        .help("remove `image`; `port` and `bind` apply"),
                    );
                    return None;
                }
                let valid = !image.get_ref().is_empty()
                    && !image.get_ref().chars().any(char::is_whitespace);
                if !valid {
                    self.error(
                        image.span(),
                        format!("{path}.image"),
                        format!("`{}` is not an image reference", image.get_ref()),
                    );
                }
                valid.then(|| image.into_inner())
            });
            let bind = s.string("bind", self).and_then(|bind| {
                let parsed = bind.get_ref().parse::<IpAddr>();
                if parsed.is_err() {
                    self.push(
                        Diagnostic::new(
                            bind.span(),
                            format!("{path}.bind"),
                            format!("`{}` is not an IP address", bind.get_ref()),
                        )
                        .help("use `127.0.0.1` (the default) or another address of this machine"),
                    );
                }
                parsed.ok()
            });
            let java_options = s.string_list("java_options", self).and_then(|list| {
                if kind != ServiceKind::DynamodbLocal {
                    self.push(
                        Diagnostic::new(
                            list.span(),
                            format!("{path}.java_options"),
                            "`java_options` applies to `dynamodb-local` only",
                        )
                        .help("remove it here"),
                    );
                    return None;
                }
                Some(
                    list.into_inner()
                        .into_iter()
                        .map(Spanned::into_inner)
                        .collect(),
                )
            });
            s.finish(&["port", "image", "bind", "java_options"], self);
            let port_span = s.table.get("port").map_or(key.span(), Spanned::span);
            let overrides = ServiceOverride {
                port,
                image,
                bind,
                java_options,
            };
            services.insert(kind, (port_span, overrides));
        }
        services
    }

    fn env(&mut self, f: Fields<'_, '_>) -> Vec<(String, Template, Range<usize>)> {
        let mut env = Vec::new();
        for (key, value) in f.table.iter() {
            let name = key.get_ref().as_ref();
            let path = format!("env.{name}");
            if !is_env_name(name) {
                self.push(
                    Diagnostic::new(
                        key.span(),
                        &path,
                        format!("`{name}` is not a variable name"),
                    )
                    .help("use letters, digits and `_`, not starting with a digit"),
                );
            }
            match value.get_ref() {
                DeValue::String(s) => match Template::parse(s) {
                    Ok(template) => env.push((name.to_string(), template, value.span())),
                    Err(bad) => {
                        // Inside the quotes; exact for values without escapes.
                        let at = value.span().start + 1 + bad.offset;
                        let all = Placeholder::NAMES.map(|n| format!("`${{{n}}}`")).join(", ");
                        let close = bad
                            .name
                            .as_deref()
                            .and_then(|name| did_you_mean(name, &Placeholder::NAMES));
                        let help = match close {
                            Some(best) => {
                                format!("did you mean `${{{best}}}`? placeholders are {all}")
                            }
                            None => format!("placeholders are {all}; `$$` is a `$`"),
                        };
                        self.push(Diagnostic::new(at..at + 1, &path, bad.message).help(help));
                    }
                },
                other => self.push(wrong_type(value.span(), &path, "a string", other)),
            }
        }
        env.sort_by_key(|(name, _, _)| name.clone());
        env
    }

    /// A `${table:NAME}` names a table of the manifest.
    fn check_env_tables(
        &mut self,
        env: &[(String, Template, Range<usize>)],
        tables: &[Option<Table>],
    ) {
        let names: Vec<&str> = tables
            .iter()
            .flatten()
            .map(|t| t.spec.name.as_str())
            .collect();
        for (name, template, span) in env {
            for table in template.tables() {
                if !names.contains(&table) {
                    self.push(
                        Diagnostic::new(
                            span.clone(),
                            format!("env.{name}"),
                            format!("`${{table:{table}}}`: the manifest has no table `{table}`"),
                        )
                        .help(match names.is_empty() {
                            true => "declare the table under `[[table]]`".to_string(),
                            false => format!(
                                "its tables are {}",
                                names
                                    .iter()
                                    .map(|n| format!("`{n}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        }),
                    );
                }
            }
        }
    }

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

    fn check_ports(
        &mut self,
        project: &Project,
        services: &BTreeMap<ServiceKind, (Range<usize>, ServiceOverride)>,
    ) {
        let mut active = vec![project.engine.service()];
        if project.admin {
            active.push(ServiceKind::DynamodbAdmin);
        }
        let mut taken: Vec<(u16, ServiceKind)> = Vec::new();
        for kind in active {
            let configured = services.get(&kind);
            let port = configured.and_then(|(_, o)| o.port).unwrap_or(kind.port());
            if port == 0 {
                continue;
            }
            if let Some((_, other)) = taken.iter().find(|(p, _)| *p == port) {
                // Point at whichever of the two set the port explicitly.
                let span = configured
                    .filter(|(_, o)| o.port.is_some())
                    .or_else(|| services.get(other))
                    .map_or(0..0, |(span, _)| span.clone());
                self.push(
                    Diagnostic::new(
                        span,
                        format!("services.{kind}.port"),
                        format!("`{kind}` and `{other}` both want host port {port}"),
                    )
                    .help("give one of them another `port`, or `port = 0` to pick a free one"),
                );
            } else {
                taken.push((port, kind));
            }
        }
    }
}

pub fn is_project_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-'))
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `us-east-1`, `eu-west-2`, `ap-southeast-1`, `us-gov-west-1`, …
fn is_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_look_like_aws_regions() {
        for ok in ["us-east-1", "eu-west-2", "ap-southeast-1", "us-gov-west-1"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in ["us-east", "useast1", "US-EAST-1", "us--1", ""] {
            assert!(!is_region(bad), "{bad}");
        }
    }
}
