//! DynamoDB JSON, the form DynamoDB's API and the AWS CLI speak: every value
//! an object with one key naming its type, `{"pk": {"S": "a"}}`, numbers as
//! strings, binary as base64.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value};

use super::number::checked_number;
use super::values::{
    attributes, binary_set, decode_base64, element_strings, encode_base64, list, map, number_set,
    string_set, too_deep,
};
use super::{Decoded, clip, json_kind, object};

/// The type keys of DynamoDB JSON.
const TYPE_NAMES: [&str; 10] = ["S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"];
const TYPE_LIST: &str = "`S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS` or `BS`";

/// Whether `name` is one of DynamoDB JSON's type keys (`S`, `N`, `M`, …).
pub fn is_type_name(name: &str) -> bool {
    TYPE_NAMES.contains(&name)
}

/// Whether an object has the shape of one DynamoDB JSON value: a single type key.
pub fn is_typed(object: &Map<String, Value>) -> bool {
    object.len() == 1 && object.keys().all(|name| is_type_name(name))
}

/// Reads one item of DynamoDB JSON, each value typed by its key. Problems go
/// to `problems`, and the attributes that have them are left out of the item.
pub fn decode_item(object: Map<String, Value>, problems: &mut Vec<String>) -> Decoded {
    attributes(object, problems, |path, value, problems| {
        typed_value(path, value, 0, problems)
    })
}

/// One DynamoDB JSON value: an object with exactly one type key.
fn typed_value(
    path: &mut String,
    value: Value,
    depth: usize,
    problems: &mut Vec<String>,
) -> Option<AttributeValue> {
    let object = match value {
        Value::Object(object) => object,
        other => {
            problems.push(format!(
                "attribute `{path}` must be a typed value like {{\"S\": \"text\"}}, found {}",
                json_kind(&other)
            ));
            return None;
        }
    };
    if object.len() != 1 {
        let keys: Vec<String> = object.keys().map(|k| format!("`{}`", clip(k))).collect();
        problems.push(match keys.len() {
            0 => format!(
                "attribute `{path}` is an empty object; a typed value has one key: {TYPE_LIST}"
            ),
            n => format!(
                "attribute `{path}` has {n} keys ({}); a typed value has exactly one: {TYPE_LIST}",
                keys.join(", ")
            ),
        });
        return None;
    }
    let (ty, inner) = object.into_iter().next()?;
    let wrong = |problems: &mut Vec<String>, expected: &str, found: &Value| {
        problems.push(format!(
            "attribute `{path}`: `{ty}` must hold {expected}, found {}",
            json_kind(found)
        ));
        None
    };
    match (ty.as_str(), inner) {
        ("S", Value::String(s)) => Some(AttributeValue::S(s)),
        ("S", other) => wrong(problems, "a string", &other),
        ("N", Value::String(text)) => checked_number(path, text, problems).map(AttributeValue::N),
        ("N", Value::Number(n)) => {
            problems.push(format!(
                "attribute `{path}`: `N` must hold the number as a string, like {{\"N\": \"{n}\"}}"
            ));
            None
        }
        ("N", other) => wrong(problems, "a string", &other),
        ("B", Value::String(text)) => {
            decode_base64(path, &text, problems).map(|bytes| AttributeValue::B(Blob::new(bytes)))
        }
        ("B", other) => wrong(problems, "a base64 string", &other),
        ("BOOL", Value::Bool(b)) => Some(AttributeValue::Bool(b)),
        ("BOOL", other) => wrong(problems, "`true` or `false`", &other),
        ("NULL", Value::Bool(true)) => Some(AttributeValue::Null(true)),
        ("NULL", other) => wrong(problems, "`true`", &other),
        ("M", Value::Object(object)) => {
            too_deep(path, depth, problems)?;
            map(path, object, problems, |path, v, problems| {
                typed_value(path, v, depth + 1, problems)
            })
            .map(AttributeValue::M)
        }
        ("M", other) => wrong(problems, "an object", &other),
        ("L", Value::Array(values)) => {
            too_deep(path, depth, problems)?;
            list(path, values, problems, |path, v, problems| {
                typed_value(path, v, depth + 1, problems)
            })
            .map(AttributeValue::L)
        }
        ("L", other) => wrong(problems, "an array", &other),
        ("SS" | "NS" | "BS", Value::Array(values)) => {
            let what = format!("`{ty}`");
            let strings = element_strings(path, &what, values, problems)?;
            match ty.as_str() {
                "SS" => string_set(path, strings, problems),
                "NS" => number_set(path, strings, problems),
                _ => binary_set(path, strings, problems),
            }
        }
        ("SS" | "NS" | "BS", other) => wrong(problems, "an array of strings", &other),
        (unknown, _) => {
            let upper = unknown.to_ascii_uppercase();
            let hint = match TYPE_NAMES.iter().find(|name| **name == upper) {
                Some(name) => format!("; did you mean `{name}`?"),
                None => format!("; expected {TYPE_LIST}"),
            };
            problems.push(format!(
                "attribute `{path}` has unknown type `{}`{hint}",
                clip(unknown)
            ));
            None
        }
    }
}

