//! Plain JSON, the form people write and read: strings, numbers (their
//! text as written), booleans, null, arrays and objects. Sets and binary
//! have no JSON type of their own: written, they are arrays and base64
//! strings; read, a seed names the attributes that hold them.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value};

use super::number::checked_number;
use super::values::{
    attributes, binary_set, decode_base64, element_strings, empty_set, encode_base64, list, map,
    number_set, string_set, too_deep,
};
use super::{Decoded, json_kind, object};

/// Which top-level attributes of plain JSON are sets or binary.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Attributes whose arrays are string or number sets (binary sets when
    /// also named in `binary`).
    pub sets: &'a [String],
    /// Attributes whose strings are base64 binary.
    pub binary: &'a [String],
}

/// Reads one item of plain JSON: strings become `S`, numbers `N` (their
/// text as written), booleans `BOOL`, null `NULL`, arrays `L` and objects
/// `M`, except for the attributes `options` names. Problems go to
/// `problems`, and the attributes that have them are left out of the item.
pub fn decode_item(
    object: Map<String, Value>,
    options: &Options,
    problems: &mut Vec<String>,
) -> Decoded {
    attributes(object, problems, |path, value, problems| {
        attribute(options, path, value, problems)
    })
}

fn attribute(
    options: &Options,
    path: &mut String,
    value: Value,
    problems: &mut Vec<String>,
) -> Option<AttributeValue> {
    let is_set = options.sets.contains(path);
    let is_binary = options.binary.contains(path);
    match (is_set, is_binary) {
        (true, _) => plain_set(path, value, is_binary, problems),
        (false, true) => match value {
            Value::String(text) => decode_base64(path, &text, problems)
                .map(|bytes| AttributeValue::B(Blob::new(bytes))),
            other => {
                problems.push(format!(
                    "attribute `{path}` is listed in `binary` but is {}, not a base64 string",
                    json_kind(&other)
                ));
                None
            }
        },
        (false, false) => plain_value(path, value, 0, problems),
    }
}

/// Converts one plain JSON value (as `--values` takes them) to an attribute
/// value, or says what is wrong with it.
pub fn decode(name: &str, value: Value) -> Result<AttributeValue, String> {
    let mut path = name.to_string();
    let mut problems = Vec::new();
    plain_value(&mut path, value, 0, &mut problems).ok_or_else(|| problems.join("; "))
}

fn plain_value(
    path: &mut String,
    value: Value,
    depth: usize,
    problems: &mut Vec<String>,
) -> Option<AttributeValue> {
    Some(match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(b),
        Value::Number(n) => AttributeValue::N(checked_number(path, n.to_string(), problems)?),
        Value::String(s) => AttributeValue::S(s),
        Value::Array(values) => {
            too_deep(path, depth, problems)?;
            AttributeValue::L(list(path, values, problems, |path, v, problems| {
                plain_value(path, v, depth + 1, problems)
            })?)
        }
        Value::Object(object) => {
            too_deep(path, depth, problems)?;
            AttributeValue::M(map(path, object, problems, |path, v, problems| {
                plain_value(path, v, depth + 1, problems)
            })?)
        }
    })
}

/// A plain JSON array named in `sets`: strings or numbers, or base64
/// strings when the attribute is also named in `binary`.
fn plain_set(
    path: &str,
    value: Value,
    binary: bool,
    problems: &mut Vec<String>,
) -> Option<AttributeValue> {
    let values = match value {
        Value::Array(values) => values,
        other => {
            problems.push(format!(
                "attribute `{path}` is listed in `sets` but is {}, not an array",
                json_kind(&other)
            ));
            return None;
        }
    };
    if values.is_empty() {
        problems.push(empty_set(path));
        return None;
    }
    if binary {
        let strings = element_strings(path, "`sets` and `binary`", values, problems)?;
        return binary_set(path, strings, problems);
    }
    if values.iter().all(Value::is_string) {
        let strings = element_strings(path, "`sets`", values, problems)?;
        return string_set(path, strings, problems);
    }
    if values.iter().all(Value::is_number) {
        let numbers = values.into_iter().map(|v| v.to_string()).collect();
        return number_set(path, numbers, problems);
    }
    let message = match values.iter().position(|v| !v.is_string() && !v.is_number()) {
        Some(index) => format!(
            "attribute `{path}` is listed in `sets` but element {index} is {}; \
             a set holds only strings or only numbers",
            values.get(index).map_or("missing", json_kind)
        ),
        None => format!(
            "attribute `{path}` is listed in `sets` but mixes strings and numbers; \
             a set holds only strings or only numbers"
        ),
    };
    problems.push(message);
    None
}

