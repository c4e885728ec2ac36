//! A CloudFormation or SAM template's tables: its `AWS::DynamoDB::Table`,
//! `AWS::DynamoDB::GlobalTable` and `AWS::Serverless::SimpleTable`
//! resources. Every other resource, and every other section (`Outputs`,
//! `Rules`, `Metadata`, SAM's `Globals`), is passed over unread, so what
//! they call needs no working out. A table whose resource `Condition` is
//! false is not deployed, and not read.

use super::intrinsics::Scope;
use super::table::{Keys, Reader, Shape, TableAt, child};
use super::yaml::{self, Node};
use crate::manifest::Diagnostic;
use crate::manifest::imported::{FileRead, ImportedTable, Request};
use crate::manifest::path::FieldPath;
use crate::manifest::rules::{Found, KeyDraft, TableDraft};
use crate::manifest::source_map::SourceMap;

const SIMPLE_TABLE: Keys = Keys {
    read: &["TableName", "PrimaryKey", "ProvisionedThroughput"],
    not_carried: &[
        "SSESpecification",
        "Tags",
        "PointInTimeRecoverySpecification",
    ],
    lenient: false,
};
const PRIMARY_KEY: Keys = Keys {
    read: &["Name", "Type"],
    not_carried: &[],
    lenient: false,
};
const THROUGHPUT: Keys = Keys {
    read: &["ReadCapacityUnits", "WriteCapacityUnits"],
    not_carried: &[],
    lenient: false,
};

/// Reads the tables of the template `text`, from `request.path`.
pub(super) fn read(request: &Request<'_>, text: String) -> FileRead {
    let root = match yaml::parse(&text) {
        Ok(root) => root,
        Err(diagnostic) => return broken(request, text, diagnostic),
    };
    let Some(resources) = root.get("Resources") else {
        let message = if root.map().is_some() {
            "missing `Resources`: a template declares its tables there"
        } else {
            "a template is a mapping with `Resources` at its top"
        };
        let span = root.span.start..root.span.start;
        return broken(request, text, Diagnostic::new(span, "", message));
    };
    let scope = Scope::new(&root, request.values, request.region, request.stack_name);
    let mut reader = Reader::new(text, Some(scope), request.region);
    let Some(entries) = resources.value.map() else {
        reader.error(
            resources.value.span.clone(),
            "Resources",
            format!("must be a mapping, not {}", resources.value.kind()),
        );
        return reader.finish(request.path);
    };
    for entry in entries {
        let ty = entry.value.get("Type").and_then(|t| t.value.text());
        let shape = match ty.as_deref() {
            Some("AWS::DynamoDB::Table") => Some(Shape::Table),
            Some("AWS::DynamoDB::GlobalTable") => Some(Shape::GlobalTable),
            Some("AWS::Serverless::SimpleTable") => None,
            _ => continue,
        };
        let id = entry.key.as_str();
        let shown = format!("Resources.{id}");
        if !deployed(&mut reader, &entry.value, &shown) {
            continue;
        }
        let at = TableAt {
            path: FieldPath::default().key("Resources").key(id),
            id: id.to_string(),
            shown: shown.clone(),
            fallback: entry.key_span.clone(),
            default_name: Some(id.to_string()),
        };
        let properties = entry.value.get("Properties").map(|p| &p.value);
        let props_shown = child(&shown, "Properties");
        match shape {
            Some(shape) => reader.table(properties, &props_shown, shape, at),
            None => simple_table(&mut reader, properties, &props_shown, at),
        }
    }
    let mut file = reader.finish(request.path);
    if let Some(parameters) = root.get("Parameters").and_then(|p| p.value.map()) {
        file.declares = parameters.iter().map(|e| e.key.to_string()).collect();
    }
    file
}

/// A file that cannot be read as a template or as requests at all: one
/// problem, no tables.
pub(super) fn broken(request: &Request<'_>, text: String, diagnostic: Diagnostic) -> FileRead {
    FileRead {
        path: request.path.to_path_buf(),
        source: SourceMap::new(text),
        tables: Vec::new(),
        diagnostics: vec![diagnostic],
        not_carried: Vec::new(),
        declares: Vec::new(),
    }
}

