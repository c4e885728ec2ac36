//! The `[[table]]` rules: keys, billing, streams, TTL and secondary indexes,
//! checked against DynamoDB's own limits and naming rule.

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;

use super::fields::{Fields, Reader, one_of};
use crate::manifest::{
    Billing, Diagnostic, IndexSpec, KeyAttribute, KeyType, Project, Projection, StreamView,
    TableSpec,
};

/// DynamoDB's limits, as its documentation states them.
const MAX_GLOBAL_INDEXES: usize = 20;
const MAX_LOCAL_INDEXES: usize = 5;
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

/// A table's spec plus the spans later checks point at.
pub(super) struct Table {
    pub(super) spec: TableSpec,
    pub(super) name_span: Range<usize>,
}

impl Reader<'_> {
    pub(super) fn table(
        &mut self,
        mut f: Fields<'_, '_>,
        project: Option<&Project>,
    ) -> Option<Table> {
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

        let capacity_keys = [f.key_span("read_capacity"), f.key_span("write_capacity")];
        let billing = self.billing(
            &path,
            billing_mode,
            [read_capacity, write_capacity],
            capacity_keys,
        );

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
        [read, write]: [Option<Spanned<i64>>; 2],
        keys: [Option<Range<usize>>; 2],
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
            let names = ["read_capacity", "write_capacity"];
            for (name, key) in names.into_iter().zip(keys) {
                let Some(key) = key else { continue };
                self.push(
                    Diagnostic::new(
                        key,
                        format!("{path}.{name}"),
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
        let non_key_span = f.key_span("non_key_attributes").unwrap_or_default();
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
                ("all" | "keys_only", Some(_)) => {
                    self.push(Diagnostic::new(
                        non_key_span,
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
            (None, Some(_)) => {
                self.push(
                    Diagnostic::new(
                        non_key_span,
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

/// DynamoDB's rule for table and index names.
fn is_dynamodb_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
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
}
