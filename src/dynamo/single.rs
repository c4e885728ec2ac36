//! One item by hand, for `put`, `get` and `delete`: an item read from plain
//! JSON or DynamoDB JSON, a key read from the command line against the
//! table's key schema, both checked before any request, and the three
//! requests themselves.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use serde_json::{Map, Value};

use super::client::describe_error;
use super::read::typed;
use crate::error::UsageError;
use crate::item::{Item, MAX_ITEM_SIZE, dynamodb_json, export, item_size, json_kind, plain};
use crate::manifest::{KeyAttribute, KeyType};

/// A table's primary key: its partition key and sort key, if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySchema {
    pub partition: KeyAttribute,
    pub sort: Option<KeyAttribute>,
}

impl KeySchema {
    /// The key attributes in order, partition key first.
    pub fn attributes(&self) -> impl Iterator<Item = &KeyAttribute> {
        std::iter::once(&self.partition).chain(&self.sort)
    }

    /// Their names, partition key first, for the order of printed items.
    pub fn names(&self) -> Vec<String> {
        self.attributes().map(|k| k.name.clone()).collect()
    }

    /// `pk=`a`, sk=1`: the key of `item` for messages.
    pub fn describe(&self, item: &Item) -> String {
        let parts: Vec<String> = self
            .attributes()
            .map(|k| match item.get(&k.name) {
                Some(value) => format!("{}=`{}`", k.name, super::items::cell(value)),
                None => format!("{}=?", k.name),
            })
            .collect();
        parts.join(", ")
    }
}

/// The key schema of a table found by [`super::read::source`].
pub fn schema_of(source: &super::read::Source) -> anyhow::Result<KeySchema> {
    let Some(partition) = source.state.partition_key.clone() else {
        anyhow::bail!("cannot tell the partition key of `{}`", source.state.name);
    };
    Ok(KeySchema {
        partition,
        sort: source.state.sort_key.clone(),
    })
}

/// Reads the items of `text`: one JSON object, or several (JSON Lines, or
/// objects one after another), or a JSON array of them. Each is plain JSON
/// (typed as a plain JSON seed is) or DynamoDB JSON, told apart by whether
/// every value is a typed value like `{"S": "a"}`; a DynamoDB export line
/// (`{"Item": {...}}`) is read as the item inside. `what` names the input
/// in messages (`the item`, `stdin`).
pub fn parse_items(text: &str, what: &str) -> Result<Vec<Item>, UsageError> {
    let mut values = Vec::new();
    for value in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        let value = value.map_err(|err| UsageError(format!("{what} is not valid JSON: {err}")))?;
        match value {
            Value::Array(elements) => values.extend(elements),
            other => values.push(other),
        }
    }
    if values.is_empty() {
        return Err(UsageError(format!("{what} holds no item")));
    }
    let several = values.len() > 1;
    values
        .into_iter()
        .enumerate()
        .map(|(at, value)| {
            let named = if several {
                format!("item {} of {what}", at + 1)
            } else {
                what.to_string()
            };
            parse_item(value, &named)
        })
        .collect()
}

/// One item of plain JSON or DynamoDB JSON, with DynamoDB's rules for
/// numbers, nesting and size checked.
fn parse_item(value: Value, what: &str) -> Result<Item, UsageError> {
    let Value::Object(object) = value else {
        return Err(UsageError(format!(
            "{what} is {}, not a JSON object",
            json_kind(&value)
        )));
    };
    let object = export::unwrap(object);
    let mut problems = Vec::new();
    let decoded = if is_dynamodb_json(&object) {
        dynamodb_json::decode_item(object, &mut problems)
    } else {
        plain::decode_item(object, &plain::Options::default(), &mut problems)
    };
    if !problems.is_empty() {
        return Err(UsageError(format!("{what}: {}", problems.join("; "))));
    }
    let size = item_size(&decoded.item);
    if size > MAX_ITEM_SIZE {
        return Err(UsageError(format!(
            "{what} is {size} bytes; DynamoDB allows at most {MAX_ITEM_SIZE} bytes (400 KB)"
        )));
    }
    Ok(decoded.item)
}

