//! The `[project]` table: the stack's name, its engine, region and table
//! prefix, and how it starts.

use std::time::Duration;

use toml::Spanned;

use super::fields::{Fields, Reader, one_of};
use crate::manifest::{Diagnostic, Project, PullPolicy};
use crate::service::Engine;
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

impl Reader<'_> {
    pub(super) fn project(
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
        f.reject_unknown(PROJECT_FIELDS, self);

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
            // No engine named: the one that needs nothing but devstack.
            None if f.mistyped(PROJECT_FIELDS).contains(&"engine") => None,
            None => {
                if engine_override.is_none() {
                    notes.push(
                        "the manifest names no engine: using the embedded engine (set `engine = \"dynamodb-local\"` or `\"ministack\"` in `[project]` for a container engine)".to_string(),
                    );
                }
                Some(Engine::Embedded)
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
        if wants_admin && engine.is_some_and(|e| !e.needs_docker()) {
            match (engine_override, &admin) {
                // `--engine embedded` on a manifest written for a container
                // engine: run it, without the admin UI.
                (Some(_), _) if manifest_engine.is_none_or(Engine::needs_docker) => {
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
            throwaway: false,
            access_key: crate::service::ACCESS_KEY_ID.to_string(),
            warm: None,
            warm_engine: false,
        })
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
