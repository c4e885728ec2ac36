//! A DynamoDB item and DynamoDB's own rules for it, at the bottom of the
//! tree: seed files are read into items, `scan` and `query` write items out,
//! and nothing here knows where an item comes from or goes to.
//!
//! The parts: `number` (DynamoDB's numbers: precision, range and one
//! spelling per value) and `size` (what an item weighs against the 400 KB
//! limit).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

pub mod number;
mod size;
#[cfg(test)]
pub(crate) mod testing;

pub use size::item_size;

/// A DynamoDB item: attribute names to values.
pub type Item = HashMap<String, AttributeValue>;

/// The largest item DynamoDB stores, in bytes (400 KB), as [`item_size`] counts them.
pub const MAX_ITEM_SIZE: usize = 409_600;

/// How deep lists and maps may nest inside an item.
pub const MAX_NESTING: usize = 32;

/// The most significant digits a DynamoDB number keeps.
pub const MAX_NUMBER_DIGITS: usize = 38;

/// Long values cut to 60 characters for messages.
pub fn clip(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", text.get(..at).unwrap_or(text)),
        None => text.to_string(),
    }
}
