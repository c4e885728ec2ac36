//! Short ways to write items in tests, here and in the modules that use items.

use aws_sdk_dynamodb::types::AttributeValue;

use super::Item;

pub(crate) fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_string())
}

pub(crate) fn n(text: &str) -> AttributeValue {
    AttributeValue::N(text.to_string())
}

pub(crate) fn item(attributes: &[(&str, AttributeValue)]) -> Item {
    attributes
        .iter()
        .map(|(name, value)| (name.to_string(), value.clone()))
        .collect()
}

/// Parses one JSON object, as a line of a file holds it.
pub(crate) fn object(text: &str) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(object)) => object,
        other => panic!("not a JSON object: {text} ({other:?})"),
    }
}
