//! A table's schema in a snapshot: written as `aws dynamodb describe-table`
//! prints it (`{"Table": {...}}`), so any tool that reads that output reads
//! it; read back for its key schema, which must match the manifest's for a
//! snapshot to load.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::dynamo::tables::TableState;
use crate::error::UsageError;
use crate::manifest::cloudformation::create_table_request;
use crate::manifest::{KeyAttribute, KeyType, TableSpec};

/// The `describe-table` form of a table as the endpoint has it.
pub fn describe(state: &TableState, arn: &str) -> Option<Value> {
    let spec = state.to_spec()?;
    let mut table = match create_table_request(&spec) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    table.insert("TableArn".into(), json!(arn));
    table.insert("TableStatus".into(), json!("ACTIVE"));
    if let Some(count) = state.item_count {
        table.insert("ItemCount".into(), json!(count));
    }
    if let Some(ttl) = &state.ttl {
        table.insert(
            "TimeToLiveDescription".into(),
            json!({"TimeToLiveStatus": "ENABLED", "AttributeName": ttl}),
        );
    }
    Some(json!({ "Table": table }))
}

/// The partition and sort key a schema file declares; `shown` names it in
/// messages.
pub fn keys(path: &Path, shown: &str) -> Result<(KeyAttribute, Option<KeyAttribute>), UsageError> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| UsageError(format!("{shown}: cannot read the table's schema: {err}")))?;
    let value: Value = serde_json::from_str(&text).map_err(|err| {
        UsageError(format!(
            "{shown}:{}: not `describe-table` output: {err}",
            err.line()
        ))
    })?;
    let table = value.get("Table").unwrap_or(&value);
    let types: Vec<(&str, &str)> = table
        .get("AttributeDefinitions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| {
            Some((
                d.get("AttributeName")?.as_str()?,
                d.get("AttributeType")?.as_str()?,
            ))
        })
        .collect();
    let key = |role: &str| -> Option<KeyAttribute> {
        let name = table
            .get("KeySchema")?
            .as_array()?
            .iter()
            .find(|k| k.get("KeyType").and_then(Value::as_str) == Some(role))?
            .get("AttributeName")?
            .as_str()?;
        let ty = types.iter().find(|(n, _)| *n == name)?.1;
        Some(KeyAttribute {
            name: name.to_string(),
            ty: KeyType::from_name(ty)?,
        })
    };
    let partition = key("HASH").ok_or_else(|| {
        UsageError(format!(
            "{shown}: no partition (HASH) key with its type in `KeySchema` and `AttributeDefinitions`"
        ))
    })?;
    Ok((partition, key("RANGE")))
}

/// How the snapshot's key schema differs from the manifest's table, if it
/// does: `partition key is `id` (S) in the snapshot, `pk` (S) in the manifest`.
pub fn key_difference(
    saved: &(KeyAttribute, Option<KeyAttribute>),
    table: &TableSpec,
) -> Option<String> {
    let show = |key: Option<&KeyAttribute>| match key {
        Some(key) => format!("`{}` ({})", key.name, key.ty),
        None => "none".to_string(),
    };
    let mut differences = Vec::new();
    if saved.0 != table.partition_key {
        differences.push(format!(
            "partition key is {} in the snapshot, {} in the manifest",
            show(Some(&saved.0)),
            show(Some(&table.partition_key))
        ));
    }
    if saved.1 != table.sort_key {
        differences.push(format!(
            "sort key is {} in the snapshot, {} in the manifest",
            show(saved.1.as_ref()),
            show(table.sort_key.as_ref())
        ));
    }
    (!differences.is_empty()).then(|| differences.join("; "))
}
