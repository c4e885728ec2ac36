//! Generic readers for the manifest's TOML tables: typed field access that
//! records every wrong type and unknown key, with a did-you-mean for typos,
//! into the reader that collects every problem of the manifest.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::manifest::Diagnostic;
use crate::manifest::path::FieldPath;
use crate::manifest::suggest::{did_you_mean, not_one_of, quoted};

/// The TOML reader's state, shared by the readers of every table: the
/// manifest's folder (seed paths are relative to it) and the problems found
/// so far.
pub(super) struct Reader<'a> {
    pub(super) dir: &'a Path,
    /// Whether seed files must exist and be readable.
    pub(super) check_files: bool,
    pub(super) diagnostics: Vec<Diagnostic>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(dir: &'a Path, check_files: bool) -> Reader<'a> {
        Reader {
            dir,
            check_files,
            diagnostics: Vec::new(),
        }
    }

    pub(super) fn error(
        &mut self,
        span: Range<usize>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.diagnostics.push(Diagnostic::new(span, field, message));
    }

    pub(super) fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
}

/// A TOML table being read: tracks which keys were used so the rest can be
/// reported as unknown.
pub(super) struct Fields<'t, 'i> {
    pub(super) table: &'t DeTable<'i>,
    pub(super) span: Range<usize>,
    pub(super) path: FieldPath,
    used: Vec<&'t str>,
}

impl<'t, 'i> Fields<'t, 'i> {
    pub(super) fn new(table: &'t DeTable<'i>, span: Range<usize>, path: FieldPath) -> Self {
        Fields {
            table,
            span,
            path,
            used: Vec::new(),
        }
    }

    /// Reads `value` as a table, or records a type error.
    pub(super) fn of(
        value: &'t Spanned<DeValue<'i>>,
        path: &FieldPath,
        reader: &mut Reader<'_>,
    ) -> Option<Self> {
        match value.get_ref() {
            DeValue::Table(table) => Some(Fields::new(table, value.span(), path.clone())),
            other => {
                reader.push(wrong_type(value.span(), path, "a table", other));
                None
            }
        }
    }

    pub(super) fn child(&self, key: &str) -> FieldPath {
        self.path.key(key)
    }

    /// Where `key` itself is written, for problems with the key being there
    /// at all (a field that does not apply), rather than with its value.
    pub(super) fn key_span(&self, key: &str) -> Option<Range<usize>> {
        self.table.get_key_value(key).map(|(k, _)| k.span())
    }

    pub(super) fn get(&mut self, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        let (k, v) = self.table.get_key_value(key)?;
        self.used.push(k.get_ref().as_ref());
        Some(v)
    }

    pub(super) fn string(&mut self, key: &str, reader: &mut Reader<'_>) -> Option<Spanned<String>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some(Spanned::new(value.span(), s.to_string())),
            other => {
                reader.push(wrong_type(value.span(), self.child(key), "a string", other));
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, key: &str, reader: &mut Reader<'_>) -> Option<Spanned<bool>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(Spanned::new(value.span(), *b)),
            other => {
                reader.push(wrong_type(
                    value.span(),
                    self.child(key),
                    "`true` or `false`",
                    other,
                ));
                None
            }
        }
    }

    pub(super) fn integer(&mut self, key: &str, reader: &mut Reader<'_>) -> Option<Spanned<i64>> {
        let value = self.get(key)?;
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => {
                i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok()
            }
            _ => None,
        };
        match parsed {
            Some(n) => Some(Spanned::new(value.span(), n)),
            None => {
                reader.push(wrong_type(
                    value.span(),
                    self.child(key),
                    "an integer",
                    value.get_ref(),
                ));
                None
            }
        }
    }

    pub(super) fn string_list(
        &mut self,
        key: &str,
        reader: &mut Reader<'_>,
    ) -> Option<Spanned<Vec<Spanned<String>>>> {
        let value = self.get(key)?;
        let DeValue::Array(items) = value.get_ref() else {
            reader.push(wrong_type(
                value.span(),
                self.child(key),
                "an array of strings",
                value.get_ref(),
            ));
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::String(s) => out.push(Spanned::new(item.span(), s.to_string())),
                other => reader.push(wrong_type(
                    item.span(),
                    self.child(key).index(i),
                    "a string",
                    other,
                )),
            }
        }
        Some(Spanned::new(value.span(), out))
    }

    pub(super) fn table(&mut self, key: &str, reader: &mut Reader<'_>) -> Option<Fields<'t, 'i>> {
        let value = self.get(key)?;
        let path = self.child(key);
        Fields::of(value, &path, reader)
    }

    /// An array of tables (`[[key]]`), each with its indexed path.
    pub(super) fn tables(&mut self, key: &str, reader: &mut Reader<'_>) -> Vec<Fields<'t, 'i>> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        let path = self.child(key);
        let DeValue::Array(items) = value.get_ref() else {
            reader.push(
                wrong_type(value.span(), &path, "an array of tables", value.get_ref()).help(
                    format!("declare each one under its own `[[{path}]]` header"),
                ),
            );
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| Fields::of(item, &path.index(i), reader))
            .collect()
    }

    /// Reports a missing required field, unless an unknown key in the same
    /// table is a typo of it: that key's did-you-mean already says it all.
    pub(super) fn missing(
        &self,
        key: &str,
        known: &[&str],
        reader: &mut Reader<'_>,
        diagnostic: Diagnostic,
    ) {
        if !self.mistyped(known).contains(&key) {
            reader.push(diagnostic);
        }
    }

    /// The known keys that an unknown key of this table is a typo of.
    pub(super) fn mistyped<'k>(&self, known: &[&'k str]) -> Vec<&'k str> {
        self.table
            .iter()
            .map(|(k, _)| -> &str { k.get_ref().as_ref() })
            .filter(|name| !known.contains(name))
            .filter_map(|name| did_you_mean(name, known))
            .collect()
    }

    /// Reports every key that was not read as unknown, with a did-you-mean.
    pub(super) fn reject_unknown(&self, known: &[&str], reader: &mut Reader<'_>) {
        for (key, _) in self.table.iter() {
            let name: &str = key.get_ref().as_ref();
            if !self.used.contains(&name) {
                reader.push(unknown(key.span(), self.child(name), "field", name, known));
            }
        }
    }
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

pub(super) fn wrong_type(
    span: Range<usize>,
    path: impl fmt::Display,
    expected: &str,
    found: &DeValue<'_>,
) -> Diagnostic {
    Diagnostic::new(
        span,
        path.to_string(),
        format!("expected {expected}, found {}", type_name(found)),
    )
}

pub(super) fn unknown(
    span: Range<usize>,
    path: impl fmt::Display,
    what: &str,
    name: &str,
    known: &[&str],
) -> Diagnostic {
    let diagnostic = Diagnostic::new(span, path.to_string(), format!("unknown {what} `{name}`"));
    match did_you_mean(name, known) {
        Some(best) => diagnostic.help(format!("did you mean `{best}`?")),
        None => diagnostic.help(format!("expected one of {}", quoted(known))),
    }
}

pub(super) fn one_of(
    value: &Spanned<String>,
    path: impl fmt::Display,
    what: &str,
    valid: &[&str],
) -> Diagnostic {
    let (message, help) = not_one_of(what, value.get_ref(), valid);
    Diagnostic::new(value.span(), path.to_string(), message).help(help)
}
