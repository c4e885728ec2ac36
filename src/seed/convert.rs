//! Converting the JSON values of seed files, plain or DynamoDB JSON, to
//! DynamoDB attribute values, with a message for every value that does not fit.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};

use super::{TYPE_LIST, TYPE_NAMES, kind};
use crate::item::number::{Number, checked_number, number_message};
use crate::item::{Item, MAX_NESTING, clip};
use crate::manifest::{SeedFormat, SeedSpec};

/// An item converted as far as it could be.
pub(super) struct Converted {
    pub(super) item: Item,
    /// Top-level attributes left out of `item` because of a problem.
    pub(super) broken: HashSet<String>,
}

/// Converts one item; problems go to `problems`, and the attributes that
/// have them are left out of the item.
pub(super) fn convert_object(
    spec: &SeedSpec,
    object: Map<String, Value>,
    problems: &mut Vec<String>,
) -> Converted {
    let object = match spec.format {
        SeedFormat::Json => object,
        SeedFormat::DynamodbJson => unwrap_export(object),
    };
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
        let converted = match spec.format {
            SeedFormat::Json => plain_attribute(spec, &mut path, value, problems),
            SeedFormat::DynamodbJson => typed_value(&mut path, value, 0, problems),
        };
        match converted {
            Some(value) => {
                item.insert(name, value);
            }
            None => {
                broken.insert(name);
            }
        }
    }
    Converted { item, broken }
}

/// A line of a DynamoDB export to S3 wraps the item: `{"Item": {...}}`.
fn unwrap_export(mut object: Map<String, Value>) -> Map<String, Value> {
    let wrapped = object.len() == 1
        && matches!(object.get("Item"), Some(Value::Object(inner)) if !is_typed(inner));
    if wrapped && let Some(Value::Object(inner)) = object.remove("Item") {
        return inner;
    }
    object
}

/// Whether an object has the shape of a DynamoDB JSON value: one type key.
fn is_typed(object: &Map<String, Value>) -> bool {
    object.len() == 1 && object.keys().all(|k| TYPE_NAMES.contains(&k.as_str()))
}

fn plain_attribute(
    spec: &SeedSpec,
    path: &mut String,
    value: Value,
    problems: &mut Vec<String>,
) -> Option<AttributeValue> {
    let is_set = spec.sets.contains(path);
    let is_binary = spec.binary.contains(path);
    match (is_set, is_binary) {
        (true, _) => plain_set(path, value, is_binary, problems),
        (false, true) => match value {
            Value::String(text) => decode_base64(path, &text, problems)
                .map(|bytes| AttributeValue::B(Blob::new(bytes))),
            other => {
                problems.push(format!(
                    "attribute `{path}` is listed in `binary` but is {}, not a base64 string",
                    kind(&other)
                ));
                None
            }
        },
        (false, false) => plain_value(path, value, 0, problems),
    }
}

/// Converts one plain JSON value (as `--values` takes them) to an attribute
/// value, or says what is wrong with it.
pub fn from_plain_json(name: &str, value: Value) -> Result<AttributeValue, String> {
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

/// `Some(())` when a list or map at `depth` may hold more nesting.
fn too_deep(path: &str, depth: usize, problems: &mut Vec<String>) -> Option<()> {
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
fn list(
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
fn map(
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
                kind(&other)
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
            values.get(index).map_or("missing", kind)
        ),
        None => format!(
            "attribute `{path}` is listed in `sets` but mixes strings and numbers; \
             a set holds only strings or only numbers"
        ),
    };
    problems.push(message);
    None
}

fn empty_set(path: &str) -> String {
    format!("attribute `{path}` is an empty set; DynamoDB does not store empty sets")
}

/// The elements of a set that must all be strings.
fn element_strings(
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
                    kind(&other)
                ));
                return None;
            }
        }
    }
    Some(strings)
}

