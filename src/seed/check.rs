//! Checking items against the table: key attributes of the table and its
//! indexes, the item size limit, and primary keys that appear more than once.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hasher};

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;

use super::convert::convert_object;
use super::read::read_items;
use super::{
    MAX_KEPT_PROBLEMS, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, SeedProblem, SeedSummary,
    key_type_name, not_an_object, thousands, type_name,
};
use crate::item::dynamodb_json::is_type_name;
use crate::item::number::Number;
use crate::item::{Item, MAX_ITEM_SIZE, clip, item_size};
use crate::manifest::{KeyAttribute, KeyType, SeedSpec, TableSpec};

/// A key attribute of the table or of one of its indexes.
struct KeyRule {
    attribute: KeyAttribute,
    /// How messages name it, e.g. "partition key `pk`".
    named: String,
    /// Table keys are required; index keys may be left out (sparse indexes).
    required: bool,
    max_bytes: usize,
}

impl KeyRule {
    /// The rules of a table, one per attribute: table keys first, then index keys.
    fn of(table: &TableSpec) -> Vec<KeyRule> {
        let mut rules: Vec<KeyRule> = Vec::new();
        // An attribute that is a key in several places gets the strictest
        // rule of them all: required if any requires it, the smallest size.
        let mut add = |attribute: &KeyAttribute, named: String, required, max_bytes| match rules
            .iter_mut()
            .find(|rule| rule.attribute.name == attribute.name)
        {
            Some(rule) => {
                rule.required |= required;
                rule.max_bytes = rule.max_bytes.min(max_bytes);
            }
            None => rules.push(KeyRule {
                attribute: attribute.clone(),
                named,
                required,
                max_bytes,
            }),
        };
        let pk = &table.partition_key;
        add(
            pk,
            format!("partition key `{}`", pk.name),
            true,
            MAX_PARTITION_KEY_BYTES,
        );
        if let Some(sk) = &table.sort_key {
            add(
                sk,
                format!("sort key `{}`", sk.name),
                true,
                MAX_SORT_KEY_BYTES,
            );
        }
        let indexes = table
            .global_indexes
            .iter()
            .map(|index| ("global", index))
            .chain(table.local_indexes.iter().map(|index| ("local", index)));
        for (scope, index) in indexes {
            let keys = [
                (Some(&index.partition_key), MAX_PARTITION_KEY_BYTES),
                (index.sort_key.as_ref(), MAX_SORT_KEY_BYTES),
            ];
            for (key, max_bytes) in keys {
                if let Some(key) = key {
                    let named = format!("key `{}` of {scope} index `{}`", key.name, index.name);
                    add(key, named, false, max_bytes);
                }
            }
        }
        rules
    }

    /// Checks a present value's type, emptiness and length.
    fn check(&self, value: &AttributeValue) -> Result<(), String> {
        let named = &self.named;
        let length = match (self.attribute.ty, value) {
            (KeyType::S, AttributeValue::S(s)) => s.len(),
            (KeyType::B, AttributeValue::B(b)) => b.as_ref().len(),
            (KeyType::N, AttributeValue::N(_)) => return Ok(()),
            (expected, found) => {
                let hint = if looks_typed(found) {
                    "; the file looks like DynamoDB JSON: give its seed entry \
                     `format = \"dynamodb-json\"`"
                } else {
                    ""
                };
                return Err(format!(
                    "{named} must be {}, found {}{hint}",
                    key_type_name(expected),
                    type_name(found)
                ));
            }
        };
        if length == 0 {
            let what = match self.attribute.ty {
                KeyType::B => "empty binary",
                _ => "an empty string",
            };
            return Err(if self.required {
                format!("{named} is {what}; key values cannot be empty")
            } else {
                format!(
                    "{named} is {what}; index key values cannot be empty \
                     (leave the attribute out to keep the item out of the index)"
                )
            });
        }
        if length > self.max_bytes {
            return Err(format!(
                "{named} is {length} bytes; DynamoDB allows at most {}",
                self.max_bytes
            ));
        }
        Ok(())
    }
}

