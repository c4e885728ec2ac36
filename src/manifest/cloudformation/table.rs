//! A table's properties, as `AWS::DynamoDB::Table`, `AWS::DynamoDB::GlobalTable`,
//! a `CreateTable` request and `describe-table` output write them (one
//! vocabulary: `KeySchema`, `AttributeDefinitions`, `GlobalSecondaryIndexes`…),
//! read into a draft for the table rules. Each field the rules may name is
//! recorded under the file's own name for it
//! (`Resources.Orders.Properties.KeySchema[0]`), so that their problems come
//! out at the place and under the name the user wrote.
//!
//! Where a property is missing, the default is the one CloudFormation and
//! DynamoDB document: `BillingMode` is `PROVISIONED`. A global table's
//! capacities, when provisioned, are the lowest its auto scaling allows:
//! `WriteProvisionedThroughputSettings.WriteCapacityAutoScalingSettings.MinCapacity`,
//! and the local replica's `ReadCapacityUnits` or its read auto scaling's
//! `MinCapacity`.

use super::intrinsics::Scope;
use super::yaml::{Entry, Node, Value};
use crate::manifest::imported::{FileRead, ImportedTable, NotCarried};
use crate::manifest::path::FieldPath;
use crate::manifest::rules::{Found, IndexDraft, KeyDraft, TableDraft};
use crate::manifest::source_map::SourceMap;
use crate::manifest::suggest::{did_you_mean, quoted};
use crate::manifest::{Diagnostic, Location};

/// The shapes a table's properties come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// `AWS::DynamoDB::Table`.
    Table,
    /// `AWS::DynamoDB::GlobalTable`: one local table, its replica in the
    /// stack's region (or its first).
    GlobalTable,
    /// A `CreateTable` request.
    Request,
    /// `describe-table` output's `Table`: what only describes a live table
    /// (`TableStatus`, `ItemCount`, `TableArn`…) is passed over.
    Described,
}

/// The keys one mapping may have: those read, those that have no effect
/// locally, and whether any other key is passed over rather than reported.
pub(super) struct Keys {
    pub(super) read: &'static [&'static str],
    pub(super) not_carried: &'static [&'static str],
    pub(super) lenient: bool,
}

const TABLE: Keys = Keys {
    read: &[
        "TableName",
        "KeySchema",
        "AttributeDefinitions",
        "BillingMode",
        "ProvisionedThroughput",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "TimeToLiveSpecification",
        "StreamSpecification",
    ],
    not_carried: &[
        "SSESpecification",
        "PointInTimeRecoverySpecification",
        "Tags",
        "DeletionProtectionEnabled",
        "ContributorInsightsSpecification",
        "KinesisStreamSpecification",
        "TableClass",
        "ImportSourceSpecification",
        "ResourcePolicy",
        "OnDemandThroughput",
        "WarmThroughput",
        "VectorIndexes",
    ],
    lenient: false,
};

const GLOBAL_TABLE: Keys = Keys {
    read: &[
        "TableName",
        "KeySchema",
        "AttributeDefinitions",
        "BillingMode",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "TimeToLiveSpecification",
        "StreamSpecification",
        "Replicas",
        "WriteProvisionedThroughputSettings",
        "ReadProvisionedThroughputSettings",
    ],
    not_carried: &[
        "SSESpecification",
        "WriteOnDemandThroughputSettings",
        "ReadOnDemandThroughputSettings",
        "WarmThroughput",
        "GlobalTableWitnesses",
        "MultiRegionConsistency",
        "GlobalTableSourceArn",
        "TableType",
        "VectorIndexes",
    ],
    lenient: false,
};

const REQUEST: Keys = Keys {
    read: &[
        "TableName",
        "KeySchema",
        "AttributeDefinitions",
        "BillingMode",
        "ProvisionedThroughput",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "StreamSpecification",
        "TimeToLiveSpecification",
    ],
    not_carried: &[
        "SSESpecification",
        "Tags",
        "TableClass",
        "DeletionProtectionEnabled",
        "ResourcePolicy",
        "OnDemandThroughput",
        "WarmThroughput",
    ],
    lenient: false,
};

const DESCRIBED: Keys = Keys {
    read: &[
        "TableName",
        "KeySchema",
        "AttributeDefinitions",
        "BillingModeSummary",
        "ProvisionedThroughput",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "StreamSpecification",
    ],
    not_carried: &[
        "SSEDescription",
        "TableClassSummary",
        "DeletionProtectionEnabled",
        "Replicas",
        "OnDemandThroughput",
        "WarmThroughput",
    ],
    lenient: true,
};