/// A value as DynamoDB JSON: tagged with its type, `{"N": "1"}`, map
/// entries in alphabetical order.
pub fn encode(value: &AttributeValue) -> Value {
    let tagged = |tag: &str, inner: Value| {
        let mut map = Map::new();
        map.insert(tag.to_string(), inner);
        Value::Object(map)
    };
    match value {
        AttributeValue::S(s) => tagged("S", Value::String(s.clone())),
        AttributeValue::N(n) => tagged("N", Value::String(n.clone())),
        AttributeValue::B(b) => tagged("B", Value::String(encode_base64(b.as_ref()))),
        AttributeValue::Bool(b) => tagged("BOOL", Value::Bool(*b)),
        AttributeValue::Null(_) => tagged("NULL", Value::Bool(true)),
        AttributeValue::L(list) => tagged("L", Value::Array(list.iter().map(encode).collect())),
        AttributeValue::M(map) => tagged("M", Value::Object(object(map, &[], encode))),
        AttributeValue::Ss(ss) => tagged("SS", ss.iter().cloned().map(Value::String).collect()),
        AttributeValue::Ns(ns) => tagged("NS", ns.iter().cloned().map(Value::String).collect()),
        AttributeValue::Bs(bs) => tagged(
            "BS",
            bs.iter()
                .map(|b| Value::String(encode_base64(b.as_ref())))
                .collect(),
        ),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::testing::{item, n, object, s};

    #[test]
    fn dynamodb_json_maps_every_type() {
        let mut problems = Vec::new();
        let decoded = decode_item(
            object(
                r#"{"pk": {"S": "a"}, "sk": {"S": "b"}, "n": {"N": "-1.50"}, "b": {"B": "aGk="}, "t": {"BOOL": true},
 "z": {"NULL": true}, "m": {"M": {"x": {"N": "1"}, "l": {"L": [{"S": "y"}, {"BOOL": false}]}}},
 "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2e3"]}, "bs": {"BS": ["AQ==", "AgM="]}}"#,
            ),
            &mut problems,
        );
        let expected = item(&[
            ("pk", s("a")),
            ("sk", s("b")),
            ("n", n("-1.50")),
            ("b", AttributeValue::B(Blob::new(b"hi".to_vec()))),
            ("t", AttributeValue::Bool(true)),
            ("z", AttributeValue::Null(true)),
            (
                "m",
                AttributeValue::M(item(&[
                    ("x", n("1")),
                    (
                        "l",
                        AttributeValue::L(vec![s("y"), AttributeValue::Bool(false)]),
                    ),
                ])),
            ),
            ("ss", AttributeValue::Ss(vec!["a".into(), "b".into()])),
            ("ns", AttributeValue::Ns(vec!["1".into(), "2e3".into()])),
            (
                "bs",
                AttributeValue::Bs(vec![Blob::new(vec![1]), Blob::new(vec![2, 3])]),
            ),
        ]);
        assert_eq!(decoded.item, expected);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn conversion_problems_name_the_attribute() {
        let lines = [
            r#"{"pk": "a"}"#,
            r#"{"pk": {"S": "a", "N": "1"}}"#,
            r#"{"sk": {"s": "3"}}"#,
            r#"{"n": {"N": 1}}"#,
            r#"{"n": {"N": "one"}}"#,
            r#"{"z": {"NULL": false}}"#,
            r#"{"ss": {"SS": []}}"#,
            r#"{"ns": {"NS": ["1", "1.0"]}}"#,
            r#"{"b": {"B": "%%"}}"#,
            r#"{"m": {"M": {"x": {"Q": 1}}}}"#,
            r#"{"e": {}}"#,
            r#"{"ns": {"NS": [1]}}"#,
        ];
        let mut problems = Vec::new();
        for line in lines {
            decode_item(object(line), &mut problems);
        }
        assert_eq!(
            problems,
            [
                "attribute `pk` must be a typed value like {\"S\": \"text\"}, found a string",
                "attribute `pk` has 2 keys (`S`, `N`); a typed value has exactly one: `S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS` or `BS`",
                "attribute `sk` has unknown type `s`; did you mean `S`?",
                "attribute `n`: `N` must hold the number as a string, like {\"N\": \"1\"}",
                "attribute `n`: `one` is not a number",
                "attribute `z`: `NULL` must hold `true`, found a boolean",
                "attribute `ss` is an empty set; DynamoDB does not store empty sets",
                "attribute `ns` holds `1.0` more than once; set elements must be unique",
                "attribute `b` is not valid base64: invalid symbol 37, offset 0",
                "attribute `m.x` has unknown type `Q`; expected `S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS` or `BS`",
                "attribute `e` is an empty object; a typed value has one key: `S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS` or `BS`",
                "attribute `ns`: element 0 of `NS` must be a string, found a number",
            ]
        );
    }

    #[test]
    fn a_typed_value_is_one_type_key() {
        assert!(is_typed(&object(r#"{"S": "a"}"#)));
        assert!(!is_typed(&object(r#"{"S": "a", "N": "1"}"#)));
        assert!(!is_typed(&object(r#"{"s": "a"}"#)));
        assert!(!is_typed(&object("{}")));
    }

    #[test]
    fn dynamodb_json_tags_every_value() {
        let value = AttributeValue::L(vec![
            AttributeValue::N("1".into()),
            AttributeValue::Ss(vec!["a".into()]),
            AttributeValue::Bool(true),
        ]);
        assert_eq!(
            encode(&value).to_string(),
            r#"{"L":[{"N":"1"},{"SS":["a"]},{"BOOL":true}]}"#
        );
    }
}
