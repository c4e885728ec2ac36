//! `devstack import`: print `[[table]]` entries for the tables that
//! templates, Terraform, CreateTable JSON or a running DynamoDB define, for
//! a team that wants to own them in `devstack.toml`.

use super::table_sources;
use crate::manifest::write_tables;
use crate::output::{Printer, plural};
use crate::settings::{ImportOptions, Settings};

pub async fn run(
    settings: &Settings,
    options: &ImportOptions,
    printer: &Printer,
) -> anyhow::Result<()> {
    let stack_name = table_sources::folder_name(&settings.cwd);
    let found = table_sources::read(&options.sources, &stack_name, printer).await?;
    found.say_not_carried(printer);
    let tables: Vec<_> = found.tables().cloned().collect();
    printer.info(&format!("{} found", plural(tables.len(), "table")));
    let text = write_tables(&tables, &|t| found.seeds_of(t));
    printer.data(text.trim_start_matches('\n').trim_end())?;
    Ok(())
}
