//! `aws_dynamodb_table` and `aws_dynamodb_global_secondary_index` blocks
//! read into drafts: each argument the table model carries is worked out
//! and remembered where it is written, under Terraform's name for it; the
//! arguments that have no effect locally are listed as not carried; any
//! other name is a typo, with its did-you-mean.

use std::collections::HashMap;

use hcl::Value;
use hcl_edit::Span;
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Attribute, Block, Body};

use super::eval::{Scope, Unresolved, variable_help};
use super::functions::{kind, number, text};
use crate::manifest::imported::NotCarried;
use crate::manifest::path::FieldPath;
use crate::manifest::rules::{Found, IndexDraft, KeyDraft, TableDraft};
use crate::manifest::suggest::did_you_mean;
use crate::manifest::{Diagnostic, Location};

/// The resource type of a table.
pub(super) const TABLE: &str = "aws_dynamodb_table";
/// The resource type of a global secondary index of its own.
pub(super) const GSI: &str = "aws_dynamodb_global_secondary_index";

/// The arguments of a table devstack reads, with the meta-arguments.
const TABLE_ARGS: &[&str] = &[
    "name",
    "hash_key",
    "range_key",
    "billing_mode",
    "read_capacity",
    "write_capacity",
    "stream_enabled",
    "stream_view_type",
    "count",
    "for_each",
];
/// The blocks of a table devstack reads.
const TABLE_BLOCKS: &[&str] = &[
    "attribute",
    "global_secondary_index",
    "local_secondary_index",
    "ttl",
];
/// What a table may say that has no effect on a local engine.
pub(super) const TABLE_NOT_CARRIED: &[&str] = &[
    "server_side_encryption",
    "point_in_time_recovery",
    "tags",
    "tags_all",
    "deletion_protection_enabled",
    "table_class",
    "replica",
    "import_table",
    "restore_source_name",
    "restore_source_table_arn",
    "restore_to_latest_time",
    "restore_date_time",
    "on_demand_throughput",
    "warm_throughput",
    "lifecycle",
    "provider",
    "depends_on",
    "timeouts",
    "region",
];
/// The arguments of a `global_secondary_index` block.
const GSI_ARGS: &[&str] = &[
    "name",
    "hash_key",
    "range_key",
    "projection_type",
    "non_key_attributes",
];
/// The arguments of a `local_secondary_index` block.
const LSI_ARGS: &[&str] = &["name", "range_key", "projection_type", "non_key_attributes"];
/// What an index block may say that has no effect locally.
const INDEX_NOT_CARRIED: &[&str] = &[
    "read_capacity",
    "write_capacity",
    "on_demand_throughput",
    "warm_throughput",
];
/// The arguments of an `aws_dynamodb_global_secondary_index`.
const GSI_RESOURCE_ARGS: &[&str] = &["table_name", "index_name", "count", "for_each"];
/// The blocks of an `aws_dynamodb_global_secondary_index`.
const GSI_RESOURCE_BLOCKS: &[&str] = &["key_schema", "projection"];
/// What an `aws_dynamodb_global_secondary_index` may say that has no effect locally.
const GSI_RESOURCE_NOT_CARRIED: &[&str] = &[
    "provisioned_throughput",
    "on_demand_throughput",
    "warm_throughput",
    "region",
    "lifecycle",
    "provider",
    "depends_on",
    "timeouts",
];

/// Where one field of a draft is written, and how it is shown.
pub(super) struct Record {
    pub path: FieldPath,
    pub shown: String,
    pub key: Option<Location>,
    pub value: Location,
}

/// What reading resources gave besides drafts.
#[derive(Default)]
pub(super) struct Reader {
    pub diagnostics: Vec<Diagnostic>,
    pub not_carried: Vec<NotCarried>,
    pub records: Vec<Record>,
}

