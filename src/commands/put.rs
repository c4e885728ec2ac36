//! `devstack put TABLE [ITEM]`: writes one item, or each item on stdin,
//! once every one has been read and checked against the table's key, and
//! prints what it wrote as `scan` prints items.

use std::io::{IsTerminal, Read};

use anyhow::Context;

use crate::dynamo::client::{self, Profile};
use crate::dynamo::items::ItemWriter;
use crate::dynamo::{read, single};
use crate::error::UsageError;
use crate::output::{Printer, plural};
use crate::settings::{PutOptions, Settings};

pub async fn run(
    settings: &Settings,
    options: &PutOptions,
    printer: &Printer,
) -> anyhow::Result<()> {
    let (text, what) = match &options.item {
        Some(text) => (text.clone(), "the item"),
        None => {
            if std::io::stdin().is_terminal() {
                printer.info("reading items from stdin, one JSON object each; end with Ctrl-D");
            }
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read the items from stdin")?;
            (text, "stdin")
        }
    };
    // Every item is read before any request, so bad JSON writes nothing.
    let items = single::parse_items(&text, what)?;
    let manifest = settings.manifest_without_seed_files()?;
    let endpoint = settings.endpoint(&manifest).await?;
    let client = client::for_project(endpoint.url(), &manifest.project, Profile::Command);
    let source = read::source(client, &manifest, endpoint.url(), &options.table, None).await?;
    let schema = single::schema_of(&source)?;
    let table = &source.state.name;
    for (at, item) in items.iter().enumerate() {
        single::check_key(&schema, item, table).map_err(|err| match items.len() {
            1 => err,
            _ => UsageError(format!("item {} of {what}: {}", at + 1, err.0)),
        })?;
    }
    let mut writer = ItemWriter::new(options.format, schema.names(), printer);
    for item in items {
        single::put(&source.client, table, item.clone()).await?;
        writer.write(item)?;
    }
    let (count, _) = writer.close()?;
    printer.info(&format!("put {} into `{table}`", plural(count, "item")));
    Ok(())
}
