//! Turns manifest text into the validated model, collecting every problem.
//!
//! The TOML is parsed into toml's spanned document tree and walked by hand
//! rather than through serde: serde stops at the first unknown key or wrong
//! type, and users deserve the whole list with a position for each.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{
    Billing, Diagnostic, IndexSpec, KeyAttribute, KeyType, Project, Projection, PullPolicy,
    SeedFormat, SeedSpec, ServiceOverride, StreamView, TableSpec,
};
use crate::service::{Engine, ServiceKind};

/// DynamoDB's limits, as its documentation states them.
pub const MAX_GLOBAL_INDEXES: usize = 20;
pub const MAX_LOCAL_INDEXES: usize = 5;
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
const TABLE_FIELDS: &[&str] = &[
    "name",
    "partition_key",
    "sort_key",
    "billing_mode",
    "read_capacity",
    "write_capacity",
    "ttl",
    "stream",
    "seed",
    "global_index",
    "local_index",
];
const INDEX_FIELDS: &[&str] = &[
    "name",
    "partition_key",
    "sort_key",
    "projection",
    "non_key_attributes",
];
const NAME_RULE: &str = "3 to 255 characters of `A-Z a-z 0-9 _ . -`";

pub struct Parsed {
    pub project: Project,
    pub services: BTreeMap<ServiceKind, ServiceOverride>,
    pub env: Vec<(String, String)>,
    pub tables: Vec<TableSpec>,
}

pub fn parse(text: &str, dir: &Path, check_files: bool) -> Result<Parsed, Vec<Diagnostic>> {
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
    let mut cx = Context {
        text,
        dir,
        check_files,
        diagnostics: Vec::new(),
    };
    let mut top = Fields::new(root.get_ref(), root.span(), "");

    let project = match top.table("project", &mut cx) {
        Some(fields) => cx.project(fields),
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
        env,
        tables: tables.into_iter().map(|t| t.spec).collect(),
    })
}

/// A table's spec plus the spans later checks point at.
struct Table {
    spec: TableSpec,
    name_span: Range<usize>,
}

struct Context<'a> {
    text: &'a str,
    dir: &'a Path,
    /// Whether seed files must exist and be readable.
    check_files: bool,
    diagnostics: Vec<Diagnostic>,
}

