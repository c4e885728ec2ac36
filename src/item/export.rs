//! The line form of a DynamoDB export to S3: each line wraps one item in
//! DynamoDB JSON as `{"Item": {...}}`. Read, a file an export wrote is seed
//! data as it is; written, a file of these lines is one an import from S3
//! takes.

use serde_json::{Map, Value};

use super::dynamodb_json::is_typed;
use super::{Item, JsonForm, to_json};

/// An item as an export line: `{"Item": {...}}` in DynamoDB JSON, the
/// attributes named in `keys` first.
pub fn line(item: &Item, keys: &[String]) -> Value {
    let mut line = Map::new();
    line.insert("Item".to_string(), to_json(item, keys, JsonForm::Typed));
    Value::Object(line)
}

/// The item inside an export line, or `object` itself when it is not one.
/// An item whose one attribute is named `Item` is told apart by its value:
/// a typed value (`{"Item": {"S": "x"}}`) is an attribute, not a wrapper.
pub fn unwrap(mut object: Map<String, Value>) -> Map<String, Value> {
    let wrapped = object.len() == 1
        && matches!(object.get("Item"), Some(Value::Object(inner)) if !is_typed(inner));
    if wrapped && let Some(Value::Object(inner)) = object.remove("Item") {
        return inner;
    }
    object
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::types::AttributeValue;

    use super::*;
    use crate::item::dynamodb_json;
    use crate::item::testing::{item, n, object, s};

    #[test]
    fn an_export_line_is_read_as_the_item_it_wraps() {
        let inner = object(r#"{"pk": {"S": "c"}, "sk": {"S": "d"}}"#);
        assert_eq!(
            unwrap(object(r#"{"Item": {"pk": {"S": "c"}, "sk": {"S": "d"}}}"#)),
            inner
        );
        // Not a wrapper: an attribute named `Item`, or `Item` beside others.
        for text in [
            r#"{"Item": {"S": "x"}}"#,
            r#"{"Item": {"pk": {"S": "c"}}, "pk": {"S": "c"}}"#,
            r#"{"pk": {"S": "c"}}"#,
        ] {
            assert_eq!(unwrap(object(text)), object(text), "{text}");
        }
    }

    #[test]
    fn an_item_written_as_an_export_line_reads_back_the_same() {
        let written = item(&[
            ("sk", n("1")),
            ("pk", s("a")),
            ("tags", AttributeValue::Ss(vec!["x".into()])),
        ]);
        let keys = ["pk".to_string(), "sk".to_string()];
        let text = line(&written, &keys).to_string();
        assert_eq!(
            text,
            r#"{"Item":{"pk":{"S":"a"},"sk":{"N":"1"},"tags":{"SS":["x"]}}}"#
        );
        let mut problems = Vec::new();
        let read = dynamodb_json::decode_item(unwrap(object(&text)), &mut problems);
        assert_eq!(read.item, written);
        assert!(problems.is_empty(), "{problems:?}");
    }
}
