//! Terraform: `aws_dynamodb_table` (and `aws_dynamodb_global_secondary_index`)
//! resources in `.tf` files, or `terraform show -json` output, read into
//! table drafts; and the manifest's tables written back as HCL.
//!
//! `module` loads the `.tf` files and the variables, `.tfvars` and locals
//! of a module; `eval` works out expressions with the functions of
//! `functions`; `table` maps the resources' arguments onto drafts;
//! `show_json` reads `terraform show -json`; `write` writes HCL.
//!
//! What is read:
//! - a `.tf` file (its tables; variables and locals from every `.tf` file
//!   of its folder), a folder (every `.tf` file in it, not its
//!   subfolders), or `terraform show -json` output (`values.root_module`
//!   and its `child_modules`).
//! - variables: `default`, then `terraform.tfvars`, then `*.auto.tfvars` by
//!   name, then the manifest's `variables`, converted to the variable's
//!   `type`; `locals` in the order they need each other;
//!   `terraform.workspace` is `default`; `count.index` is 0.
//! - the functions `coalesce`, `concat`, `format` (`%s`, `%d`, `%v`),
//!   `join`, `length`, `lookup`, `lower`, `merge`, `replace` (no regular
//!   expressions), `tonumber`, `tostring`, `trimspace`, `upper`; templates,
//!   conditionals, operators and `for` expressions.
//! - `name`, `hash_key`, `range_key` with their `attribute` blocks,
//!   `billing_mode` (the provider's default, `PROVISIONED`, when absent),
//!   `read_capacity`, `write_capacity`, `global_secondary_index` and
//!   `local_secondary_index` blocks, `ttl` (when `enabled`, whose default
//!   is false), `stream_enabled` with `stream_view_type`; an
//!   `aws_dynamodb_global_secondary_index` joins the table it names.
//! - `count` of 0 (no table) or 1.
//!
//! What is a problem, at its place: `for_each`, `dynamic` blocks, `count`
//! other than 0 or 1, references to other resources, data sources and
//! module outputs, functions outside the list, a variable without a value
//! (a table name that needs one is the manifest's to give), a key without
//! its `attribute` block, an unknown argument or block (with its
//! did-you-mean), and HCL or JSON that is not valid.
//!
//! What is listed as not carried: `server_side_encryption`,
//! `point_in_time_recovery`, `tags`, `tags_all`,
//! `deletion_protection_enabled`, `table_class`, `replica`,
//! `import_table`, the `restore_*` arguments, `on_demand_throughput`,
//! `warm_throughput`, `region`, `lifecycle`, `provider`, `depends_on`,
//! `timeouts`, and the capacities and throughputs of indexes.
//!
//! Other resources and the `provider`, `terraform`, `output`, `data` and
//! `module` blocks are not looked at.

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

/// Terraform's words for the manifest's field names, in the table rules'
/// messages.
const WORDS: &[(&str, &str)] = &[
    ("partition_key", "hash_key"),
    ("sort_key", "range_key"),
    ("global_index", "global_secondary_index"),
    ("local_index", "local_secondary_index"),
    ("projection", "projection_type"),
    ("stream", "stream_view_type"),
];

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
