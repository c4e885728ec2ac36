//! Terraform: `aws_dynamodb_table` (and `aws_dynamodb_global_secondary_index`)
//! resources in `.tf` files, or `terraform show -json` output, read into
//! table drafts; and the manifest's tables written back as HCL.

mod eval;
mod functions;
mod module;
mod show_json;
mod table;
#[cfg(test)]
mod tests;
mod write;

use anyhow::Context;

use crate::manifest::TableSpec;
use crate::manifest::imported::{FileRead, Request};

/// Reads the tables of the module (a `.tf` file or a folder) or the
/// `terraform show -json` output at `request.path`.
pub fn read(request: &Request<'_>) -> anyhow::Result<Vec<FileRead>> {
    let path = request.path;
    std::fs::metadata(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let json = path.is_file() && path.extension().is_some_and(|e| e == "json");
    if json && !path.to_string_lossy().ends_with(".tf.json") {
        return show_json::read(path).map(|file| vec![file]);
    }
    if json {
        anyhow::bail!(
            "`{}`: Terraform's JSON syntax is not read; point at `terraform show -json` output or at `.tf` files",
            path.display()
        );
    }
    module::read(request)
}

/// The tables as `aws_dynamodb_table` resources.
pub fn write(tables: &[TableSpec]) -> String {
    write::write(tables)
}