/// A block's arguments and nested blocks, sorted out.
struct Parts<'b> {
    args: HashMap<&'b str, &'b Attribute>,
    blocks: Vec<&'b Block>,
    /// Labels of `dynamic` blocks: what they generate cannot be read.
    dynamic: Vec<String>,
    /// Known names that an unknown one is a typo of.
    mistyped: Vec<&'static str>,
}

impl Parts<'_> {
    /// The nested blocks named `ident`, in order.
    fn blocks(&self, ident: &str) -> Vec<&Block> {
        self.blocks
            .iter()
            .filter(|b| b.ident.as_str() == ident)
            .copied()
            .collect()
    }
}

/// A table a `aws_dynamodb_global_secondary_index` names.
pub(super) enum Target {
    /// By reference: `aws_dynamodb_table.orders.name`.
    Label(String),
    /// By the table's name.
    Name(String),
}

/// A global secondary index of its own, read for a table.
pub(super) struct LooseIndex {
    pub target: Target,
    /// Where `table_name` is written.
    pub target_span: Location,
}

/// Where a parsed node is written.
fn span(node: &impl Span) -> Location {
    node.span().unwrap_or_default()
}

impl Reader {
    /// Reports a problem.
    fn push(&mut self, span: Location, field: &str, message: String, help: Option<String>) {
        let mut diagnostic = Diagnostic::new(span, field, message);
        diagnostic.help = help;
        self.diagnostics.push(diagnostic);
    }

    /// Reports why a value cannot be worked out.
    fn unresolved(&mut self, why: Unresolved, field: &str) {
        self.push(why.span, field, why.message, why.help);
    }

    /// Remembers where the field at `path` is written.
    fn record(&mut self, path: FieldPath, shown: String, key: Option<Location>, value: Location) {
        self.records.push(Record {
            path,
            shown,
            key,
            value,
        });
    }

    /// Remembers the field at `path` where `arg` is written, or, when it
    /// is not, at the entry `block`.
    fn place(&mut self, path: FieldPath, shown: String, arg: Option<&Attribute>, block: &Location) {
        match arg {
            Some(arg) => self.record(path, shown, Some(span(&arg.key)), span(&arg.value)),
            None => self.record(path, shown, None, block.clone()),
        }
    }

    /// Sorts a body out: known arguments and blocks are kept, not-carried
    /// ones listed, anything else reported with its did-you-mean.
    fn parts<'b>(
        &mut self,
        body: &'b Body,
        shown: &str,
        args: &[&'static str],
        blocks: &[&'static str],
        not_carried: &[&str],
    ) -> Parts<'b> {
        let mut parts = Parts {
            args: HashMap::new(),
            blocks: Vec::new(),
            dynamic: Vec::new(),
            mistyped: Vec::new(),
        };
        let known: Vec<&'static str> = args.iter().chain(blocks).copied().collect();
        for attr in body.attributes() {
            let key = attr.key.as_str();
            if args.contains(&key) {
                parts.args.insert(key, attr);
            } else if not_carried.contains(&key) {
                self.not_carried.push(NotCarried {
                    span: span(attr),
                    field: format!("{shown}.{key}"),
                });
            } else {
                self.unknown(&mut parts, "argument", key, span(&attr.key), shown, &known);
            }
        }
        for block in body.blocks() {
            let ident = block.ident.as_str();
            if blocks.contains(&ident) {
                parts.blocks.push(block);
            } else if not_carried.contains(&ident) {
                self.not_carried.push(NotCarried {
                    span: span(block),
                    field: format!("{shown}.{ident}"),
                });
            } else if ident == "dynamic" {
                let label = block.labels.first().map(|l| l.as_str()).unwrap_or_default();
                parts.dynamic.push(label.to_string());
                self.push(
                    span(&block.ident),
                    &format!("{shown}.dynamic.{label}"),
                    "`dynamic` blocks are not supported".to_string(),
                    Some(format!("write each `{label}` block out")),
                );
            } else {
                self.unknown(
                    &mut parts,
                    "block",
                    ident,
                    span(&block.ident),
                    shown,
                    &known,
                );
            }
        }
        parts
    }

