//! `terraform show -json` output: the `aws_dynamodb_table` resources of
//! the root module and its child modules, their values already worked
//! out by Terraform. Values the provider stores for what was not written
//! (`""`, `0` capacities on an on-demand table, a disabled `ttl`) count
//! as not written.

use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use super::table::{GSI, TABLE, TABLE_NOT_CARRIED};
use crate::manifest::imported::{FileRead, ImportedTable, NotCarried};
use crate::manifest::path::FieldPath;
use crate::manifest::rules::{Found, IndexDraft, KeyDraft, TableDraft};
use crate::manifest::source_map::SourceMap;
use crate::manifest::{Diagnostic, Location};

/// A JSON value and where it is written.
struct Node {
    span: Location,
    kind: Kind,
}

/// What a JSON value is.
enum Kind {
    /// Each member: its name, where the name is written, its value.
    Object(Vec<(String, Location, Node)>),
    Array(Vec<Node>),
    Scalar(Value),
}

impl Node {
    /// The member `name` of an object.
    fn get(&self, name: &str) -> Option<&Node> {
        self.member(name).map(|(_, node)| node)
    }

    /// The member `name` of an object, with where its name is written.
    fn member(&self, name: &str) -> Option<(&Location, &Node)> {
        let Kind::Object(members) = &self.kind else {
            return None;
        };
        members
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, key, node)| (key, node))
    }

    /// The items of an array; none for anything else.
    fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Array(items) => items,
            _ => &[],
        }
    }

    /// The value of a string, number, bool or null.
    fn scalar(&self) -> Option<&Value> {
        match &self.kind {
            Kind::Scalar(value) => Some(value),
            _ => None,
        }
    }

    /// A string member that is neither null nor empty.
    fn text(&self, name: &str) -> Option<String> {
        match self.get(name)?.scalar()? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            _ => None,
        }
    }

    /// Whether the member `name` is `true`.
    fn flag(&self, name: &str) -> bool {
        matches!(
            self.get(name).and_then(Node::scalar),
            Some(Value::Bool(true))
        )
    }

    /// Whether the value says anything: not null, false, empty, zero or a
    /// list of such objects.
    fn is_set(&self) -> bool {
        match &self.kind {
            Kind::Scalar(Value::Null | Value::Bool(false)) => false,
            Kind::Scalar(Value::String(s)) => !s.is_empty(),
            Kind::Scalar(Value::Number(n)) => n.as_f64() != Some(0.0),
            Kind::Scalar(_) => true,
            Kind::Array(items) => items.iter().any(Node::is_set),
            Kind::Object(members) => members.iter().any(|(_, _, node)| node.is_set()),
        }
    }
}

/// Finds where each value of valid JSON text is written.
struct Scan<'t> {
    text: &'t str,
    at: usize,
}

impl Scan<'_> {
    /// Moves past white space.
    fn skip_space(&mut self) {
        let rest = &self.text[self.at..];
        self.at += rest.len() - rest.trim_start().len();
    }

    /// The byte at the current place, 0 at the end.
    fn peek(&self) -> u8 {
        self.text
            .as_bytes()
            .get(self.at)
            .copied()
            .unwrap_or_default()
    }

    /// The value at the current place, and moves past it.
    fn node(&mut self) -> Option<Node> {
        self.skip_space();
        let start = self.at;
        let kind = match self.peek() {
            b'{' => {
                self.at += 1;
                let mut members = Vec::new();
                loop {
                    self.skip_space();
                    match self.peek() {
                        b'}' => break,
                        b',' => self.at += 1,
                        _ => {
                            let key = self.node()?;
                            let Some(Value::String(name)) = key.scalar().cloned() else {
                                return None;
                            };
                            self.skip_space();
                            self.at += 1; // the `:`
                            let value = self.node()?;
                            members.push((name, key.span, value));
                        }
                    }
                }
                self.at += 1;
                Kind::Object(members)
            }
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    match self.peek() {
                        b']' => break,
                        b',' => self.at += 1,
                        _ => items.push(self.node()?),
                    }
                }
                self.at += 1;
                Kind::Array(items)
            }
            b'"' => {
                let bytes = self.text.as_bytes();
                let mut i = self.at + 1;
                while *bytes.get(i)? != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                self.at = i + 1;
                Kind::Scalar(serde_json::from_str(&self.text[start..self.at]).ok()?)
            }
            _ => {
                let rest = &self.text[self.at..];
                let len = rest
                    .find(|c: char| c == ',' || c == ']' || c == '}' || c.is_whitespace())
                    .unwrap_or(rest.len());
                self.at += len;
                Kind::Scalar(serde_json::from_str(&self.text[start..self.at]).ok()?)
            }
        };
        Some(Node {
            span: start..self.at,
            kind,
        })
    }
}

