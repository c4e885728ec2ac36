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