    /// Reports a name that is none of `known`; a typo of one counts as it.
    fn unknown(
        &mut self,
        parts: &mut Parts<'_>,
        what: &str,
        name: &str,
        at: Location,
        shown: &str,
        known: &[&'static str],
    ) {
        let guess = did_you_mean(name, known);
        parts.mistyped.extend(guess);
        let help = match guess {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "expected one of {}",
                crate::manifest::suggest::quoted(known)
            ),
        };
        self.push(
            at,
            &format!("{shown}.{name}"),
            format!("unknown {what} `{name}`"),
            Some(help),
        );
    }

    /// The value of `arg`: `None` when it is absent or null, unreadable
    /// when it cannot be worked out (and said why).
    fn value(
        &mut self,
        scope: &Scope,
        arg: Option<&Attribute>,
        shown: &str,
    ) -> Option<Found<Value>> {
        let arg = arg?;
        match scope.eval(&arg.value) {
            Ok(Value::Null) => None,
            Ok(value) => Some(Found::Read(value)),
            Err(why) => {
                self.unresolved(why, shown);
                Some(Found::Unreadable)
            }
        }
    }

    /// Like `value`, converted by `convert`, whose error is reported at
    /// the value.
    fn typed<T>(
        &mut self,
        scope: &Scope,
        arg: Option<&Attribute>,
        shown: &str,
        convert: impl Fn(&Value) -> Result<T, String>,
    ) -> Option<Found<T>> {
        match self.value(scope, arg, shown)? {
            Found::Unreadable => Some(Found::Unreadable),
            Found::Read(value) => match convert(&value) {
                Ok(value) => Some(Found::Read(value)),
                Err(message) => {
                    let at = arg.map(|a| span(&a.value)).unwrap_or_default();
                    self.push(at, shown, message, None);
                    Some(Found::Unreadable)
                }
            },
        }
    }

    /// A string value; numbers and bools become strings, as in Terraform.
    fn string(
        &mut self,
        scope: &Scope,
        arg: Option<&Attribute>,
        shown: &str,
    ) -> Option<Found<String>> {
        self.typed(scope, arg, shown, text)
    }

    /// A whole number value.
    fn integer(
        &mut self,
        scope: &Scope,
        arg: Option<&Attribute>,
        shown: &str,
    ) -> Option<Found<i64>> {
        self.typed(scope, arg, shown, integer)
    }

    /// A bool value.
    fn boolean(
        &mut self,
        scope: &Scope,
        arg: Option<&Attribute>,
        shown: &str,
    ) -> Option<Found<bool>> {
        self.typed(scope, arg, shown, boolean)
    }

    /// A list of strings.
    fn strings(
        &mut self,
        scope: &Scope,
        arg: Option<&Attribute>,
        shown: &str,
    ) -> Option<Found<Vec<String>>> {
        self.typed(scope, arg, shown, |value| match value {
            Value::Array(items) => items.iter().map(text).collect(),
            other => Err(format!("expected a list of strings, found {}", kind(other))),
        })
    }

    /// How many of the resource there are: `Some(true)` for one, with
    /// `count.index` set when `count` says so; `None` when none, or when
    /// `count` or `for_each` stand in the way (and said why).
    fn how_many(&mut self, scope: &mut Scope, parts: &Parts<'_>, address: &str) -> Option<()> {
        scope.count_index = None;
        if let Some(for_each) = parts.args.get("for_each") {
            self.push(
                span(&for_each.key),
                &format!("{address}.for_each"),
                "`for_each` is not supported".to_string(),
                Some("write one resource per table, or use `count` of 0 or 1".to_string()),
            );
            return None;
        }
        let Some(count) = parts.args.get("count").copied() else {
            return Some(());
        };
        let shown = format!("{address}.count");
        match self.integer(scope, Some(count), &shown)? {
            Found::Read(0) => None,
            Found::Read(1) => {
                scope.count_index = Some(0);
                Some(())
            }
            Found::Read(n) => {
                self.push(
                    span(&count.value),
                    &shown,
                    format!("`count` is {n}, but devstack reads a resource with `count` 0 or 1"),
                    Some("write one resource per table".to_string()),
                );
                None
            }
            Found::Unreadable => None,
        }
    }

