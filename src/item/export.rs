//! The line form of a DynamoDB export to S3: each line wraps one item in
//! DynamoDB JSON as `{"Item": {...}}`, so a file an export wrote reads as
//! seed data as it is.

use serde_json::{Map, Value};

use super::dynamodb_json::is_typed;

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
    use super::*;
    use crate::item::testing::object;

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
}
