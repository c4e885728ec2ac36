//! `devstack export`: the manifest's tables in a form the tools that create
//! them on the real service take: a CloudFormation template, Terraform, or
//! `CreateTable` requests for the AWS CLI.

use std::path::Path;

use anyhow::Context;

use crate::error::UsageError;
use crate::manifest::imported::ExportFormat;
use crate::manifest::{cloudformation, terraform};
use crate::output::{Printer, plural};
use crate::settings::Settings;

pub fn run(
    settings: &Settings,
    format: ExportFormat,
    out: Option<&Path>,
    printer: &Printer,
) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    if manifest.tables.is_empty() {
        // An empty template is one CloudFormation refuses.
        return Err(UsageError(format!(
            "`{}` has no tables to export",
            manifest.path.display()
        ))
        .into());
    }
    let text = match format {
        ExportFormat::Cloudformation => cloudformation::write_template(&manifest.tables),
        ExportFormat::Terraform => terraform::write(&manifest.tables),
        ExportFormat::CreateTableJson => cloudformation::write_create_table(&manifest.tables),
    };
    match out {
        Some(path) => {
            std::fs::write(path, &text)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            printer.info(&format!(
                "wrote {} to {}",
                plural(manifest.tables.len(), "table"),
                path.display()
            ));
        }
        None => printer.data(text.trim_end())?,
    }
    if format == ExportFormat::CreateTableJson {
        // CreateTable has no TTL: it is a call of its own.
        for table in manifest.tables.iter().filter(|t| t.ttl.is_some()) {
            let ttl = table.ttl.as_deref().unwrap_or_default();
            printer.info(&format!(
                "`{}` expires items by `{ttl}`, which CreateTable cannot say; after creating it run:\n  aws dynamodb update-time-to-live --table-name {} --time-to-live-specification Enabled=true,AttributeName={ttl}",
                table.physical, table.physical
            ));
        }
    }
    Ok(())
}