    /// Reads `resource "aws_dynamodb_table" "<label>"`: `None` when
    /// `count` is 0, or when `count` or `for_each` say nothing can be read.
    pub(super) fn table(
        &mut self,
        scope: &mut Scope,
        block: &Block,
        label: &str,
    ) -> Option<(TableDraft, Option<Diagnostic>)> {
        let address = format!("{TABLE}.{label}");
        let path = FieldPath::default().key(TABLE).key(label);
        let entry = span(block);
        let parts = self.parts(
            &block.body,
            &address,
            TABLE_ARGS,
            TABLE_BLOCKS,
            TABLE_NOT_CARRIED,
        );
        self.how_many(scope, &parts, &address)?;
        let scope = &*scope;
        self.record(path.clone(), address.clone(), None, entry.clone());
        let arg = |name: &str| parts.args.get(name).copied();
        let shown = |name: &str| format!("{address}.{name}");

        // The name: one that cannot be worked out is the manifest's to give.
        let mut unnamed = None;
        let name = match arg("name").map(|a| scope.eval(&a.value)) {
            None | Some(Ok(Value::Null)) => None,
            Some(Ok(value)) => match text(&value) {
                Ok(name) => Some(name),
                Err(message) => {
                    self.push(span(&arg("name")?.value), &shown("name"), message, None);
                    None
                }
            },
            Some(Err(why)) => {
                unnamed = Some(unnamed_diagnostic(why, &address));
                None
            }
        };
        self.place(path.key("name"), shown("name"), arg("name"), &entry);

        let attributes = self.attributes(scope, &parts, &address);
        let key = |reader: &mut Reader, arg_name: &str, field: &str| {
            let found = reader.key(scope, arg(arg_name), &shown(arg_name), &attributes);
            reader.place(path.key(field), shown(arg_name), arg(arg_name), &entry);
            found.or_else(|| {
                parts
                    .mistyped
                    .contains(&arg_name)
                    .then_some(Found::Unreadable)
            })
        };
        let partition_key = key(self, "hash_key", "partition_key");
        let sort_key = key(self, "range_key", "sort_key");

        let read_capacity = self.integer(scope, arg("read_capacity"), &shown("read_capacity"));
        let write_capacity = self.integer(scope, arg("write_capacity"), &shown("write_capacity"));
        for (field, value) in [
            ("read_capacity", &read_capacity),
            ("write_capacity", &write_capacity),
        ] {
            if value.is_some() {
                self.place(path.key(field), shown(field), arg(field), &entry);
            }
        }
        let billing_mode = match self.string(scope, arg("billing_mode"), &shown("billing_mode")) {
            Some(Found::Read(mode)) => mode,
            // The provider's default.
            None => "PROVISIONED".to_string(),
            Some(Found::Unreadable) if read_capacity.is_some() || write_capacity.is_some() => {
                "PROVISIONED".to_string()
            }
            Some(Found::Unreadable) => "PAY_PER_REQUEST".to_string(),
        };
        self.place(
            path.key("billing_mode"),
            shown("billing_mode"),
            arg("billing_mode"),
            &entry,
        );

        let ttl = self.ttl(scope, &parts, &path, &address);
        let stream = self.stream(scope, &parts, &path, &address);

        let global_indexes = parts
            .blocks("global_secondary_index")
            .into_iter()
            .enumerate()
            .map(|(i, index)| {
                let index_path = path.key("global_index").index(i);
                let shown = format!("{address}.global_secondary_index[{i}]");
                self.index(scope, index, index_path, &shown, &attributes, true)
            })
            .collect();
        let local_indexes = parts
            .blocks("local_secondary_index")
            .into_iter()
            .enumerate()
            .map(|(i, index)| {
                let index_path = path.key("local_index").index(i);
                let shown = format!("{address}.local_secondary_index[{i}]");
                self.index(scope, index, index_path, &shown, &attributes, false)
            })
            .collect();

        let draft = TableDraft {
            path,
            name,
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
        };
        Some((draft, unnamed))
    }

