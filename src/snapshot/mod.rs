//! Snapshots: a project's tables saved in the layout of a DynamoDB export
//! to S3, so a snapshot is readable by other tools and a real export is
//! readable by devstack.

pub mod layout;
pub mod save;
pub mod schema;
pub mod store;
pub mod write;
