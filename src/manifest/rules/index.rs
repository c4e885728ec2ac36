//! The rules of a table's secondary indexes: how many it may have, names
//! unique within the table, a local index's keys, and projections.

use std::fmt;

use super::keys::Declared;
use super::{IndexDraft, Problem, Rules};
use crate::manifest::{IndexSpec, KeyAttribute, Projection};

/// Global or local, with DynamoDB's limit per table for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Global,
    Local,
}

impl Kind {
    /// As DynamoDB's documentation states them.
    fn most(self) -> usize {
        match self {
            Kind::Global => 20,
            Kind::Local => 5,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Global => "global",
            Kind::Local => "local",
        })
    }
}

impl Rules<'_> {
    /// Checks a table's indexes of one kind; the specs of those that pass.
    pub(super) fn indexes(
        &mut self,
        drafts: &[IndexDraft],
        kind: Kind,
        table_partition: Option<&KeyAttribute>,
        declared: &mut Declared,
    ) -> Vec<IndexSpec> {
        let most = kind.most();
        if let Some(first_extra) = drafts.get(most) {
            self.push(Problem::value(
                &first_extra.path,
                format!(
                    "{} {kind} indexes, but DynamoDB allows at most {most} per table",
                    drafts.len()
                ),
            ));
        }
        drafts
            .iter()
            .filter_map(|draft| self.index(draft, kind, table_partition, declared))
            .collect()
    }

    fn index(
        &mut self,
        draft: &IndexDraft,
        kind: Kind,
        table_partition: Option<&KeyAttribute>,
        declared: &mut Declared,
    ) -> Option<IndexSpec> {
        let name_path = draft.path.key("name");
        match &draft.name {
            Some(name) => {
                self.check_name(name, name, &name_path, "index");
                if let Some(first) = declared.index_names.get(name) {
                    let line = self.lines.line(first);
                    self.push(
                        Problem::value(
                            &name_path,
                            format!("duplicate index name `{name}`, first declared on line {line}"),
                        )
                        .help(
                            "index names must be unique within a table, global and local together",
                        ),
                    );
                } else {
                    declared.index_names.insert(name.clone(), name_path);
                }
            }
            None => self.push(Problem::missing(&name_path, "missing `name`")),
        }

        let partition_path = draft.path.key("partition_key");
        let partition_key = match (kind, &draft.partition_key, table_partition) {
            (Kind::Local, Some(key), Some(table_key)) => {
                let own = self.key(key, &partition_path, declared);
                if let Some(own) = own.filter(|own| own != table_key) {
                    self.push(
                        Problem::value(
                            &partition_path,
                            format!(
                                "a local index shares the table's partition key `{table_key}`, not `{own}`"
                            ),
                        )
                        .help("remove `partition_key` here, or make this a `global_index`"),
                    );
                }
                Some(table_key.clone())
            }
            (Kind::Local, _, _) => table_partition.cloned(),
            (Kind::Global, Some(key), _) => self.key(key, &partition_path, declared),
            (Kind::Global, None, _) => {
                self.push(
                    Problem::missing(&partition_path, "missing `partition_key`")
                        .help("add e.g. `partition_key = \"repo:S\"`"),
                );
                None
            }
        };
        let sort_path = draft.path.key("sort_key");
        let sort_key = match &draft.sort_key {
            Some(key) => self.key(key, &sort_path, declared),
            None if kind == Kind::Local => {
                self.push(
                    Problem::missing(&sort_path, "missing `sort_key`")
                        .help("a local index differs from its table only by its sort key"),
                );
                None
            }
            None => None,
        };
        let projection = self.projection(draft);

        Some(IndexSpec {
            name: draft.name.clone()?,
            partition_key: partition_key?,
            sort_key,
            projection: projection?,
        })
    }

    fn projection(&mut self, draft: &IndexDraft) -> Option<Projection> {
        const PROJECTIONS: [&str; 3] = ["all", "keys_only", "include"];
        let projection_path = draft.path.key("projection");
        let non_key_path = draft.path.key("non_key_attributes");
        let only_with_include = "`non_key_attributes` is only used with `projection = \"include\"`";
        let Some(projection) = &draft.projection else {
            if draft.non_key_attributes.is_some() {
                self.push(
                    Problem::key(&non_key_path, only_with_include)
                        .help("add `projection = \"include\"`"),
                );
                return None;
            }
            return Some(Projection::All);
        };
        match (
            projection.to_ascii_lowercase().as_str(),
            &draft.non_key_attributes,
        ) {
            ("all", None) => Some(Projection::All),
            ("keys_only", None) => Some(Projection::KeysOnly),
            ("include", Some(names)) if !names.is_empty() => {
                Some(Projection::Include(names.clone()))
            }
            ("include", _) => {
                self.push(
                    Problem::value(
                        &projection_path,
                        "`include` projection without `non_key_attributes`",
                    )
                    .help("add e.g. `non_key_attributes = [\"title\"]`, or use `all`"),
                );
                None
            }
            ("all" | "keys_only", Some(_)) => {
                self.push(Problem::key(&non_key_path, only_with_include));
                None
            }
            _ => {
                self.push(Problem::not_one_of(
                    &projection_path,
                    "projection",
                    projection,
                    &PROJECTIONS,
                ));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, global, key, local, problems, problems_of, spec, table};
    use super::super::{Found, TableDraft};
    use super::*;

    /// `orders`, with the sort key `sk:S` a local index needs.
    fn sorted() -> TableDraft {
        let mut draft = table(0, "orders");
        draft.sort_key = key("sk:S");
        draft
    }

    #[test]
    fn a_table_has_at_most_20_global_and_5_local_indexes() {
        let mut draft = sorted();
        for i in 0..20 {
            global(&mut draft, &format!("global-{i}"), "pk:S");
        }
        for i in 0..5 {
            local(&mut draft, &format!("local-{i}"), &format!("s{i}:S"));
        }
        assert_eq!(problems(&draft), Vec::<String>::new());
        global(&mut draft, "global-20", "pk:S");
        local(&mut draft, "local-5", "s5:S");
        assert_eq!(
            problems(&draft),
            [
                "table[0].global_index[20] (value): 21 global indexes, but DynamoDB allows at most 20 per table",
                "table[0].local_index[5] (value): 6 local indexes, but DynamoDB allows at most 5 per table",
            ]
        );
    }

    #[test]
    fn a_local_index_needs_the_table_to_have_a_sort_key() {
        let mut draft = table(0, "orders");
        local(&mut draft, "by-created", "created_at:S");
        assert_eq!(
            problems(&draft),
            [
                "table[0].local_index[0] (value): a local index needs the table to have a `sort_key` = help: add a `sort_key` to the table, or make this a `global_index`"
            ]
        );
        // The reader has reported an unreadable sort key; the index is not
        // blamed for it.
        draft.sort_key = Some(Found::Unreadable);
        assert_eq!(problems(&draft), Vec::<String>::new());
    }

    #[test]
    fn a_local_index_shares_the_tables_partition_key() {
        let mut draft = sorted();
        local(&mut draft, "by-region", "created_at:S").partition_key = key("region:S");
        assert_eq!(
            problems(&draft),
            [
                "table[0].local_index[0].partition_key (value): a local index shares the table's partition key `pk:S`, not `region:S` = help: remove `partition_key` here, or make this a `global_index`"
            ]
        );
        for partition in [key("pk:S"), None] {
            draft.local_indexes[0].partition_key = partition;
            let partition = &spec(&draft).local_indexes[0].partition_key;
            assert_eq!(partition.to_string(), "pk:S");
        }
    }

    #[test]
    fn a_local_index_needs_a_sort_key_and_a_global_one_a_partition_key() {
        let mut draft = sorted();
        local(&mut draft, "by-nothing", "x:S").sort_key = None;
        global(&mut draft, "by-nobody", "x:S").partition_key = None;
        assert_eq!(
            problems(&draft),
            [
                "table[0].global_index[0].partition_key (entry): missing `partition_key` = help: add e.g. `partition_key = \"repo:S\"`",
                "table[0].local_index[0].sort_key (entry): missing `sort_key` = help: a local index differs from its table only by its sort key",
            ]
        );
        let mut draft = sorted();
        global(&mut draft, "by-status", "status:S");
        assert_eq!(spec(&draft).global_indexes[0].sort_key, None);
    }

    #[test]
    fn index_names_follow_dynamodb_and_are_unique_within_their_table() {
        let mut draft = sorted();
        global(&mut draft, "by customer", "customer:S");
        global(&mut draft, "by-x", "x:S");
        local(&mut draft, "by-x", "y:S");
        global(&mut draft, "unnamed", "z:S").name = None;
        let mut other = table(1, "users");
        global(&mut other, "by-x", "x:S");
        assert_eq!(
            problems_of(&[draft, other], &[("table[0].global_index[1].name", 12)]),
            [
                "table[0].global_index[0].name (value): index name `by customer` is not valid = help: DynamoDB names are 3 to 255 characters of `A-Z a-z 0-9 _ . -`",
                "table[0].global_index[2].name (entry): missing `name`",
                "table[0].local_index[0].name (value): duplicate index name `by-x`, first declared on line 12 = help: index names must be unique within a table, global and local together",
            ]
        );
    }

    fn projected(projection: Option<&str>, non_key: Option<&[&str]>) -> TableDraft {
        let mut draft = table(0, "orders");
        let index = global(&mut draft, "by-status", "status:S");
        index.projection = projection.map(str::to_string);
        index.non_key_attributes =
            non_key.map(|names| names.iter().map(|n| n.to_string()).collect());
        draft
    }

    #[test]
    fn projections_are_all_unless_said_otherwise_in_any_case() {
        let projection = |draft| spec(&draft).global_indexes.remove(0).projection;
        assert_eq!(projection(projected(None, None)), Projection::All);
        assert_eq!(projection(projected(Some("ALL"), None)), Projection::All);
        assert_eq!(
            projection(projected(Some("keys_only"), None)),
            Projection::KeysOnly
        );
        assert_eq!(
            projection(projected(Some("Include"), Some(&["title"]))),
            Projection::Include(vec!["title".to_string()])
        );
        assert_eq!(
            problems(&projected(Some("inclde"), None)),
            [
                "table[0].global_index[0].projection (value): unknown projection `inclde` = help: did you mean `include`? expected one of `all`, `keys_only`, `include`"
            ]
        );
    }

    #[test]
    fn non_key_attributes_come_with_an_include_projection_only() {
        let without = "table[0].global_index[0].projection (value): `include` projection without `non_key_attributes` = help: add e.g. `non_key_attributes = [\"title\"]`, or use `all`";
        assert_eq!(problems(&projected(Some("include"), None)), [without]);
        assert_eq!(problems(&projected(Some("include"), Some(&[]))), [without]);
        let only = "table[0].global_index[0].non_key_attributes (key): `non_key_attributes` is only used with `projection = \"include\"`";
        assert_eq!(problems(&projected(Some("all"), Some(&["a"]))), [only]);
        assert_eq!(
            problems(&projected(Some("keys_only"), Some(&["a"]))),
            [only]
        );
        assert_eq!(
            problems(&projected(None, Some(&["a"]))),
            [format!("{only} = help: add `projection = \"include\"`")]
        );
        // The index is left out; its problem is what the reader reports.
        let table = check(&projected(None, Some(&["a"]))).tables.remove(0);
        assert_eq!(table.map(|t| t.global_indexes.len()), Some(0));
    }
}