    /// The `attribute` blocks: name → type, `None` for a type that cannot
    /// be worked out. `None` altogether when some name cannot be.
    fn attributes(
        &mut self,
        scope: &Scope,
        parts: &Parts<'_>,
        address: &str,
    ) -> Option<HashMap<String, Option<String>>> {
        let mut all = Some(HashMap::new());
        if parts.dynamic.iter().any(|d| d == "attribute") {
            all = None;
        }
        for (i, block) in parts.blocks("attribute").into_iter().enumerate() {
            let shown = format!("{address}.attribute[{i}]");
            let inner = self.parts(&block.body, &shown, &["name", "type"], &[], &[]);
            let name = self.string(
                scope,
                inner.args.get("name").copied(),
                &format!("{shown}.name"),
            );
            let ty = self.string(
                scope,
                inner.args.get("type").copied(),
                &format!("{shown}.type"),
            );
            let ty = match ty {
                Some(Found::Read(ty)) => Some(ty),
                _ => None,
            };
            match (name, all.as_mut()) {
                (Some(Found::Read(name)), Some(all)) => {
                    all.insert(name, ty);
                }
                (None, _) => self.push(
                    span(block),
                    &shown,
                    "`attribute` without `name`".to_string(),
                    None,
                ),
                _ => all = None,
            }
        }
        all
    }

    /// A key named by `arg`, typed by its `attribute` block.
    fn key(
        &mut self,
        scope: &Scope,
        arg: Option<&Attribute>,
        shown: &str,
        attributes: &Option<HashMap<String, Option<String>>>,
    ) -> Option<Found<KeyDraft>> {
        let Found::Read(name) = self.string(scope, arg, shown)? else {
            return Some(Found::Unreadable);
        };
        let Some(attributes) = attributes else {
            return Some(Found::Unreadable);
        };
        match attributes.get(&name) {
            Some(Some(ty)) => Some(Found::Read(KeyDraft {
                attribute: name,
                ty: ty.clone(),
            })),
            Some(None) => Some(Found::Unreadable),
            None => {
                let at = arg.map(|a| span(&a.value)).unwrap_or_default();
                self.push(
                    at,
                    shown,
                    format!("key attribute `{name}` has no `attribute` block"),
                    Some(format!(
                        "add `attribute {{ name = \"{name}\" type = \"S\" }}` with its type, S, N or B"
                    )),
                );
                Some(Found::Unreadable)
            }
        }
    }

    /// The TTL attribute, when `ttl` is enabled (the provider's default is
    /// not).
    fn ttl(
        &mut self,
        scope: &Scope,
        parts: &Parts<'_>,
        path: &FieldPath,
        address: &str,
    ) -> Option<String> {
        let blocks = parts.blocks("ttl");
        let block = blocks.first()?;
        let shown = format!("{address}.ttl");
        if let Some(extra) = blocks.get(1) {
            self.push(
                span(*extra),
                &shown,
                "more than one `ttl` block".to_string(),
                None,
            );
        }
        let inner = self.parts(
            &block.body,
            &shown,
            &["attribute_name", "enabled"],
            &[],
            &[],
        );
        let enabled = self.boolean(
            scope,
            inner.args.get("enabled").copied(),
            &format!("{shown}.enabled"),
        );
        let name_arg = inner.args.get("attribute_name").copied();
        let name_shown = format!("{shown}.attribute_name");
        if enabled != Some(Found::Read(true)) {
            return None;
        }
        self.place(path.key("ttl"), name_shown.clone(), name_arg, &span(*block));
        match self.string(scope, name_arg, &name_shown) {
            Some(Found::Read(name)) => Some(name),
            Some(Found::Unreadable) => None,
            None => {
                self.push(
                    span(*block),
                    &shown,
                    "`ttl` is enabled without `attribute_name`".to_string(),
                    Some("name the attribute that holds the expiry time".to_string()),
                );
                None
            }
        }
    }