/// Whether the resource is deployed: its `Condition`, if any, holds.
fn deployed(reader: &mut Reader<'_>, resource: &Node, shown: &str) -> bool {
    let Some(condition) = resource.get("Condition") else {
        return true;
    };
    let field = child(shown, "Condition");
    let Some(name) = condition.value.text() else {
        reader.error(
            condition.value.span.clone(),
            &field,
            "must be the name of a condition",
        );
        return false;
    };
    let Some(scope) = reader.scope() else {
        return true;
    };
    match scope.condition(&name, &condition.value.span, 0) {
        Ok(holds) => holds,
        Err(failure) => {
            reader.push(failure.diagnostic(&field));
            false
        }
    }
}

/// An `AWS::Serverless::SimpleTable`: a partition key only, `id` of type
/// `String` unless `PrimaryKey` says otherwise; on demand unless
/// `ProvisionedThroughput` is given.
fn simple_table(
    reader: &mut Reader<'_>,
    properties: Option<&Node>,
    props_shown: &str,
    at: TableAt,
) {
    let props = match properties {
        Some(node) => reader
            .object(node, props_shown, &SIMPLE_TABLE)
            .ok()
            .flatten(),
        None => None,
    };
    reader.record(at.path.clone(), &at.shown, None, at.fallback.clone());
    let mut draft = TableDraft {
        path: at.path.clone(),
        name: at.default_name.clone(),
        ..TableDraft::default()
    };
    reader.record(
        at.path.key("name"),
        &at.shown,
        Some(at.fallback.clone()),
        at.fallback.clone(),
    );
    let mut unnamed = None;
    let key_shown = child(props_shown, "PrimaryKey");
    let mut key_at = at.fallback.clone();
    let mut key = KeyDraft {
        attribute: "id".to_string(),
        ty: "S".to_string(),
    };
    let mut partition = None;
    if let Some(props) = &props {
        unnamed = reader.name(props, &at, &mut draft);
        if let Ok(Some(primary)) = reader.sub_object(props, "PrimaryKey", &PRIMARY_KEY) {
            key_at = primary.span();
            if let Ok(Some(name)) = reader.text_of(&primary, "Name") {
                key.attribute = name.text;
            }
            match reader.text_of(&primary, "Type") {
                Ok(Some(ty)) => match sam_type(&ty.text) {
                    Some(short) => key.ty = short.to_string(),
                    None => {
                        reader.push(
                            Diagnostic::new(
                                ty.span,
                                primary.field("Type"),
                                format!("unknown key type `{}`", ty.text),
                            )
                            .help("expected one of `String`, `Number`, `Binary`"),
                        );
                        partition = Some(Found::Unreadable);
                    }
                },
                Ok(None) => {}
                Err(_) => partition = Some(Found::Unreadable),
            }
        }
        if let Ok(Some(throughput)) = reader.sub_object(props, "ProvisionedThroughput", &THROUGHPUT)
        {
            let shown = props.field("ProvisionedThroughput");
            reader.record(at.path.key("billing_mode"), &shown, None, throughput.span());
            draft.billing_mode = Some("PROVISIONED".to_string());
            draft.read_capacity = reader.capacity(
                &throughput,
                "ReadCapacityUnits",
                at.path.key("read_capacity"),
            );
            draft.write_capacity = reader.capacity(
                &throughput,
                "WriteCapacityUnits",
                at.path.key("write_capacity"),
            );
        }
    }
    reader.record(at.path.key("partition_key"), &key_shown, None, key_at);
    draft.partition_key = Some(partition.unwrap_or(Found::Read(key)));
    reader.add(ImportedTable {
        id: at.id,
        draft,
        unnamed,
    });
}

/// SAM's name for a key type as DynamoDB's.
fn sam_type(name: &str) -> Option<&'static str> {
    match name {
        "String" => Some("S"),
        "Number" => Some("N"),
        "Binary" => Some("B"),
        _ => None,
    }
}
