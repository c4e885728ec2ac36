//! The table rules: a table's keys, billing, stream, TTL and secondary
//! indexes, checked against DynamoDB's limits and naming rule on the table
//! model rather than on a file format, so that tables from every reader
//! (TOML, CloudFormation YAML, Terraform HCL, `CreateTable` JSON) meet the
//! same rules. A reader hands over what it found as `TableDraft`s and
//! answers `Lines`; it gets back the validated `TableSpec`s and the
//! `Problem`s by field path, which it maps to places in its own text.
//!
//! `table` holds the rules of one table, `index` those of its indexes.

mod draft;
mod index;
mod problem;
mod table;

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
