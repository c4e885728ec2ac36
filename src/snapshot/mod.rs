//! Snapshots: a project's tables saved in the layout of a DynamoDB export
//! to S3, so a snapshot is readable by other tools and a real export is
//! readable by devstack.
//!
//! `layout` holds the two manifest files' types, `read` reads an export
//! folder back as a table's items (following its manifests, checking every
//! data file's MD5 and item count), and `ion` reads the Amazon Ion text of
//! exports made with `outputFormat` `ION`. `write` writes a table's items
//! in that layout, `save` reads them from an endpoint to write them,
//! `schema` keeps a table's schema beside its items, and `store` is the
//! snapshot folders on disk.

pub mod ion;
pub mod layout;
pub mod read;
pub mod save;
pub mod schema;
pub mod store;
#[cfg(test)]
pub(crate) mod testing;
pub mod write;
