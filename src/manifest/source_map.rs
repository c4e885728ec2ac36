//! Where each field of a manifest is written, by field path: what a reader
//! remembers while it reads, so that the table rules' problems, which name
//! fields by path, come back as places in its text. Every reader's spans
//! (toml's, saphyr's `MarkedYaml`, hcl-edit's) reduce to byte ranges, so
//! one map serves them all.

use std::collections::HashMap;

use super::path::FieldPath;
use super::rules::{Lines, Part, Problem};
use super::{Diagnostic, Location, Position};

/// Where one field is written.
struct Written {
    /// Its key; an array's item has none.
    key: Option<Location>,
    value: Location,
}

/// A reader's text and where each field it read is written in it.
pub struct SourceMap<'t> {
    text: &'t str,
    fields: HashMap<FieldPath, Written>,
}

impl<'t> SourceMap<'t> {
    pub fn new(text: &'t str) -> SourceMap<'t> {
        SourceMap {
            text,
            fields: HashMap::new(),
        }
    }

    /// Remembers where the field at `path` is written: its key, if it has
    /// one, and its value (for an entry, the whole entry).
    pub fn record(&mut self, path: FieldPath, key: Option<Location>, value: Location) {
        self.fields.insert(path, Written { key, value });
    }

    /// Where `part` of the field at `path` is written. The rules only name
    /// fields the reader saw; anything else is the start of the text.
    pub fn locate(&self, path: &FieldPath, part: &Part) -> Location {
        let written = match part {
            Part::Value | Part::Key => self.fields.get(path),
            Part::Entry => self.fields.get(&path.parent()),
            Part::ValueOf(other) => self.fields.get(other),
        };
        let location = match part {
            Part::Key => written.and_then(|w| w.key.clone()),
            _ => written.map(|w| w.value.clone()),
        };
        location.unwrap_or_default()
    }

    /// The problem at its place in the text.
    pub fn diagnostic(&self, problem: Problem) -> Diagnostic {
        Diagnostic {
            span: self.locate(&problem.path, &problem.part),
            field: problem.path.to_string(),
            message: problem.message,
            help: problem.help,
        }
    }
}

impl Lines for SourceMap<'_> {
    fn line(&self, path: &FieldPath) -> usize {
        let at = self.locate(path, &Part::Value);
        Position::of(self.text, at.start).line
    }
}