impl Context<'_> {
    fn error(&mut self, span: Range<usize>, field: impl Into<String>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new(span, field, message));
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn line(&self, span: &Range<usize>) -> usize {
        super::Position::of(self.text, span.start).line
    }

    fn project(&mut self, mut f: Fields<'_, '_>) -> Option<Project> {
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
        let engine = match engine {
            Some(engine) => match Engine::from_name(engine.get_ref()) {
                Some(kind) => Some(kind),
                None => {
                    self.push(one_of(&engine, "project.engine", "engine", &Engine::NAMES));
                    None
                }
            },
            None => {
                f.missing(
                    "engine",
                    PROJECT_FIELDS,
                    self,
                    Diagnostic::new(f.span.clone(), "project.engine", "missing `engine`")
                        .help("set `engine = \"dynamodb-local\"` or `engine = \"ministack\"`"),
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
                    &PullPolicy::NAMES,
                ));
                PullPolicy::Missing
            }),
            None => PullPolicy::Missing,
        };
        Some(Project {
            name: name?,
            engine: engine?,
            region,
            table_prefix: table_prefix.map(Spanned::into_inner).unwrap_or_default(),
            admin: admin.is_some_and(Spanned::into_inner),
            persist: persist.is_some_and(Spanned::into_inner),
            ready_timeout,
            pull,
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
                let names = ServiceKind::ALL.map(ServiceKind::name);
                self.push(unknown(key.span(), &path, "service", name, &names));
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
            s.finish(&["port", "image", "bind"], self);
            let port_span = s.table.get("port").map_or(key.span(), Spanned::span);
            services.insert(kind, (port_span, ServiceOverride { port, image, bind }));
        }
        services
    }

    fn env(&mut self, f: Fields<'_, '_>) -> Vec<(String, String)> {
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
                DeValue::String(s) => env.push((name.to_string(), s.to_string())),
                other => self.push(wrong_type(value.span(), &path, "a string", other)),
            }
        }
        env.sort_by_key(|(name, _)| name.clone());
        env
    }

    fn table(&mut self, mut f: Fields<'_, '_>, project: Option<&Project>) -> Option<Table> {
        let path = f.path.clone();
        let name = f.string("name", self);
        let partition_key = f.string("partition_key", self);
        let sort_key = f.string("sort_key", self);
        let billing_mode = f.string("billing_mode", self);
        let read_capacity = f.integer("read_capacity", self);
        let write_capacity = f.integer("write_capacity", self);
        let ttl = f.string("ttl", self);
        let stream = f.string("stream", self);
        let seeds = f.seeds(self);
        let globals = f.tables("global_index", self);
        let locals = f.tables("local_index", self);
        f.finish(TABLE_FIELDS, self);

        let prefix = project.map_or("", |p| p.table_prefix.as_str());
        let name = match name {
            Some(name) => {
                let physical = format!("{prefix}{}", name.get_ref());
                self.check_name(&name, &physical, &format!("{path}.name"), "table");
                Some(name)
            }
            None => {
                f.missing(
                    "name",
                    TABLE_FIELDS,
                    self,
                    Diagnostic::new(f.span.clone(), format!("{path}.name"), "missing `name`"),
                );
                None
            }
        };

        let mut attributes = AttributeTypes::default();
        let partition_key = match &partition_key {
            Some(key) => self.key(key, &format!("{path}.partition_key"), &mut attributes),
            None => {
                f.missing(
                    "partition_key",
                    TABLE_FIELDS,
                    self,
                    Diagnostic::new(
                        f.span.clone(),
                        format!("{path}.partition_key"),
                        "missing `partition_key`",
                    )
                    .help("add e.g. `partition_key = \"pk:S\"`"),
                );
                None
            }
        };
        // A sort key that is present but malformed still counts here, so a
        // local index is not blamed for the table's typo.
        let has_sort_key = sort_key.is_some();
        let sort_key = sort_key
            .as_ref()
            .and_then(|key| self.key(key, &format!("{path}.sort_key"), &mut attributes));

        let billing = self.billing(&path, billing_mode, read_capacity, write_capacity);

        let stream = stream.and_then(|s| {
            let view = StreamView::from_name(s.get_ref());
            if view.is_none() {
                self.push(one_of(
                    &s,
                    &format!("{path}.stream"),
                    "stream view type",
                    &StreamView::NAMES,
                ));
            }
            view
        });

        let mut index_names: HashMap<String, Range<usize>> = HashMap::new();
        let mut global_indexes = Vec::new();
        if globals.len() > MAX_GLOBAL_INDEXES {
            self.error(
                globals[MAX_GLOBAL_INDEXES].span.clone(),
                format!("{path}.global_index[{MAX_GLOBAL_INDEXES}]"),
                format!(
                    "{} global indexes, but DynamoDB allows at most {MAX_GLOBAL_INDEXES} per table",
                    globals.len()
                ),
            );
        }
        for fields in globals {
            if let Some(index) = self.index(
                fields,
                false,
                partition_key.as_ref(),
                &mut attributes,
                &mut index_names,
            ) {
                global_indexes.push(index);
            }
        }
        let mut local_indexes = Vec::new();
        if let Some(first) = locals.first()
            && !has_sort_key
        {
            self.push(
                Diagnostic::new(
                    first.span.clone(),
                    first.path.clone(),
                    "a local index needs the table to have a `sort_key`",
                )
                .help("add a `sort_key` to the table, or make this a `global_index`"),
            );
        }
        if locals.len() > MAX_LOCAL_INDEXES {
            self.error(
                locals[MAX_LOCAL_INDEXES].span.clone(),
                format!("{path}.local_index[{MAX_LOCAL_INDEXES}]"),
                format!(
                    "{} local indexes, but DynamoDB allows at most {MAX_LOCAL_INDEXES} per table",
                    locals.len()
                ),
            );
        }
        for fields in locals {
            if let Some(index) = self.index(
                fields,
                true,
                partition_key.as_ref(),
                &mut attributes,
                &mut index_names,
            ) {
                local_indexes.push(index);
            }
        }

        let ttl = ttl.and_then(|ttl| {
            if let Some(place) = attributes.first_use(ttl.get_ref()) {
                self.push(
                    Diagnostic::new(
                        ttl.span(),
                        format!("{path}.ttl"),
                        format!("TTL attribute `{}` is a key attribute ({place})", ttl.get_ref()),
                    )
                    .help("keep expiry times in a separate number attribute and name that one as `ttl`"),
                );
                None
            } else if ttl.get_ref().is_empty() {
                self.error(ttl.span(), format!("{path}.ttl"), "TTL attribute name is empty");
                None
            } else {
                Some(ttl.into_inner())
            }
        });

        let name = name?;
        Some(Table {
            name_span: name.span(),
            spec: TableSpec {
                physical: format!("{prefix}{}", name.get_ref()),
                line: self.line(&name.span()),
                name: name.into_inner(),
                partition_key: partition_key?,
                sort_key,
                billing: billing?,
                ttl,
                stream,
                global_indexes,
                local_indexes,
                seeds,
            },
        })
    }

    fn billing(
        &mut self,
        path: &str,
        mode: Option<Spanned<String>>,
        read: Option<Spanned<i64>>,
        write: Option<Spanned<i64>>,
    ) -> Option<Billing> {
        const MODES: [&str; 2] = ["pay_per_request", "provisioned"];
        let provisioned = match &mode {
            None => false,
            Some(m) => match m.get_ref().to_ascii_lowercase().as_str() {
                "pay_per_request" => false,
                "provisioned" => true,
                _ => {
                    self.push(one_of(
                        m,
                        &format!("{path}.billing_mode"),
                        "billing mode",
                        &MODES,
                    ));
                    return None;
                }
            },
        };
        if !provisioned {
            for capacity in [&read, &write].into_iter().flatten() {
                self.push(
                    Diagnostic::new(
                        capacity.span(),
                        path.to_string(),
                        "capacities are only used with `billing_mode = \"provisioned\"`",
                    )
                    .help("remove it, or set `billing_mode = \"provisioned\"`"),
                );
            }
            return Some(Billing::PayPerRequest);
        }
        let mut units = |value: Option<Spanned<i64>>, key: &str| match value {
            Some(v) if *v.get_ref() >= 1 => Some(*v.get_ref()),
            Some(v) => {
                self.error(
                    v.span(),
                    format!("{path}.{key}"),
                    format!("`{key}` must be at least 1"),
                );
                None
            }
            None => {
                let span = mode.as_ref().map_or(0..0, Spanned::span);
                self.push(
                    Diagnostic::new(
                        span,
                        format!("{path}.{key}"),
                        format!("provisioned billing needs `{key}`"),
                    )
                    .help(format!("add e.g. `{key} = 5`")),
                );
                None
            }
        };
        let read = units(read, "read_capacity");
        let write = units(write, "write_capacity");
        Some(Billing::Provisioned {
            read: read?,
            write: write?,
        })
    }

    fn index(
        &mut self,
        mut f: Fields<'_, '_>,
        local: bool,
        table_partition: Option<&KeyAttribute>,
        attributes: &mut AttributeTypes,
        names: &mut HashMap<String, Range<usize>>,
    ) -> Option<IndexSpec> {
        let path = f.path.clone();
        let name = f.string("name", self);
        let partition_key = f.string("partition_key", self);
        let sort_key = f.string("sort_key", self);
        let projection = f.string("projection", self);
        let non_key = f.string_list("non_key_attributes", self);
        f.finish(INDEX_FIELDS, self);

        if let Some(name) = &name {
            self.check_name(name, name.get_ref(), &format!("{path}.name"), "index");
            if let Some(first) = names.get(name.get_ref()) {
                let line = self.line(first);
                self.push(
                    Diagnostic::new(
                        name.span(),
                        format!("{path}.name"),
                        format!(
                            "duplicate index name `{}`, first declared on line {line}",
                            name.get_ref()
                        ),
                    )
                    .help("index names must be unique within a table, global and local together"),
                );
            } else {
                names.insert(name.get_ref().clone(), name.span());
            }
        } else {
            f.missing(
                "name",
                INDEX_FIELDS,
                self,
                Diagnostic::new(f.span.clone(), format!("{path}.name"), "missing `name`"),
            );
        }

        let partition_key = if local {
            match (&partition_key, table_partition) {
                (Some(key), Some(table_key)) => {
                    let parsed = self.key(key, &format!("{path}.partition_key"), attributes);
                    if parsed.as_ref().is_some_and(|k| k != table_key) {
                        self.push(
                            Diagnostic::new(
                                key.span(),
                                format!("{path}.partition_key"),
                                format!(
                                    "a local index shares the table's partition key `{table_key}`, not `{}`",
                                    key.get_ref()
                                ),
                            )
                            .help("remove `partition_key` here, or make this a `global_index`"),
                        );
                    }
                    Some(table_key.clone())
                }
                _ => table_partition.cloned(),
            }
        } else {
            match &partition_key {
                Some(key) => self.key(key, &format!("{path}.partition_key"), attributes),
                None => {
                    f.missing(
                        "partition_key",
                        INDEX_FIELDS,
                        self,
                        Diagnostic::new(
                            f.span.clone(),
                            format!("{path}.partition_key"),
                            "missing `partition_key`",
                        )
                        .help("add e.g. `partition_key = \"repo:S\"`"),
                    );
                    None
                }
            }
        };
        let sort_key = match &sort_key {
            Some(key) => self.key(key, &format!("{path}.sort_key"), attributes),
            None if local => {
                f.missing(
                    "sort_key",
                    INDEX_FIELDS,
                    self,
                    Diagnostic::new(
                        f.span.clone(),
                        format!("{path}.sort_key"),
                        "missing `sort_key`",
                    )
                    .help("a local index differs from its table only by its sort key"),
                );
                None
            }
            None => None,
        };

        const PROJECTIONS: [&str; 3] = ["all", "keys_only", "include"];
        let projection = match (projection, non_key) {
            (None, None) => Some(Projection::All),
            (Some(p), non_key) => match (p.get_ref().to_ascii_lowercase().as_str(), non_key) {
                ("all", None) => Some(Projection::All),
                ("keys_only", None) => Some(Projection::KeysOnly),
                ("include", Some(list)) if !list.get_ref().is_empty() => Some(Projection::Include(
                    list.into_inner()
                        .into_iter()
                        .map(Spanned::into_inner)
                        .collect(),
                )),
                ("include", _) => {
                    self.push(
                        Diagnostic::new(
                            p.span(),
                            format!("{path}.projection"),
                            "`include` projection without `non_key_attributes`",
                        )
                        .help("add e.g. `non_key_attributes = [\"title\"]`, or use `all`"),
                    );
                    None
                }
                ("all" | "keys_only", Some(list)) => {
                    self.push(Diagnostic::new(
                        list.span(),
                        format!("{path}.non_key_attributes"),
                        "`non_key_attributes` is only used with `projection = \"include\"`",
                    ));
                    None
                }
                _ => {
                    self.push(one_of(
                        &p,
                        &format!("{path}.projection"),
                        "projection",
                        &PROJECTIONS,
                    ));
                    None
                }
            },
            (None, Some(list)) => {
                self.push(
                    Diagnostic::new(
                        list.span(),
                        format!("{path}.non_key_attributes"),
                        "`non_key_attributes` is only used with `projection = \"include\"`",
                    )
                    .help("add `projection = \"include\"`"),
                );
                None
            }
        };

        Some(IndexSpec {
            name: name?.into_inner(),
            partition_key: partition_key?,
            sort_key,
            projection: projection?,
        })
    }

    /// Parses `attribute:TYPE` and records the attribute's type for the
    /// one-type-per-attribute rule.
    fn key(
        &mut self,
        spec: &Spanned<String>,
        path: &str,
        attributes: &mut AttributeTypes,
    ) -> Option<KeyAttribute> {
        let text = spec.get_ref();
        let Some((name, ty)) = text.rsplit_once(':') else {
            self.push(
                Diagnostic::new(spec.span(), path, format!("`{text}` is not a key")).help(format!(
                    "write `attribute:TYPE` with TYPE one of S, N, B, e.g. `{text}:S`"
                )),
            );
            return None;
        };
        let mut ok = true;
        if name.is_empty() || name.len() > 255 {
            ok = false;
            self.error(
                spec.span(),
                path,
                "key attribute names are 1 to 255 bytes long",
            );
        }
        let ty = match KeyType::from_name(ty) {
            Some(ty) => ty,
            None => {
                self.push(
                    Diagnostic::new(
                        spec.span(),
                        path,
                        format!("key type `{ty}` is not S, N or B"),
                    )
                    .help("key attributes are strings (S), numbers (N) or binary (B)"),
                );
                return None;
            }
        };
        if !ok {
            return None;
        }
        if let Some((first_ty, first_path, first_span)) = attributes.types.get(name) {
            if *first_ty != ty {
                let line = self.line(first_span);
                self.push(
                    Diagnostic::new(
                        spec.span(),
                        path,
                        format!(
                            "attribute `{name}` is declared as {ty} here but as {first_ty} in `{first_path}` (line {line})"
                        ),
                    )
                    .help("an attribute has one type across a table's keys and indexes"),
                );
                return None;
            }
        } else {
            attributes
                .types
                .insert(name.to_string(), (ty, path.to_string(), spec.span()));
        }
        Some(KeyAttribute {
            name: name.to_string(),
            ty,
        })
    }

    fn check_name(&mut self, name: &Spanned<String>, full: &str, path: &str, what: &str) {
        if !is_dynamodb_name(full) {
            let shown = if full == name.get_ref() {
                format!("{what} name `{full}` is not valid")
            } else {
                format!("{what} name `{full}` (after the table prefix) is not valid")
            };
            self.push(
                Diagnostic::new(name.span(), path, shown)
                    .help(format!("DynamoDB names are {NAME_RULE}")),
            );
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
            let port = configured
                .and_then(|(_, o)| o.port)
                .unwrap_or(kind.container_port());
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

/// Attribute name → (type, where first declared, its span).
#[derive(Default)]
struct AttributeTypes {
    types: HashMap<String, (KeyType, String, Range<usize>)>,
}

impl AttributeTypes {
    fn first_use(&self, name: &str) -> Option<String> {
        self.types.get(name).map(|(_, path, _)| format!("`{path}`"))
    }
}

/// A TOML table being read: tracks which keys were used so the rest can be
/// reported as unknown.
struct Fields<'t, 'i> {
    table: &'t DeTable<'i>,
    span: Range<usize>,
    path: String,
    used: Vec<&'t str>,
}

impl<'t, 'i> Fields<'t, 'i> {
    fn new(table: &'t DeTable<'i>, span: Range<usize>, path: &str) -> Self {
        Fields {
            table,
            span,
            path: path.to_string(),
            used: Vec::new(),
        }
    }

    /// Reads `value` as a table, or records a type error.
    fn of(value: &'t Spanned<DeValue<'i>>, path: &str, cx: &mut Context<'_>) -> Option<Self> {
        match value.get_ref() {
            DeValue::Table(table) => Some(Fields::new(table, value.span(), path)),
            other => {
                cx.push(wrong_type(value.span(), path, "a table", other));
                None
            }
        }
    }

    fn child(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn get(&mut self, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        let (k, v) = self.table.get_key_value(key)?;
        self.used.push(k.get_ref().as_ref());
        Some(v)
    }

    fn string(&mut self, key: &str, cx: &mut Context<'_>) -> Option<Spanned<String>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some(Spanned::new(value.span(), s.to_string())),
            other => {
                cx.push(wrong_type(
                    value.span(),
                    &self.child(key),
                    "a string",
                    other,
                ));
                None
            }
        }
    }

    fn boolean(&mut self, key: &str, cx: &mut Context<'_>) -> Option<Spanned<bool>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(Spanned::new(value.span(), *b)),
            other => {
                cx.push(wrong_type(
                    value.span(),
                    &self.child(key),
                    "`true` or `false`",
                    other,
                ));
                None
            }
        }
    }

    fn integer(&mut self, key: &str, cx: &mut Context<'_>) -> Option<Spanned<i64>> {
        let value = self.get(key)?;
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => {
                i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok()
            }
            _ => None,
        };
        match parsed {
            Some(n) => Some(Spanned::new(value.span(), n)),
            None => {
                cx.push(wrong_type(
                    value.span(),
                    &self.child(key),
                    "an integer",
                    value.get_ref(),
                ));
                None
            }
        }
    }

    fn string_list(
        &mut self,
        key: &str,
        cx: &mut Context<'_>,
    ) -> Option<Spanned<Vec<Spanned<String>>>> {
        let value = self.get(key)?;
        let DeValue::Array(items) = value.get_ref() else {
            cx.push(wrong_type(
                value.span(),
                &self.child(key),
                "an array of strings",
                value.get_ref(),
            ));
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::String(s) => out.push(Spanned::new(item.span(), s.to_string())),
                other => cx.push(wrong_type(
                    item.span(),
                    &format!("{}[{i}]", self.child(key)),
                    "a string",
                    other,
                )),
            }
        }
        Some(Spanned::new(value.span(), out))
    }

    fn table(&mut self, key: &str, cx: &mut Context<'_>) -> Option<Fields<'t, 'i>> {
        let value = self.get(key)?;
        let path = self.child(key);
        Fields::of(value, &path, cx)
    }

    /// An array of tables (`[[key]]`), each with its indexed path.
    fn tables(&mut self, key: &str, cx: &mut Context<'_>) -> Vec<Fields<'t, 'i>> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        let path = self.child(key);
        let DeValue::Array(items) = value.get_ref() else {
            cx.push(
                wrong_type(value.span(), &path, "an array of tables", value.get_ref()).help(
                    format!("declare each one under its own `[[{path}]]` header"),
                ),
            );
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| Fields::of(item, &format!("{path}[{i}]"), cx))
            .collect()
    }

    /// The `seed` list: each entry a path or `{ path, format, sets, binary }`.
    fn seeds(&mut self, cx: &mut Context<'_>) -> Vec<SeedSpec> {
        let Some(value) = self.get("seed") else {
            return Vec::new();
        };
        let path = self.child("seed");
        let entries: Vec<(String, &Spanned<DeValue<'_>>)> = match value.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| (format!("{path}[{i}]"), item))
                .collect(),
            DeValue::String(_) => vec![(path.clone(), value)],
            other => {
                cx.push(wrong_type(
                    value.span(),
                    &path,
                    "a path or an array of seed files",
                    other,
                ));
                return Vec::new();
            }
        };
        let mut seeds = Vec::new();
        for (entry_path, entry) in entries {
            let seed = match entry.get_ref() {
                DeValue::String(file) => cx
                    .seed_file(Spanned::new(entry.span(), file.to_string()), &entry_path)
                    .map(|(path, shown)| SeedSpec {
                        path,
                        shown,
                        format: SeedFormat::Json,
                        sets: Vec::new(),
                        binary: Vec::new(),
                    }),
                DeValue::Table(table) => {
                    let mut f = Fields::new(table, entry.span(), &entry_path);
                    let file = f.string("path", cx);
                    let format = f.string("format", cx);
                    let sets = f.string_list("sets", cx);
                    let binary = f.string_list("binary", cx);
                    f.finish(&["path", "format", "sets", "binary"], cx);
                    let format = match format {
                        None => Some(SeedFormat::Json),
                        Some(fmt) => match fmt.get_ref().as_str() {
                            "json" => Some(SeedFormat::Json),
                            "dynamodb-json" => Some(SeedFormat::DynamodbJson),
                            _ => {
                                cx.push(one_of(
                                    &fmt,
                                    &format!("{entry_path}.format"),
                                    "seed format",
                                    &["json", "dynamodb-json"],
                                ));
                                None
                            }
                        },
                    };
                    if format == Some(SeedFormat::DynamodbJson) {
                        for list in [&sets, &binary].into_iter().flatten() {
                            cx.push(
                                Diagnostic::new(
                                    list.span(),
                                    entry_path.clone(),
                                    "`sets` and `binary` apply to plain JSON only",
                                )
                                .help("DynamoDB JSON already says each attribute's type"),
                            );
                        }
                    }
                    let located = match file {
                        Some(file) => cx.seed_file(file, &format!("{entry_path}.path")),
                        None => {
                            cx.error(entry.span(), format!("{entry_path}.path"), "missing `path`");
                            None
                        }
                    };
                    let names = |list: Option<Spanned<Vec<Spanned<String>>>>| -> Vec<String> {
                        list.map(|l| {
                            l.into_inner()
                                .into_iter()
                                .map(Spanned::into_inner)
                                .collect()
                        })
                        .unwrap_or_default()
                    };
                    match (located, format) {
                        (Some((path, shown)), Some(format)) => Some(SeedSpec {
                            path,
                            shown,
                            format,
                            sets: names(sets),
                            binary: names(binary),
                        }),
                        _ => None,
                    }
                }
                other => {
                    cx.push(wrong_type(
                        entry.span(),
                        &entry_path,
                        "a path or a seed table",
                        other,
                    ));
                    None
                }
            };
            seeds.extend(seed);
        }
        seeds
    }

    /// Reports a missing required field, unless an unknown key in the same
    /// table is a typo of it: that key's did-you-mean already says it all.
    fn missing(&self, key: &str, known: &[&str], cx: &mut Context<'_>, diagnostic: Diagnostic) {
        let explained = self.table.iter().any(|(k, _)| {
            let name: &str = k.get_ref().as_ref();
            !known.contains(&name) && did_you_mean(name, known) == Some(key)
        });
        if !explained {
            cx.push(diagnostic);
        }
    }

    /// Reports every key that was not read as unknown, with a did-you-mean.
    fn finish(&self, known: &[&str], cx: &mut Context<'_>) {
        for (key, _) in self.table.iter() {
            let name: &str = key.get_ref().as_ref();
            if !self.used.contains(&name) {
                cx.push(unknown(key.span(), &self.child(name), "field", name, known));
            }
        }
    }
}

