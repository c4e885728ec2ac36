//! The `[[table]]` entries: read into drafts for the table rules, with
//! where each field is written, so that the rules' problems come back as
//! places in the file. What is about TOML stays here: value types, unknown
//! keys and their did-you-mean, and the `attribute:TYPE` form of keys.

use std::collections::HashSet;

use toml::Spanned;

use super::fields::{Fields, Reader};
use crate::manifest::path::FieldPath;
use crate::manifest::rules::{self, Found, IndexDraft, KeyDraft, Part, TableDraft};
use crate::manifest::source_map::SourceMap;
use crate::manifest::{Diagnostic, TableSpec};

const TABLE_FIELDS: &[&str] = &[
    "name",
    "partition_key",
    "sort_key",
    "billing_mode",
    "read_capacity",
    "write_capacity",
    "ttl",
    "stream",
    "seed",
    "global_index",
    "local_index",
];
const INDEX_FIELDS: &[&str] = &[
    "name",
    "partition_key",
    "sort_key",
    "projection",
    "non_key_attributes",
];

/// The manifest's tables as read so far.
pub(super) struct Tables {
    drafts: Vec<TableDraft>,
    source: SourceMap,
    /// Fields not to report as missing: an unknown key of the same entry is
    /// a typo of them, and its did-you-mean already says it all.
    mistyped: HashSet<FieldPath>,
}

impl Tables {
    pub(super) fn new(text: &str) -> Tables {
        Tables {
            drafts: Vec::new(),
            source: SourceMap::new(text.to_string()),
            mistyped: HashSet::new(),
        }
    }

    /// Runs the table rules, reports their problems where the fields are
    /// written, and gives each table's spec, or `None` where a problem
    /// stands in its way. `prefix` is the project's table prefix, `None`
    /// when the project could not be read.
    pub(super) fn check(
        self,
        prefix: Option<&str>,
        reader: &mut Reader<'_>,
    ) -> Vec<Option<TableSpec>> {
        let checked = rules::check_tables(&self.drafts, prefix, &self.source);
        for problem in checked.problems {
            if problem.part == Part::Entry && self.mistyped.contains(&problem.path) {
                continue;
            }
            reader.push(self.source.diagnostic(problem));
        }
        checked.tables
    }

    /// Remembers where the entry `f` and each of its fields are written.
    fn remember(&mut self, f: &Fields<'_, '_>, known: &[&str]) {
        self.source.record(f.path.clone(), None, f.span.clone());
        for (key, value) in f.table.iter() {
            let path = f.child(key.get_ref().as_ref());
            self.source.record(path, Some(key.span()), value.span());
        }
        self.mistyped
            .extend(f.mistyped(known).into_iter().map(|key| f.child(key)));
    }
}

impl Reader<'_> {
    /// Reads one `[[table]]` entry into a draft.
    pub(super) fn table(&mut self, mut f: Fields<'_, '_>, tables: &mut Tables) {
        let name = f.string("name", self).map(Spanned::into_inner);
        let partition_key = self.key(&mut f, "partition_key");
        let sort_key = self.key(&mut f, "sort_key");
        let billing_mode = f.string("billing_mode", self).map(Spanned::into_inner);
        let read_capacity = self.capacity(&mut f, "read_capacity");
        let write_capacity = self.capacity(&mut f, "write_capacity");
        let ttl = f.string("ttl", self).map(Spanned::into_inner);
        let stream = f.string("stream", self).map(Spanned::into_inner);
        let seeds = f.seeds(self);
        let global_indexes = f
            .tables("global_index", self)
            .into_iter()
            .map(|index| self.index(index, tables))
            .collect();
        let local_indexes = f
            .tables("local_index", self)
            .into_iter()
            .map(|index| self.index(index, tables))
            .collect();
        f.reject_unknown(TABLE_FIELDS, self);
        tables.remember(&f, TABLE_FIELDS);
        tables.drafts.push(TableDraft {
            path: f.path,
            name,
            partition_key,
            sort_key,
            billing_mode,
            read_capacity,
            write_capacity,
            ttl,
            stream,
            global_indexes,
            local_indexes,
            seeds,
        });
    }

    fn index(&mut self, mut f: Fields<'_, '_>, tables: &mut Tables) -> IndexDraft {
        let name = f.string("name", self).map(Spanned::into_inner);
        let partition_key = self.key(&mut f, "partition_key");
        let sort_key = self.key(&mut f, "sort_key");
        let projection = f.string("projection", self).map(Spanned::into_inner);
        let non_key_attributes = f.string_list("non_key_attributes", self).map(|list| {
            list.into_inner()
                .into_iter()
                .map(Spanned::into_inner)
                .collect()
        });
        f.reject_unknown(INDEX_FIELDS, self);
        tables.remember(&f, INDEX_FIELDS);
        IndexDraft {
            path: f.path,
            name,
            partition_key,
            sort_key,
            projection,
            non_key_attributes,
        }
    }

    /// Reads a key written as `attribute:TYPE`. One that is not a string
    /// counts as not written, so the entry is also told it lacks the key.
    fn key(&mut self, f: &mut Fields<'_, '_>, key: &str) -> Option<Found<KeyDraft>> {
        let written = f.string(key, self)?;
        let text = written.get_ref();
        Some(match text.rsplit_once(':') {
            Some((attribute, ty)) => Found::Read(KeyDraft {
                attribute: attribute.to_string(),
                ty: ty.to_string(),
            }),
            None => {
                self.push(
                    Diagnostic::new(
                        written.span(),
                        f.child(key).to_string(),
                        format!("`{text}` is not a key"),
                    )
                    .help(format!(
                        "write `attribute:TYPE` with TYPE one of S, N, B, e.g. `{text}:S`"
                    )),
                );
                Found::Unreadable
            }
        })
    }

    /// Reads a capacity. One that is not an integer still counts as
    /// written: a table that does not use capacities hears about it.
    fn capacity(&mut self, f: &mut Fields<'_, '_>, key: &str) -> Option<Found<i64>> {
        match f.integer(key, self) {
            Some(units) => Some(Found::Read(units.into_inner())),
            None => f.key_span(key).map(|_| Found::Unreadable),
        }
    }
}