/// A map converted from plain JSON that holds a DynamoDB JSON value.
fn looks_typed(value: &AttributeValue) -> bool {
    match value {
        AttributeValue::M(map) => map.len() == 1 && map.keys().all(|k| is_type_name(k)),
        _ => false,
    }
}

/// Where the item that first had a key hash is: its file's index in the
/// top 24 bits, its position among that file's values in the low 40. Eight
/// bytes per key keeps huge tables affordable; its line is found by reading
/// the item again when a duplicate needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen(u64);

impl Seen {
    const ORDINAL_BITS: u32 = 40;

    fn new(file: usize, ordinal: u64) -> Option<Seen> {
        let file = u64::try_from(file)
            .ok()
            .filter(|&file| file < 1 << (64 - Seen::ORDINAL_BITS))?;
        (ordinal < 1 << Seen::ORDINAL_BITS).then_some(Seen(file << Seen::ORDINAL_BITS | ordinal))
    }

    fn file(self) -> usize {
        (self.0 >> Seen::ORDINAL_BITS) as usize
    }

    fn ordinal(self) -> u64 {
        self.0 & ((1 << Seen::ORDINAL_BITS) - 1)
    }
}

/// An item whose key hash was seen before: a duplicate, unless the hashes
/// of two different keys met.
struct Candidate {
    first: Seen,
    file: usize,
    line: usize,
    key: Vec<u8>,
    shown: String,
}

#[derive(Default)]
pub(super) struct Problems {
    /// With the index of their file, for sorting.
    pub(super) kept: Vec<(usize, SeedProblem)>,
    pub(super) omitted: usize,
}

impl Problems {
    pub(super) fn push(&mut self, file: usize, problem: SeedProblem) {
        if self.kept.len() < MAX_KEPT_PROBLEMS {
            self.kept.push((file, problem));
        } else {
            self.omitted += 1;
        }
    }
}

pub(super) struct Checker<'t> {
    table: &'t TableSpec,
    rules: Vec<KeyRule>,
    pub(super) problems: Problems,
    /// Key hash to the item that had it first.
    seen: HashMap<u64, Seen>,
    candidates: Vec<Candidate>,
    pub(super) summary: SeedSummary,
}

