//! The rules of one table: its name, keys, billing, stream and TTL, and the
//! one type each attribute has across the table's keys and indexes.

use std::collections::HashMap;

use super::index::Kind;
use super::{Found, KeyDraft, Part, Problem, Rules, TableDraft};
use crate::manifest::path::FieldPath;
use crate::manifest::{Billing, KeyAttribute, KeyType, StreamView, TableSpec};

const NAME_RULE: &str = "3 to 255 characters of `A-Z a-z 0-9 _ . -`";

/// What a table's keys and indexes declared so far, for the rules that look
/// across them.
#[derive(Default)]
pub(super) struct Declared {
    /// Attribute name → its type and the key that first declared it.
    attributes: HashMap<String, (KeyType, FieldPath)>,
    /// Index name → where it was first declared.
    pub(super) index_names: HashMap<String, FieldPath>,
}

impl Rules<'_> {
    /// Checks one table; its spec, or `None` where a problem stands in the
    /// way.
    pub(super) fn table(&mut self, draft: &TableDraft, prefix: &str) -> Option<TableSpec> {
        let path = &draft.path;
        let name_path = path.key("name");
        match &draft.name {
            Some(name) => self.check_name(name, &format!("{prefix}{name}"), &name_path, "table"),
            None => self.push(Problem::missing(&name_path, "missing `name`")),
        }

        let mut declared = Declared::default();
        let partition_path = path.key("partition_key");
        let partition_key = match &draft.partition_key {
            Some(key) => self.key(key, &partition_path, &mut declared),
            None => {
                self.push(
                    Problem::missing(&partition_path, "missing `partition_key`")
                        .help("add e.g. `partition_key = \"pk:S\"`"),
                );
                None
            }
        };
        // A sort key that is present but unreadable still counts here, so a
        // local index is not blamed for the table's typo.
        let has_sort_key = draft.sort_key.is_some();
        let sort_key = draft
            .sort_key
            .as_ref()
            .and_then(|key| self.key(key, &path.key("sort_key"), &mut declared));

        let billing = self.billing(draft);
        let stream = draft.stream.as_ref().and_then(|name| {
            let view = StreamView::from_name(name);
            if view.is_none() {
                self.push(Problem::not_one_of(
                    &path.key("stream"),
                    "stream view type",
                    name,
                    &StreamView::NAMES,
                ));
            }
            view
        });

        let global_indexes = self.indexes(
            &draft.global_indexes,
            Kind::Global,
            partition_key.as_ref(),
            &mut declared,
        );
        if let Some(first) = draft.local_indexes.first()
            && !has_sort_key
        {
            self.push(
                Problem::value(
                    &first.path,
                    "a local index needs the table to have a `sort_key`",
                )
                .help("add a `sort_key` to the table, or make this a `global_index`"),
            );
        }
        let local_indexes = self.indexes(
            &draft.local_indexes,
            Kind::Local,
            partition_key.as_ref(),
            &mut declared,
        );

        let ttl = draft.ttl.as_ref().and_then(|ttl| {
            let ttl_path = path.key("ttl");
            if let Some((_, first)) = declared.attributes.get(ttl) {
                self.push(
                    Problem::value(
                        &ttl_path,
                        format!("TTL attribute `{ttl}` is a key attribute (`{first}`)"),
                    )
                    .help("keep expiry times in a separate number attribute and name that one as `ttl`"),
                );
                None
            } else if ttl.is_empty() {
                self.push(Problem::value(&ttl_path, "TTL attribute name is empty"));
                None
            } else {
                Some(ttl.clone())
            }
        });

        let name = draft.name.as_ref()?;
        Some(TableSpec {
            name: name.clone(),
            physical: format!("{prefix}{name}"),
            partition_key: partition_key?,
            sort_key,
            billing: billing?,
            ttl,
            stream,
            global_indexes,
            local_indexes,
            seeds: draft.seeds.clone(),
            line: self.lines.line(&name_path),
        })
    }

    fn billing(&mut self, draft: &TableDraft) -> Option<Billing> {
        const MODES: [&str; 2] = ["pay_per_request", "provisioned"];
        let mode_path = draft.path.key("billing_mode");
        let provisioned = match &draft.billing_mode {
            None => false,
            Some(mode) => match mode.to_ascii_lowercase().as_str() {
                "pay_per_request" => false,
                "provisioned" => true,
                _ => {
                    self.push(Problem::not_one_of(
                        &mode_path,
                        "billing mode",
                        mode,
                        &MODES,
                    ));
                    return None;
                }
            },
        };
        let capacities = [
            ("read_capacity", &draft.read_capacity),
            ("write_capacity", &draft.write_capacity),
        ];
        if !provisioned {
            for (key, capacity) in capacities {
                if capacity.is_some() {
                    self.push(
                        Problem::key(
                            &draft.path.key(key),
                            "capacities are only used with `billing_mode = \"provisioned\"`",
                        )
                        .help("remove it, or set `billing_mode = \"provisioned\"`"),
                    );
                }
            }
            return Some(Billing::PayPerRequest);
        }
        let [read, write] = capacities.map(|(key, capacity)| match capacity {
            Some(Found::Read(units)) if *units >= 1 => Some(*units),
            Some(Found::Read(_)) => {
                self.push(Problem::value(
                    &draft.path.key(key),
                    format!("`{key}` must be at least 1"),
                ));
                None
            }
            // The mode asks for it: point there.
            Some(Found::Unreadable) | None => {
                self.push(
                    Problem::new(
                        &draft.path.key(key),
                        Part::ValueOf(mode_path.clone()),
                        format!("provisioned billing needs `{key}`"),
                    )
                    .help(format!("add e.g. `{key} = 5`")),
                );
                None
            }
        });
        Some(Billing::Provisioned {
            read: read?,
            write: write?,
        })
    }

    /// Checks a key's attribute name and type, and records the type for the
    /// one-type-per-attribute rule.
    pub(super) fn key(
        &mut self,
        key: &Found<KeyDraft>,
        path: &FieldPath,
        declared: &mut Declared,
    ) -> Option<KeyAttribute> {
        // The reader has said what is wrong with an unreadable key.
        let Found::Read(KeyDraft { attribute, ty }) = key else {
            return None;
        };
        let named = (1..=255).contains(&attribute.len());
        if !named {
            self.push(Problem::value(
                path,
                "key attribute names are 1 to 255 bytes long",
            ));
        }
        let Some(ty) = KeyType::from_name(ty) else {
            self.push(
                Problem::value(path, format!("key type `{ty}` is not S, N or B"))
                    .help("key attributes are strings (S), numbers (N) or binary (B)"),
            );
            return None;
        };
        if !named {
            return None;
        }
        match declared.attributes.get(attribute) {
            Some((first_ty, first)) if *first_ty != ty => {
                let line = self.lines.line(first);
                self.push(
                    Problem::value(
                        path,
                        format!(
                            "attribute `{attribute}` is declared as {ty} here but as {first_ty} in `{first}` (line {line})"
                        ),
                    )
                    .help("an attribute has one type across a table's keys and indexes"),
                );
                return None;
            }
            Some(_) => {}
            None => {
                declared
                    .attributes
                    .insert(attribute.clone(), (ty, path.clone()));
            }
        }
        Some(KeyAttribute {
            name: attribute.clone(),
            ty,
        })
    }

    /// DynamoDB's naming rule, on `full`: the name as the endpoint sees it.
    pub(super) fn check_name(&mut self, name: &str, full: &str, path: &FieldPath, what: &str) {
        if !is_dynamodb_name(full) {
            let shown = if full == name {
                format!("{what} name `{full}` is not valid")
            } else {
                format!("{what} name `{full}` (after the table prefix) is not valid")
            };
            self.push(Problem::value(path, shown).help(format!("DynamoDB names are {NAME_RULE}")));
        }
    }
}

/// DynamoDB's rule for table and index names.
fn is_dynamodb_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamodb_names_follow_the_service_rule() {
        assert!(is_dynamodb_name("CodeMetrics_github-issues"));
        assert!(is_dynamodb_name("a.b"));
        assert!(!is_dynamodb_name("ab"));
        assert!(!is_dynamodb_name("my table"));
        assert!(!is_dynamodb_name(&"x".repeat(256)));
    }
}