impl Context<'_> {
    /// Checks that a seed file exists, is a readable file, and lies inside
    /// the manifest's folder once symlinks and `..` are resolved.
    fn seed_file(
        &mut self,
        file: Spanned<String>,
        path: &str,
    ) -> Option<(std::path::PathBuf, String)> {
        let shown = file.get_ref().clone();
        let joined = self.dir.join(&shown);
        if !self.check_files {
            return Some((joined, shown));
        }
        const WHERE: &str =
            "seed paths are relative to the manifest and must stay inside its folder";
        let problem = match (joined.canonicalize(), self.dir.canonicalize()) {
            (Err(_), _) => Some((format!("seed file `{shown}` does not exist"), WHERE)),
            (Ok(_), Err(err)) => Some((
                format!("cannot resolve the manifest's folder: {err}"),
                WHERE,
            )),
            (Ok(real), Ok(dir)) if !real.starts_with(&dir) => Some((
                format!(
                    "seed file `{shown}` is outside the manifest's folder `{}`",
                    self.dir.display()
                ),
                WHERE,
            )),
            (Ok(real), Ok(_)) if real.is_dir() => Some((
                format!("seed file `{shown}` is a directory"),
                "name a JSON or JSON Lines file, e.g. `seed/items.jsonl`",
            )),
            (Ok(real), Ok(_)) => match std::fs::File::open(&real) {
                Ok(_) => None,
                Err(err) => Some((
                    format!("seed file `{shown}` cannot be read: {err}"),
                    "check the file's permissions",
                )),
            },
        };
        match problem {
            Some((message, help)) => {
                self.push(Diagnostic::new(file.span(), path, message).help(help));
                None
            }
            None => Some((joined, shown)),
        }
    }
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn wrong_type(span: Range<usize>, path: &str, expected: &str, found: &DeValue<'_>) -> Diagnostic {
    Diagnostic::new(
        span,
        path,
        format!("expected {expected}, found {}", type_name(found)),
    )
}

