//! Building attribute values from JSON by DynamoDB's rules, the same for
//! both JSON forms: how deep lists and maps nest, sets that are neither empty
//! nor repeat an element, binary as base64. Every problem becomes a message
//! naming the attribute's path (`m.l[1].x`), and conversion goes on so that
//! one pass finds them all.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};

use super::number::{Number, number_message};
use super::{Decoded, Item, MAX_NESTING, clip, json_kind};

/// Converts the attributes of one item with `convert`; problems go to
/// `problems`, and the attributes that have them are left out of the item.
pub(super) fn attributes(
    object: Map<String, Value>,
    problems: &mut Vec<String>,
    mut convert: impl FnMut(&mut String, Value, &mut Vec<String>) -> Option<AttributeValue>,
) -> Decoded {
    let mut item = Item::with_capacity(object.len());
    let mut broken = HashSet::new();
    for (name, value) in object {
        if name.is_empty() {
            problems.push(
                "an attribute has an empty name; attribute names need at least one character"
                    .to_string(),
            );
            continue;
        }
        let mut path = name.clone();
        match convert(&mut path, value, problems) {
            Some(value) => {
                item.insert(name, value);
            }
            None => {
                broken.insert(name);
            }
        }
    }
    Decoded { item, broken }
}

/// `Some(())` when a list or map at `depth` may hold more nesting.
pub(super) fn too_deep(path: &str, depth: usize, problems: &mut Vec<String>) -> Option<()> {
    if depth < MAX_NESTING {
        return Some(());
    }
    problems.push(format!(
        "attribute `{path}` nests lists and maps more than {MAX_NESTING} levels deep; \
         DynamoDB allows {MAX_NESTING}"
    ));
    None
}

/// Converts every element, so every problem is found; `None` if any had one.
pub(super) fn list(
    path: &mut String,
    values: Vec<Value>,
    problems: &mut Vec<String>,
    mut convert: impl FnMut(&mut String, Value, &mut Vec<String>) -> Option<AttributeValue>,
) -> Option<Vec<AttributeValue>> {
    let mut out = Vec::with_capacity(values.len());
    let mut ok = true;
    for (index, value) in values.into_iter().enumerate() {
        let length = path.len();
        path.push('[');
        path.push_str(&index.to_string());
        path.push(']');
        match convert(path, value, problems) {
            Some(value) => out.push(value),
            None => ok = false,
        }
        path.truncate(length);
    }
    ok.then_some(out)
}

/// Converts every entry, so every problem is found; `None` if any had one.
pub(super) fn map(
    path: &mut String,
    object: Map<String, Value>,
    problems: &mut Vec<String>,
    mut convert: impl FnMut(&mut String, Value, &mut Vec<String>) -> Option<AttributeValue>,
) -> Option<HashMap<String, AttributeValue>> {
    let mut out = HashMap::with_capacity(object.len());
    let mut ok = true;
    for (name, value) in object {
        let length = path.len();
        path.push('.');
        path.push_str(&name);
        match convert(path, value, problems) {
            Some(value) => {
                out.insert(name, value);
            }
            None => ok = false,
        }
        path.truncate(length);
    }
    ok.then_some(out)
}

pub(super) fn empty_set(path: &str) -> String {
    format!("attribute `{path}` is an empty set; DynamoDB does not store empty sets")
}

/// The elements of a set that must all be strings.
pub(super) fn element_strings(
    path: &str,
    what: &str,
    values: Vec<Value>,
    problems: &mut Vec<String>,
) -> Option<Vec<String>> {
    let mut strings = Vec::with_capacity(values.len());
    for (index, value) in values.into_iter().enumerate() {
        match value {
            Value::String(s) => strings.push(s),
            other => {
                problems.push(format!(
                    "attribute `{path}`: element {index} of {what} must be a string, found {}",
                    json_kind(&other)
                ));
                return None;
            }
        }
    }
    Some(strings)
}

pub(super) fn string_set(
    path: &str,
    strings: Vec<String>,
    problems: &mut Vec<String>,
) -> Option<AttributeValue> {
    if strings.is_empty() {
        problems.push(empty_set(path));
        return None;
    }
    if let Some(index) = first_repeat(strings.iter()) {
        problems.push(repeated(
            path,
            strings.get(index).map_or("", String::as_str),
        ));
        return None;
    }
    Some(AttributeValue::Ss(strings))
}

pub(super) fn number_set(
    path: &str,
    numbers: Vec<String>,
    problems: &mut Vec<String>,
) -> Option<AttributeValue> {
    if numbers.is_empty() {
        problems.push(empty_set(path));
        return None;
    }
    let mut canonical = Vec::with_capacity(numbers.len());
    for text in &numbers {
        match Number::parse(text) {
            Ok(number) => canonical.push(number.canonical()),
            Err(problem) => {
                problems.push(number_message(path, text, problem));
                return None;
            }
        }
    }
    if let Some(index) = first_repeat(canonical.iter()) {
        problems.push(repeated(
            path,
            numbers.get(index).map_or("", String::as_str),
        ));
        return None;
    }
    Some(AttributeValue::Ns(numbers))
}

pub(super) fn binary_set(
    path: &str,
    encoded: Vec<String>,
    problems: &mut Vec<String>,
) -> Option<AttributeValue> {
    if encoded.is_empty() {
        problems.push(empty_set(path));
        return None;
    }
    let mut blobs = Vec::with_capacity(encoded.len());
    for text in &encoded {
        blobs.push(decode_base64(path, text, problems)?);
    }
    if let Some(index) = first_repeat(blobs.iter()) {
        problems.push(repeated(
            path,
            encoded.get(index).map_or("", String::as_str),
        ));
        return None;
    }
    Some(AttributeValue::Bs(
        blobs.into_iter().map(Blob::new).collect(),
    ))
}

/// The index of the first element equal to an earlier one.
fn first_repeat<T: std::hash::Hash + Eq>(items: impl Iterator<Item = T>) -> Option<usize> {
    let mut seen = HashSet::new();
    items
        .enumerate()
        .find_map(|(index, item)| (!seen.insert(item)).then_some(index))
}

fn repeated(path: &str, element: &str) -> String {
    format!(
        "attribute `{path}` holds `{}` more than once; set elements must be unique",
        clip(element)
    )
}

pub(super) fn decode_base64(path: &str, text: &str, problems: &mut Vec<String>) -> Option<Vec<u8>> {
    match BASE64.decode(text) {
        Ok(bytes) => Some(bytes),
        Err(err) => {
            let reason = err.to_string();
            let reason = reason.trim_end_matches('.');
            let mut chars = reason.chars();
            let reason = match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => String::new(),
            };
            problems.push(format!("attribute `{path}` is not valid base64: {reason}"));
            None
        }
    }
}

/// Binary as text: standard base64, as DynamoDB JSON writes it.
pub(super) fn encode_base64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}
