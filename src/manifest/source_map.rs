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
pub struct SourceMap {
    text: String,
    fields: HashMap<FieldPath, Written>,
    /// How a field is shown where the file does not name it as the
    /// manifest does: `Resources.Orders.Properties.KeySchema[0]` for the
    /// rules' `Resources.Orders.partition_key`.
    shown: HashMap<FieldPath, String>,
}

impl SourceMap {
    pub fn new(text: String) -> SourceMap {
        SourceMap {
            text,
            fields: HashMap::new(),
            shown: HashMap::new(),
        }
    }

    /// The text the places are in.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Like `record`, for a field the file names otherwise: problems about
    /// the field at `path` are shown under `shown`.
    pub fn record_as(
        &mut self,
        path: FieldPath,
        shown: impl Into<String>,
        key: Option<Location>,
        value: Location,
    ) {
        self.shown.insert(path.clone(), shown.into());
        self.record(path, key, value);
    }

    /// How the field at `path` is shown in a problem.
    pub fn shown(&self, path: &FieldPath) -> String {
        self.shown
            .get(path)
            .cloned()
            .unwrap_or_else(|| path.to_string())
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
            field: self.shown(&problem.path),
            message: problem.message,
            help: problem.help,
        }
    }
}

impl Lines for SourceMap {
    fn line(&self, path: &FieldPath) -> usize {
        let at = self.locate(path, &Part::Value);
        Position::of(&self.text, at.start).line
    }
}