    /// The stream view type, when `stream_enabled` is true.
    fn stream(
        &mut self,
        scope: &Scope,
        parts: &Parts<'_>,
        path: &FieldPath,
        address: &str,
    ) -> Option<String> {
        let enabled_arg = parts.args.get("stream_enabled").copied();
        let enabled = self.boolean(scope, enabled_arg, &format!("{address}.stream_enabled"));
        if enabled != Some(Found::Read(true)) {
            return None;
        }
        let view_arg = parts.args.get("stream_view_type").copied();
        let shown = format!("{address}.stream_view_type");
        self.place(
            path.key("stream"),
            shown.clone(),
            view_arg,
            &span(enabled_arg?),
        );
        match self.string(scope, view_arg, &shown) {
            Some(Found::Read(view)) => Some(view),
            Some(Found::Unreadable) => None,
            None => {
                self.push(
                    span(enabled_arg?),
                    &format!("{address}.stream_enabled"),
                    "`stream_enabled = true` without `stream_view_type`".to_string(),
                    Some("add e.g. `stream_view_type = \"NEW_AND_OLD_IMAGES\"`".to_string()),
                );
                None
            }
        }
    }

    /// A `global_secondary_index` or `local_secondary_index` block.
    fn index(
        &mut self,
        scope: &Scope,
        block: &Block,
        path: FieldPath,
        shown: &str,
        attributes: &Option<HashMap<String, Option<String>>>,
        global: bool,
    ) -> IndexDraft {
        let entry = span(block);
        let args = if global { GSI_ARGS } else { LSI_ARGS };
        let parts = self.parts(&block.body, shown, args, &[], INDEX_NOT_CARRIED);
        let arg = |name: &str| parts.args.get(name).copied();
        let field = |name: &str| format!("{shown}.{name}");
        self.record(path.clone(), shown.to_string(), None, entry.clone());
        let name = read(self.string(scope, arg("name"), &field("name")));
        self.place(path.key("name"), field("name"), arg("name"), &entry);
        let partition_key = if global {
            self.place(
                path.key("partition_key"),
                field("hash_key"),
                arg("hash_key"),
                &entry,
            );
            self.key(scope, arg("hash_key"), &field("hash_key"), attributes)
        } else {
            None
        };
        self.place(
            path.key("sort_key"),
            field("range_key"),
            arg("range_key"),
            &entry,
        );
        let sort_key = self.key(scope, arg("range_key"), &field("range_key"), attributes);
        self.place(
            path.key("projection"),
            field("projection_type"),
            arg("projection_type"),
            &entry,
        );
        let projection =
            read(self.string(scope, arg("projection_type"), &field("projection_type")));
        let non_key = arg("non_key_attributes");
        self.place(
            path.key("non_key_attributes"),
            field("non_key_attributes"),
            non_key,
            &entry,
        );
        let non_key_attributes = read(self.strings(scope, non_key, &field("non_key_attributes")));
        IndexDraft {
            path,
            name,
            partition_key,
            sort_key,
            projection,
            non_key_attributes,
        }
    }

