//! The table rules: a table's keys, billing, stream, TTL and secondary
//! indexes, checked against DynamoDB's limits and naming rule on the table
//! model rather than on a file format, so that tables from every reader
//! (TOML, CloudFormation YAML, Terraform HCL, `CreateTable` JSON) meet the
//! same rules. A reader hands over what it found as `TableDraft`s and
//! answers `Lines`; it gets back the validated `TableSpec`s and the
//! `Problem`s by field path, which it maps to places in its own text.
//!
//! `table` holds the rules of one table, `keys` those of key attributes,
//! `index` those of secondary indexes.

mod draft;
mod index;
mod keys;
mod problem;
mod table;
#[cfg(test)]
mod testing;

use std::collections::HashMap;

pub use self::draft::{Found, IndexDraft, KeyDraft, TableDraft};
pub use self::problem::{Lines, Part, Problem};
use super::TableSpec;
use super::path::FieldPath;

/// What the rules made of a manifest's tables.
#[derive(Debug)]
pub struct Checked {
    /// One per draft, in order: the validated table, or `None` where a
    /// problem stands in its way.
    pub tables: Vec<Option<TableSpec>>,
    pub problems: Vec<Problem>,
}

/// Checks every table on its own, then against the others. `prefix` is the
/// project's table prefix, `None` when the project could not be read: the
/// tables are then checked as if without one, and not against each other,
/// since their physical names are unknown.
pub fn check_tables(drafts: &[TableDraft], prefix: Option<&str>, lines: &dyn Lines) -> Checked {
    let mut rules = Rules {
        lines,
        problems: Vec::new(),
    };
    let tables: Vec<Option<TableSpec>> = drafts
        .iter()
        .map(|draft| rules.table(draft, prefix.unwrap_or_default()))
        .collect();
    if prefix.is_some() {
        rules.distinct_tables(drafts, &tables);
    }
    Checked {
        tables,
        problems: rules.problems,
    }
}

/// The rules at work: the reader to ask for lines, and the problems found.
struct Rules<'l> {
    lines: &'l dyn Lines,
    problems: Vec<Problem>,
}

impl Rules<'_> {
    fn push(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    /// No two tables have the same physical name.
    fn distinct_tables(&mut self, drafts: &[TableDraft], tables: &[Option<TableSpec>]) {
        let mut seen: HashMap<&str, FieldPath> = HashMap::new();
        for (draft, table) in drafts.iter().zip(tables) {
            let Some(table) = table else { continue };
            let name = draft.path.key("name");
            if let Some(first) = seen.get(table.physical.as_str()) {
                let line = self.lines.line(first);
                self.push(Problem::value(
                    &name,
                    format!(
                        "duplicate table `{}`, first declared on line {line}",
                        table.physical
                    ),
                ));
            } else {
                seen.insert(&table.physical, name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{lines, shown, table};
    use super::*;

    #[test]
    fn no_two_tables_have_the_same_physical_name() {
        let drafts = [table(0, "orders"), table(1, "users"), table(2, "orders")];
        let checked = check_tables(&drafts, Some("App_"), &lines(&[("table[0].name", 3)]));
        assert_eq!(
            shown(&checked.problems),
            ["table[2].name (value): duplicate table `App_orders`, first declared on line 3"]
        );
    }

    #[test]
    fn a_table_that_fails_its_own_rules_is_not_compared() {
        let mut broken = table(0, "orders");
        broken.partition_key = None;
        let checked = check_tables(&[broken, table(1, "orders")], Some(""), &lines(&[]));
        assert_eq!(checked.problems.len(), 1);
        assert_eq!(checked.problems[0].message, "missing `partition_key`");
    }

    #[test]
    fn without_a_project_tables_are_checked_alone_without_a_prefix() {
        let drafts = [table(0, "orders"), table(1, "orders"), table(2, "ab")];
        let checked = check_tables(&drafts, None, &lines(&[]));
        let messages: Vec<_> = checked.problems.iter().map(|p| &p.message).collect();
        assert_eq!(messages, ["table name `ab` is not valid"]);
        let physical: Vec<_> = checked
            .tables
            .iter()
            .flatten()
            .map(|t| t.physical.as_str())
            .collect();
        assert_eq!(physical, ["orders", "orders", "ab"]);
    }
}