/// Whether an object is DynamoDB JSON: not empty, every value typed.
fn is_dynamodb_json(object: &Map<String, Value>) -> bool {
    !object.is_empty()
        && object
            .values()
            .all(|v| matches!(v, Value::Object(inner) if dynamodb_json::is_typed(inner)))
}

/// Checks that `item` has the table's key attributes, of their types and
/// not empty; the message names the attribute.
pub fn check_key(schema: &KeySchema, item: &Item, table: &str) -> Result<(), UsageError> {
    for (key, what) in std::iter::once((&schema.partition, "partition key"))
        .chain(schema.sort.iter().map(|k| (k, "sort key")))
    {
        let problem = match (key.ty, item.get(&key.name)) {
            (_, None) => Some(format!(
                "missing {what} `{}` (type {}) of table `{table}`",
                key.name, key.ty
            )),
            (KeyType::S, Some(AttributeValue::S(s))) if s.is_empty() => {
                Some(format!("{what} `{}` is an empty string", key.name))
            }
            (KeyType::B, Some(AttributeValue::B(b))) if b.as_ref().is_empty() => {
                Some(format!("{what} `{}` is empty binary", key.name))
            }
            (KeyType::S, Some(AttributeValue::S(_)))
            | (KeyType::N, Some(AttributeValue::N(_)))
            | (KeyType::B, Some(AttributeValue::B(_))) => None,
            (ty, Some(found)) => Some(format!(
                "{what} `{}` of table `{table}` must be {ty}, found {}",
                key.name,
                type_of(found)
            )),
        };
        if let Some(problem) = problem {
            return Err(UsageError(problem));
        }
    }
    Ok(())
}

fn type_of(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "S (a string)",
        AttributeValue::N(_) => "N (a number)",
        AttributeValue::B(_) => "B (binary)",
        AttributeValue::Bool(_) => "BOOL (a boolean)",
        AttributeValue::Null(_) => "NULL",
        AttributeValue::M(_) => "M (a map)",
        AttributeValue::L(_) => "L (a list)",
        AttributeValue::Ss(_) => "SS (a string set)",
        AttributeValue::Ns(_) => "NS (a number set)",
        AttributeValue::Bs(_) => "BS (a binary set)",
        _ => "an unknown type",
    }
}

/// Reads a key from the command line: values in key order (`a 1`), or
/// `name=value` for each key attribute (`pk=a sk=1`), typed by the key
/// schema (numbers checked by DynamoDB's rules, binary as base64); or
/// `json`, an object of plain JSON or DynamoDB JSON (`--key`).
pub fn parse_key(
    schema: &KeySchema,
    values: &[String],
    json: Option<&str>,
    table: &str,
) -> Result<Item, UsageError> {
    let key = match json {
        Some(text) => {
            if !values.is_empty() {
                return Err(UsageError(
                    "give the key either as values or with `--key`, not both".to_string(),
                ));
            }
            let value: Value = serde_json::from_str(text)
                .map_err(|err| UsageError(format!("`--key` is not valid JSON: {err}")))?;
            let key = parse_item(value, "`--key`")?;
            if let Some(extra) = key
                .keys()
                .find(|name| schema.attributes().all(|k| &k.name != *name))
            {
                return Err(UsageError(format!(
                    "`--key` has attribute `{extra}`, which is no key attribute of table `{table}`; its key is {}",
                    listed(schema)
                )));
            }
            key
        }
        None => from_values(schema, values, table)?,
    };
    check_key(schema, &key, table)?;
    Ok(key)
}