impl<'t> Checker<'t> {
    pub(super) fn new(table: &'t TableSpec) -> Checker<'t> {
        Checker {
            table,
            rules: KeyRule::of(table),
            problems: Problems::default(),
            seen: HashMap::new(),
            candidates: Vec::new(),
            summary: SeedSummary::default(),
        }
    }

    pub(super) fn check(
        &mut self,
        file: usize,
        spec: &SeedSpec,
        ordinal: u64,
        line: usize,
        value: Value,
    ) {
        self.summary.items += 1;
        let object = match value {
            Value::Object(object) => object,
            other => {
                let problem = SeedProblem::new(spec, line, not_an_object(&other));
                self.problems.push(file, problem);
                return;
            }
        };
        let mut messages = Vec::new();
        let converted = convert_object(spec, object, &mut messages);
        let mut keys_ok = true;
        for rule in &self.rules {
            let name = &rule.attribute.name;
            if converted.broken.contains(name) {
                keys_ok &= !rule.required;
                continue;
            }
            let result = match converted.item.get(name) {
                Some(value) => rule.check(value),
                None if rule.required => Err(format!(
                    "missing {} (type {})",
                    rule.named, rule.attribute.ty
                )),
                None => Ok(()),
            };
            if let Err(message) = result {
                messages.push(message);
                keys_ok &= !rule.required;
            }
        }
        let size = item_size(&converted.item);
        if size > MAX_ITEM_SIZE {
            messages.push(format!(
                "item is {} bytes; DynamoDB allows at most {} bytes (400 KB)",
                thousands(size),
                thousands(MAX_ITEM_SIZE)
            ));
        }
        if keys_ok
            && let Some(key) = primary_key(self.table, &converted.item)
            && let Some(seen) = Seen::new(file, ordinal)
        {
            match self.seen.entry(hash(&key)) {
                Entry::Vacant(entry) => {
                    entry.insert(seen);
                }
                Entry::Occupied(entry) => self.candidates.push(Candidate {
                    first: *entry.get(),
                    file,
                    line,
                    key,
                    shown: show_key(self.table, &converted.item),
                }),
            }
        }
        for message in messages {
            self.problems
                .push(file, SeedProblem::new(spec, line, message));
        }
    }

    /// Reads the first item of every candidate pair again and reports the
    /// pairs whose keys really are equal.
    pub(super) fn confirm_duplicates(&mut self) {
        let candidates = std::mem::take(&mut self.candidates);
        let mut wanted: BTreeMap<usize, HashMap<u64, Vec<usize>>> = BTreeMap::new();
        for (index, candidate) in candidates.iter().enumerate() {
            wanted
                .entry(candidate.first.file())
                .or_default()
                .entry(candidate.first.ordinal())
                .or_default()
                .push(index);
        }
        let mut confirmed = Vec::new();
        for (file, ordinals) in wanted {
            let Some(spec) = self.table.seeds.get(file) else {
                continue;
            };
            let last = ordinals.keys().copied().max().unwrap_or_default();
            // Ordinal to the item's line and key.
            let mut keys: HashMap<u64, (usize, Vec<u8>)> = HashMap::new();
            let mut ordinal = 0u64;
            // Stops after the last wanted item; an error past the items
            // already seen in the first pass changes nothing.
            // Invalid JSON, already reported, is read past as the first
            // pass did, so the ordinals match.
            let _ = read_items(self.table, spec, &mut |_| Ok(()), |line, value| {
                if ordinals.contains_key(&ordinal)
                    && let Value::Object(object) = value
                {
                    let converted = convert_object(spec, object, &mut Vec::new());
                    if let Some(key) = primary_key(self.table, &converted.item) {
                        keys.insert(ordinal, (line, key));
                    }
                }
                ordinal += 1;
                if ordinal > last {
                    anyhow::bail!("done");
                }
                Ok(())
            });
            for (ordinal, indexes) in ordinals {
                for index in indexes {
                    let Some(candidate) = candidates.get(index) else {
                        continue;
                    };
                    if let Some((line, key)) = keys.get(&ordinal)
                        && *key == candidate.key
                    {
                        confirmed.push((candidate, *line));
                    }
                }
            }
        }
        for (candidate, first_line) in confirmed {
            let Some(spec) = self.table.seeds.get(candidate.file) else {
                continue;
            };
            let first = self
                .table
                .seeds
                .get(candidate.first.file())
                .map_or("", |s| s.shown.as_str());
            let message = format!(
                "duplicate key {}; first at {first}:{first_line}",
                candidate.shown
            );
            self.problems.push(
                candidate.file,
                SeedProblem::new(spec, candidate.line, message),
            );
        }
    }
}

/// The primary key's value as bytes that are equal exactly when DynamoDB
/// would see the same key (numbers compare by value).
fn primary_key(table: &TableSpec, item: &Item) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for attribute in std::iter::once(&table.partition_key).chain(table.sort_key.as_ref()) {
        let (tag, bytes) = match (attribute.ty, item.get(&attribute.name)?) {
            (KeyType::S, AttributeValue::S(s)) => (b's', s.as_bytes().to_vec()),
            (KeyType::N, AttributeValue::N(n)) => (b'n', Number::scan(n)?.canonical().into_bytes()),
            (KeyType::B, AttributeValue::B(b)) => (b'b', b.as_ref().to_vec()),
            _ => return None,
        };
        out.push(tag);
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    Some(out)
}

fn hash(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    hasher.write(bytes);
    hasher.finish()
}

/// `pk=`a`, sk=`b`` for messages.
fn show_key(table: &TableSpec, item: &Item) -> String {
    std::iter::once(&table.partition_key)
        .chain(table.sort_key.as_ref())
        .map(|attribute| {
            let value = match item.get(&attribute.name) {
                Some(AttributeValue::S(s)) => clip(s),
                Some(AttributeValue::N(n)) => clip(n),
                Some(AttributeValue::B(b)) => clip(&BASE64.encode(b.as_ref())),
                _ => String::new(),
            };
            format!("{}=`{value}`", attribute.name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::testing::*;
    use crate::seed::validate_table;

    #[test]
    fn numeric_keys_compare_by_value() -> TestResult {
        let folder = Folder::new()?;
        let spec = folder.json(
            "k.jsonl",
            "{\"id\": 1}\n{\"id\": 1.0}\n{\"id\": 10e-1}\n{\"id\": 2}\n",
        )?;
        let mut numeric = table(vec![spec]);
        numeric.partition_key = key("id:N");
        numeric.sort_key = None;
        numeric.local_indexes.clear();
        assert_eq!(
            problems(&numeric),
            [
                "seed/k.jsonl:2: duplicate key id=`1.0`; first at seed/k.jsonl:1",
                "seed/k.jsonl:3: duplicate key id=`10e-1`; first at seed/k.jsonl:1",
            ]
        );
        Ok(())
    }

    #[test]
    fn duplicates_on_one_line_of_an_array_are_found() -> TestResult {
        let folder = Folder::new()?;
        let spec = folder.json(
            "o.json",
            r#"[{"pk": "a", "sk": "1"}, {"pk": "a", "sk": "2"}, {"pk": "a", "sk": "2"}]"#,
        )?;
        assert_eq!(
            problems(&table(vec![spec])),
            ["seed/o.json:1: duplicate key pk=`a`, sk=`2`; first at seed/o.json:1"]
        );
        Ok(())
    }

    #[test]
    fn a_hash_match_between_different_keys_is_not_a_duplicate() -> TestResult {
        let folder = Folder::new()?;
        let spec = folder.json(
            "h.jsonl",
            "{\"pk\": \"a\", \"sk\": \"1\"}\n{\"pk\": \"b\", \"sk\": \"2\"}\n",
        )?;
        let spec = table(vec![spec]);
        let first = Seen::new(0, 0).ok_or_else(|| anyhow::anyhow!("no room for a seen item"))?;
        assert_eq!((first.file(), first.ordinal()), (0, 0));
        let key = |pk: &str, sk: &str| {
            primary_key(&spec, &item(&[("pk", s(pk)), ("sk", s(sk))]))
                .ok_or_else(|| anyhow::anyhow!("no key"))
        };
        let mut checker = Checker::new(&spec);
        for (pk, sk) in [("b", "2"), ("a", "1")] {
            checker.candidates.push(Candidate {
                first,
                file: 0,
                line: 2,
                key: key(pk, sk)?,
                shown: format!("pk=`{pk}`, sk=`{sk}`"),
            });
        }
        checker.confirm_duplicates();
        let found: Vec<String> = checker
            .problems
            .kept
            .iter()
            .map(|(_, problem)| problem.to_string())
            .collect();
        assert_eq!(
            found,
            ["seed/h.jsonl:2: duplicate key pk=`a`, sk=`1`; first at seed/h.jsonl:1"]
        );
        let far = Seen::new(3, (1 << 40) - 1).ok_or_else(|| anyhow::anyhow!("no room"))?;
        assert_eq!((far.file(), far.ordinal()), (3, (1 << 40) - 1));
        assert_eq!(Seen::new(0, 1 << 40), None);
        Ok(())
    }

    #[test]
    fn problems_beyond_the_kept_ones_are_counted() -> TestResult {
        let folder = Folder::new()?;
        let spec = folder.json("many.jsonl", &"null\n".repeat(MAX_KEPT_PROBLEMS + 7))?;
        let err = validate_table(&table(vec![spec]))
            .err()
            .ok_or_else(|| anyhow::anyhow!("expected problems"))?;
        assert_eq!(err.problems.len(), MAX_KEPT_PROBLEMS);
        assert_eq!(err.omitted, 7);
        assert_eq!(err.count(), MAX_KEPT_PROBLEMS + 7);
        Ok(())
    }
}
