//! The manifest's tables written out: as a CloudFormation template (YAML,
//! one `AWS::DynamoDB::Table` each, that `cfn-lint` passes), or as
//! `CreateTable` requests for `aws dynamodb create-table --cli-input-json`.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::manifest::{Billing, IndexSpec, KeyAttribute, Projection, TableSpec};

/// The tables as a template: `TableName` is each table's physical name,
/// its logical id the name in CamelCase with `Table` after it. The tables
/// are kept when the stack is deleted or they are replaced
/// (`DeletionPolicy` and `UpdateReplacePolicy` `Retain`): they hold data.
pub(super) fn template(tables: &[TableSpec]) -> String {
    let mut out = String::new();
    out.push_str("AWSTemplateFormatVersion: \"2010-09-09\"\n");
    out.push_str("Description: DynamoDB tables, as devstack's manifest declares them\n");
    out.push_str("Resources:");
    if tables.is_empty() {
        out.push_str(" {}");
    }
    out.push('\n');
    let mut taken = HashSet::new();
    for table in tables {
        let id = logical_id(&table.name, &mut taken);
        let request = create_table_request(table);
        let mut properties = request.as_object().cloned().unwrap_or_default();
        if let Some(ttl) = &table.ttl {
            properties.insert(
                "TimeToLiveSpecification".to_string(),
                json!({ "AttributeName": ttl, "Enabled": true }),
            );
        }
        if let Some(stream) = properties.get_mut("StreamSpecification")
            && let Some(stream) = stream.as_object_mut()
        {
            // CloudFormation's stream has a view type only.
            stream.remove("StreamEnabled");
        }
        let _ = writeln!(out, "  {id}:");
        out.push_str("    Type: AWS::DynamoDB::Table\n");
        out.push_str("    DeletionPolicy: Retain\n");
        out.push_str("    UpdateReplacePolicy: Retain\n");
        out.push_str("    Properties:\n");
        yaml_map(&mut out, 6, &properties);
    }
    out
}

/// The tables as a JSON array of `CreateTable` requests.
pub(super) fn create_table(tables: &[TableSpec]) -> String {
    let requests: Vec<Value> = tables.iter().map(create_table_request).collect();
    let mut out = serde_json::to_string_pretty(&requests).unwrap_or_default();
    out.push('\n');
    out
}

/// One table as a `CreateTable` request, as `aws dynamodb create-table
/// --cli-input-json` takes it. TTL is not part of it: the CLI refuses keys
/// it does not know, and TTL is set afterwards with `update-time-to-live`.
pub(super) fn create_table_request(table: &TableSpec) -> Value {
    let throughput = match table.billing {
        Billing::PayPerRequest => None,
        Billing::Provisioned { read, write } => Some(json!({
            "ReadCapacityUnits": read,
            "WriteCapacityUnits": write,
        })),
    };
    let mut request = serde_json::Map::new();
    request.insert("TableName".into(), json!(table.physical));
    request.insert("AttributeDefinitions".into(), definitions(table));
    request.insert(
        "KeySchema".into(),
        key_schema(&table.partition_key, table.sort_key.as_ref()),
    );
    let mode = match table.billing {
        Billing::PayPerRequest => "PAY_PER_REQUEST",
        Billing::Provisioned { .. } => "PROVISIONED",
    };
    request.insert("BillingMode".into(), json!(mode));
    if let Some(throughput) = &throughput {
        request.insert("ProvisionedThroughput".into(), throughput.clone());
    }
    if !table.global_indexes.is_empty() {
        let indexes = table
            .global_indexes
            .iter()
            .map(|index| {
                let mut index = self::index(index);
                if let (Some(throughput), Some(index)) = (&throughput, index.as_object_mut()) {
                    index.insert("ProvisionedThroughput".into(), throughput.clone());
                }
                index
            })
            .collect();
        request.insert("GlobalSecondaryIndexes".into(), Value::Array(indexes));
    }
    if !table.local_indexes.is_empty() {
        let indexes = table.local_indexes.iter().map(index).collect();
        request.insert("LocalSecondaryIndexes".into(), Value::Array(indexes));
    }
    if let Some(stream) = table.stream {
        request.insert(
            "StreamSpecification".into(),
            json!({ "StreamEnabled": true, "StreamViewType": stream.as_str() }),
        );
    }
    Value::Object(request)
}