fn from_values(schema: &KeySchema, values: &[String], table: &str) -> Result<Item, UsageError> {
    let keys: Vec<&KeyAttribute> = schema.attributes().collect();
    let mut given: Vec<Option<&str>> = vec![None; keys.len()];
    let mut positional = Vec::new();
    for value in values {
        let named = value.split_once('=').and_then(|(name, text)| {
            keys.iter()
                .position(|k| k.name == name)
                .map(|at| (at, text))
        });
        match named {
            Some((at, text)) => {
                let slot = given
                    .get_mut(at)
                    .ok_or_else(|| UsageError("bad key".into()))?;
                if slot.is_some() {
                    return Err(UsageError(format!(
                        "key attribute `{}` is given twice",
                        keys.get(at).map_or("", |k| k.name.as_str())
                    )));
                }
                *slot = Some(text);
            }
            None => positional.push(value.as_str()),
        }
    }
    let mut positional = positional.into_iter();
    for slot in given.iter_mut().filter(|slot| slot.is_none()) {
        *slot = positional.next();
    }
    if let Some(extra) = positional.next() {
        return Err(UsageError(format!(
            "`{extra}` is one value too many: table `{table}` has the key {}",
            listed(schema)
        )));
    }
    let mut key = Item::new();
    for (attribute, text) in keys.iter().zip(given) {
        let Some(text) = text else {
            let what = if attribute.name == schema.partition.name {
                "partition key"
            } else {
                "sort key"
            };
            return Err(UsageError(format!(
                "missing {what} `{}` (type {}) of table `{table}`; give it as `{}=VALUE` or as value {} in key order",
                attribute.name,
                attribute.ty,
                attribute.name,
                keys.iter()
                    .position(|k| k.name == attribute.name)
                    .map_or(1, |at| at + 1)
            )));
        };
        key.insert(attribute.name.clone(), typed(attribute, text)?);
    }
    Ok(key)
}

/// `` `pk` (S), `sk` (N) ``.
fn listed(schema: &KeySchema) -> String {
    let parts: Vec<String> = schema
        .attributes()
        .map(|k| format!("`{}` ({})", k.name, k.ty))
        .collect();
    parts.join(", ")
}

/// Writes `item` to `table`, replacing any item with its key.
pub async fn put(client: &Client, table: &str, item: Item) -> anyhow::Result<()> {
    client
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .send()
        .await
        .map_err(|err| anyhow::anyhow!("PutItem `{table}`: {}", describe_error(&err)))?;
    Ok(())
}

/// The item with `key` in `table`, read consistently; `None` when there is none.
pub async fn get(client: &Client, table: &str, key: Item) -> anyhow::Result<Option<Item>> {
    let output = client
        .get_item()
        .table_name(table)
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .map_err(|err| anyhow::anyhow!("GetItem `{table}`: {}", describe_error(&err)))?;
    Ok(output.item)
}

