//! What the rules' tests share: drafts written in Rust, with no reader
//! behind them, a reader's lines faked by a list, and problems shown one
//! line each (`table[0].name (entry): missing `name``, then its help) to
//! compare at a glance.

use super::index::Kind;
use super::{Checked, Found, IndexDraft, KeyDraft, Lines, Part, Problem, TableDraft, check_tables};
use crate::manifest::TableSpec;
use crate::manifest::path::FieldPath;

/// A table that passes every rule: `table[index]` named `name`, with the
/// partition key `pk:S` and nothing else.
pub(super) fn table(index: usize, name: &str) -> TableDraft {
    TableDraft {
        path: FieldPath::default().key("table").index(index),
        name: Some(name.to_string()),
        partition_key: key("pk:S"),
        ..TableDraft::default()
    }
}

/// A key as the manifest writes it, `attribute:TYPE`.
pub(super) fn key(text: &str) -> Option<Found<KeyDraft>> {
    let (attribute, ty) = text.rsplit_once(':').unwrap_or((text, ""));
    Some(Found::Read(KeyDraft {
        attribute: attribute.to_string(),
        ty: ty.to_string(),
    }))
}

/// Adds a global index named `name` on `partition` to `table`.
pub(super) fn global<'t>(
    table: &'t mut TableDraft,
    name: &str,
    partition: &str,
) -> &'t mut IndexDraft {
    let index = add_index(table, Kind::Global, name);
    index.partition_key = key(partition);
    index
}

/// Adds a local index named `name` on `sort` to `table`.
pub(super) fn local<'t>(table: &'t mut TableDraft, name: &str, sort: &str) -> &'t mut IndexDraft {
    let index = add_index(table, Kind::Local, name);
    index.sort_key = key(sort);
    index
}

fn add_index<'t>(table: &'t mut TableDraft, kind: Kind, name: &str) -> &'t mut IndexDraft {
    let (indexes, field) = match kind {
        Kind::Global => (&mut table.global_indexes, "global_index"),
        Kind::Local => (&mut table.local_indexes, "local_index"),
    };
    let at = indexes.len();
    indexes.push(IndexDraft {
        path: table.path.key(field).index(at),
        name: Some(name.to_string()),
        ..IndexDraft::default()
    });
    &mut indexes[at]
}

/// A reader's lines: the listed paths are on their lines, every other
/// path on line 0, so that a rule asking for the wrong path shows.
pub(super) fn lines(known: &[(&str, usize)]) -> impl Lines {
    let known: Vec<(String, usize)> = known.iter().map(|(p, l)| (p.to_string(), *l)).collect();
    move |path: &FieldPath| {
        let path = path.to_string();
        known
            .iter()
            .find(|(p, _)| *p == path)
            .map_or(0, |(_, line)| *line)
    }
}

/// The rules on one table, without a table prefix, every line 0.
pub(super) fn check(draft: &TableDraft) -> Checked {
    check_tables(std::slice::from_ref(draft), Some(""), &lines(&[]))
}

/// The one table's spec, which must pass.
pub(super) fn spec(draft: &TableDraft) -> TableSpec {
    let mut checked = check(draft);
    assert_eq!(shown(&checked.problems), Vec::<String>::new());
    checked.tables.remove(0).unwrap()
}

/// The problems of several tables whose reader puts `lines` where listed.
pub(super) fn problems_of(drafts: &[TableDraft], known_lines: &[(&str, usize)]) -> Vec<String> {
    shown(&check_tables(drafts, Some(""), &lines(known_lines)).problems)
}

/// The one table's problems, one line each.
pub(super) fn problems(draft: &TableDraft) -> Vec<String> {
    shown(&check(draft).problems)
}

/// Problems as `path (part): message`, then ` = help: …` if they have one.
pub(super) fn shown(problems: &[Problem]) -> Vec<String> {
    problems
        .iter()
        .map(|p| {
            let part = match &p.part {
                Part::Value => "value".to_string(),
                Part::Key => "key".to_string(),
                Part::Entry => "entry".to_string(),
                Part::ValueOf(other) => format!("value of {other}"),
            };
            let help = p
                .help
                .as_ref()
                .map(|help| format!(" = help: {help}"))
                .unwrap_or_default();
            format!("{} ({part}): {}{help}", p.path, p.message)
        })
        .collect()
}