const KEY_ELEMENT: Keys = Keys {
    read: &["AttributeName", "KeyType"],
    not_carried: &[],
    lenient: false,
};
const DEFINITION: Keys = Keys {
    read: &["AttributeName", "AttributeType"],
    not_carried: &[],
    lenient: false,
};
const THROUGHPUT: Keys = Keys {
    read: &["ReadCapacityUnits", "WriteCapacityUnits"],
    not_carried: &[],
    lenient: false,
};
const PROJECTION: Keys = Keys {
    read: &["ProjectionType", "NonKeyAttributes"],
    not_carried: &[],
    lenient: false,
};
const TTL: Keys = Keys {
    read: &["AttributeName", "Enabled"],
    not_carried: &[],
    lenient: false,
};
const AUTO_SCALING: Keys = Keys {
    read: &[
        "MinCapacity",
        "MaxCapacity",
        "SeedCapacity",
        "TargetTrackingScalingPolicyConfiguration",
    ],
    not_carried: &[],
    lenient: false,
};
const READ_SETTINGS: Keys = Keys {
    read: &["ReadCapacityUnits", "ReadCapacityAutoScalingSettings"],
    not_carried: &[],
    lenient: false,
};
const WRITE_SETTINGS: Keys = Keys {
    read: &["WriteCapacityAutoScalingSettings"],
    not_carried: &[],
    lenient: false,
};
const REPLICA: Keys = Keys {
    read: &["Region", "ReadProvisionedThroughputSettings"],
    not_carried: &[
        "ContributorInsightsSpecification",
        "DeletionProtectionEnabled",
        "DisassociationProtectionEnabled",
        "GlobalSecondaryIndexes",
        "GlobalTableSettingsReplicationMode",
        "KinesisStreamSpecification",
        "PointInTimeRecoverySpecification",
        "ReadOnDemandThroughputSettings",
        "ReplicaStreamSpecification",
        "ResourcePolicy",
        "SSESpecification",
        "TableClass",
        "Tags",
    ],
    lenient: false,
};

impl Shape {
    fn keys(self) -> &'static Keys {
        match self {
            Shape::Table => &TABLE,
            Shape::GlobalTable => &GLOBAL_TABLE,
            Shape::Request => &REQUEST,
            Shape::Described => &DESCRIBED,
        }
    }

    fn index_keys(self, global: bool) -> Keys {
        let read: &'static [&'static str] = &["IndexName", "KeySchema", "Projection"];
        match (self, global) {
            (_, false) => Keys {
                read,
                not_carried: &[],
                lenient: self == Shape::Described,
            },
            (Shape::GlobalTable, true) => Keys {
                read,
                not_carried: &[
                    "WriteProvisionedThroughputSettings",
                    "WriteOnDemandThroughputSettings",
                    "ReadProvisionedThroughputSettings",
                    "ReadOnDemandThroughputSettings",
                    "WarmThroughput",
                ],
                lenient: false,
            },
            (Shape::Described, true) => Keys {
                read,
                not_carried: &["OnDemandThroughput", "WarmThroughput"],
                lenient: true,
            },
            (_, true) => Keys {
                read,
                not_carried: &[
                    "ProvisionedThroughput",
                    "ContributorInsightsSpecification",
                    "OnDemandThroughput",
                    "WarmThroughput",
                ],
                lenient: false,
            },
        }
    }

    /// Whether keys the reader does not know are passed over, as the many
    /// that only describe a live table are.
    fn lenient(self) -> bool {
        self == Shape::Described
    }
}

/// A problem was found and reported: the value stands for nothing.
#[derive(Debug)]
pub(super) struct Reported;

type Read<T> = Result<T, Reported>;

/// A scalar worked out to text, and where it is written.
pub(super) struct Text {
    pub(super) text: String,
    pub(super) span: Location,
}

/// A mapping being read, its intrinsic (if any) worked out: its entries as
/// written, and how it is shown.
pub(super) struct Object {
    node: Node,
    pub(super) shown: String,
}

impl Object {
    pub(super) fn get(&self, key: &str) -> Option<&Entry> {
        self.node.get(key)
    }

    /// How the entry `key` is shown.
    pub(super) fn field(&self, key: &str) -> String {
        child(&self.shown, key)
    }

    pub(super) fn span(&self) -> Location {
        self.node.span.clone()
    }
}

/// `base.key`, or `key` at the top.
pub(super) fn child(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

/// Where a table is in its file.
pub(super) struct TableAt {
    /// The draft's path: `Resources.Orders`, `[1]`, `Table`.
    pub(super) path: FieldPath,
    /// How the file names the table: a logical id, or `TableName`.
    pub(super) id: String,
    /// How the entry is shown: `Resources.Orders`.
    pub(super) shown: String,
    /// Where a field that is not written is pointed at: the logical id, or
    /// the request's opening brace.
    pub(super) fallback: Location,
    /// The name when `TableName` is not written: the logical id.
    pub(super) default_name: Option<String>,
}

/// A file being read: what is found in it so far.
pub(super) struct Reader<'t> {
    scope: Option<Scope<'t>>,
    source: SourceMap,
    pub(super) diagnostics: Vec<Diagnostic>,
    not_carried: Vec<NotCarried>,
    tables: Vec<ImportedTable>,
    /// The stack's region: a global table's local replica is the one there.
    region: String,
}

impl<'t> Reader<'t> {
    /// A reader of `text`; templates bring a `scope` for their intrinsics.
    pub(super) fn new(text: String, scope: Option<Scope<'t>>, region: &str) -> Reader<'t> {
        Reader {
            scope,
            source: SourceMap::new(text).with_words(super::WORDS),
            diagnostics: Vec::new(),
            not_carried: Vec::new(),
            tables: Vec::new(),
            region: region.to_string(),
        }
    }

    pub(super) fn scope(&self) -> Option<&Scope<'t>> {
        self.scope.as_ref()
    }

    /// What was found, as read from `path`.
    pub(super) fn finish(mut self, path: &std::path::Path) -> FileRead {
        self.not_carried.sort_by_key(|n| (n.span.start, n.span.end));
        FileRead {
            path: path.to_path_buf(),
            source: self.source,
            tables: self.tables,
            diagnostics: self.diagnostics,
            not_carried: self.not_carried,
            declares: Vec::new(),
        }
    }

