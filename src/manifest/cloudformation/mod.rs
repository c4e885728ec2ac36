//! CloudFormation and SAM templates (YAML with the short intrinsic tags, or
//! JSON; CDK's `cdk.out/*.template.json`), and `CreateTable` JSON, read
//! into table drafts; and the manifest's tables written back as a template
//! or as `CreateTable` requests.

use crate::manifest::TableSpec;
use crate::manifest::imported::{FileRead, Request};

/// Reads the tables of the template at `request.path`.
pub fn read_template(request: &Request<'_>) -> anyhow::Result<FileRead> {
    anyhow::bail!(
        "`{}`: reading CloudFormation is not built yet",
        request.path.display()
    )
}

/// Reads the `CreateTable` requests (or `describe-table` output) at
/// `request.path`.
pub fn read_create_table(request: &Request<'_>) -> anyhow::Result<FileRead> {
    anyhow::bail!(
        "`{}`: reading CreateTable JSON is not built yet",
        request.path.display()
    )
}

/// The tables as a CloudFormation template.
pub fn write_template(_tables: &[TableSpec]) -> String {
    String::new()
}

/// The tables as `CreateTable` requests: a JSON array, one per table.
pub fn write_create_table(_tables: &[TableSpec]) -> String {
    String::new()
}