/// Deletes the item with `key` from `table`; returns it, or `None` when
/// there was none.
pub async fn delete(client: &Client, table: &str, key: Item) -> anyhow::Result<Option<Item>> {
    let output = client
        .delete_item()
        .table_name(table)
        .set_key(Some(key))
        .return_values(ReturnValue::AllOld)
        .send()
        .await
        .map_err(|err| anyhow::anyhow!("DeleteItem `{table}`: {}", describe_error(&err)))?;
    Ok(output.attributes.filter(|old| !old.is_empty()))
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::primitives::Blob;

    use super::*;
    use crate::item::testing::{item, n, s};

    fn schema(sort: Option<KeyType>) -> KeySchema {
        KeySchema {
            partition: KeyAttribute {
                name: "pk".into(),
                ty: KeyType::S,
            },
            sort: sort.map(|ty| KeyAttribute {
                name: "sk".into(),
                ty,
            }),
        }
    }

    fn key(schema: &KeySchema, values: &[&str], json: Option<&str>) -> Result<Item, String> {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        parse_key(schema, &values, json, "orders").map_err(|e| e.0)
    }

    #[test]
    fn keys_come_in_order_by_name_or_as_json() {
        let both = schema(Some(KeyType::N));
        let want = Ok(item(&[("pk", s("a")), ("sk", n("1"))]));
        assert_eq!(key(&both, &["a", "1"], None), want);
        assert_eq!(key(&both, &["sk=1", "pk=a"], None), want);
        assert_eq!(key(&both, &["sk=1", "a"], None), want);
        assert_eq!(key(&both, &[], Some(r#"{"pk": "a", "sk": 1}"#)), want);
        assert_eq!(
            key(&both, &[], Some(r#"{"pk": {"S": "a"}, "sk": {"N": "1"}}"#)),
            want
        );
        // A value with `=` in it whose left side names no key is a value.
        let one = schema(None);
        assert_eq!(key(&one, &["a=b"], None), Ok(item(&[("pk", s("a=b"))])));
        let binary = schema(Some(KeyType::B));
        assert_eq!(
            key(&binary, &["a", "aGk="], None),
            Ok(item(&[
                ("pk", s("a")),
                ("sk", AttributeValue::B(Blob::new(b"hi".to_vec())))
            ]))
        );
    }

    #[test]
    fn a_key_that_does_not_fit_the_table_names_the_attribute() {
        let both = schema(Some(KeyType::N));
        assert_eq!(
            key(&both, &["a"], None),
            Err("missing sort key `sk` (type N) of table `orders`; give it as `sk=VALUE` or as value 2 in key order".into())
        );
        assert_eq!(
            key(&both, &["a", "ten"], None),
            Err("`sk` is a number key, and `ten` is not a number".into())
        );
        assert_eq!(
            key(&both, &["a", "1", "2"], None),
            Err("`2` is one value too many: table `orders` has the key `pk` (S), `sk` (N)".into())
        );
        assert_eq!(
            key(&both, &["pk=a", "pk=b"], None),
            Err("key attribute `pk` is given twice".into())
        );
        assert_eq!(
            key(&both, &[], Some(r#"{"pk": "a", "sk": 1, "x": 2}"#)),
            Err("`--key` has attribute `x`, which is no key attribute of table `orders`; its key is `pk` (S), `sk` (N)".into())
        );
        assert_eq!(
            key(&both, &[], Some(r#"{"pk": "a", "sk": "1"}"#)),
            Err("sort key `sk` of table `orders` must be N, found S (a string)".into())
        );
        assert_eq!(
            key(&both, &["", "1"], None),
            Err("partition key `pk` is an empty string".into())
        );
    }

    #[test]
    fn items_are_plain_json_or_dynamodb_json_one_or_many() {
        let plain = parse_items(r#"{"pk": "a", "n": 1, "tags": ["x"]}"#, "the item");
        assert_eq!(
            plain.map_err(|e| e.0),
            Ok(vec![item(&[
                ("pk", s("a")),
                ("n", n("1")),
                ("tags", AttributeValue::L(vec![s("x")]))
            ])])
        );
        let typed = parse_items(
            "{\"pk\": {\"S\": \"a\"}}\n{\"Item\": {\"pk\": {\"S\": \"b\"}}}\n",
            "stdin",
        );
        assert_eq!(
            typed.map_err(|e| e.0),
            Ok(vec![item(&[("pk", s("a"))]), item(&[("pk", s("b"))])])
        );
        let array = parse_items(r#"[{"pk": "a"}, {"pk": "b"}]"#, "stdin").map_err(|e| e.0);
        assert_eq!(array.map(|items| items.len()), Ok(2));
        let problem = |text: &str| parse_items(text, "stdin").err().map(|e| e.0);
        assert_eq!(problem(""), Some("stdin holds no item".into()));
        assert_eq!(
            problem("[1]"),
            Some("stdin is a number, not a JSON object".into())
        );
        assert_eq!(
            problem(r#"{"pk": "a", "n": 1e999}"#),
            Some("stdin: attribute `n`: number `1e+999` is out of range; DynamoDB numbers other than 0 have a magnitude from 1e-130 to below 1e126".into())
        );
        assert!(problem("{\"pk\": ").is_some_and(|m| m.starts_with("stdin is not valid JSON")));
    }

    #[test]
    fn an_item_without_its_key_is_refused() {
        let both = schema(Some(KeyType::N));
        let item = item(&[("pk", s("a"))]);
        assert_eq!(
            check_key(&both, &item, "orders").map_err(|e| e.0),
            Err("missing sort key `sk` (type N) of table `orders`".into())
        );
        assert_eq!(both.describe(&item), "pk=`a`, sk=?");
    }
}