    pub(super) fn error(&mut self, span: Location, field: &str, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::new(span, field, message.into()));
    }

    pub(super) fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub(super) fn add(&mut self, table: ImportedTable) {
        self.tables.push(table);
    }

    /// Remembers where the field at `path` is, shown as `shown`.
    pub(super) fn record(
        &mut self,
        path: FieldPath,
        shown: &str,
        key: Option<Location>,
        value: Location,
    ) {
        self.source.record_as(path, shown, key, value);
    }

    /// Lists a property that has no effect locally.
    fn not_carried(&mut self, entry: &Entry, shown: String) {
        self.not_carried.push(NotCarried {
            span: entry.span(),
            field: shown,
        });
    }

    /// `node` with its top worked out; `None` for `AWS::NoValue`.
    pub(super) fn resolve(&mut self, node: &Node, shown: &str) -> Read<Option<Node>> {
        let Some(scope) = &self.scope else {
            return Ok(Some(node.clone()));
        };
        scope.resolve(node).map_err(|failure| {
            self.diagnostics.push(failure.diagnostic(shown));
            Reported
        })
    }

    /// `node` worked out all the way down.
    fn deep(&mut self, node: &Node, shown: &str) -> Read<Option<Node>> {
        let Some(scope) = &self.scope else {
            return Ok(Some(node.clone()));
        };
        scope.deep(node).map_err(|failure| {
            self.diagnostics.push(failure.diagnostic(shown));
            Reported
        })
    }

    /// A mapping, its keys checked against `keys`: others are reported
    /// with a did-you-mean, those with no local effect listed.
    pub(super) fn object(&mut self, node: &Node, shown: &str, keys: &Keys) -> Read<Option<Object>> {
        let Some(node) = self.resolve(node, shown)? else {
            return Ok(None);
        };
        if node.map().is_none() {
            self.error(
                node.span.clone(),
                shown,
                format!("must be a mapping, not {}", node.kind()),
            );
            return Err(Reported);
        }
        for entry in node.map().unwrap_or_default() {
            let key = entry.key.as_str();
            let field = child(shown, key);
            if keys.not_carried.contains(&key) {
                self.not_carried(entry, field);
            } else if !keys.read.contains(&key) && !keys.lenient {
                let known: Vec<&str> = keys.read.iter().chain(keys.not_carried).copied().collect();
                let help = match suggest(key, &known) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("expected one of {}", quoted(&known)),
                };
                self.push(
                    Diagnostic::new(
                        entry.key_span.clone(),
                        field,
                        format!("unknown property `{key}`"),
                    )
                    .help(help),
                );
            }
        }
        Ok(Some(Object {
            node,
            shown: shown.to_string(),
        }))
    }

    /// The entry `key` of `object` as a mapping.
    pub(super) fn sub_object(
        &mut self,
        object: &Object,
        key: &str,
        keys: &Keys,
    ) -> Read<Option<Object>> {
        match object.get(key) {
            Some(entry) => self.object(&entry.value, &object.field(key), keys),
            None => Ok(None),
        }
    }

    /// A scalar worked out to text.
    pub(super) fn text(&mut self, node: &Node, shown: &str) -> Read<Option<Text>> {
        let Some(value) = self.deep(node, shown)? else {
            return Ok(None);
        };
        match value.text() {
            Some(text) => Ok(Some(Text {
                text,
                span: value.span,
            })),
            None => {
                self.error(
                    value.span.clone(),
                    shown,
                    format!("must be a string, not {}", value.kind()),
                );
                Err(Reported)
            }
        }
    }

    /// The entry `key` of `object` as text.
    pub(super) fn text_of(&mut self, object: &Object, key: &str) -> Read<Option<Text>> {
        match object.get(key) {
            Some(entry) => self.text(&entry.value, &object.field(key)),
            None => Ok(None),
        }
    }

    /// A whole number, as a number or as text (`"5"`, a `Number`
    /// parameter).
    fn integer(&mut self, node: &Node, shown: &str) -> Read<Option<(i64, Location)>> {
        let Some(value) = self.text(node, shown)? else {
            return Ok(None);
        };
        match value.text.trim().parse::<i64>() {
            Ok(number) => Ok(Some((number, value.span))),
            Err(_) => {
                self.error(
                    value.span,
                    shown,
                    format!("`{}` is not a whole number", value.text),
                );
                Err(Reported)
            }
        }
    }

    /// `true` or `false`, or their text.
    fn boolean(&mut self, node: &Node, shown: &str) -> Read<Option<bool>> {
        let Some(value) = self.text(node, shown)? else {
            return Ok(None);
        };
        match value.text.to_ascii_lowercase().as_str() {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => {
                self.error(
                    value.span,
                    shown,
                    format!("`{}` is not `true` or `false`", value.text),
                );
                Err(Reported)
            }
        }
    }

    /// A list's items with their places in the list as written; items that
    /// are `AWS::NoValue` are left out, and those that cannot be worked
    /// out are reported and left out.
    fn items(&mut self, node: &Node, shown: &str) -> Read<Option<Vec<(usize, Node)>>> {
        let Some(list) = self.resolve(node, shown)? else {
            return Ok(None);
        };
        let Some(items) = list.list() else {
            self.error(
                list.span.clone(),
                shown,
                format!("must be a list, not {}", list.kind()),
            );
            return Err(Reported);
        };
        let mut kept = Vec::new();
        for (at, item) in items.iter().enumerate() {
            if let Ok(Some(item)) = self.resolve(item, &format!("{shown}[{at}]")) {
                kept.push((at, item));
            }
        }
        Ok(Some(kept))
    }

    /// A list of strings.
    fn strings(&mut self, node: &Node, shown: &str) -> Read<Option<Vec<String>>> {
        let Some(items) = self.items(node, shown)? else {
            return Ok(None);
        };
        let mut texts = Vec::new();
        for (at, item) in items {
            if let Some(text) = self.text(&item, &format!("{shown}[{at}]"))? {
                texts.push(text.text);
            }
        }
        Ok(Some(texts))
    }

    /// Reads one table's properties (`None` when none are written) into a
    /// draft, and adds it.
    pub(super) fn table(
        &mut self,
        properties: Option<&Node>,
        props_shown: &str,
        shape: Shape,
        at: TableAt,
    ) {
        let props = match properties {
            Some(node) => self.object(node, props_shown, shape.keys()).ok().flatten(),
            None => None,
        };
        let props = props.unwrap_or_else(|| Object {
            node: Node {
                span: at.fallback.clone(),
                value: Value::Map(Vec::new()),
            },
            shown: props_shown.to_string(),
        });
        self.record(at.path.clone(), &at.shown, None, at.fallback.clone());
        let mut draft = TableDraft {
            path: at.path.clone(),
            ..TableDraft::default()
        };
        let unnamed = self.name(&props, &at, &mut draft);

        let mut definitions = self.definitions(&props, shape);
        let (partition_key, sort_key) = self.table_keys(&props, &at, shape, &mut definitions);
        draft.partition_key = Some(partition_key);
        draft.sort_key = sort_key;

        match shape {
            Shape::GlobalTable => self.global_billing(&props, &at, &mut draft),
            _ => self.billing(&props, &at, shape, &mut draft),
        }
        draft.global_indexes = self.indexes(&props, &at, shape, true, &mut definitions);
        draft.local_indexes = self.indexes(&props, &at, shape, false, &mut definitions);
        if shape != Shape::Described {
            draft.ttl = self.ttl(&props, &draft.path);
        }
        draft.stream = self.stream(&props, &draft.path, shape);
        if !shape.lenient() {
            self.unused(&definitions, &props);
        }
        self.tables.push(ImportedTable {
            id: at.id,
            draft,
            unnamed,
        });
    }

    /// The table's name: `TableName`, or the logical id where none is
    /// written. One that cannot be worked out is why the table is unnamed.
    pub(super) fn name(
        &mut self,
        props: &Object,
        at: &TableAt,
        draft: &mut TableDraft,
    ) -> Option<Diagnostic> {
        let path = at.path.key("name");
        let Some(entry) = props.get("TableName") else {
            self.record(
                path,
                &at.shown,
                Some(at.fallback.clone()),
                at.fallback.clone(),
            );
            draft.name = at.default_name.clone();
            return None;
        };
        let shown = props.field("TableName");
        let value = match &self.scope {
            Some(scope) => scope.deep(&entry.value),
            None => Ok(Some(entry.value.clone())),
        };
        let failure = match value {
            Ok(Some(node)) => match node.text() {
                Some(text) => {
                    self.record(path, &shown, Some(entry.key_span.clone()), node.span);
                    draft.name = Some(text);
                    return None;
                }
                None => Diagnostic::new(
                    node.span.clone(),
                    &shown,
                    format!("must be a string, not {}", node.kind()),
                ),
            },
            Ok(None) => {
                self.record(
                    path,
                    &at.shown,
                    Some(at.fallback.clone()),
                    at.fallback.clone(),
                );
                draft.name = at.default_name.clone();
                return None;
            }
            Err(failure) => {
                let parameter = failure.parameter.clone();
                let mut diagnostic = failure.diagnostic(&shown);
                let name_it = format!("`[tables_from.table.{}] name = \"…\"`", at.id);
                diagnostic.help = Some(match parameter {
                    Some(name) => format!(
                        "give parameter `{name}` a value in the manifest's `[[tables_from]]` entry: `parameters = {{ {name} = \"…\" }}`, or name the table there: {name_it}"
                    ),
                    None => format!("name the table in the manifest: {name_it}"),
                });
                diagnostic
            }
        };
        self.record(
            path,
            &shown,
            Some(entry.key_span.clone()),
            entry.value.span.clone(),
        );
        Some(failure)
    }

    /// `AttributeDefinitions`: each attribute's type, by name.
    fn definitions(&mut self, props: &Object, shape: Shape) -> Definitions {
        let mut definitions = Definitions::default();
        let Some(entry) = props.get("AttributeDefinitions") else {
            return definitions;
        };
        let shown = props.field("AttributeDefinitions");
        let Ok(Some(items)) = self.items(&entry.value, &shown) else {
            definitions.unreadable = true;
            return definitions;
        };
        let keys = Keys {
            lenient: shape.lenient(),
            ..DEFINITION
        };
        for (at, item) in items {
            let item_shown = format!("{shown}[{at}]");
            let Ok(Some(object)) = self.object(&item, &item_shown, &keys) else {
                definitions.unreadable = true;
                continue;
            };
            let name = self.text_of(&object, "AttributeName");
            let ty = self.text_of(&object, "AttributeType");
            match (name, ty) {
                (Ok(Some(name)), Ok(Some(ty))) => definitions.all.push(Definition {
                    name: name.text,
                    ty: ty.text,
                    span: object.span(),
                    shown: item_shown,
                    used: false,
                }),
                (Ok(None), _) => {
                    self.error(object.span(), &item_shown, "missing `AttributeName`");
                    definitions.unreadable = true;
                }
                (Ok(Some(name)), Ok(None)) => {
                    self.error(
                        object.span(),
                        &item_shown,
                        format!("missing `AttributeType` of `{}`", name.text),
                    );
                    definitions.unreadable = true;
                }
                _ => definitions.unreadable = true,
            }
        }
        definitions
    }

    /// A `KeySchema`: its `HASH` and `RANGE` elements.
    fn key_schema(&mut self, node: &Node, shown: &str, shape: Shape) -> Read<Schema> {
        let Some(items) = self.items(node, shown)? else {
            return Ok(Schema::default());
        };
        let keys = Keys {
            lenient: shape.lenient(),
            ..KEY_ELEMENT
        };
        let mut schema = Schema::default();
        let mut failed = false;
        for (at, item) in items {
            let item_shown = format!("{shown}[{at}]");
            let Ok(Some(object)) = self.object(&item, &item_shown, &keys) else {
                failed = true;
                continue;
            };
            let (Ok(name), Ok(kind)) = (
                self.text_of(&object, "AttributeName"),
                self.text_of(&object, "KeyType"),
            ) else {
                failed = true;
                continue;
            };
            let (Some(name), Some(kind)) = (name, kind) else {
                self.error(
                    object.span(),
                    &item_shown,
                    "a key is an `AttributeName` and a `KeyType`",
                );
                failed = true;
                continue;
            };
            let element = KeyAt {
                attribute: name.text,
                shown: item_shown.clone(),
                span: object.span(),
                name_span: name.span,
            };
            let slot = match kind.text.as_str() {
                "HASH" => &mut schema.hash,
                "RANGE" => &mut schema.range,
                other => {
                    self.error(
                        kind.span,
                        &child(&item_shown, "KeyType"),
                        format!("unknown key type `{other}`; expected `HASH` or `RANGE`"),
                    );
                    failed = true;
                    continue;
                }
            };
            if slot.is_some() {
                self.error(
                    object.span(),
                    &item_shown,
                    format!("a second `{}` key", kind.text),
                );
                failed = true;
                continue;
            }
            *slot = Some(element);
        }
        if failed {
            return Err(Reported);
        }
        Ok(schema)
    }

    /// A key of the table or an index, typed by its attribute's definition.
    fn key(&mut self, key: &KeyAt, definitions: &mut Definitions) -> Found<KeyDraft> {
        if let Some(definition) = definitions.all.iter_mut().find(|d| d.name == key.attribute) {
            definition.used = true;
            return Found::Read(KeyDraft {
                attribute: key.attribute.clone(),
                ty: definition.ty.clone(),
            });
        }
        if !definitions.unreadable {
            self.push(
                Diagnostic::new(
                    key.name_span.clone(),
                    &key.shown,
                    format!("key attribute `{}` has no `AttributeDefinitions` entry", key.attribute),
                )
                .help(format!(
                    "add `{{AttributeName: {}, AttributeType: S}}` (or N, B) to `AttributeDefinitions`",
                    key.attribute
                )),
            );
        }
        Found::Unreadable
    }

    /// The table's own keys, recorded as `partition_key` and `sort_key`. A
    /// missing or broken `KeySchema` is reported here and the partition key
    /// is unreadable, so the rules do not report it missing again.
    fn table_keys(
        &mut self,
        props: &Object,
        at: &TableAt,
        shape: Shape,
        definitions: &mut Definitions,
    ) -> (Found<KeyDraft>, Option<Found<KeyDraft>>) {
        let path = &at.path;
        let shown = props.field("KeySchema");
        let Some(entry) = props.get("KeySchema") else {
            self.error(at.fallback.clone(), &shown, "missing `KeySchema`");
            self.record(path.key("partition_key"), &shown, None, at.fallback.clone());
            return (Found::Unreadable, None);
        };
        let Ok(schema) = self.key_schema(&entry.value, &shown, shape) else {
            self.record(
                path.key("partition_key"),
                &shown,
                None,
                entry.value.span.clone(),
            );
            return (Found::Unreadable, None);
        };
        let partition = match &schema.hash {
            Some(hash) => {
                self.record(
                    path.key("partition_key"),
                    &hash.shown,
                    None,
                    hash.span.clone(),
                );
                self.key(hash, definitions)
            }
            None => {
                self.error(
                    entry.value.span.clone(),
                    &shown,
                    "`KeySchema` has no `HASH` key",
                );
                self.record(
                    path.key("partition_key"),
                    &shown,
                    None,
                    entry.value.span.clone(),
                );
                Found::Unreadable
            }
        };
        let sort = schema.range.as_ref().map(|range| {
            self.record(path.key("sort_key"), &range.shown, None, range.span.clone());
            self.key(range, definitions)
        });
        (partition, sort)
    }

    /// `BillingMode` (or `BillingModeSummary.BillingMode`) and
    /// `ProvisionedThroughput`.
    fn billing(&mut self, props: &Object, at: &TableAt, shape: Shape, draft: &mut TableDraft) {
        let path = &draft.path;
        let mode_path = path.key("billing_mode");
        let throughput = self
            .sub_object(
                props,
                "ProvisionedThroughput",
                &Keys {
                    lenient: shape.lenient(),
                    ..THROUGHPUT
                },
            )
            .ok()
            .flatten();
        let mut mode = None;
        if shape == Shape::Described {
            let summary = self
                .sub_object(
                    props,
                    "BillingModeSummary",
                    &Keys {
                        read: &["BillingMode"],
                        not_carried: &[],
                        lenient: true,
                    },
                )
                .ok()
                .flatten();
            if let Some(summary) = summary
                && let Ok(Some(text)) = self.text_of(&summary, "BillingMode")
            {
                self.record(
                    mode_path.clone(),
                    &summary.field("BillingMode"),
                    None,
                    text.span,
                );
                mode = Some(text.text);
            }
        } else if let Some(entry) = props.get("BillingMode") {
            let shown = props.field("BillingMode");
            if let Ok(Some(text)) = self.text(&entry.value, &shown) {
                self.record(
                    mode_path.clone(),
                    &shown,
                    Some(entry.key_span.clone()),
                    text.span,
                );
                mode = Some(text.text);
            }
        }
        let mode = match mode {
            Some(mode) => mode,
            None => {
                let fallback = throughput
                    .as_ref()
                    .map_or(at.fallback.clone(), Object::span);
                self.record(mode_path, &props.field("BillingMode"), None, fallback);
                // A described table written before billing modes: its
                // capacities tell.
                let units = throughput
                    .as_ref()
                    .and_then(|t| t.get("ReadCapacityUnits"))
                    .and_then(|u| u.value.text())
                    .and_then(|u| u.parse::<i64>().ok())
                    .unwrap_or_default();
                if shape == Shape::Described && units == 0 {
                    "PAY_PER_REQUEST".to_string()
                } else {
                    "PROVISIONED".to_string()
                }
            }
        };
        let on_demand = mode.eq_ignore_ascii_case("PAY_PER_REQUEST");
        draft.billing_mode = Some(mode);
        // describe-table shows an on-demand table's throughput as 0 units.
        if shape == Shape::Described && on_demand {
            return;
        }
        let fallback = throughput
            .as_ref()
            .map_or(at.fallback.clone(), Object::span);
        let shown = props.field("ProvisionedThroughput");
        for (key, field) in [
            ("ReadCapacityUnits", "read_capacity"),
            ("WriteCapacityUnits", "write_capacity"),
        ] {
            let capacity = match &throughput {
                Some(throughput) => self.capacity(throughput, key, path.key(field)),
                None => {
                    self.record(path.key(field), &child(&shown, key), None, fallback.clone());
                    None
                }
            };
            match field {
                "read_capacity" => draft.read_capacity = capacity,
                _ => draft.write_capacity = capacity,
            }
        }
    }

    /// One capacity of `object`, recorded at `path`.
    pub(super) fn capacity(
        &mut self,
        object: &Object,
        key: &str,
        path: FieldPath,
    ) -> Option<Found<i64>> {
        let shown = object.field(key);
        let Some(entry) = object.get(key) else {
            self.record(path, &shown, None, object.span());
            return None;
        };
        let read = self.integer(&entry.value, &shown);
        let span = match &read {
            Ok(Some((_, span))) => span.clone(),
            _ => entry.value.span.clone(),
        };
        self.record(path, &shown, Some(entry.key_span.clone()), span);
        match read {
            Ok(Some((units, _))) => Some(Found::Read(units)),
            Ok(None) => None,
            Err(Reported) => Some(Found::Unreadable),
        }
    }

    /// A global table's `BillingMode` and capacities: the write capacity
    /// from `WriteProvisionedThroughputSettings`, the read capacity from
    /// the local replica (or the table's `ReadProvisionedThroughputSettings`).
    fn global_billing(&mut self, props: &Object, at: &TableAt, draft: &mut TableDraft) {
        let path = draft.path.clone();
        let mode_shown = props.field("BillingMode");
        match props.get("BillingMode") {
            Some(entry) => {
                if let Ok(Some(text)) = self.text(&entry.value, &mode_shown) {
                    self.record(
                        path.key("billing_mode"),
                        &mode_shown,
                        Some(entry.key_span.clone()),
                        text.span,
                    );
                    draft.billing_mode = Some(text.text);
                }
            }
            None => {
                self.record(
                    path.key("billing_mode"),
                    &mode_shown,
                    None,
                    at.fallback.clone(),
                );
                draft.billing_mode = Some("PROVISIONED".to_string());
            }
        }

        let write_shown = child(
            &props.field("WriteProvisionedThroughputSettings"),
            "WriteCapacityAutoScalingSettings.MinCapacity",
        );
        self.record(
            path.key("write_capacity"),
            &write_shown,
            None,
            at.fallback.clone(),
        );
        if let Ok(Some(settings)) =
            self.sub_object(props, "WriteProvisionedThroughputSettings", &WRITE_SETTINGS)
            && let Ok(Some(scaling)) =
                self.sub_object(&settings, "WriteCapacityAutoScalingSettings", &AUTO_SCALING)
        {
            draft.write_capacity =
                self.capacity(&scaling, "MinCapacity", path.key("write_capacity"));
        }

        let read_shown = child(
            &props.field("Replicas"),
            "ReadProvisionedThroughputSettings.ReadCapacityUnits",
        );
        self.record(
            path.key("read_capacity"),
            &read_shown,
            None,
            at.fallback.clone(),
        );
        let replica = self.replicas(props);
        let read_settings = match replica {
            Some(replica) => self
                .sub_object(
                    &replica,
                    "ReadProvisionedThroughputSettings",
                    &READ_SETTINGS,
                )
                .ok()
                .flatten(),
            None => None,
        };
        let read_settings = match read_settings {
            Some(settings) => Some(settings),
            None => self
                .sub_object(
                    props,
                    "ReadProvisionedThroughputSettings",
                    &Keys {
                        read: &["ReadCapacityUnits"],
                        not_carried: &[],
                        lenient: false,
                    },
                )
                .ok()
                .flatten(),
        };
        if let Some(settings) = read_settings {
            draft.read_capacity = if settings.get("ReadCapacityUnits").is_some() {
                self.capacity(&settings, "ReadCapacityUnits", path.key("read_capacity"))
            } else if let Ok(Some(scaling)) =
                self.sub_object(&settings, "ReadCapacityAutoScalingSettings", &AUTO_SCALING)
            {
                self.capacity(&scaling, "MinCapacity", path.key("read_capacity"))
            } else {
                None
            };
        }
    }

    /// A global table's replicas: the one in the stack's region (or the
    /// first) is the local table; the others are listed as not carried.
    fn replicas(&mut self, props: &Object) -> Option<Object> {
        let entry = props.get("Replicas")?;
        let shown = props.field("Replicas");
        let items = self.items(&entry.value, &shown).ok().flatten()?;
        let mut replicas = Vec::new();
        for (at, item) in &items {
            let item_shown = format!("{shown}[{at}]");
            let region = item
                .get("Region")
                .and_then(|r| {
                    self.text(&r.value, &child(&item_shown, "Region"))
                        .ok()
                        .flatten()
                })
                .map(|r| r.text);
            replicas.push((*at, item, region));
        }
        let local = replicas
            .iter()
            .position(|(_, _, region)| region.as_deref() == Some(self.region.as_str()))
            .unwrap_or_default();
        let mut chosen = None;
        for (i, (at, item, _)) in replicas.into_iter().enumerate() {
            let item_shown = format!("{shown}[{at}]");
            if i == local {
                chosen = self.object(item, &item_shown, &REPLICA).ok().flatten();
            } else {
                self.not_carried.push(NotCarried {
                    span: item.span.clone(),
                    field: item_shown,
                });
            }
        }
        chosen
    }

    /// `GlobalSecondaryIndexes` or `LocalSecondaryIndexes`.
    fn indexes(
        &mut self,
        props: &Object,
        at: &TableAt,
        shape: Shape,
        global: bool,
        definitions: &mut Definitions,
    ) -> Vec<IndexDraft> {
        let (key, field) = if global {
            ("GlobalSecondaryIndexes", "global_index")
        } else {
            ("LocalSecondaryIndexes", "local_index")
        };
        let Some(entry) = props.get(key) else {
            return Vec::new();
        };
        let shown = props.field(key);
        let Ok(Some(items)) = self.items(&entry.value, &shown) else {
            return Vec::new();
        };
        let keys = shape.index_keys(global);
        let mut drafts = Vec::new();
        for (written, item) in items {
            let item_shown = format!("{shown}[{written}]");
            let Ok(Some(object)) = self.object(&item, &item_shown, &keys) else {
                continue;
            };
            let path = at.path.key(field).index(drafts.len());
            if let Some(index) = self.index(&object, path, shape, definitions) {
                drafts.push(index);
            }
        }
        drafts
    }

    /// One index; `None` when its name cannot be worked out (that is
    /// reported).
    fn index(
        &mut self,
        object: &Object,
        path: FieldPath,
        shape: Shape,
        definitions: &mut Definitions,
    ) -> Option<IndexDraft> {
        self.record(path.clone(), &object.shown, None, object.span());
        let name_shown = object.field("IndexName");
        let name = match object.get("IndexName") {
            Some(entry) => {
                let text = self.text(&entry.value, &name_shown).ok()?;
                if let Some(text) = &text {
                    self.record(
                        path.key("name"),
                        &name_shown,
                        Some(entry.key_span.clone()),
                        text.span.clone(),
                    );
                }
                text.map(|t| t.text)
            }
            None => {
                self.record(path.key("name"), &name_shown, None, object.span());
                None
            }
        };

        let schema_shown = object.field("KeySchema");
        let mut draft = IndexDraft {
            path: path.clone(),
            name,
            ..IndexDraft::default()
        };
        self.record(path.key("sort_key"), &schema_shown, None, object.span());
        match object.get("KeySchema") {
            None => {
                self.error(object.span(), &schema_shown, "missing `KeySchema`");
                self.record(
                    path.key("partition_key"),
                    &schema_shown,
                    None,
                    object.span(),
                );
                draft.partition_key = Some(Found::Unreadable);
            }
            Some(entry) => match self.key_schema(&entry.value, &schema_shown, shape) {
                Err(Reported) => draft.partition_key = Some(Found::Unreadable),
                Ok(schema) => {
                    match &schema.hash {
                        Some(hash) => {
                            self.record(
                                path.key("partition_key"),
                                &hash.shown,
                                None,
                                hash.span.clone(),
                            );
                            draft.partition_key = Some(self.key(hash, definitions));
                        }
                        None => {
                            self.error(
                                entry.value.span.clone(),
                                &schema_shown,
                                "`KeySchema` has no `HASH` key",
                            );
                            draft.partition_key = Some(Found::Unreadable);
                        }
                    }
                    if let Some(range) = &schema.range {
                        self.record(path.key("sort_key"), &range.shown, None, range.span.clone());
                        draft.sort_key = Some(self.key(range, definitions));
                    }
                }
            },
        }

        let projection_keys = Keys {
            lenient: shape.lenient(),
            ..PROJECTION
        };
        if let Ok(Some(projection)) = self.sub_object(object, "Projection", &projection_keys) {
            let type_shown = projection.field("ProjectionType");
            match projection.get("ProjectionType") {
                Some(entry) => {
                    if let Ok(Some(text)) = self.text(&entry.value, &type_shown) {
                        self.record(
                            path.key("projection"),
                            &type_shown,
                            Some(entry.key_span.clone()),
                            text.span,
                        );
                        draft.projection = Some(text.text);
                    }
                }
                None => self.record(path.key("projection"), &type_shown, None, projection.span()),
            }
            if let Some(entry) = projection.get("NonKeyAttributes") {
                let shown = projection.field("NonKeyAttributes");
                if let Ok(names) = self.strings(&entry.value, &shown) {
                    self.record(
                        path.key("non_key_attributes"),
                        &shown,
                        Some(entry.key_span.clone()),
                        entry.value.span.clone(),
                    );
                    draft.non_key_attributes = names;
                }
            }
        }
        Some(draft)
    }

    /// `TimeToLiveSpecification`: its attribute, when `Enabled` is true.
    fn ttl(&mut self, props: &Object, path: &FieldPath) -> Option<String> {
        let spec = self
            .sub_object(props, "TimeToLiveSpecification", &TTL)
            .ok()??;
        let enabled = match spec.get("Enabled") {
            Some(entry) => self.boolean(&entry.value, &spec.field("Enabled")).ok()??,
            None => {
                self.error(spec.span(), &spec.field("Enabled"), "missing `Enabled`");
                return None;
            }
        };
        let shown = spec.field("AttributeName");
        let entry = spec.get("AttributeName");
        let name = match entry {
            Some(entry) => self.text(&entry.value, &shown).ok()?,
            None => None,
        };
        if !enabled {
            return None;
        }
        let Some(name) = name else {
            self.error(spec.span(), &shown, "missing `AttributeName`");
            return None;
        };
        let key = entry.map(|e| e.key_span.clone());
        self.record(path.key("ttl"), &shown, key, name.span);
        Some(name.text)
    }

    /// `StreamSpecification`'s view type; a request's stream only when
    /// `StreamEnabled` is true.
    fn stream(&mut self, props: &Object, path: &FieldPath, shape: Shape) -> Option<String> {
        let keys = match shape {
            Shape::Table => Keys {
                read: &["StreamViewType"],
                not_carried: &["ResourcePolicy", "Tags"],
                lenient: false,
            },
            Shape::GlobalTable => Keys {
                read: &["StreamViewType"],
                not_carried: &[],
                lenient: false,
            },
            Shape::Request | Shape::Described => Keys {
                read: &["StreamEnabled", "StreamViewType"],
                not_carried: &[],
                lenient: shape.lenient(),
            },
        };
        let spec = self
            .sub_object(props, "StreamSpecification", &keys)
            .ok()??;
        if let Some(entry) = spec.get("StreamEnabled")
            && !self
                .boolean(&entry.value, &spec.field("StreamEnabled"))
                .ok()??
        {
            return None;
        }
        let shown = spec.field("StreamViewType");
        let Some(entry) = spec.get("StreamViewType") else {
            self.error(spec.span(), &shown, "missing `StreamViewType`");
            return None;
        };
        let view = self.text(&entry.value, &shown).ok()??;
        self.record(
            path.key("stream"),
            &shown,
            Some(entry.key_span.clone()),
            view.span,
        );
        Some(view.text)
    }

    /// Attribute definitions no key uses: DynamoDB refuses the table.
    fn unused(&mut self, definitions: &Definitions, props: &Object) {
        if definitions.unreadable || props.get("KeySchema").is_none() {
            return;
        }
        for definition in definitions.all.iter().filter(|d| !d.used) {
            self.push(
                Diagnostic::new(
                    definition.span.clone(),
                    &definition.shown,
                    format!(
                        "attribute `{}` is defined but is no key of the table or of an index",
                        definition.name
                    ),
                )
                .help("DynamoDB takes definitions of key attributes only; remove it"),
            );
        }
    }
}

/// A table's `AttributeDefinitions`.
#[derive(Default)]
struct Definitions {
    all: Vec<Definition>,
    /// Some could not be read: a key without one is not reported.
    unreadable: bool,
}

struct Definition {
    name: String,
    ty: String,
    span: Location,
    shown: String,
    /// Whether a key of the table or an index uses it.
    used: bool,
}

/// A `KeySchema` as written.
#[derive(Default)]
struct Schema {
    hash: Option<KeyAt>,
    range: Option<KeyAt>,
}

/// One element of a `KeySchema`.
struct KeyAt {
    attribute: String,
    /// `…KeySchema[0]`.
    shown: String,
    span: Location,
    name_span: Location,
}

/// The known name closest to `name`, whatever their cases.
pub(super) fn suggest(name: &str, known: &[&str]) -> Option<String> {
    let lower: Vec<String> = known.iter().map(|k| k.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let best = did_you_mean(name, &lower)?;
    let at = lower.iter().position(|k| *k == best)?;
    known.get(at).map(|k| k.to_string())
}
