//! The rules of one table: its name, billing, stream and TTL, and its keys
//! and indexes by way of `keys` and `index`.

use super::index::Kind;
use super::keys::Declared;
use super::{Found, Part, Problem, Rules, TableDraft};
use crate::manifest::path::FieldPath;
use crate::manifest::{Billing, StreamView, TableSpec};
use crate::service::STATE_TABLE;
use strum::VariantNames;

const NAME_RULE: &str = "3 to 255 characters of `A-Z a-z 0-9 _ . -`";

impl Rules<'_> {
    /// Checks one table; its spec, or `None` where a problem stands in the
    /// way.
    pub(super) fn table(&mut self, draft: &TableDraft, prefix: &str) -> Option<TableSpec> {
        let path = &draft.path;
        let name_path = path.key("name");
        match &draft.name {
            Some(name) => {
                let full = format!("{prefix}{name}");
                self.check_name(name, &full, &name_path, "table");
                if full == STATE_TABLE {
                    let after = if full == *name {
                        ""
                    } else {
                        " (after the table prefix)"
                    };
                    self.push(
                        Problem::value(
                            &name_path,
                            format!("table name `{full}`{after} is devstack's own: it notes there which tables it made"),
                        )
                        .help("give the table another name"),
                    );
                }
            }
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
                    StreamView::VARIANTS,
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
            if let Some(first) = declared.key_attribute(ttl) {
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
            from: None,
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
    use super::super::testing::{global, key, lines, problems, shown, spec, table};
    use super::super::{Found, TableDraft, check_tables};
    use super::*;
    use crate::manifest::{SeedFormat, SeedSpec};

    #[test]
    fn a_table_passes_with_what_the_reader_found() {
        let mut draft = table(0, "orders");
        draft.sort_key = key("placed_at:N");
        draft.ttl = Some("expires_at".to_string());
        let seed = SeedSpec {
            path: "/m/seed/orders.jsonl".into(),
            shown: "seed/orders.jsonl".to_string(),
            format: SeedFormat::Json,
            sets: Vec::new(),
            binary: Vec::new(),
            csv: None,
        };
        draft.seeds = vec![seed.clone()];
        let checked = check_tables(&[draft], Some("Pre_"), &lines(&[("table[0].name", 7)]));
        assert_eq!(shown(&checked.problems), Vec::<String>::new());
        let spec = checked.tables[0].clone().unwrap();
        assert_eq!(
            (spec.name.as_str(), spec.physical.as_str()),
            ("orders", "Pre_orders")
        );
        assert_eq!(spec.line, 7, "the line of the table's name");
        assert_eq!(spec.partition_key.to_string(), "pk:S");
        assert_eq!(
            spec.sort_key.map(|k| k.to_string()).as_deref(),
            Some("placed_at:N")
        );
        assert_eq!(spec.billing, Billing::PayPerRequest);
        assert_eq!(spec.ttl.as_deref(), Some("expires_at"));
        assert_eq!(spec.stream, None);
        assert_eq!(spec.seeds, [seed]);
    }

    #[test]
    fn a_missing_name_or_partition_key_points_at_the_table() {
        let draft = TableDraft {
            path: table(0, "orders").path,
            ..TableDraft::default()
        };
        assert_eq!(
            problems(&draft),
            [
                "table[0].name (entry): missing `name`",
                "table[0].partition_key (entry): missing `partition_key` = help: add e.g. `partition_key = \"pk:S\"`",
            ]
        );
    }

    #[test]
    fn table_names_follow_dynamodb_once_the_prefix_is_on() {
        assert_eq!(
            problems(&table(0, "my table")),
            [
                "table[0].name (value): table name `my table` is not valid = help: DynamoDB names are 3 to 255 characters of `A-Z a-z 0-9 _ . -`"
            ]
        );
        let prefixed = |prefix: &str, name: &str| {
            let checked = check_tables(&[table(0, name)], Some(prefix), &lines(&[]));
            checked
                .problems
                .into_iter()
                .map(|p| p.message)
                .collect::<Vec<_>>()
        };
        assert_eq!(prefixed("x_", "ab"), Vec::<String>::new());
        let long = "p".repeat(250);
        assert_eq!(
            prefixed(&long, "orders"),
            [format!(
                "table name `{long}orders` (after the table prefix) is not valid"
            )]
        );
    }

    #[test]
    fn devstacks_own_table_name_is_refused_with_or_without_a_prefix() {
        assert_eq!(
            problems(&table(0, "_devstack")),
            [
                "table[0].name (value): table name `_devstack` is devstack's own: it notes there which tables it made = help: give the table another name"
            ]
        );
        let checked = check_tables(&[table(0, "devstack")], Some("_"), &lines(&[]));
        assert_eq!(
            shown(&checked.problems),
            [
                "table[0].name (value): table name `_devstack` (after the table prefix) is devstack's own: it notes there which tables it made = help: give the table another name"
            ]
        );
    }

    #[test]
    fn dynamodb_names_follow_the_service_rule() {
        assert!(is_dynamodb_name("CodeMetrics_github-issues"));
        assert!(is_dynamodb_name("a.b"));
        assert!(!is_dynamodb_name("ab"));
        assert!(!is_dynamodb_name("my table"));
        assert!(!is_dynamodb_name(&"x".repeat(256)));
    }

    fn billed(mode: &str, read: Option<Found<i64>>, write: Option<Found<i64>>) -> TableDraft {
        let mut draft = table(0, "orders");
        draft.billing_mode = Some(mode.to_string());
        draft.read_capacity = read;
        draft.write_capacity = write;
        draft
    }

    #[test]
    fn billing_is_pay_per_request_or_provisioned_in_any_case() {
        let provisioned = billed("PROVISIONED", Some(Found::Read(5)), Some(Found::Read(2)));
        assert_eq!(
            spec(&provisioned).billing,
            Billing::Provisioned { read: 5, write: 2 }
        );
        assert_eq!(
            spec(&billed("Pay_Per_Request", None, None)).billing,
            Billing::PayPerRequest
        );
        assert_eq!(
            problems(&billed("provisoned", Some(Found::Read(5)), None)),
            [
                "table[0].billing_mode (value): unknown billing mode `provisoned` = help: did you mean `provisioned`? expected one of `pay_per_request`, `provisioned`"
            ]
        );
    }

    #[test]
    fn capacities_on_a_pay_per_request_table_point_at_their_keys() {
        let draft = billed(
            "pay_per_request",
            Some(Found::Read(5)),
            Some(Found::Unreadable),
        );
        let help = "remove it, or set `billing_mode = \"provisioned\"`";
        assert_eq!(
            problems(&draft),
            [
                format!(
                    "table[0].read_capacity (key): capacities are only used with `billing_mode = \"provisioned\"` = help: {help}"
                ),
                format!(
                    "table[0].write_capacity (key): capacities are only used with `billing_mode = \"provisioned\"` = help: {help}"
                ),
            ]
        );
    }

    #[test]
    fn provisioned_billing_needs_both_capacities_of_at_least_1() {
        assert_eq!(
            problems(&billed("provisioned", Some(Found::Read(0)), None)),
            [
                "table[0].read_capacity (value): `read_capacity` must be at least 1",
                "table[0].write_capacity (value of table[0].billing_mode): provisioned billing needs `write_capacity` = help: add e.g. `write_capacity = 5`",
            ]
        );
        // The reader has said why it could not read the capacity; the
        // table still has none.
        assert_eq!(
            problems(&billed(
                "provisioned",
                Some(Found::Unreadable),
                Some(Found::Read(1))
            )),
            [
                "table[0].read_capacity (value of table[0].billing_mode): provisioned billing needs `read_capacity` = help: add e.g. `read_capacity = 5`"
            ]
        );
    }

    #[test]
    fn stream_views_take_the_manifest_or_the_dynamodb_spelling() {
        let streamed = |view: &str| {
            let mut draft = table(0, "orders");
            draft.stream = Some(view.to_string());
            draft
        };
        let views = ["new_image", "OLD_IMAGE", "new_and_old_images", "KEYS_ONLY"]
            .map(|view| spec(&streamed(view)).stream);
        assert_eq!(
            views,
            [
                Some(StreamView::NewImage),
                Some(StreamView::OldImage),
                Some(StreamView::NewAndOldImages),
                Some(StreamView::KeysOnly),
            ]
        );
        assert_eq!(
            problems(&streamed("NEW_IMAGES")),
            [
                "table[0].stream (value): unknown stream view type `NEW_IMAGES` = help: did you mean `new_image`? expected one of `new_image`, `old_image`, `new_and_old_images`, `keys_only`"
            ]
        );
    }

    #[test]
    fn the_ttl_attribute_is_neither_a_key_attribute_nor_empty() {
        let mut draft = table(0, "orders");
        global(&mut draft, "by-expiry", "pk:S").sort_key = key("expires_at:N");
        let help = "keep expiry times in a separate number attribute and name that one as `ttl`";
        draft.ttl = Some("expires_at".to_string());
        assert_eq!(
            problems(&draft),
            [format!(
                "table[0].ttl (value): TTL attribute `expires_at` is a key attribute (`table[0].global_index[0].sort_key`) = help: {help}"
            )]
        );
        draft.ttl = Some("pk".to_string());
        assert_eq!(
            problems(&draft),
            [format!(
                "table[0].ttl (value): TTL attribute `pk` is a key attribute (`table[0].partition_key`) = help: {help}"
            )]
        );
        draft.ttl = Some(String::new());
        assert_eq!(
            problems(&draft),
            ["table[0].ttl (value): TTL attribute name is empty"]
        );
    }
}