fn string_set(
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

fn number_set(
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

fn binary_set(
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

fn decode_base64(path: &str, text: &str, problems: &mut Vec<String>) -> Option<Vec<u8>> {
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
                kind(&other)
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
            kind(found)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::testing::*;

    #[test]
    fn plain_json_maps_every_type_and_keeps_numbers_exact() -> TestResult {
        let folder = Folder::new()?;
        let spec = folder.spec(
            "p.jsonl",
            r#"{"pk": "a", "sk": "b", "str": "x", "int": 42, "neg": -7, "float": 3.250, "exp": 1.5E3, "big": 12345678901234567890123456789012345678, "tiny": -0.00000000000000000000000000000000000001, "yes": true, "no": false, "nothing": null, "list": [1, "two", [3]], "map": {"inner": {"deep": "v"}, "n": 1.0}, "tags": ["b", "a"], "scores": [1, 2.5], "thumb": "aGVsbG8=", "blobs": ["AQ==", "Ag=="], "not_a_set": ["x", "x"]}"#,
            SeedFormat::Json,
            &["tags", "scores", "blobs"],
            &["thumb", "blobs"],
        )?;
        let read = items(&spec)?;
        let [only] = read.as_slice() else {
            panic!("expected one item, got {read:?}");
        };
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
        assert_eq!(only.item, expected);
        assert_eq!(only.line, 1);
        assert!(problems(&table(vec![spec])).is_empty());
        Ok(())
    }

    #[test]
    fn dynamodb_json_maps_every_type() -> TestResult {
        let folder = Folder::new()?;
        let spec = folder.typed(
            "t.json",
            r#"[
{"pk": {"S": "a"}, "sk": {"S": "b"}, "n": {"N": "-1.50"}, "b": {"B": "aGk="}, "t": {"BOOL": true},
 "z": {"NULL": true}, "m": {"M": {"x": {"N": "1"}, "l": {"L": [{"S": "y"}, {"BOOL": false}]}}},
 "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2e3"]}, "bs": {"BS": ["AQ==", "AgM="]}},
{"Item": {"pk": {"S": "c"}, "sk": {"S": "d"}}}
]"#,
        )?;
        let read = items(&spec)?;
        assert_eq!(lines(&read), [2, 5]);
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
        assert_eq!(read.first().map(|i| &i.item), Some(&expected));
        // A line of a DynamoDB export is read as the item it wraps.
        let exported = item(&[("pk", s("c")), ("sk", s("d"))]);
        assert_eq!(read.get(1).map(|i| &i.item), Some(&exported));
        assert!(problems(&table(vec![spec])).is_empty());
        Ok(())
    }

    #[test]
    fn conversion_problems_name_the_attribute() -> TestResult {
        let folder = Folder::new()?;
        let plain = folder.spec(
            "p.jsonl",
            &[
                r#"{"pk": "a", "sk": "1", "tags": []}"#,
                r#"{"pk": "a", "sk": "2", "tags": ["a", 1]}"#,
                r#"{"pk": "a", "sk": "3", "tags": ["a", "a"]}"#,
                r#"{"pk": "a", "sk": "4", "nums": [1, 1.0]}"#,
                r#"{"pk": "a", "sk": "5", "tags": "x", "nums": [true]}"#,
                r#"{"pk": "a", "sk": "6", "thumb": 5}"#,
                r#"{"pk": "a", "sk": "7", "thumb": "!!!"}"#,
                r#"{"pk": "a", "sk": "8", "m": {"l": [1, {"x": 1e-131}]}}"#,
                r#"{"pk": "a", "sk": "9", "": 1}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "10"}}"#,
            ]
            .join("\n"),
            SeedFormat::Json,
            &["tags", "nums"],
            &["thumb"],
        )?;
        assert_eq!(
            problems(&table(vec![plain])),
            [
                "seed/p.jsonl:1: attribute `tags` is an empty set; DynamoDB does not store empty sets",
                "seed/p.jsonl:2: attribute `tags` is listed in `sets` but mixes strings and numbers; a set holds only strings or only numbers",
                "seed/p.jsonl:3: attribute `tags` holds `a` more than once; set elements must be unique",
                "seed/p.jsonl:4: attribute `nums` holds `1.0` more than once; set elements must be unique",
                "seed/p.jsonl:5: attribute `tags` is listed in `sets` but is a string, not an array",
                "seed/p.jsonl:5: attribute `nums` is listed in `sets` but element 0 is a boolean; a set holds only strings or only numbers",
                "seed/p.jsonl:6: attribute `thumb` is listed in `binary` but is a number, not a base64 string",
                "seed/p.jsonl:7: attribute `thumb` is not valid base64: invalid symbol 33, offset 0",
                "seed/p.jsonl:8: attribute `m.l[1].x`: number `1e-131` is out of range; DynamoDB numbers other than 0 have a magnitude from 1e-130 to below 1e126",
                "seed/p.jsonl:9: an attribute has an empty name; attribute names need at least one character",
                "seed/p.jsonl:10: partition key `pk` must be S (string), found M (map); the file looks like DynamoDB JSON: give its seed entry `format = \"dynamodb-json\"`",
                "seed/p.jsonl:10: sort key `sk` must be S (string), found M (map); the file looks like DynamoDB JSON: give its seed entry `format = \"dynamodb-json\"`",
            ]
        );

        let typed = folder.typed(
            "t.jsonl",
            &[
                r#"{"pk": "a", "sk": {"S": "1"}}"#,
                r#"{"pk": {"S": "a", "N": "1"}, "sk": {"S": "2"}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"s": "3"}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "4"}, "n": {"N": 1}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "5"}, "n": {"N": "one"}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "6"}, "z": {"NULL": false}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "7"}, "ss": {"SS": []}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "8"}, "ns": {"NS": ["1", "1.0"]}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "9"}, "b": {"B": "%%"}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "10"}, "m": {"M": {"x": {"Q": 1}}}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "11"}, "e": {}}"#,
                r#"{"pk": {"S": "a"}, "sk": {"S": "12"}, "ns": {"NS": [1]}}"#,
            ]
            .join("\n"),
        )?;
        assert_eq!(
            problems(&table(vec![typed])),
            [
                "seed/t.jsonl:1: attribute `pk` must be a typed value like {\"S\": \"text\"}, found a string",
                "seed/t.jsonl:2: attribute `pk` has 2 keys (`S`, `N`); a typed value has exactly one: `S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS` or `BS`",
                "seed/t.jsonl:3: attribute `sk` has unknown type `s`; did you mean `S`?",
                "seed/t.jsonl:4: attribute `n`: `N` must hold the number as a string, like {\"N\": \"1\"}",
                "seed/t.jsonl:5: attribute `n`: `one` is not a number",
                "seed/t.jsonl:6: attribute `z`: `NULL` must hold `true`, found a boolean",
                "seed/t.jsonl:7: attribute `ss` is an empty set; DynamoDB does not store empty sets",
                "seed/t.jsonl:8: attribute `ns` holds `1.0` more than once; set elements must be unique",
                "seed/t.jsonl:9: attribute `b` is not valid base64: invalid symbol 37, offset 0",
                "seed/t.jsonl:10: attribute `m.x` has unknown type `Q`; expected `S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS` or `BS`",
                "seed/t.jsonl:11: attribute `e` is an empty object; a typed value has one key: `S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS` or `BS`",
                "seed/t.jsonl:12: attribute `ns`: element 0 of `NS` must be a string, found a number",
            ]
        );
        Ok(())
    }

    #[test]
    fn lists_and_maps_nest_at_most_32_deep() -> TestResult {
        let folder = Folder::new()?;
        let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let spec = folder.json(
            "n.jsonl",
            &format!(
                "{{\"pk\": \"a\", \"sk\": \"1\", \"deep\": {}}}\n{{\"pk\": \"a\", \"sk\": \"2\", \"deep\": {}}}\n",
                nested(MAX_NESTING),
                nested(MAX_NESTING + 1)
            ),
        )?;
        let found = problems(&table(vec![spec]));
        let path = format!("deep{}", "[0]".repeat(MAX_NESTING));
        assert_eq!(
            found,
            [format!(
                "seed/n.jsonl:2: attribute `{path}` nests lists and maps more than 32 levels deep; DynamoDB allows 32"
            )]
        );
        Ok(())
    }
}