fn unknown(span: Range<usize>, path: &str, what: &str, name: &str, known: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(span, path, format!("unknown {what} `{name}`"));
    match did_you_mean(name, known) {
        Some(best) => diagnostic.help(format!("did you mean `{best}`?")),
        None => diagnostic.help(format!("expected one of {}", quoted(known))),
    }
}

fn one_of(value: &Spanned<String>, path: &str, what: &str, valid: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        value.span(),
        path,
        format!("unknown {what} `{}`", value.get_ref()),
    );
    match did_you_mean(value.get_ref(), valid) {
        Some(best) => diagnostic.help(format!(
            "did you mean `{best}`? expected one of {}",
            quoted(valid)
        )),
        None => diagnostic.help(format!("expected one of {}", quoted(valid))),
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The closest known name, if it is close enough to be a typo.
pub fn did_you_mean<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(&lower, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// DynamoDB's rule for table and index names.
pub fn is_dynamodb_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn is_project_name(name: &str) -> bool {
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
    fn dynamodb_names_follow_the_service_rule() {
        assert!(is_dynamodb_name("CodeMetrics_github-issues"));
        assert!(is_dynamodb_name("a.b"));
        assert!(!is_dynamodb_name("ab"));
        assert!(!is_dynamodb_name("my table"));
        assert!(!is_dynamodb_name(&"x".repeat(256)));
    }

    #[test]
    fn regions_look_like_aws_regions() {
        for ok in ["us-east-1", "eu-west-2", "ap-southeast-1", "us-gov-west-1"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in ["us-east", "useast1", "US-EAST-1", "us--1", ""] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn typos_get_a_suggestion_and_strangers_do_not() {
        let known = ["partition_key", "sort_key", "name"];
        assert_eq!(did_you_mean("partiton_key", &known), Some("partition_key"));
        assert_eq!(did_you_mean("sortkey", &known), Some("sort_key"));
        assert_eq!(did_you_mean("colour", &known), None);
    }
}
