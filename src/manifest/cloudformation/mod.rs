//! CloudFormation and SAM templates (YAML with the short intrinsic tags, or
//! JSON; CDK's `cdk.out/*.template.json`), and `CreateTable` JSON, read
//! into table drafts; and the manifest's tables written back as a template
//! or as `CreateTable` requests.
//!
//! `yaml` reads the text (JSON is YAML) with byte spans, `intrinsics`
//! works out the functions a template's table properties use, `table`
//! reads the properties templates and requests share, `template` and
//! `request` read each kind of file, and `write` writes both.

mod intrinsics;
mod request;
mod table;
mod template;
#[cfg(test)]
mod tests;
mod write;
mod yaml;

use std::path::Path;

use anyhow::Context;

use crate::manifest::TableSpec;
use crate::manifest::imported::{FileRead, Request};

/// CloudFormation's and CreateTable's words for the manifest's field
/// names, in the table rules' messages.
const WORDS: &[(&str, &str)] = &[
    ("partition_key", "HASH key"),
    ("sort_key", "RANGE key"),
    ("billing_mode", "BillingMode"),
    ("read_capacity", "ReadCapacityUnits"),
    ("write_capacity", "WriteCapacityUnits"),
    ("global_index", "GlobalSecondaryIndexes"),
    ("local_index", "LocalSecondaryIndexes"),
    ("projection", "ProjectionType"),
    ("non_key_attributes", "NonKeyAttributes"),
    ("ttl", "TimeToLiveSpecification"),
    ("stream", "StreamViewType"),
];

/// Reads the tables of the template at `request.path`.
pub fn read_template(request: &Request<'_>) -> anyhow::Result<FileRead> {
    Ok(template::read(request, read_text(request.path)?))
}

/// Reads the `CreateTable` requests (or `describe-table` output) at
/// `request.path`.
pub fn read_create_table(request: &Request<'_>) -> anyhow::Result<FileRead> {
    Ok(request::read(request, read_text(request.path)?))
}

/// The tables as a CloudFormation template.
pub fn write_template(tables: &[TableSpec]) -> String {
    write::template(tables)
}

/// The tables as `CreateTable` requests: a JSON array, one per table.
pub fn write_create_table(tables: &[TableSpec]) -> String {
    write::create_table(tables)
}

/// One table as a `CreateTable` request for `aws dynamodb create-table
/// --cli-input-json`. The request has no TTL: the CLI refuses keys it does
/// not know, so a table's TTL is set afterwards, with `aws dynamodb
/// update-time-to-live`.
pub fn create_table_request(table: &TableSpec) -> serde_json::Value {
    write::create_table_request(table)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))
}
