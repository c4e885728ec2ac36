//! What the table rules say about a table: a problem names a field by its
//! path and the part of the field it is about, never a place in a file;
//! each reader turns that into a place in its own text. The one thing the
//! rules ask of a reader is a line, for messages that send the user to a
//! second place.

use crate::manifest::path::FieldPath;
use crate::manifest::suggest::not_one_of;

/// The part of a field a problem points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// The value written for the field.
    Value,
    /// The field's key: the field being there at all is the problem.
    Key,
    /// The entry that should hold the field: the field is missing.
    Entry,
    /// The value of another field, the one that asks for this one: the
    /// `billing_mode` that needs a capacity nobody wrote.
    ValueOf(FieldPath),
}

/// One thing wrong with a table, by field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field the problem is about, as shown: `table[1].sort_key`.
    pub path: FieldPath,
    pub part: Part,
    /// What is wrong, lowercase, names in backticks.
    pub message: String,
    /// What would be valid, when there is something useful to say.
    pub help: Option<String>,
}

impl Problem {
    pub fn new(path: &FieldPath, part: Part, message: impl Into<String>) -> Problem {
        Problem {
            path: path.clone(),
            part,
            message: message.into(),
            help: None,
        }
    }

    /// A problem with the value written at `path`.
    pub fn value(path: &FieldPath, message: impl Into<String>) -> Problem {
        Problem::new(path, Part::Value, message)
    }

    /// A field at `path` that should not be there.
    pub fn key(path: &FieldPath, message: impl Into<String>) -> Problem {
        Problem::new(path, Part::Key, message)
    }

    /// A field at `path` that is missing from its entry.
    pub fn missing(path: &FieldPath, message: impl Into<String>) -> Problem {
        Problem::new(path, Part::Entry, message)
    }

    /// A value at `path` that names none of the `valid` `what`s.
    pub fn not_one_of(path: &FieldPath, what: &str, name: &str, valid: &[&str]) -> Problem {
        let (message, help) = not_one_of(what, name, valid);
        Problem::value(path, message).help(help)
    }

    pub fn help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }
}

/// What the rules ask of the reader a table came from: the 1-based line
/// where the value at `path` is written, for messages such as "first
/// declared on line 4". A closure serves as well as a reader.
pub trait Lines {
    fn line(&self, path: &FieldPath) -> usize;
}

impl<F: Fn(&FieldPath) -> usize> Lines for F {
    fn line(&self, path: &FieldPath) -> usize {
        self(path)
    }
}