/// What one file gave, while it is read.
struct Out {
    source: SourceMap,
    tables: Vec<ImportedTable>,
    diagnostics: Vec<Diagnostic>,
    not_carried: Vec<NotCarried>,
}

/// Reads the `terraform show -json` output at `path`.
pub(super) fn read(path: &Path) -> anyhow::Result<FileRead> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let mut out = Out {
        source: SourceMap::new(text.clone()).with_words(super::WORDS),
        tables: Vec::new(),
        diagnostics: Vec::new(),
        not_carried: Vec::new(),
    };
    let root = match serde_json::from_str::<Value>(&text) {
        Err(e) => {
            let at = offset(&text, e.line(), e.column());
            out.diagnostics
                .push(Diagnostic::new(at..at, "", format!("not valid JSON: {e}")));
            None
        }
        Ok(_) => Scan { text: &text, at: 0 }.node(),
    };
    let module = root.as_ref().and_then(|root| {
        root.get("values")
            .or_else(|| root.get("planned_values"))?
            .get("root_module")
    });
    match (&root, module) {
        (Some(_), Some(module)) => {
            let mut loose = Vec::new();
            out.module(module, &mut loose);
            for index in loose {
                out.loose_index(index);
            }
        }
        (Some(root), None) => out.diagnostics.push(
            Diagnostic::new(
                root.span.start..root.span.start,
                "",
                "no `values.root_module`: not `terraform show -json` output",
            )
            .help("write it with `terraform show -json > tables.json` after `terraform apply`"),
        ),
        (None, _) => {}
    }
    Ok(FileRead {
        path: path.to_path_buf(),
        source: out.source,
        tables: out.tables,
        diagnostics: out.diagnostics,
        not_carried: out.not_carried,
        declares: Vec::new(),
    })
}

/// The byte offset of a 1-based line and column.
fn offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}

impl Out {
    /// Remembers where the field at `path` is written: the member, when it says anything, else the entry.
    fn record(
        &mut self,
        path: FieldPath,
        shown: String,
        member: Option<(&Location, &Node)>,
        entry: &Location,
    ) {
        match member {
            Some((key, node)) if node.is_set() => {
                self.source
                    .record_as(path, shown, Some(key.clone()), node.span.clone());
            }
            _ => self.source.record_as(path, shown, None, entry.clone()),
        }
    }

