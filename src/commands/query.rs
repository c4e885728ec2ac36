//! `devstack query TABLE KEY`: the items of one partition, in sort key
//! order, with an optional sort key condition.

use crate::dynamo::client::{self, Profile};
use crate::dynamo::items::ItemWriter;
use crate::dynamo::read;
use crate::output::{Printer, plural};
use crate::settings::{QueryOptions, Settings};

pub async fn run(
    settings: &Settings,
    options: &QueryOptions,
    printer: &Printer,
) -> anyhow::Result<()> {
    let manifest = settings.manifest_without_seed_files()?;
    let endpoint = settings.endpoint(&manifest).await?;
    let client = client::for_project(endpoint.url(), &manifest.project, Profile::Command);
    let read = &options.read;
    let source = read::source(
        client,
        &manifest,
        endpoint.url(),
        &options.table,
        read.index.as_deref(),
    )
    .await?;
    let pages = source.query(
        &options.key,
        options.sort.as_ref(),
        options.reverse,
        read.expressions.clone(),
    )?;
    let mut writer = ItemWriter::new(read.format, source.keys.clone(), printer);
    writer.write_pages(pages, read.limit).await?;
    let (count, _) = writer.close()?;
    let partition = source
        .key_schema()
        .0
        .map_or_else(String::new, |k| k.name.clone());
    printer.info(&format!(
        "{} from `{}` where `{partition}` = {}",
        plural(count, "item"),
        source.state.name,
        options.key
    ));
    Ok(())
}