/// Every key attribute of the table and its indexes, once, by name.
fn definitions(table: &TableSpec) -> Value {
    let mut types = BTreeMap::new();
    let keys = [Some(&table.partition_key), table.sort_key.as_ref()];
    let index_keys = table
        .global_indexes
        .iter()
        .chain(&table.local_indexes)
        .flat_map(|index| [Some(&index.partition_key), index.sort_key.as_ref()]);
    for key in keys.into_iter().chain(index_keys).flatten() {
        types.entry(key.name.clone()).or_insert(key.ty);
    }
    Value::Array(
        types
            .into_iter()
            .map(|(name, ty)| json!({ "AttributeName": name, "AttributeType": ty.as_str() }))
            .collect(),
    )
}

fn key_schema(partition: &KeyAttribute, sort: Option<&KeyAttribute>) -> Value {
    let mut schema = vec![json!({ "AttributeName": partition.name, "KeyType": "HASH" })];
    if let Some(sort) = sort {
        schema.push(json!({ "AttributeName": sort.name, "KeyType": "RANGE" }));
    }
    Value::Array(schema)
}

fn index(index: &IndexSpec) -> Value {
    let projection = match &index.projection {
        Projection::All => json!({ "ProjectionType": "ALL" }),
        Projection::KeysOnly => json!({ "ProjectionType": "KEYS_ONLY" }),
        Projection::Include(names) => {
            json!({ "ProjectionType": "INCLUDE", "NonKeyAttributes": names })
        }
    };
    json!({
        "IndexName": index.name,
        "KeySchema": key_schema(&index.partition_key, index.sort_key.as_ref()),
        "Projection": projection,
    })
}

/// A logical id for the table `name`: its letters and digits in
/// CamelCase, `Table` after them, a number after that where taken.
fn logical_id(name: &str, taken: &mut HashSet<String>) -> String {
    let mut id = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            id.push(first.to_ascii_uppercase());
            id.extend(chars);
        }
    }
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id.insert(0, 'T');
    }
    id.push_str("Table");
    let mut unique = id.clone();
    let mut n = 2;
    while !taken.insert(unique.clone()) {
        unique = format!("{id}{n}");
        n += 1;
    }
    unique
}

/// A JSON mapping as block YAML, indented by `indent`.
fn yaml_map(out: &mut String, indent: usize, map: &serde_json::Map<String, Value>) {
    for (key, value) in map {
        let _ = write!(out, "{:indent$}{}:", "", scalar(key));
        yaml_value(out, indent, value);
    }
}

/// A value after its key (or list dash) on the same line.
fn yaml_value(out: &mut String, indent: usize, value: &Value) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            yaml_map(out, indent + 2, map);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            for item in items {
                let _ = write!(out, "{:indent$}  -", "");
                match item {
                    Value::Object(map) if !map.is_empty() => {
                        // The first key on the dash's line, the rest under it.
                        let mut first = true;
                        for (key, value) in map {
                            if first {
                                let _ = write!(out, " {}:", scalar(key));
                                first = false;
                            } else {
                                let _ = write!(
                                    out,
                                    "{:width$}{}:",
                                    "",
                                    scalar(key),
                                    width = indent + 4
                                );
                            }
                            yaml_value(out, indent + 4, value);
                        }
                    }
                    other => yaml_value(out, indent + 2, other),
                }
            }
        }
        Value::Object(_) => out.push_str(" {}\n"),
        Value::Array(_) => out.push_str(" []\n"),
        Value::String(text) => {
            let _ = writeln!(out, " {}", scalar(text));
        }
        other => {
            let _ = writeln!(out, " {other}");
        }
    }
}

/// A string as a YAML scalar: plain where no YAML reader could take it for
/// anything else, double-quoted (JSON's escapes are YAML's) otherwise.
fn scalar(text: &str) -> String {
    const WORDS: &[&str] = &["true", "false", "yes", "no", "on", "off", "y", "n", "null"];
    let plain = text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
        && !text.ends_with(':')
        && !text.contains(": ")
        && !WORDS.contains(&text.to_ascii_lowercase().as_str());
    if plain {
        text.to_string()
    } else {
        serde_json::to_string(text).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_ids_are_camel_case_and_unique() {
        let mut taken = HashSet::new();
        assert_eq!(logical_id("orders", &mut taken), "OrdersTable");
        assert_eq!(
            logical_id("order-items.v2", &mut taken),
            "OrderItemsV2Table"
        );
        assert_eq!(logical_id("orders", &mut taken), "OrdersTable2");
        assert_eq!(logical_id("2fa_codes", &mut taken), "T2faCodesTable");
    }

    #[test]
    fn strings_are_quoted_where_yaml_would_read_them_otherwise() {
        assert_eq!(scalar("Full_orders"), "Full_orders");
        assert_eq!(scalar("N"), "\"N\"");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("123"), "\"123\"");
        assert_eq!(scalar("a b"), "\"a b\"");
        assert_eq!(scalar("#tag"), "\"#tag\"");
        assert_eq!(scalar("é"), "\"é\"");
    }
}
