//! Terraform: `aws_dynamodb_table` (and `aws_dynamodb_global_secondary_index`)
//! resources in `.tf` files, or `terraform show -json` output, read into
//! table drafts; and the manifest's tables written back as HCL.

use crate::manifest::TableSpec;
use crate::manifest::imported::{FileRead, Request};

/// Reads the tables of the module (a `.tf` file or a folder) or the
/// `terraform show -json` output at `request.path`.
pub fn read(request: &Request<'_>) -> anyhow::Result<Vec<FileRead>> {
    anyhow::bail!(
        "`{}`: reading Terraform is not built yet",
        request.path.display()
    )
}

/// The tables as `aws_dynamodb_table` resources.
pub fn write(_tables: &[TableSpec]) -> String {
    String::new()
}