    /// The tables of a module and its child modules; indexes of their own
    /// into `loose`.
    fn module<'n>(&mut self, module: &'n Node, loose: &mut Vec<&'n Node>) {
        for resource in module.get("resources").map(Node::items).unwrap_or_default() {
            if resource.text("mode").as_deref() != Some("managed") {
                continue;
            }
            match resource.text("type").as_deref() {
                Some(TABLE) => self.table(resource),
                Some(GSI) => loose.push(resource),
                _ => {}
            }
        }
        for child in module
            .get("child_modules")
            .map(Node::items)
            .unwrap_or_default()
        {
            self.module(child, loose);
        }
    }

    /// Reads one `aws_dynamodb_table` resource.
    fn table(&mut self, resource: &Node) {
        let address = resource
            .text("address")
            .unwrap_or_else(|| TABLE.to_string());
        let path = FieldPath::default().key(&address);
        let entry = resource.span.clone();
        self.source
            .record_as(path.clone(), address.clone(), None, entry.clone());
        let Some(values) = resource.get("values") else {
            self.diagnostics
                .push(Diagnostic::new(entry, address, "no `values`"));
            return;
        };
        let shown = |name: &str| format!("{address}.{name}");

        self.record(
            path.key("name"),
            shown("name"),
            values.member("name"),
            &entry,
        );
        let attributes: Vec<(String, String)> = values
            .get("attribute")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|a| Some((a.text("name")?, a.text("type")?)))
            .collect();
        let key = |out: &mut Out, node: &Node, name: &str, path: FieldPath, shown: String| {
            let member = node.member(name);
            out.record(path, shown.clone(), member, &entry);
            let attribute = node.text(name)?;
            Some(match attributes.iter().find(|(n, _)| *n == attribute) {
                Some((_, ty)) => Found::Read(KeyDraft {
                    attribute,
                    ty: ty.clone(),
                }),
                None => {
                    let at = member.map(|(_, n)| n.span.clone()).unwrap_or_default();
                    out.diagnostics.push(Diagnostic::new(
                        at,
                        shown,
                        format!("key attribute `{attribute}` has no `attribute`"),
                    ));
                    Found::Unreadable
                }
            })
        };
        let partition_key = key(
            self,
            values,
            "hash_key",
            path.key("partition_key"),
            shown("hash_key"),
        );
        let sort_key = key(
            self,
            values,
            "range_key",
            path.key("sort_key"),
            shown("range_key"),
        );

        let billing_mode = values
            .text("billing_mode")
            .unwrap_or_else(|| "PROVISIONED".to_string());
        self.record(
            path.key("billing_mode"),
            shown("billing_mode"),
            values.member("billing_mode"),
            &entry,
        );
        let provisioned = billing_mode.eq_ignore_ascii_case("PROVISIONED");
        let capacity = |out: &mut Out, name: &str| {
            out.record(path.key(name), shown(name), values.member(name), &entry);
            let value = values.get(name)?.scalar()?;
            (provisioned || values.get(name).is_some_and(Node::is_set)).then(|| {
                match value.as_i64() {
                    Some(units) => Found::Read(units),
                    None => Found::Unreadable,
                }
            })
        };
        let read_capacity = capacity(self, "read_capacity");
        let write_capacity = capacity(self, "write_capacity");

        let ttl = values
            .get("ttl")
            .and_then(|t| t.items().first())
            .filter(|t| t.flag("enabled"))
            .and_then(|t| {
                self.record(
                    path.key("ttl"),
                    shown("ttl[0].attribute_name"),
                    t.member("attribute_name"),
                    &entry,
                );
                t.text("attribute_name")
            });
        let stream = if values.flag("stream_enabled") {
            self.record(
                path.key("stream"),
                shown("stream_view_type"),
                values.member("stream_view_type"),
                &entry,
            );
            values.text("stream_view_type")
        } else {
            None
        };

        let indexes = |out: &mut Out, block: &str, field: &str, global: bool| -> Vec<IndexDraft> {
            let blocks = values.get(block).map(Node::items).unwrap_or_default();
            blocks
                .iter()
                .enumerate()
                .map(|(i, index)| {
                    let at = path.key(field).index(i);
                    let shown = format!("{address}.{block}[{i}]");
                    let f = |name: &str| format!("{shown}.{name}");
                    out.source
                        .record_as(at.clone(), shown.clone(), None, index.span.clone());
                    out.record(at.key("name"), f("name"), index.member("name"), &index.span);
                    let partition_key = if global {
                        key(
                            out,
                            index,
                            "hash_key",
                            at.key("partition_key"),
                            f("hash_key"),
                        )
                    } else {
                        None
                    };
                    let sort_key = key(out, index, "range_key", at.key("sort_key"), f("range_key"));
                    out.record(
                        at.key("projection"),
                        f("projection_type"),
                        index.member("projection_type"),
                        &index.span,
                    );
                    out.record(
                        at.key("non_key_attributes"),
                        f("non_key_attributes"),
                        index.member("non_key_attributes"),
                        &index.span,
                    );
                    IndexDraft {
                        path: at,
                        name: index.text("name"),
                        partition_key,
                        sort_key,
                        projection: index.text("projection_type"),
                        non_key_attributes: strings(index.get("non_key_attributes")),
                    }
                })
                .collect()
        };
        let global_indexes = indexes(self, "global_secondary_index", "global_index", true);
        let local_indexes = indexes(self, "local_secondary_index", "local_index", false);

        if let Kind::Object(members) = &values.kind {
            for (name, key_span, node) in members {
                let default =
                    name == "table_class" && node.scalar() == Some(&Value::from("STANDARD"));
                if TABLE_NOT_CARRIED.contains(&name.as_str()) && node.is_set() && !default {
                    self.not_carried.push(NotCarried {
                        span: key_span.start..node.span.end,
                        field: shown(name),
                    });
                }
            }
        }

        self.tables.push(ImportedTable {
            id: address.clone(),
            draft: TableDraft {
                path,
                name: values.text("name"),
                partition_key,
                sort_key,
                billing_mode: Some(billing_mode),
                read_capacity,
                write_capacity,
                ttl,
                stream,
                global_indexes,
                local_indexes,
                seeds: Vec::new(),
            },
            unnamed: None,
        });
    }

    /// An `aws_dynamodb_global_secondary_index`, onto the table it names.
    fn loose_index(&mut self, resource: &Node) {
        let address = resource.text("address").unwrap_or_else(|| GSI.to_string());
        let Some(values) = resource.get("values") else {
            return;
        };
        let wanted = values.text("table_name");
        let Some(t) = self
            .tables
            .iter()
            .position(|t| t.draft.name.is_some() && t.draft.name == wanted)
        else {
            let at = values
                .get("table_name")
                .map_or(resource.span.clone(), |n| n.span.clone());
            self.diagnostics.push(Diagnostic::new(
                at,
                format!("{address}.table_name"),
                format!(
                    "table `{}` is not in this output",
                    wanted.unwrap_or_default()
                ),
            ));
            return;
        };
        let table_path = self.tables[t].draft.path.clone();
        let at = table_path
            .key("global_index")
            .index(self.tables[t].draft.global_indexes.len());
        let entry = resource.span.clone();
        self.source
            .record_as(at.clone(), address.clone(), None, entry.clone());
        self.record(
            at.key("name"),
            format!("{address}.index_name"),
            values.member("index_name"),
            &entry,
        );
        let mut partition_key = None;
        let mut sort_key = None;
        for (i, schema) in values
            .get("key_schema")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let key = match (schema.text("attribute_name"), schema.text("attribute_type")) {
                (Some(attribute), Some(ty)) => Found::Read(KeyDraft { attribute, ty }),
                _ => Found::Unreadable,
            };
            let (slot, field) = match schema.text("key_type").as_deref() {
                Some("HASH") => (&mut partition_key, "partition_key"),
                Some("RANGE") => (&mut sort_key, "sort_key"),
                _ => continue,
            };
            *slot = Some(key);
            self.source.record_as(
                at.key(field),
                format!("{address}.key_schema[{i}]"),
                None,
                schema.span.clone(),
            );
        }
        let projection = values.get("projection").and_then(|p| p.items().first());
        let index = IndexDraft {
            path: at,
            name: values.text("index_name"),
            partition_key,
            sort_key,
            projection: projection.and_then(|p| p.text("projection_type")),
            non_key_attributes: strings(projection.and_then(|p| p.get("non_key_attributes"))),
        };
        self.tables[t].draft.global_indexes.push(index);
    }
}

/// A list of strings; an empty one counts as not written.
fn strings(node: Option<&Node>) -> Option<Vec<String>> {
    let names: Vec<String> = node?
        .items()
        .iter()
        .filter_map(|n| n.scalar()?.as_str().map(str::to_string))
        .collect();
    (!names.is_empty()).then_some(names)
}