    /// Which table `resource "aws_dynamodb_global_secondary_index"` is
    /// for: `None` when none (`count = 0`) or it cannot be told.
    pub(super) fn loose_index_target(
        &mut self,
        scope: &mut Scope,
        block: &Block,
        label: &str,
    ) -> Option<LooseIndex> {
        let address = format!("{GSI}.{label}");
        let parts = self.parts(
            &block.body,
            &address,
            GSI_RESOURCE_ARGS,
            GSI_RESOURCE_BLOCKS,
            GSI_RESOURCE_NOT_CARRIED,
        );
        self.how_many(scope, &parts, &address)?;
        let Some(table_name) = parts.args.get("table_name") else {
            self.push(
                span(&block.ident),
                &address,
                "missing `table_name`".to_string(),
                None,
            );
            return None;
        };
        let target = match referenced_table(&table_name.value) {
            Some(label) => Target::Label(label),
            None => match self.string(scope, Some(table_name), &format!("{address}.table_name"))? {
                Found::Read(name) => Target::Name(name),
                Found::Unreadable => return None,
            },
        };
        Some(LooseIndex {
            target,
            target_span: span(&table_name.value),
        })
    }

    /// Reads an `aws_dynamodb_global_secondary_index` resource as the
    /// index at `path` of its table.
    pub(super) fn loose_index(
        &mut self,
        scope: &Scope,
        block: &Block,
        label: &str,
        path: FieldPath,
    ) -> IndexDraft {
        let address = format!("{GSI}.{label}");
        let entry = span(block);
        // Reported once already, by `loose_index_target`.
        let mut quiet = Reader::default();
        let parts = quiet.parts(
            &block.body,
            &address,
            GSI_RESOURCE_ARGS,
            GSI_RESOURCE_BLOCKS,
            GSI_RESOURCE_NOT_CARRIED,
        );
        self.not_carried.append(&mut quiet.not_carried);
        let field = |name: &str| format!("{address}.{name}");
        self.record(path.clone(), address.clone(), None, entry.clone());
        let name_arg = parts.args.get("index_name").copied();
        let name = read(self.string(scope, name_arg, &field("index_name")));
        self.place(path.key("name"), field("index_name"), name_arg, &entry);

        let mut partition_key = None;
        let mut sort_key = None;
        for (i, schema) in parts.blocks("key_schema").into_iter().enumerate() {
            let shown = format!("{address}.key_schema[{i}]");
            let inner = self.parts(
                &schema.body,
                &shown,
                &["attribute_name", "attribute_type", "key_type"],
                &[],
                &[],
            );
            let get = |name: &str| inner.args.get(name).copied();
            let attribute = self.string(
                scope,
                get("attribute_name"),
                &format!("{shown}.attribute_name"),
            );
            let ty = self.string(
                scope,
                get("attribute_type"),
                &format!("{shown}.attribute_type"),
            );
            let key_type = self.string(scope, get("key_type"), &format!("{shown}.key_type"));
            let key = match (attribute, ty) {
                (Some(Found::Read(attribute)), Some(Found::Read(ty))) => {
                    Found::Read(KeyDraft { attribute, ty })
                }
                _ => Found::Unreadable,
            };
            let (slot, field_name) = match key_type {
                Some(Found::Read(t)) if t.eq_ignore_ascii_case("HASH") => {
                    (&mut partition_key, "partition_key")
                }
                Some(Found::Read(t)) if t.eq_ignore_ascii_case("RANGE") => {
                    (&mut sort_key, "sort_key")
                }
                Some(Found::Read(t)) => {
                    self.push(
                        get("key_type").map(|a| span(&a.value)).unwrap_or_default(),
                        &format!("{shown}.key_type"),
                        format!("unknown key type `{t}`"),
                        Some("expected `HASH` or `RANGE`".to_string()),
                    );
                    continue;
                }
                _ => continue,
            };
            *slot = Some(key);
            self.record(path.key(field_name), shown, None, span(schema));
        }
        if partition_key.is_none() {
            self.record(
                path.key("partition_key"),
                field("key_schema"),
                None,
                entry.clone(),
            );
        }

        let projection_blocks = parts.blocks("projection");
        let (projection, non_key_attributes) = match projection_blocks.first() {
            Some(block) => {
                let shown = field("projection");
                let inner = self.parts(
                    &block.body,
                    &shown,
                    &["projection_type", "non_key_attributes"],
                    &[],
                    &[],
                );
                let get = |name: &str| inner.args.get(name).copied();
                let ty_shown = format!("{shown}.projection_type");
                let non_key_shown = format!("{shown}.non_key_attributes");
                self.place(
                    path.key("projection"),
                    ty_shown.clone(),
                    get("projection_type"),
                    &span(*block),
                );
                self.place(
                    path.key("non_key_attributes"),
                    non_key_shown.clone(),
                    get("non_key_attributes"),
                    &span(*block),
                );
                (
                    read(self.string(scope, get("projection_type"), &ty_shown)),
                    read(self.strings(scope, get("non_key_attributes"), &non_key_shown)),
                )
            }
            None => {
                self.record(
                    path.key("projection"),
                    field("projection"),
                    None,
                    entry.clone(),
                );
                (None, None)
            }
        };
        IndexDraft {
            path,
            name,
            partition_key,
            sort_key,
            projection,
            non_key_attributes,
        }
    }

