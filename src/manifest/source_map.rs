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
    /// The file's words for the manifest's field names, put in for them
    /// where the rules' messages name a field in backticks.
    words: &'static [(&'static str, &'static str)],
}

impl SourceMap {
    pub fn new(text: String) -> SourceMap {
        SourceMap {
            text,
            fields: HashMap::new(),
            shown: HashMap::new(),
            words: &[],
        }
    }

    /// With the file's own words for the manifest's field names:
    /// `("sort_key", "range_key")` makes the rules' "needs a `sort_key`"
    /// read "needs a `range_key`".
    pub fn with_words(mut self, words: &'static [(&'static str, &'static str)]) -> SourceMap {
        self.words = words;
        self
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
            message: self.in_words(&problem.message),
            help: problem.help.map(|help| self.in_words(&help)),
        }
    }
}

impl SourceMap {
    /// `text` with the manifest's field names inside backticks put in the
    /// file's words.
    fn in_words(&self, text: &str) -> String {
        if self.words.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        for (i, part) in text.split('`').enumerate() {
            if i > 0 {
                out.push('`');
            }
            if i % 2 == 0 {
                out.push_str(part);
                continue;
            }
            // Inside backticks: whole words only.
            let mut word = String::new();
            for c in part.chars().chain(std::iter::once('\0')) {
                if c.is_ascii_alphanumeric() || c == '_' {
                    word.push(c);
                    continue;
                }
                let theirs = self.words.iter().find(|(ours, _)| *ours == word);
                out.push_str(theirs.map_or(word.as_str(), |(_, theirs)| theirs));
                word.clear();
                if c != '\0' {
                    out.push(c);
                }
            }
        }
        out
    }
}

impl Lines for SourceMap {
    fn line(&self, path: &FieldPath) -> usize {
        let at = self.locate(path, &Part::Value);
        Position::of(&self.text, at.start).line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_in_backticks_are_put_in_the_files_words() {
        let map = SourceMap::new(String::new())
            .with_words(&[("sort_key", "range_key"), ("projection", "projection_type")]);
        assert_eq!(
            map.in_words("a local index needs a `sort_key`; the sort_key stays"),
            "a local index needs a `range_key`; the sort_key stays"
        );
        assert_eq!(
            map.in_words("add `projection = \"include\"` or `sort_keys`"),
            "add `projection_type = \"include\"` or `sort_keys`"
        );
    }
}