/// A number as JSON, keeping every digit DynamoDB stored (up to 38).
fn number(text: &str) -> Value {
    text.parse::<serde_json::Number>()
        .map_or_else(|_| Value::String(text.to_string()), Value::Number)
}

/// A value as plain JSON: numbers exact, sets as arrays, binary as base64,
/// map entries in alphabetical order.
pub fn encode(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::N(n) => number(n),
        AttributeValue::B(b) => Value::String(encode_base64(b.as_ref())),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::L(list) => Value::Array(list.iter().map(encode).collect()),
        AttributeValue::M(map) => Value::Object(object(map, &[], encode)),
        AttributeValue::Ss(ss) => Value::Array(ss.iter().cloned().map(Value::String).collect()),
        AttributeValue::Ns(ns) => Value::Array(ns.iter().map(|n| number(n)).collect()),
        AttributeValue::Bs(bs) => Value::Array(
            bs.iter()
                .map(|b| Value::String(encode_base64(b.as_ref())))
                .collect(),
        ),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use aws_sdk_dynamodb::primitives::Blob;

    use super::*;
    use crate::item::MAX_NESTING;
    use crate::item::testing::{item, n, object, s};

    /// The problems of each line, in order, read with `sets` and `binary`.
    fn problems(lines: &[&str], sets: &[&str], binary: &[&str]) -> Vec<String> {
        let sets: Vec<String> = sets.iter().map(|name| name.to_string()).collect();
        let binary: Vec<String> = binary.iter().map(|name| name.to_string()).collect();
        let options = Options {
            sets: &sets,
            binary: &binary,
        };
        let mut problems = Vec::new();
        for line in lines {
            decode_item(object(line), &options, &mut problems);
        }
        problems
    }

    #[test]
    fn plain_json_maps_every_type_and_keeps_numbers_exact() {
        let sets = ["tags".to_string(), "scores".into(), "blobs".into()];
        let binary = ["thumb".to_string(), "blobs".into()];
        let options = Options {
            sets: &sets,
            binary: &binary,
        };
        let mut problems = Vec::new();
        let decoded = decode_item(
            object(
                r#"{"pk": "a", "sk": "b", "str": "x", "int": 42, "neg": -7, "float": 3.250, "exp": 1.5E3, "big": 12345678901234567890123456789012345678, "tiny": -0.00000000000000000000000000000000000001, "yes": true, "no": false, "nothing": null, "list": [1, "two", [3]], "map": {"inner": {"deep": "v"}, "n": 1.0}, "tags": ["b", "a"], "scores": [1, 2.5], "thumb": "aGVsbG8=", "blobs": ["AQ==", "Ag=="], "not_a_set": ["x", "x"]}"#,
            ),
            &options,
            &mut problems,
        );
        let expected = item(&[
            ("pk", s("a")),
            ("sk", s("b")),
            ("str", s("x")),
            ("int", n("42")),
            ("neg", n("-7")),
            ("float", n("3.250")),
            ("exp", n("1.5e+3")),
            ("big", n("12345678901234567890123456789012345678")),
            ("tiny", n("-0.00000000000000000000000000000000000001")),
            ("yes", AttributeValue::Bool(true)),
            ("no", AttributeValue::Bool(false)),
            ("nothing", AttributeValue::Null(true)),
            (
                "list",
                AttributeValue::L(vec![n("1"), s("two"), AttributeValue::L(vec![n("3")])]),
            ),
            (
                "map",
                AttributeValue::M(item(&[
                    ("inner", AttributeValue::M(item(&[("deep", s("v"))]))),
                    ("n", n("1.0")),
                ])),
            ),
            ("tags", AttributeValue::Ss(vec!["b".into(), "a".into()])),
            ("scores", AttributeValue::Ns(vec!["1".into(), "2.5".into()])),
            ("thumb", AttributeValue::B(Blob::new(b"hello".to_vec()))),
            (
                "blobs",
                AttributeValue::Bs(vec![Blob::new(vec![1]), Blob::new(vec![2])]),
            ),
            ("not_a_set", AttributeValue::L(vec![s("x"), s("x")])),
        ]);
        assert_eq!(decoded.item, expected);
        assert!(decoded.broken.is_empty());
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn conversion_problems_name_the_attribute() {
        let lines = [
            r#"{"pk": "a", "tags": []}"#,
            r#"{"pk": "a", "tags": ["a", 1]}"#,
            r#"{"pk": "a", "tags": ["a", "a"]}"#,
            r#"{"pk": "a", "nums": [1, 1.0]}"#,
            r#"{"pk": "a", "tags": "x", "nums": [true]}"#,
            r#"{"pk": "a", "thumb": 5}"#,
            r#"{"pk": "a", "thumb": "!!!"}"#,
            r#"{"pk": "a", "m": {"l": [1, {"x": 1e-131}]}}"#,
            r#"{"pk": "a", "": 1}"#,
        ];
        assert_eq!(
            problems(&lines, &["tags", "nums"], &["thumb"]),
            [
                "attribute `tags` is an empty set; DynamoDB does not store empty sets",
                "attribute `tags` is listed in `sets` but mixes strings and numbers; a set holds only strings or only numbers",
                "attribute `tags` holds `a` more than once; set elements must be unique",
                "attribute `nums` holds `1.0` more than once; set elements must be unique",
                "attribute `tags` is listed in `sets` but is a string, not an array",
                "attribute `nums` is listed in `sets` but element 0 is a boolean; a set holds only strings or only numbers",
                "attribute `thumb` is listed in `binary` but is a number, not a base64 string",
                "attribute `thumb` is not valid base64: invalid symbol 33, offset 0",
                "attribute `m.l[1].x`: number `1e-131` is out of range; DynamoDB numbers other than 0 have a magnitude from 1e-130 to below 1e126",
                "an attribute has an empty name; attribute names need at least one character",
            ]
        );
        let mut problems = Vec::new();
        let decoded = decode_item(
            object(r#"{"pk": "a", "tags": [], "ok": 1}"#),
            &Options {
                sets: &["tags".to_string()],
                binary: &[],
            },
            &mut problems,
        );
        assert_eq!(decoded.item, item(&[("pk", s("a")), ("ok", n("1"))]));
        assert!(decoded.broken.contains("tags"));
    }

    #[test]
    fn lists_and_maps_nest_at_most_32_deep() {
        let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let fits = format!("{{\"deep\": {}}}", nested(MAX_NESTING));
        let too_deep = format!("{{\"deep\": {}}}", nested(MAX_NESTING + 1));
        assert!(problems(&[&fits], &[], &[]).is_empty());
        let path = format!("deep{}", "[0]".repeat(MAX_NESTING));
        assert_eq!(
            problems(&[&too_deep], &[], &[]),
            [format!(
                "attribute `{path}` nests lists and maps more than 32 levels deep; DynamoDB allows 32"
            )]
        );
    }

    #[test]
    fn one_value_converts_or_says_what_is_wrong() -> serde_json::Result<()> {
        assert_eq!(
            decode(":n", serde_json::from_str(r#"["a", {"b": null}]"#)?),
            Ok(AttributeValue::L(vec![
                s("a"),
                AttributeValue::M(item(&[("b", AttributeValue::Null(true))]))
            ]))
        );
        assert_eq!(
            decode(":n", serde_json::from_str("1e200")?),
            Err("attribute `:n`: number `1e+200` is out of range; DynamoDB numbers other than 0 have a magnitude from 1e-130 to below 1e126".to_string())
        );
        Ok(())
    }

    #[test]
    fn plain_json_keeps_38_digit_numbers_sets_and_binary() {
        let big = "12345678901234567890123456789012345678";
        let value = AttributeValue::M(HashMap::from([
            ("n".to_string(), AttributeValue::N(big.to_string())),
            (
                "ns".to_string(),
                AttributeValue::Ns(vec!["1".into(), "2.5".into()]),
            ),
            (
                "b".to_string(),
                AttributeValue::B(Blob::new(b"hi".to_vec())),
            ),
            ("none".to_string(), AttributeValue::Null(true)),
        ]));
        assert_eq!(
            encode(&value).to_string(),
            format!(r#"{{"b":"aGk=","n":{big},"none":null,"ns":[1,2.5]}}"#)
        );
    }
}
