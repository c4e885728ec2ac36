//! The rules of a table's secondary indexes: how many it may have, names
//! unique within the table, a local index's keys, and projections.

use std::fmt;

use super::table::Declared;
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
