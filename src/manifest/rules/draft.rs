//! A table as a reader found it, before any rule looked at it: the same
//! fields whether it was written as a `[[table]]` in `devstack.toml`, a
//! CloudFormation resource or a `CreateTable` request. Every field is
//! optional, because a reader may not find it: `None` means the reader
//! found nothing the rules can use. Names and types stay text, for the
//! rules to check.

use crate::manifest::SeedSpec;
use crate::manifest::path::FieldPath;

/// A field the reader found written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<T> {
    Read(T),
    /// Written, but in a form the reader could not read, and has said why.
    /// The rules count it as written, without a value: a key is not
    /// missing, a capacity is there on a table that does not use one.
    Unreadable,
}

/// A key attribute as written: its name and the name of its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDraft {
    pub attribute: String,
    pub ty: String,
}

/// A table and its indexes as a reader found them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableDraft {
    /// Where the reader found the table, `table[1]`: every problem's path
    /// starts here.
    pub path: FieldPath,
    /// The logical name, without the table prefix.
    pub name: Option<String>,
    pub partition_key: Option<Found<KeyDraft>>,
    pub sort_key: Option<Found<KeyDraft>>,
    pub billing_mode: Option<String>,
    pub read_capacity: Option<Found<i64>>,
    pub write_capacity: Option<Found<i64>>,
    /// The TTL attribute's name.
    pub ttl: Option<String>,
    /// The stream view type's name.
    pub stream: Option<String>,
    pub global_indexes: Vec<IndexDraft>,
    pub local_indexes: Vec<IndexDraft>,
    /// The seed files, already checked by the reader: they are about files,
    /// not about the table.
    pub seeds: Vec<SeedSpec>,
}

/// A global or local secondary index as a reader found it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexDraft {
    /// Where the reader found the index, `table[1].global_index[0]`.
    pub path: FieldPath,
    pub name: Option<String>,
    pub partition_key: Option<Found<KeyDraft>>,
    pub sort_key: Option<Found<KeyDraft>>,
    /// The projection type's name.
    pub projection: Option<String>,
    pub non_key_attributes: Option<Vec<String>>,
}
