//! A DynamoDB item and DynamoDB's own rules for it, at the bottom of the
//! tree: seed files are read into items, `scan` and `query` write items out,
//! and nothing here knows where an item comes from or goes to.
//!
//! The parts: `number` (DynamoDB's numbers: precision, range and one
//! spelling per value), `size` (what an item weighs against the 400 KB
//! limit), and the JSON forms of an item: `plain` and `dynamodb_json`, which
//! build values by the rules in `values`, and `export`, the line an export
//! to S3 wraps each item in.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value};

pub mod dynamodb_json;
pub mod export;
pub mod number;
pub mod plain;
mod size;
#[cfg(test)]
pub(crate) mod testing;
mod values;

pub use size::item_size;

/// A DynamoDB item: attribute names to values.
pub type Item = HashMap<String, AttributeValue>;

/// The largest item DynamoDB stores, in bytes (400 KB), as [`item_size`] counts them.
pub const MAX_ITEM_SIZE: usize = 409_600;

/// How deep lists and maps may nest inside an item.
pub const MAX_NESTING: usize = 32;

/// The most significant digits a DynamoDB number keeps.
pub const MAX_NUMBER_DIGITS: usize = 38;

/// An item read from JSON as far as it could be.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub item: Item,
    /// Top-level attributes left out of `item` because of a problem.
    pub broken: HashSet<String>,
}

/// The attribute names of `item` in display order: the given key
/// attributes first, then the rest alphabetically.
fn ordered_names<'a>(item: &'a Item, keys: &'a [String]) -> Vec<&'a String> {
    let mut names: Vec<&String> = keys.iter().filter(|k| item.contains_key(*k)).collect();
    let mut rest: Vec<&String> = item.keys().filter(|k| !keys.contains(k)).collect();
    rest.sort();
    names.extend(rest);
    names
}

/// Attributes as a JSON object in display order, each value written by `encode`.
fn object(
    item: &Item,
    keys: &[String],
    encode: fn(&AttributeValue) -> Value,
) -> Map<String, Value> {
    ordered_names(item, keys)
        .into_iter()
        .map(|name| (name.clone(), encode(&item[name])))
        .collect()
}

/// The two JSON forms of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonForm {
    /// Plain JSON: numbers exact, sets as arrays, binary as base64.
    Plain,
    /// DynamoDB JSON: every value tagged with its type, `{"N": "1"}`.
    Typed,
}

/// An item as one JSON object in `form`, the attributes named in `keys`
/// first, then the rest alphabetically.
pub fn to_json(item: &Item, keys: &[String], form: JsonForm) -> Value {
    let encode = match form {
        JsonForm::Plain => plain::encode,
        JsonForm::Typed => dynamodb_json::encode,
    };
    Value::Object(object(item, keys, encode))
}

/// A JSON value's kind, with its article, for messages.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Long values cut to 60 characters for messages.
pub fn clip(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", text.get(..at).unwrap_or(text)),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::testing::item;

    #[test]
    fn key_attributes_come_first_then_the_rest_alphabetically() {
        let i = item(&[
            ("zeta", AttributeValue::S("z".into())),
            ("sk", AttributeValue::S("s".into())),
            ("alpha", AttributeValue::S("a".into())),
            ("pk", AttributeValue::S("p".into())),
        ]);
        let keys = ["pk".to_string(), "sk".to_string()];
        assert_eq!(
            to_json(&i, &keys, JsonForm::Plain).to_string(),
            r#"{"pk":"p","sk":"s","alpha":"a","zeta":"z"}"#
        );
    }
}