    /// Reports a loose index whose table is not in the module.
    pub(super) fn no_such_table(&mut self, index: &LooseIndex, label: &str) {
        let named = match &index.target {
            Target::Label(table) => format!("`{TABLE}.{table}`"),
            Target::Name(name) => format!("table `{name}`"),
        };
        self.push(
            index.target_span.clone(),
            &format!("{GSI}.{label}.table_name"),
            format!("{named} is not a table of this module"),
            Some(format!(
                "name an `{TABLE}` resource of the module, by reference or by name"
            )),
        );
    }
}

/// A value read, or nothing where it was absent or unreadable.
fn read<T>(found: Option<Found<T>>) -> Option<T> {
    match found? {
        Found::Read(value) => Some(value),
        Found::Unreadable => None,
    }
}

/// A whole number, or a string that holds one.
fn integer(value: &Value) -> Result<i64, String> {
    let parsed = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => number(s).and_then(|v| v.as_i64()),
        _ => None,
    };
    parsed.ok_or_else(|| format!("expected a whole number, found {}", kind(value)))
}

/// A bool, or `"true"` or `"false"`.
fn boolean(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        other => Err(format!("expected a bool, found {}", kind(other))),
    }
}

/// The label of the table an expression refers to:
/// `aws_dynamodb_table.orders.name`, `.id`, or `aws_dynamodb_table.audit[0].name`.
fn referenced_table(expr: &Expression) -> Option<String> {
    let traversal = expr.as_traversal()?;
    if traversal.expr.as_variable()?.as_str() != TABLE {
        return None;
    }
    let names: Vec<&str> = traversal
        .operators
        .iter()
        .filter_map(|op| match op.value() {
            TraversalOperator::GetAttr(name) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    match names.as_slice() {
        [label, "name" | "id"] => Some((*label).to_string()),
        _ => None,
    }
}

/// Why the table at `address` has no name, for the manifest to report
/// unless it names the table itself.
fn unnamed_diagnostic(why: Unresolved, address: &str) -> Diagnostic {
    let name_it = format!(
        "or name the table in the manifest: `[tables_from.table.\"{address}\"]` with `name = \"…\"`"
    );
    let help = match (&why.missing_variable, &why.help) {
        (Some(variable), _) => format!("{}; {name_it}", variable_help(variable)),
        (None, Some(help)) => format!("{help}; {name_it}"),
        (None, None) => format!(
            "give the variables it needs in the manifest's `[[tables_from]]` entry, `variables = {{ … }}`, {name_it}"
        ),
    };
    Diagnostic::new(why.span, format!("{address}.name"), why.message).help(help)
}
